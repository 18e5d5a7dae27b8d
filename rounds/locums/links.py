"""The one-tap accept link of a shift offer: signed over the offer and its shift, so it can't
be forged, nor reused for another shift or another member."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from rounds.outreach.links import absolute

ACCEPT = "locums.accept"


def accept_token(offer) -> str:
    return signing.Signer(salt=ACCEPT, algorithm="sha256").sign(
        f"{offer.pk}.{offer.shift.uuid.hex}"
    )


def read_accept_token(token: str) -> tuple[int, str] | None:
    """(offer id, shift uuid hex) from a valid token, else None."""
    try:
        value = signing.Signer(salt=ACCEPT, algorithm="sha256").unsign(token)
    except signing.BadSignature:
        return None
    offer_id, _, shift_hex = value.partition(".")
    if not offer_id.isdigit() or len(shift_hex) != 32:
        return None
    return int(offer_id), shift_hex


def accept_url(offer) -> str:
    return absolute(reverse("locums_public:accept", args=[accept_token(offer)]))
