"""Sessions end after the organization's idle minutes and its session hours (safe defaults,
bounded ranges), whatever the cookie says; the sign-in page says why. The sign-in policy page
is for owners/admins, and its changes are in the audit log."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from rounds.accounts.models import Organization
from rounds.audit.models import AuditEvent

from .conftest import sign_in

pytestmark = pytest.mark.django_db

TODAY = reverse("today")
LOGIN = reverse("accounts:login")


def signed_in(client) -> bool:
    return client.get(TODAY).status_code == 200


def test_defaults_are_safe(org):
    assert (org.session_idle_minutes, org.session_max_hours, org.require_two_factor) == (
        60,
        12,
        False,
    )


def test_an_idle_session_ends_after_the_organizations_minutes(recruiter):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, recruiter.email, PASSWORD)
        clock.shift(timedelta(minutes=59))
        assert signed_in(client)
        clock.shift(timedelta(minutes=60, seconds=1))  # an hour without a request
        response = client.get(TODAY)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        page = client.get(response["Location"]).content.decode()
        assert "You were signed out after 60 minutes without activity." in page
        # Said once.
        assert "without activity" not in client.get(LOGIN).content.decode()
        assert "_auth_user_id" not in client.session


def test_activity_keeps_a_session_until_its_hours_are_up(recruiter, org):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, recruiter.email, PASSWORD)
        for _ in range(23):  # a request every 30 minutes for 11.5 hours
            clock.shift(timedelta(minutes=30))
            assert signed_in(client)
        clock.shift(timedelta(minutes=30, seconds=1))
        response = client.get(TODAY, follow=True)
    assert "your session reached 12 hours" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_organizations_own_limits_apply(recruiter, org):
    Organization.objects.filter(pk=org.pk).update(session_idle_minutes=15, session_max_hours=2)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, recruiter.email, PASSWORD)
        clock.shift(timedelta(minutes=14))
        assert signed_in(client)
        clock.shift(timedelta(minutes=15, seconds=1))
        page = client.get(TODAY, follow=True).content.decode()
        assert "after 15 minutes without activity" in page
        sign_in(client, recruiter.email, PASSWORD)
        for _ in range(12):
            clock.shift(timedelta(minutes=10))
            assert signed_in(client)
        clock.shift(timedelta(seconds=1))
        assert not signed_in(client)


def test_a_session_begun_before_the_policy_counts_from_the_last_sign_in(login, recruiter):
    client = login(recruiter)  # no stamps in the session, as before this policy
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        assert not signed_in(client)


def test_a_timed_out_api_call_by_session_is_refused(recruiter):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, recruiter.email, PASSWORD)
        assert client.get("/api/accounts/me").status_code == 200
        clock.shift(timedelta(minutes=61))
        assert client.get("/api/accounts/me").status_code == 401


def test_the_session_cookie_outlives_no_organizations_longest_session(settings):
    assert settings.SESSION_COOKIE_AGE == 7 * 24 * 3600
    assert (
        settings.MIDDLEWARE.index("rounds.accounts.middleware.SignInPolicyMiddleware")
        == settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    )


# --- the sign-in policy page ---------------------------------------------------------------------

POLICY = reverse("accounts:sign_in_policy")


def test_an_owner_sets_the_sign_in_policy(login, owner, org):
    client = login(owner)
    page = client.get(POLICY).content.decode()
    assert "Sign-in and sessions" in page and "1 of 1 active people" in page
    response = client.post(
        POLICY, {"require_two_factor": "on", "session_idle_minutes": "30", "session_max_hours": "8"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.require_two_factor, org.session_idle_minutes, org.session_max_hours) == (
        True,
        30,
        8,
    )
    event = AuditEvent.objects.get(object_type="organization", actor=owner)
    assert event.changes == {
        "require_two_factor": ["False", "True"],
        "session_idle_minutes": ["60", "30"],
        "session_max_hours": ["12", "8"],
    }
    settings_home = client.get(reverse("accounts:settings"))
    assert settings_home["Location"] == reverse("accounts:two_factor_setup")  # now required


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("session_idle_minutes", "4", "greater than or equal to 5"),
        ("session_idle_minutes", "1441", "less than or equal to 1440"),
        ("session_max_hours", "0", "greater than or equal to 1"),
        ("session_max_hours", "169", "less than or equal to 168"),
        ("session_idle_minutes", "ten", "Enter a whole number"),
    ],
)
def test_limits_outside_the_ranges_are_refused(login, owner, org, field, value, message):
    data = {"session_idle_minutes": "60", "session_max_hours": "12", field: value}
    response = login(owner).post(POLICY, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    org.refresh_from_db()
    assert (org.session_idle_minutes, org.session_max_hours) == (60, 12)


def test_the_action_checks_the_ranges_too(owner, org):
    from django.core.exceptions import ValidationError

    from rounds.accounts.actions import do_update_sign_in_policy

    with pytest.raises(ValidationError) as caught:
        do_update_sign_in_policy(org, actor=owner, session_idle_minutes=0, session_max_hours=500)
    assert set(caught.value.error_dict) == {"session_idle_minutes", "session_max_hours"}


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "read_only"])
def test_only_admins_see_the_sign_in_policy(request, login, persona, org):
    client = login(request.getfixturevalue(persona))
    assert client.get(POLICY).status_code == 403
    assert (
        client.post(POLICY, {"session_idle_minutes": "5", "session_max_hours": "1"}).status_code
        == 403
    )
    org.refresh_from_db()
    assert org.session_idle_minutes == 60


def test_each_organization_has_its_own_policy(login, owner, org, other_org):
    other_owner = other_org.users.get()
    login(other_owner).post(POLICY, {"session_idle_minutes": "5", "session_max_hours": "1"})
    org.refresh_from_db()
    other_org.refresh_from_db()
    assert (org.session_idle_minutes, other_org.session_idle_minutes) == (60, 5)
