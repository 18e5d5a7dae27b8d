"""A recruiter merges two records of one person and keeps both of their addresses and numbers,
then adds someone by hand who looks like that person: Rounds warns, and the recruiter adds them
anyway, deliberately."""

import pytest

from rounds.candidates.actions import do_add_related, do_create_candidate
from rounds.candidates.models import Candidate, ContactPoint, DuplicateDismissal, Licence
from tests.browser.conftest import look, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recruiter_merges_keeps_both_emails_and_is_warned_of_a_duplicate(
    live_server, browser_page, org, recruiter
):
    from playwright.sync_api import expect

    first = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="amara.okafor@prairiehealth.ca",
        phone="403-555-0142",
        profession="physician",
        city="Calgary",
        region="AB",
        country="CA",
        preferred_channels=["sms", "email"],
    )
    second = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="amara@gmail.com",
        phone="587-555-0199",
        profession="physician",
        city="Red Deer",
        region="AB",
        country="CA",
        preferred_channels=["email"],
    )
    for c in (first, second):
        do_add_related(c, Licence, actor=recruiter, jurisdiction="CA-AB", number="CPSA-12345")

    page = browser_page
    base = live_server.url
    script_errors = sign_in(page, base, recruiter)

    page.goto(f"{base}/candidates/duplicates/")
    pair = page.locator(".dup-pair").first
    expect(pair).to_contain_text("same name and licence CPSA-12345 (Alberta)")
    look(page, "duplicates")
    pair.locator("a:has-text('Merge')").click()

    # The merge page speaks in words: channels, places.
    expect(page.locator("h1")).to_have_text("Merge two records")
    expect(page.locator(".merge-table")).to_contain_text("Text message, Email")
    expect(page.locator(".merge-table")).to_contain_text("Calgary, Alberta, Canada")
    expect(page.locator(".merge-moves")).to_contain_text("contact points")
    look(page, "merge")
    page.click("button:has-text('Merge into')")
    expect(page.locator("h1")).to_contain_text("Amara Okafor")
    facts = page.locator(".head-facts")
    expect(facts).to_contain_text("amara.okafor@prairiehealth.ca")
    expect(facts).to_contain_text("amara@gmail.com")  # the merged record's email, kept
    expect(facts).to_contain_text("(587) 555-0199")
    look(page, "merged")
    assert sorted(ContactPoint.objects.filter(candidate=first).values_list("value", flat=True)) == [
        "+15875550199",
        "amara@gmail.com",
    ]

    # Adding her again by hand, with her other address: a warning, nothing saved.
    page.goto(f"{base}/candidates/new/")
    look(page, "candidate-form")
    page.fill("#id_first_name", "Amara")
    page.fill("#id_last_name", "Okafor")
    page.select_option("#id_profession", "physician")
    page.fill("#id_email", "Amara@Gmail.com")
    page.click("button:has-text('Add candidate')")
    warning = page.locator(".duplicate-warning")
    expect(warning).to_contain_text("This may be someone already in your pool")
    expect(warning).to_contain_text("same email amara@gmail.com")
    expect(page.locator("#id_email")).to_have_value("Amara@Gmail.com")  # nothing typed lost
    look(page, "duplicate-warning")
    assert Candidate.objects.filter(merged_into__isnull=True).count() == 1

    # A different person after all (a namesake sharing the family's address): added on purpose.
    page.click("button:has-text('A different person: add anyway')")
    expect(page.locator(".head-facts")).to_contain_text("Amara@gmail.com")  # as typed
    look(page, "added-anyway")
    newcomer = Candidate.objects.filter(merged_into__isnull=True).exclude(pk=first.pk).get()
    assert DuplicateDismissal.objects.filter(first=first, second=newcomer).exists()
    assert script_errors == []
