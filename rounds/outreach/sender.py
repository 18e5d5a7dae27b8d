"""Who a message is from, said once and the same way everywhere: the From header, the email
footer, the text's signature, and the pages reached from the message's links (unsubscribe,
preference centre).

The sender is the person who sent: the message's `created_by` (the recruiter who wrote it,
posted the shift, or offered the meeting). A message no person sent speaks for the
organization: its sender name in outreach settings, else its name. A signature never says the
organization twice ("Dana Whitfield, Aspen Ridge Family Health", not "… at Aspen Ridge Family
Health, Aspen Ridge Family Health")."""

from __future__ import annotations


def person_name(user, *, first_only: bool = False) -> str:
    """The user's name as a candidate reads it; "" for no user (or a user without a name)."""
    if user is None or not getattr(user, "pk", None):
        return ""
    if first_only:
        return (user.first_name or "").strip()
    return (user.get_full_name() or "").strip()


def _settings(organization, outreach_settings=None):
    if outreach_settings is not None:
        return outreach_settings
    from .models import OutreachSettings

    return OutreachSettings.for_org(organization.pk)


def organization_voice(organization, outreach_settings=None) -> str:
    """The name a message no person sent goes out under: the sender name, else the
    organization's name."""
    return _settings(organization, outreach_settings).sender_name.strip() or organization.name


def signature(
    organization, user=None, outreach_settings=None, *, first_only: bool = False, joiner: str = ", "
) -> str:
    """ "Dana Whitfield, Aspen Ridge Family Health" (`joiner` " at " gives "Dana Whitfield at
    Aspen Ridge Family Health"); the organization's voice when no person sent it."""
    org = organization.name.strip()
    name = person_name(user, first_only=first_only) or organization_voice(
        organization, outreach_settings
    )
    if not org or name.casefold() == org.casefold():
        return name or org
    if org.casefold() in name.casefold():
        return name  # "Aspen Ridge Family Health recruiting" already names it
    return f"{name}{joiner}{org}"


def display_name(organization, user=None, outreach_settings=None) -> str:
    """The name a message goes out under (From, an invite's ORGANIZER): "Dana Whitfield at
    Aspen Ridge Family Health", else the organization's voice alone."""
    if person_name(user):
        return signature(organization, user, outreach_settings, joiner=" at ")
    return organization_voice(organization, outreach_settings)


def last_sender(candidate):
    """The person who last wrote to `candidate` (the latest outbound message with a person
    behind it), for a page reached from a link that doesn't say which message it came in."""
    from django.contrib.auth import get_user_model

    from .choices import Direction
    from .models import Message

    user_id = (
        Message.objects.filter(
            organization_id=candidate.organization_id,
            candidate=candidate,
            direction=Direction.OUTBOUND,
            created_by__isnull=False,
        )
        .order_by("-created_at", "-id")
        .values_list("created_by_id", flat=True)
        .first()
    )
    if user_id is None:
        return None
    return (
        get_user_model()
        .objects.filter(pk=user_id, organization_id=candidate.organization_id)
        .first()
    )
