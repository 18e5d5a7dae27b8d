"""The outreach settings page: admins only; the sending window may be narrowed, never widened,
and every refusal names its field."""

import html
from datetime import time

import pytest
from django.urls import reverse

from conftest import make_user
from rounds.accounts.choices import Role
from rounds.accounts.models import User
from rounds.audit.models import AuditEvent

from ..models import OutreachSettings

URL = "messaging:settings"


def form_data(**changes):
    data = {
        "sender_name": "Prairie Family Clinics recruiting", "sender_email": "jobs@prairie.test",
        "contact_phone": "+1 403 555 0100", "sms_from_number": "", "window_start": "09:00",
        "window_end": "20:00", "respond_target_minutes": "30", "alert_before_minutes": "10",
        "backup_responder": "", "email_per_minute": "0", "sms_per_second": "1",
        "meeting_day_start": "09:00", "meeting_day_end": "17:00", "meeting_weekdays": ["0", "2"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_narrows_the_window_and_sets_the_target(login, owner, org, recruiter):
    response = login(owner).post(reverse(URL), form_data(
        respond_target_minutes="20", alert_before_minutes="5", backup_responder=recruiter.pk,
        sms_from_number="587 555 0199"))
    assert response.status_code == 302, response.content.decode()
    rules = OutreachSettings.for_org(org.pk)
    assert (rules.window_start, rules.window_end) == (time(9, 0), time(20, 0))
    assert rules.respond_target_minutes == 20 and rules.alert_before_minutes == 5
    assert rules.backup_responder == recruiter
    assert rules.sms_from_number == "+15875550199"
    assert rules.meeting_weekdays == [0, 2]
    assert AuditEvent.objects.filter(object_type="outreachsettings", actor=owner).exists()


@pytest.mark.parametrize("field, value, label, words", [
    ("window_start", "07:30", "Sending window starts", "08:00 at the earliest"),
    ("window_end", "21:30", "Sending window ends", "21:00 at the latest"),
])
def test_widening_the_window_is_refused_with_the_field_named(login, owner, org, field, value,
                                                             label, words):
    response = login(owner).post(reverse(URL), form_data(**{field: value}))
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert f"{label}: Narrow the window, never widen it: {words}." in page
    rules = OutreachSettings.for_org(org.pk)
    assert (rules.window_start, rules.window_end) == (time(8, 0), time(21, 0))


def test_alert_must_come_before_the_target(login, owner, org):
    response = login(owner).post(reverse(URL), form_data(respond_target_minutes="10",
                                                         alert_before_minutes="15"))
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Alert this many minutes before the target: Alert before the target" in page
    assert OutreachSettings.for_org(org.pk).respond_target_minutes == 30


def test_backup_responder_must_be_of_the_organization(login, owner, org, outsider):
    response = login(owner).post(reverse(URL), form_data(backup_responder=outsider.pk))
    assert response.status_code == 400
    assert "Backup responder" in html.unescape(response.content.decode())
    assert OutreachSettings.for_org(org.pk).backup_responder is None


def test_bad_texting_number_is_named(login, owner, org):
    response = login(owner).post(reverse(URL), form_data(sms_from_number="12"))
    assert response.status_code == 400
    assert "Texting number: " in html.unescape(response.content.decode())


def test_only_admins_see_or_change_settings(login, recruiter, hiring_manager, read_only, org):
    for user in (recruiter, hiring_manager, read_only):
        client = login(user)
        assert client.get(reverse(URL)).status_code == 403
        assert client.post(reverse(URL), form_data(window_start="10:00")).status_code == 403
    assert OutreachSettings.for_org(org.pk).window_start == time(8, 0)


def test_another_organizations_admin_changes_only_their_own(login, org, other_org):
    theirs = User.objects.get(email="owner@lonestar.test")
    page = login(theirs).get(reverse(URL)).content.decode()
    assert "Olivia" not in page  # our users are not offered as their backup
    response = login(theirs).post(reverse(URL), form_data(window_start="10:00"))
    assert response.status_code == 302
    assert OutreachSettings.for_org(other_org.pk).window_start == time(10, 0)
    assert OutreachSettings.for_org(org.pk).window_start == time(8, 0)


def test_inactive_user_is_not_offered_as_backup(login, owner, org):
    gone = make_user(org, Role.RECRUITER, "gone@prairie.test", "Gone", "Away")
    gone.is_active = False
    gone.save()
    page = login(owner).get(reverse(URL)).content.decode()
    assert "Gone Away" not in page
    response = login(owner).post(reverse(URL), form_data(backup_responder=gone.pk))
    assert response.status_code == 400
