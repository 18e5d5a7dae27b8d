"""A recruiter imports the real NPPES file (1,000 providers, 330 columns) through the import
pages: uploads it, accepts the suggested mapping, follows the progress while a worker runs it,
and reads the per-row report. Skipped where ../shared/data is absent."""

import re

import pytest
from django.core.management import call_command

from rounds.candidates.models import Candidate
from rounds.imports.models import ImportBatch
from rounds.matching.tests.shared_data import data_file
from tests.browser.conftest import look, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recruiter_imports_the_nppes_file_and_reads_the_report(
    live_server, browser_page, org, recruiter
):
    from playwright.sync_api import expect

    nppes = data_file("nppes_sample.csv")
    page = browser_page
    base = live_server.url
    script_errors = sign_in(page, base, recruiter)

    page.goto(f"{base}/imports/")
    look(page, "imports")
    page.set_input_files("#id_file", str(nppes))
    page.click("button:has-text('Upload and map columns')")

    # The mapping step: suggested from the headers' meaning and the first rows.
    expect(page.locator("h1")).to_contain_text("Map the columns of nppes_sample.csv")
    expect(page.locator("main")).to_contain_text("1,000 rows · 330 columns")
    for field, label in (
        ("specialty", "Healthcare Provider Taxonomy Code_1 … 15 (15 columns)"),
        ("licence_number", "Provider License Number_1 … 15 (15 columns)"),
        ("licence_jurisdictions", "Provider License Number State Code_1 … 15 (15 columns)"),
        ("npi", "NPI"),
        ("first_name", "Provider First Name"),
        ("phone", "Provider Business Practice Location Address Telephone Number"),
        ("email", "— don't import —"),
    ):
        expect(page.locator(f"#id_{field} option:checked")).to_have_text(label)
    look(page, "mapping")
    page.click("button:has-text('Import 1,000 rows')")

    # 1,000 rows run in the background: the page shows the progress, then the report.
    expect(page.locator("#import-progress")).to_contain_text("Waiting for a worker")
    look(page, "progress")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)  # the worker
    expect(page.locator(".import-stats")).to_contain_text("candidates created", timeout=15_000)
    batch = ImportBatch.objects.get(organization=org)
    assert (batch.created_count, batch.skipped_count, batch.error_count) == (733, 267, 0)
    expect(page.locator(".import-stats")).to_contain_text("733")
    expect(page.locator("main")).to_contain_text("267 rows are not a person's record")
    look(page, "report")

    # The per-row report: why each organization was not imported, and what was left out.
    page.click(".import-tabs a:has-text('Not candidates')")
    expect(page.locator(".import-issues")).to_contain_text(
        "An organization (entity type 2), not a person"
    )
    expect(page.locator(".import-issues tbody tr")).to_have_count(50)  # a page of 267
    look(page, "report-not-candidates")
    page.click(".import-tabs a:has-text('Imported with warnings')")
    row = page.locator(".import-issues tbody tr", has_text="4828992900")
    expect(row).to_contain_text("is not a valid phone number")
    look(page, "report-warnings")
    row.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text(re.compile(r"Jarvise", re.IGNORECASE))
    expect(page.locator(".head-facts")).to_contain_text("1316940356")
    look(page, "imported-candidate")
    assert Candidate.objects.get(npi="1316940356").first_name[1:].islower()  # not in capitals
    assert script_errors == []
