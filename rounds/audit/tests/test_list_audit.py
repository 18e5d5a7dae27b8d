"""Reading a list of people is audited like an export, once per request (never once per row),
and bulk contact details follow export's rule: a role that may not export (read-only, hiring
manager) gets candidate lists without emails and phones."""

from django.urls import reverse

from conftest import make_candidates
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent


def list_events(org):
    return AuditEvent.objects.filter(organization=org, action=AuditAction.VIEW,
                                     changes__has_key="list")


def test_each_page_of_the_api_list_is_one_audit_event(login, recruiter, org):
    make_candidates(org, recruiter, 5)
    client = login(recruiter)
    for offset in ("0", "3"):
        response = client.get("/api/candidates", {"limit": "3", "offset": offset})
        assert response.status_code == 200
    events = list(list_events(org).order_by("id"))
    assert len(events) == 2
    assert [e.changes["shown"] for e in events] == [3, 2]
    assert events[0].via == "api" and events[0].actor == recruiter
    assert events[0].changes["contact_details"] is True


def test_the_web_list_is_audited_once_per_request(login, recruiter, org):
    make_candidates(org, recruiter, 4)
    assert login(recruiter).get(reverse("candidates:list")).status_code == 200
    [event] = list_events(org)
    assert (event.via, event.changes["list"], event.changes["shown"]) == ("web", "candidates", 4)


def test_a_read_only_user_lists_candidates_without_contact_details(login, read_only, candidate,
                                                                   org):
    assert login(read_only).get(reverse("candidates:export")).status_code == 403
    body = login(read_only).get("/api/candidates").json()
    [item] = body["items"]
    assert item["full_name"] == "Amara Okafor"
    assert (item["email"], item["phone"]) == ("", "")
    assert "left out" in body["warnings"][-1]
    assert list_events(org).get().changes["contact_details"] is False
    # One record at a time, each view audited, they still read.
    detail = login(read_only).get(f"/api/candidates/{candidate.uuid}").json()
    assert detail["email"] == "Amara.Okafor@example.com"


def test_a_recruiter_still_gets_contact_details_in_lists(login, recruiter, candidate):
    [item] = login(recruiter).get("/api/candidates").json()["items"]
    assert item["email"] == "Amara.Okafor@example.com" and item["phone"]
