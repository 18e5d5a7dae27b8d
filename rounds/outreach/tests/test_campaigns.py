"""Campaigns: one template to many candidates, each judged by the policy (queued, held until
their hours, or not sent and why), written once however often it runs; and the campaign pages
(a job's top matches, a search, selected people) with the counts shown before confirming."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_candidates
from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.candidates.models import Candidate
from rounds.messaging import tasks
from rounds.messaging.choices import MessageStatus
from rounds.messaging.models import Message, Thread
from rounds.pipeline.actions import do_add_to_pipeline

from .. import campaigns
from ..actions import do_save_template
from ..models import Campaign
from .conftest import NOON_EDMONTON

AT = NOON_EDMONTON


@pytest.fixture
def noon(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOON_EDMONTON)
    return NOON_EDMONTON


@pytest.fixture
def scheduled(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "schedule_delivery", lambda at=None: calls.append(at))
    return calls


@pytest.fixture
def template(org, recruiter):
    return do_save_template(
        org.pk, actor=recruiter, name="Intro", subject="{{ candidate.specialty|default:'A role'"
        " }} at {{ organization.name }}",
        body="Hi {{ candidate.name }}, {{ sender.first_name }} here. You, or someone you know?",
    )


def person(org, actor, first, *, consent=True, zone="America/Edmonton", quiet=None, **extra):
    extra.setdefault("profession", "physician")
    cand = do_create_candidate(
        org.pk, actor=actor, first_name=first, last_name="Test",
        email=f"{first.lower()}@example.com", phone="", time_zone=zone,
        specialties=["Family Medicine"], **extra)
    if quiet:
        cand.quiet_hours_start, cand.quiet_hours_end = quiet
        cand.save()
    if consent:
        do_record_consent(cand, channel="email", basis=ConsentBasis.EXPRESS, actor=actor,
                          evidence="Form", obtained_at=AT - timedelta(days=10))
    return cand


@pytest.fixture
def pool(org, recruiter):
    return {
        "ready": person(org, recruiter, "Ready"),
        "night": person(org, recruiter, "Night", zone="Asia/Tokyo"),
        "lunch": person(org, recruiter, "Lunch", quiet=(time(10, 0), time(12, 0))),
        "noconsent": person(org, recruiter, "Nope", consent=False),
    }


def test_each_candidate_is_judged_and_written_once(org, recruiter, template, pool, scheduled):
    campaign = campaigns.queue_campaign(org, template=template, candidates=Candidate.objects.all(),
                                        actor=recruiter, at=AT, name="November")
    rows = {m.candidate.first_name: m for m in Message.objects.select_related("candidate")}
    assert (campaign.recipients, campaign.queued, campaign.held, campaign.dropped) == (4, 1, 2, 1)
    assert rows["Ready"].status == MessageStatus.QUEUED and rows["Ready"].status_reason == ""
    assert rows["Night"].status == MessageStatus.HELD
    assert rows["Night"].send_after > AT and "Asia/Tokyo" in rows["Night"].status_reason
    assert rows["Lunch"].status == MessageStatus.HELD
    assert rows["Nope"].status == MessageStatus.DROPPED
    assert rows["Nope"].status_reason == "No consent on record for email (CASL)."
    ready = rows["Ready"]
    assert ready.subject == "Family Medicine at Prairie Family Clinics"
    assert ready.body == "Hi Ready, Rita here. You, or someone you know?"
    assert ready.idempotency_key == f"campaign:{campaign.pk}:{ready.candidate_id}:t{template.pk}v1"
    assert (ready.purpose, ready.ref_id, ready.created_by) == (
        campaigns.CAMPAIGN, campaign.pk, recruiter)  # the template's version is in the key
    assert ready.to_address == "ready@example.com" and ready.send_after == AT
    # One general thread each for those written to, with a reply token of its own; the one
    # not written to has the reason, no text and no thread.
    threads = Thread.objects.all()
    assert threads.count() == 3 and len({t.reply_token for t in threads}) == 3
    assert all(m.thread.candidate_id == m.candidate_id for m in rows.values() if m.thread)
    assert (rows["Nope"].thread, rows["Nope"].body, rows["Nope"].subject) == (None, "", "")
    # One delivery run now, one per distinct hold time.
    holds = {rows["Night"].send_after, rows["Lunch"].send_after}
    assert scheduled.count(None) == 1 and set(scheduled) - {None} == holds


def test_running_the_same_campaign_again_creates_nothing(org, recruiter, template, pool,
                                                         scheduled):
    campaign = campaigns.queue_campaign(org, template=template, candidates=Candidate.objects.all(),
                                        actor=recruiter, at=AT)
    before = (Message.objects.count(), Thread.objects.count())
    again = campaigns.queue_campaign(org, template=template, candidates=Candidate.objects.all(),
                                     actor=recruiter, at=AT, campaign=campaign)
    assert (Message.objects.count(), Thread.objects.count()) == before
    assert (again.recipients, again.queued, again.held, again.dropped) == (4, 1, 2, 1)
    # Someone new in the list: only they are written to.
    late = person(org, recruiter, "Late")
    campaigns.queue_campaign(org, template=template, candidates=Candidate.objects.all(),
                             actor=recruiter, at=AT, campaign=campaign)
    assert Message.objects.filter(candidate=late).count() == 1
    assert Message.objects.count() == before[0] + 1


def test_the_same_form_key_is_one_campaign(org, recruiter, template, pool, scheduled):
    first = campaigns.queue_campaign(org, template=template, candidates=Candidate.objects.all(),
                                     actor=recruiter, at=AT, key="form-1")
    second = campaigns.queue_campaign(org, template=template, candidates=Candidate.objects.all(),
                                      actor=recruiter, at=AT, key="form-1")
    assert first == second and Campaign.objects.count() == 1 and Message.objects.count() == 4
    campaigns.queue_campaign(org, template=template, candidates=Candidate.objects.all(),
                             actor=recruiter, at=AT, key="form-2")
    assert Campaign.objects.count() == 2 and Message.objects.count() == 8


def test_an_existing_general_thread_is_reused(org, recruiter, template, pool, scheduled):
    from rounds.messaging.threads import thread_for

    existing = thread_for(pool["ready"])
    campaigns.queue_campaign(org, template=template, candidates=[pool["ready"].pk],
                             actor=recruiter, at=AT)
    assert Message.objects.get().thread == existing and Thread.objects.count() == 1


def test_other_organizations_merged_records_and_hidden_people_are_left_out(
        org, other_org, recruiter, hiring_manager, hm_job, outsider, template, pool, scheduled):
    theirs = do_create_candidate(other_org.pk, actor=outsider, first_name="Theirs",
                                 last_name="X", profession="physician", email="t@example.com")
    merged = person(org, recruiter, "Merged")
    Candidate.objects.filter(pk=merged.pk).update(merged_into=pool["ready"])
    campaigns.queue_campaign(org, template=template, actor=recruiter, at=AT,
                             candidates=[theirs.pk, merged.pk, pool["ready"].pk,
                                         pool["ready"].pk])
    assert list(Message.objects.values_list("candidate_id", flat=True)) == [pool["ready"].pk]
    # A hiring manager's campaign reaches only the people of their jobs.
    do_add_to_pipeline(pool["night"], hm_job, actor=recruiter)
    campaign = campaigns.queue_campaign(org, template=template, actor=hiring_manager, at=AT,
                                        candidates=Candidate.objects.all())
    assert list(Message.objects.filter(purpose=campaigns.CAMPAIGN, ref_id=campaign.pk)
                .values_list("candidate_id", flat=True)) == [
        pool["night"].pk]


def test_queries_do_not_grow_with_the_number_of_recipients(org, recruiter, template,
                                                           scheduled):
    few = make_candidates(org, recruiter, 3, prefix="Few")
    many = make_candidates(org, recruiter, 40, prefix="Many")
    campaigns.queue_campaign(org, template=template, candidates=[few[0].pk], actor=recruiter,
                             at=AT)  # the organization's settings exist from here on
    counts = []
    for group in (few, many):
        with CaptureQueriesContext(connection) as queries:
            campaigns.queue_campaign(org, template=template, candidates=[c.pk for c in group],
                                     actor=recruiter, at=AT)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_forecast_matches_what_is_written(org, recruiter, template, pool, scheduled):
    forecast = campaigns.forecast(org, template=template, candidates=Candidate.objects.all(),
                                  actor=recruiter, at=AT)
    assert (forecast.recipients, forecast.send, forecast.hold, forecast.drop) == (4, 1, 2, 1)
    assert dict(forecast.drop_reasons) == {"No consent on record (CASL)": 1}
    assert not Message.objects.exists()
    campaign = campaigns.queue_campaign(org, template=template,
                                        candidates=Candidate.objects.all(), actor=recruiter,
                                        at=AT)
    assert (campaign.queued, campaign.held, campaign.dropped) == (1, 2, 1)


def test_a_template_that_fails_for_one_candidate_drops_only_their_message(org, recruiter,
                                                                          scheduled):
    from ..models import MessageTemplate

    # Saved before templates were rendered at save: an int as pluralize's argument raises.
    legacy = MessageTemplate.objects.create(
        organization=org, name="Years", channel="email", subject="Hi {{ candidate.name }}",
        body="Year{{ candidate.city|pluralize:candidate.years_experience }} of practice?")
    fine = person(org, recruiter, "Fine")
    broken = person(org, recruiter, "Broken", years_experience=12)
    campaign = campaigns.queue_campaign(org, template=legacy, candidates=[fine.pk, broken.pk],
                                        actor=recruiter, at=AT)
    assert (campaign.recipients, campaign.queued, campaign.dropped) == (2, 1, 1)
    went = Message.objects.get(candidate=fine)
    assert (went.status, went.subject) == (MessageStatus.QUEUED, "Hi Fine")
    dropped = Message.objects.get(candidate=broken)
    assert dropped.status == MessageStatus.DROPPED
    assert dropped.status_reason.startswith(
        "The template could not be filled in for this candidate: TypeError")
    assert (dropped.body, dropped.thread) == ("", None)


def test_a_template_with_a_filter_no_longer_allowed_drops_every_message_with_why(
        login, org, recruiter, pool, noon):
    from ..models import MessageTemplate

    legacy = MessageTemplate.objects.create(
        organization=org, name="Round", channel="email", subject="Hi",
        body="{% if candidate.years_experience|divisibleby:5 %}A round number!{% endif %}")
    url = reverse("outreach:campaign_new") + f"?ids={pool['ready'].uuid}&ids={pool['night'].uuid}"
    response = login(recruiter).post(url, {"template": legacy.pk, "nonce": "legacy"})
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.recipients, campaign.queued, campaign.held, campaign.dropped) == (2, 0, 0, 2)
    reasons = set(Message.objects.values_list("status_reason", flat=True))
    assert len(reasons) == 1
    assert "The filter “divisibleby” isn't available in messages" in reasons.pop()
    assert not Thread.objects.exists()


def test_a_news_campaign_skips_those_who_muted_news(org, recruiter, pool, scheduled):
    Candidate.objects.filter(pk=pool["ready"].pk).update(muted_topics=["news"])
    news = do_save_template(org.pk, actor=recruiter, name="Open house", topic="news",
                            subject="Open house", body="Hi {{ candidate.name }}")
    campaigns.queue_campaign(org, template=news, candidates=[pool["ready"].pk], actor=recruiter,
                             at=AT)
    message = Message.objects.get()
    assert (message.status, message.topic) == (MessageStatus.DROPPED, "news")
    assert "muted this topic (news)" in message.status_reason


@pytest.mark.parametrize("query", ["job=garbage", "job=12", "template=abc&ids={uuid}",
                                   "template=999999&ids={uuid}"])
def test_garbage_in_the_campaign_query_string_is_a_404(login, recruiter, pool, template, noon,
                                                       query):
    url = reverse("outreach:campaign_new") + "?" + query.format(uuid=pool["ready"].uuid)
    client = login(recruiter)
    assert client.get(url).status_code == 404
    if query.startswith("job"):
        assert client.post(url, {"template": template.pk, "nonce": "g"}).status_code == 404
    assert not Campaign.objects.exists()


# --- the pages ------------------------------------------------------------------------------------

@pytest.fixture
def matched(org, recruiter, job, pool, noon):
    """The job's matches are the physicians of the pool."""
    return job


