"""The outbox worker against a real SMTP server on loopback and the SMS provider stand-in:
sends once, retries with backoff, never resends what may have gone out, judges the policy again
at send time, respects rate limits, and two workers never send one row twice."""

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from rounds.activities.models import Activity
from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis

from .. import delivery
from ..choices import MessageStatus, SuppressionReason
from ..models import Message, OutreachSettings, Suppression
from ..outbox import queue_message
from ..testing import SmtpServer
from .conftest import NOON_EDMONTON

pytestmark = pytest.mark.django_db


def people(org, actor, n, channels=("email", "sms")):
    """`n` candidates in Edmonton with express consent on `channels`."""
    out = []
    for i in range(n):
        c = do_create_candidate(
            org.pk, actor=actor, first_name=f"Casey{i}", last_name="Lee",
            email=f"casey{i}@example.com", phone=f"+140355501{i:02d}", profession="physician",
            time_zone="America/Edmonton",
        )
        for channel in channels:
            do_record_consent(c, channel=channel, basis=ConsentBasis.EXPRESS, actor=actor,
                              evidence="Signed up at a job fair",
                              obtained_at=datetime(2026, 1, 10, tzinfo=UTC))
        out.append(c)
    return out


def email_to(candidate, key, actor=None, at=NOON_EDMONTON, purpose="outreach.message",
             **kwargs) -> Message:
    return queue_message(candidate, channel="email", subject="A family practice in Red Deer",
                         body="You, or someone you know?", idempotency_key=key, actor=actor,
                         at=at, purpose=purpose, **kwargs)


def text_to(candidate, key, actor=None, at=NOON_EDMONTON) -> Message:
    return queue_message(candidate, channel="sms", body="Got 5 minutes for a call this week?",
                         idempotency_key=key, actor=actor, at=at, purpose="outreach.message")


def fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


# --- Email ---


def test_queued_email_is_sent_once_and_lands_on_the_timeline(reachable, recruiter, smtp_server):
    message = email_to(reachable, "m1", recruiter)
    assert delivery.drain(now=NOON_EDMONTON) == 1
    assert delivery.drain(now=NOON_EDMONTON + timedelta(minutes=5)) == 0
    assert len(smtp_server.wait_for(1)) == 1
    message = fresh(message)
    assert message.status == MessageStatus.SENT
    assert message.sent_at == NOON_EDMONTON
    assert message.attempts == 1
    activity = Activity.objects.get(pk=message.activity_id)
    assert activity.candidate_id == reachable.pk and activity.kind == "email"
    assert activity.body == message.sent_body
    assert message.thread.last_message_at == NOON_EDMONTON


def test_every_email_of_a_drain_goes_over_one_smtp_connection(org, recruiter, smtp_server,
                                                               monkeypatch):
    monkeypatch.setattr(delivery, "BATCH_SIZE", 3)  # several batches, still one connection
    for i, person in enumerate(people(org, recruiter, 7, channels=("email",))):
        email_to(person, f"one-conn-{i}", recruiter)
    assert delivery.drain(now=NOON_EDMONTON) == 7
    assert len(smtp_server.wait_for(7)) == 7
    assert len(smtp_server.peers) == 1


def test_transient_smtp_refusal_is_retried_later_and_sent_once(reachable, smtp_server):
    message = email_to(reachable, "m-4xx")
    smtp_server.reject_next.append((451, "4.3.0 Mailbox busy, try later"))
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1
    assert "451" in message.error
    assert message.send_after > NOON_EDMONTON  # backed off
    assert message.send_after <= NOON_EDMONTON + delivery.BACKOFF_BASE
    # Not due yet: nothing happens.
    assert delivery.drain(now=NOON_EDMONTON + timedelta(seconds=1)) == 0
    assert delivery.drain(now=message.send_after) == 1
    assert len(smtp_server.wait_for(1)) == 1
    message = fresh(message)
    assert message.status == MessageStatus.SENT and message.attempts == 2 and message.error == ""


def test_permanent_refusal_fails_and_suppresses_the_address(reachable, smtp_server):
    bounced = email_to(reachable, "m-5xx")
    smtp_server.reject_next.append((550, "5.1.1 No such user here"))
    assert delivery.drain(now=NOON_EDMONTON) == 0
    bounced = fresh(bounced)
    assert bounced.status == MessageStatus.FAILED
    assert "550" in bounced.error
    suppression = Suppression.objects.get(address=reachable.email_normalized)
    assert suppression.reason == SuppressionReason.HARD_BOUNCE
    # The next message to that address is never attempted.
    later = email_to(reachable, "m-after-bounce")
    assert later.status == MessageStatus.DROPPED
    assert smtp_server.messages == []


