"""Erasing a candidate leaves no personal string anywhere: a person imported from a file,
written to and heard from by email and text, noted, with a CV on file, in a pipeline, in the
locum network, in the match index and found by search, is erased; then every column of every
table, every file under MEDIA_ROOT and the in-memory match index are searched for the marker
their every field held, and for their phone number."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from rounds.activities.actions import do_add_note
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates import erasure
from rounds.candidates.actions import (
    do_add_attachment,
    do_add_related,
    do_record_consent,
    do_update_profile,
)
from rounds.candidates.choices import ConsentBasis, ErasureSource, ErasureStatus
from rounds.candidates.models import (
    Candidate,
    ContactPoint,
    Education,
    Erasure,
    Experience,
    Licence,
)
from rounds.candidates.search import CandidateQuery, search_candidates
from rounds.locums.network import do_add_member
from rounds.matching import index
from rounds.messaging import delivery, policy
from rounds.messaging.choices import MessageChannel, SuppressionReason
from rounds.messaging.models import Suppression, hashed_address
from rounds.messaging.testing import AUTH_TOKEN, twilio_signature
from rounds.outreach.actions import do_send_message
from rounds.pipeline.actions import do_add_to_pipeline, do_move_application
from rounds.pipeline.models import Application, Stage

from .erasure_helpers import database_hits, media_hits

MARK = "qzx7erase"
EMAIL = f"{MARK}.person@example.com"
PHONE = "+14035550199"
PHONE_DIGITS = "4035550199"
SECRET = "erasure-inbound-secret"
SMS_NUMBER = "+15875550100"


def noon_tomorrow() -> datetime:
    """18:00 UTC tomorrow: midday in Edmonton, inside every sending window."""
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=1), time(18, 0),
                            tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INBOUND_EMAIL_SECRET = SECRET
    settings.REPLY_DOMAIN = "reply.rounds.test"
    settings.SMS_AUTH_TOKEN = AUTH_TOKEN
    settings.SMS_FROM_NUMBER = SMS_NUMBER
    return settings.MEDIA_ROOT


def _import(client, org) -> Candidate:
    """The person arrives in a CSV file (with a repeated line, which the report keeps)."""
    header = "First Name,Last Name,E-mail,Mobile,Profession,City,Province,Country,Notes\n"
    row = (f"{MARK}first,{MARK}last,{EMAIL},{PHONE},MD,Calgary,AB,Canada,"
           f"{MARK} met at the forum\n")
    upload = SimpleUploadedFile("people.csv", (header + row + row).encode(),
                                content_type="text/csv")
    from rounds.imports.models import ImportBatch

    response = client.post(reverse("imports:list"), {"file": upload})
    assert response.status_code == 302 and "/map/" in response.url, response.url
    batch = ImportBatch.objects.get(organization=org)
    response = client.post(reverse("imports:map", args=[batch.uuid]), batch.mapping)
    assert response.status_code in (200, 302)
    batch.refresh_from_db()
    assert batch.created_count == 1, (batch.status, batch.error_message)
    assert batch.issues.exists()  # the repeated line, with its cells
    return Candidate.objects.get(organization=org, email_normalized=EMAIL)


def _email_reply(client, to: str) -> None:
    m = EmailMessage()
    m["From"] = f"{MARK}first {MARK}last <{EMAIL}>"
    m["To"] = to
    m["Subject"] = f"Re: {MARK} subject"
    m["Date"] = formatdate()
    m["Message-ID"] = make_msgid(domain="mail.example.com")
    m.set_content(f"Yes, call me. {MARK} reply body")
    raw = m.as_bytes()
    sig = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = client.post("/hooks/email/inbound/", data=raw, content_type="message/rfc822",
                           HTTP_X_ROUNDS_SIGNATURE=sig)
    assert response.status_code == 202


def _text_reply(client) -> None:
    params = {"MessageSid": "SM" + "7" * 32, "AccountSid": "AC" + "0" * 32, "From": PHONE,
              "To": SMS_NUMBER, "Body": f"{MARK} texted back", "NumMedia": "0"}
    sig = twilio_signature("http://testserver/hooks/sms/inbound/", params, AUTH_TOKEN)
    response = client.post("/hooks/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=sig)
    assert response.status_code == 200


@pytest.fixture
def marked(org, owner, recruiter, job, login, mailoutbox):
    """A person with the marker in every personal field and every place Rounds keeps them."""
    with time_machine.travel(noon_tomorrow(), tick=False):
        client = login(recruiter)
        cand = _import(client, org)
        with transaction.atomic():
            do_update_profile(
                cand, actor=recruiter, preferred_name=f"{MARK}pref", credentials=f"{MARK}cr",
                pronouns=f"{MARK}pr", headline=f"{MARK} headline", summary=f"{MARK} summary",
                postal_code="T2P 1J9", external_id=f"{MARK}ext", source_detail=f"{MARK}src",
                referrer_name=f"{MARK} referrer", preferred_schedule=f"{MARK} schedule",
                languages=[f"{MARK}lang"], specialties=[f"{MARK} medicine", "Family Medicine"],
            )
            do_add_related(cand, Licence, actor=recruiter, jurisdiction="CA-AB",
                           number=f"{MARK}lic", issuer=f"{MARK} college")
            do_add_related(cand, Experience, actor=recruiter, employer=f"{MARK} clinic",
                           role=f"{MARK} role", description=f"{MARK} description")
            do_add_related(cand, Education, actor=recruiter, institution=f"{MARK} university",
                           credential="MD")
            ContactPoint.objects.create(organization=org, candidate=cand, kind="email",
                                        value=f"{MARK}.other@example.com",
                                        value_normalized=f"{MARK}.other@example.com",
                                        note=f"{MARK} note")
            for channel in ("email", "sms"):
                do_record_consent(cand, channel=channel, basis=ConsentBasis.EXPRESS,
                                  actor=recruiter, evidence=f"{MARK} said yes",
                                  obtained_at=noon_tomorrow() - timedelta(days=3))
            do_add_note(cand, actor=recruiter, body=f"{MARK} note on the timeline")
            do_add_attachment(cand, SimpleUploadedFile(
                f"{MARK}-cv.txt", f"Curriculum vitae of {MARK}\n".encode(), "text/plain"),
                actor=recruiter)
            app = do_add_to_pipeline(cand, job, actor=recruiter,
                                     next_action=f"{MARK} next action")
            screened = Stage.objects.get(organization=org, name="Screened")
            do_move_application(app, screened, actor=recruiter, note=f"{MARK} stage note")
            do_add_member(cand, actor=recruiter, vouch_note=f"{MARK} vouch")
        cand.refresh_from_db()
        with transaction.atomic():
            do_send_message(cand, actor=recruiter, channel="email", subject=f"{MARK} subject",
                            body=f"Hello {MARK}", nonce="n1")
            do_send_message(cand, actor=recruiter, channel="sms", subject="",
                            body=f"Text to {MARK}", nonce="n2")
        assert delivery.drain() == 2
        [mail] = mailoutbox
        received = message_from_bytes(mail.message().as_bytes(), policy=email_policy.default)
        _email_reply(client, received["Reply-To"].addresses[0].addr_spec)
        _text_reply(client)
        # The owner opens the record, finds them by search, and matching indexes them.
        assert login(owner).get(reverse("candidates:detail", args=[cand.uuid])).status_code == 200
        found = search_candidates(owner, CandidateQuery.from_params({"q": MARK}))
        assert [c.pk for c in found.items] == [cand.pk]
        listed = login(owner).get(reverse("candidates:list"), {"q": f"{MARK}first {MARK}last"})
        assert f"{MARK}first" in listed.content.decode()
        built = index.for_organization(org.pk)
        assert cand.pk in built.row_of
        with transaction.atomic():
            Suppression.objects.create(organization=org, channel="email", address=EMAIL,
                                       reason=SuppressionReason.UNSUBSCRIBE, detail=EMAIL)
    cand.refresh_from_db()
    # Everything is in place before the erasure: the test would find the marker.
    assert len(database_hits(MARK)) > 20
    assert media_hits(MARK)
    return cand


def test_an_erased_candidate_leaves_no_personal_string_anywhere(
    marked, owner, org, django_capture_on_commit_callbacks
):
    tombstone_id = marked.pk
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        done = erasure.do_erase_candidate(marked, actor=owner)
    assert done.status == ErasureStatus.DONE
    if connection.vendor == "sqlite":
        # The free-text index is rewritten by a task queued on commit (a worker runs it).
        from django_tasks_db.models import DBTaskResult

        from rounds.candidates.tasks import purge_search_index_task

        assert DBTaskResult.objects.filter(
            status="READY", task_path=purge_search_index_task.module_path).exists()
        purge_search_index_task.call()

    hits = database_hits(MARK, PHONE_DIGITS)
    assert hits == [], hits
    files = media_hits(MARK)
    assert files == [], files
    assert search_candidates(owner, CandidateQuery.from_params({"q": MARK})).items == []
    built = index.for_organization(org.pk)
    row = built.row_of.get(tombstone_id)
    assert row is None or not built.cols["alive"][row]
    # The tombstone keeps what figures need, the audit log the fact.
    tomb = Candidate._base_manager.get(pk=tombstone_id)
    assert tomb.erased_at and tomb.profession == "physician" and tomb.email == ""
    assert Application.objects.get(candidate=tomb).stage.kind == "withdrawn"
    event = AuditEvent.objects.get(action=AuditAction.ERASE)
    assert (event.actor, event.candidate_id, event.changes["erasure"]) == (
        owner, tombstone_id, done.pk)
    assert not Candidate.objects.visible_to(owner).filter(pk=tombstone_id).exists()


def test_a_suppressed_address_stays_suppressed_as_a_hash(marked, owner, org, recruiter):
    with transaction.atomic():
        erasure.do_erase_candidate(marked, actor=owner)
    assert Suppression.objects.filter(address=hashed_address(EMAIL)).exists()
    # The person comes back in another import: the address is still not written to.
    from rounds.candidates.actions import do_create_candidate

    again = do_create_candidate(org.pk, actor=recruiter, first_name="New", last_name="Record",
                                email=EMAIL, profession="physician")
    do_record_consent(again, channel="email", basis=ConsentBasis.EXPRESS, actor=recruiter)
    ctx = policy.Context.for_org(org)
    facts = policy.facts_for([again], MessageChannel.EMAIL, ctx, kind="commercial",
                             topic="jobs", automated=False)[again.pk]
    assert not policy.decide(facts, noon_tomorrow()).allowed


def test_describe_lists_what_will_be_removed(marked):
    labels = dict(erasure.describe(marked))
    assert labels["messages"] >= 4
    assert labels["attachments"] == 1
    assert labels["timeline entries"] >= 1


def test_erasing_twice_erases_once(marked, owner):
    with transaction.atomic():
        erasure.do_erase_candidate(marked, actor=owner)
        assert erasure.do_erase_candidate(marked, actor=owner) is None
    assert Erasure.objects.filter(source=ErasureSource.OWNER).count() == 1


# Every relation to Candidate in the project, and who takes care of it at an erasure. A new
# model pointing at a candidate fails this test until its app registers an eraser (or it is
# shown to hold nothing personal) and it is added here.
HANDLED = {
    "activities.Activity.candidate": "activities eraser: deleted",
    "audit.AuditEvent.candidate": "scrubbed by candidates.erasure",
    "candidates.Attachment.candidate": "deleted, file too",
    "candidates.Availability.candidate": "deleted",
    "candidates.Candidate.referred_by": "kept: points at the tombstone, no data",
    "candidates.Candidate_tags.candidate": "deleted",
    "candidates.Certification.candidate": "deleted",
    "candidates.ConsentRecord.candidate": "deleted",
    "candidates.ContactPoint.candidate": "deleted",
    "candidates.DuplicateDismissal.first": "deleted",
    "candidates.DuplicateDismissal.second": "deleted",
    "candidates.Education.candidate": "deleted",
    "candidates.Erasure.candidate": "the erasure log: no personal data",
    "candidates.Experience.candidate": "deleted",
    "candidates.Licence.candidate": "deleted",
    "candidates.Specialty.candidate": "deleted",
    "followups.FollowUp.candidate": "followups eraser: kept anonymous",
    "imports.ImportRowIssue.candidate": "imports eraser: deleted",
    "locums.Booking.candidate": "locums eraser: kept anonymous",
    "locums.NetworkMember.candidate": "locums eraser: kept anonymous",
    "locums.ShiftOffer.candidate": "locums eraser: kept anonymous",
    "matching.MatchFeedback.candidate": "kept: scores only",
    "matching.MatchProfile.candidate": "matching eraser: deleted",
    "messaging.Message.candidate": "messaging eraser: deleted",
    "messaging.Thread.candidate": "messaging eraser: deleted",
    "outreach.Enrollment.candidate": "outreach eraser: stopped, no data",
    "pipeline.Application.candidate": "pipeline eraser: kept anonymous",
    "scheduling.Meeting.candidate": "scheduling eraser: kept anonymous",
}


def test_every_relation_to_a_candidate_is_taken_care_of():
    from rounds.candidates.merge import candidate_relations

    found = {f"{f.model._meta.label}.{f.name}" for f in candidate_relations()}
    assert found - set(HANDLED) == set(), (
        "erase these in their app's eraser (rounds/candidates/erasure.py register) and list "
        "them in HANDLED")
    assert {e.label for e in erasure.registered()} >= {
        "messages", "timeline entries", "applications (kept anonymous)", "match profiles",
        "import report rows", "locum network memberships (kept anonymous)"}
