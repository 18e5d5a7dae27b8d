"""The one-tap accept link of a shift offer, reached without signing in.

GET shows the shift (what, where, when in the member's zone, rate, terms) with one big button;
it never accepts, because mail and chat link scanners prefetch links. POST accepts (or joins
the waitlist when it was just filled, or while it is offered to the waitlist again) through
`actions.do_accept`. The booked member's page has "Cancel my booking" (POST …/cancel/, an
optional reason): a cancellation by the locum, which reopens the shift to the waitlist first
and leaves them free to take it again later if it is still open.

The signed token in the URL is the only credential: a forged token, or one made for another
shift, is a 404 ("This link isn't valid"). Every view here is a `rounds.lib.public.public_page`
(no CSRF cookie, cross-site posts refused, never cached; see that module)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from rounds.lib.public import public_page

from .. import actions, words
from ..choices import CancelledBy, OfferStatus, ShiftStatus
from ..links import read_accept_token
from ..models import Booking, ShiftOffer


def _offer_for(token: str) -> ShiftOffer | None:
    """The offer a token names, only when the token is genuine and its shift is the offer's
    shift (a link can't be reused for another shift)."""
    parsed = read_accept_token(token)
    if parsed is None:
        return None
    offer_id, shift_hex = parsed
    offer = (ShiftOffer.objects.select_related("shift__site", "shift__organization",
                                               "candidate__organization", "member")
             .filter(pk=offer_id).first())
    if offer is None or offer.shift.uuid.hex != shift_hex:
        return None
    return offer


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "locums/public_invalid.html", status=404)


def _context(offer: ShiftOffer, **extra) -> dict:
    """What every page of the offer shows: the shift in the site's time, and who is asking —
    the person who sent the offer (else who posted the shift) at the organization — as the
    messages do (rounds.outreach.sender)."""
    from rounds.outreach import sender

    shift, candidate = offer.shift, offer.candidate
    person = words.offer_sender(offer)
    return {
        "offer": offer, "shift": shift, "token": extra.pop("token", ""),
        "org_name": shift.organization.name,
        "org_legal_name": shift.organization.name,
        "sender_person": sender.person_name(person),
        "asking": sender.signature(shift.organization, person, joiner=" at "),
        "postal_address": (shift.organization.postal_address or "").strip(),
        "first_name": candidate.preferred_name or candidate.first_name,
        "title": words.shift_title(shift),
        "when": words.shift_when(shift),
        "where": shift.site.one_line_address,
        "rate": words.rate_text(shift),
        **extra,
    }


def state_of(offer: ShiftOffer) -> str:
    """What the page shows before any button: open, yours, filled, waitlisted, declined,
    to_waitlist (reopened after a cancellation and offered to someone ahead of them on the
    waitlist), cancelled or closed."""
    shift = offer.shift
    if shift.status == ShiftStatus.CANCELLED:
        return "cancelled"
    mine = Booking.objects.active().filter(shift=shift, member_id=offer.member_id).exists()
    if mine:
        return "yours"
    if shift.status == ShiftStatus.COMPLETED or shift.starts_at <= timezone.now():
        return "closed"
    reopened = None if shift.status == ShiftStatus.BOOKED else actions.reopened_offer(shift)
    if offer.status == OfferStatus.WAITLISTED and (shift.status == ShiftStatus.BOOKED
                                                   or reopened is not None):
        return "waitlisted"
    if shift.status == ShiftStatus.BOOKED:
        return "filled"
    if reopened is not None and reopened.pk != offer.pk:
        return "to_waitlist"
    if offer.status == OfferStatus.DECLINED:
        return "declined"
    return "open"


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    offer = _offer_for(token)
    if offer is None:
        return _invalid(request)
    if request.method != "POST":
        state = state_of(offer)
        reopened = actions.is_reopened(offer) and state == "open"
        context = _context(
            offer, token=token, state=state,
            rank=actions.waitlist_rank(offer) if state == "waitlisted" else None,
            answer_by=actions.answer_by(offer) if reopened else "")
        return render(request, "locums/public_accept.html", context)
    with transaction.atomic():
        result = actions.do_accept(offer, via="link")
    offer.refresh_from_db()
    return render(request, "locums/public_result.html",
                  _context(offer, token=token, result=result, outcome=result.outcome,
                           clash=result.message.startswith("You're booked at")))


