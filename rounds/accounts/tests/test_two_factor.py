"""Two-factor sign-in: setting it up from the account page, signing in with a code (a state
that is not yet a session of the user), recovery codes, turning it off with the password, an
owner's reset, and the organization's requirement."""

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from rounds.accounts import actions, throttle, twofactor
from rounds.accounts.models import Organization, RecoveryCode, TwoFactorDevice, User
from rounds.audit.models import AuditEvent

from .conftest import sign_in

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:two_factor_setup")
CODE = reverse("accounts:login_code")
TODAY = reverse("today")


def secret_on(page: str) -> str:
    return re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def set_up(client: Client) -> tuple[str, list[str]]:
    """Set up two-factor sign-in through the pages; returns the secret and recovery codes."""
    page = client.get(SETUP).content.decode()
    secret = secret_on(page)
    response = client.post(SETUP, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(
        r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", response.content.decode()
    )
    return secret, codes


def with_two_factor(user) -> str:
    """Give `user` an authenticator directly (as the set-up page would); returns the secret."""
    secret = twofactor.new_secret()
    actions.do_enable_two_factor(user, secret=secret, step=0)
    return secret


def next_code(secret: str, clock) -> str:
    """A code of a later step than any used so far (a code works once)."""
    clock.shift(timedelta(seconds=twofactor.STEP_SECONDS))
    return pyotp.TOTP(secret).now()


def events(user, key):
    return [
        e.changes[key]
        for e in AuditEvent.objects.filter(object_id=str(user.pk)).order_by("at", "id")
        if key in e.changes
    ]


# --- set-up ------------------------------------------------------------------------------------


def test_set_up_shows_a_qr_code_and_the_secret_and_needs_a_right_code(login, recruiter):
    client = login(recruiter)
    page = client.get(SETUP)
    body = page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert '<svg role="img" aria-label="QR code' in body
    secret = secret_on(body)
    assert len(secret) == 32
    # The same secret until it is confirmed (a reload doesn't change what was scanned).
    assert secret_on(client.get(SETUP).content.decode()) == secret

    wrong = client.post(
        SETUP, {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"}
    )
    assert "That code doesn&#x27;t match" in wrong.content.decode()
    assert not TwoFactorDevice.objects.filter(user=recruiter).exists()

    done = client.post(SETUP, {"code": pyotp.TOTP(secret).now()})
    body = done.content.decode()
    assert done["Cache-Control"] == "no-store"
    assert "This is the only time they are shown" in body
    codes = re.findall(r"<code>([a-z0-9-]{19})</code>", body)
    assert len(codes) == 10 == len(set(codes))
    device = TwoFactorDevice.objects.get(user=recruiter)
    assert device.secret == secret
    stored = set(RecoveryCode.objects.filter(user=recruiter).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes)  # hashes only
    assert events(recruiter, "two_factor") == [["off", "on"]]


def test_the_account_page_says_whether_it_is_on(login, recruiter):
    client = login(recruiter)
    assert (
        "Set up two-factor sign-in" in client.get(reverse("accounts:two_factor")).content.decode()
    )
    set_up(client)
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "10 of 10 recovery codes left" in page
    assert "Turn off two-factor sign-in" in page


# --- signing in --------------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_and_is_no_session_until_it_is_right(recruiter):
    secret = with_two_factor(recruiter)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        response = sign_in(client, recruiter.email, PASSWORD)
        assert response.status_code == 302 and response["Location"] == CODE
        assert "_auth_user_id" not in client.session
        assert client.get(TODAY).status_code == 302  # still signed out

        page = client.get(CODE)
        assert "Enter your sign-in code" in page.content.decode()
        wrong = client.post(CODE, {"code": "12345x"})
        assert "That code doesn&#x27;t match" in wrong.content.decode()
        assert "_auth_user_id" not in client.session

        right = client.post(CODE, {"code": next_code(secret, clock)})
        assert right.status_code == 302 and right["Location"] == TODAY
        assert int(client.session["_auth_user_id"]) == recruiter.pk
        assert client.get(TODAY).status_code == 200


def test_the_password_step_gives_the_browser_a_new_session_id(recruiter):
    with_two_factor(recruiter)
    client = Client()
    planted = client.session  # a session that existed before the password was typed
    planted["x"] = 1
    planted.save()
    client.cookies["sessionid"] = planted.session_key
    sign_in(client, recruiter.email, PASSWORD)
    assert client.cookies["sessionid"].value != planted.session_key


def test_the_code_step_keeps_where_the_person_was_going(recruiter):
    secret = with_two_factor(recruiter)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(
            reverse("accounts:login"),
            {"username": recruiter.email, "password": PASSWORD, "next": "/candidates/"},
        )
        response = client.post(CODE, {"code": next_code(secret, clock)})
    assert response["Location"] == "/candidates/"


def test_a_code_works_once(recruiter):
    secret = with_two_factor(recruiter)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        code = next_code(secret, clock)
        first = Client()
        sign_in(first, recruiter.email, PASSWORD)
        assert first.post(CODE, {"code": code}).status_code == 302
        second = Client()  # someone who saw it over a shoulder
        sign_in(second, recruiter.email, PASSWORD)
        replay = second.post(CODE, {"code": code})
        assert replay.status_code == 200
        assert "_auth_user_id" not in second.session


def test_a_recovery_code_signs_in_once(recruiter):
    client = Client()
    client.force_login(recruiter)
    _secret, codes = set_up(client)
    client.post(reverse("accounts:logout"))

    for expected in (302, 200):
        browser = Client()
        sign_in(browser, recruiter.email, PASSWORD)
        response = browser.post(CODE, {"code": codes[3].upper().replace("-", " ")})
        assert response.status_code == expected
    assert twofactor.recovery_codes_left(recruiter) == 9
    assert (
        "sign_in"
        in AuditEvent.objects.filter(changes__sign_in="with a recovery code (9 left)")
        .first()
        .changes
    )


def test_wrong_codes_are_throttled_and_end_the_half_signed_in_state(recruiter):
    secret = with_two_factor(recruiter)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, recruiter.email, PASSWORD)
        for _ in range(throttle.CODE.attempts):
            assert client.post(CODE, {"code": "000000"}).status_code == 200
        refused = client.post(CODE, {"code": next_code(secret, clock)})
        assert refused.status_code == 429
        assert "Too many wrong codes" in refused.content.decode()
        assert "_auth_user_id" not in client.session
        # The password step must be passed again, and the code step still waits.
        assert client.get(CODE)["Location"] == reverse("accounts:login")
        other = Client()
        sign_in(other, recruiter.email, PASSWORD)
        assert other.post(CODE, {"code": next_code(secret, clock)}).status_code == 429
        clock.shift(timedelta(seconds=throttle.CODE.window))
        sign_in(other, recruiter.email, PASSWORD)
        assert other.post(CODE, {"code": next_code(secret, clock)}).status_code == 302
    refusals = events(recruiter, "sign_in")
    assert refusals.count("refused: wrong two-factor code") == throttle.CODE.attempts
    assert len([r for r in refusals if r.startswith("refused: too many wrong")]) == 1


def test_the_code_step_expires(recruiter):
    secret = with_two_factor(recruiter)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, recruiter.email, PASSWORD)
        clock.shift(timedelta(minutes=10, seconds=1))
        response = client.post(CODE, {"code": pyotp.TOTP(secret).now()}, follow=True)
    assert "waited too long" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_password_changed_meanwhile_ends_the_code_step(recruiter):
    secret = with_two_factor(recruiter)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, recruiter.email, PASSWORD)
        recruiter.set_password("a different passphrase entirely")
        recruiter.save()
        response = client.post(CODE, {"code": next_code(secret, clock)})
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_the_code_step_without_a_password_goes_to_sign_in():
    assert Client().get(CODE)["Location"] == reverse("accounts:login")


