"""A recruiter signs in, creates a job, adds a candidate, and moves them across the board —
by the select on the tile, by drag and drop, and through the reason dialog — then we look."""

import re

import pytest

from rounds.accounts.models import EmployerProfile
from rounds.pipeline.models import Application, StageChange
from tests.browser.conftest import look, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def column(page, name):
    return page.locator(f'#board .column[data-stage-name="{name}"]')


def move_by_select(page, app_id, stage):
    tile = page.locator(f"#app-{app_id}")
    tile.locator("select[name=stage]").select_option(label=stage)
    tile.locator(".move-form button[type=submit]").click()
    column(page, stage).locator(f"#app-{app_id}").wait_for()


def move_by_drag(page, app_id, stage):
    target = column(page, stage).locator("h3")
    target.scroll_into_view_if_needed()  # a person scrolls the board to the column first
    page.locator(f"#app-{app_id} .tile-meta").drag_to(target)


def wait_for_board(page, app_id, stage):
    """The dropped tile moves at once and is marked `moving` until the server's board arrives."""
    column(page, stage).locator(f"#app-{app_id}:not(.moving)").wait_for()


def test_recruiter_moves_a_candidate_across_the_board(live_server, browser_page, org, recruiter):
    from playwright.sync_api import expect

    EmployerProfile.objects.filter(organization=org).update(
        value_proposition="Team-based care with NPs and pharmacists; no overhead for 2 years.")
    page = browser_page
    base = live_server.url
    script_errors = sign_in(page, base, recruiter)  # through the form

    # Create a job through the job form.
    page.goto(f"{base}/jobs/new/")
    expect(page.locator("#id_value_proposition")).to_have_value(re.compile("Team-based care"))
    look(page, "job-form")
    page.fill("#id_title", "Family Physician — Red Deer")
    page.select_option("#id_profession", "physician")
    page.fill("#id_specialty", "Family Medicine")
    page.select_option("#id_licence_jurisdiction", "CA-AB")
    page.fill("#id_pay_min", "450000")
    page.fill("#id_pay_max", "300000")
    page.fill("#id_must_haves", "Full licence with CPSA\nCCFP certification")
    page.fill("#id_nice_to_haves", "Obstetrics experience\nFrench")
    page.click("button:has-text('Create job')")
    # Upside-down pay range: refused, with what was typed kept.
    expect(page.locator(".error").first).to_contain_text("is below the bottom")
    expect(page.locator("#id_must_haves")).to_have_value(re.compile("CCFP certification"))
    look(page, "job-form-error")
    page.fill("#id_pay_min", "300000")
    page.fill("#id_pay_max", "450000")
    page.click("button:has-text('Create job')")
    expect(page.locator("h1")).to_contain_text("Family Physician — Red Deer")
    expect(page.locator("ul.reqs.must")).to_contain_text("Full licence with CPSA")
    expect(page.locator("ul.reqs.nice")).to_contain_text("Obstetrics experience")
    look(page, "job-created")
    job_url = page.url

    # Add a candidate through the candidate form.
    page.goto(f"{base}/candidates/new/")
    look(page, "candidate-form")
    page.fill("#id_first_name", "Amara")
    page.fill("#id_last_name", "Okafor")
    page.fill("#id_credentials", "MD, CCFP")
    page.select_option("#id_profession", "physician")
    page.fill("#id_headline", "Family physician with obstetrics, Calgary")
    page.fill("#id_email", "amara.okafor@example.com")
    page.click("button:has-text('Add candidate')")
    expect(page.locator("body")).to_contain_text("is in your talent pool")
    look(page, "candidate-added")

    # Add them to the job from the board's search.
    page.goto(job_url)
    page.fill("#add-q", "okafor")
    page.locator("#candidate-results").get_by_role("button", name="Add Amara Okafor").click()
    expect(column(page, "Sourced")).to_contain_text("Amara Okafor")
    app_id = Application.objects.get(candidate__last_name="Okafor").pk
    look(page, "board-sourced")

    # Across the board: select, drag, drag, select, drag, select.
    move_by_select(page, app_id, "Contacted")
    move_by_drag(page, app_id, "Engaged")
    wait_for_board(page, app_id, "Engaged")
    move_by_drag(page, app_id, "Screened")
    wait_for_board(page, app_id, "Screened")
    move_by_select(page, app_id, "Interview / site visit")
    move_by_drag(page, app_id, "Offer")
    wait_for_board(page, app_id, "Offer")

    # Dropping on Withdrawn asks for a reason first; cancelling leaves the tile where it was.
    move_by_drag(page, app_id, "Withdrawn")
    dialog = page.locator("#reason-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Amara Okafor")
    look(page, "board-reason-dialog", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()
    expect(column(page, "Offer").locator(f"#app-{app_id}")).to_be_visible()

    move_by_select(page, app_id, "Hired")
    expect(column(page, "Hired").locator(f"#app-{app_id}")).to_contain_text("Amara Okafor")
    expect(column(page, "Offer").locator(".tile")).to_have_count(0)

    # A second candidate, rejected through the reason dialog from the tile's select.
    from rounds.candidates.actions import do_create_candidate
    from rounds.pipeline.actions import do_add_to_pipeline

    other = do_create_candidate(org.pk, actor=recruiter, first_name="Bilal", last_name="Rahman",
                                credentials="MD", profession="physician",
                                headline="Rural generalist, ER shifts")
    do_add_to_pipeline(other, Application.objects.get(pk=app_id).job, actor=recruiter)
    page.reload()
    look(page, "board-two")
    other_id = Application.objects.get(candidate=other).pk
    tile = page.locator(f"#app-{other_id}")
    tile.locator("select[name=stage]").select_option(label="Rejected")
    tile.locator(".move-form button[type=submit]").click()
    expect(dialog).to_be_visible()
    dialog.locator("select[name=reason]").select_option(label="Compensation")
    dialog.locator("input[name=note]").fill("Needs ARP funding")
    dialog.get_by_role("button", name="Move").click()
    expect(column(page, "Rejected").locator(f"#app-{other_id}")).to_contain_text("Compensation")

    moves = list(StageChange.objects.filter(application_id=app_id)
                 .order_by("at", "id").values_list("from_stage__name", "to_stage__name",
                                                   "actor_id"))
    assert [(f, t) for f, t, _ in moves] == [
        (None, "Sourced"), ("Sourced", "Contacted"), ("Contacted", "Engaged"),
        ("Engaged", "Screened"), ("Screened", "Interview / site visit"),
        ("Interview / site visit", "Offer"), ("Offer", "Hired")]
    assert {a for _, _, a in moves} == {recruiter.pk}
    rejected = StageChange.objects.filter(application_id=other_id).latest("id")
    assert (rejected.to_stage.name, rejected.reason, rejected.note) == (
        "Rejected", "compensation", "Needs ARP funding")

    look(page, "board")
    page.goto(f"{base}/jobs/")
    expect(page.locator(".jobs-table")).to_contain_text("Family Physician — Red Deer")
    look(page, "jobs")
    page.goto(f"{base}/jobs/00000000-0000-4000-8000-000000000000/")
    expect(page.locator("h1")).to_have_text("There's nothing here")
    look(page, "not-found")
    page.goto(f"{base}/")
    expect(page.locator("body")).to_contain_text("Newest candidate activity")
    look(page, "today")
    assert script_errors == []
