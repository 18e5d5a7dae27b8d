"""Speed-to-lead: a reply or an application opens a respond-now item for its owner, with the
organization's target (30 minutes by default). The owner and the backup responder are alerted
when it is about to slip and again when it has; the recruiter's next message, call or email
closes it and the time it took is kept (median time to first response, share within target).

One open item per candidate: a second reply before the first is answered belongs to the same
wait, so it doesn't start another clock. Alerts are internal notifications (Django's mail to
the users' own addresses), not outreach, so the send policy doesn't judge them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.candidates.actions import mark_changed

from .choices import Direction, FollowUpKind, FollowUpStatus, MessageChannel
from .models import FollowUp, Message, OutreachSettings

log = logging.getLogger(__name__)

# The kinds the clock and the response figures are about; call tasks and review items are
# work for the owner, not a wait for the candidate.
SPEED_KINDS = (FollowUpKind.REPLY, FollowUpKind.APPLICATION)
EXCERPT_CHARS = 160
TODAY_LIMIT = 50


# --- opening ------------------------------------------------------------------------------


def _open_item(candidate_id: int) -> FollowUp | None:
    return (FollowUp.objects.filter(candidate_id=candidate_id, status=FollowUpStatus.OPEN,
                                    kind__in=SPEED_KINDS)
            .order_by("opened_at", "id").first())


def _lock_candidate(candidate_id: int) -> None:
    """Serialize openings for one candidate (two replies arriving together open one item).
    SQLite ignores row locks, but its write transactions are serialized anyway."""
    from rounds.candidates.models import Candidate

    list(Candidate.objects.select_for_update().filter(pk=candidate_id).values_list("pk"))


def responder_for(candidate, application=None):
    """Who answers: the application's owner, else the candidate's, else the job's; failing
    those, the candidate's most recent open application's owner or job owner, the last person
    who wrote to them, whoever added them. Only active users of the organization."""
    from rounds.pipeline.models import Application

    def usable(user):
        return (user is not None and user.is_active
                and user.organization_id == candidate.organization_id)

    for user in (application.owner if application is not None else None, candidate.owner,
                 application.job.owner if application is not None else None):
        if usable(user):
            return user
    latest = (Application.objects.filter(candidate=candidate).open()
              .select_related("owner", "job__owner").order_by("-created_at", "-id").first())
    if latest is not None:
        for user in (latest.owner, latest.job.owner):
            if usable(user):
                return user
    wrote = (Message.objects.filter(candidate=candidate, direction=Direction.OUTBOUND,
                                    created_by__isnull=False)
             .select_related("created_by").order_by("-created_at", "-id").first())
    if wrote is not None and usable(wrote.created_by):
        return wrote.created_by
    return candidate.created_by if usable(candidate.created_by) else None


def _create(kind: str, candidate, *, application, message, opened_at: datetime,
            note: str) -> FollowUp:
    org_settings = OutreachSettings.for_org(candidate.organization_id)
    owner = responder_for(candidate, application)
    backup = org_settings.backup_responder
    if backup is not None and (backup == owner or not backup.is_active):
        backup = None
    item = FollowUp.objects.create(
        organization_id=candidate.organization_id, kind=kind, candidate=candidate,
        application=application, message=message, owner=owner, backup=backup,
        note=note[:300], opened_at=opened_at,
        due_at=opened_at + timedelta(minutes=org_settings.respond_target_minutes),
    )
    from .tasks import schedule_follow_up_alerts

    schedule_follow_up_alerts(item.due_at - timedelta(minutes=org_settings.alert_before_minutes))
    schedule_follow_up_alerts(item.due_at)
    mark_changed(candidate.pk)
    return item


def open_for_reply(message: Message) -> FollowUp | None:
    """A matched candidate replied: open their respond-now item, or return the one already
    open. An unmatched message (no candidate) waits in the unmatched inbox instead: None."""
    if message.candidate_id is None:
        return None
    candidate = message.candidate
    with transaction.atomic():
        _lock_candidate(candidate.pk)
        existing = _open_item(candidate.pk)
        if existing is not None:
            return existing
        application = message.application
        if application is None and message.thread_id and message.thread.application_id:
            application = message.thread.application
        opened = message.received_at or message.created_at or timezone.now()
        return _create(FollowUpKind.REPLY, candidate, application=application, message=message,
                       opened_at=opened, note=excerpt(message.body))


def advance_on_reply(message: Message) -> list:
    """A candidate answered: the application the conversation is about (else each of their
    open ones) moves forward to "Engaged", recorded as the system's move with what they wrote.
    An application already past it stays where it is."""
    from rounds.pipeline.actions import do_mark_engaged

    if message.candidate_id is None:
        return []
    application = message.application
    if application is None and message.thread_id and message.thread.application_id:
        application = message.thread.application
    how = "replied by text" if message.channel == MessageChannel.SMS else "replied by email"
    return do_mark_engaged(message.candidate, application=application, how=how,
                           excerpt=excerpt(message.body, 120))


def open_for_application(application) -> FollowUp:
    """A candidate applied (career site, job board, an API or import of applicants): open a
    respond-now item for the application's owner, or return the candidate's open one."""
    candidate = application.candidate
    with transaction.atomic():
        _lock_candidate(candidate.pk)
        existing = _open_item(candidate.pk)
        if existing is not None:
            return existing
        return _create(FollowUpKind.APPLICATION, candidate, application=application,
                       message=None, opened_at=application.created_at or timezone.now(),
                       note=f"Applied to {application.job.title}")


# --- closing ------------------------------------------------------------------------------


def mark_responded(candidate, *, at: datetime | None = None, actor=None) -> int:
    """The recruiter answered (a message queued to them, a logged call, an email or text):
    close the candidate's open reply and application items opened before `at`, recording when
    and how long it took. Returns how many closed."""
    at = at or timezone.now()
    candidate_id = candidate.pk if hasattr(candidate, "pk") else int(candidate)
    items = list(FollowUp.objects.filter(candidate_id=candidate_id, status=FollowUpStatus.OPEN,
                                         kind__in=SPEED_KINDS, opened_at__lte=at))
    closed = 0
    for item in items:
        closed += FollowUp.objects.filter(pk=item.pk, status=FollowUpStatus.OPEN).update(
            status=FollowUpStatus.DONE, responded_at=at,
            response_seconds=_seconds(item.opened_at, at),
        )
    if closed:
        mark_changed(candidate_id)
    return closed


def do_mark_done(item: FollowUp, *, actor, at: datetime | None = None, via: str = "web") -> bool:
    """The owner says it is answered (by a channel Rounds doesn't see, or a call task made).
    Answering counts as the response, with its time. False when it was already closed."""
    at = at or timezone.now()
    fields = {"status": FollowUpStatus.DONE, "responded_at": at}
    if item.kind in SPEED_KINDS:
        fields["response_seconds"] = _seconds(item.opened_at, at)
    closed = FollowUp.objects.filter(pk=item.pk, status=FollowUpStatus.OPEN).update(**fields)
    if not closed:
        return False
    mark_changed(item.candidate_id)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=item, via=via,
                 changes={"status": [FollowUpStatus.OPEN.label, FollowUpStatus.DONE.label]})
    return True


def _seconds(opened: datetime, at: datetime) -> int:
    return max(0, int((at - opened).total_seconds()))


# --- alerts -------------------------------------------------------------------------------


def alert_due(now: datetime | None = None) -> int:
    """Alert the owner and the backup about items about to slip (within the organization's
    alert lead time) and, once more, about items that have slipped. Each alert goes once: it is
    claimed by a conditional update on `alerted_soon_at` / `alerted_late_at`. Returns the
    number of alerts sent."""
    now = now or timezone.now()
    pending = FollowUp.objects.filter(status=FollowUpStatus.OPEN, kind__in=SPEED_KINDS).filter(
        Q(alerted_soon_at__isnull=True) | Q(alerted_late_at__isnull=True))
    org_ids = set(pending.values_list("organization_id", flat=True).distinct())
    known = {s.organization_id: s for s in
             OutreachSettings.objects.filter(organization_id__in=org_ids)}
    sent = 0
    for org_id in sorted(org_ids):
        lead = timedelta(minutes=(known[org_id].alert_before_minutes if org_id in known
                                  else OutreachSettings().alert_before_minutes))
        rows = (pending.filter(organization_id=org_id, due_at__lte=now + lead)
                .select_related("candidate", "owner", "backup", "message", "application__job",
                                "organization"))
        for item in rows:
            late = now >= item.due_at
            if (late and item.alerted_late_at) or (not late and item.alerted_soon_at):
                continue
            try:
                with transaction.atomic():
                    sent += _alert(item, late=late, now=now)
            except Exception:  # a mail failure releases the claim; the next run retries
                log.exception("Respond-now alert for follow-up %s failed", item.pk)
    _schedule_next_alert(now)
    return sent


def _schedule_next_alert(now: datetime) -> None:
    """Keep a run waiting for the next alert due (open items are few), so an alert never
    depends on a run that happened to be queued for it."""
    from .tasks import schedule_follow_up_alerts

    leads = {s.organization_id: timedelta(minutes=s.alert_before_minutes)
             for s in OutreachSettings.objects.all().only("organization_id",
                                                          "alert_before_minutes")}
    default = timedelta(minutes=OutreachSettings().alert_before_minutes)
    upcoming = []
    for org_id, due, soon_done, late_done in (
        FollowUp.objects.filter(status=FollowUpStatus.OPEN, kind__in=SPEED_KINDS)
        .filter(Q(alerted_soon_at__isnull=True) | Q(alerted_late_at__isnull=True))
        .values_list("organization_id", "due_at", "alerted_soon_at", "alerted_late_at")
    ):
        if soon_done is None and due - leads.get(org_id, default) > now:
            upcoming.append(due - leads.get(org_id, default))
        if late_done is None and due > now:
            upcoming.append(due)
    if upcoming:
        schedule_follow_up_alerts(min(upcoming))


def _alert(item: FollowUp, *, late: bool, now: datetime) -> int:
    claim = FollowUp.objects.filter(pk=item.pk, status=FollowUpStatus.OPEN)
    if late:
        # Already late when first seen: the late alert says it all, so the "soon" one is spent.
        claimed = claim.filter(alerted_late_at__isnull=True).update(
            alerted_late_at=now, alerted_soon_at=Coalesce(F("alerted_soon_at"), Value(now)))
    else:
        claimed = claim.filter(alerted_soon_at__isnull=True).update(alerted_soon_at=now)
    if not claimed:
        return 0
    people = []
    for user in (item.owner, item.backup):
        if user is not None and user.is_active and user.email and user not in people:
            people.append(user)
    subject, body = alert_text(item, late=late, now=now)
    for user in people:
        send_mail(subject, body, None, [user.email])
    names = ", ".join(u.get_full_name() or u.email for u in people) or "nobody (no owner)"
    Activity.objects.create(
        organization_id=item.organization_id, candidate_id=item.candidate_id,
        application_id=item.application_id, kind=ActivityKind.SYSTEM,
        subject=f"{'Late' if late else 'Respond-now'} alert to {names}"[:200], body=subject,
        occurred_at=now,
    )
    return 1


def alert_text(item: FollowUp, *, late: bool, now: datetime) -> tuple[str, str]:
    """The alert's subject and body: who waits, since when, what they wrote, where to answer."""
    zone = _zone(item.organization.time_zone)
    due_local = item.due_at.astimezone(zone)
    what = ("replied" if item.kind == FollowUpKind.REPLY else
            f"applied to {item.application.job.title}" if item.application_id else "applied")
    if late:
        minutes = max(1, int((now - item.due_at).total_seconds() // 60))
        subject = f"Late: {item.candidate} {what} and is waiting ({minutes} min past target)"
    else:
        minutes = max(0, int((item.due_at - now).total_seconds() // 60))
        subject = f"Respond now: {item.candidate} {what} — {minutes} min left"
    lines = [
        f"{item.candidate} {what} at {item.opened_at.astimezone(zone):%H:%M} and is waiting "
        f"for an answer (target {due_local:%H:%M} {zone.key}).",
    ]
    if item.message_id and item.message.body:
        lines += ["", f"“{excerpt(item.message.body)}”"]
    owner = (item.owner.get_full_name() or item.owner.email) if item.owner_id else "nobody"
    backup = (item.backup.get_full_name() or item.backup.email) if item.backup_id else ""
    page = reverse("candidates:detail", args=[item.candidate.uuid])
    lines += [
        "", f"Owner: {owner}." + (f" Backup: {backup}." if backup else ""),
        "", f"Answer: {settings.PUBLIC_URL}{page}",
        f"Today: {settings.PUBLIC_URL}{reverse('today')}",
    ]
    return subject[:200], "\n".join(lines)


# --- what the Today page shows ------------------------------------------------------------


def respond_now_for(user, *, now: datetime | None = None, limit: int = TODAY_LIMIT) -> list:
    """Open items for the signed-in user, soonest due first, in one query: admins see every
    item of the organization, hiring managers the items about their jobs' people, everyone
    else the items they own or back up."""
    now = now or timezone.now()
    qs = FollowUp.objects.visible_to(user).open()
    if not (user.is_admin or user.is_hiring_manager):
        qs = qs.filter(Q(owner=user) | Q(backup=user))
    items = list(qs.select_related("candidate", "message", "owner", "application__job")
                 .order_by("due_at", "id")[:limit])
    for item in items:
        left = (item.due_at - now).total_seconds()
        item.late_now = left < 0
        item.due_iso = item.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        item.clock_text = clock_text(left)
        item.excerpt = excerpt(item.message.body) if item.message_id else item.note
        item.reply_url = reply_url(item)
    return items


def reply_url(item: FollowUp) -> str:
    """Where "Reply" goes: the answer to the message they sent (the conversation, what they
    asked, on their channel), or for an application the message about it."""
    if item.message_id and item.message.direction == Direction.INBOUND:
        return reverse("outreach:reply", args=[item.message.uuid])
    url = reverse("outreach:compose", args=[item.candidate.uuid])
    return f"{url}?application={item.application_id}" if item.application_id else url


def clock_text(seconds_left: float) -> str:
    """"12:05" left, or "-3:10" when late: minutes and seconds, as the live clock shows."""
    whole = int(abs(seconds_left))
    text = f"{whole // 60}:{whole % 60:02d}"
    return f"-{text}" if seconds_left < 0 else text


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --- figures ------------------------------------------------------------------------------


def response_stats(organization_id: int, since: datetime | None = None) -> dict:
    """Time to first response for replies and applications opened since `since`: how many
    were answered, the median seconds, the share answered within target (each item's own
    target); how many wait now and how many of those are late; and `waiting_now`, every open
    item of any kind (call tasks and review items too). One query, two once some were
    answered, whatever the number of items."""
    now = timezone.now()
    speed = Q(kind__in=SPEED_KINDS)
    answered = speed & Q(responded_at__isnull=False, response_seconds__isnull=False)
    if since is not None:
        answered &= Q(opened_at__gte=since)
    is_open = Q(status=FollowUpStatus.OPEN)
    figures = FollowUp.objects.filter(organization_id=organization_id).aggregate(
        count=Count("id", filter=answered),
        within=Count("id", filter=answered & Q(responded_at__lte=F("due_at"))),
        open_now=Count("id", filter=speed & is_open),
        late_now=Count("id", filter=speed & is_open & Q(due_at__lt=now)),
        waiting_now=Count("id", filter=is_open),
    )
    n = figures["count"]
    median = None
    if n:
        # The middle one (or two) by response time: reads at most two rows.
        middle = list(FollowUp.objects.filter(answered, organization_id=organization_id)
                      .order_by("response_seconds", "id")
                      .values_list("response_seconds", flat=True)[(n - 1) // 2: n // 2 + 1])
        median = sum(middle) / len(middle)
    return {
        "count": n,
        "median_seconds": median,
        "median_minutes": round(median / 60, 1) if median is not None else None,
        "within_target": figures["within"],
        "share_within_target": figures["within"] / n if n else None,
        "open_now": figures["open_now"],
        "late_now": figures["late_now"],
        "waiting_now": figures["waiting_now"],
    }


# --- the organization's outreach settings -------------------------------------------------

SETTINGS_FIELDS = (
    "sender_name", "sender_email", "contact_phone", "sms_from_number", "window_start",
    "window_end", "respond_target_minutes", "alert_before_minutes", "backup_responder",
    "email_per_minute", "sms_per_second", "meeting_day_start", "meeting_day_end",
    "meeting_weekdays",
)


def do_update_settings(org_settings: OutreachSettings, *, actor, via: str = "web",
                       **changes) -> OutreachSettings:
    """Change the organization's outreach settings. The sending window may only be narrowed
    (the model refuses widening); the backup responder must be an active user of the
    organization; the alert comes before the target. Errors name the field."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"Unknown setting: {', '.join(sorted(unknown))}."})
    before = {k: getattr(org_settings, k) for k in changes}
    for key, value in changes.items():
        setattr(org_settings, key, value)
    errors: dict[str, str] = {}
    backup = org_settings.backup_responder
    if backup is not None and (backup.organization_id != org_settings.organization_id
                               or not backup.is_active):
        errors["backup_responder"] = "Choose an active user of your organization."
    if org_settings.alert_before_minutes >= org_settings.respond_target_minutes:
        errors["alert_before_minutes"] = (
            f"Alert before the target: less than {org_settings.respond_target_minutes} min.")
    if org_settings.sms_per_second < 1:
        errors["sms_per_second"] = "At least 1 text a second."
    weekdays = org_settings.meeting_weekdays or []
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
        errors["meeting_weekdays"] = "Days are 0 (Monday) to 6 (Sunday)."
    if org_settings.sms_from_number:
        from rounds.lib.contact import ContactError, normalize_phone

        try:
            org_settings.sms_from_number = normalize_phone(org_settings.sms_from_number)
        except ContactError as exc:
            errors["sms_from_number"] = str(exc)
    try:
        org_settings.full_clean(exclude=["organization"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)
    org_settings.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=org_settings, via=via,
                 organization_id=org_settings.organization_id,
                 changes=audit.diff(before, {k: getattr(org_settings, k) for k in changes}))
    return org_settings


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")
