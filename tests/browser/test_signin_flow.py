"""Signing in, as people do it in Chromium: an owner requires two-factor sign-in and sets it up
from the QR page (the secret read off the page, the code computed as an authenticator app
would); a recruiter is sent to set it up, signs in with a code and with a recovery code; the
owner resets it and turns it off. A password reset from the email actually sent, and one sent
by the owner. The throttle's message and the idle sign-out's. Every page is looked at."""

import uuid
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from django.test import Client

from rounds.accounts import throttle
from rounds.accounts.models import Organization, TwoFactorDevice, User
from rounds.messaging import delivery
from tests.browser.conftest import PASSWORD, link_in_email, look, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a fresh and unusual passphrase"


@pytest.fixture(autouse=True)
def own_throttle_keys(settings):
    """Every browser here signs in from 127.0.0.1: keep this test's counts its own."""
    settings.SIGN_IN_THROTTLE_PREFIX = prefix = f"rounds-browser-test:{uuid.uuid4().hex}:"
    yield
    if settings.REDIS_URL:  # Redis keys would outlive the test by their window
        client = throttle._redis_client(settings.REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        if keys:
            client.delete(*keys)


def password_step(page, base, user, password=PASSWORD, name="sign-in"):
    page.goto(f"{base}/accounts/login/")
    look(page, name)
    page.fill("#id_username", user.email)
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")


def set_up_from_the_page(page, name) -> list[str]:
    """On the set-up page: read the key under the QR code, type the app's code, keep the
    recovery codes shown."""
    from playwright.sync_api import expect

    expect(page.locator("figure.accounts-qr svg[role=img]")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("button:has-text('Turn on two-factor sign-in')")
    expect(page.locator("h1")).to_have_text("Two-factor sign-in is on")
    look(page, f"{name}-recovery-codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    return codes


def test_two_factor_sign_in_required_set_up_used_reset_and_turned_off(
    live_server, new_page, org, owner, recruiter
):
    from playwright.sync_api import expect

    base = live_server.url
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        desk = new_page()
        script_errors = sign_in(desk, base, owner)

        # The owner requires two-factor sign-in for everyone, herself included.
        desk.goto(f"{base}/accounts/settings/sign-in/")
        look(desk, "sign-in-policy")
        desk.check("#id_require_two_factor")
        desk.fill("#id_session_idle_minutes", "30")
        desk.click("button:has-text('Save sign-in settings')")
        expect(desk.locator("h1")).to_have_text("Set up two-factor sign-in")
        expect(desk.locator("main")).to_contain_text("requires two-factor sign-in")
        look(desk, "owner-must-set-up")
        org.refresh_from_db()
        assert org.require_two_factor and org.session_idle_minutes == 30
        set_up_from_the_page(desk, "owner")
        desk.click("text=I've kept them — done")
        expect(desk.locator("main")).to_contain_text("10 of 10 recovery codes left")
        look(desk, "owner-two-factor-on")

        # The recruiter, on her phone, is sent to set it up before anything else.
        phone = new_page(phone=True)
        password_step(phone, base, recruiter, name="recruiter-sign-in")
        expect(phone.locator("h1")).to_have_text("Set up two-factor sign-in")
        look(phone, "recruiter-sent-to-set-up")
        phone.goto(f"{base}/candidates/")  # anywhere else: back to set-up
        expect(phone.locator("h1")).to_have_text("Set up two-factor sign-in")
        look(phone, "recruiter-must-set-up")
        phone.fill("#id_code", "000000")
        phone.click("button:has-text('Turn on two-factor sign-in')")
        expect(phone.locator(".error")).to_contain_text("That code doesn't match")
        look(phone, "recruiter-set-up-wrong-code")
        codes = set_up_from_the_page(phone, "recruiter")
        secret = TwoFactorDevice.objects.get(user=recruiter).secret

        # Next time: the password, then the code (a new one: a code works once).
        later = new_page(phone=True)
        password_step(later, base, recruiter, name="recruiter-sign-in-again")
        expect(later.locator("h1")).to_have_text("Enter your sign-in code")
        look(later, "code-step")
        clock.shift(timedelta(seconds=31))
        later.fill("#id_code", "123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
        later.click("button:has-text('Sign in')")
        expect(later.locator(".error")).to_contain_text("That code doesn't match")
        look(later, "code-step-wrong")
        later.fill("#id_code", pyotp.TOTP(secret).now())
        later.click("button:has-text('Sign in')")
        expect(later.locator("h1")).to_have_text("Today")
        look(later, "recruiter-today")

        # Without the phone: a recovery code, once.
        spare = new_page()
        password_step(spare, base, recruiter, name="recruiter-sign-in-spare")
        expect(spare.locator("h1")).to_have_text("Enter your sign-in code")
        look(spare, "code-step-desktop")
        spare.fill("#id_code", codes[0])
        spare.click("button:has-text('Sign in')")
        expect(spare.locator(".messages")).to_contain_text("You signed in with a recovery code")
        look(spare, "recovery-code-used")

        # The owner resets the recruiter's two-factor sign-in (a lost phone).
        desk.goto(f"{base}/accounts/settings/users/")
        look(desk, "users")
        desk.click(f"button[aria-label='Reset two-factor sign-in of {recruiter}']")
        expect(desk.locator(".messages")).to_contain_text("two-factor sign-in is reset")
        look(desk, "users-after-reset")
        assert not TwoFactorDevice.objects.filter(user=recruiter).exists()

        # The owner makes it optional again, renews her recovery codes, and turns hers off.
        desk.goto(f"{base}/accounts/settings/sign-in/")
        look(desk, "sign-in-policy-required")
        desk.uncheck("#id_require_two_factor")
        desk.click("button:has-text('Save sign-in settings')")
        expect(desk.locator(".messages")).to_contain_text("Sign-in settings saved")
        look(desk, "sign-in-policy-saved")
        desk.goto(f"{base}/accounts/two-factor/")
        look(desk, "owner-two-factor-page")
        desk.fill("#id_renew-password", PASSWORD)
        desk.click("button:has-text('Make new recovery codes')")
        expect(desk.locator("h1")).to_have_text("Your new recovery codes")
        look(desk, "owner-new-codes")
        desk.click("text=I've kept them — done")
        expect(desk.locator("h1")).to_have_text("Two-factor sign-in")
        look(desk, "owner-two-factor-page-after-renewal")
        desk.fill("#id_off-password", "not my password")
        desk.click("button:has-text('Turn off two-factor sign-in')")
        expect(desk.locator(".error")).to_contain_text("That isn't your password")
        look(desk, "turn-off-wrong-password")
        desk.fill("#id_off-password", PASSWORD)
        desk.click("button:has-text('Turn off two-factor sign-in')")
        expect(desk.locator(".messages")).to_contain_text("Two-factor sign-in is off")
        look(desk, "owner-two-factor-off")
        assert not TwoFactorDevice.objects.filter(user=owner).exists()
    assert script_errors == []


def test_password_reset_from_the_email_actually_sent_and_from_the_owner(
    live_server, new_page, settings, smtp, org, owner, recruiter
):
    from playwright.sync_api import expect

    settings.PUBLIC_URL = live_server.url
    base = live_server.url
    phone = new_page(phone=True)
    phone.goto(f"{base}/accounts/login/")
    look(phone, "sign-in")
    phone.click("text=Forgot your password?")
    expect(phone.locator("h1")).to_have_text("Choose a new password")
    look(phone, "reset-ask")
    phone.fill("#id_email", recruiter.email)
    phone.click("button:has-text('Email me a link')")
    expect(phone.locator("h1")).to_have_text("Check your email")
    look(phone, "reset-sent")

    delivery.drain()  # the worker sends what the outbox holds

    [message] = smtp.wait_for(1)
    assert message["To"] == recruiter.email
    link = link_in_email(message, "/accounts/reset/")
    assert link.startswith(base)
    phone.goto(link)
    expect(phone.locator("h1")).to_have_text("Choose a new password")
    look(phone, "reset-choose")
    phone.fill("#id_new_password1", "password")
    phone.fill("#id_new_password2", "password")
    phone.click("button:has-text('Save new password')")
    expect(phone.locator(".error").first).to_contain_text("too common")
    look(phone, "reset-weak-password")
    phone.fill("#id_new_password1", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    phone.click("button:has-text('Save new password')")
    expect(phone.locator(".messages")).to_contain_text("Your password is changed")
    look(phone, "reset-done")
    phone.fill("#id_username", recruiter.email)
    phone.fill("#id_password", NEW_PASSWORD)
    phone.click("button:has-text('Sign in')")
    expect(phone.locator("h1")).to_have_text("Today")
    look(phone, "today-with-new-password")

    # The link works once.
    spent = new_page()
    spent.goto(link)
    expect(spent.locator("h1")).to_have_text("This link doesn't work")
    look(spent, "reset-link-spent")

    # The owner sends the recruiter a link from the Users page.
    desk = new_page()
    sign_in(desk, base, owner)
    desk.goto(f"{base}/accounts/settings/users/")
    look(desk, "users")
    desk.click(f"button[aria-label='Email {recruiter} a password reset link']")
    expect(desk.locator(".messages")).to_contain_text("is on its way to recruiter@prairie.test")
    look(desk, "owner-sent-reset")
    delivery.drain()  # the worker sends what the outbox holds
    sent = smtp.wait_for(2)[1]
    assert "an administrator at Prairie Family Clinics" in sent.get_body().get_content()
    fresh = new_page(phone=True)
    fresh.goto(link_in_email(sent, "/accounts/reset/"))
    expect(fresh.locator("h1")).to_have_text("Choose a new password")
    look(fresh, "owner-sent-link-opens")

    # Inviting an address with an account elsewhere answers like any invitation.
    User.objects.create_user(
        username="taken@elsewhere.test", email="taken@elsewhere.test", password=PASSWORD
    )
    desk.goto(f"{base}/accounts/settings/invitations/")
    look(desk, "invitations")
    desk.fill("#id_email", "taken@elsewhere.test")
    desk.click("button:has-text('Send invitation')")
    expect(desk.locator(".messages")).to_contain_text(
        "Invitation to taken@elsewhere.test as recruiter is on its way")
    look(desk, "invited-someone-with-an-account")
    delivery.drain()  # the worker sends what the outbox holds
    explained = smtp.wait_for(3)[2]
    assert "already has a Rounds account" in explained.get_body().get_content()


def test_the_throttle_and_the_idle_sign_out_say_what_happened(
    live_server, new_page, org, owner, recruiter
):
    from playwright.sync_api import expect

    base = live_server.url
    # Someone at this address guessed the recruiter's password until refused.
    for _ in range(throttle.PAIR.attempts):
        Client().post(
            "/accounts/login/",
            {"username": recruiter.email, "password": "guess"},
            REMOTE_ADDR="127.0.0.1",
        )
    page = new_page(phone=True)
    password_step(page, base, recruiter)
    expect(page.locator(".errors")).to_contain_text("Too many attempts to sign in. Wait 15 minutes")
    look(page, "throttled")
    page.click("text=Get a link to choose a new one")
    expect(page.locator("h1")).to_have_text("Choose a new password")
    look(page, "throttled-to-reset")

    Organization.objects.filter(pk=org.pk).update(session_idle_minutes=20)
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        desk = new_page()
        sign_in(desk, base, owner)
        clock.shift(timedelta(minutes=21))
        desk.reload()
        expect(desk.locator("h1")).to_have_text("Sign in to Rounds")
        expect(desk.locator("main")).to_contain_text(
            "You were signed out after 20 minutes without activity."
        )
        look(desk, "signed-out-idle")
