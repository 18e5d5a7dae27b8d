"""A reply gets an answer, not a pitch: what the candidate wrote is read simply (questions about
pay, schedule and call, place, start date; a decline; a colleague named, conservatively) and
the answer drafted from it uses only facts on record, offers a short call as they'd like it,
and goes on the channel they used (policy permitting)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from rounds.accounts.models import EmployerProfile, Site
from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis, Source
from rounds.candidates.models import Candidate
from rounds.outreach import replies
from rounds.outreach.choices import (
    Direction,
    FollowUpStatus,
    MeetingStatus,
    MessageChannel,
    MessageStatus,
)
from rounds.outreach.models import Meeting, Message, OutreachSettings, Thread
from rounds.pipeline.actions import do_add_to_pipeline

from .conftest import NOON_EDMONTON

PAY_AND_CALL = (
    "Thanks for reaching out. I might be interested: could you send the "
    "compensation details and the call schedule?"
)
DECLINE_AND_COLLEAGUE = (
    "Not for me right now, but my colleague Dr. Haddad is looking. Can I pass on your number?"
)


@pytest.fixture(autouse=True)
def noon():
    with time_machine.travel(NOON_EDMONTON, tick=False):
        yield NOON_EDMONTON


@pytest.fixture
def profile(org):
    return EmployerProfile.objects.update_or_create(
        organization=org,
        defaults={
            "value_proposition": "Join a physician-led group where you practise medicine and we "
            "run the clinic.",
            "compensation_details": "70/30 FFS split, overhead capped at $8,500/month.",
            "admin_support": "Two MOAs per physician FTE, central billing team, after-hours call "
            "shared across all sites.",
            "team_based_care": "Each physician works with an RN and a shared NP.",
            "emr": "Accuro",
            "community_points": "Red Deer: lower housing costs and strong schools. Lethbridge: "
            "300 sunny days.",
        },
    )[0]


@pytest.fixture
def red_deer(org, job, profile):
    site = Site.objects.create(
        organization=org, name="Red Deer", address_line="4920 51 St", city="Red Deer", region="AB"
    )
    job.site = site
    job.description = "Take over a 1,300-patient panel; one weekend in six on call."
    job.save()
    return job


@pytest.fixture
def sender(recruiter):
    recruiter.phone = "+1 403 555 0100"
    recruiter.save()
    return recruiter


def wrote(candidate, text, *, channel=MessageChannel.EMAIL, application=None, subject=""):
    """A message the candidate sent, as inbound stores one, in their thread."""
    thread = Thread.objects.filter(candidate=candidate).first() or Thread.objects.create(
        organization_id=candidate.organization_id,
        candidate=candidate,
        application=application,
        subject="Family physician role",
    )
    return Message.objects.create(
        organization_id=candidate.organization_id,
        candidate=candidate,
        thread=thread,
        application=application or thread.application,
        channel=channel,
        direction=Direction.INBOUND,
        status=MessageStatus.RECEIVED,
        body=text,
        subject=subject,
        from_address=candidate.email if channel == "email" else candidate.phone,
        received_at=NOON_EDMONTON,
        created_at=NOON_EDMONTON,
    )


def reply_url(message, **query):
    url = reverse("outreach:reply", args=[message.uuid])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, asks, declined, colleague",
    [
        (PAY_AND_CALL, ["pay", "schedule"], False, None),
        (DECLINE_AND_COLLEAGUE, [], True, "Dr. Haddad"),
        ("Yes, happy to chat. Thursday after 5 works.", [], False, None),
        ("Could you tell me more about the team and the EMR?", ["team", "emr"], False, None),
        # "call me" asks for a call, not about the call schedule.
        ("Yes, I'd like to hear more. Could you call me after 5 today?", [], False, None),
        ("Where is the clinic, and when would it start?", ["location", "start"], False, None),
        # Said, not asked: no question to answer.
        ("I'm happy with my hours and my pay.", [], False, None),
        ("I'll pass on your number to my friend Sam Lee.", [], False, "Sam Lee"),
        ("I'll pass on this one, thanks.", [], True, None),
        ("Talk to Dr. Maria Santos, she is looking.", [], False, "Dr. Maria Santos"),
        # Capitalised ordinary words are not names.
        ("My colleague Thursday said no. Ask Monday.", [], False, None),
        ("Nobody is looking here.", [], False, None),
    ],
)
def test_reading_a_reply(text, asks, declined, colleague):
    reading = replies.read(text)
    assert reading.asks == asks
    assert reading.declined is declined
    assert (reading.colleague.label if reading.colleague else None) == colleague


def test_reading_what_they_ask_for_the_call():
    assert replies.read("Could you call me after 5 today?").suggested_time == "after 5 today"
    assert replies.read("Send me a link and I'll book").wants_link
    assert replies.read("Can you text me a few times?").wants_times
    reading = replies.read(DECLINE_AND_COLLEAGUE)
    assert reading.asks_to_share and reading.suggested_time == ""


# --- the answer -----------------------------------------------------------------------------


def draft_for(candidate, text, *, sender, job=None, channel="email", mode=None):
    reading = replies.read(text)
    mode, why = (mode, "") if mode else replies.default_mode(reading, channel)
    call = replies.plan_call(candidate, sender=sender, mode=mode, why=why)
    return replies.reply_draft(
        candidate,
        sender=sender,
        reading=reading,
        channel=channel,
        job=job,
        call=call,
        subject="Re: Family physician role",
    ), call


def test_a_question_about_pay_and_call_gets_the_facts_and_a_call_not_a_pitch(
    reachable, sender, red_deer
):
    draft, call = draft_for(reachable, PAY_AND_CALL, sender=sender, job=red_deer)
    body = draft.body
    assert body.startswith("Hi Amara,\n\nThanks for getting back to me.")
    assert f"The {red_deer.title} role pays {red_deer.pay_display}." in body
    assert "Compensation: 70/30 FFS split, overhead capped at $8,500/month." in body
    assert "It's a permanent full-time role." in body
    assert "One weekend in six on call." in body
    assert "After-hours call" not in body  # the job's own words come first
    assert "we run the clinic." in body  # the value proposition
    # The next step: a link to pick one of the sender's free times (they wrote by email).
    assert call.mode == replies.LINK and call.url and call.url in body
    assert "Would a role with us interest you" not in body
    assert "someone you know" not in body
    assert any("Pay range" in f for f in draft.facts)
    assert draft.gaps == []


def test_without_a_word_on_call_in_the_job_the_employer_profile_answers(
    reachable, sender, red_deer
):
    red_deer.description = "Take over a 1,300-patient panel."
    red_deer.save()
    draft, _call = draft_for(reachable, PAY_AND_CALL, sender=sender, job=red_deer)
    assert "After-hours call shared across all sites." in draft.body
    assert "1,300" not in draft.body
    assert (
        "“after-hours call shared across all sites” (employer profile, admin support)"
        in draft.facts
    )


def test_the_employer_profiles_physician_terms_are_not_quoted_for_a_nurses_job(
    reachable, sender, red_deer
):
    red_deer.profession, red_deer.pay_period = "registered_nurse", "hour"
    red_deer.pay_min, red_deer.pay_max = 42, 52
    red_deer.description = "Chronic disease clinics, 0.6 FTE."
    red_deer.save()
    draft, _call = draft_for(reachable, PAY_AND_CALL, sender=sender, job=red_deer)
    assert "pays $42–$52 CAD per hour." in draft.body
    assert "70/30" not in draft.body
    assert "0.6 FTE." in draft.body
    assert "After-hours call" not in draft.body  # the job says what its schedule is


def test_a_decline_naming_a_colleague_gets_thanks_and_the_number_not_a_pitch(
    reachable, sender, red_deer
):
    draft, call = draft_for(reachable, DECLINE_AND_COLLEAGUE, sender=sender, job=red_deer)
    body = draft.body
    assert "Thank you for letting me know, and for thinking of Dr. Haddad." in body
    assert "Yes, please do pass on my number: +1 403 555 0100." in body
    assert "I'll leave it to Dr. Haddad to get in touch." in body
    assert "If things change, I'd be glad to hear from you." in body
    assert call.mode == replies.NO_CALL
    assert "http" not in body and "Could we talk" not in body
    assert "we run the clinic" not in body  # no pitch to someone who said no
    assert red_deer.pay_display not in body


def test_a_question_the_record_cannot_answer_is_promised_not_invented(reachable, sender, job):
    draft, _call = draft_for(
        reachable, "When would it start, and where is it?", sender=sender, job=job
    )
    assert "I'll confirm where the role is and the start date on our call." in draft.body
    assert len(draft.gaps) == 2 and "start date" in draft.gaps[1]


def test_a_text_is_answered_with_three_free_times_to_reply_to(reachable, sender, red_deer):
    draft, call = draft_for(
        reachable, "what's the pay?", sender=sender, job=red_deer, channel="sms"
    )
    assert call.mode == replies.TIMES and len(call.times) == 3
    assert len({t.date() for t in call.times}) == 3  # three different days
    assert "1) " in draft.body and "Reply 1, 2 or 3, or pick here: " + call.url in draft.body
    assert draft.body.startswith("Hi Amara, it's Rita.")
    assert len(draft.body) <= replies.SMS_REPLY_LIMIT


def test_a_suggested_time_is_accepted_as_they_wrote_it(reachable, sender):
    draft, call = draft_for(reachable, "Could you call me after 5 today?", sender=sender)
    assert call.mode == replies.THEIRS
    assert "Yes, I'll call you after 5 today." in draft.body


def test_without_free_time_the_answer_asks_when_suits(reachable, sender, org):
    rules = OutreachSettings.for_org(org.pk)
    rules.meeting_weekdays = [6]
    rules.meeting_day_start, rules.meeting_day_end = rules.meeting_day_end, rules.meeting_day_end
    rules.save()
    draft, call = draft_for(reachable, "Sounds good", sender=sender)
    assert call.mode == "ask" and not call.url
    assert "When suits you?" in draft.body


# --- the page -------------------------------------------------------------------------------


def test_reply_page_shows_the_conversation_the_reading_and_an_answer_on_their_channel(
    login, sender, reachable, red_deer
):
    application = do_add_to_pipeline(reachable, red_deer, actor=sender)
    message = wrote(
        reachable,
        "<b>Hi</b> " + PAY_AND_CALL,
        application=application,
        subject="Re: Family physician role",
    )
    response = login(sender).get(reply_url(message))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape("<b>Hi</b> Thanks for reaching out.") in html  # their words, escaped
    assert "<b>Hi</b>" not in html
    assert "Asks about pay" in html and "Asks about the schedule and call" in html
    assert "Amara wrote by email: the answer goes the same way." in html
    assert 'value="Re: Family physician role"' in html
    assert escape(f"The {red_deer.title} role pays {red_deer.pay_display}.") in html
    assert "Would a role with us interest you" not in html


def test_a_text_is_answered_by_text_unless_the_policy_refuses_it(login, sender, org):
    cand = do_create_candidate(
        org.pk,
        actor=sender,
        first_name="Noor",
        last_name="Haddad",
        email="noor@example.com",
        phone="+14035550177",
        profession="nurse_practitioner",
        time_zone="America/Edmonton",
        preferred_channels=["email", "sms"],
    )
    do_record_consent(
        cand,
        channel="email",
        basis=ConsentBasis.EXPRESS,
        actor=sender,
        evidence="Career fair",
        obtained_at=NOON_EDMONTON - timedelta(days=30),
    )
    message = wrote(cand, "What's the pay?", channel="sms")
    html = login(sender).get(reply_url(message)).content.decode()
    assert (
        "Noor wrote by text message, but text message can&#x27;t be used: No consent on "
        "record for text messages (CASL). Answering by email instead."
    ) in html
    assert "Email to Noor" in html
    do_record_consent(
        cand,
        channel="sms",
        basis=ConsentBasis.EXPRESS,
        actor=sender,
        evidence="Texted us first and asked for details",
    )
    html = login(sender).get(reply_url(message)).content.decode()
    assert "Noor wrote by text message: the answer goes the same way." in html
    assert "Text message to Noor" in html


def test_sending_the_answer_keeps_the_thread_offers_the_call_and_answers_the_clock(
    login, sender, reachable, red_deer
):
    from rounds.outreach import followups

    application = do_add_to_pipeline(reachable, red_deer, actor=sender)
    message = wrote(reachable, PAY_AND_CALL, application=application)
    item = followups.open_for_reply(message)
    client = login(sender)
    page = client.get(reply_url(message))
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["application"] = application.pk
    key = data["call_key"]
    assert data["call_mode"] == replies.LINK
    response = client.post(reply_url(message), data)
    assert response.status_code == 302
    sent = Message.objects.get(direction=Direction.OUTBOUND, candidate=reachable)
    assert (sent.channel, sent.thread_id, sent.application_id) == (
        "email",
        message.thread_id,
        application.pk,
    )
    assert sent.status == MessageStatus.QUEUED and sent.created_by == sender
    meeting = Meeting.objects.get(uuid=key)
    assert (meeting.candidate, meeting.organizer, meeting.status) == (
        reachable,
        sender,
        MeetingStatus.PROPOSED,
    )
    assert meeting.proposed_times == []  # a link over the free slots
    assert f"Call about {red_deer.title}" == meeting.title
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE
    # The same form again: one message, one meeting.
    assert client.post(reply_url(message), data).status_code == 302
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1
    assert Meeting.objects.count() == 1


def test_removing_the_link_from_the_answer_offers_no_call(login, sender, reachable):
    message = wrote(reachable, "Sounds interesting, tell me more?")
    client = login(sender)
    data = {
        k: v
        for k, v in client.get(reply_url(message)).context["form"].initial.items()
        if v is not None
    }
    data["body"] = "Hi Amara, I'll call you tomorrow morning."
    assert client.post(reply_url(message), data).status_code == 302
    assert not Meeting.objects.exists()
    assert Message.objects.get(direction=Direction.OUTBOUND).body == data["body"]


def test_offered_times_taken_meanwhile_are_refused_and_nothing_is_sent(login, sender, reachable):
    from rounds.outreach.meetings import do_book, do_offer_meeting

    message = wrote(reachable, "Can you text me a few times?", channel="sms")
    client = login(sender)
    data = {
        k: v
        for k, v in client.get(reply_url(message)).context["form"].initial.items()
        if v is not None
    }
    assert data["call_mode"] == replies.TIMES
    first = data["call_times"].split(",")[0]
    other = do_create_candidate(
        reachable.organization_id,
        actor=sender,
        first_name="Bo",
        last_name="Li",
        profession="physician",
    )
    taken = do_offer_meeting(
        other,
        organizer=sender,
        kind="call",
        title="Other call",
        proposed_times=[first],
        send_by=None,
        actor=sender,
    )
    do_book(taken, first, via="web", actor=sender)
    response = client.post(reply_url(message), data)
    assert response.status_code == 400
    assert "The call times in the answer are no longer free" in response.content.decode()
    assert not Message.objects.filter(direction=Direction.OUTBOUND, candidate=reachable).exists()
    assert Meeting.objects.filter(candidate=reachable).count() == 0


def test_reading_corrected_by_the_recruiter_redrafts(login, sender, reachable, red_deer):
    application = do_add_to_pipeline(reachable, red_deer, actor=sender)
    message = wrote(reachable, "Hmm. Tell me more.", application=application)
    html = (
        login(sender)
        .get(reply_url(message, reread=1, ask="pay", call="none", colleague="Dr.+Sam+Lee"))
        .content.decode()
    )
    assert "As you corrected it." in html
    assert escape(f"pays {red_deer.pay_display}") in html
    assert "Names a colleague: Dr. Sam Lee" in html
    assert "Could we talk" not in html


# --- a colleague becomes a referral -----------------------------------------------------------


def test_a_named_colleague_becomes_a_referral_in_one_click_and_is_not_contacted(
    login, sender, reachable
):
    message = wrote(reachable, "Not for me, but my colleague Dr. Sam Haddad is looking.")
    client = login(sender)
    html = client.get(reply_url(message)).content.decode()
    assert "Add Dr. Sam Haddad as Amara's referral" in html
    response = client.post(
        reverse("outreach:referral", args=[message.uuid]),
        {"first_name": "Sam", "last_name": "Haddad", "profession": "physician"},
    )
    assert response.status_code == 302
    person = Candidate.objects.get(last_name="Haddad")
    assert (person.source, person.referred_by, person.first_name) == (
        Source.REFERRAL,
        reachable,
        "Sam",
    )
    assert person.source_detail == "Named by Amara Okafor in a reply on November 18, 2026"
    assert not person.consents.exists() and not person.email and not person.phone
    assert not Message.objects.filter(candidate=person).exists()
    note = person.activities.get()
    assert "my colleague Dr. Sam Haddad is looking" in note.body and "Not contacted" in note.body
    # Named again: the same person, not a second record.
    client.post(
        reverse("outreach:referral", args=[message.uuid]),
        {"first_name": "Sam", "last_name": "Haddad", "profession": "physician"},
    )
    assert Candidate.objects.filter(last_name="Haddad").count() == 1
    html = client.get(reply_url(message)).content.decode()
    assert "is in your pool as Amara's referral" in html
    # Nothing can be sent to them: no consent on record.
    compose = client.get(reverse("outreach:compose", args=[person.uuid])).content.decode()
    assert "No consent on record" in compose or "No email address on record" in compose


def test_from_the_page_only_the_referral_card_changes(login, sender, reachable):
    """With htmx the card is swapped in place, so the answer being written is kept."""
    message = wrote(reachable, DECLINE_AND_COLLEAGUE)
    client = login(sender)
    url = reverse("outreach:referral", args=[message.uuid])
    data = {
        "named": "Dr. Haddad",
        "first_name": "",
        "last_name": "Haddad",
        "profession": "physician",
    }
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section class="card" id="referral"')
    assert "Dr. Haddad, named by Amara" in html
    assert "Their first name isn&#x27;t in the reply: ask Amara" in html
    response = client.post(url, {**data, "first_name": "Sam"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Sam Haddad is in your pool as Amara&#x27;s referral." in html
    assert "<form" not in html  # added: nothing more to click
    assert Candidate.objects.get(last_name="Haddad").referred_by == reachable


def test_a_referral_without_a_first_name_says_what_to_fix(login, sender, reachable):
    message = wrote(reachable, DECLINE_AND_COLLEAGUE)
    response = login(sender).post(
        reverse("outreach:referral", args=[message.uuid]),
        {"first_name": "", "last_name": "Haddad", "profession": "physician"},
    )
    assert response.status_code == 400
    assert "Their first name isn&#x27;t in the reply: ask Amara" in response.content.decode()
    assert not Candidate.objects.filter(last_name="Haddad").exists()


# --- who may -------------------------------------------------------------------------------


def test_another_organizations_message_is_a_404_and_roles_are_403(
    login, sender, reachable, outsider, read_only, hiring_manager, red_deer
):
    message = wrote(reachable, DECLINE_AND_COLLEAGUE)
    referral = reverse("outreach:referral", args=[message.uuid])
    referral_data = {"first_name": "Sam", "last_name": "Haddad", "profession": "physician"}
    for method, url, data in (
        ("get", reply_url(message), None),
        ("post", reply_url(message), {"body": "x"}),
        ("post", referral, referral_data),
    ):
        assert getattr(login(outsider), method)(url, data).status_code == 404
    assert login(read_only).get(reply_url(message)).status_code == 403
    assert login(read_only).post(referral, referral_data).status_code == 403
    # A hiring manager sees only the people of their jobs; on one, they may answer but not
    # add candidates.
    assert login(hiring_manager).get(reply_url(message)).status_code == 404
    red_deer.hiring_team.add(hiring_manager)
    do_add_to_pipeline(reachable, red_deer, actor=sender)
    assert login(hiring_manager).get(reply_url(message)).status_code == 200
    assert login(hiring_manager).post(referral, referral_data).status_code == 403
    # Only a candidate's own message is answered here.
    out = Message.objects.create(
        organization=reachable.organization,
        candidate=reachable,
        channel="email",
        body="Hi",
        idempotency_key="out-1",
    )
    assert login(sender).get(reply_url(out)).status_code == 404
    assert not Candidate.objects.filter(last_name="Haddad").exists()


def test_start_date_is_answered_from_the_job(reachable, sender, job):
    job.start_date = date(2027, 2, 1)
    job.save()
    draft, _ = draft_for(reachable, "When would it start?", sender=sender, job=job)
    assert "It starts on February 1, 2027." in draft.body and not draft.gaps


def test_a_long_text_answer_keeps_the_first_fact_of_each_answer_and_fits(
    reachable, sender, red_deer
):
    draft, call = draft_for(reachable, PAY_AND_CALL, sender=sender, job=red_deer, channel="sms")
    assert len(draft.body) <= replies.SMS_REPLY_LIMIT
    assert f"pays {red_deer.pay_display}." in draft.body
    assert "It's a permanent full-time role." in draft.body
    assert "Reply 1, 2 or 3, or pick here: " + call.url in draft.body
    # What didn't fit is not listed as what the text rests on.
    for fact in draft.facts:
        if fact.startswith("“"):
            assert fact.split("”")[0][1:].lower() in draft.body.lower()
