"""The one way accounts sends email: invitations and password-reset links.

Every one goes through the messaging outbox and its send policy like any message (a message to
a colleague or an invitee: the purpose `accounts.<what>`, no consent or hours, never to an
address that bounced or complained), written in the caller's transaction and sent by the
worker, which retries a mail server that is down. Accounts can't import the messaging core
(the core builds on accounts), so the core installs its writer and reader here when it starts
(`install`, from rounds/messaging/apps.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .choices import AccountEmail

_write: Callable | None = None
_read: Callable | None = None


def install(*, write: Callable, read: Callable) -> None:
    """`write(organization_id, address=, to_user=, subject=, body=, purpose=, key=, ref_id=)`
    queues an email; `read(purpose, ref_ids)` is {ref_id: (status, status words, reason)} of
    the latest one of a purpose about each record, in one query."""
    global _write, _read
    _write, _read = write, read


def purpose_name(purpose: AccountEmail) -> str:
    return f"accounts.{AccountEmail(purpose).value}"


def send_account_email(address: str, *, organization_id: int, subject: str, body: str,
                       purpose: AccountEmail, ref_id: int | None = None, to_user=None):
    """Queue one plain-text email about an account to `address` (see the module docstring)."""
    if purpose not in AccountEmail.values:
        raise ValueError(f"Unknown account email purpose: {purpose!r}")
    if _write is None:
        raise ImproperlyConfigured("Account emails go through the messaging outbox: "
                                   "rounds.messaging must be installed.")
    key = f"{purpose_name(purpose)}:{ref_id or ''}:{timezone.now():%Y%m%d%H%M%S%f}"
    return _write(organization_id, address=address, to_user=to_user, subject=subject,
                  body=body, purpose=purpose_name(purpose), key=key, ref_id=ref_id)


def send_to_user(user, *, subject: str, body: str, purpose: AccountEmail):
    """Queue an account email to a user's own address."""
    return send_account_email(user.email, organization_id=user.organization_id,
                              subject=subject, body=body, purpose=purpose, ref_id=user.pk,
                              to_user=user)


def latest(purpose: AccountEmail, ref_ids) -> dict[int, tuple[str, str, str]]:
    """{record id: (status, status in words, why)} of the latest email of `purpose` about
    each of `ref_ids`, in one query."""
    return _read(purpose_name(purpose), list(ref_ids)) if _read is not None else {}