# --- turning it off, new codes, an owner's reset ----------------------------------------------


def test_turning_it_off_needs_the_password(login, recruiter):
    client = login(recruiter)
    set_up(client)
    url = reverse("accounts:two_factor")
    wrong = client.post(url, {"off-password": "not it"})
    assert "That isn&#x27;t your password" in wrong.content.decode()
    assert twofactor.has_two_factor(recruiter)
    right = client.post(url, {"off-password": PASSWORD})
    assert right.status_code == 302
    assert not twofactor.has_two_factor(recruiter)
    assert not RecoveryCode.objects.filter(user=recruiter).exists()
    assert events(recruiter, "two_factor") == [["off", "on"], ["on", "off"]]


def test_guessing_the_password_to_turn_it_off_is_throttled(login, recruiter, password_checks):
    client = login(recruiter)
    set_up(client)
    url = reverse("accounts:two_factor")
    for _ in range(throttle.PAIR.attempts):
        client.post(url, {"off-password": "guess"}, REMOTE_ADDR="198.51.100.1")
    checked = len(password_checks)
    page = client.post(url, {"off-password": PASSWORD}, REMOTE_ADDR="198.51.100.1")
    assert "Too many wrong passwords" in page.content.decode()
    assert len(password_checks) == checked
    assert twofactor.has_two_factor(recruiter)