@public_page
@require_POST
def decline(request: HttpRequest, token: str) -> HttpResponse:
    offer = _offer_for(token)
    if offer is None:
        return _invalid(request)
    with transaction.atomic():
        offer = actions.do_decline(offer, via="link")
    offer = _offer_for(token)
    outcome = "booked_not_declined" if offer.status == OfferStatus.ACCEPTED else "declined"
    return render(request, "locums/public_result.html",
                  _context(offer, token=token, outcome=outcome))


@public_page
@require_POST
def cancel_booking(request: HttpRequest, token: str) -> HttpResponse:
    """The booked locum cancels their own booking (a cancellation by the locum: the shift
    reopens to the waitlist first; they may take it again later if it is still open)."""
    offer = _offer_for(token)
    if offer is None:
        return _invalid(request)
    reason = " ".join(request.POST.get("reason", "").split())
    if len(reason) > 300:
        context = _context(offer, token=token, state="yours", reason=reason,
                           reason_error="Keep the reason under 300 characters.")
        return render(request, "locums/public_accept.html", context, status=400)
    booking = Booking.objects.active().filter(shift=offer.shift,
                                              member_id=offer.member_id).first()
    if booking is None:
        return render(request, "locums/public_result.html",
                      _context(offer, token=token, outcome="nothing_to_cancel"))
    try:
        with transaction.atomic():
            actions.do_cancel_booking(booking, by=CancelledBy.MEMBER, reason=reason)
    except ValueError as exc:
        return render(request, "locums/public_result.html",
                      _context(offer, token=token, outcome="cannot_cancel", error=str(exc)),
                      status=409)
    offer = _offer_for(token)
    return render(request, "locums/public_result.html",
                  _context(offer, token=token, outcome="cancelled"))


CAP_CHOICES = [(None, "No limit"), (1, "1 a week"), (2, "2 a week"), (3, "3 a week"),
               (5, "5 a week"), (10, "10 a week")]


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def offer_settings(request: HttpRequest, token: str) -> HttpResponse:
    """The member's own fatigue settings, without signing in: at most N offers a week, and the
    lists whose shifts they don't want to hear about (the commonest complaint of locums is a
    flood of offers)."""
    from ..links import read_member_token
    from ..models import NetworkMember
    from ..network import do_set_fatigue

    parsed = read_member_token(token)
    member = None
    if parsed is not None:
        member = (NetworkMember.objects.select_related("candidate", "organization")
                  .filter(pk=parsed[0], candidate__uuid=parsed[1]).first())
    if member is None:
        return _invalid(request)
    lists = list(member.lists.order_by("name"))
    error = ""
    saved = False
    if request.method == "POST":
        raw = request.POST.get("weekly_offer_cap", "")
        allowed = {str(v): v for v, _label in CAP_CHOICES if v is not None}
        if raw and raw not in allowed:
            error = "Choose how many offers a week from the list."
        else:
            muted = [nl for nl in lists if str(nl.pk) in request.POST.getlist("mute")]
            with transaction.atomic():
                do_set_fatigue(member, actor=None, via="member",
                               weekly_offer_cap=allowed.get(raw), muted_lists=muted)
            member.refresh_from_db()
            saved = True
    muted_ids = set(member.muted_lists.values_list("pk", flat=True))
    return render(request, "locums/public_settings.html", {
        "member": member, "first_name": member.candidate.preferred_name
        or member.candidate.first_name, "org_name": member.organization.name,
        "caps": [(("" if v is None else str(v)), label, v == member.weekly_offer_cap)
                 for v, label in CAP_CHOICES],
        "lists": [(nl, nl.pk in muted_ids) for nl in lists], "saved": saved, "error": error,
    }, status=400 if error else 200)


urlpatterns = []  # signed-in pages live in network.py and shifts.py
public_urlpatterns = [
    path("s/accept/<str:token>/", accept, name="accept"),
    path("s/accept/<str:token>/decline/", decline, name="decline"),
    path("s/accept/<str:token>/cancel/", cancel_booking, name="cancel_booking"),
    path("s/offers/<str:token>/", offer_settings, name="offer_settings"),
]
