"""End to end, on the database: whatever the candidate's consent, opt-outs, zone and quiet hours,
and whenever a message is written and whenever the worker runs, nothing reaches the candidate
without consent for that channel, after an opt-out, or inside quiet hours in their zone."""

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis

from .. import delivery, sms
from ..choices import MessageStatus
from ..models import Message
from ..optout import OPTOUT_CONFIRMATION, do_opt_out
from ..outbox import queue_message

ZONES = ["America/Edmonton", "America/St_Johns", "America/New_York", "Europe/London",
         "Australia/Lord_Howe", None]
# Around the 2026 changes: spring forward (North America 8 Mar, Europe 29 Mar) and fall back
# (Europe 25 Oct, North America 1 Nov).
STARTS = [datetime(2026, 3, 5, 0, 0, tzinfo=UTC), datetime(2026, 3, 26, 0, 0, tzinfo=UTC),
          datetime(2026, 10, 24, 0, 0, tzinfo=UTC)]
moments = st.builds(lambda start, m: start + timedelta(minutes=m), st.sampled_from(STARTS),
                    st.integers(0, 10 * 24 * 60))

people = st.fixed_dictionaries({
    "channel": st.sampled_from(["email", "sms"]),
    "zone": st.sampled_from(ZONES),
    "phone": st.sampled_from(["+14035550142", "+13055550142", "+16135550100"]),
    "quiet": st.one_of(st.none(), st.none(), st.tuples(st.integers(0, 23), st.integers(0, 23))),
    "basis": st.sampled_from([None, *[ConsentBasis.EXPRESS] * 5,
                              ConsentBasis.IMPLIED_INQUIRY, ConsentBasis.PUBLISHED_ADDRESS,
                              ConsentBasis.REVOKED]),
    "consent_days_ago": st.integers(0, 400),
    "opt_out": st.sampled_from([None, None, None, "before_queue", "after_queue"]),
})


class Rollback(Exception):
    pass


def local_ok(at: datetime, zone: str, florida: bool, quiet) -> bool:
    local = at.astimezone(ZoneInfo(zone)).time()
    end = time(20) if florida else time(21)
    if not time(8) <= local < end:
        return False
    if quiet and quiet[0] != quiet[1]:
        qs, qe = time(quiet[0]), time(quiet[1])
        if (qs <= local < qe) if qs < qe else (local >= qs or local < qe):
            return False
    return True


@pytest.mark.django_db
@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(person=people, queued_at=moments, later=st.integers(0, 3 * 24 * 60))
def test_nothing_goes_without_consent_after_opt_out_or_in_quiet_hours(
    org, recruiter, person, queued_at, later
):
    drained_at = queued_at + timedelta(minutes=later)
    mail.outbox = []
    sms.outbox.clear()
    try:
        with transaction.atomic():
            quiet = person["quiet"]
            cand = do_create_candidate(
                org.pk, actor=recruiter, first_name="Pat", last_name="Quinn",
                email="pat.quinn@example.com", phone=person["phone"], profession="physician",
                time_zone=person["zone"] or "",
                quiet_hours_start=time(quiet[0]) if quiet else None,
                quiet_hours_end=time(quiet[1]) if quiet else None,
            )
            channel = person["channel"]
            if person["basis"]:
                published = person["basis"] == ConsentBasis.PUBLISHED_ADDRESS
                do_record_consent(
                    cand, channel=channel, basis=person["basis"], actor=recruiter,
                    evidence="" if published else "Asked in person",
                    obtained_at=queued_at - timedelta(days=person["consent_days_ago"]),
                )
            if person["opt_out"] == "before_queue":
                do_opt_out(cand, channel, via="test")
            cand.refresh_from_db()
            message = queue_message(cand, channel=channel, body="Hello", subject="Hello",
                                    actor=recruiter, idempotency_key=str(uuid.uuid4()),
                                    at=queued_at, purpose="outreach.message")
            if person["opt_out"] == "after_queue":
                do_opt_out(cand, channel, via="test")
            delivery.drain(now=drained_at)
            message.refresh_from_db()
            event(f"status {message.status}")
            if message.status in (MessageStatus.SENT, MessageStatus.DELIVERED):
                sent_at = message.sent_at
                assert person["opt_out"] is None, message
                record = cand.consents.filter(channel=channel).order_by("-obtained_at", "-id")[0]
                assert record.basis not in (ConsentBasis.REVOKED,)
                assert record.expires_at is None or record.expires_at > sent_at
                if record.basis == ConsentBasis.PUBLISHED_ADDRESS:
                    assert record.evidence
                zones = [person["zone"]] if person["zone"] else {
                    "+14035550142": ["America/Edmonton"], "+13055550142": ["America/New_York"],
                    "+16135550100": ["America/Toronto"]}[person["phone"]]
                florida = person["phone"].startswith("+1305")
                for zone in zones:
                    assert local_ok(sent_at, zone, florida, quiet), (sent_at, zone, quiet)
            else:
                # Not sent: nothing reached the mail or text outbox for this candidate, except
                # the one confirmation of an opt-out the policy allows (matched by what was
                # recorded as sent with that purpose, not by its wording).
                confirmations = set(Message.objects.filter(
                    candidate=cand, purpose=OPTOUT_CONFIRMATION, status=MessageStatus.SENT,
                ).values_list("sent_body", flat=True))
                assert not [m for m in mail.outbox if "pat.quinn@example.com" in m.to]
                assert not [t for t in sms.outbox if t["to"] == person["phone"]
                            and t["body"] not in confirmations]
            raise Rollback
    except Rollback:
        pass