def test_it_cannot_be_turned_off_where_the_organization_requires_it(login, recruiter, org):
    client = login(recruiter)
    set_up(client)
    Organization.objects.filter(pk=org.pk).update(require_two_factor=True)
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "requires two-factor sign-in, so it stays on" in page
    response = client.post(reverse("accounts:two_factor"), {"off-password": PASSWORD})
    assert "can&#x27;t be turned off" in response.content.decode()
    assert twofactor.has_two_factor(recruiter)


def test_new_recovery_codes_replace_the_old_ones(login, recruiter):
    client = login(recruiter)
    _secret, old = set_up(client)
    response = client.post(reverse("accounts:two_factor"), {"renew-password": PASSWORD})
    assert response["Cache-Control"] == "no-store"
    new = re.findall(r"<code>([a-z0-9-]{19})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert twofactor.verify(recruiter, old[0]) is None
    assert twofactor.verify(recruiter, new[0]) == twofactor.RECOVERY_CODE


def test_moving_to_a_new_phone_keeps_the_old_one_until_the_new_code_is_right(login, recruiter):
    client = login(recruiter)
    old_secret, _codes = set_up(client)
    page = client.get(SETUP).content.decode()
    assert "Move two-factor sign-in to a new phone" in page
    new_secret = secret_on(page)
    assert new_secret != old_secret
    assert TwoFactorDevice.objects.get(user=recruiter).secret == old_secret
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        client.post(SETUP, {"code": pyotp.TOTP(new_secret).now()})
    assert TwoFactorDevice.objects.get(user=recruiter).secret == new_secret
    assert events(recruiter, "two_factor")[-1] == "new authenticator app"


def test_an_owner_resets_someones_two_factor(login, owner, recruiter):
    with_two_factor(recruiter)
    client = login(owner)
    assert "Reset two-factor" in client.get(reverse("accounts:users")).content.decode()
    response = client.post(
        reverse("accounts:user_two_factor_reset", args=[recruiter.pk]), follow=True
    )
    assert "two-factor sign-in is reset" in response.content.decode()
    assert not twofactor.has_two_factor(recruiter)
    event = AuditEvent.objects.filter(actor=owner, object_id=str(recruiter.pk)).last()
    assert event.changes == {"two_factor": ["on", "off (reset by an administrator)"]}
    # Now the password alone signs them in.
    assert sign_in(Client(), recruiter.email, PASSWORD)["Location"] == TODAY


def test_an_owner_cannot_reset_their_own_two_factor_from_the_users_page(login, owner):
    with_two_factor(owner)
    response = login(owner).post(
        reverse("accounts:user_two_factor_reset", args=[owner.pk]), follow=True
    )
    assert "from your account page" in response.content.decode()
    assert twofactor.has_two_factor(owner)


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "read_only"])
def test_only_admins_reset_someones_two_factor(request, login, persona, owner):
    with_two_factor(owner)
    user = request.getfixturevalue(persona)
    response = login(user).post(reverse("accounts:user_two_factor_reset", args=[owner.pk]))
    assert response.status_code == 403
    assert twofactor.has_two_factor(owner)


def test_another_organizations_user_is_a_404(login, owner, other_org):
    outsider_owner = User.objects.get(email="owner@lonestar.test")
    with_two_factor(outsider_owner)
    client = login(owner)
    for name in ("accounts:user_two_factor_reset", "accounts:user_password_reset"):
        assert client.post(reverse(name, args=[outsider_owner.pk])).status_code == 404
    assert twofactor.has_two_factor(outsider_owner)


# --- the organization's requirement ----------------------------------------------------------


def test_where_it_is_required_people_without_it_set_it_up_before_anything_else(
    login, recruiter, org
):
    Organization.objects.filter(pk=org.pk).update(require_two_factor=True)
    client = login(recruiter)
    for url in (TODAY, reverse("candidates:list"), reverse("accounts:tokens")):
        assert client.get(url)["Location"] == SETUP
    htmx = client.get(TODAY, headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == SETUP
    page = client.get(SETUP).content.decode()
    assert "requires two-factor sign-in. Set it up to go on" in page
    assert client.post(reverse("accounts:logout")).status_code == 302  # signing out still works

    client = login(recruiter)
    set_up(client)
    assert client.get(TODAY).status_code == 200


def test_the_requirement_applies_to_people_already_signed_in(login, recruiter, org):
    client = login(recruiter)
    assert client.get(TODAY).status_code == 200
    Organization.objects.filter(pk=org.pk).update(require_two_factor=True)
    assert client.get(TODAY)["Location"] == SETUP


def test_the_requirement_reaches_only_its_organization(login, org, other_org, outsider):
    Organization.objects.filter(pk=org.pk).update(require_two_factor=True)
    assert login(outsider).get(TODAY).status_code == 200
