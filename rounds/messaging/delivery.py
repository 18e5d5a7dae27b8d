"""The outbox worker: claim due messages, judge them again, send, record.

`drain()` is what `tasks.deliver_outbox_task` runs. One pass, batch by batch:

1. Sweep expired leases (`sweep_expired_leases`, also a task scheduled for the end of every
   lease): a row `SENDING` past its lease belongs to a worker that stopped. Handed over
   (`handed_at` set) it may have gone out: `UNKNOWN` ("may have been sent"), never sent again;
   a recruiter can resend it by hand (`actions.do_resend_unknown`). Never handed over, nothing
   left: it goes back to the queue.
2. Claim a batch of due rows (queued or held, `send_after <= now`) within each organization's
   per-channel send window (`ratelimits`, shared by every process): on PostgreSQL `SELECT … FOR
   UPDATE SKIP LOCKED` then a conditional update to `SENDING` with a claim token and a lease; on
   SQLite the conditional update alone is the claim (writes are serialized). The claim commits
   before anything is sent, and schedules the sweep for when its lease ends.
3. The send policy decides again at the moment of sending (`policy.check_send_many`, the facts
   loaded once for the batch): consent revoked or an opt-out since queueing drops the
   row; quiet hours hold it until allowed.
4. Text and headers are fixed and saved (Message-ID, the exact body) before the first attempt.
5. Send through a transport (`transports`: SMTP over one connection a drain, a
   django-anymail provider, console or locmem), texts through the SMS backend; each marks the
   message handed over (committed) just before the bytes that may make it go.
6. Record the batch in one short transaction: sent (and on the timeline through
   `threads.log_activities`), retry later with exponential backoff and jitter (SMTP 4xx,
   connection errors, SMS 429), failed (a permanent refusal; a hard bounce suppresses the
   address, a carrier opt-out records the opt-out) or unknown (lost after the handover:
   settled by the provider's status callback or delivery event, `receipts`).
7. Schedule the next run for the earliest message that is held, backing off or rate-limited.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from . import policy, ratelimits, transports
from . import sms as sms_adapter
from .actions import do_resend_unknown  # noqa: F401 - its old home
from .choices import Direction, MessageChannel, MessageStatus, SuppressionReason
from .models import Message, OutreachSettings, Suppression
from .receipts import (  # noqa: F401 - their old home
    CALLBACK_STATUS,
    do_apply_sms_status,
    message_for_callback,
)
from .threads import log_activities
from .transports import (  # noqa: F401 - named here by callers and tests
    FAILED,
    RELEASE,
    RETRY,
    SENT,
    UNKNOWN,
    UNKNOWN_AFTER_5XX,
    UNKNOWN_AFTER_CRASH,
    UNKNOWN_AFTER_DATA,
    Outcome,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 100  # rows claimed at once; a crash mid-batch leaves at most this many UNKNOWN
LEASE = timedelta(minutes=5)  # a claim older than this belongs to a worker that stopped
SWEEP_DELAY = timedelta(seconds=5)  # the sweep of a claim runs this long after its lease ends
LEASE_MARGIN = timedelta(seconds=60)  # stop sending this long before our own lease runs out
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
RATE_WINDOW = {MessageChannel.EMAIL: timedelta(minutes=1), MessageChannel.SMS: timedelta(seconds=1)}
# With the real clock, a drain waits for a rate window that frees this soon instead of ending
# (a 1-a-second long code would otherwise cost one task run per text), for this long at most.
RATE_WAIT_MAX = timedelta(seconds=2)
DRAIN_SECONDS_MAX = 50

OPEN_FOR_CLAIM = (MessageStatus.QUEUED, MessageStatus.HELD)


# --- The drain ---


def drain(now: datetime | None = None, limit: int | None = None) -> int:
    """Send every due message (at most `limit`); returns how many went out. `now` fixes the
    clock (tests); without it the real clock is read as the drain goes."""
    run = _Drain(now, limit)
    try:
        run.run()
    finally:
        run.close()
    return run.sent


def sweep_expired_leases(now: datetime | None = None) -> tuple[int, int]:
    """Rows still SENDING after their lease belong to a worker that stopped. Those it had handed
    over may have gone out: UNKNOWN, never claimed again. Those it had not go back to the queue
    (nothing was sent), due at once. Returns (unknown, requeued)."""
    now = now or timezone.now()
    expired = Message.objects.filter(status=MessageStatus.SENDING, lease_until__lt=now)
    unknown = expired.filter(handed_at__isnull=False).update(
        status=MessageStatus.UNKNOWN, status_reason=UNKNOWN_AFTER_CRASH, lease_until=None
    )
    requeued = expired.filter(handed_at__isnull=True).update(
        status=MessageStatus.QUEUED, claim_token="", lease_until=None, send_after=now,
        status_reason="Back in the queue: the worker that claimed it stopped before sending it.",
    )
    return unknown, requeued


recover_expired_leases = sweep_expired_leases


def mark_handed(message: Message, at: datetime) -> None:
    """Record, committed before it goes, that this claim hands the message over now."""
    message.handed_at = at
    Message.objects.filter(pk=message.pk, claim_token=message.claim_token).update(handed_at=at)


class _Drain:
    """One drain: its clock, its SMTP connection and SMS backend, the rate budgets it found
    spent, and how much it claimed and sent."""

    def __init__(self, now: datetime | None, limit: int | None):
        self.fixed_now = now
        self.limit = limit
        self.sent = 0
        self.claimed_total = 0
        self.started = time.monotonic()
        self.blocked: dict[tuple[int, str], datetime] = {}  # (org, channel) -> when it frees
        self.settings_cache: dict[int, OutreachSettings] = {}
        self.mail: transports.Transport | None = None
        self.sms_backend = None
        self.limit_reached = False
        self.claimed_at = time.monotonic()
        self.windows: dict[tuple[int, str], ratelimits.SendWindow | None] = {}

    def clock(self) -> datetime:
        return self.fixed_now or timezone.now()

    # Each loop claims, judges, sends and records one batch.
    def run(self) -> None:
        sweep_expired_leases(self.clock())
        while True:
            if self.limit is not None and self.claimed_total >= self.limit:
                self.limit_reached = True
                break
            claimed = self.claim()
            if claimed is None:  # nothing due within budget
                if not self.wait_for_rate_window():
                    break
                continue
            if claimed:
                self.process(claimed)

    def wait_for_rate_window(self) -> bool:
        """With the real clock: sleep until a rate window that frees very soon, then go on."""
        if self.fixed_now is not None or not self.blocked:
            return False
        now = timezone.now()
        soonest = min(self.blocked.values())
        elapsed = time.monotonic() - self.started
        if soonest - now > RATE_WAIT_MAX or elapsed > DRAIN_SECONDS_MAX:
            return False
        if not self._due_exists(now):
            return False
        time.sleep(max(0.0, (soonest - now).total_seconds()))
        self.blocked = {k: v for k, v in self.blocked.items() if v > timezone.now()}
        return True

    def close(self) -> None:
        if self.mail is not None:
            self.mail.close()
        self.schedule_next()

    # --- Claiming ---

    def outreach_settings(self, organization_id: int) -> OutreachSettings:
        if organization_id not in self.settings_cache:
            self.settings_cache[organization_id] = OutreachSettings.for_org(organization_id)
        return self.settings_cache[organization_id]

    def window(self, organization_id: int, channel: str) -> ratelimits.SendWindow | None:
        """The organization's send window on this channel (None: no limit of ours)."""
        pair = (organization_id, channel)
        if pair not in self.windows:
            s = self.outreach_settings(organization_id)
            per_window = {MessageChannel.EMAIL: s.email_per_minute,
                          MessageChannel.SMS: s.sms_per_second}.get(channel, 0)
            self.windows[pair] = ratelimits.SendWindow(
                organization_id, channel, per_window, RATE_WINDOW[channel]
            ) if per_window else None
        return self.windows[pair]

    def give_back(self, messages: list[Message], now: datetime) -> None:
        """Return the send-window places of claimed messages that did not go."""
        for m in messages:
            w = self.window(m.organization_id, m.channel)
            if w is not None:
                w.give_back(now)

    def _due(self, now: datetime):
        qs = Message.objects.filter(status__in=OPEN_FOR_CLAIM, send_after__lte=now,
                                    direction=Direction.OUTBOUND)
        for org_id, channel in self.blocked:
            qs = qs.exclude(organization_id=org_id, channel=channel)
        return qs

    def _due_exists(self, now: datetime) -> bool:
        return Message.objects.filter(status__in=OPEN_FOR_CLAIM, send_after__lte=now,
                                      direction=Direction.OUTBOUND).exists()

    def claim(self) -> list[Message] | None:
        """Claim the next batch; None when nothing is due within budget."""
        now = self.clock()
        size = BATCH_SIZE
        if self.limit is not None:
            size = min(size, self.limit - self.claimed_total)
        token = secrets.token_hex(16)
        with transaction.atomic():
            while True:
                due = self._due(now).order_by("send_after", "id")
                if connection.features.has_select_for_update_skip_locked:
                    # Other workers skip the rows we look at instead of waiting for them.
                    due = due.select_for_update(skip_locked=True)
                rows = list(due.values_list("id", "organization_id", "channel",
                                            "candidate_id")[: size * 2])
                if not rows:
                    return None
                chosen_rows = self._within_budget(rows, size, now)
                if chosen_rows:
                    break
                # Every row was of an organization and channel out of budget: those are now
                # excluded from the query; look again.
            # The conditional update is the claim: a row another worker took in between no
            # longer matches.
            Message.objects.filter(
                pk__in=[pk for pk, _o, _c in chosen_rows], status__in=OPEN_FOR_CLAIM,
                send_after__lte=now,
            ).update(status=MessageStatus.SENDING, claim_token=token, lease_until=now + LEASE,
                     handed_at=None)
            from .tasks import schedule_sweep

            schedule_sweep(now + LEASE + SWEEP_DELAY)
        self.claimed_at = time.monotonic()
        claimed = list(
            Message.objects.filter(claim_token=token, status=MessageStatus.SENDING)
            .select_related("organization", "candidate", "candidate__organization", "thread",
                            "created_by")
            .order_by("send_after", "id")
        )
        self.claimed_total += len(claimed)
        got = {m.pk for m in claimed}
        for pk, org_id, channel in chosen_rows:  # rows another worker took first
            w = self.window(org_id, channel) if pk not in got else None
            if w is not None:
                w.give_back(now)
        return claimed

    def _within_budget(self, rows: list[tuple], size: int, now: datetime) -> list[tuple]:
        """The rows to claim, as (id, organization, channel): each takes a place in its send
        window; an organization and channel whose window is full is blocked until it frees.
        Windows are taken in one fixed order (on the database a window's row stays locked
        until the claim commits: two workers never wait for each other in turn)."""
        wanted: dict[tuple[int, str], list[tuple]] = {}
        seen: set[tuple[int | None, str]] = set()
        count = 0
        for order, (pk, org_id, channel, candidate_id) in enumerate(rows):
            pair = (org_id, channel)
            if pair in self.blocked:
                continue
            # One message per person and channel a batch: the policy's frequency and daily
            # caps count what was sent, and a row of this batch isn't recorded yet.
            if candidate_id is not None and (candidate_id, channel) in seen:
                continue
            seen.add((candidate_id, channel))
            wanted.setdefault(pair, []).append((order, pk, org_id, channel))
            count += 1
            if count >= size:
                break
        chosen: list[tuple] = []
        for pair in sorted(wanted):
            w = self.window(*pair)
            for row in wanted[pair]:
                if w is not None:
                    frees_at = w.take(now)
                    if frees_at is not None:
                        self.blocked[pair] = frees_at
                        break
                chosen.append(row)
        return [row[1:] for row in sorted(chosen)]

    # --- Judging, sending, recording ---

    def process(self, claimed: list[Message]) -> None:
        now = self.clock()
        token = claimed[0].claim_token
        to_send = self.judge(claimed, now, token)
        going = {m.pk for m in to_send}
        self.give_back([m for m in claimed if m.pk not in going], now)
        if not to_send:
            return
        to_send, outcomes = self.prepare(to_send, token)
        self.give_back([o.message for o in outcomes], now)  # could not be built
        try:
            self.send_all(to_send, outcomes)
        except Exception:
            # A bug, not a refusal: keep what we know. The message in flight may have gone
            # out (UNKNOWN); the ones not reached go back to the queue untouched.
            done = {o.message.pk for o in outcomes}
            pending = [m for m in to_send if m.pk not in done]
            if pending:
                outcomes.append(Outcome(pending[0], UNKNOWN, "The worker failed while sending.",
                                        reason=UNKNOWN_AFTER_CRASH))
                outcomes += [Outcome(m, RELEASE, counts=False) for m in pending[1:]]
            record(outcomes, token, self.clock())
            raise
        record(outcomes, token, self.clock())
        self.give_back([o.message for o in outcomes if not o.counts], now)
        self.sent += sum(1 for o in outcomes if o.result == SENT)

    def judge(self, claimed: list[Message], now: datetime, token: str) -> list[Message]:
        """The policy at the moment of sending: send, hold until allowed, or drop. Also dropped:
        a sequence step whose enrolment stopped (the candidate replied or opted out after it was
        queued, even once claimed) and a locum offer that is no longer open (the shift was
        filled or cancelled, or they answered)."""
        to_send, settled = [], []
        messages = [m for m in claimed if m.channel in (MessageChannel.EMAIL, MessageChannel.SMS)]
        verdicts = policy.check_send_many(messages, now)
        obsolete = obsolete_reasons(claimed)
        for m in claimed:
            verdict = verdicts.get(m.pk)
            if m.pk in obsolete:
                m.status, m.status_reason = MessageStatus.DROPPED, obsolete[m.pk][:300]
                settled.append(m)
            elif verdict is None:
                m.status = MessageStatus.FAILED
                m.status_reason = "Calls are not sent by the outbox."
                settled.append(m)
            elif verdict.action == policy.SEND:
                to_send.append(m)
            elif verdict.action == policy.HOLD:
                m.status, m.status_reason = MessageStatus.HELD, verdict.reason[:300]
                m.send_after = verdict.send_at
                settled.append(m)
            else:
                m.status, m.status_reason = MessageStatus.DROPPED, verdict.reason[:300]
                settled.append(m)
        for m in settled:
            m.claim_token, m.lease_until = "", None
        update_rows(settled, ["status", "status_reason", "send_after", "claim_token",
                              "lease_until"], token, status=MessageStatus.SENDING)
        return to_send

    def prepare(self, to_send: list[Message], token: str) -> tuple[list[Message], list[Outcome]]:
        """Fix the text, the sender and the email Message-ID, and save them before the first
        attempt: every retry sends the same Message-ID, and a row that ends up UNKNOWN shows
        exactly what may have gone out. A message that can't be built fails alone."""
        from . import email as email_builder

        previous = _previous_ids([m for m in to_send if m.channel == MessageChannel.EMAIL])
        ready, failed = [], []
        for m in to_send:
            s = self.outreach_settings(m.organization_id)
            try:
                if m.channel == MessageChannel.EMAIL:
                    if not m.provider_id:
                        m.provider_id = email_builder.new_message_id()
                    m._email = email_builder.build_email(
                        m, outreach_settings=s, previous_ids=_earlier(previous, m),
                        when=self.clock(),
                    )
                else:
                    m.sent_body = sms_adapter.sms_text(m, outreach_settings=s)
                    # The organization's number, unless the message answers a text sent to
                    # another of ours (it was written with that number).
                    m.from_address = (m.from_address or s.sms_from_number
                                      or settings.SMS_FROM_NUMBER)
            except Exception as e:
                log.exception("Could not build outbox message %s", m.pk)
                failed.append(Outcome(m, FAILED, f"Could not build the message: {e}"))
                continue
            ready.append(m)
        update_rows(ready, ["provider_id", "sent_body", "from_address"], token,
                    status=MessageStatus.SENDING)
        return ready, failed

    def send_all(self, to_send: list[Message], outcomes: list[Outcome]) -> None:
        """Send each message, appending its outcome to `outcomes` as it comes."""
        sms_pause: Outcome | None = None  # the provider said 429: don't push more texts now
        lease_left = (LEASE - LEASE_MARGIN).total_seconds()
        for m in to_send:
            if time.monotonic() - self.claimed_at > lease_left:
                # Our lease is about to run out: what we haven't sent goes back to the queue.
                outcomes.append(Outcome(m, RELEASE, counts=False))
            elif m.channel == MessageChannel.EMAIL:
                outcomes.append(self.send_email(m))
            elif sms_pause is not None:
                outcomes.append(Outcome(m, RETRY, sms_pause.error,
                                        retry_after=sms_pause.retry_after, counts=False))
            else:
                outcome = self.send_sms(m)
                if outcome.result == RETRY:
                    sms_pause = outcome
                outcomes.append(outcome)

    def send_email(self, m: Message) -> Outcome:
        if self.mail is None:
            self.mail = transports.for_settings(lambda msg: mark_handed(msg, self.clock()),
                                                self.clock)
        return self.mail.send(m)

    def send_sms(self, m: Message) -> Outcome:
        if self.sms_backend is None:
            self.sms_backend = sms_adapter.get_backend()
        mark_handed(m, self.clock())
        result = self.sms_backend.send(m.to_address, m.sent_body, m.from_address,
                                       status_callback_url(m))
        if result.status == sms_adapter.ACCEPTED:
            return Outcome(m, SENT, at=self.clock(), provider_id=result.provider_id)
        if result.status == sms_adapter.RETRY:
            return Outcome(m, RETRY, result.error, retry_after=result.retry_after)
        if result.status == sms_adapter.UNKNOWN:
            return Outcome(m, UNKNOWN, result.error, reason=UNKNOWN_AFTER_5XX)
        return Outcome(m, FAILED, result.error, opt_out=result.opted_out)

    def schedule_next(self) -> None:
        """Queue the next run: now if the limit cut this one short, else for the earliest held,
        backing-off or rate-limited message."""
        from .tasks import schedule_delivery

        now = self.clock()
        if self.limit_reached and self._due_exists(now):
            schedule_delivery(None)
            return
        times = list(self.blocked.values())
        earliest = Message.objects.filter(
            status__in=OPEN_FOR_CLAIM, send_after__gt=now, direction=Direction.OUTBOUND
        ).aggregate(t=Min("send_after"))["t"]
        if earliest is not None:
            times.append(earliest)
        if times:
            schedule_delivery(max(min(times), now))


