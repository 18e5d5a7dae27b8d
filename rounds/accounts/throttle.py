"""The sign-in throttle: how many times an email, a client and an account may try, shared by
every process and counted atomically.

Each attempt is counted *before* the password (or code) is checked: one atomic operation adds 1
to every counter the attempt falls under and returns the new counts, and only an attempt whose
counts are all within their limits goes on to the check. So 40 wrong passwords sent at once
with a limit of 10 get exactly 10 password checks, whatever the number of processes.

Counters (each a window that starts at its first attempt and lasts `window` seconds):

- PAIR: one account from one client — a person mistyping, or one machine guessing.
- CLIENT: one client across every account — one password sprayed over many accounts.
- ACCOUNT: one account from everywhere — guessing spread over many machines (a higher limit).
- CODE: the two-factor step of one account. RESET_*: password-reset emails asked for.

Counters are taken narrowest first (PAIR, CLIENT, ACCOUNT), and an attempt refused by one of
them counts on that one only: hammering a locked pair doesn't spend the account's budget, so one
machine can't lock an account for everyone, and a spraying client doesn't spend the budgets of
the accounts it sprays once it is refused. A successful sign-in clears its PAIR and gives back
what it took from CLIENT and ACCOUNT, so people signing in well never use up a budget. Using a
password-reset link clears every counter of the account.

Keys hold only keyed hashes (HMAC with SECRET_KEY) of the email and the client's address; an
IPv6 client counts by its /64, which one machine usually holds whole. The client's address is
`rounds.lib.http.client_ip`: behind TRUSTED_PROXIES it is the address the proxy saw, so
people behind the same proxy are different clients.

Storage: Redis when REDIS_URL is set — one Lua script per attempt looks at every counter and
adds to them in one step on the server (a MULTI of INCR and EXPIRE can't skip the wider
counters when a narrow one refuses). Else the database: one INSERT … ON CONFLICT … DO UPDATE …
RETURNING per counter, a single-row statement that PostgreSQL and SQLite (≥ 3.35) run
atomically, taken in the same order by every request (no deadlocks); a refusal by a wider
counter takes back the narrower ones' counts. Both take the time from the application
(`timezone.now()`), so windows behave the same on both and tests can travel the clock. If
Redis can't be reached, the database counts instead."""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window: int  # seconds

    @property
    def minutes(self) -> int:
        return self.window // 60


PAIR = Limit("pair", 10, 15 * 60)
CLIENT = Limit("client", 30, 60 * 60)
ACCOUNT = Limit("account", 50, 60 * 60)
CODE = Limit("code", 5, 15 * 60)
RESET_CLIENT = Limit("reset-client", 10, 60 * 60)
RESET_ACCOUNT = Limit("reset-account", 3, 60 * 60)


@dataclass(frozen=True)
class Counted:
    limit: Limit
    key: str
    count: int
    window_ends: float

    @property
    def over(self) -> bool:
        return self.count > self.limit.attempts


@dataclass(frozen=True)
class Attempt:
    """One attempt as counted: whether it may go on and, when not, for how long."""

    counted: tuple[Counted, ...]
    at: float

    @property
    def allowed(self) -> bool:
        return not any(c.over for c in self.counted)

    @property
    def refused_by(self) -> list[Limit]:
        return [c.limit for c in self.counted if c.over]

    @property
    def retry_after(self) -> int:
        """Seconds until every counter that refused this attempt starts a new window."""
        waits = [c.window_ends - self.at for c in self.counted if c.over]
        # (Less a millisecond: a stored window end may be a hair off the float it came from.)
        return max(1, math.ceil(max(waits) - 0.001)) if waits else 0

    @property
    def wait_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def first_refusal(self) -> bool:
        """True for exactly one refused attempt per window of a counter: the one that went one
        past the limit. Worth one audit event; the rest of the window adds nothing."""
        return any(c.count == c.limit.attempts + 1 for c in self.counted)

    def key(self, limit: Limit) -> str | None:
        return next((c.key for c in self.counted if c.limit == limit), None)


# --- keys --------------------------------------------------------------------------------------


def _digest(kind: str, value: str) -> str:
    return salted_hmac("rounds.accounts.throttle", f"{kind}:{value}").hexdigest()[:32]


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def client_key(ip: str) -> str:
    """A client's address as counted: IPv6 by its /64, IPv4 whole."""
    ip = (ip or "").strip()
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _account(email: str) -> str:
    return _digest("email", normalize_email(email))


def _client(ip: str) -> str:
    return _digest("ip", client_key(ip))


def pair_key(email: str, ip: str) -> str:
    return f"{PAIR.scope}:{_account(email)}:{_client(ip)}"


def account_key(email: str) -> str:
    return f"{ACCOUNT.scope}:{_account(email)}"


def code_key(user_id: int) -> str:
    return f"{CODE.scope}:{_digest('user', str(user_id))}"


