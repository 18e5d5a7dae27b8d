"""Writing to one candidate: the compose page (channel and why, the draft, what will happen),
sending once per form, refused channels, one-click preferences, the thread panel and each
message's page; tenancy and roles on every route."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from rounds.candidates.actions import current_consent, do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.followups.choices import FollowUpStatus
from rounds.followups.models import FollowUp
from rounds.messaging.choices import MessageStatus
from rounds.messaging.models import Message
from rounds.messaging.outbox import queue_message
from rounds.pipeline.actions import do_add_to_pipeline

from ..actions import do_record_channel_preference, do_send_message
from .conftest import MIDNIGHT_EDMONTON, NOON_EDMONTON

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def noon(monkeypatch):
    """The clock at 11:00 in Edmonton: inside every sending window."""
    monkeypatch.setattr(timezone, "now", lambda: NOON_EDMONTON)
    return NOON_EDMONTON


@pytest.fixture
def midnight(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MIDNIGHT_EDMONTON)
    return MIDNIGHT_EDMONTON


@pytest.fixture
def email_only(org, recruiter):
    """Consent by email only: texts are refused."""
    cand = do_create_candidate(
        org.pk, actor=recruiter, first_name="Noor", last_name="Haddad", email="noor@example.com",
        phone="+14035550177", profession="nurse_practitioner", city="Calgary", region="AB",
        country="CA", time_zone="America/Edmonton", preferred_channels=["sms", "email"],
        specialties=["Primary care"],
    )
    do_record_consent(cand, channel="email", basis=ConsentBasis.EXPRESS, actor=recruiter,
                      evidence="Career fair", obtained_at=NOON_EDMONTON - timedelta(days=30))
    return cand


def compose_url(candidate, **query):
    url = reverse("outreach:compose", args=[candidate.uuid])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def send(client, candidate, **data):
    form = {"channel": "email", "subject": "Hello", "body": "Would you have 10 minutes?",
            "nonce": "n-1", **data}
    return client.post(reverse("outreach:compose", args=[candidate.uuid]), form)


# --- the compose page ---------------------------------------------------------------------------

def test_compose_shows_the_channel_why_the_draft_and_what_will_happen(login, recruiter,
                                                                      reachable, noon):
    response = login(recruiter).get(compose_url(reachable))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Email: Amara&#x27;s first choice." in html
    assert "Text message: write this instead" in html
    assert "When you send:</strong> Goes now." in html
    # The draft from the record, prefilled and editable.
    assert "Hi Amara," in html and "Family Medicine" in html
    assert "you, or someone you know?" in html
    assert "What this draft rests on" in html and "Specialty: Family Medicine" in html
    assert 'name="nonce"' in html


def test_a_refused_channel_is_shown_with_its_reason_and_cannot_be_picked(login, recruiter,
                                                                         email_only, noon):
    client = login(recruiter)
    html = client.get(compose_url(email_only)).content.decode()
    # Their first choice (texts) has no consent: email is chosen, and the page says why.
    assert "Email: next in Noor&#x27;s order. Skipped text messages: No consent on record " \
           "for text messages (CASL)." in html
    assert "Text message: refused" in html
    html = client.get(compose_url(email_only, channel="sms")).content.decode()
    assert "Send text message</button>" in html and "disabled" in html
    response = send(client, email_only, channel="sms", subject="", nonce="sms-1")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Can&#x27;t send by text message: No consent on record for text messages (CASL)." \
           in html
    assert "You can&#x27;t pick a channel the candidate refused." in html
    assert not Message.objects.exists()


def test_sending_queues_one_message_and_returns_to_the_candidate(login, recruiter, reachable,
                                                                 noon):
    client = login(recruiter)
    response = send(client, reachable, subject="Family physician role",
                    body="Hi Amara — you, or someone you know?", nonce="abc123")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("candidates:detail", args=[reachable.uuid]))
    message = Message.objects.get()
    assert (message.status, message.channel, message.idempotency_key) == (
        MessageStatus.QUEUED, "email", "manual:abc123")
    assert message.subject == "Family physician role" and message.created_by == recruiter
    assert message.to_address == "amara.okafor@example.com"
    page = client.get(response["Location"]).content.decode()
    assert "Your email to Amara Okafor is on its way." in page
    # The same form again (a double click): still one message.
    assert send(client, reachable, nonce="abc123").status_code == 302
    assert Message.objects.count() == 1


def test_at_night_the_page_says_held_and_the_message_waits(login, recruiter, reachable,
                                                          midnight):
    client = login(recruiter)
    html = client.get(compose_url(reachable)).content.decode()
    assert "When you send:</strong> Held: Outside Amara&#x27;s hours" in html
    response = send(client, reachable, nonce="night")
    message = Message.objects.get()
    assert message.status == MessageStatus.HELD and message.send_after > midnight
    page = client.get(response["Location"]).content.decode()
    assert "is held: Outside Amara" in page


def test_a_template_is_rendered_with_the_candidates_context(login, recruiter, reachable, org,
                                                           noon):
    from ..actions import do_save_template

    t = do_save_template(org.pk, actor=recruiter, name="Nudge", channel="sms",
                         body="Hi {{ candidate.name }}, {{ sender.first_name }} here about "
                              "{{ candidate.specialty }}.")
    html = login(recruiter).get(compose_url(reachable, template=t.pk)).content.decode()
    assert "Hi Amara, Rita here about Family Medicine." in html
    assert "Text message" in html and "from “Nudge”" in html


def test_a_template_that_fails_for_this_candidate_is_a_form_error_not_a_500(
        login, recruiter, reachable, org, noon):
    from ..models import MessageTemplate

    # Saved before templates were rendered at save: an int as pluralize's argument raises.
    t = MessageTemplate.objects.create(
        organization=org, name="Years", channel="email", subject="Hi",
        body="{{ candidate.years_experience }} year{{ candidate.city|pluralize:"
             "candidate.years_experience }}")
    response = login(recruiter).get(compose_url(reachable, template=t.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "“Years” can&#x27;t be used for Amara Okafor. The template could not be filled in " \
           "for this candidate: TypeError" in html
    assert "Fix the template, or write the message yourself." in html
    assert not Message.objects.exists()


def test_a_template_saved_with_a_filter_no_longer_allowed_is_a_form_error(login, recruiter,
                                                                         reachable, org, noon):
    from ..models import MessageTemplate

    t = MessageTemplate.objects.create(
        organization=org, name="Round", channel="email", subject="Hi",
        body="{% if candidate.years_experience|divisibleby:5 %}A round number!{% endif %}")
    response = login(recruiter).get(compose_url(reachable, template=t.pk))
    assert response.status_code == 200
    assert "The filter “divisibleby” isn&#x27;t available in messages" in (
        response.content.decode())


@pytest.mark.parametrize("query", ["job=garbage", "job=12", "application=garbage",
                                   "template=abc"])
def test_garbage_in_the_query_string_is_a_404(login, recruiter, reachable, noon, query):
    client = login(recruiter)
    url = reverse("outreach:compose", args=[reachable.uuid]) + "?" + query
    assert client.get(url).status_code == 404
    field, value = query.split("=")
    assert send(client, reachable, **{field: value}).status_code == 404
    assert not Message.objects.exists()


def test_a_template_on_a_muted_topic_is_refused_for_that_candidate(login, recruiter, reachable,
                                                                   org, noon):
    from ..actions import do_save_template

    reachable.muted_topics = ["news"]
    reachable.save()
    news = do_save_template(org.pk, actor=recruiter, name="Open house", topic="news",
                            subject="Open house on Friday", body="Hi {{ candidate.name }}!")
    jobs = do_save_template(org.pk, actor=recruiter, name="Role", subject="A role",
                            body="Hi {{ candidate.name }}")
    client = login(recruiter)
    html = client.get(compose_url(reachable, template=news.pk)).content.decode()
    assert "Email: refused" in html and "muted this topic (news)" in html
    response = send(client, reachable, nonce="news-1", template=news.pk)
    assert response.status_code == 400
    assert "muted this topic (news)" in response.content.decode()
    assert not Message.objects.exists()
    # The same person, a jobs template: it goes, recorded as jobs.
    assert send(client, reachable, nonce="jobs-1", template=jobs.pk).status_code == 302
    message = Message.objects.get()
    assert (message.topic, message.purpose, message.ref_id, message.status) == (
        "jobs", "outreach.message", jobs.pk, MessageStatus.QUEUED)


def test_the_action_takes_the_templates_topic(recruiter, reachable, org, noon):
    from ..actions import do_save_template

    reachable.muted_topics = ["news"]
    reachable.save()
    news = do_save_template(org.pk, actor=recruiter, name="Open house", topic="news",
                            subject="Open house", body="Hi")
    with pytest.raises(ValidationError) as info:
        do_send_message(reachable, actor=recruiter, channel="email", subject="Open house",
                        body="Hi", template=news, nonce="n-news")
    assert "muted this topic (news)" in info.value.message_dict["channel"][0]
    assert not Message.objects.exists()


def test_sending_answers_the_candidates_respond_now_item(login, recruiter, reachable, job,
                                                         noon):
    from rounds.followups import actions as followups

    application = do_add_to_pipeline(reachable, job, actor=recruiter)
    item = followups.open_for_application(application)
    FollowUp.objects.filter(pk=item.pk).update(opened_at=noon - timedelta(minutes=12))
    send(login(recruiter), reachable, nonce="reply-1", application=application.pk)
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE and item.response_seconds == 12 * 60
    assert Message.objects.get().application == application


# --- who may write ------------------------------------------------------------------------------

def test_read_only_gets_403_and_sends_nothing(login, read_only, reachable, noon):
    client = login(read_only)
    assert client.get(compose_url(reachable)).status_code == 403
    assert send(client, reachable).status_code == 403
    assert not Message.objects.exists()


def test_outsider_gets_404_on_every_route_and_changes_nothing(login, outsider, reachable, noon,
                                                              recruiter):
    message = queue_message(reachable, channel="email", subject="s", body="b",
                            idempotency_key="k1", actor=recruiter, purpose="outreach.message")
    client = login(outsider)
    assert client.get(compose_url(reachable)).status_code == 404
    assert send(client, reachable, nonce="out").status_code == 404
    assert client.get(reverse("outreach:thread", args=[reachable.uuid])).status_code == 404
    assert client.post(reverse("outreach:preference", args=[reachable.uuid]),
                       {"preference": "no_email"}).status_code == 404
    assert client.get(reverse("outreach:message", args=[message.uuid])).status_code == 404
    assert client.post(reverse("outreach:message_resend",
                               args=[message.uuid])).status_code == 404
    assert Message.objects.count() == 1
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS


def test_hiring_manager_writes_only_to_the_people_of_their_jobs(login, hiring_manager, hm_job,
                                                                other_job, reachable, recruiter,
                                                                email_only, noon):
    do_add_to_pipeline(reachable, hm_job, actor=recruiter)
    do_add_to_pipeline(email_only, other_job, actor=recruiter)
    client = login(hiring_manager)
    assert client.get(compose_url(reachable)).status_code == 200
    assert send(client, reachable, nonce="hm-1").status_code == 302
    assert client.get(compose_url(email_only)).status_code == 404
    assert send(client, email_only, nonce="hm-2").status_code == 404
    assert Message.objects.get().candidate == reachable


def test_the_action_itself_refuses_a_candidate_the_actor_cannot_see(outsider, reachable, noon):
    with pytest.raises(PermissionDenied):
        do_send_message(reachable, actor=outsider, channel="email", subject="s", body="b",
                        nonce="x")
    assert not Message.objects.exists()


def test_bad_input_is_named(reachable, recruiter, noon):
    with pytest.raises(ValidationError) as info:
        do_send_message(reachable, actor=recruiter, channel="call", subject="", body=" ",
                        nonce="")
    assert set(info.value.message_dict) == {"channel", "body", "nonce"}
    with pytest.raises(ValidationError) as info:
        do_send_message(reachable, actor=recruiter, channel="email", subject="", body="Hi",
                        nonce="n")
    assert set(info.value.message_dict) == {"subject"}


# --- what they said about being reached ---------------------------------------------------------

def test_text_me_moves_texts_first_and_records_express_consent(login, recruiter, email_only,
                                                               noon):
    email_only.preferred_channels = ["email", "call", "sms"]
    email_only.save()
    response = login(recruiter).post(reverse("outreach:preference", args=[email_only.uuid]),
                                     {"preference": "prefers_sms"}, **HTMX)
    assert response.status_code == 200
    assert "Prefers text: text comes first, with express consent." in response.content.decode()
    email_only.refresh_from_db()
    assert email_only.preferred_channels == ["sms", "email", "call"]
    consent = current_consent(email_only, "sms")
    assert consent.basis == ConsentBasis.EXPRESS
    assert consent.evidence == "Said in conversation with Rita Recruiter"
    assert consent.recorded_by == recruiter


def test_dont_email_revokes_consent_leaves_the_order_and_cancels_waiting_mail(
        login, recruiter, reachable, midnight):
    waiting = queue_message(reachable, channel="email", subject="s", body="b",
                            idempotency_key="wait-1", actor=recruiter, purpose="outreach.message")
    assert waiting.status == MessageStatus.HELD
    response = login(recruiter).post(reverse("outreach:preference", args=[reachable.uuid]),
                                     {"preference": "no_email"})
    assert response.status_code == 302
    reachable.refresh_from_db()
    assert reachable.preferred_channels == ["sms"]
    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED
    waiting.refresh_from_db()
    assert waiting.status == MessageStatus.CANCELLED
    assert "said “don't email”" in waiting.status_reason
    # And from now on email is refused on the compose page.
    html = login(recruiter).get(compose_url(reachable)).content.decode()
    assert "Email: refused" in html


def test_dont_call_revokes_call_consent_only(reachable, recruiter, noon):
    reachable.preferred_channels = ["call", "email"]
    reachable.save()
    done = do_record_channel_preference(reachable, actor=recruiter, preference="no_call")
    assert done == "Don't call: consent for call withdrawn."
    reachable.refresh_from_db()
    assert reachable.preferred_channels == ["email"]
    assert current_consent(reachable, "call").basis == ConsentBasis.REVOKED
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS


def test_preferences_are_for_editors(login, read_only, hiring_manager, recruiter, reachable,
                                     noon):
    for user in (read_only, hiring_manager):
        response = login(user).post(reverse("outreach:preference", args=[reachable.uuid]),
                                    {"preference": "no_sms"})
        assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        do_record_channel_preference(reachable, actor=read_only, preference="no_sms")
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS
    with pytest.raises(ValidationError) as info:
        do_record_channel_preference(reachable, actor=recruiter, preference="fax me")
    assert list(info.value.message_dict) == ["preference"]
    response = login(recruiter).post(reverse("outreach:preference", args=[reachable.uuid]),
                                     {"preference": "fax me"}, **HTMX)
    assert response.status_code == 400
    assert "Choose what the candidate said." in response.content.decode()


# --- the thread panel and the candidate page ----------------------------------------------------

def test_candidate_page_has_a_message_button_and_loads_the_thread(login, recruiter, reachable):
    html = login(recruiter).get(reverse("candidates:detail", args=[reachable.uuid])
                                ).content.decode()
    assert reverse("outreach:compose", args=[reachable.uuid]) in html
    assert f'hx-get="{reverse("outreach:thread", args=[reachable.uuid])}"' in html


def test_thread_shows_status_and_why(login, recruiter, reachable, read_only, midnight):
    held = queue_message(reachable, channel="email", subject="Held one", body="b",
                         idempotency_key="h", actor=recruiter, purpose="outreach.message")
    dropped = queue_message(reachable, channel="sms", body="Dropped one", idempotency_key="d",
                            actor=recruiter, purpose="outreach.message")
    Message.objects.filter(pk=dropped.pk).update(status=MessageStatus.DROPPED,
                                                 status_reason="Amara opted out of texts.")
    unknown = queue_message(reachable, channel="sms", body="Unsure one", idempotency_key="u",
                            actor=recruiter, purpose="outreach.message")
    Message.objects.filter(pk=unknown.pk).update(status=MessageStatus.UNKNOWN)
    response = login(read_only).get(reverse("outreach:thread", args=[reachable.uuid]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Held one" in html and "Held until" in html and escape(held.status_reason) in html
    assert "Not sent: Amara opted out of texts." in html
    assert "May have been sent" in html
    assert "They said:" not in html  # read-only: no preference buttons


# --- one message and "send again" ---------------------------------------------------------------

def test_message_page_and_send_again_for_unknown(login, recruiter, reachable, noon):
    message = queue_message(reachable, channel="sms", body="Are you free Friday?",
                            idempotency_key="m1", actor=recruiter, purpose="outreach.message")
    client = login(recruiter)
    html = client.get(reverse("outreach:message", args=[message.uuid])).content.decode()
    assert "Are you free Friday?" in html and "Send again" not in html
    assert client.post(reverse("outreach:message_resend", args=[message.uuid])
                       ).status_code == 302
    assert Message.objects.count() == 1  # only an UNKNOWN message can be sent again
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.UNKNOWN)
    html = client.get(reverse("outreach:message", args=[message.uuid])).content.decode()
    assert "May have been sent" in html and "Send again" in html
    response = client.post(reverse("outreach:message_resend", args=[message.uuid]))
    again = Message.objects.exclude(pk=message.pk).get()
    assert response["Location"] == reverse("outreach:message", args=[again.uuid])
    assert again.body == "Are you free Friday?" and again.status == MessageStatus.QUEUED
    client.post(reverse("outreach:message_resend", args=[message.uuid]))
    assert Message.objects.count() == 2  # twice is still once


def test_read_only_sees_a_message_but_cannot_send_it_again(login, read_only, recruiter,
                                                           reachable, noon):
    message = queue_message(reachable, channel="sms", body="b", idempotency_key="m2",
                            actor=recruiter, purpose="outreach.message")
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.UNKNOWN)
    client = login(read_only)
    html = client.get(reverse("outreach:message", args=[message.uuid])).content.decode()
    assert "Send again" not in html
    assert client.post(reverse("outreach:message_resend", args=[message.uuid])
                       ).status_code == 403
    assert Message.objects.count() == 1


def test_thread_panel_queries_do_not_grow_with_messages(login, recruiter, reachable, noon):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(recruiter)
    url = reverse("outreach:thread", args=[reachable.uuid])
    counts = []
    for n in (2, 12):
        for i in range(n - Message.objects.count()):
            queue_message(reachable, channel="email", subject=f"s{i}", body="b",
                          idempotency_key=f"q{n}-{i}", actor=recruiter, purpose="outreach.message")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
