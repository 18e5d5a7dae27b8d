"""A recruiter writes a Washington job: the posting check beside the form updates as they type,
they fix the pay, can't publish without the benefits the law asks for and save a draft; the
owner opens the job, reads the findings and publishes it anyway with a reason, which the audit
log keeps."""

import pytest

from rounds.accounts.models import Site
from rounds.audit.models import AuditEvent
from rounds.jobs.models import Job
from tests.browser.conftest import look, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recruiter_fixes_pay_and_owner_publishes_over_a_finding(live_server, new_page, org,
                                                                 recruiter, owner):
    from playwright.sync_api import expect

    site = Site.objects.create(organization=org, name="Seattle Clinic", city="Seattle",
                               region="WA", country="US", postal_code="98101")
    base = live_server.url
    page = new_page()
    errors = sign_in(page, base, recruiter)

    page.goto(f"{base}/jobs/new/")
    page.fill("#id_title", "Family Physician")
    page.select_option("#id_profession", "physician")
    page.select_option("#id_site", str(site.pk))
    page.fill("#id_description",
              "Full-scope family practice with a panel of your own, shared call one weekend in "
              "six, and nurses, a pharmacist and a social worker in the same building.")
    page.fill("#id_value_proposition", "Salaried, no overhead, protected admin time.")
    page.fill("#id_must_haves", "Washington medical licence\n5+ years of experience")
    page.fill("#id_pay_currency", "USD")
    panel = page.locator("#audit-panel")
    # The check updates as they type: no pay, no benefits, years on top of a licence.
    expect(panel.locator('[data-rule="wa.pay_scale"]')).to_be_visible()
    expect(panel.locator('[data-rule="wa.benefits"]')).to_be_visible()
    expect(panel.locator('[data-rule="degree.licensed_years"]')).to_be_visible()
    look(page, "job-form-findings")

    page.fill("#id_pay_min", "260000")
    page.fill("#id_pay_max", "300000")
    page.fill("#id_must_haves", "Washington medical licence")
    expect(panel.locator('[data-rule="wa.pay_scale"]')).to_have_count(0)
    expect(panel.locator('[data-rule="degree.licensed_years"]')).to_have_count(0)
    expect(panel.locator('[data-rule="wa.benefits"]')).to_be_visible()
    look(page, "job-form-pay-fixed")

    # Saving it open is publishing it (Enter in a field saves, as the Create job button does):
    # refused for the missing benefits, nothing lost.
    page.press("#id_title", "Enter")
    blocked = page.locator(".audit-blocked")
    expect(blocked).to_contain_text("Not published: this job breaks a rule of its jurisdiction")
    expect(blocked).to_contain_text("Washington: the posting doesn't describe the benefits")
    expect(blocked.locator("button:has-text('Publish anyway')")).to_have_count(0)
    expect(page.locator("#id_pay_min")).to_have_value("260000")
    look(page, "job-form-blocked")
    blocked.locator("button:has-text('Save as draft')").click()
    expect(page.locator("h1")).to_contain_text("Family Physician")
    expect(page.locator("h1 .pill")).to_have_text("Draft")
    expect(page.locator(".audit-card")).to_contain_text("Washington: the posting doesn't")
    expect(page.locator(".override-form")).to_have_count(0)
    look(page, "job-draft-recruiter")
    job = Job.objects.get(title="Family Physician")
    assert job.status == "draft" and job.pay_min == 260000
    assert errors == []

    # The owner publishes it anyway, with a reason.
    owner_page = new_page(phone=True)
    sign_in(owner_page, base, owner)
    owner_page.goto(f"{base}/jobs/{job.uuid}/")
    form = owner_page.locator(".override-form")
    expect(form).to_be_visible()
    look(owner_page, "job-draft-owner")
    form.locator("textarea").fill("We have 12 employees: under Washington's 15-employee "
                                  "threshold.")
    form.locator("button:has-text('Publish anyway')").click()
    expect(owner_page.locator("h1 .pill")).to_have_text("Open")
    expect(owner_page.locator(".override-note")).to_contain_text("Published anyway by Olivia")
    look(owner_page, "job-published-owner")
    job.refresh_from_db()
    assert job.status == "open"
    event = AuditEvent.objects.filter(object_type="job", object_id=str(job.pk),
                                      changes__has_key="published_over_audit").get()
    assert event.actor == owner
    assert event.changes["published_over_audit"]["rules"] == "wa.benefits"
    assert "15-employee" in event.changes["published_over_audit"]["reason"]