def obsolete_reasons(messages: list[Message]) -> dict[int, str]:
    """Why some claimed messages must no longer go, by id: each purpose says, once a batch (a
    sequence step whose enrolment stopped, a locum offer that is no longer open)."""
    from . import purposes

    return purposes.not_wanted(messages)


def update_rows(messages: list[Message], fields: list[str], token: str, *,
                status: str | None = None) -> None:
    """Save `fields` of each message in one executemany, only where our claim still holds
    (and the status is still `status`). Django's bulk_update builds a CASE per field and row,
    which costs more than the sending itself at a few hundred messages a second."""
    if not messages:
        return
    meta = Message._meta
    qn = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{qn(c.column)} = %s" for c in columns)
    sql = (f"UPDATE {qn(meta.db_table)} SET {assignments} "
           f"WHERE {qn(meta.pk.column)} = %s AND {qn('claim_token')} = %s")
    if status is not None:
        sql += f" AND {qn('status')} = %s"
    rows = []
    for m in messages:
        values = [c.get_db_prep_save(getattr(m, c.attname), connection) for c in columns]
        rows.append([*values, m.pk, token] + ([status] if status is not None else []))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _previous_ids(emails: list[Message]) -> dict[int, list[tuple[datetime, int, str]]]:
    """Earlier Message-IDs of the batch's threads, in one query."""
    from .email import THREADED_STATUSES

    thread_ids = {m.thread_id for m in emails if m.thread_id}
    out: dict[int, list[tuple[datetime, int, str]]] = {}
    if not thread_ids:
        return out
    rows = (Message.objects.filter(thread_id__in=thread_ids, channel=MessageChannel.EMAIL,
                                   status__in=THREADED_STATUSES)
            .exclude(provider_id="").order_by("created_at", "id")
            .values_list("thread_id", "created_at", "id", "provider_id"))
    for thread_id, created_at, pk, provider_id in rows:
        out.setdefault(thread_id, []).append((created_at, pk, provider_id))
    return out


