"""A recruiter writes a personalised first message from the candidate's page, sends it through
a real SMTP server, the candidate's reply comes back through the inbound email webhook, and the
Today page shows the respond-now clock running; Reply opens the answer to what she wrote — her
message, the time she asked for, by email as she wrote — and sending it stops the clock."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.request import Request, urlopen

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rounds.candidates.actions import do_add_related, do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.candidates.models import Experience
from rounds.outreach import delivery
from rounds.outreach.choices import FollowUpStatus, MessageStatus
from rounds.outreach.models import FollowUp, Message
from tests.browser.conftest import look, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zone_at_midday() -> str:
    """A fixed-offset zone where it is about noon now, so the test never meets quiet hours."""
    hour = datetime.now(UTC).hour
    offset = 12 - hour  # local = UTC + offset
    offset = (offset + 12) % 24 - 12
    offset = max(-12, min(12, offset))  # Etc/GMT-X is UTC+X (the sign is POSIX's)
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def post_inbound_email(base: str, raw: bytes, secret: str) -> int:
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    request = Request(f"{base}/hooks/email/inbound/", data=raw, method="POST", headers={
        "Content-Type": "message/rfc822", "X-Rounds-Signature": signature})
    with urlopen(request, timeout=10) as response:
        return response.status


def test_personal_message_reply_and_the_respond_now_clock(
    live_server, browser_page, org, recruiter, settings, smtp
):
    page = browser_page
    settings.PUBLIC_URL = live_server.url
    cand = do_create_candidate(
        org.pk, actor=recruiter, first_name="Amara", last_name="Okafor",
        email="amara.okafor@example.com", phone="+14035550142", profession="physician",
        headline="Family physician", city="Calgary", region="AB", country="CA",
        specialties=["Family Medicine"], years_experience=12, time_zone=zone_at_midday(),
        preferred_channels=["email", "sms"], owner=recruiter,
    )
    do_add_related(cand, Experience, actor=recruiter, employer="Sunridge Family Clinic",
                   role="Family physician", location="Calgary, AB",
                   start_date=timezone.localdate() - timedelta(days=6 * 365))
    do_record_consent(cand, channel="email", basis=ConsentBasis.EXPRESS, actor=recruiter,
                      evidence="Asked for job news at the AFP conference")

    errors = sign_in(page, live_server.url, recruiter)
    page.goto(f"{live_server.url}/candidates/{cand.uuid}/")
    look(page, "candidate")
    page.get_by_role("link", name="Message").click()

    # The draft is personal: built from her record, framed as "you, or someone you know?".
    body = page.locator("#compose-form textarea[name=body]")
    draft = body.input_value()
    assert "Amara" in draft and "family medicine" in draft.lower()
    assert "someone you know" in draft.lower()
    assert "call" in draft.lower()
    assert "Email" in page.locator("#compose-form h2").inner_text()
    look(page, "compose")
    body.fill(draft + "\n\nP.S. Our Red Deer clinic has a full-time scribe.")
    page.locator("#compose-form button[type=submit]").click()
    page.wait_for_url(f"**/candidates/{cand.uuid}/**")
    look(page, "sent")

    # The worker sends it through the real SMTP server.
    message = Message.objects.get(candidate=cand, direction="out")
    assert message.status == MessageStatus.QUEUED, message.status_reason
    assert delivery.drain() >= 1
    [sent] = smtp.wait_for(1)
    assert "full-time scribe" in sent.get_content()
    reply_to = sent["Reply-To"]
    assert reply_to.startswith("reply+")
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Amara replies from her mail program; the provider posts it to the inbound webhook.
    reply = EmailMessage()
    reply["From"] = "Amara Okafor <amara.okafor@example.com>"
    reply["To"] = reply_to
    reply["Subject"] = "Re: " + sent["Subject"]
    reply["Message-ID"] = make_msgid(domain="example.com")
    reply["In-Reply-To"] = sent["Message-ID"]
    reply["Date"] = format_datetime(datetime.now(UTC))
    reply.set_content("Yes, I'd like to hear more. Could you call me after 5 today?\n\n"
                      "On Mon, Rita wrote:\n> Hi Amara")
    assert post_inbound_email(live_server.url, reply.as_bytes(),
                              settings.INBOUND_EMAIL_SECRET) in (200, 202)

    # Today: the reply waits with a running clock for its owner.
    page.goto(f"{live_server.url}/")
    section = page.locator("#respond-now")
    item = section.locator(".respond-item", has_text="Amara Okafor")
    item.wait_for()
    assert "call me after 5" in item.inner_text()
    clock = item.locator(".respond-clock")
    assert clock.get_attribute("data-due")
    first = clock.inner_text()
    page.wait_for_timeout(1500)
    assert clock.inner_text() != first  # the clock is counting down
    assert ":" in clock.inner_text() and "late" not in (clock.get_attribute("class") or "")
    look(page, "respond-now")

    # Reply opens the answer to her message, not a first message: what she wrote is there, the
    # draft accepts the time she asked for, and it goes by email, as she wrote.
    item.get_by_role("link", name="Reply").click()
    page.wait_for_url("**/reply/")
    look(page, "reply")
    expect(page.locator("#their-message")).to_contain_text("Could you call me after 5 today?")
    expect(page.locator("#reply-form h2")).to_have_text("Email to Amara")
    expect(page.locator("#channel-why")).to_contain_text("Amara wrote by email")
    expect(page.locator("#reading")).to_contain_text("Suggests a time: “after 5 today”")
    answer = page.locator("#reply-form textarea[name=body]")
    draft = answer.input_value()
    assert "Yes, I'll call you after 5 today." in draft
    assert "interest you" not in draft and "someone you know" not in draft
    answer.fill(draft.replace("Yes, I'll call you after 5 today.",
                              "Great, I'll call you at 5:15."))
    page.locator("#reply-form button[type=submit]").click()
    page.wait_for_url(f"**/candidates/{cand.uuid}/**")
    look(page, "replied")
    follow_up = FollowUp.objects.get(candidate=cand)
    assert follow_up.status == FollowUpStatus.DONE
    assert follow_up.response_seconds is not None and follow_up.response_seconds < 30 * 60
    # Her reply is on her timeline.
    assert page.get_by_text("call me after 5").first.is_visible()
    # The answer goes in the same conversation: a reply to hers, after the first email.
    assert delivery.drain() >= 1
    answered = smtp.wait_for(2)[1]
    assert answered["In-Reply-To"] == reply["Message-ID"]
    assert answered["References"].split() == [sent["Message-ID"], reply["Message-ID"]]
    assert answered["Reply-To"] == reply_to
    assert answered["Subject"].split() == ["Re:", *sent["Subject"].split()]
    assert "Great, I'll call you at 5:15." in answered.get_content()
    assert errors == []
