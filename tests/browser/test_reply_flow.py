"""The workflow, as the recruiter works it: a first message moves the application to
Contacted; the candidate's reply, through the provider's webhook, moves it to Engaged and opens
respond-now; Reply answers what they asked with the job's facts on the channel they used and
offers a call, which they book from the link (the board card shows it); a text that says no and
names a colleague is answered by text and the colleague becomes a referral in one click; and
rejecting offers a kind note the recruiter edits and sends."""

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.db import transaction
from playwright.sync_api import expect

from rounds.accounts.models import EmployerProfile, Site
from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis, Source
from rounds.candidates.models import Candidate
from rounds.jobs.models import Job
from rounds.outreach import delivery
from rounds.outreach.actions import do_send_message
from rounds.outreach.choices import Direction, MeetingStatus
from rounds.outreach.models import Meeting, Message
from rounds.outreach.testing import post_signed
from rounds.pipeline.actions import do_add_to_pipeline, do_move_application
from rounds.pipeline.models import Application, Stage
from tests.browser.conftest import email_text, link_in_email, links_in, look, sign_in
from tests.browser.test_outreach_flow import post_inbound_email, zone_at_midday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "+15875550100"


@pytest.fixture
def red_deer(org, recruiter):
    EmployerProfile.objects.update_or_create(
        organization=org,
        defaults={
            "value_proposition": "A physician-led group: you practise medicine, we run the clinic.",
            "compensation_details": "70/30 FFS split, overhead capped at $8,500/month.",
            "admin_support": "Two MOAs per physician, after-hours call shared across all sites.",
        },
    )
    site = Site.objects.create(
        organization=org,
        name="Red Deer Clinic",
        address_line="4920 51 St",
        city="Red Deer",
        region="AB",
    )
    return Job.objects.create(
        organization=org,
        title="Family Physician — Red Deer",
        profession="physician",
        specialty="Family Medicine",
        site=site,
        owner=recruiter,
        pay_min=320000,
        pay_max=480000,
        description="Take over a 1,300-patient panel; one weekend in six on call.",
    )


def person(org, recruiter, first, last, *, channel, **fields):
    cand = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name=first,
        last_name=last,
        profession="physician",
        city="Calgary",
        region="AB",
        country="CA",
        time_zone=zone_at_midday(),
        preferred_channels=[channel],
        owner=recruiter,
        **fields,
    )
    do_record_consent(
        cand,
        channel=channel,
        basis=ConsentBasis.EXPRESS,
        actor=recruiter,
        evidence="Asked at the AFP conference",
    )
    return cand


def stage_of(application) -> str:
    return Application.objects.select_related("stage").get(pk=application.pk).stage.name


