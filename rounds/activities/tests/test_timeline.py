"""The candidate timeline: notes, calls with outcome, meetings and stage moves in one list;
who may add to it; free-text search finds what was written."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rounds.activities.actions import (
    do_add_note,
    do_log_call,
    do_log_meeting,
    timeline_queryset,
)
from rounds.activities.models import Activity
from rounds.audit.models import AuditEvent
from rounds.candidates.models import Candidate
from rounds.pipeline.actions import do_add_to_pipeline, do_move_application

pytestmark = pytest.mark.django_db


def note_url(candidate, kind="note"):
    return reverse(f"activities:{kind}_add", kwargs={"uuid": candidate.uuid})


def test_timeline_has_every_kind_newest_first(recruiter, candidate, job, stages):
    app = do_add_to_pipeline(candidate, job, actor=recruiter)
    do_add_note(candidate, actor=recruiter, body="Interested in rural ER")
    do_log_call(candidate, actor=recruiter, outcome="connected", duration_minutes=15,
                body="Wants locum first", application=app)
    do_log_meeting(candidate, actor=recruiter, subject="Site visit Red Deer",
                   body="Loved the hospital", duration_minutes=90)
    do_move_application(app, stages["Contacted"], actor=recruiter)
    earlier = do_add_note(candidate, actor=recruiter, body="Met at conference",
                          occurred_at=timezone.now() - timedelta(days=30))
    kinds = [a.kind for a in timeline_queryset(candidate, recruiter)]
    assert kinds == ["stage_change", "meeting", "call", "note", "stage_change", "note"]
    assert list(timeline_queryset(candidate, recruiter))[-1] == earlier
    call = Activity.objects.get(kind="call")
    assert call.outcome == "connected" and call.subject == "Call — Connected"
    candidate.refresh_from_db()
    assert candidate.last_activity_at is not None
    assert "wants locum first" in candidate.search_text
    assert "loved the hospital" in candidate.search_text


def test_actions_refuse_bad_input(recruiter, candidate, job, org):
    with pytest.raises(ValidationError) as exc:
        do_add_note(candidate, actor=recruiter, body="   ")
    assert "body" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_log_call(candidate, actor=recruiter, outcome="great")
    assert "outcome" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_log_meeting(candidate, actor=recruiter, subject="")
    assert "subject" in exc.value.message_dict
    from rounds.candidates.actions import do_create_candidate

    other = do_create_candidate(org.pk, actor=recruiter, first_name="O", last_name="P",
                                profession="physician")
    app = do_add_to_pipeline(other, job, actor=recruiter)
    with pytest.raises(ValidationError) as exc:
        do_add_note(candidate, actor=recruiter, body="x", application=app)
    assert "application" in exc.value.message_dict


def test_detail_page_shows_timeline_with_outcome_and_stage_moves(login, recruiter, candidate,
                                                                job, stages):
    app = do_add_to_pipeline(candidate, job, actor=recruiter)
    do_log_call(candidate, actor=recruiter, outcome="voicemail", duration_minutes=1)
    do_move_application(app, stages["Engaged"], actor=recruiter)
    html = login(recruiter).get(
        reverse("candidates:detail", kwargs={"uuid": candidate.uuid})).content.decode()
    html = html[html.index('<ul class="timeline">'):]
    assert "Left voicemail" in html and "1 min" in html
    assert "Sourced → Engaged" in html
    assert html.index("Sourced → Engaged") < html.index("Left voicemail")


def test_recruiter_adds_note_call_meeting_via_web(login, recruiter, candidate):
    client = login(recruiter)
    response = client.post(note_url(candidate), {"note-body": "Prefers texts after 6pm"})
    assert response.status_code == 302 and response.url.endswith("#timeline")
    response = client.post(note_url(candidate, "call"), {
        "call-outcome": "call_back", "call-direction": "out", "call-duration_minutes": "4"},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Asked to call back" in response.content.decode()
    response = client.post(note_url(candidate, "meeting"),
                           {"meeting-subject": "Video call", "meeting-duration_minutes": "30"})
    assert response.status_code == 302
    assert sorted(Activity.objects.filter(candidate=candidate).values_list("kind", flat=True)) \
        == ["call", "meeting", "note"]
    assert AuditEvent.objects.filter(candidate=candidate, object_type="activity").count() == 3
    assert Candidate.objects.filter(search_text__contains="prefers texts").exists()


def test_invalid_timeline_forms_keep_input_and_name_the_field(login, recruiter, candidate):
    client = login(recruiter)
    response = client.post(note_url(candidate, "call"),
                           {"call-outcome": "", "call-body": "keep this text"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose how the call went." in html and "keep this text" in html
    future = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(note_url(candidate), {"note-body": "x", "note-occurred_at": future},
                           HTTP_HX_REQUEST="true")
    assert "in the future" in response.content.decode()
    assert not Activity.objects.exists()


def test_hiring_manager_adds_note_on_candidates_in_their_jobs_only(login, hiring_manager,
                                                                   recruiter, candidate, job):
    client = login(hiring_manager)
    assert client.post(note_url(candidate), {"note-body": "x"}).status_code == 404
    do_add_to_pipeline(candidate, job, actor=recruiter)
    job.hiring_team.add(hiring_manager)
    assert client.post(note_url(candidate), {"note-body": "Strong interview"}).status_code == 302
    assert Activity.objects.get(kind="note").actor == hiring_manager


def test_read_only_gets_403_and_outsider_404(login, read_only, outsider, candidate):
    for kind, data in (("note", {"note-body": "x"}), ("call", {"call-outcome": "connected"}),
                       ("meeting", {"meeting-subject": "x"})):
        assert login(read_only).post(note_url(candidate, kind), data).status_code == 403
        assert login(outsider).post(note_url(candidate, kind), data).status_code == 404
    url = reverse("activities:timeline", kwargs={"uuid": candidate.uuid})
    assert login(outsider).get(url).status_code == 404
    assert not Activity.objects.filter(kind__in=["note", "call", "meeting"]).exists()


def test_older_entries_page(login, recruiter, candidate):
    for i in range(55):
        do_add_note(candidate, actor=recruiter, body=f"entry {i:02d}",
                    occurred_at=timezone.now() - timedelta(hours=i))
    client = login(recruiter)
    detail = client.get(reverse("candidates:detail", kwargs={"uuid": candidate.uuid}))
    html = detail.content.decode()
    assert "entry 00" in html and "entry 54" not in html and "Show older" in html
    url = reverse("activities:timeline", kwargs={"uuid": candidate.uuid})
    older = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "entry 54" in older and "entry 00" not in older


def test_activity_feed_api_is_scoped(login, recruiter, outsider, candidate):
    note = do_add_note(candidate, actor=recruiter, body="visible to my org")
    body = login(recruiter).get("/api/activities?kind=note").json()
    assert [i["id"] for i in body["items"]] == [note.pk]
    assert body["items"][0]["candidate_uuid"] == str(candidate.uuid)
    assert login(outsider).get("/api/activities").json()["count"] == 0
    assert login(outsider).get(f"/api/activities/{note.pk}").status_code == 404
    assert login(recruiter).get(f"/api/activities/{note.pk}").status_code == 200
    bad = login(recruiter).get("/api/activities?kind=telegram")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]
