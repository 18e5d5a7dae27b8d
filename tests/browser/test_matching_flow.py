"""A recruiter opens a job's Matches, sees the best candidate first with the reasons, gives a
thumbs up, adds them to the pipeline, and finds the weight change in the matching settings; then
the candidate's record suggests jobs, and a new job starts from a pasted JobPosting."""

import json
from pathlib import Path

import pytest

from rounds.accounts.actions import do_create_site
from rounds.candidates.actions import do_add_related, do_create_candidate
from rounds.candidates.models import Licence
from rounds.jobs.actions import do_create_job
from rounds.matching.models import WeightChange
from rounds.pipeline.models import Application
from tests.browser.conftest import look, sign_in

POSTING = Path(__file__).resolve().parents[2] / "docs" / "examples" / "posting.json"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    # first, last, profession, headline, city, region, specialties, licence (jurisdiction,
    # status), other fields
    ("Amara", "Okafor", "physician", "Family physician, CCFP, obstetrics", "Red Deer", "AB",
     ["Family Medicine"], ("CA-AB", "active"), {"status": "active", "credentials": "MD, CCFP"}),
    ("Hassan", "Ali", "physician", "Family physician, CCFP, rural generalist", "Calgary", "AB",
     ["Family Medicine"], ("CA-AB", "active"), {"status": "passive", "credentials": "MD"}),
    ("Mei", "Chen", "physician", "Family medicine graduate, Alberta licence in progress",
     "Edmonton", "AB", ["Family Medicine"], ("CA-AB", "pending"), {"status": "active"}),
    ("Grace", "Lee", "physician", "Family physician, urban practice", "Toronto", "ON",
     ["Family Medicine"], ("CA-ON", "active"),
     {"status": "passive", "willing_to_relocate": True}),
    ("Isabelle", "Roy", "physician", "General internist", "Edmonton", "AB",
     ["Internal Medicine"], ("CA-AB", "active"), {"status": "passive"}),
    ("Bilal", "Rahman", "physician", "Emergency physician", "Vancouver", "BC",
     ["Emergency Medicine"], ("CA-BC", "active"), {"status": "passive"}),
    ("Chloe", "Tremblay", "registered_nurse", "Emergency nurse", "Red Deer", "AB", [],
     ("CA-AB", "active"), {}),
    ("Dev", "Patel", "physician", "Family physician", "Red Deer", "AB", ["Family Medicine"],
     ("CA-AB", "active"), {"status": "do_not_contact"}),
]


def build_world(org, recruiter):
    site, _ = do_create_site(org.pk, actor=recruiter, name="Red Deer Clinic", city="Red Deer",
                             region="AB", postal_code="T4N 1A1", country="CA")
    job = do_create_job(
        org.pk, actor=recruiter, title="Family Physician — Red Deer", profession="physician",
        specialty="Family Medicine", specialty_code="207Q00000X", employment_type="permanent",
        licence_jurisdiction="CA-AB", site=site, pay_min=300000, pay_max=420000,
        pay_currency="CAD", pay_period="year", openings=1, status="open",
        description="Full-scope family practice in a team-based clinic.",
        must_haves=["Full licence with CPSA"], nice_to_haves=["CCFP certification"],
    )
    do_create_job(org.pk, actor=recruiter, title="Hospitalist — Red Deer Regional",
                  profession="physician", specialty="Hospital Medicine", site=site,
                  employment_type="permanent", licence_jurisdiction="CA-AB",
                  pay_currency="CAD", pay_period="year", openings=1, status="open")
    people = {}
    for first, last, profession, headline, city, region, specialties, licence, extra in PEOPLE:
        c = do_create_candidate(org.pk, actor=recruiter, first_name=first, last_name=last,
                                profession=profession, headline=headline, city=city,
                                region=region, country="CA", specialties=specialties, **extra)
        do_add_related(c, Licence, actor=recruiter, jurisdiction=licence[0],
                       status=licence[1], number=f"{last.upper()}-1")
        people[first] = c
    return job, people