def test_content_refusal_fails_without_suppressing_the_address(reachable, smtp_server):
    message = email_to(reachable, "m-spam")
    smtp_server.reject_next.append((554, "5.7.1 Message rejected as spam"))
    assert delivery.drain(now=NOON_EDMONTON) == 0
    assert fresh(message).status == MessageStatus.FAILED
    assert not Suppression.objects.exists()


def test_unreachable_mail_server_puts_the_batch_back_with_backoff(org, recruiter, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    messages = [email_to(p, f"down-{i}") for i, p in
                enumerate(people(org, recruiter, 3, channels=("email",)))]
    assert delivery.drain(now=NOON_EDMONTON) == 0
    rows = [fresh(m) for m in messages]
    assert {m.status for m in rows} == {MessageStatus.QUEUED}
    assert all(m.send_after > NOON_EDMONTON and "unreachable" in m.error for m in rows)
    # Only the message actually tried counts an attempt.
    assert sorted(m.attempts for m in rows) == [0, 0, 1]


def test_gives_up_after_the_last_attempt(reachable, smtp_server):
    message = email_to(reachable, "m-give-up")
    Message.objects.filter(pk=message.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)
    smtp_server.reject_next.append((421, "4.7.0 Try again later"))
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.FAILED
    assert message.attempts == delivery.MAX_ATTEMPTS
    assert message.status_reason.startswith(f"Gave up after {delivery.MAX_ATTEMPTS} attempts")


def test_backoff_grows_with_jitter_is_capped_and_honours_retry_after():
    for attempt in (1, 2, 3, 4):
        ceiling = delivery.BACKOFF_BASE * 2 ** (attempt - 1)
        for _ in range(20):
            delay = delivery.backoff(attempt)
            assert ceiling / 2 <= delay <= ceiling
    assert delivery.backoff(30) <= delivery.BACKOFF_CAP
    assert len({delivery.backoff(3) for _ in range(10)}) > 1  # jittered
    assert delivery.backoff(1, retry_after=600) >= timedelta(seconds=600)


# --- The policy, again, at the moment of sending ---


def test_consent_revoked_after_queueing_drops_the_message(reachable, recruiter, smtp_server):
    message = email_to(reachable, "m-revoked", recruiter)
    assert message.status == MessageStatus.QUEUED
    do_record_consent(reachable, channel="email", basis=ConsentBasis.REVOKED, actor=recruiter,
                      evidence="Asked us to stop", obtained_at=NOON_EDMONTON - timedelta(minutes=1))
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.DROPPED
    assert "opted out" in message.status_reason
    assert smtp_server.messages == []


def test_quiet_hours_at_send_time_hold_the_message_until_allowed(reachable, smtp_server):
    message = email_to(reachable, "m-late")
    nine_pm = NOON_EDMONTON + timedelta(hours=10)  # 21:00 in Edmonton: the window has closed
    assert delivery.drain(now=nine_pm) == 0
    message = fresh(message)
    assert message.status == MessageStatus.HELD
    morning = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)  # 08:00 in Edmonton
    assert message.send_after == morning
    assert delivery.drain(now=morning - timedelta(minutes=1)) == 0
    assert delivery.drain(now=morning) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_two_messages_to_one_person_are_judged_one_after_the_other(reachable, smtp_server):
    email_to(reachable, "twice-1")
    email_to(reachable, "twice-2")
    assert delivery.drain(now=NOON_EDMONTON) == 2
    assert len(smtp_server.wait_for(2)) == 2


# --- Never twice ---


def test_crash_between_send_and_record_never_sends_again(reachable, smtp_server, monkeypatch):
    message = email_to(reachable, "m-crash")

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(delivery, "record", crash)
    with pytest.raises(SystemExit):
        delivery.drain(now=NOON_EDMONTON)
    monkeypatch.undo()
    assert len(smtp_server.wait_for(1)) == 1
    row = fresh(message)
    assert row.status == MessageStatus.SENDING
    assert row.sent_body  # what may have gone out is on record
    # Within the lease, another drain leaves it alone.
    assert delivery.drain(now=NOON_EDMONTON + timedelta(minutes=1)) == 0
    assert fresh(message).status == MessageStatus.SENDING
    # After the lease: "may have been sent", never resent.
    assert delivery.drain(now=NOON_EDMONTON + timedelta(minutes=10)) == 0
    row = fresh(message)
    assert row.status == MessageStatus.UNKNOWN
    assert "may have" in row.status_reason
    assert delivery.drain(now=NOON_EDMONTON + timedelta(hours=1)) == 0
    assert len(smtp_server.messages) == 1