# --- what the views call -----------------------------------------------------------------------


def count(checks: list[tuple[Limit, str]]) -> Attempt:
    """Count one attempt under each (limit, key), narrowest first, atomically, and say whether
    it may go on. A refused attempt counts only on the counter that refused it."""
    now = timezone.now().timestamp()
    counts = _counters().hit([(key, limit.window, limit.attempts) for limit, key in checks], now)
    return Attempt(tuple(Counted(limit, key, *counts[key]) for limit, key in checks), now)


def sign_in_attempt(email: str, ip: str) -> Attempt:
    """Count a password check for `email` from the client at `ip` (call before checking)."""
    return count(
        [
            (PAIR, pair_key(email, ip)),
            (CLIENT, f"{CLIENT.scope}:{_client(ip)}"),
            (ACCOUNT, account_key(email)),
        ]
    )


def signed_in(attempt: Attempt) -> None:
    """The password was right: clear the pair, give back the client's and account's share."""
    backend = _counters()
    pair = attempt.key(PAIR)
    if pair:
        backend.clear([pair])
    backend.refund([k for k in (attempt.key(CLIENT), attempt.key(ACCOUNT)) if k], attempt.at)
    backend.purge(attempt.at)


def code_attempt(user_id: int) -> Attempt:
    """Count a two-factor code check for the user (call before checking)."""
    return count([(CODE, code_key(user_id))])


def code_accepted(user_id: int) -> None:
    _counters().clear([code_key(user_id)])


def reset_attempt(email: str, ip: str) -> Attempt:
    """Count a request for a password-reset email (keeps anyone from flooding an inbox)."""
    return count(
        [
            (RESET_CLIENT, f"{RESET_CLIENT.scope}:{_client(ip)}"),
            (RESET_ACCOUNT, f"{RESET_ACCOUNT.scope}:{_account(email)}"),
        ]
    )


def clear_account(email: str, user_id: int | None = None) -> None:
    """Forget every sign-in counter of the account (its password was just reset)."""
    keys = [account_key(email)]
    if user_id is not None:
        keys.append(code_key(user_id))
    _counters().clear(keys, prefixes=[f"{PAIR.scope}:{_account(email)}:"])


def state(checks: list[tuple[Limit, str]]) -> dict[str, int]:
    """The current counts under these keys without counting anything (for tests and admins)."""
    return _counters().peek([key for _limit, key in checks], timezone.now().timestamp())


# --- storage -----------------------------------------------------------------------------------