def _earlier(previous: dict, m: Message) -> list[str]:
    return [pid for created, pk, pid in previous.get(m.thread_id, ())
            if pk != m.pk and created <= m.created_at]


def status_callback_url(message: Message) -> str:
    """Where the provider reports this text's status; `?m=` finds the row even when the send
    answer (and so the provider's id) was lost."""
    path = reverse("messaging_public:sms_status")
    return f"{settings.PUBLIC_URL.rstrip('/')}{path}?m={message.uuid}"


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min, … capped at an hour, each between
    half and all of that (so a burst of failures doesn't come back at once), and never sooner
    than the provider's Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    delay = ceiling * random.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def record(outcomes: list[Outcome], token: str, now: datetime) -> None:
    """Write a batch's results in one short transaction; every update is conditional on our
    claim, so a row a status callback already moved on is not moved back."""
    if not outcomes:
        return
    sent, other = [], []
    for o in outcomes:
        m = o.message
        if o.result == SENT:
            m.sent_at, m.provider_id, m.error = o.at or now, o.provider_id or m.provider_id, ""
            m.esp_id = o.esp_id or m.esp_id
            m.attempts += 1
            sent.append(m)
            continue
        if o.counts:
            m.attempts += 1
        m.error = o.error[:2000]
        m.claim_token, m.lease_until = "", None
        if o.result == RELEASE:
            m.status, m.send_after = MessageStatus.QUEUED, now
        elif o.result == RETRY and m.attempts >= MAX_ATTEMPTS:
            m.status = MessageStatus.FAILED
            m.status_reason = f"Gave up after {m.attempts} attempts: {o.error}"[:300]
        elif o.result == RETRY:
            m.status = MessageStatus.QUEUED
            m.send_after = now + backoff(max(1, m.attempts), o.retry_after)
            m.status_reason = f"Will try again: {o.error}"[:300]
        elif o.result == UNKNOWN:
            m.status, m.status_reason = MessageStatus.UNKNOWN, o.reason or UNKNOWN_AFTER_5XX
            m.claim_token = token  # kept: whoever sent it is on record
        else:
            m.status = MessageStatus.FAILED
            m.status_reason = (f"Refused for good: {o.error}" if not o.bounce
                               else f"Hard bounce, address suppressed: {o.error}")[:300]
        other.append(m)
    with transaction.atomic():
        if sent:
            update_rows(sent, ["sent_at", "provider_id", "esp_id", "error", "attempts"], token)
            # A status callback may already have moved a row to sent, delivered or failed.
            Message.objects.filter(claim_token=token, pk__in=[m.pk for m in sent],
                        status__in=[MessageStatus.SENDING, MessageStatus.UNKNOWN]).update(
                status=MessageStatus.SENT, status_reason="", lease_until=None
            )
            log_activities(sent)
        if other:
            update_rows(other, ["status", "status_reason", "send_after", "attempts", "error",
                                "claim_token", "lease_until"], token, status=MessageStatus.SENDING)
        for o in outcomes:
            if o.bounce:
                _suppress_hard_bounce(o.message, o.error)
            if o.opt_out and o.message.candidate_id:
                from .optout import do_opt_out

                do_opt_out(o.message.candidate, MessageChannel.SMS, via="carrier",
                           detail=o.error[:300])


def _suppress_hard_bounce(message: Message, error: str) -> None:
    from rounds.candidates.actions import mark_changed

    address = (message.candidate.email_normalized if message.candidate_id else "") or (
        message.to_address.strip().lower())
    Suppression.objects.get_or_create(
        organization_id=message.organization_id, channel=MessageChannel.EMAIL, address=address,
        defaults={"reason": SuppressionReason.HARD_BOUNCE, "detail": error[:300]},
    )
    if message.candidate_id:
        mark_changed(message.candidate_id)