def test_unknown_message_is_resent_by_hand_as_a_new_message_once(
    reachable, recruiter, smtp_server
):
    message = email_to(reachable, "m-unknown", recruiter)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.UNKNOWN)
    message = fresh(message)
    resent = delivery.do_resend_unknown(message, recruiter, at=NOON_EDMONTON)
    again = delivery.do_resend_unknown(fresh(message), recruiter, at=NOON_EDMONTON)
    assert resent.pk == again.pk != message.pk
    assert resent.idempotency_key == f"resend:{message.uuid}"
    assert resent.body == message.body and resent.thread_id == message.thread_id
    assert fresh(message).status == MessageStatus.UNKNOWN
    assert "Resent by Rita Recruiter" in fresh(message).status_reason
    assert delivery.drain(now=NOON_EDMONTON) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_only_unknown_messages_of_ones_own_organization_can_be_resent(
    reachable, recruiter, outsider, smtp_server
):
    message = email_to(reachable, "m-sent", recruiter)
    delivery.drain(now=NOON_EDMONTON)
    with pytest.raises(ValidationError):
        delivery.do_resend_unknown(fresh(message), recruiter)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.UNKNOWN)
    with pytest.raises(PermissionDenied):
        delivery.do_resend_unknown(fresh(message), outsider)
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_draining_at_once_never_send_a_row_twice(
    org, recruiter, smtp_server, monkeypatch
):
    monkeypatch.setattr(delivery, "BATCH_SIZE", 4)
    for i, person in enumerate(people(org, recruiter, 30, channels=("email",))):
        email_to(person, f"race-{i}", recruiter)
    counts, errors = [], []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait()
            counts.append(delivery.drain(now=NOON_EDMONTON))
        except Exception as e:  # surfaced below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(counts) == 30
    received = smtp_server.wait_for(30)
    ids = [m["Message-ID"] for m in received]
    assert len(ids) == len(set(ids)) == 30
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


# --- Rate limits ---


def test_email_rate_limit_per_minute(org, recruiter, smtp_server):
    s = OutreachSettings.for_org(org.pk)
    s.email_per_minute = 2
    s.save()
    for i, person in enumerate(people(org, recruiter, 5, channels=("email",))):
        email_to(person, f"rate-{i}")
    assert delivery.drain(now=NOON_EDMONTON) == 2
    assert delivery.drain(now=NOON_EDMONTON + timedelta(seconds=30)) == 0
    assert delivery.drain(now=NOON_EDMONTON + timedelta(seconds=61)) == 2
    assert delivery.drain(now=NOON_EDMONTON + timedelta(seconds=122)) == 1
    assert len(smtp_server.wait_for(5)) == 5


@pytest.fixture
def scheduled(monkeypatch):
    """The times drain() asks the next delivery run for."""
    from .. import tasks

    calls = []
    monkeypatch.setattr(tasks, "schedule_delivery", lambda at=None: calls.append(at))
    return calls


def test_rate_limited_drain_schedules_the_next_run_when_the_window_frees(
    org, recruiter, smtp_server, scheduled
):
    s = OutreachSettings.for_org(org.pk)
    s.email_per_minute = 1
    s.save()
    for i, person in enumerate(people(org, recruiter, 2, channels=("email",))):
        email_to(person, f"rate-next-{i}")
    scheduled.clear()  # queueing asked for a run too
    assert delivery.drain(now=NOON_EDMONTON) == 1
    assert scheduled == [NOON_EDMONTON + timedelta(minutes=1)]


def test_held_message_schedules_a_run_for_when_it_may_go(reachable, smtp_server, scheduled):
    email_to(reachable, "held-next")
    nine_pm = NOON_EDMONTON + timedelta(hours=10)
    morning = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
    scheduled.clear()
    delivery.drain(now=nine_pm)
    assert scheduled == [morning]


