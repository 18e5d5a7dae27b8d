"""Erasure as people do it, in Chromium: an owner erases a candidate from the record's page
(a confirmation naming what goes, then the log); a candidate asks from the preference centre
opened from the link in the email she actually got (read from the SMTP server on loopback),
confirms from the link emailed to her, and is gone."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from rounds.activities.actions import do_add_note
from rounds.candidates.choices import ErasureSource, ErasureStatus
from rounds.candidates.models import Candidate, Erasure
from rounds.messaging import delivery, outbox
from tests.browser.conftest import link_in_email, look, sign_in
from tests.browser.test_public_pages import amara  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def deliver() -> None:
    delivery.drain()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_owner_erases_a_candidate_from_the_record(live_server, browser_page, owner, amara,  # noqa: F811
                                                  recruiter):
    do_add_note(amara, actor=recruiter, body="Prefers rural practice, two kids")
    page = browser_page
    errors = sign_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/candidates/{amara.uuid}/")
    look(page, "record")
    page.get_by_role("link", name="Erase Amara Okafor…").click()
    expect(page.get_by_role("heading", name="Erase Amara Okafor")).to_be_visible()
    expect(page.locator("body")).to_contain_text("timeline entries")
    look(page, "confirm")
    page.get_by_role("button", name="Erase Amara Okafor").click()  # the box not ticked
    expect(page.get_by_role("alert")).to_contain_text("can't be undone")
    look(page, "confirm-unticked")
    assert Candidate.objects.filter(pk=amara.pk).exists()
    page.get_by_label("I understand that this can't be undone.").check()
    page.get_by_role("button", name="Erase Amara Okafor").click()
    expect(page.get_by_role("heading", name="Erasures")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Erased by an owner")
    look(page, "erasures")
    assert "Amara" not in page.content()
    assert Candidate._base_manager.get(pk=amara.pk).erased_at is not None
    assert errors == []


def test_candidate_asks_to_be_erased_from_the_preferences_in_her_email(
    live_server, phone_page, settings, smtp, amara, recruiter  # noqa: F811
):
    settings.PUBLIC_URL = live_server.url
    outbox.queue_message(
        amara, channel="email", subject="A family practice in Red Deer",
        body="Hi Amara, would a role with us interest you?", idempotency_key="hello-amara",
        actor=recruiter, purpose="outreach.message",
    )
    deliver()
    [sent] = smtp.wait_for(1)
    page = phone_page
    page.goto(link_in_email(sent, "/o/preferences/"))
    expect(page.get_by_role("heading", name="Hi Amara")).to_be_visible()
    look(page, "preferences")
    page.get_by_role("button", name="Erase my data…").click()
    expect(page.get_by_role("status").first).to_contain_text("emailed you a link to confirm")
    look(page, "erase-asked")
    assert Erasure.objects.get().status == ErasureStatus.REQUESTED

    deliver()
    confirmation = smtp.wait_for(2)[1]
    assert confirmation["To"] == "amara.okafor@example.com" or "amara.okafor@example.com" in str(
        confirmation["To"])
    page.goto(link_in_email(confirmation, "/o/erase/"))
    expect(page.get_by_role("button", name="Erase my data")).to_be_visible()
    look(page, "erase-confirm")
    assert Candidate.objects.filter(pk=amara.pk).exists()  # opening the link changes nothing
    page.get_by_role("button", name="Erase my data").click()
    expect(page.get_by_role("status")).to_contain_text("has been erased")
    look(page, "erased")

    done = Erasure.objects.get()
    assert (done.source, done.status) == (ErasureSource.CANDIDATE, ErasureStatus.DONE)
    tomb = Candidate._base_manager.get(pk=amara.pk)
    assert tomb.erased_at is not None and tomb.email == "" and tomb.first_name == "Erased"
    assert not re.search("amara", str(list(Candidate._base_manager.values())), re.I)


def test_owner_previews_the_retention_run_and_runs_it(live_server, browser_page, owner, org,
                                                      recruiter):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from rounds.candidates.actions import do_create_candidate

    with time_machine.travel(timezone.now() - timedelta(days=1000), tick=False):
        old = do_create_candidate(org.pk, actor=recruiter, first_name="Longgone",
                                  last_name="Quiet", profession="registered_nurse")
    page = browser_page
    errors = sign_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/accounts/settings/")
    look(page, "settings")
    page.get_by_role("link", name="who is due, and the runs").click()
    expect(page.get_by_role("heading", name="Retention period")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Longgone Quiet")
    look(page, "retention-preview")
    page.get_by_role("button", name="Anonymise them now").click()
    expect(page.get_by_role("region", name="Runs")).to_contain_text("Olivia")
    look(page, "retention-done")
    assert Candidate._base_manager.get(pk=old.pk).erased_at is not None
    assert errors == []