def test_campaign_from_a_jobs_top_matches_shows_counts_then_queues(login, recruiter, matched,
                                                                   template, pool, noon):
    client = login(recruiter)
    url = reverse("outreach:campaign_new") + f"?job={matched.uuid}&top=10"
    html = client.get(url + f"&template={template.pk}").content.decode()
    assert "the top 4 matches for Family Physician — Red Deer" in html
    assert "No consent on record (CASL)" in html
    assert "Confirm: send to 3" in html
    nonce = html.split('name="nonce" value="')[1].split('"')[0]
    response = client.post(url, {"template": template.pk, "name": "", "nonce": nonce})
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:campaign", args=[campaign.pk])
    assert campaign.job == matched and campaign.recipients == 4
    # The form sent twice is still one campaign.
    assert client.post(url, {"template": template.pk, "nonce": nonce}).status_code == 302
    assert Campaign.objects.count() == 1 and Message.objects.count() == 4
    page = client.get(response["Location"]).content.decode()
    assert "1 going now" in page and "2 held" in page and "1 not sent" in page
    assert "No consent on record for email (CASL)." in page


def test_campaign_from_search_filters_and_from_selected_people(login, recruiter, template, pool,
                                                               org, noon):
    nurse = person(org, recruiter, "Nurse", profession="registered_nurse")
    client = login(recruiter)
    html = client.get(reverse("outreach:campaign_new")
                      + f"?profession=registered_nurse&template={template.pk}").content.decode()
    assert "everyone matching profession: registered_nurse" in html
    assert "Confirm: send to 1" in html
    ids = f"?ids={pool['ready'].uuid}&ids={pool['night'].uuid}&ids=not-a-uuid"
    url = reverse("outreach:campaign_new") + ids
    assert "2 selected candidates" in client.get(url).content.decode()
    client.post(url, {"template": template.pk, "nonce": "sel-1"})
    assert set(Message.objects.values_list("candidate_id", flat=True)) == {
        pool["ready"].pk, pool["night"].pk}
    assert not Message.objects.filter(candidate=nurse).exists()


