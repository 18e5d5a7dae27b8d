"""The outreach JSON API: templates (400 naming an unknown field), drafts, sending a message
once per Idempotency-Key (400 with the reason when the channel is refused), a candidate's
messages; tenancy and roles on every route."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.accounts.actions import do_create_api_token
from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.messaging.choices import MessageStatus
from rounds.messaging.models import Message
from rounds.pipeline.actions import do_add_to_pipeline

from ..actions import do_save_template
from ..models import MessageTemplate
from .conftest import NOON_EDMONTON

BASE = "/api/outreach"


@pytest.fixture(autouse=True)
def noon(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOON_EDMONTON)
    return NOON_EDMONTON


def call(client, method, path, body=None, **headers):
    kwargs = dict(headers)
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    response = getattr(client, method)(path, **kwargs)
    return response.status_code, (response.json() if response.content else None)


MESSAGE = {"channel": "email", "subject": "A role in Red Deer",
           "body": "Hi Amara — you, or someone you know?"}


# --- templates ----------------------------------------------------------------------------------

def test_create_and_list_templates(login, recruiter, org):
    client = login(recruiter)
    status, body = call(client, "post", f"{BASE}/templates", {
        "name": "Intro", "subject": "Hi {{ candidate.name }}", "body": "{{ job.title }}?"})
    assert status == 201, body
    assert body["version"] == 1 and body["channel"] == "email"
    status, body = call(client, "get", f"{BASE}/templates")
    assert status == 200 and [t["name"] for t in body["items"]] == ["Intro"]


def test_unknown_field_is_400_naming_the_field_and_the_part(login, recruiter):
    status, body = call(login(recruiter), "post", f"{BASE}/templates", {
        "name": "Oops", "subject": "Hi", "body": "About {{ candidate.specialy }}"})
    assert status == 400
    assert body["errors"] == {"body": ["Unknown field “candidate.specialy” in the body: did you "
                                       "mean candidate.specialty?"]}
    assert body["detail"].startswith("body: Unknown field “candidate.specialy”")
    assert not MessageTemplate.objects.exists()


def test_templates_are_written_by_editors_and_read_within_the_organization(
        login, read_only, outsider, recruiter, org):
    do_save_template(org.pk, actor=recruiter, name="Ours", subject="s", body="b")
    status, _ = call(login(read_only), "post", f"{BASE}/templates",
                     {"name": "X", "subject": "s", "body": "b"})
    assert status == 403
    status, body = call(login(outsider), "get", f"{BASE}/templates")
    assert status == 200 and body["items"] == []
    assert MessageTemplate.objects.count() == 1


# --- drafts -------------------------------------------------------------------------------------

def test_draft_for_a_candidate_with_the_channel_and_why(login, recruiter, reachable, job):
    status, body = call(login(recruiter), "get",
                        f"{BASE}/candidates/{reachable.uuid}/draft?job={job.uuid}")
    assert status == 200, body
    assert body["channel"] == body["chosen_channel"] == "email"
    assert body["why"] == "Email: Amara's first choice."
    assert body["body"].startswith("Hi Amara,") and "you, or someone you know?" in body["body"]
    assert "Specialty: Family Medicine" in body["facts"]
    assert {o["channel"]: o["action"] for o in body["options"]} == {"email": "send",
                                                                  "sms": "send"}
    status, body = call(login(recruiter), "get",
                        f"{BASE}/candidates/{reachable.uuid}/draft?channel=sms")
    assert status == 200 and body["subject"] == "" and len(body["body"]) <= 300


def test_draft_of_another_organizations_candidate_is_404(login, outsider, reachable):
    status, _ = call(login(outsider), "get", f"{BASE}/candidates/{reachable.uuid}/draft")
    assert status == 404


# --- sending ------------------------------------------------------------------------------------

def test_send_once_per_idempotency_key(login, recruiter, reachable):
    client = login(recruiter)
    path = f"{BASE}/candidates/{reachable.uuid}/messages"
    status, first = call(client, "post", path, MESSAGE, HTTP_IDEMPOTENCY_KEY="key-1")
    assert status == 201, first
    assert first["status"] == "queued" and first["to_address"] == "amara.okafor@example.com"
    status, again = call(client, "post", path, MESSAGE, HTTP_IDEMPOTENCY_KEY="key-1")
    assert status == 200 and again["uuid"] == first["uuid"]
    assert Message.objects.count() == 1
    assert Message.objects.get().idempotency_key == "manual:key-1"
    status, other = call(client, "post", path, {**MESSAGE, "nonce": "key-2"})
    assert status == 201 and Message.objects.count() == 2


def test_without_a_key_the_send_is_refused_naming_it(login, recruiter, reachable):
    status, body = call(login(recruiter), "post",
                        f"{BASE}/candidates/{reachable.uuid}/messages", MESSAGE)
    assert status == 400 and list(body["errors"]) == ["Idempotency-Key"]
    assert not Message.objects.exists()


def test_a_refused_channel_is_400_with_the_reason(login, recruiter, org):
    cand = do_create_candidate(org.pk, actor=recruiter, first_name="Noor", last_name="H",
                               profession="physician", email="noor@example.com",
                               phone="+14035550177", time_zone="America/Edmonton")
    do_record_consent(cand, channel="sms", basis=ConsentBasis.REVOKED, actor=recruiter,
                      evidence="Replied STOP", obtained_at=NOON_EDMONTON - timedelta(days=1))
    status, body = call(login(recruiter), "post", f"{BASE}/candidates/{cand.uuid}/messages",
                        {"channel": "sms", "body": "Hi"}, HTTP_IDEMPOTENCY_KEY="k")
    assert status == 400
    assert body["errors"]["channel"] == [
        "Can't send by text message: Noor opted out of text messages. You can't pick a "
        "channel the candidate refused."]
    assert not Message.objects.exists()


def test_a_message_from_a_template_takes_its_topic_and_respects_a_mute(login, recruiter, org,
                                                                       reachable):
    reachable.muted_topics = ["news"]
    reachable.save()
    news = do_save_template(org.pk, actor=recruiter, name="Open house", topic="news",
                            subject="Open house", body="Hi")
    locums = do_save_template(org.pk, actor=recruiter, name="Shifts", topic="locums",
                              subject="Shifts", body="Hi")
    client = login(recruiter)
    path = f"{BASE}/candidates/{reachable.uuid}/messages"
    status, body = call(client, "post", path, {**MESSAGE, "template_id": news.pk},
                        HTTP_IDEMPOTENCY_KEY="news")
    assert status == 400
    assert "Amara muted this topic (news)." in body["errors"]["channel"][0]
    assert not Message.objects.exists()
    status, body = call(client, "post", path, {**MESSAGE, "template_id": locums.pk},
                        HTTP_IDEMPOTENCY_KEY="locums")
    assert status == 201, body
    assert Message.objects.get().topic == "locums"


def test_the_same_key_for_another_candidate_is_refused(login, recruiter, reachable, candidate):
    client = login(recruiter)
    call(client, "post", f"{BASE}/candidates/{reachable.uuid}/messages", MESSAGE,
         HTTP_IDEMPOTENCY_KEY="shared")
    status, body = call(client, "post", f"{BASE}/candidates/{candidate.uuid}/messages", MESSAGE,
                        HTTP_IDEMPOTENCY_KEY="shared")
    assert status == 400 and "nonce" in body["errors"]
    assert Message.objects.count() == 1


def test_api_token_works_and_roles_and_tenancy_hold(login, recruiter, read_only, outsider,
                                                    hiring_manager, reachable, hm_job, org,
                                                    client):
    _token, key = do_create_api_token(recruiter, name="script")
    status, body = call(client, "post", f"{BASE}/candidates/{reachable.uuid}/messages",
                        MESSAGE, HTTP_AUTHORIZATION=f"Bearer {key}",
                        HTTP_IDEMPOTENCY_KEY="tok")
    assert status == 201, body
    path = f"{BASE}/candidates/{reachable.uuid}/messages"
    assert call(login(read_only), "post", path, MESSAGE, HTTP_IDEMPOTENCY_KEY="r")[0] == 403
    assert call(login(outsider), "post", path, MESSAGE, HTTP_IDEMPOTENCY_KEY="o")[0] == 404
    assert call(login(outsider), "get", path)[0] == 404
    # A hiring manager reaches the people of their jobs only.
    assert call(login(hiring_manager), "post", path, MESSAGE, HTTP_IDEMPOTENCY_KEY="h")[0] == 404
    do_add_to_pipeline(reachable, hm_job, actor=recruiter)
    assert call(login(hiring_manager), "post", path, MESSAGE, HTTP_IDEMPOTENCY_KEY="h")[0] == 201
    assert Message.objects.count() == 2
    assert call(client, "get", path)[0] == 401


def test_application_and_template_of_another_organization_are_404(
        login, recruiter, reachable, outsider_application, other_org, outsider):
    theirs = do_save_template(other_org.pk, actor=outsider, name="Theirs", subject="s",
                              body="b")
    client = login(recruiter)
    path = f"{BASE}/candidates/{reachable.uuid}/messages"
    assert call(client, "post", path, {**MESSAGE, "template_id": theirs.pk},
                HTTP_IDEMPOTENCY_KEY="t")[0] == 404
    assert call(client, "post", path, {**MESSAGE, "application_id": outsider_application.pk},
                HTTP_IDEMPOTENCY_KEY="a")[0] == 404
    assert not Message.objects.exists()


# --- a candidate's messages ---------------------------------------------------------------------

def test_list_a_candidates_messages_newest_first_with_status(login, recruiter, reachable):
    client = login(recruiter)
    path = f"{BASE}/candidates/{reachable.uuid}/messages"
    call(client, "post", path, MESSAGE, HTTP_IDEMPOTENCY_KEY="1")
    call(client, "post", path, {"channel": "sms", "body": "Text"}, HTTP_IDEMPOTENCY_KEY="2")
    Message.objects.filter(channel="sms").update(status=MessageStatus.UNKNOWN)
    status, body = call(client, "get", path)
    assert status == 200
    body = body["items"]
    assert [(m["channel"], m["status"]) for m in body] == [("sms", "unknown"),
                                                          ("email", "queued")]
    assert body[1]["subject"] == "A role in Red Deer"
