"""The preference centre: a signed link, no login; channels in order, frequency, topics and
quiet hours saved through the candidate's actions; unticking revokes consent, re-ticking
doesn't grant it without an explicit yes; "stop everything" revokes every channel."""

from datetime import time

import pytest
from django.urls import reverse

from rounds.audit.models import AuditEvent
from rounds.candidates.actions import current_consent
from rounds.candidates.choices import CandidateStatus, ConsentBasis, ContactFrequency
from rounds.outreach import links, outbox
from rounds.outreach.choices import MessageStatus
from rounds.outreach.models import Suppression

from .conftest import NOON_EDMONTON


def path_for(candidate) -> str:
    return reverse("outreach_public:preferences",
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
                                idempotency_key="n1", topic="news", at=NOON_EDMONTON)
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
    page = client.get(path_for(reachable)).content.decode()
    assert "Yes, you may contact me by text messages" in page

    client.post(path_for(reachable), form_data())  # ticked again, no explicit yes

    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    text = outbox.queue_message(reachable, channel="sms", body="Hi", idempotency_key="t1",
                                at=NOON_EDMONTON)
    assert text.status == MessageStatus.DROPPED


def test_the_explicit_yes_box_grants_express_consent(client, reachable, org):
    client.post(path_for(reachable), form_data(use_sms=None))
    client.post(path_for(reachable), form_data(consent_sms="on"))

    record = current_consent(reachable, "sms")
    assert record.basis == ConsentBasis.EXPRESS
    assert "Yes, you may contact me by text messages" in record.evidence
    assert not Suppression.objects.filter(organization=org, channel="sms").exists()
    text = outbox.queue_message(reachable, channel="sms", body="Hi", idempotency_key="t2",
                                at=NOON_EDMONTON)
    assert text.status == MessageStatus.QUEUED


def test_calls_need_the_explicit_yes_too(client, reachable):
    assert current_consent(reachable, "call") is None
    client.post(path_for(reachable), form_data(use_call="on", rank_call="1", rank_sms="2",
                                               rank_email="3"))
    assert current_consent(reachable, "call") is None
    reachable.refresh_from_db()
    assert reachable.preferred_channels == ["call", "sms", "email"]
    client.post(path_for(reachable), form_data(use_call="on", consent_call="on"))
    assert current_consent(reachable, "call").basis == ConsentBasis.EXPRESS


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
    path = reverse("outreach_public:preferences", args=[token])
    assert client.get(path).status_code == 404
    assert client.post(path, {"stop_everything": "1"}).status_code == 404
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS


def test_an_unsubscribe_token_does_not_open_the_preference_centre(client, reachable):
    token = links.make_token(links.UNSUBSCRIBE, reachable.uuid.hex)
    path = reverse("outreach_public:preferences", args=[token])
    assert client.get(path).status_code == 404


def test_the_link_from_links_module_opens_the_page(client, reachable):
    from urllib.parse import urlsplit

    assert client.get(urlsplit(links.preferences_url(reachable)).path).status_code == 200
