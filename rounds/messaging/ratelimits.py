"""Send windows: at most N messages of an organization on a channel per window (emails a
minute, texts a second, from its outreach settings), counted once for every process and
worker, atomically, so N workers never send N times the limit.

A window is a counter under the key `send:<channel>:<organization>` kept by the sign-in
throttle's storage (`rounds.accounts.throttle`), reused as it is: in Redis when REDIS_URL is
set — one Lua script counts and compares on the server, the window expiring by itself — else in
the database, one `INSERT … ON CONFLICT … DO UPDATE … RETURNING` a place, a single-row statement
PostgreSQL and SQLite run atomically (the row stays locked until the claim's transaction
commits, so two workers claiming at once take their places in turn). If Redis can't be reached
the database counts instead. A window starts with its first message and lasts its length; the
clock is the drain's (`now`), so tests can travel it.

The drain takes a place for each row it is about to claim and gives back the places of rows
that did not go (another worker claimed them first, the policy held or dropped them, our lease
ran out before their turn)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings

from rounds.accounts import throttle


def _counters():
    """The throttle's storage under the send windows' own Redis prefix."""
    url = getattr(settings, "REDIS_URL", "")
    if url:
        prefix = getattr(settings, "SEND_WINDOW_PREFIX", "rounds:send:")
        return throttle._Fallback(throttle.RedisCounters(url, prefix))
    return throttle.DatabaseCounters()


class SendWindow:
    def __init__(self, organization_id: int, channel: str, limit: int, length: timedelta):
        self.key = f"send:{channel}:{organization_id}"
        self.limit = limit
        self.seconds = max(1, round(length.total_seconds()))

    def take(self, now: datetime) -> datetime | None:
        """Take one place in the current window: None when taken, else when the window frees
        (the place is not taken)."""
        at = now.timestamp()
        count, ends = _counters().hit([(self.key, self.seconds, self.limit)], at)[self.key]
        if count <= self.limit:
            return None
        self.give_back(now)  # the refused count is not a place
        return datetime.fromtimestamp(ends, tz=UTC)

    def give_back(self, now: datetime) -> None:
        """Return a place taken in the window that is still open (a message that did not go)."""
        _counters().refund([self.key], now.timestamp())

    def used(self, now: datetime) -> int:
        return _counters().peek([self.key], now.timestamp())[self.key]