def test_nothing_left_schedules_nothing(reachable, smtp_server, scheduled):
    email_to(reachable, "nothing-left")
    scheduled.clear()
    assert delivery.drain(now=NOON_EDMONTON) == 1
    assert scheduled == []


def test_a_drain_cut_short_by_its_limit_schedules_another_now(org, recruiter, smtp_server,
                                                              scheduled):
    for i, person in enumerate(people(org, recruiter, 2, channels=("email",))):
        email_to(person, f"cut-{i}")
    scheduled.clear()
    assert delivery.drain(now=NOON_EDMONTON, limit=1) == 1
    assert scheduled == [None]


def test_sms_rate_limit_per_second(org, recruiter, sms_provider):
    for i, person in enumerate(people(org, recruiter, 3, channels=("sms",))):
        text_to(person, f"sms-rate-{i}")
    assert delivery.drain(now=NOON_EDMONTON) == 1
    assert delivery.drain(now=NOON_EDMONTON + timedelta(milliseconds=500)) == 0
    assert delivery.drain(now=NOON_EDMONTON + timedelta(seconds=1)) == 1
    assert delivery.drain(now=NOON_EDMONTON + timedelta(seconds=2)) == 1
    assert len(sms_provider.sent) == 3


def test_limit_caps_how_many_a_drain_claims(org, recruiter, smtp_server):
    for i, person in enumerate(people(org, recruiter, 4, channels=("email",))):
        email_to(person, f"limit-{i}")
    assert delivery.drain(now=NOON_EDMONTON, limit=3) == 3
    assert delivery.drain(now=NOON_EDMONTON) == 1


# --- Texts ---


def test_text_goes_through_the_provider_with_a_status_callback(reachable, recruiter,
                                                               sms_provider, settings):
    message = text_to(reachable, "t1", recruiter)
    assert delivery.drain(now=NOON_EDMONTON) == 1
    (sent,) = sms_provider.sent
    message = fresh(message)
    assert message.status == MessageStatus.SENT
    assert message.provider_id == sent.sid
    assert sent.to == "+14035550142" and sent.from_ == settings.SMS_FROM_NUMBER
    assert sent.body == message.sent_body
    assert "Reply STOP to opt out." in sent.body
    assert sent.status_callback == (
        f"{settings.PUBLIC_URL}/hooks/sms/status/?m={message.uuid}"
    )
    assert message.activity_id is not None


def test_organizations_own_number_sends_its_texts(reachable, org, sms_provider):
    s = OutreachSettings.for_org(org.pk)
    s.sms_from_number = "+15875550199"
    s.save()
    text_to(reachable, "t-own-number")
    delivery.drain(now=NOON_EDMONTON)
    assert sms_provider.sent[0].from_ == "+15875550199"


def test_rate_limited_text_is_retried_later_and_sent_once(reachable, sms_provider):
    message = text_to(reachable, "t-429")
    sms_provider.fail_next(429, 20429)
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert message.send_after > NOON_EDMONTON
    assert sms_provider.sent == []
    assert delivery.drain(now=message.send_after) == 1
    assert len(sms_provider.sent) == 1
    assert sms_provider.requests == 2


def test_texts_after_a_rate_limit_wait_without_being_tried(org, recruiter, sms_provider):
    s = OutreachSettings.for_org(org.pk)
    s.sms_per_second = 0  # no limit of ours: the provider's 429 is what stops us
    s.save()
    messages = [text_to(p, f"t-burst-{i}") for i, p in
                enumerate(people(org, recruiter, 3, channels=("sms",)))]
    sms_provider.fail_next(429, 20429)
    assert delivery.drain(now=NOON_EDMONTON) == 0
    assert sms_provider.requests == 1
    rows = [fresh(m) for m in messages]
    assert {m.status for m in rows} == {MessageStatus.QUEUED}
    assert sorted(m.attempts for m in rows) == [0, 0, 1]


def test_provider_error_after_sending_is_unknown_and_never_resent(reachable, sms_provider):
    message = text_to(reachable, "t-5xx")
    sms_provider.fail_next(500, sent_anyway=True)
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.UNKNOWN
    assert message.provider_id == ""  # the answer was lost
    assert "status callback" in message.status_reason
    for minutes in (1, 10, 120):
        assert delivery.drain(now=NOON_EDMONTON + timedelta(minutes=minutes)) == 0
    assert sms_provider.requests == 1 and len(sms_provider.sent) == 1