class DatabaseCounters:
    """Counters in the accounts_signincounter table, one upsert per attempt."""

    @property
    def table(self) -> str:
        from .models import SignInCounter

        return connection.ops.quote_name(SignInCounter._meta.db_table)

    def _upsert(self, key: str, window: int, now: float) -> tuple[int, float]:
        t, q = self.table, connection.ops.quote_name
        sql = (
            f"INSERT INTO {t} ({q('key')}, {q('count')}, {q('window_ends')}) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({q('key')}) DO UPDATE SET "
            f"{q('count')} = CASE WHEN {t}.{q('window_ends')} <= %s THEN 1 "
            f"ELSE {t}.{q('count')} + 1 END, "
            f"{q('window_ends')} = CASE WHEN {t}.{q('window_ends')} <= %s "
            f"THEN excluded.{q('window_ends')} ELSE {t}.{q('window_ends')} END "
            f"RETURNING {q('count')}, {q('window_ends')}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now + window, now, now])
            n, ends = cursor.fetchone()
        return int(n), float(ends)

    def hit(self, checks: list[tuple[str, int, int]], now: float) -> dict[str, tuple[int, float]]:
        """Count under each (key, window, limit) in turn; stop at the first over its limit and
        take back the counts before it."""
        out: dict[str, tuple[int, float]] = {key: (0, now) for key, _w, _l in checks}
        taken: list[str] = []
        for key, window, limit in checks:
            out[key] = self._upsert(key, window, now)
            if out[key][0] > limit:
                self.refund(taken, now)
                for k in taken:
                    out[k] = (out[k][0] - 1, out[k][1])
                break
            taken.append(key)
        return out

    def refund(self, keys: list[str], now: float) -> None:
        from .models import SignInCounter

        if keys:
            from django.db.models import F

            for key in keys:  # one row per statement: no two requests lock rows in turn
                SignInCounter.objects.filter(key=key, count__gt=0, window_ends__gt=now).update(
                    count=F("count") - 1
                )

    def clear(self, keys: list[str], prefixes: list[str] = ()) -> None:
        from .models import SignInCounter

        doomed = set(keys)
        for prefix in prefixes:
            doomed |= set(
                SignInCounter.objects.filter(key__startswith=prefix).values_list("key", flat=True)
            )
        for key in sorted(doomed):  # one row per statement, as in refund
            SignInCounter.objects.filter(key=key).delete()

    def purge(self, now: float) -> None:
        """Drop finished windows (they count as absent anyway); run on successful sign-ins.
        On PostgreSQL rows another request holds are skipped, never waited for."""
        from .models import SignInCounter

        if connection.vendor != "postgresql":
            SignInCounter.objects.filter(window_ends__lte=now).delete()
            return
        t, q = self.table, connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {t} WHERE {q('key')} IN (SELECT {q('key')} FROM {t} "
                f"WHERE {q('window_ends')} <= %s ORDER BY {q('key')} LIMIT 1000 "
                f"FOR UPDATE SKIP LOCKED)",
                [now],
            )

    def peek(self, keys: list[str], now: float) -> dict[str, int]:
        from .models import SignInCounter

        rows = SignInCounter.objects.filter(key__in=keys, window_ends__gt=now)
        found = dict(rows.values_list("key", "count"))
        return {key: found.get(key, 0) for key in keys}


# A window is a hash {count, ends}; `ends` is Unix time from the caller's clock. The script runs
# whole on the server, so concurrent attempts each see their own count.
_HIT = """
local now = tonumber(ARGV[1])
local n = #KEYS
local counts, ends = {}, {}
local refused = 0
for i = 1, n do
  local key = KEYS[i]
  local e = tonumber(redis.call('HGET', key, 'ends'))
  local c = tonumber(redis.call('HGET', key, 'count'))
  if e == nil or e <= now then
    e = now + tonumber(ARGV[1 + i])
    c = 0
    redis.call('HSET', key, 'count', 0, 'ends', string.format('%.6f', e))
    redis.call('EXPIRE', key, tonumber(ARGV[1 + i]) + 60)
  end
  counts[i], ends[i] = c, e
  if refused == 0 and c + 1 > tonumber(ARGV[1 + n + i]) then
    refused = i
  end
end
local out = {}
for i = 1, n do
  if refused == 0 or refused == i then
    counts[i] = redis.call('HINCRBY', KEYS[i], 'count', 1)
  end
  out[i] = {counts[i], string.format('%.6f', ends[i])}
end
return out
"""

_REFUND = """
local now = tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  local ends = tonumber(redis.call('HGET', key, 'ends'))
  local count = tonumber(redis.call('HGET', key, 'count'))
  if ends ~= nil and ends > now and count ~= nil and count > 0 then
    redis.call('HINCRBY', key, 'count', -1)
  end
end
return 0
"""


class RedisCounters:
    """Counters in Redis, under SIGN_IN_THROTTLE_PREFIX; each window expires by itself."""

    def __init__(self, url: str, prefix: str):
        self.client = _redis_client(url)
        self.prefix = prefix

    def _keys(self, keys) -> list[str]:
        return [self.prefix + k for k in keys]

    def hit(self, checks: list[tuple[str, int, int]], now: float) -> dict[str, tuple[int, float]]:
        keys = [key for key, _w, _l in checks]
        rows = self.client.eval(
            _HIT,
            len(keys),
            *self._keys(keys),
            now,
            *(w for _k, w, _l in checks),
            *(lim for _k, _w, lim in checks),
        )
        return {key: (int(n), float(ends)) for key, (n, ends) in zip(keys, rows, strict=True)}

    def refund(self, keys: list[str], now: float) -> None:
        if keys:
            self.client.eval(_REFUND, len(keys), *self._keys(keys), now)

    def clear(self, keys: list[str], prefixes: list[str] = ()) -> None:
        doomed = self._keys(keys)
        for prefix in prefixes:
            doomed += list(self.client.scan_iter(match=self.prefix + prefix + "*", count=500))
        if doomed:
            self.client.delete(*doomed)

    def purge(self, now: float) -> None:
        """Nothing to do: Redis drops each window when it ends."""

    def peek(self, keys: list[str], now: float) -> dict[str, int]:
        out = {}
        for key in keys:
            count, ends = self.client.hmget(self.prefix + key, "count", "ends")
            out[key] = int(count) if count is not None and float(ends) > now else 0
        return out


@cache
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


class _Fallback:
    """Redis first; the database when Redis fails, so the throttle never stops counting."""

    def __init__(self, primary: RedisCounters):
        self.primary = primary
        self.database = DatabaseCounters()

    def __getattr__(self, name):
        import redis

        def call(*args, **kwargs):
            try:
                return getattr(self.primary, name)(*args, **kwargs)
            except redis.RedisError:
                log.exception("The sign-in throttle can't reach Redis; counting in the database")
                return getattr(self.database, name)(*args, **kwargs)

        return call


def _counters():
    url = getattr(settings, "REDIS_URL", "")
    if url:
        return _Fallback(RedisCounters(url, getattr(settings, "SIGN_IN_THROTTLE_PREFIX", "")))
    return DatabaseCounters()


def backend_name() -> str:
    return "redis" if getattr(settings, "REDIS_URL", "") else "database"