def test_no_recipients_is_a_clear_error(login, recruiter, template, noon):
    response = login(recruiter).post(reverse("outreach:campaign_new"),
                                     {"template": template.pk, "nonce": "x"})
    assert response.status_code == 400
    assert "Choose who to write to" in response.content.decode()
    assert not Campaign.objects.exists()


def test_campaign_pages_are_for_editors_and_tenants(login, read_only, outsider, recruiter, org,
                                                    template, pool, matched, noon, scheduled):
    campaign = campaigns.queue_campaign(org, template=template, actor=recruiter, at=AT,
                                        candidates=Candidate.objects.all())
    url = reverse("outreach:campaign_new") + f"?job={matched.uuid}"
    client = login(read_only)
    assert client.get(url).status_code == 403
    assert client.post(url, {"template": template.pk, "nonce": "r"}).status_code == 403
    assert client.get(reverse("outreach:campaign", args=[campaign.pk])).status_code == 403
    client = login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"template": template.pk, "nonce": "o"}).status_code == 404
    assert client.get(reverse("outreach:campaign", args=[campaign.pk])).status_code == 404
    ids = reverse("outreach:campaign_new") + f"?ids={pool['ready'].uuid}"
    # Another organization's template is not a choice, and their people are not found.
    response = client.post(ids, {"template": template.pk, "nonce": "o2"})
    assert response.status_code == 400
    assert Campaign.objects.count() == 1 and Message.objects.count() == 4
