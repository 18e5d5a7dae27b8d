"""Merging two records of one person keeps everything both held."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from rounds.activities.actions import do_add_note
from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates.actions import (
    do_add_attachment,
    do_add_related,
    do_create_candidate,
    do_record_consent,
)
from rounds.candidates.merge import do_merge_candidates, preview_moves
from rounds.candidates.models import (
    Attachment,
    Candidate,
    ConsentRecord,
    DuplicateDismissal,
    Licence,
    Specialty,
)
from rounds.jobs.models import Job
from rounds.pipeline.actions import do_add_to_pipeline, do_move_application
from rounds.pipeline.models import Application, StageChange


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf(name="cv.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                              content_type="application/pdf")


@pytest.fixture
def second_job(org, recruiter):
    return Job.objects.create(organization=org, title="Locum — Lethbridge", profession="physician",
                              owner=recruiter)


@pytest.fixture
def third_job(org, recruiter):
    return Job.objects.create(organization=org, title="Rural GP — Brooks", profession="physician",
                              owner=recruiter)


@pytest.fixture
def pair(org, recruiter, candidate, job, second_job, third_job, stages):
    """Two records of Amara Okafor, each with history of its own."""
    survivor = candidate  # from conftest: email, phone, specialty Family Medicine
    other = do_create_candidate(
        org.pk, actor=recruiter, first_name="Amara", last_name="Okafor",
        email="amara.okafor@example.com", phone="", profession="physician",
        headline="", summary="Loves rural obstetrics", city="Red Deer", region="AB", country="CA",
        specialties=["Family Medicine", "Obstetrics"], tags=["francophone", "2025 fair"],
    )
    from rounds.candidates.actions import set_tags

    set_tags(survivor, ["francophone", "ER nocturnist"])
    # Licences: one the same on both (CA-AB 12345), one only on the other record.
    do_add_related(survivor, Licence, actor=recruiter, jurisdiction="CA-AB", number="12345")
    do_add_related(other, Licence, actor=recruiter, jurisdiction="CA-AB", number="12345")
    do_add_related(other, Licence, actor=recruiter, jurisdiction="CA-BC", number="BC-777")
    # Activities.
    do_add_note(survivor, actor=recruiter, body="Called about Red Deer")
    do_add_note(other, actor=recruiter, body="Met at the 2025 fair")
    do_add_note(other, actor=recruiter, body="Prefers text messages")
    # Consent records.
    do_record_consent(survivor, channel="email", basis="express", actor=recruiter)
    do_record_consent(other, channel="sms", basis="express", actor=recruiter)
    do_record_consent(other, channel="email", basis="implied_inquiry", actor=recruiter)
    # Attachments.
    do_add_attachment(survivor, pdf("cv-2023.pdf"), actor=recruiter)
    do_add_attachment(other, pdf("cv-2025.pdf"), actor=recruiter)
    # Applications: both in `job` (other further along), other alone in second_job,
    # survivor alone in third_job.
    app_s = do_add_to_pipeline(survivor, job, actor=recruiter)
    app_o = do_add_to_pipeline(other, job, actor=recruiter)
    do_move_application(app_o, stages["Contacted"], actor=recruiter)
    do_move_application(app_o, stages["Screened"], actor=recruiter)
    do_add_note(other, actor=recruiter, body="Screened well", application=app_o)
    do_add_to_pipeline(other, second_job, actor=recruiter)
    do_add_to_pipeline(survivor, third_job, actor=recruiter)
    # A referral pointing at the other record.
    referred = do_create_candidate(
        org.pk, actor=recruiter, first_name="Ben", last_name="Referred", profession="physician",
        source="referral", referred_by=other,
    )
    for c in (survivor, other):
        c.refresh_from_db()
    return survivor, other, referred, app_s, app_o


def counts(candidate):
    return {
        "activities": Activity.objects.filter(candidate=candidate).count(),
        "applications": Application.objects.filter(candidate=candidate).count(),
        "attachments": Attachment.objects.filter(candidate=candidate).count(),
        "consents": ConsentRecord.objects.filter(candidate=candidate).count(),
        "licences": Licence.objects.filter(candidate=candidate).count(),
        "specialties": Specialty.objects.filter(candidate=candidate).count(),
    }


def merge(survivor, other, actor, **kw):
    with transaction.atomic():
        return do_merge_candidates(survivor, other, actor=actor, **kw)


def test_merge_keeps_every_activity_application_attachment_and_consent(pair, recruiter, job):
    survivor, other, referred, app_s, app_o = pair
    before_s, before_o = counts(survivor), counts(other)
    stage_changes_before = StageChange.objects.filter(
        application__in=[app_s, app_o]).count()
    other_activity_ids = set(Activity.objects.filter(candidate=other).values_list("pk", flat=True))
    other_attachment_ids = set(other.attachments.values_list("pk", flat=True))
    other_consent_ids = set(other.consents.values_list("pk", flat=True))

    result = merge(survivor, other, recruiter)

    after_s, after_o = counts(survivor), counts(other)
    # Every activity of both, plus the "applications combined" and "merged with" notes.
    assert after_s["activities"] == before_s["activities"] + before_o["activities"] + 2
    assert other_activity_ids <= set(
        Activity.objects.filter(candidate=survivor).values_list("pk", flat=True))
    assert after_o["activities"] == 0
    # Every attachment and consent record, none left behind.
    assert after_s["attachments"] == before_s["attachments"] + before_o["attachments"] == 2
    assert other_attachment_ids <= set(survivor.attachments.values_list("pk", flat=True))
    assert after_s["consents"] == before_s["consents"] + before_o["consents"] == 3
    assert other_consent_ids <= set(survivor.consents.values_list("pk", flat=True))
    assert after_o["attachments"] == after_o["consents"] == 0
    # Applications: 2 + 2 minus the one combined in the shared job.
    assert after_s["applications"] == 3
    assert after_o["applications"] == 0
    assert result.moved["applications"] == 2
    # Licences: the same CA-AB 12345 is not doubled; BC-777 moves.
    numbers = sorted(survivor.licences.values_list("jurisdiction", "number"))
    assert numbers == [("CA-AB", "12345"), ("CA-BC", "BC-777")]
    assert result.kept_on_merged["licences"] == 1
    # Specialties: Family Medicine not doubled, Obstetrics added.
    assert sorted(survivor.specialties.values_list("name", flat=True)) == [
        "Family Medicine", "Obstetrics"]
    # Stage history of both applications in the shared job is kept on one application.
    shared = Application.objects.get(candidate=survivor, job=job)
    assert shared.stage.name == "Screened"  # the other's was further along
    # every StageChange row of both applications ends on the kept one
    assert StageChange.objects.filter(application=shared).count() == stage_changes_before
    assert not Application.objects.filter(pk=app_s.pk).exists()
    assert Activity.objects.filter(
        application=shared, kind=ActivityKind.STAGE_CHANGE).count() == 4
    # Tags united.
    assert sorted(survivor.tags.values_list("name", flat=True)) == [
        "2025 fair", "ER nocturnist", "francophone"]
    # The referral now points at the survivor.
    referred.refresh_from_db()
    assert referred.referred_by_id == survivor.pk
    # The other record is kept, marked merged, and is out of current lists.
    other.refresh_from_db()
    assert other.merged_into_id == survivor.pk
    assert not Candidate.objects.current().filter(pk=other.pk).exists()
    # Search text now covers what came from the other record.
    survivor.refresh_from_db()
    assert "obstetrics" in survivor.search_text
    assert "met at the 2025 fair" in survivor.search_text
    # Audit: a MERGE event on both; a system activity on the survivor's timeline.
    merge_events = AuditEvent.objects.filter(action=AuditAction.MERGE)
    assert set(merge_events.values_list("candidate_id", flat=True)) == {survivor.pk, other.pk}
    ev = merge_events.get(candidate=survivor)
    assert ev.actor == recruiter
    assert str(other.uuid) in ev.changes["merged_from"][1]
    assert Activity.objects.filter(
        candidate=survivor, kind=ActivityKind.SYSTEM, subject=f"Merged with {other}").exists()


def test_merge_applies_chosen_fields_and_fills_empty_ones(pair, recruiter):
    survivor, other, *_ = pair
    assert survivor.summary == "" and other.summary
    merge(survivor, other, recruiter, field_choices={"location": "other", "email": "survivor"})
    survivor.refresh_from_db()
    assert survivor.city == "Red Deer"  # chosen
    assert survivor.email == "Amara.Okafor@example.com"  # kept (domain normalized)
    assert survivor.summary == "Loves rural obstetrics"  # empty on the survivor: filled
    assert survivor.phone == "+14035550142"  # the other's is empty: survivor's kept
    event = AuditEvent.objects.get(candidate=survivor, action=AuditAction.MERGE)
    assert event.changes["city"] == ["Calgary", "Red Deer"]


def test_merge_refuses_self_already_merged_and_bad_choices(pair, recruiter, org):
    survivor, other, *_ = pair
    with pytest.raises(ValidationError, match="itself"):
        merge(survivor, survivor, recruiter)
    with pytest.raises(ValidationError) as exc:
        merge(survivor, other, recruiter, field_choices={"password": "other"})
    assert "password" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        merge(survivor, other, recruiter, field_choices={"email": "both"})
    assert "email" in exc.value.message_dict
    merge(survivor, other, recruiter)
    other.refresh_from_db()
    with pytest.raises(ValidationError, match="already merged"):
        merge(survivor, other, recruiter)


def test_hired_application_beats_open_one_in_same_job(org, recruiter, job, stages):
    a = do_create_candidate(org.pk, actor=recruiter, first_name="Li", last_name="Wong",
                            profession="registered_nurse", email="li@example.com")
    b = do_create_candidate(org.pk, actor=recruiter, first_name="Li", last_name="Wong",
                            profession="registered_nurse", email="LI@example.com")
    app_a = do_add_to_pipeline(a, job, actor=recruiter, stage=stages["Offer"])
    app_b = do_add_to_pipeline(b, job, actor=recruiter)
    do_move_application(app_b, stages["Hired"], actor=recruiter)
    merge(a, b, recruiter)
    kept = Application.objects.get(candidate=a, job=job)
    assert kept.pk == app_b.pk and kept.stage.name == "Hired"
    assert not Application.objects.filter(pk=app_a.pk).exists()
    assert kept.stage_changes.count() == 3  # a: added at Offer; b: added, → Hired


def test_earlier_merges_point_straight_at_the_new_survivor(org, recruiter):
    a, b, c = (
        do_create_candidate(org.pk, actor=recruiter, first_name="Sam", last_name=f"Roe{i}",
                            profession="physician")
        for i in range(3)
    )
    merge(b, c, recruiter)
    merge(a, b, recruiter)
    c.refresh_from_db()
    assert c.merged_into_id == a.pk


def test_dismissals_of_the_other_record_carry_over(org, recruiter):
    a, b, x = (
        do_create_candidate(org.pk, actor=recruiter, first_name="Kim", last_name=f"Lo{i}",
                            profession="physician")
        for i in range(3)
    )
    DuplicateDismissal.objects.create(organization=org, first=b, second=x, dismissed_by=recruiter)
    merge(a, b, recruiter)
    lo, hi = sorted((a.pk, x.pk))
    assert DuplicateDismissal.objects.filter(first_id=lo, second_id=hi).exists()


def test_preview_lists_what_will_move(pair):
    _survivor, other, *_ = pair
    moves = dict(preview_moves(other))
    assert moves["applications"] == 2
    assert moves["attachments"] == 1
    assert moves["consent records"] == 2
    assert moves["referrals"] == 1
    assert moves["tags"] == 2


# --- The merge page -------------------------------------------------------------------------

def test_merge_page_shows_differing_fields_with_defaults(pair, login, recruiter):
    survivor, other, *_ = pair
    response = login(recruiter).get(reverse("candidates:merge", args=[survivor.uuid, other.uuid]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Red Deer" in html and "Calgary" in html
    form = response.context["form"]
    assert form["summary"].initial == "other"  # the survivor's is empty
    assert form["location"].initial == "survivor"
    assert "first_name" not in form.fields  # the same on both
    assert reverse("candidates:merge", args=[other.uuid, survivor.uuid]) in html  # swap


def test_merge_page_post_merges_and_redirects_to_survivor(pair, login, recruiter):
    survivor, other, *_ = pair
    url = reverse("candidates:merge", args=[survivor.uuid, other.uuid])
    response = login(recruiter).post(url, {"location": "other", "summary": "other",
                                           "phone": "survivor", "headline": "survivor",
                                           "referral": "survivor", "source": "survivor",
                                           "email": "survivor"})
    assert response.status_code == 302
    assert response.url == reverse("candidates:detail", args=[survivor.uuid])
    survivor.refresh_from_db()
    other.refresh_from_db()
    assert other.merged_into_id == survivor.pk
    assert survivor.city == "Red Deer"


def test_merge_page_bad_choice_is_shown_next_to_field_and_nothing_changes(
    pair, login, recruiter
):
    survivor, other, *_ = pair
    url = reverse("candidates:merge", args=[survivor.uuid, other.uuid])
    response = login(recruiter).post(url, {"location": "nonsense"})
    assert response.status_code == 200
    assert "Choose one of the two values." in response.content.decode()
    other.refresh_from_db()
    assert other.merged_into_id is None


def test_merge_page_refuses_self_and_merged(pair, login, recruiter):
    survivor, other, *_ = pair
    client = login(recruiter)
    r = client.post(reverse("candidates:merge", args=[survivor.uuid, survivor.uuid]))
    assert r.status_code == 409
    assert "cannot be merged with itself" in r.content.decode()
    merge(survivor, other, recruiter)
    r = client.get(reverse("candidates:merge", args=[survivor.uuid, other.uuid]))
    assert "already merged" in r.content.decode()
    assert "Merge into" not in r.content.decode()


def test_outsider_gets_404_on_merge_page(pair, login, outsider, other_org):
    survivor, other, *_ = pair
    url = reverse("candidates:merge", args=[survivor.uuid, other.uuid])
    assert login(outsider).get(url).status_code == 404
    assert login(outsider).post(url, {}).status_code == 404
    other.refresh_from_db()
    assert other.merged_into_id is None


def test_cannot_merge_across_organizations(pair, login, recruiter, other_org, outsider):
    survivor, _other, *_ = pair
    foreign = do_create_candidate(other_org.pk, actor=outsider, first_name="Amara",
                                  last_name="Okafor", profession="physician",
                                  email="amara.okafor@example.com")
    for a, b in ((survivor, foreign), (foreign, survivor)):
        url = reverse("candidates:merge", args=[a.uuid, b.uuid])
        assert login(recruiter).post(url, {}).status_code == 404
        assert login(outsider).post(url, {}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.merged_into_id is None


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_only_editors_may_merge(pair, login, persona, request):
    survivor, other, *_ = pair
    user = request.getfixturevalue(persona)
    url = reverse("candidates:merge", args=[survivor.uuid, other.uuid])
    assert login(user).get(url).status_code == 403
    assert login(user).post(url, {}).status_code == 403
    other.refresh_from_db()
    assert other.merged_into_id is None


def test_owner_may_merge_with_the_default_choices(pair, login, owner):
    survivor, other, *_ = pair
    url = reverse("candidates:merge", args=[survivor.uuid, other.uuid])
    client = login(owner)
    form = client.get(url).context["form"]
    defaults = {name: field.initial for name, field in form.fields.items()}
    assert client.post(url, {}).status_code == 200  # a choice missing: said, nothing done
    assert client.post(url, defaults).status_code == 302
    other.refresh_from_db()
    assert other.merged_into_id == survivor.pk
