"""The locum network: adding a member is idempotent and rejoins someone who left; former staff
and locums join in one click; lists are created, renamed and deleted (not while an open shift
is addressed to them); members' lists, favourite star and fatigue settings change, audited
against the candidate and moving its updated_at."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rounds.accounts.models import Site
from rounds.audit.models import AuditEvent
from rounds.candidates.actions import do_create_candidate
from rounds.candidates.models import Candidate
from rounds.locums import network
from rounds.locums.models import NetworkList, NetworkMember, Shift


def person(org, actor, first, **extra):
    extra.setdefault("profession", "physician")
    return do_create_candidate(org.pk, actor=actor, first_name=first, last_name="Locum", **extra)


def stamp(candidate):
    return Candidate.objects.values_list("updated_at", flat=True).get(pk=candidate.pk)


def test_adding_a_candidate_makes_a_member_vouched_by_the_recruiter(candidate, recruiter):
    before = stamp(candidate)
    lst = network.do_create_list(candidate.organization, actor=recruiter, name="AB family")
    member = network.do_add_member(candidate, actor=recruiter, lists=[lst],
                                   vouch_note="Worked with her in Red Deer", favourite=True)
    assert member.candidate == candidate
    assert member.vouched_by == recruiter
    assert member.joined_on == timezone.localdate()
    assert member.is_favourite and member.vouch_note == "Worked with her in Red Deer"
    assert list(member.lists.all()) == [lst]
    assert stamp(candidate) > before
    event = AuditEvent.objects.get(object_type="networkmember", candidate=candidate)
    assert event.changes["network"] == [None, "joined"]


def test_adding_again_returns_the_same_member_and_adds_new_lists(candidate, recruiter, org):
    a = network.do_create_list(org, actor=recruiter, name="A")
    b = network.do_create_list(org, actor=recruiter, name="B")
    first = network.do_add_member(candidate, actor=recruiter, lists=[a])
    events = AuditEvent.objects.filter(object_type="networkmember").count()
    again = network.do_add_member(candidate, actor=recruiter)
    assert again.pk == first.pk
    assert AuditEvent.objects.filter(object_type="networkmember").count() == events
    network.do_add_member(candidate, actor=recruiter, lists=[b])
    assert NetworkMember.objects.filter(candidate=candidate).count() == 1
    assert set(first.lists.values_list("name", flat=True)) == {"A", "B"}


def test_a_member_who_left_rejoins_from_today(candidate, recruiter, owner):
    member = network.do_add_member(candidate, actor=recruiter)
    NetworkMember.objects.filter(pk=member.pk).update(
        joined_on=timezone.localdate() - timedelta(days=400))
    member.refresh_from_db()
    network.do_remove_member(member, actor=recruiter)
    assert member.left_on == timezone.localdate()
    assert not NetworkMember.objects.active().filter(pk=member.pk).exists()
    back = network.do_add_member(candidate, actor=owner)
    assert back.pk == member.pk
    assert back.left_on is None and back.joined_on == timezone.localdate()
    assert back.vouched_by == owner


def test_removing_is_audited_and_keeps_the_row(candidate, recruiter):
    member = network.do_add_member(candidate, actor=recruiter)
    network.do_remove_member(member, actor=recruiter)
    network.do_remove_member(member, actor=recruiter)  # twice: no second event
    events = AuditEvent.objects.filter(object_type="networkmember", candidate=candidate,
                                       action="update")
    assert events.count() == 1
    assert NetworkMember.objects.filter(pk=member.pk).exists()


def test_a_list_of_another_organization_is_refused_by_field(candidate, recruiter, other_org,
                                                            outsider):
    theirs = network.do_create_list(other_org, actor=outsider, name="Theirs")
    with pytest.raises(ValidationError) as exc:
        network.do_add_member(candidate, actor=recruiter, lists=[theirs])
    assert "lists" in exc.value.error_dict
    assert not NetworkMember.objects.filter(candidate=candidate).exists()


def test_a_merged_record_cannot_join(org, recruiter, candidate):
    other = person(org, recruiter, "Dup")
    Candidate.objects.filter(pk=other.pk).update(merged_into=candidate)
    other.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        network.do_add_member(other, actor=recruiter)
    assert "candidate" in exc.value.error_dict


def test_add_former_adds_every_former_staff_and_locum_in_one_click(org, recruiter, other_org,
                                                                  outsider):
    staff = person(org, recruiter, "Stella", source="former_staff")
    locum = person(org, recruiter, "Lou", source="former_locum")
    person(org, recruiter, "Board", source="job_board")
    person(org, recruiter, "Quiet", source="former_locum", status="do_not_contact")
    already = person(org, recruiter, "Already", source="former_staff")
    network.do_add_member(already, actor=recruiter, vouch_note="Known")
    left = person(org, recruiter, "Gone", source="former_staff")
    network.do_remove_member(network.do_add_member(left, actor=recruiter), actor=recruiter)
    theirs = person(other_org, outsider, "Elsewhere", source="former_staff")
    before = stamp(staff)

    added = network.do_add_former(org, actor=recruiter)

    assert added == 2
    members = {m.candidate_id: m for m in NetworkMember.objects.filter(organization=org)}
    assert members[staff.pk].vouch_note == "Former staff"
    assert members[locum.pk].vouch_note == "Former locum"
    assert members[staff.pk].vouched_by == recruiter
    assert members[already.pk].vouch_note == "Known"
    assert members[left.pk].left_on is not None
    assert not NetworkMember.objects.filter(candidate=theirs).exists()
    assert stamp(staff) > before
    audited = set(AuditEvent.objects.filter(object_type="networkmember", action="create",
                                            via="web").values_list("candidate_id", flat=True))
    assert {staff.pk, locum.pk} <= audited
    assert network.do_add_former(org, actor=recruiter) == 0


def test_list_names_are_required_and_unique_in_any_case(org, recruiter):
    network.do_create_list(org, actor=recruiter, name="ER nocturnists")
    for bad in ("", "   ", "er  NOCTURNISTS", "x" * 121):
        with pytest.raises(ValidationError) as exc:
            network.do_create_list(org, actor=recruiter, name=bad)
        assert "name" in exc.value.error_dict


def test_renaming_a_list_checks_clashes_but_not_with_itself(org, recruiter):
    a = network.do_create_list(org, actor=recruiter, name="Alpha")
    network.do_create_list(org, actor=recruiter, name="Beta")
    network.do_rename_list(a, actor=recruiter, name="alpha", description="Renamed")
    assert NetworkList.objects.get(pk=a.pk).name == "alpha"
    with pytest.raises(ValidationError):
        network.do_rename_list(a, actor=recruiter, name="BETA")


def test_a_list_used_by_an_open_shift_cannot_be_deleted(org, recruiter, candidate):
    lst = network.do_create_list(org, actor=recruiter, name="Nights")
    member = network.do_add_member(candidate, actor=recruiter, lists=[lst])
    site = Site.objects.create(organization=org, name="Red Deer")
    start = timezone.now() + timedelta(days=2)
    shift = Shift.objects.create(organization=org, site=site, starts_at=start,
                                 ends_at=start + timedelta(hours=12), profession="physician")
    shift.lists.add(lst)
    with pytest.raises(ValidationError) as exc:
        network.do_delete_list(lst, actor=recruiter)
    assert "Nights" in str(exc.value)
    Shift.objects.filter(pk=shift.pk).update(status="cancelled")
    network.do_delete_list(lst, actor=recruiter)
    assert not NetworkList.objects.filter(pk=lst.pk).exists()
    assert NetworkMember.objects.filter(pk=member.pk).exists()


def test_member_settings_change_lists_favourite_and_fatigue_with_audit(org, recruiter,
                                                                        candidate):
    a = network.do_create_list(org, actor=recruiter, name="A")
    b = network.do_create_list(org, actor=recruiter, name="B")
    member = network.do_add_member(candidate, actor=recruiter, lists=[a])
    before = stamp(candidate)
    network.do_set_lists(member, [b], actor=recruiter)
    network.do_set_favourite(member, True, actor=recruiter)
    network.do_set_fatigue(member, actor=recruiter, weekly_offer_cap=3, muted_lists=[a])
    member.refresh_from_db()
    assert list(member.lists.all()) == [b]
    assert member.is_favourite
    assert member.weekly_offer_cap == 3
    assert list(member.muted_lists.all()) == [a]
    assert stamp(candidate) > before
    fatigue = AuditEvent.objects.filter(object_type="networkmember",
                                        changes__has_key="weekly_offer_cap").get()
    assert fatigue.changes["weekly_offer_cap"] == [None, 3]
    assert "on the member's behalf" in fatigue.changes["set_for_member"]
    network.do_set_fatigue(member, actor=recruiter, weekly_offer_cap=None)
    member.refresh_from_db()
    assert member.weekly_offer_cap is None


@pytest.mark.parametrize("cap", [0, -1, 51, "three"])
def test_a_weekly_cap_out_of_range_names_the_field(candidate, recruiter, cap):
    member = network.do_add_member(candidate, actor=recruiter)
    with pytest.raises(ValidationError) as exc:
        network.do_set_fatigue(member, actor=recruiter, weekly_offer_cap=cap)
    assert "weekly_offer_cap" in exc.value.error_dict
    member.refresh_from_db()
    assert member.weekly_offer_cap is None


def test_nothing_changed_writes_no_audit_event(candidate, recruiter):
    member = network.do_add_member(candidate, actor=recruiter)
    count = AuditEvent.objects.count()
    network.do_update_member(member, actor=recruiter, lists=[], favourite=False,
                             weekly_offer_cap=None, muted_lists=[])
    assert AuditEvent.objects.count() == count


def test_removing_a_member_withdraws_their_unanswered_offers_and_unsent_messages(
        org, recruiter):
    from rounds.locums.broadcast import do_broadcast
    from rounds.locums.choices import OfferStatus
    from rounds.locums.models import ShiftOffer
    from rounds.messaging.choices import MessageStatus

    from .test_broadcast import MIDNIGHT
    from .test_fit import AT, STARTS, make_member, make_shift, make_site

    site = make_site(org)
    leaving = make_member(org, recruiter, "Leaving", channels=["sms"])
    staying = make_member(org, recruiter, "Staying", channels=["sms"])
    queued = make_shift(org, site)
    do_broadcast(queued, actor=recruiter, at=AT)
    held = make_shift(org, site, starts_at=STARTS + timedelta(days=2),
                      ends_at=STARTS + timedelta(days=2, hours=9))
    do_broadcast(held, actor=recruiter, at=MIDNIGHT)  # written held until their hours
    gone = make_shift(org, site, starts_at=STARTS + timedelta(days=4),
                      ends_at=STARTS + timedelta(days=4, hours=9))
    do_broadcast(gone, actor=recruiter, at=AT)
    sent = ShiftOffer.objects.get(shift=gone, member=leaving)
    sent.message.status = MessageStatus.SENT
    sent.message.save(update_fields=["status"])
    ShiftOffer.objects.filter(pk=sent.pk).update(status=OfferStatus.SENT)
    answered = make_shift(org, site, starts_at=STARTS + timedelta(days=6),
                          ends_at=STARTS + timedelta(days=6, hours=9))
    do_broadcast(answered, actor=recruiter, at=AT)
    ShiftOffer.objects.filter(shift=answered, member=leaving).update(
        status=OfferStatus.DECLINED)

    network.do_remove_member(leaving, actor=recruiter)

    mine = {o.shift_id: o for o in ShiftOffer.objects.filter(member=leaving)
            .select_related("message")}
    for shift in (queued, held, gone):
        assert mine[shift.pk].status == OfferStatus.WITHDRAWN
        assert mine[shift.pk].status_reason == network.LEFT_REASON
    assert mine[queued.pk].message.status == MessageStatus.CANCELLED
    assert mine[held.pk].message.status == MessageStatus.CANCELLED
    assert mine[gone.pk].message.status == MessageStatus.SENT  # gone already: left as it is
    assert mine[answered.pk].status == OfferStatus.DECLINED  # history stays
    theirs = ShiftOffer.objects.filter(member=staying).select_related("message")
    assert {o.status for o in theirs} == {OfferStatus.QUEUED}
    assert MessageStatus.CANCELLED not in {o.message.status for o in theirs}
    event = AuditEvent.objects.filter(object_type="networkmember",
                                      changes__has_key="offers_withdrawn").get()
    assert event.changes["offers_withdrawn"] == [None, "3"]


def test_fatigue_settings_say_who_set_them(org, recruiter, candidate):
    member = network.do_add_member(candidate, actor=recruiter)
    network.do_set_fatigue(member, actor=None, via="member", weekly_offer_cap=2)
    network.do_set_fatigue(member, actor=recruiter, weekly_offer_cap=4)
    own, recorded = AuditEvent.objects.filter(
        object_type="networkmember", changes__has_key="weekly_offer_cap").order_by("id")
    assert own.actor is None and own.via == "member"
    assert own.changes["set_for_member"] == "set by the member on their offer-settings page"
    assert recorded.actor == recruiter
    assert recorded.changes["set_for_member"] == (
        "recorded by the recruiter on the member's behalf")
