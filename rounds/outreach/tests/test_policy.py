"""The send policy as properties: whatever the candidate, consent, zone and moment, a
commercial message goes only with consent for its channel, never after an opt-out, and never
inside quiet hours in the candidate's zone (DST edges included); a held message's time is one
the policy itself allows."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rounds.candidates.choices import CandidateStatus, ConsentBasis, ContactFrequency
from rounds.outreach import policy
from rounds.outreach.choices import MessageChannel, MessageKind
from rounds.outreach.policy import DROP, HOLD, SEND, Recipient, decide

ZONES = [
    "America/Edmonton", "America/Toronto", "America/New_York", "America/Los_Angeles",
    "America/St_Johns", "America/Halifax", "America/Regina", "Europe/London",
    "Australia/Lord_Howe", "Pacific/Chatham", "America/Havana", "Asia/Kolkata", "UTC",
]
# Moments around the 2026 DST changes (North America 8 Mar / 1 Nov, Europe 29 Mar / 25 Oct,
# Australia 5 Apr / 4 Oct) and ordinary days.
DST_DAYS = [datetime(2026, m, d, tzinfo=UTC) for m, d in (
    (3, 8), (3, 9), (3, 29), (4, 5), (10, 4), (10, 25), (11, 1), (11, 2), (6, 15), (12, 24),
)]
moments = st.builds(
    lambda day, minutes: day + timedelta(minutes=minutes),
    st.sampled_from(DST_DAYS), st.integers(min_value=-36 * 60, max_value=36 * 60),
)
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
# Weighted towards recipients the policy may reach, so the hours rules are exercised often.
bases = st.sampled_from([None, ConsentBasis.EXPRESS, ConsentBasis.EXPRESS, ConsentBasis.EXPRESS,
                         *ConsentBasis.values])


@st.composite
def recipients(draw, kind=MessageKind.COMMERCIAL):
    channel = draw(st.sampled_from([MessageChannel.EMAIL, MessageChannel.SMS, MessageChannel.CALL]))
    basis = draw(bases)
    obtained = draw(moments) - timedelta(days=draw(st.integers(0, 900)))
    expires = None
    if basis == ConsentBasis.IMPLIED_INQUIRY:
        expires = obtained + timedelta(days=183)
    elif basis == ConsentBasis.IMPLIED_TRANSACTION:
        expires = obtained + timedelta(days=730)
    window_start = draw(st.sampled_from([time(8), time(9), time(10, 30)]))
    window_end = draw(st.sampled_from([time(21), time(20), time(17)]))
    quiet = draw(st.booleans())
    return Recipient(
        channel=channel,
        address=draw(st.sampled_from(["", "a@example.com", "+14035550142", "+14035550142"])),
        kind=kind,
        topic=draw(st.sampled_from(["jobs", "locums", "news"])),
        candidate_status=draw(st.sampled_from(
            [CandidateStatus.PASSIVE] * 4 + list(CandidateStatus.values))),
        muted_topics=tuple(draw(st.lists(st.sampled_from(["locums", "news"]), max_size=1))),
        consent_basis=basis,
        consent_obtained_at=obtained,
        consent_expires_at=expires,
        consent_evidence=draw(st.sampled_from(["", "Listed on the AHS staff page, 2026-01-04"])),
        suppressed=draw(st.sampled_from(["", "", "", "", "", "hard bounce"])),
        zones=tuple(draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True))),
        zone_source="their time zone",
        florida=draw(st.booleans()),
        country=draw(st.sampled_from(["CA", "US", "GB"])),
        quiet_start=draw(times) if quiet else None,
        quiet_end=draw(times) if quiet else None,
        window_start=window_start,
        window_end=window_end,
        automated=draw(st.booleans()),
        frequency=draw(st.sampled_from(ContactFrequency.values)),
        last_automated_at=draw(st.one_of(st.none(), moments)),
        same_subject_24h=tuple(draw(st.lists(moments, max_size=4))),
    )


def consent_ok(r: Recipient, at: datetime) -> bool:
    if r.consent_basis in (None, ConsentBasis.REVOKED):
        return False
    if r.consent_obtained_at is not None and r.consent_obtained_at > at:
        return False  # a record dated after the send doesn't count yet
    if r.consent_basis == ConsentBasis.PUBLISHED_ADDRESS and not r.consent_evidence:
        return False
    return r.consent_expires_at is None or r.consent_expires_at > at


def inside_hours(r: Recipient, at: datetime) -> bool:
    """An independent statement of the hours rule, minute by minute in every zone."""
    for name in r.zones:
        local = at.astimezone(ZoneInfo(name))
        t = local.time()
        start = max(time(8), r.window_start)
        end = min(time(21), r.window_end)
        if r.florida:
            end = min(end, time(20))
        if r.channel == MessageChannel.CALL and r.country == "CA":
            weekend = local.weekday() >= 5
            start = max(start, time(10) if weekend else time(9))
            end = min(end, time(18) if weekend else time(21, 30))
        if not (start <= t < end):
            return False
        if r.quiet_start is not None and r.quiet_end is not None and r.quiet_start != r.quiet_end:
            qs, qe = r.quiet_start, r.quiet_end
            in_quiet = qs <= t < qe if qs < qe else (t >= qs or t < qe)
            if in_quiet:
                return False
    return True


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipients(), moments)
def test_commercial_message_goes_only_with_consent_and_inside_hours(r, at):
    verdict = decide(r, at)
    if verdict.action == SEND:
        assert r.address and not r.suppressed
        assert consent_ok(r, at), verdict
        assert r.candidate_status != CandidateStatus.DO_NOT_CONTACT
        assert r.topic not in r.muted_topics
        assert inside_hours(r, at), (verdict, [at.astimezone(ZoneInfo(z)) for z in r.zones])
    if not consent_ok(r, at) or r.suppressed or not r.address:
        assert verdict.action == DROP, verdict


@st.composite
def consenting(draw):
    """Recipients the policy may reach, with no frequency or daily cap in play: for them the
    hours rule alone decides."""
    r = draw(recipients())
    return Recipient(**{
        **r.__dict__, "consent_basis": ConsentBasis.EXPRESS, "consent_expires_at": None,
        "consent_obtained_at": None,
        "address": "+14035550142", "suppressed": "", "candidate_status": CandidateStatus.PASSIVE,
        "muted_topics": (), "automated": False, "same_subject_24h": (),
    })


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consenting(), moments)
def test_for_a_consenting_candidate_the_hours_alone_decide(r, at):
    verdict = decide(r, at)
    if inside_hours(r, at):
        assert verdict.action == SEND, verdict
    else:
        assert verdict.action in (HOLD, DROP), verdict
        if verdict.action == HOLD:
            assert inside_hours(r, verdict.send_at)
            # Nothing earlier was allowed: an hour before (or the minute before) is outside.
            assert not inside_hours(r, verdict.send_at - timedelta(minutes=1)) or (
                verdict.send_at - timedelta(minutes=1) < at
            )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipients(), moments)
def test_a_held_message_is_released_at_a_moment_the_policy_allows(r, at):
    verdict = decide(r, at)
    if verdict.action == HOLD:
        assert verdict.send_at > at
        assert inside_hours(r, verdict.send_at)
        again = decide(r, verdict.send_at)
        assert again.action == SEND, (verdict, again)


@settings(max_examples=200, deadline=None)
@given(recipients(), moments)
def test_revoked_consent_is_never_overridden(r, at):
    revoked = Recipient(**{**r.__dict__, "consent_basis": ConsentBasis.REVOKED})
    assert decide(revoked, at).action == DROP


def base(**kw) -> Recipient:
    fields = dict(channel=MessageChannel.SMS, address="+14035550142",
                  consent_basis=ConsentBasis.EXPRESS, zones=("America/Edmonton",))
    fields.update(kw)
    return Recipient(**fields)


def test_inquiry_consent_expires_after_six_months_and_is_named():
    obtained = datetime(2026, 1, 1, 18, tzinfo=UTC)
    r = base(consent_basis=ConsentBasis.IMPLIED_INQUIRY, consent_obtained_at=obtained,
             consent_expires_at=obtained + timedelta(days=183))
    assert decide(r, datetime(2026, 6, 1, 18, tzinfo=UTC)).action == SEND
    late = decide(r, datetime(2026, 7, 10, 18, tzinfo=UTC))
    assert late.action == DROP and late.rule == "consent_expired" and "6 months" in late.reason


def test_published_address_needs_its_evidence():
    r = base(channel=MessageChannel.EMAIL, address="a@example.com",
             consent_basis=ConsentBasis.PUBLISHED_ADDRESS)
    assert decide(r, datetime(2026, 5, 5, 18, tzinfo=UTC)).rule == "no_evidence"
    with_evidence = Recipient(**{**r.__dict__, "consent_evidence": "Clinic website, 2026-04-01"})
    assert decide(with_evidence, datetime(2026, 5, 5, 18, tzinfo=UTC)).action == SEND


@example(at=datetime(2026, 3, 8, 14, 59, tzinfo=UTC))
@given(st.datetimes(min_value=datetime(2026, 3, 7), max_value=datetime(2026, 3, 10),
                    timezones=st.just(UTC)))
def test_spring_forward_day_in_new_york(at):
    """On 8 March 2026 New York moves from UTC-5 to UTC-4 at 02:00: 08:00 local is 12:00 UTC
    that day, 13:00 UTC the day before."""
    r = base(zones=("America/New_York",))
    verdict = decide(r, at)
    local = at.astimezone(ZoneInfo("America/New_York"))
    assert (verdict.action == SEND) == (time(8) <= local.time() < time(21))


def test_fall_back_hold_lands_on_0800_local():
    # 1 Nov 2026, 06:30 UTC = 01:30 EDT (the first 01:30); 08:00 EST that day is 13:00 UTC.
    r = base(zones=("America/New_York",))
    verdict = decide(r, datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    assert verdict.action == HOLD
    assert verdict.send_at == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
    assert "08:00" in verdict.reason and "America/New_York" in verdict.reason


def test_florida_ends_at_2000_and_caps_three_texts_a_day():
    r = base(zones=("America/New_York",), florida=True, country="US")
    at = datetime(2026, 5, 5, 0, 30, tzinfo=UTC)  # 20:30 EDT
    assert decide(r, at).action == HOLD
    sent = tuple(datetime(2026, 5, 5, 14, m, tzinfo=UTC) for m in (0, 10, 20))
    capped = Recipient(**{**r.__dict__, "same_subject_24h": sent})
    verdict = decide(capped, datetime(2026, 5, 5, 15, 0, tzinfo=UTC))
    assert verdict.action == HOLD and verdict.rule == "florida_daily_cap"
    assert verdict.send_at == datetime(2026, 5, 6, 14, 0, tzinfo=UTC)


def test_candidate_quiet_hours_narrow_the_window():
    r = base(quiet_start=time(17), quiet_end=time(9))  # only 09:00-17:00 Edmonton
    verdict = decide(r, datetime(2026, 5, 5, 14, 0, tzinfo=UTC))  # 08:00 MDT
    assert verdict.action == HOLD
    assert verdict.send_at == datetime(2026, 5, 5, 15, 0, tzinfo=UTC)


def test_quiet_hours_covering_the_whole_window_drop_with_reason():
    r = base(quiet_start=time(7), quiet_end=time(22))
    verdict = decide(r, datetime(2026, 5, 5, 18, tzinfo=UTC))
    assert verdict.action == DROP and "quiet hours" in verdict.reason


def test_organization_may_narrow_but_not_widen():
    wide = base(window_start=time(6), window_end=time(23))
    assert decide(wide, datetime(2026, 5, 5, 13, 0, tzinfo=UTC)).action == HOLD  # 07:00 MDT
    assert decide(wide, datetime(2026, 5, 6, 3, 30, tzinfo=UTC)).action == HOLD  # 21:30 MDT


def test_canadian_calls_keep_telemarketing_hours_at_weekends():
    r = base(channel=MessageChannel.CALL, country="CA")
    saturday_0930 = datetime(2026, 5, 9, 15, 30, tzinfo=UTC)
    verdict = decide(r, saturday_0930)
    assert verdict.action == HOLD
    assert verdict.send_at == datetime(2026, 5, 9, 16, 0, tzinfo=UTC)  # 10:00 MDT


def test_weekly_frequency_holds_automated_messages_only():
    last = datetime(2026, 5, 1, 18, tzinfo=UTC)
    r = base(frequency=ContactFrequency.WEEKLY, last_automated_at=last, automated=True)
    verdict = decide(r, datetime(2026, 5, 4, 18, tzinfo=UTC))
    assert verdict.action == HOLD and verdict.send_at == last + timedelta(days=7)
    personal = Recipient(**{**r.__dict__, "automated": False})
    assert decide(personal, datetime(2026, 5, 4, 18, tzinfo=UTC)).action == SEND


def test_opt_out_confirmation_goes_once_opted_out():
    r = base(consent_basis=ConsentBasis.REVOKED, kind=MessageKind.OPT_OUT_CONFIRMATION)
    assert decide(r, datetime(2026, 5, 5, 7, tzinfo=UTC)).action == SEND


def test_zone_from_phone_area_code_when_no_zone_is_known():
    class Person:
        time_zone = ""
        phone = "+16135550100"  # Ottawa

    zones, source = policy.zones_for(Person(), "America/Edmonton")
    assert zones == ("America/Toronto",) and "area code" in source

    class Floridian:
        country = "US"
        region = ""
        phone = "+13055550142"

    assert policy.is_florida(Floridian())


def test_an_organization_without_a_postal_address_sends_no_commercial_message():
    r = base(identified=False)
    verdict = decide(r, datetime(2026, 5, 5, 18, tzinfo=UTC))
    assert verdict.action == DROP and verdict.rule == "no_identification"
    assert "postal address" in verdict.reason
    transactional = Recipient(**{**r.__dict__, "kind": MessageKind.TRANSACTIONAL})
    assert decide(transactional, datetime(2026, 5, 5, 18, tzinfo=UTC)).action == SEND


def test_consent_dated_after_the_send_does_not_count_yet():
    r = base(consent_obtained_at=datetime(2026, 6, 1, tzinfo=UTC))
    early = decide(r, datetime(2026, 5, 5, 18, tzinfo=UTC))
    assert early.action == DROP and early.rule == "consent_not_yet"
    assert decide(r, datetime(2026, 6, 2, 18, tzinfo=UTC)).action == SEND


def test_the_reasons_for_skipped_channels_read_as_one_sentence(org, recruiter):
    """Not "No email address on record.; text messages: …"."""
    from rounds.candidates.actions import do_create_candidate
    from rounds.outreach.policy import choose_channel

    person = do_create_candidate(org.pk, actor=recruiter, first_name="Nic", last_name="Nobody",
                                 profession="physician", preferred_channels=["email", "sms"])
    why = choose_channel(person).why
    assert ".;" not in why
    assert why.startswith("No channel allowed. Email: No email address on record; text ")
    assert why.endswith(".") and not why.endswith("..")