def test_a_question_about_pay_is_answered_with_the_facts_and_the_call_is_booked(
    live_server, browser_page, phone_page, org, recruiter, settings, smtp, red_deer
):
    page = browser_page
    settings.PUBLIC_URL = live_server.url
    amara = person(
        org, recruiter, "Amara", "Okafor", channel="email", email="amara.okafor@example.com"
    )
    application = do_add_to_pipeline(amara, red_deer, actor=recruiter)
    errors = sign_in(page, live_server.url, recruiter)

    # The first message, from the compose page about the job: Sourced → Contacted.
    page.goto(
        f"{live_server.url}/outreach/candidates/{amara.uuid}/compose/?application={application.pk}"
    )
    look(page, "first-message")
    page.locator("#compose-form button[type=submit]").click()
    page.wait_for_url(f"**/candidates/{amara.uuid}/**")
    look(page, "first-sent")
    assert stage_of(application) == "Contacted"
    assert delivery.drain() >= 1
    [first] = smtp.wait_for(1)

    # Amara asks about pay and call; her mail comes back through the inbound webhook.
    reply = EmailMessage()
    reply["From"] = "Amara Okafor <amara.okafor@example.com>"
    reply["To"] = first["Reply-To"]
    reply["Subject"] = "Re: " + " ".join(first["Subject"].split())
    reply["Message-ID"] = make_msgid(domain="example.com")
    reply["In-Reply-To"] = first["Message-ID"]
    reply["Date"] = format_datetime(datetime.now(UTC))
    reply.set_content(
        "Thanks for reaching out. I might be interested: could you send the "
        "compensation details and the call schedule?"
    )
    assert post_inbound_email(live_server.url, reply.as_bytes(), settings.INBOUND_EMAIL_SECRET) in (
        200,
        202,
    )
    assert stage_of(application) == "Engaged"

    # Today → Reply: her question, read; the answer has the job's facts and a link for a call.
    page.goto(f"{live_server.url}/")
    item = page.locator("#respond-now .respond-item", has_text="Amara Okafor")
    item.wait_for()
    look(page, "respond-now")
    item.get_by_role("link", name="Reply").click()
    page.wait_for_url("**/reply/")
    look(page, "reply")
    expect(page.locator("#their-message")).to_contain_text("the call schedule?")
    expect(page.locator("#reading")).to_contain_text("Asks about pay")
    expect(page.locator("#reading")).to_contain_text("Asks about the schedule and call")
    expect(page.locator("#reply-form h2")).to_have_text("Email to Amara")
    answer = page.locator("#reply-form textarea[name=body]").input_value()
    assert "pays $320,000–$480,000 CAD per year." in answer
    assert "Compensation: 70/30 FFS split" in answer
    assert "One weekend in six on call." in answer
    assert "Pick a time that suits you here: " in answer
    assert "interest you" not in answer and "someone you know" not in answer
    page.locator("#reply-form button[type=submit]").click()
    page.wait_for_url(f"**/candidates/{amara.uuid}/**")
    look(page, "answered")

    # She gets it in the same conversation, and books a time from its link on her phone.
    assert delivery.drain() >= 1
    answered = smtp.wait_for(2)[1]
    assert answered["In-Reply-To"] == reply["Message-ID"]
    assert "pays $320,000–$480,000 CAD per year." in email_text(answered)
    link = link_in_email(answered, "/o/meet/")
    phone_page.goto(link)
    look(phone_page, "pick-a-time")
    phone_page.locator(".times button").first.click()
    expect(phone_page.get_by_role("heading", name="You're booked")).to_be_visible()
    look(phone_page, "booked")
    meeting = Meeting.objects.get(candidate=amara)
    assert (meeting.status, meeting.application_id, meeting.organizer_id) == (
        MeetingStatus.BOOKED,
        application.pk,
        recruiter.pk,
    )

    # The board card shows the booked call.
    page.goto(f"{live_server.url}/jobs/{red_deer.uuid}/")
    card = page.locator(f"#app-{application.pk}")
    expect(card.locator(".tile-meeting")).to_contain_text("Phone call booked ·")
    expect(page.locator('.column[data-stage-name="Engaged"]')).to_contain_text("Amara Okafor")
    look(page, "board")
    page.goto(f"{live_server.url}/pipeline/applications/{application.pk}/")
    expect(page.locator("#application-meeting")).to_contain_text("Phone call booked ·")
    expect(page.locator("table.history")).to_contain_text("Automatic: replied by email")
    look(page, "application")
    assert errors == [] and phone_page.script_errors == []