def test_carrier_opt_out_on_send_fails_and_records_the_opt_out(reachable, sms_provider):
    from rounds.candidates.actions import current_consent

    message = text_to(reachable, "t-21610")
    sms_provider.fail_next(400, 21610)
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.FAILED
    assert "21610" in message.error
    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    assert Suppression.objects.filter(channel="sms", address=reachable.phone_normalized).exists()
    # Email is untouched.
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS


# --- Robustness ---


def test_batch_policy_check_agrees_with_check_send(org, recruiter, reachable):
    from rounds.candidates.actions import do_update_candidate

    from .. import policy

    revoked, moved, tokyo = people(org, recruiter, 3)
    messages = [email_to(reachable, "agree-ok"), text_to(reachable, "agree-sms"),
                email_to(revoked, "agree-revoked"), email_to(moved, "agree-moved"),
                email_to(tokyo, "agree-tokyo")]
    do_record_consent(revoked, channel="email", basis=ConsentBasis.REVOKED, actor=recruiter,
                      obtained_at=NOON_EDMONTON - timedelta(hours=1))
    do_update_candidate(moved, actor=recruiter, email="someone.else@example.com")
    do_update_candidate(tokyo, actor=recruiter, time_zone="Asia/Tokyo")
    orphan = Message.objects.create(organization=org, channel="email", to_address="x@y.z",
                                    body="?", idempotency_key="agree-orphan")
    rows = list(Message.objects.select_related("candidate", "candidate__organization")
                .filter(pk__in=[m.pk for m in [*messages, orphan]]))
    expected = {m.pk: policy.check_send(m, NOON_EDMONTON) for m in rows}
    assert policy.check_send_many(rows, NOON_EDMONTON) == expected
    actions = sorted(v.action for v in expected.values())
    assert actions == ["drop", "drop", "drop", "hold", "send", "send"]


def test_timeline_entry_is_on_the_application_too(reachable, recruiter, job, smtp_server):
    from rounds.pipeline.actions import do_add_to_pipeline

    application = do_add_to_pipeline(reachable, job, actor=recruiter)
    message = email_to(reachable, "on-app", recruiter, application=application)
    assert delivery.drain(now=NOON_EDMONTON) == 1
    activity = Activity.objects.get(pk=fresh(message).activity_id)
    assert activity.application_id == application.pk
    assert activity.actor_id == recruiter.pk and activity.occurred_at == NOON_EDMONTON
    reachable.refresh_from_db()
    assert reachable.last_activity_at == NOON_EDMONTON


def test_a_message_that_cannot_be_built_fails_alone(org, recruiter, smtp_server, monkeypatch):
    from .. import purposes

    broken, fine = (email_to(p, f"build-{i}") for i, p in
                    enumerate(people(org, recruiter, 2, channels=("email",))))

    def attachments(message):
        if message.pk == broken.pk:
            raise RuntimeError("invite template missing")
        return []

    monkeypatch.setattr(purposes, "attachments", attachments)
    assert delivery.drain(now=NOON_EDMONTON) == 1
    assert fresh(broken).status == MessageStatus.FAILED
    assert "invite template missing" in fresh(broken).error
    assert fresh(fine).status == MessageStatus.SENT


def test_a_bug_while_sending_keeps_what_is_known(org, recruiter, smtp_server, monkeypatch):
    first, second, third = (email_to(p, f"bug-{i}") for i, p in
                            enumerate(people(org, recruiter, 3, channels=("email",))))
    original = delivery._Drain.send_email

    def send_email(self, m):
        if m.pk == second.pk:
            raise RuntimeError("bug")
        return original(self, m)

    monkeypatch.setattr(delivery._Drain, "send_email", send_email)
    with pytest.raises(RuntimeError):
        delivery.drain(now=NOON_EDMONTON)
    assert fresh(first).status == MessageStatus.SENT
    second = fresh(second)
    assert second.status == MessageStatus.UNKNOWN  # it may have gone out
    assert second.status_reason == delivery.UNKNOWN_AFTER_CRASH  # not the SMS provider's words
    third = fresh(third)
    assert third.status == MessageStatus.QUEUED and third.attempts == 0
    monkeypatch.undo()
    assert delivery.drain(now=NOON_EDMONTON) == 1
    assert len(smtp_server.wait_for(2)) == 2


