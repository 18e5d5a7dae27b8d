"""The one way accounts sends email: invitations, password-reset links, security notices.

Every account email goes through `send_account_email` (or `send_to_user`) with a purpose, so
that routing them all through the messaging outbox (rounds/outreach/outbox.py) and its send
policy later is a change to this module alone. Until then it sends at once through Django's
email backend (SMTP on a server, the console in the demo, memory in tests) and raises when the
mail server refuses: the caller decides what the person is told. These are service messages
to a person about their own account (not commercial messages), so they carry no unsubscribe."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from .choices import AccountEmail


def send_account_email(address: str, *, subject: str, body: str, purpose: AccountEmail) -> None:
    """Send one plain-text email about an account to `address` (see the module docstring)."""
    if purpose not in AccountEmail.values:
        raise ValueError(f"Unknown account email purpose: {purpose!r}")
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"X-Rounds-Purpose": f"accounts.{purpose}", "Auto-Submitted": "auto-generated"},
    )
    message.send(fail_silently=False)


def send_to_user(user, *, subject: str, body: str, purpose: AccountEmail) -> None:
    """Send an account email to a user's own address."""
    send_account_email(user.email, subject=subject, body=body, purpose=purpose)