def test_a_text_saying_no_is_answered_by_text_and_the_colleague_becomes_a_referral(
    live_server, browser_page, org, recruiter, settings, sms_provider, red_deer
):
    page = browser_page
    settings.PUBLIC_URL = live_server.url
    settings.SMS_FROM_NUMBER = NUMBER
    bilal = person(
        org,
        recruiter,
        "Bilal",
        "Rahman",
        channel="sms",
        phone="+14035550177",
        email="bilal@example.com",
    )
    application = do_add_to_pipeline(bilal, red_deer, actor=recruiter)
    with transaction.atomic():
        do_send_message(
            bilal,
            actor=recruiter,
            channel="sms",
            subject="",
            nonce="first-text",
            body="Hi Bilal, it's Rita: a family physician role in Red Deer. You, or "
            "someone you know?",
            application=application,
        )
    assert delivery.drain() >= 1
    [first] = sms_provider.sent
    said = (
        "Not for me right now, but my colleague Dr. Haddad is looking. Can I pass on your number?"
    )
    assert (
        post_signed(
            f"{live_server.url}/hooks/sms/inbound/",
            {
                "MessageSid": "SMreply0000000000000000000000001",
                "AccountSid": sms_provider.account_sid,
                "From": first.to,
                "To": NUMBER,
                "Body": said,
            },
            sms_provider.auth_token,
        )
        == 200
    )
    assert stage_of(application) == "Engaged"

    errors = sign_in(page, live_server.url, recruiter)
    item = page.locator("#respond-now .respond-item", has_text="Bilal Rahman")
    item.get_by_role("link", name="Reply").click()
    page.wait_for_url("**/reply/")
    look(page, "reply")
    expect(page.locator("#reply-form h2")).to_have_text("Text message to Bilal")
    expect(page.locator("#channel-why")).to_contain_text("Bilal wrote by text message")
    expect(page.locator("#reading")).to_contain_text("Says no for now")
    expect(page.locator("#reading")).to_contain_text("Names a colleague: Dr. Haddad")
    answer = page.locator("#reply-form textarea[name=body]").input_value()
    assert "Thank you for letting me know, and for thinking of Dr. Haddad." in answer
    assert "pays" not in answer and "Could we talk" not in answer  # no pitch after a no

    # Dr. Haddad becomes Bilal's referral: the reply gives no first name, so it is asked for.
    # Only the card changes; the answer being written stays as the recruiter left it.
    answer_box = page.locator("#reply-form textarea[name=body]")
    answer_box.fill(answer + " Thanks again, Bilal.")
    referral = page.locator("#referral")
    expect(referral.get_by_label("Last name")).to_have_value("Haddad")
    expect(referral).to_contain_text("Not in Bilal's message")
    referral.get_by_role("button", name="Add Dr. Haddad as Bilal's referral").click()
    expect(page.locator("#referral .error")).to_contain_text("ask Bilal")
    page.locator("#referral").get_by_label("First name").fill("Sam")
    page.locator("#referral").get_by_role(
        "button", name="Add Dr. Haddad as Bilal's referral"
    ).click()
    expect(page.locator("#referral [role=status]")).to_contain_text("Sam Haddad is in your pool")
    expect(answer_box).to_have_value(answer + " Thanks again, Bilal.")
    look(page, "referred")
    sam = Candidate.objects.get(last_name="Haddad")
    assert (sam.source, sam.referred_by_id, sam.profession) == (
        Source.REFERRAL,
        bilal.pk,
        "physician",
    )
    assert not sam.consents.exists() and not Message.objects.filter(candidate=sam).exists()

    # The answer goes by text, as he wrote.
    page.locator("#reply-form button[type=submit]").click()
    page.wait_for_url(f"**/candidates/{bilal.uuid}/**")
    look(page, "answered")
    assert delivery.drain() >= 1
    text = sms_provider.sent[1]
    assert text.to == first.to and "Thank you for letting me know" in text.body
    assert "Thanks again, Bilal." in text.body

    # Sam's record says who referred him; nothing can be sent to him.
    page.goto(f"{live_server.url}/candidates/{sam.uuid}/")
    expect(page.locator("body")).to_contain_text("referred by")
    look(page, "referral")
    page.goto(f"{live_server.url}/outreach/candidates/{sam.uuid}/compose/")
    expect(page.locator("#compose-form button[type=submit]")).to_be_disabled()
    look(page, "referral-cannot-be-written-to")
    assert not Message.objects.filter(candidate=sam, direction=Direction.OUTBOUND).exists()
    assert errors == []


def test_rejecting_offers_a_kind_note_the_recruiter_edits_and_sends(
    live_server, browser_page, org, recruiter, settings, smtp, red_deer
):
    page = browser_page
    settings.PUBLIC_URL = live_server.url
    chen = person(org, recruiter, "Wei", "Chen", channel="email", email="wei.chen@example.com")
    application = do_add_to_pipeline(chen, red_deer, actor=recruiter)
    do_move_application(
        application, Stage.objects.get(organization=org, name="Screened"), actor=recruiter
    )
    errors = sign_in(page, live_server.url, recruiter)
    page.goto(f"{live_server.url}/jobs/{red_deer.uuid}/")
    look(page, "board")
    tile = page.locator(f"#app-{application.pk}")
    tile.locator("select[name=stage]").select_option(label="Rejected")
    tile.locator(".move-form button[type=submit]").click()
    dialog = page.locator("#reason-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("select[name=reason]").select_option(label="Position filled")
    dialog.get_by_role("button", name="Move").click()

    # Offered, not sent.
    offer = page.locator("#rejection-offer")
    expect(offer).to_contain_text("Wei Chen moved to Rejected")
    look(page, "rejected")
    assert not Message.objects.filter(candidate=chen).exists()
    offer.get_by_role("link", name="Write Wei a kind note").click()
    page.wait_for_url("**/compose/**")
    look(page, "kind-note")
    expect(page.locator("#rejection-note")).to_be_visible()
    body = page.locator("#compose-form textarea[name=body]")
    draft = body.input_value()
    assert "The position has now been filled." in draft
    assert "someone you know" not in draft
    body.fill(
        draft.replace("With best wishes,", "It was a pleasure to meet you.\n\nWith best wishes,")
    )
    page.locator("#compose-form button[type=submit]").click()
    page.wait_for_url(f"**/candidates/{chen.uuid}/**")
    look(page, "kind-note-sent")
    assert stage_of(application) == "Rejected"
    assert delivery.drain() >= 1
    [note] = smtp.wait_for(1)
    assert "It was a pleasure to meet you." in email_text(note)
    assert not [u for u in links_in(email_text(note)) if "/o/meet/" in u]
    assert errors == []