def test_a_connection_the_server_dropped_is_reopened_once(org, recruiter, smtp_server,
                                                          monkeypatch):
    from ..transports import SmtpTransport

    original_send = SmtpTransport._send_once

    def send_then_hang_up(self, m):
        outcome = original_send(self, m)
        if self.smtp is not None:  # the line drops after every message
            self.smtp.sock.shutdown(socket.SHUT_RDWR)
        return outcome

    monkeypatch.setattr(SmtpTransport, "_send_once", send_then_hang_up)
    messages = [email_to(p, f"drop-{i}") for i, p in
                enumerate(people(org, recruiter, 3, channels=("email",)))]
    assert delivery.drain(now=NOON_EDMONTON) == 3
    assert len(smtp_server.wait_for(3)) == 3
    assert len(smtp_server.peers) == 3
    assert all(fresh(m).attempts == 1 for m in messages)


def test_batch_timeline_entry_is_the_one_log_activity_writes(org, recruiter, job):
    from rounds.pipeline.actions import do_add_to_pipeline

    from ..threads import log_activities, log_activity

    one, two = people(org, recruiter, 2)
    entries = []
    for person, log in ((one, log_activity), (two, lambda m: log_activities([m]))):
        application = do_add_to_pipeline(person, job, actor=recruiter)
        message = email_to(person, f"parity-{person.pk}", recruiter, application=application)
        message.sent_at, message.sent_body = NOON_EDMONTON, "Exactly what went out"
        log(message)
        message = fresh(message)
        activity = Activity.objects.get(pk=message.activity_id)
        person.refresh_from_db()
        entries.append((
            {f: getattr(activity, f) for f in ("organization_id", "kind", "direction",
                                                "subject", "body", "occurred_at", "actor_id")},
            activity.candidate_id == person.pk, activity.application_id == application.pk,
            message.thread.last_message_at, person.last_activity_at,
        ))
    assert entries[0] == entries[1]
    assert entries[0][0]["body"] == "Exactly what went out"


# --- A lost connection: before DATA nothing was sent, after it the server may have it ---


class HangsUp(SmtpServer):
    """Drops the line without answering at the `on`-th RCPT or DATA it sees (at DATA, after it
    has taken the message, as a server that crashes before its 250 would)."""

    def __init__(self, stage: str, on: int):
        super().__init__()
        self.stage, self.on, self.seen = stage, on, 0

    def _hang_up_now(self, server, stage: str) -> bool:
        if stage != self.stage:
            return False
        self.seen += 1
        if self.seen == self.on:
            server.transport.close()  # what follows never reaches the client
            return True
        return False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self._hang_up_now(server, "RCPT"):
            envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        self._hang_up_now(server, "DATA")
        return answer


@pytest.fixture
def hangs_up(settings):
    servers = []

    def start(stage: str, on: int) -> HangsUp:
        server = HangsUp(stage, on).__enter__()
        servers.append(server)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 10
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def test_a_connection_lost_after_data_is_unknown_and_never_resent(org, recruiter, hangs_up):
    server = hangs_up("DATA", on=2)
    first, second = [email_to(p, f"data-{i}") for i, p in
                     enumerate(people(org, recruiter, 2, channels=("email",)))]
    assert delivery.drain(now=NOON_EDMONTON) == 1
    assert len(server.wait_for(2)) == 2  # the server has both
    assert fresh(first).status == MessageStatus.SENT
    second = fresh(second)
    assert second.status == MessageStatus.UNKNOWN and second.attempts == 1
    assert second.status_reason == delivery.UNKNOWN_AFTER_DATA
    assert "may have been sent" in second.status_reason
    # Not in this drain, not in the next: a person decides whether to send it again.
    assert delivery.drain(now=NOON_EDMONTON + timedelta(hours=2)) == 0
    assert len(server.messages) == 2


def test_a_server_that_hangs_up_after_taking_the_message_leaves_it_unknown(reachable,
                                                                          smtp_server):
    smtp_server.hang_up_after_data = 1
    message = email_to(reachable, "hang-up")
    assert delivery.drain(now=NOON_EDMONTON) == 0
    assert len(smtp_server.wait_for(1)) == 1  # the server has it; we never heard so
    message = fresh(message)
    assert message.status == MessageStatus.UNKNOWN and message.handed_at == NOON_EDMONTON
    assert delivery.drain(now=NOON_EDMONTON + timedelta(hours=1)) == 0
    assert len(smtp_server.messages) == 1


