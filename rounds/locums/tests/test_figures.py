"""Figures: a shift's time from broadcast to booking, members reached per channel, held,
unreachable, acceptances and the acceptance rate; per site, shifts posted, booked, the fill rate
over shifts whose outcome is known and the median time to book."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.accounts.models import Site
from rounds.candidates.actions import do_create_candidate
from rounds.locums import figures
from rounds.locums.choices import OfferStatus, ShiftStatus
from rounds.locums.models import NetworkMember, Shift, ShiftOffer
from rounds.messaging.choices import MessageStatus
from rounds.messaging.models import Message


@pytest.fixture
def site(org):
    return Site.objects.create(organization=org, name="Red Deer", time_zone="America/Edmonton")


def make_shift(org, site, *, created_at=None, starts_in=timedelta(days=2), **extra):
    start = timezone.now() + starts_in
    return Shift.objects.create(
        organization=org, site=site, starts_at=start, ends_at=start + timedelta(hours=10),
        profession="physician", created_at=created_at or timezone.now(), **extra)


def offer(shift, i, recruiter, *, channel="sms", status=OfferStatus.SENT, message=None):
    cand = do_create_candidate(shift.organization_id, actor=recruiter, first_name=f"M{i}",
                               last_name="Locum", profession="physician")
    member = NetworkMember.objects.create(organization_id=shift.organization_id, candidate=cand)
    msg = None
    if message is not None:
        msg = Message.objects.create(
            organization_id=shift.organization_id, candidate=cand, channel=channel,
            status=message, idempotency_key=f"test:{shift.pk}:{i}", body="Shift")
    return ShiftOffer.objects.create(
        organization_id=shift.organization_id, shift=shift, member=member, candidate=cand,
        channel=channel, status=status, message=msg)


def test_a_shift_with_no_offers_has_empty_figures(org, site):
    shift = make_shift(org, site)
    got = figures.shift_figures(shift)
    assert got["reached"] == 0 and got["offers"] == 0
    assert got["acceptance_rate"] is None and got["time_to_book_minutes"] is None
    assert got["status"] == "open"


def test_shift_figures_count_reach_by_channel_holds_and_yes_answers(org, site, recruiter):
    posted = timezone.now() - timedelta(hours=3)
    shift = make_shift(org, site, created_at=posted, status=ShiftStatus.BOOKED,
                       broadcast_at=posted + timedelta(minutes=60),
                       booked_at=posted + timedelta(minutes=72))
    offer(shift, 1, recruiter, channel="sms", status=OfferStatus.ACCEPTED,
          message=MessageStatus.SENT)
    offer(shift, 2, recruiter, channel="sms", status=OfferStatus.WAITLISTED,
          message=MessageStatus.DELIVERED)
    offer(shift, 3, recruiter, channel="email", status=OfferStatus.DECLINED,
          message=MessageStatus.SENT)
    offer(shift, 4, recruiter, channel="email", status=OfferStatus.WITHDRAWN,
          message=MessageStatus.QUEUED)
    offer(shift, 5, recruiter, channel="sms", status=OfferStatus.WITHDRAWN,
          message=MessageStatus.HELD)
    offer(shift, 6, recruiter, channel="", status=OfferStatus.UNREACHABLE)
    offer(shift, 7, recruiter, channel="email", status=OfferStatus.WITHDRAWN,
          message=MessageStatus.DROPPED)
    offer(shift, 8, recruiter, channel="sms", status=OfferStatus.LATER_TIER)
    # She took it by the link before her queued text went; the text was then cancelled.
    offer(shift, 9, recruiter, channel="sms", status=OfferStatus.REFUSED,
          message=MessageStatus.CANCELLED)
    offer(shift, 10, recruiter, channel="email", status=OfferStatus.WITHDRAWN,
          message=MessageStatus.CANCELLED)

    got = figures.shift_figures(shift)

    assert got["time_to_book_minutes"] == 72.0  # from the posting
    assert got["broadcast_to_book_minutes"] == 12.0
    assert got["offers"] == 10
    # Sent, delivered or answered; the queued and the held ones are on the way, not reached.
    assert got["reached_by_channel"] == {"email": 1, "sms": 3}
    assert got["reached"] == 4
    assert got["on_the_way"] == 2 and got["held"] == 1
    assert got["unreachable"] == 2
    assert got["not_sent"] == 1
    assert got["waiting_tier"] == 1
    assert got["acceptances"] == 2 and got["declined"] == 1 and got["refused"] == 1
    assert got["acceptance_rate"] == 0.5
    assert got["status"] == "booked"


def test_a_message_still_queued_is_on_the_way_until_it_is_sent(org, site, recruiter):
    shift = make_shift(org, site, status=ShiftStatus.OFFERED, broadcast_at=timezone.now())
    offers = [offer(shift, i, recruiter, status=OfferStatus.QUEUED, message=status)
              for i, status in enumerate((MessageStatus.QUEUED, MessageStatus.SENDING,
                                          MessageStatus.HELD))]
    got = figures.shift_figures(shift)
    assert (got["reached"], got["on_the_way"], got["held"]) == (0, 3, 1)
    assert got["acceptance_rate"] is None
    Message.objects.filter(pk__in=[o.message_id for o in offers[:2]]).update(
        status=MessageStatus.SENT)
    Message.objects.filter(pk=offers[2].message_id).update(status=MessageStatus.DELIVERED)
    got = figures.shift_figures(shift)
    assert (got["reached"], got["on_the_way"], got["held"]) == (3, 0, 0)
    assert got["reached_by_channel"] == {"sms": 3}


def test_time_to_book_counts_from_posting_when_never_broadcast(org, site):
    posted = timezone.now() - timedelta(hours=2)
    shift = make_shift(org, site, created_at=posted, status=ShiftStatus.BOOKED,
                       booked_at=posted + timedelta(minutes=90))
    got = figures.shift_figures(shift)
    assert got["time_to_book_minutes"] == 90.0
    assert got["broadcast_to_book_minutes"] is None


def test_site_fill_rates_time_bookings_from_posting_and_from_broadcast(org, site):
    other = Site.objects.create(organization=org, name="Airdrie")
    posted = timezone.now() - timedelta(days=3)
    for before_broadcast, after_broadcast in ((60, 10), (120, 30), (0, 50)):
        make_shift(org, site, created_at=posted, status=ShiftStatus.BOOKED,
                   broadcast_at=posted + timedelta(minutes=before_broadcast),
                   booked_at=posted + timedelta(minutes=before_broadcast + after_broadcast))
    make_shift(org, other, created_at=posted, status=ShiftStatus.CANCELLED)
    [row] = figures.site_fill_rates(org, site=site)
    assert row["site"] == "Red Deer" and row["booked"] == 3
    assert row["median_minutes_to_book"] == 70.0  # 70, 150, 50
    assert row["median_minutes_broadcast_to_book"] == 30.0
    assert [r["site"] for r in figures.site_fill_rates(org, site=other.pk)] == ["Airdrie"]


def test_site_fill_rates_per_site_leave_out_shifts_still_in_play(org, site, other_org):
    other = Site.objects.create(organization=org, name="Airdrie")
    base = timezone.now() - timedelta(days=5)
    for minutes in (10, 30, 50):
        make_shift(org, site, created_at=base, status=ShiftStatus.BOOKED, broadcast_at=base,
                   booked_at=base + timedelta(minutes=minutes))
    make_shift(org, site, created_at=base, status=ShiftStatus.COMPLETED, broadcast_at=base,
               booked_at=base + timedelta(minutes=20))
    make_shift(org, site, created_at=base, status=ShiftStatus.CANCELLED)
    make_shift(org, site, created_at=base, status=ShiftStatus.OFFERED,
               starts_in=-timedelta(days=1))  # started, nobody booked
    make_shift(org, site, created_at=base, status=ShiftStatus.OFFERED)  # still in play
    make_shift(org, other, created_at=base)
    theirs = Site.objects.create(organization=other_org, name="Austin")
    make_shift(other_org, theirs, created_at=base, status=ShiftStatus.BOOKED)

    rows = figures.site_fill_rates(org)

    assert [r["site"] for r in rows] == ["Airdrie", "Red Deer"]
    red_deer = rows[1]
    assert red_deer["posted"] == 7
    assert red_deer["booked"] == 4
    assert red_deer["cancelled"] == 1
    assert red_deer["unfilled"] == 1
    assert red_deer["open"] == 1
    assert red_deer["fill_rate"] == round(4 / 6, 3)
    assert red_deer["median_minutes_to_book"] == 25.0
    assert red_deer["median_minutes_broadcast_to_book"] == 25.0
    assert rows[0]["fill_rate"] is None and rows[0]["open"] == 1


def test_site_fill_rates_since_counts_shifts_posted_from_then(org, site):
    now = timezone.now()
    make_shift(org, site, created_at=now - timedelta(days=100), status=ShiftStatus.BOOKED)
    make_shift(org, site, created_at=now - timedelta(days=1), status=ShiftStatus.CANCELLED)
    rows = figures.site_fill_rates(org, since=now - timedelta(days=30))
    assert rows[0]["posted"] == 1 and rows[0]["booked"] == 0 and rows[0]["fill_rate"] == 0.0


def test_figures_take_a_bounded_number_of_queries(org, site, recruiter,
                                                  django_assert_max_num_queries):
    shift = make_shift(org, site)
    for i in range(15):
        offer(shift, i, recruiter, message=MessageStatus.SENT)
    with django_assert_max_num_queries(1):
        figures.shift_figures(shift)
    with django_assert_max_num_queries(1):
        figures.site_fill_rates(org)
