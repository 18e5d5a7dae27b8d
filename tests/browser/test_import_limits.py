"""A recruiter uploads a hostile workbook (a row reaching column XFD, 2 KB on disk) and then a
file longer than the organization's limit: the first is refused on the import page with a
message saying what to do; the second is refused by the worker, and the import's page says so."""

import pytest
from django.core.management import call_command

from rounds.candidates.models import Candidate
from rounds.imports.tests import bombs
from rounds.imports.tests.conftest import csv_bytes, person
from tests.browser.conftest import look, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_recruiter_sees_why_a_file_is_refused(live_server, browser_page, org, recruiter,
                                              settings):
    from playwright.sync_api import expect

    settings.IMPORT_INSPECT_ROWS = 20
    settings.IMPORT_INLINE_MAX_ROWS = 5
    settings.IMPORT_MAX_ROWS = 60
    page = browser_page
    base = live_server.url
    script_errors = sign_in(page, base, recruiter)

    page.goto(f"{base}/imports/")
    look(page, "imports")
    page.set_input_files("#id_file", files=[{
        "name": "wide.xlsx", "mimeType": XLSX, "buffer": bombs.wide_row_bomb()}])
    page.click("button:has-text('Upload and map columns')")
    expect(page.locator("main")).to_contain_text(
        "Line 2 has 16,384 columns (up to column XFD); at most 400 columns can be imported. "
        "Delete the extra columns and save again.")
    look(page, "refused-too-wide")

    # Longer than the limit: the upload reads the first rows only; the worker counts and says no.
    page.set_input_files("#id_file", files=[{
        "name": "long.csv", "mimeType": "text/csv",
        "buffer": csv_bytes([person(i) for i in range(1, 81)])}])
    page.click("button:has-text('Upload and map columns')")
    expect(page.locator("main")).to_contain_text(
        "More than 50 rows (counted when the import starts)")
    look(page, "mapping-uncounted")
    page.click("button:has-text('Import the rows')")
    expect(page.locator("#import-progress")).to_contain_text("Waiting for a worker")
    expect(page.locator("#import-progress")).to_contain_text("Counting the rows")
    look(page, "waiting")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    page.reload()
    expect(page.locator("main")).to_contain_text(
        "The file has more than 60 rows; at most 60 can be imported at once. Split it and import "
        "the parts.")
    look(page, "refused-too-long")
    assert not Candidate.objects.filter(organization=org).exists()
    assert script_errors == []