def test_a_connection_lost_before_data_is_retried_and_sent_once(org, recruiter, hangs_up):
    server = hangs_up("RCPT", on=2)
    messages = [email_to(p, f"rcpt-{i}") for i, p in
                enumerate(people(org, recruiter, 2, channels=("email",)))]
    # The second lost the line at RCPT on a connection already used: reopened, sent once.
    assert delivery.drain(now=NOON_EDMONTON) == 2
    assert len(server.wait_for(2)) == 2
    assert [fresh(m).status for m in messages] == [MessageStatus.SENT] * 2
    assert len(server.messages) == 2


def test_a_connection_lost_before_data_on_a_new_connection_is_retried_later(reachable, hangs_up):
    server = hangs_up("RCPT", on=1)
    message = email_to(reachable, "rcpt-first")
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.QUEUED and message.send_after > NOON_EDMONTON
    assert delivery.drain(now=message.send_after) == 1
    assert len(server.wait_for(1)) == 1


# --- Claimed, then no longer wanted: judged again before it goes ---


def after_claim(monkeypatch, meanwhile):
    """Run `meanwhile` between the claim and the judging, as a reply arriving then would."""
    original = delivery._Drain.claim

    def claim(self):
        claimed = original(self)
        if claimed:
            meanwhile()
        return claimed

    monkeypatch.setattr(delivery._Drain, "claim", claim)


def test_a_claimed_sequence_step_is_dropped_when_the_candidate_replies_meanwhile(
        org, recruiter, reachable, smtp_server, monkeypatch):
    from rounds.outreach import sequences
    from rounds.outreach.models import Enrollment, Sequence

    sequence = Sequence.objects.create(organization=org, name="Nurture", created_by=recruiter)
    enrollment = Enrollment.objects.create(organization=org, sequence=sequence,
                                           candidate=reachable, started_by=recruiter)
    step = email_to(reachable, f"seq:{enrollment.pk}:0", purpose=sequences.STEP,
                    ref_id=enrollment.pk, ref_step=0)
    # Claimed rows are not cancelled by the stop (the worker owns them): the judge drops it.
    after_claim(monkeypatch, lambda: sequences.stop_for_candidate(reachable, "replied"))
    assert delivery.drain(now=NOON_EDMONTON) == 0
    step = fresh(step)
    assert step.status == MessageStatus.DROPPED
    assert step.status_reason == ("The sequence stopped before this step went out (candidate "
                                  "replied).")
    assert smtp_server.messages == []


def test_a_claimed_locum_offer_is_dropped_once_the_shift_is_filled(
        org, recruiter, smtp_server, monkeypatch):
    from rounds.accounts.models import Site
    from rounds.locums.broadcast import offer_key
    from rounds.locums.choices import OfferStatus
    from rounds.locums.models import NetworkMember, Shift, ShiftOffer

    site = Site.objects.create(organization=org, name="Red Deer Clinic")
    shift = Shift.objects.create(organization=org, site=site, profession="physician",
                                 starts_at=NOON_EDMONTON + timedelta(days=7),
                                 ends_at=NOON_EDMONTON + timedelta(days=7, hours=10))
    offers = {}
    for person in people(org, recruiter, 3, channels=("email",)):
        member = NetworkMember.objects.create(organization=org, candidate=person)
        offer = ShiftOffer.objects.create(organization=org, shift=shift, member=member,
                                          candidate=person, channel="email",
                                          status=OfferStatus.QUEUED)
        offers[offer] = email_to(person, offer_key(shift.pk, member.pk), topic="locums",
                                 purpose="locums.offer", ref_id=offer.pk)
    taken, waiting, other = list(offers)

    def filled():
        # Someone else took it: the other offers are withdrawn (one waits for a later tier).
        ShiftOffer.objects.filter(pk=taken.pk).update(status=OfferStatus.ACCEPTED)
        ShiftOffer.objects.filter(pk=other.pk).update(status=OfferStatus.WITHDRAWN)
        ShiftOffer.objects.filter(pk=waiting.pk).update(status=OfferStatus.LATER_TIER)

    after_claim(monkeypatch, filled)
    assert delivery.drain(now=NOON_EDMONTON) == 1
    assert fresh(offers[waiting]).status == MessageStatus.SENT
    for offer in (taken, other):
        message = fresh(offers[offer])
        assert message.status == MessageStatus.DROPPED
        assert message.status_reason.startswith("The shift offer is no longer open")
    assert len(smtp_server.wait_for(1)) == 1
