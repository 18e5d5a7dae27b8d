"""The one-tap accept link of a shift offer: signed over the offer and its shift, so it can't
be forged, nor reused for another shift or another member."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from rounds.messaging.links import absolute

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


MEMBER = "locums.member"


def member_token(member_id: int, candidate_uuid) -> str:
    uuid_hex = candidate_uuid.hex if hasattr(candidate_uuid, "hex") else str(candidate_uuid)
    return signing.Signer(salt=MEMBER, algorithm="sha256").sign(
        f"{member_id}.{uuid_hex.replace('-', '')}"
    )


def read_member_token(token: str) -> tuple[int, str] | None:
    """(member id, candidate uuid hex) from a valid token, else None."""
    try:
        value = signing.Signer(salt=MEMBER, algorithm="sha256").unsign(token)
    except signing.BadSignature:
        return None
    member_id, _, uuid_hex = value.partition(".")
    if not member_id.isdigit() or len(uuid_hex) != 32:
        return None
    return int(member_id), uuid_hex


def offer_settings_url(member_id: int, candidate_uuid) -> str:
    """The member's own page for how many offers a week they get and which lists they hear
    from; every offer email links it."""
    return absolute(reverse("locums_public:offer_settings",
                            args=[member_token(member_id, candidate_uuid)]))


class FastSigner:
    """`signing.Signer(salt=…, algorithm="sha256").sign` for many values: the same tokens, with
    the key derived once instead of once a value (a 10,000-member broadcast signs two links a
    member)."""

    def __init__(self, salt: str):
        import hashlib
        import hmac

        from django.conf import settings

        key = hashlib.sha256(f"{salt}signer{settings.SECRET_KEY}".encode()).digest()
        self._mac = hmac.new(key, digestmod=hashlib.sha256)

    def sign(self, value: str) -> str:
        mac = self._mac.copy()
        mac.update(value.encode())
        return f"{value}:{signing.b64_encode(mac.digest()).decode()}"
