"""A candidate named like an HTML tag (typed in, imported or posted through the API) is text on
every page the owner opens: the template preview shows the name literally and no script runs
(no dialog, no request minted in the owner's session)."""

import pytest
from playwright.sync_api import expect

from rounds.candidates.actions import do_create_candidate
from tests.browser.conftest import look, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = "<img src=x onerror=alert(1)>"


def test_a_hostile_name_is_text_in_the_template_preview(live_server, browser_page, org, owner):
    page = browser_page
    cand = do_create_candidate(org.pk, actor=owner, first_name=HOSTILE, last_name="Okafor",
                               email="hostile@example.com", profession="physician")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors = sign_in(page, live_server.url, owner)

    page.goto(f"{live_server.url}/outreach/templates/new/")
    look(page, "template-new")
    page.fill("#id_name", "Hello")
    page.fill("#id_subject", "For {{ candidate.first_name }}")
    page.select_option("#preview-candidate", str(cand.uuid))
    with page.expect_response("**/outreach/templates/preview/**"):
        page.fill("#id_body", "Dear {{ candidate.first_name }},\nhello")
    preview = page.locator("#template-preview .body")
    expect(preview).to_contain_text(f"Dear {HOSTILE},")
    assert page.locator("#template-preview img").count() == 0
    look(page, "template-preview")

    page.goto(f"{live_server.url}/candidates/{cand.uuid}/")
    expect(page.locator("h1")).to_contain_text(HOSTILE)
    look(page, "candidate")
    assert page.locator("main img[src=x]").count() == 0
    assert dialogs == [] and errors == []
