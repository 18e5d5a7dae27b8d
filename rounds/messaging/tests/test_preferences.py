"""The preference centre: a signed link, no login; channels in order, frequency, topics and
quiet hours saved through the candidate's actions; unticking revokes consent and "stop
everything" revokes every channel, in one click. The link may have been forwarded, so it never
grants consent: "yes, you may email me" emails a one-time link to the address on record, and
texts come back only by texting START. The pages identify the sender (CASL)."""

import html
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.audit.models import AuditEvent
from rounds.candidates.actions import current_consent
from rounds.candidates.choices import CandidateStatus, ConsentBasis, ContactFrequency
from rounds.candidates.models import ConsentRecord

from .. import delivery, links, optout, outbox
from ..choices import MessageKind, MessageStatus, SuppressionReason
from ..models import Message, Suppression
from .conftest import NOON_EDMONTON


def tomorrow_noon():
    """11:00 in Edmonton tomorrow: inside every window, after any consent recorded now."""
    day = timezone.now().date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 18, 0, tzinfo=UTC)


def consent_links(candidate) -> list:
    return list(Message.objects.filter(candidate=candidate, purpose=optout.ASKED_CONSENT_LINK)
                .order_by("id"))


def confirm_path(body: str) -> str:
    found = re.search(r"https?://[^/\s]+(/o/confirm/[^\s]+/)", body)
    assert found, body
    return found.group(1)


def path_for(candidate) -> str:
    return reverse("messaging_public:preferences",
                   args=[links.make_token(links.PREFERENCES, candidate.uuid.hex)])