def test_recruiter_works_the_matches_of_a_job(live_server, browser_page, org, recruiter):
    from playwright.sync_api import expect

    job, people = build_world(org, recruiter)
    page = browser_page
    base = live_server.url
    script_errors = sign_in(page, base, recruiter)

    # Jobs → the job → its Matches tab.
    page.goto(f"{base}/jobs/")
    look(page, "jobs")
    page.get_by_role("link", name="Family Physician — Red Deer").click()
    expect(page.locator(".job-tabs a[aria-current=page]")).to_have_text("Pipeline")
    look(page, "job-pipeline-tab")
    page.locator(".job-tabs").get_by_role("link", name="Matches").click()
    expect(page.locator(".job-tabs a[aria-current=page]")).to_have_text("Matches")
    expect(page.locator(".match-understood")).to_contain_text("licence: Alberta")

    rows = page.locator(".match-list > li.match")
    first = rows.first
    expect(first.locator(".match-name")).to_have_text("Amara Okafor")
    expect(first.locator(".match-rank")).to_have_text("Rank 1")
    expect(first.locator(".band")).to_have_text("Strong fit")
    expect(page.locator("p.bands")).to_contain_text("Strong fit 80–100, no gap")
    # The per-component breakdown: what each part weighs and how well they meet it.
    first.locator("details.breakdown summary").click()
    expect(first.locator("table.parts")).to_contain_text("Licence / eligibility")
    expect(page.locator(".match-understood")).to_contain_text("CCFP certification (nice-to-have)")
    bilal = rows.filter(has_text="Bilal Rahman")
    expect(bilal.locator(".band")).not_to_have_text("Strong fit")
    look(page, "matches-breakdown-open")
    expect(first.locator("li.reason")).to_contain_text(["Licensed in AB"])
    expect(page.locator(".results-head")).to_contain_text("Ranked 6 candidates in")
    expect(page.locator("details.excluded summary")).to_have_text("Excluded (2)")
    expect(page.locator(".match-list")).not_to_contain_text("Dev Patel")
    expect(rows.filter(has_text="Bilal Rahman").locator(".near-miss-badge")).to_be_visible()
    look(page, "matches")

    # Thumbs up: pressed, and the weights link counts the signal.
    thumbs_up = first.get_by_role("button", name="Good match: Amara Okafor")
    expect(thumbs_up).to_have_attribute("aria-pressed", "false")
    thumbs_up.click()
    expect(first.get_by_role("button", name="Good match: Amara Okafor")).to_have_attribute(
        "aria-pressed", "true")
    expect(page.locator("#weights-signals")).to_have_text("tuned by 1 signal")

    # Add to pipeline: one click, and the row says where they are.
    first.get_by_role("button", name="Add to pipeline: Amara Okafor").click()
    expect(first.locator(".in-pipeline")).to_have_text("In pipeline · Sourced")
    assert Application.objects.filter(job=job, candidate=people["Amara"]).exists()

    look(page, "matches-after-feedback")
    page.locator("details.excluded summary").click()
    expect(page.locator("details.excluded")).to_contain_text("Asked not to be contacted")
    page.locator("details.excluded summary").click()  # closed again

    # Near-misses only: the filter swaps the list without a reload.
    page.get_by_label("Near-misses only").check()
    expect(rows.first.locator(".near-miss-badge")).to_be_visible()
    expect(page.locator(".match-list")).not_to_contain_text("Amara Okafor")
    assert "near_misses_only=1" in page.url

    # The matching settings show the change and its cause.
    page.get_by_role("link", name="Weights: tuned by 1 signal").click()
    expect(page.locator("h1")).to_have_text("Matching")
    history = page.locator(".weight-history tbody tr").first
    expect(history).to_contain_text("Thumbs up — Amara Okafor for Family Physician — Red Deer")
    expect(history).to_contain_text("Rita Recruiter")
    expect(history.locator(".delta").first).to_contain_text("pts")
    assert WeightChange.objects.count() == 1
    look(page, "matching-settings")

    # The candidate's record suggests the open jobs that fit them.
    page.goto(f"{base}/candidates/{people['Hassan'].uuid}/")
    panel = page.locator("#suggested-jobs")
    expect(panel.locator(".suggest-title").first).to_have_text("Family Physician — Red Deer")
    panel.get_by_role("button", name="Add Hassan Ali to the pipeline of Family Physician — "
                                     "Red Deer").click()
    expect(panel).to_contain_text("Added to the pipeline of")
    expect(page.locator("#section-jobs")).to_contain_text("Family Physician — Red Deer")
    look(page, "candidate-suggested-jobs")

    # A new job from a pasted JobPosting: the form opens filled in.
    page.goto(f"{base}/jobs/")
    look(page, "jobs-list-from-posting")
    page.get_by_role("link", name="New from a JobPosting…").click()
    page.fill("#id_posting", POSTING.read_text())
    look(page, "job-from-posting")
    page.get_by_role("button", name="Read the posting").click()
    expect(page.locator("#id_title")).to_have_value("Family Physician")
    expect(page.locator("#id_licence_jurisdiction")).to_have_value("CA-AB")
    expect(page.locator("#id_pay_max")).to_have_value("410000")
    expect(page.locator("#id_site option:checked")).to_have_text("Red Deer Clinic")
    look(page, "job-from-posting-form")
    page.get_by_role("button", name="Create job").click()
    expect(page.locator("h1")).to_contain_text("Family Physician")
    look(page, "job-created")
    assert json.loads(POSTING.read_text())["title"] == "Family Physician"
    assert script_errors == []


def test_admin_sets_the_weights_by_hand(live_server, browser_page, org, owner):
    from playwright.sync_api import expect

    page = browser_page
    base = live_server.url
    sign_in(page, base, owner)
    page.goto(f"{base}/accounts/settings/")
    look(page, "settings")
    page.locator("a.accounts-card", has_text="Matching").click()
    expect(page.locator(".accounts-tabs a[aria-current=page]")).to_have_text("Matching")
    expect(page.locator(".weight-history")).to_have_count(0)
    look(page, "matching-settings-before")
    page.fill("#id_distance", "30")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Match weights saved")
    row = page.locator(".weight-history tbody tr").first
    expect(row).to_contain_text("Set by hand")
    expect(row.locator(".delta.up")).to_contain_text("Distance and relocation")
    look(page, "matching-settings-admin")
    page.get_by_role("button", name="Reset to defaults").click()
    expect(page.locator(".weight-history tbody tr").first).to_contain_text("Reset to defaults")
    expect(page.locator("#id_distance")).to_have_value("12.0")
    look(page, "matching-settings-reset")
