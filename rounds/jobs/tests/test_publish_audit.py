"""The job-description audit where it acts: the job form (Check, live panel, save), the job
page's publish action, the API (GET /api/jobs/{id}/audit; publishing refused with the findings),
and the admin-only override recorded in the audit log."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from rounds.accounts.models import Site
from rounds.audit.models import AuditEvent
from rounds.jobs import actions
from rounds.jobs.models import Job

# A day when every law in rules.toml is in force (Ontario's from 2026-01-01 included).
IN_FORCE = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
# A close date always ahead of the clock (CI also runs the suite a year ahead).
APPLY_BY = (date.today() + timedelta(days=5 * 365)).isoformat()


@pytest.fixture
def denver(org):
    return Site.objects.create(organization=org, name="Denver Clinic", city="Denver",
                               region="CO", country="US", postal_code="80202")


@pytest.fixture
def toronto(org):
    return Site.objects.create(organization=org, name="Toronto Clinic", city="Toronto",
                               region="ON", country="CA", postal_code="M5V 2T6")


def form_data(site, **overrides):
    data = {
        "title": "Family Physician", "profession": "physician", "specialty": "Family Medicine",
        "specialty_code": "", "employment_type": "permanent", "setting": "community_clinic",
        "licence_jurisdiction": "", "site": site.pk,
        "description": "Full-scope family practice in a clinic of eight physicians, with nurses, "
                       "a pharmacist and a social worker in the same building.",
        "value_proposition": "Salaried, no overhead, protected admin time.",
        "pay_min": "250000", "pay_max": "290000", "pay_currency": "USD", "pay_period": "year",
        "benefits": "", "apply_by": "", "vacancy_exists": "unknown", "ai_screening": "unknown",
        "openings": "1", "status": "open", "start_date": "", "end_date": "", "owner": "",
        "published_on": "", "must_haves": "Colorado medical licence", "nice_to_haves": "",
    }
    data.update(overrides)
    return data


def last_override(job):
    return (AuditEvent.objects.filter(object_type="job", object_id=str(job.pk),
                                      changes__has_key="published_over_audit")
            .order_by("-id").first())


# --- the form --------------------------------------------------------------------------------


def test_recruiter_cannot_publish_a_colorado_job_missing_what_the_law_asks(login, recruiter,
                                                                            denver):
    response = login(recruiter).post(reverse("jobs:create"), form_data(denver))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not published: this job breaks 2 rules of its jurisdiction" in html
    assert "Colorado: the posting doesn" in html and "Save as draft" in html
    assert "Publish anyway" not in html  # only owners and admins override
    assert not Job.objects.filter(title="Family Physician").exists()


def test_recruiter_override_is_refused_and_nothing_is_saved(login, recruiter, denver):
    response = login(recruiter).post(reverse("jobs:create"), form_data(
        denver, override_reason="We have 10 staff"))
    assert response.status_code == 400
    assert "Only an owner or admin can publish" in response.content.decode()
    assert not Job.objects.exists()


def test_recruiter_saves_it_as_a_draft_instead(login, recruiter, denver):
    response = login(recruiter).post(reverse("jobs:create"), form_data(denver, save_draft="1"))
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "draft" and last_override(job) is None


def test_fixing_the_job_publishes_it(login, recruiter, denver):
    response = login(recruiter).post(reverse("jobs:create"), form_data(
        denver, benefits="Health, dental, 401(k) match, five weeks off.",
        apply_by=APPLY_BY))
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "open" and job.apply_by == date.fromisoformat(APPLY_BY)
    assert job.benefits.startswith("Health")


def test_owner_publishes_over_the_findings_with_a_reason_kept_in_the_audit_log(login, owner,
                                                                                denver):
    response = login(owner).post(reverse("jobs:create"), form_data(
        denver, override_reason="Benefits are posted on the careers page this week."))
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "open"
    event = last_override(job)
    assert event.actor == owner and event.via == "web"
    assert event.changes["published_over_audit"] == {
        "rules": "co.benefits, co.apply_by",
        "reason": "Benefits are posted on the careers page this week.",
    }


def test_owner_without_a_reason_is_asked_for_one(login, owner, denver):
    response = login(owner).post(reverse("jobs:create"), form_data(denver))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Publish anyway" in html and "Reason for publishing anyway" in html
    assert not Job.objects.exists()


def test_check_shows_findings_without_saving(login, recruiter, denver):
    response = login(recruiter).post(reverse("jobs:create"), form_data(
        denver, check="1", title="Family Physician $250k"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-rule="co.benefits"' in html and 'data-rule="posting.title_stuffed"' in html
    assert not Job.objects.exists()


def test_live_panel_audits_what_is_typed(login, recruiter, denver):
    client = login(recruiter)
    html = client.post(reverse("jobs:audit_new"), form_data(denver)).content.decode()
    assert 'data-rule="co.benefits"' in html and 'href="#id_benefits"' in html
    html = client.post(reverse("jobs:audit_new"), form_data(
        denver, benefits="Health plan", apply_by=APPLY_BY)).content.decode()
    assert "co.benefits" not in html and "co.apply_by" not in html


def test_live_panel_of_an_edited_job_and_another_orgs_job(login, recruiter, outsider, denver):
    job = actions.do_create_job(denver.organization_id, actor=recruiter, title="RN",
                                profession="registered_nurse", site=denver, status="draft")
    url = reverse("jobs:audit_edit", args=[job.uuid])
    assert login(recruiter).post(url, form_data(denver)).status_code == 200
    assert login(outsider).post(url, form_data(denver)).status_code == 404


def test_editing_an_open_job_is_judged_on_what_the_edit_adds(login, recruiter, denver):
    # Opened before the audit existed (or by an override): unrelated edits still save...
    job = actions.do_create_job(denver.organization_id, actor=recruiter, title="Family Physician",
                                profession="physician", site=denver, pay_min=Decimal(250000),
                                pay_max=Decimal(290000), pay_currency="USD")
    client = login(recruiter)
    url = reverse("jobs:edit", args=[job.uuid])
    assert client.post(url, form_data(denver, openings="2")).status_code == 302
    # ...but removing the pay range adds a breach, and is refused.
    response = client.post(url, form_data(denver, pay_min="", pay_max=""))
    assert response.status_code == 400
    assert "Colorado: the posting has no pay rate or range" in response.content.decode()
    job.refresh_from_db()
    assert job.pay_min == Decimal(250000) and job.openings == 2


@time_machine.travel(IN_FORCE, tick=False)
def test_ontario_job_needs_vacancy_and_ai_answers_and_a_narrow_range(login, recruiter, toronto):
    data = form_data(toronto, pay_currency="CAD", pay_min="120000", pay_max="180000",
                     must_haves="CPSO licence")
    response = login(recruiter).post(reverse("jobs:create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    for rule in ("on.vacancy", "on.ai_screening", "on.pay_range_width"):
        assert f'data-rule="{rule}"' in html
    response = login(recruiter).post(reverse("jobs:create"), {
        **data, "pay_max": "170000", "vacancy_exists": "true", "ai_screening": "false"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.vacancy_exists, job.ai_screening) == (True, False)


# --- the job page's publish action -------------------------------------------------------------


@pytest.fixture
def draft(recruiter, denver):
    return actions.do_create_job(denver.organization_id, actor=recruiter, title="Family Physician",
                                 profession="physician", site=denver, status="draft",
                                 pay_min=Decimal(250000), pay_max=Decimal(290000),
                                 pay_currency="USD")


def test_job_page_shows_the_findings_before_publishing(login, recruiter, draft):
    html = login(recruiter).get(reverse("jobs:detail", args=[draft.uuid])).content.decode()
    assert "Posting check" in html and 'data-rule="co.benefits"' in html
    assert ">Publish</button>" in html
    assert "Publish anyway" not in html


def test_recruiter_cannot_publish_from_the_job_page(login, recruiter, draft):
    client = login(recruiter)
    response = client.post(reverse("jobs:status", args=[draft.uuid]),
                           {"status": "open", "override_reason": "please"}, follow=True)
    assert "Only an owner or admin can publish" in response.content.decode()
    response = client.post(reverse("jobs:status", args=[draft.uuid]), {"status": "open"},
                           follow=True)
    assert "Not published: it breaks 2 rules of its jurisdiction" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_owner_publishes_from_the_job_page_with_a_reason(login, owner, draft):
    client = login(owner)
    html = client.get(reverse("jobs:detail", args=[draft.uuid])).content.decode()
    assert "Publish anyway" in html
    client.post(reverse("jobs:status", args=[draft.uuid]),
                {"status": "open", "override_reason": "Under Colorado's size threshold"})
    draft.refresh_from_db()
    assert draft.status == "open"
    assert last_override(draft).changes["published_over_audit"]["reason"] == (
        "Under Colorado's size threshold")
    html = client.get(reverse("jobs:detail", args=[draft.uuid])).content.decode()
    assert "Published anyway by Olivia Owner" in html
    assert "over co.benefits, co.apply_by: “Under Colorado&#x27;s size threshold”" in html


def test_closing_or_holding_a_job_is_never_blocked(login, recruiter, denver):
    job = actions.do_create_job(denver.organization_id, actor=recruiter, title="RN",
                                profession="registered_nurse", site=denver)
    login(recruiter).post(reverse("jobs:status", args=[job.uuid]), {"status": "on_hold"})
    job.refresh_from_db()
    assert job.status == "on_hold"


# --- the API -----------------------------------------------------------------------------------


def api(client, method, url, data=None):
    return getattr(client, method)(url, data=json.dumps(data or {}),
                                   content_type="application/json")


API_JOB = {"title": "Family Physician", "profession": "physician", "pay_min": 250000,
           "pay_max": 290000, "pay_currency": "USD",
           "description": "Full-scope family practice in a clinic of eight physicians, with "
                          "nurses and a pharmacist in the same building."}


def test_api_audit_lists_findings_with_reason_and_fix(login, recruiter, draft):
    body = login(recruiter).get(f"/api/jobs/{draft.uuid}/audit").json()
    assert body["jurisdiction"] == "US-CO" and body["blocks_publishing"] is True
    rules = {f["rule"]: f for f in body["findings"]}
    assert {"co.benefits", "co.apply_by"} <= set(rules)
    assert rules["co.benefits"]["severity"] == "required"
    assert rules["co.benefits"]["fix"] and "C.R.S." in rules["co.benefits"]["reason"]


def test_api_audit_of_another_orgs_job_is_404(login, outsider, draft):
    assert login(outsider).get(f"/api/jobs/{draft.uuid}/audit").status_code == 404


def test_api_refuses_to_publish_with_the_findings(login, recruiter, denver):
    response = api(login(recruiter), "post", "/api/jobs/", {**API_JOB, "site_id": denver.pk})
    assert response.status_code == 409
    body = response.json()
    assert {f["rule"] for f in body["findings"]} == {"co.benefits", "co.apply_by"}
    assert not Job.objects.exists()
    response = api(login(recruiter), "post", "/api/jobs/",
                   {**API_JOB, "site_id": denver.pk, "status": "draft"})
    assert response.status_code == 201


def test_api_override_needs_an_admin(login, recruiter, owner, draft):
    url = f"/api/jobs/{draft.uuid}"
    response = api(login(recruiter), "patch", url, {"status": "open"})
    assert response.status_code == 409
    response = api(login(recruiter), "patch", url,
                   {"status": "open", "override_reason": "trust me"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft" and last_override(draft) is None
    response = api(login(owner), "patch", url,
                   {"status": "open", "override_reason": "Posted with benefits elsewhere"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "open"
    event = last_override(draft)
    assert event.via == "api" and event.actor == owner
    assert event.changes["published_over_audit"]["rules"] == "co.benefits, co.apply_by"


def test_api_sets_the_fields_the_laws_ask_for(login, recruiter, denver):
    response = api(login(recruiter), "post", "/api/jobs/", {
        **API_JOB, "site_id": denver.pk, "benefits": "Health plan, 401(k)",
        "apply_by": APPLY_BY, "vacancy_exists": True, "ai_screening": False})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["apply_by"] == APPLY_BY and body["benefits"] == "Health plan, 401(k)"
    assert (body["vacancy_exists"], body["ai_screening"]) == (True, False)
    audit = login(recruiter).get(f"/api/jobs/{body['uuid']}/audit").json()
    assert audit["blocks_publishing"] is False


def test_openapi_documents_the_audit_and_the_409(login, recruiter):
    doc = login(recruiter).get("/api/openapi.json").json()
    assert "/api/jobs/{uuid}/audit" in doc["paths"]
    assert "409" in doc["paths"]["/api/jobs/"]["post"]["responses"]


def test_a_new_empty_form_asks_for_its_audit_when_it_loads(login, recruiter):
    html = login(recruiter).get(reverse("jobs:create")).content.decode()
    assert "The check runs as you type" in html
    assert 'hx-trigger="load, input delay:600ms' in html
    assert "No findings" not in html


def test_an_edit_form_shows_the_saved_jobs_findings(login, recruiter, draft):
    html = login(recruiter).get(reverse("jobs:edit", args=[draft.uuid])).content.decode()
    assert 'data-rule="co.benefits"' in html and 'hx-trigger="input delay' in html


def test_live_panel_survives_half_typed_input(login, recruiter, denver):
    data = {**form_data(denver, pay_min="abc", pay_max="1e", apply_by="31/02/2031"),
            "site": "999999"}
    response = login(recruiter).post(reverse("jobs:audit_new"), data)
    assert response.status_code == 200
    assert 'data-rule="posting.location"' in response.content.decode()  # the unknown site
