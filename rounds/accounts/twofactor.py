"""Two-factor sign-in: an authenticator app (TOTP, RFC 6238, through pyotp) and one-time
recovery codes.

A code is accepted for the current 30-second step or the one either side (a phone's clock may be
a little off), and only for a step after the last one accepted: a code seen over a shoulder or
in a proxy's log can't be used again. Recovery codes are 80 random bits each, stored as
SHA-256 hashes, and each works once. Both checks claim their use with a conditional UPDATE, so
two requests with the same code can't both pass.

Turning it on, off, or resetting it for someone is in actions.py (`do_enable_two_factor`, …)."""

from __future__ import annotations

import hashlib
import re
import secrets
import time

import pyotp
import segno
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ISSUER = "Rounds"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_TOTP = re.compile(r"^\d{6}$")


def new_secret() -> str:
    """A fresh shared secret (160 bits, base32)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str, *, label: str) -> SafeString:
    """The QR code of `uri` as inline SVG, named for screen readers."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, omitsize=False)
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalize(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def looks_like_totp(code: str) -> bool:
    return bool(_TOTP.match(normalize(code)))


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step (current, or one either side) whose code is `code`, else None."""
    code = normalize(code)
    if not _TOTP.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now = int((time.time() if at is None else at) // STEP_SECONDS)
    for step in (now, now - 1, now + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes such as `k7pm-x2qd-4fhn-c9ts` (80 bits each)."""
    out = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        out.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return out


def recovery_hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{normalize(code)}".encode()).hexdigest()


def has_two_factor(user) -> bool:
    from .models import TwoFactorDevice

    return bool(user.pk) and TwoFactorDevice.objects.filter(user_id=user.pk).exists()


TOTP_CODE = "authenticator"
RECOVERY_CODE = "recovery code"


def verify(user, code: str) -> str | None:
    """Check a code from the user's authenticator app or one of their recovery codes, and use
    it up. Returns which kind was accepted, or None."""
    from django.db.models import Q

    from .models import RecoveryCode, TwoFactorDevice

    device = TwoFactorDevice.objects.filter(user_id=user.pk).first()
    if device is None:
        return None
    if looks_like_totp(code):
        step = matching_step(device.secret, code)
        if step is None:
            return None
        claimed = TwoFactorDevice.objects.filter(
            Q(last_used_step__isnull=True) | Q(last_used_step__lt=step),
            pk=device.pk,
        ).update(last_used_step=step)
        return TOTP_CODE if claimed else None
    claimed = RecoveryCode.objects.filter(
        user_id=user.pk,
        code_hash=recovery_hash(user.pk, code),
        used_at__isnull=True,
    ).update(used_at=timezone.now())
    return RECOVERY_CODE if claimed else None


def recovery_codes_left(user) -> int:
    from .models import RecoveryCode

    return RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count()