def form_data(**overrides) -> dict:
    data = {"use_email": "on", "rank_email": "2", "use_sms": "on", "rank_sms": "1",
            "rank_call": "3", "frequency": ContactFrequency.MONTHLY,
            "topics": ["jobs", "locums"], "quiet_start": "", "quiet_end": "", "save": "1"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_page_shows_first_name_and_organization_only(client, reachable):
    response = client.get(path_for(reachable))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hi Amara" in page and "Prairie Family Clinics" in page
    for private in ("Okafor", "amara.okafor@example.com", "403", "Calgary", "Family physician"):
        assert private not in page
    assert "topbar" not in page and "Sign out" not in page  # no app chrome
    assert 'name="viewport"' in page


def test_saving_channels_frequency_topics_and_quiet_hours(client, reachable):
    response = client.post(path_for(reachable), form_data(quiet_start="21:30",
                                                          quiet_end="07:00"), follow=True)

    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    reachable.refresh_from_db()
    assert reachable.preferred_channels == ["sms", "email"]
    assert reachable.contact_frequency == ContactFrequency.MONTHLY
    assert reachable.muted_topics == ["news"]
    assert (reachable.quiet_hours_start, reachable.quiet_hours_end) == (time(21, 30), time(7, 0))
    # Nothing was unticked that they had agreed to: consent unchanged.
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS
    event = AuditEvent.objects.filter(candidate_id=reachable.pk, via="prefs").latest("id")
    assert "contact_frequency" in event.changes


def test_muted_topic_stops_messages_about_it(client, reachable):
    client.post(path_for(reachable), form_data(topics=["jobs"]))
    reachable.refresh_from_db()
    news = outbox.queue_message(reachable, channel="email", subject="Newsletter", body="News",
                                idempotency_key="n1", topic="news", at=NOON_EDMONTON,
                                    purpose="outreach.message")
    assert news.status == MessageStatus.DROPPED


def test_unticking_a_channel_revokes_its_consent(client, reachable, org):
    client.post(path_for(reachable), form_data(use_sms=None))

    record = current_consent(reachable, "sms")
    assert record.basis == ConsentBasis.REVOKED
    assert "preference centre" in record.evidence
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    assert Suppression.objects.filter(organization=org, channel="sms").exists()
    reachable.refresh_from_db()
    assert reachable.preferred_channels == ["email"]


def test_reticking_a_revoked_channel_does_not_grant_consent_by_itself(client, reachable):
    client.post(path_for(reachable), form_data(use_sms=None))

    client.post(path_for(reachable), form_data())  # ticked again, no explicit yes

    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    text = outbox.queue_message(reachable, channel="sms", body="Hi", idempotency_key="t1",
                                at=tomorrow_noon(), purpose="outreach.message")
    assert text.status == MessageStatus.DROPPED


def test_texts_are_given_back_by_texting_start_not_by_a_box(client, reachable, settings):
    settings.SMS_FROM_NUMBER = "+15875550100"
    client.post(path_for(reachable), form_data(use_sms=None))

    page = client.get(path_for(reachable)).content.decode()
    assert "text <strong>START</strong> to +15875550100" in page
    assert 'name="consent_sms"' not in page
    client.post(path_for(reachable), form_data(consent_sms="on"))  # a forged box: ignored
    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED


def test_a_forwarded_link_alone_changes_nothing_but_opt_outs(client, reachable, org):
    """Whoever holds the link (it is in every message) can take contact away, never give it:
    every "yes" box ticked leaves consent and suppressions as they were, and only emails a
    confirmation link to the address on record."""
    from .. import optout

    optout.do_opt_out(reachable, "email", via=optout.VIA_ONE_CLICK)
    optout.do_opt_out(reachable, "sms", via=optout.VIA_SMS)
    records = ConsentRecord.objects.filter(candidate=reachable).count()
    suppressed = set(Suppression.objects.values_list("channel", "address", "reason"))

    response = client.post(path_for(reachable), form_data(
        use_call="on", consent_email="on", consent_sms="on", consent_call="on"), follow=True)

    assert response.status_code == 200
    assert ConsentRecord.objects.filter(candidate=reachable).count() == records
    assert set(Suppression.objects.values_list("channel", "address", "reason")) == suppressed
    for channel in ("email", "sms"):
        assert current_consent(reachable, channel).basis == ConsentBasis.REVOKED
    assert current_consent(reachable, "call") is None
    links_sent = consent_links(reachable)
    assert {m.to_address for m in links_sent} == {"amara.okafor@example.com"}
    assert len(links_sent) == 2  # email and calls; texts need START
    page = html.unescape(response.content.decode())
    assert "We've emailed you a link to confirm email" in page
    assert "We've emailed you a link to confirm phone calls" in page
    # Unticking still works at once from the same link.
    client.post(path_for(reachable), form_data(use_call=None, use_email=None, use_sms=None))
    assert current_consent(reachable, "call") is None  # nothing to take away


def test_the_emailed_link_confirms_consent_and_lifts_the_unsubscribe(
    client, reachable, org, mailoutbox
):
    optout.do_opt_out(reachable, "email", via=optout.VIA_ONE_CLICK)
    client.post(path_for(reachable), form_data(consent_email="on"))
    [message] = consent_links(reachable)
    # Through the outbox like every message: asked for by the person, so the unsubscribe it
    # exists to lift doesn't stop it.
    assert message.status == MessageStatus.QUEUED
    assert message.kind == MessageKind.REQUESTED

    assert delivery.drain() == 1
    assert delivery.drain() == 0  # sent once
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    [mail] = mailoutbox
    assert mail.to == ["amara.okafor@example.com"]
    assert "List-Unsubscribe" not in mail.extra_headers  # not marketing
    assert "4920 51 St, Red Deer" in mail.body  # identified like every email
    confirm = confirm_path(mail.body)

    page = client.get(confirm)  # a mail scanner's prefetch changes nothing
    assert page.status_code == 200
    assert "Yes, Prairie Family Clinics may contact me by email" in page.content.decode()
    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED

    done = client.post(confirm)

    assert done.status_code == 200 and "Thank you" in done.content.decode()
    record = current_consent(reachable, "email")
    assert record.basis == ConsentBasis.EXPRESS
    assert "Confirmed by the link emailed to amara.okafor@example.com" in record.evidence
    assert not Suppression.objects.filter(organization=org, channel="email").exists()
    later = outbox.queue_message(reachable, channel="email", subject="Banff", body="A locum?",
                                 idempotency_key="after", at=tomorrow_noon(),
                                     purpose="outreach.message")
    assert later.status == MessageStatus.QUEUED
    # One use only.
    again = client.post(confirm)
    assert again.status_code == 410
    assert ConsentRecord.objects.filter(candidate=reachable, channel="email",
                                        basis=ConsentBasis.EXPRESS).count() == 2


def test_the_link_cannot_be_replayed_after_a_later_opt_out(client, reachable, mailoutbox):
    from .. import optout

    optout.do_opt_out(reachable, "email", via=optout.VIA_ONE_CLICK)
    client.post(path_for(reachable), form_data(consent_email="on"))
    delivery.drain()
    confirm = confirm_path(mailoutbox[0].body)
    client.post(confirm)
    optout.do_opt_out(reachable, "email", via=optout.VIA_ONE_CLICK)  # they changed their mind

    replay = client.post(confirm)

    assert replay.status_code == 410
    assert "can't be used any more" in html.unescape(replay.content.decode())
    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED
    assert Suppression.objects.filter(channel="email").exists()


def test_a_link_for_an_old_address_is_stale(client, reachable, mailoutbox, recruiter):
    from rounds.candidates.actions import do_update_candidate

    from .. import optout

    optout.do_opt_out(reachable, "email", via=optout.VIA_ONE_CLICK)
    client.post(path_for(reachable), form_data(consent_email="on"))
    delivery.drain()
    do_update_candidate(reachable, actor=recruiter, email="amara@newclinic.example")

    assert client.post(confirm_path(mailoutbox[0].body)).status_code == 410
    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED


def test_a_confirmed_link_never_lifts_a_hard_bounce(client, reachable, org):
    from .. import optout

    optout.do_opt_out(reachable, "email", via=optout.VIA_RECRUITER)
    Suppression.objects.filter(organization=org, channel="email").update(
        reason=SuppressionReason.HARD_BOUNCE)

    response = client.post(path_for(reachable), form_data(consent_email="on"), follow=True)
    assert "can't write to the email address we have" in html.unescape(
        response.content.decode())
    assert not consent_links(reachable)  # we don't write to a bounced address
    # Even with a link made some other way, the bounce stays.
    token = optout.consent_token(reachable, "email")
    client.post(reverse("messaging_public:consent", args=[token]))
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    assert Suppression.objects.get(organization=org, channel="email").reason == (
        SuppressionReason.HARD_BOUNCE)


def test_calls_are_confirmed_by_the_emailed_link_too(client, reachable, mailoutbox):

    assert current_consent(reachable, "call") is None
    client.post(path_for(reachable), form_data(use_call="on", rank_call="1", rank_sms="2",
                                               rank_email="3"))
    assert current_consent(reachable, "call") is None
    reachable.refresh_from_db()
    assert reachable.preferred_channels == ["call", "sms", "email"]
    client.post(path_for(reachable), form_data(use_call="on", consent_call="on"))
    assert current_consent(reachable, "call") is None
    delivery.drain()
    client.post(confirm_path(mailoutbox[0].body))
    assert current_consent(reachable, "call").basis == ConsentBasis.EXPRESS


def test_asking_twice_within_minutes_sends_one_link(client, reachable):
    from .. import optout

    optout.do_opt_out(reachable, "email", via=optout.VIA_ONE_CLICK)
    client.post(path_for(reachable), form_data(consent_email="on"))
    again = client.post(path_for(reachable), form_data(consent_email="on"), follow=True)
    assert len(consent_links(reachable)) == 1
    assert "a few minutes ago" in again.content.decode()


@pytest.mark.parametrize("token", ["garbage", "abc:def:ghi"])
def test_an_altered_confirmation_link_is_a_404(client, reachable, token):
    path = reverse("messaging_public:consent", args=[token])
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_a_preferences_token_is_not_a_confirmation_link(client, reachable):
    token = links.make_token(links.PREFERENCES, reachable.uuid.hex)
    assert client.post(reverse("messaging_public:consent", args=[token])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_confirmation_email_goes_through_the_outbox_worker(
    client, reachable, mailoutbox, run_tasks
):
    from .. import optout

    optout.do_opt_out(reachable, "email", via=optout.VIA_ONE_CLICK)
    client.post(path_for(reachable), form_data(consent_email="on"))
    run_tasks()
    assert [m.to for m in mailoutbox] == [["amara.okafor@example.com"]]
    assert consent_links(reachable)[0].status == MessageStatus.SENT


def test_pages_identify_the_sender_with_address_and_contact(client, reachable, org):
    from ..models import OutreachSettings

    OutreachSettings.objects.create(organization=org, contact_phone="1-800-555-0199",
                                    sender_name="Rita at Prairie")
    page = client.get(path_for(reachable)).content.decode()
    assert "4920 51 St, Red Deer, AB T4N 6K8" in page
    assert "Contact: 1-800-555-0199" in page
    assert "Rita at Prairie, for <strong>Prairie Family Clinics</strong>" in page


def test_without_a_phone_the_contact_is_the_sender_address(client, reachable, org):
    from ..models import OutreachSettings

    OutreachSettings.objects.create(organization=org, sender_email="jobs@prairie.test")
    assert "Contact: jobs@prairie.test" in client.get(path_for(reachable)).content.decode()


def test_stop_everything_revokes_every_channel(client, reachable):
    response = client.post(path_for(reachable), {"stop_everything": "1"}, follow=True)

    assert response.status_code == 200
    assert "won't contact you" in response.content.decode()
    for channel in ("email", "sms", "call"):
        assert current_consent(reachable, channel).basis == ConsentBasis.REVOKED
    reachable.refresh_from_db()
    assert reachable.status == CandidateStatus.PASSIVE


def test_half_given_quiet_hours_name_the_field(client, reachable):
    response = client.post(path_for(reachable), form_data(quiet_start="22:00"))
    assert response.status_code == 200
    assert "Give both the start and the end of quiet hours" in response.content.decode()
    reachable.refresh_from_db()
    assert reachable.quiet_hours_start is None
    assert reachable.contact_frequency == ContactFrequency.ANY  # nothing half-saved


def test_a_bad_frequency_is_refused_with_its_field(client, reachable):
    response = client.post(path_for(reachable), form_data(frequency="hourly"))
    assert "Choose how often we may write." in response.content.decode()


@pytest.mark.parametrize("token", [
    "garbage",
    "00000000000000000000000000000000:abc",
])
def test_a_forged_link_is_a_404(client, reachable, token):
    path = reverse("messaging_public:preferences", args=[token])
    assert client.get(path).status_code == 404
    assert client.post(path, {"stop_everything": "1"}).status_code == 404
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS


def test_an_unsubscribe_token_does_not_open_the_preference_centre(client, reachable):
    token = links.make_token(links.UNSUBSCRIBE, reachable.uuid.hex)
    path = reverse("messaging_public:preferences", args=[token])
    assert client.get(path).status_code == 404


def test_the_link_from_links_module_opens_the_page(client, reachable):
    from urllib.parse import urlsplit

    assert client.get(urlsplit(links.preferences_url(reachable)).path).status_code == 200
