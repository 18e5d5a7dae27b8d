"""Finding likely duplicates, the duplicates page and "not a duplicate"."""

import pytest
from django.db import transaction
from django.urls import reverse

from rounds.audit.models import AuditEvent
from rounds.candidates.actions import do_add_related, do_create_candidate
from rounds.candidates.duplicates import (
    do_dismiss_duplicate,
    duplicates_of,
    find_duplicate_groups,
)
from rounds.candidates.merge import do_merge_candidates
from rounds.candidates.models import Candidate, DuplicateDismissal, Licence


def make(org, actor, first, last, **fields):
    fields.setdefault("profession", "physician")
    return do_create_candidate(org.pk, actor=actor, first_name=first, last_name=last, **fields)


def pair_keys(org):
    return {frozenset((p.first.pk, p.second.pk)): p.reasons for p in find_duplicate_groups(org.pk)}


def test_same_email_in_different_case_is_a_duplicate(org, recruiter, candidate):
    twin = make(org, recruiter, "A.", "Okafor", email="AMARA.OKAFOR@example.COM")
    pairs = pair_keys(org)
    assert pairs[frozenset((candidate.pk, twin.pk))] == ["same email amara.okafor@example.com"]


def test_same_phone_in_different_formats_is_a_duplicate(org, recruiter, candidate):
    twin = make(org, recruiter, "Amy", "Okafor-Smith", phone="+1 (403) 555 0142")
    assert twin.phone_normalized == candidate.phone_normalized == "+14035550142"
    reasons = pair_keys(org)[frozenset((candidate.pk, twin.pk))]
    assert reasons == ["same phone (403) 555-0142"]


def test_same_name_and_licence_number_is_a_duplicate(org, recruiter):
    a = make(org, recruiter, "Jonas", "Berg")
    b = make(org, recruiter, " jonas ", "BERG ")
    do_add_related(a, Licence, actor=recruiter, jurisdiction="CA-AB", number="12345")
    do_add_related(b, Licence, actor=recruiter, jurisdiction="CA-AB", number="12345")
    assert pair_keys(org)[frozenset((a.pk, b.pk))] == ["same name and licence 12345 (Alberta)"]


def test_same_licence_with_a_different_name_is_not_a_duplicate(org, recruiter):
    a = make(org, recruiter, "Jonas", "Berg")
    b = make(org, recruiter, "Maria", "Berg")
    do_add_related(a, Licence, actor=recruiter, jurisdiction="CA-AB", number="12345")
    do_add_related(b, Licence, actor=recruiter, jurisdiction="CA-AB", number="12345")
    assert pair_keys(org) == {}


def test_several_reasons_are_all_given(org, recruiter, candidate):
    twin = make(org, recruiter, "Amara", "Okafor", email="amara.okafor@example.com",
                phone="403.555.0142")
    reasons = pair_keys(org)[frozenset((candidate.pk, twin.pk))]
    assert len(reasons) == 2


def test_different_people_are_not_paired(org, recruiter, candidate):
    make(org, recruiter, "Amara", "Okafor", email="another@example.com", phone="403-555-0199")
    assert pair_keys(org) == {}


def test_dismissed_pair_is_hidden(org, recruiter, candidate):
    twin = make(org, recruiter, "Amara", "O.", email="amara.okafor@example.com")
    with transaction.atomic():
        do_dismiss_duplicate(twin, candidate, actor=recruiter)
        do_dismiss_duplicate(candidate, twin, actor=recruiter)  # twice: nothing new
    assert DuplicateDismissal.objects.count() == 1
    assert pair_keys(org) == {}
    assert duplicates_of(candidate) == []
    assert AuditEvent.objects.filter(changes__has_key="not_a_duplicate_of").count() == 2


def test_merged_records_are_not_suggested(org, recruiter, candidate):
    twin = make(org, recruiter, "Amara", "O.", email="amara.okafor@example.com")
    with transaction.atomic():
        do_merge_candidates(candidate, twin, actor=recruiter)
    assert pair_keys(org) == {}


def test_other_organizations_records_are_never_paired(org, other_org, recruiter, outsider,
                                                      candidate):
    make(other_org, outsider, "Amara", "Okafor", email="amara.okafor@example.com",
         phone="403-555-0142")
    assert pair_keys(org) == {}
    assert pair_keys(other_org) == {}
    assert duplicates_of(candidate) == []


def test_duplicates_of_one_record_and_of_an_unsaved_row(org, recruiter, candidate):
    twin = make(org, recruiter, "Amara", "Okafor", phone="(403) 555-0142")
    do_add_related(candidate, Licence, actor=recruiter, jurisdiction="CA-AB", number="A-1")
    matches = duplicates_of(twin)
    assert [m.candidate for m in matches] == [candidate]
    row = Candidate(organization_id=org.pk, first_name="amara", last_name="okafor",
                    email_normalized="", phone_normalized="")
    found = duplicates_of(row, licence_numbers=["a-1"])
    assert [m.candidate for m in found] == [candidate]
    assert found[0].reasons == ["same name and licence A-1 (Alberta)"]


def test_large_group_is_reported_as_pairs_with_its_oldest_record(org, recruiter):
    people = [make(org, recruiter, "P", f"N{i}", email="frontdesk@clinic.ca") for i in range(12)]
    pairs = find_duplicate_groups(org.pk)
    assert len(pairs) == 11
    assert {p.first.pk for p in pairs} == {people[0].pk}


# --- The page -------------------------------------------------------------------------------

def test_duplicates_page_shows_pairs_side_by_side(org, recruiter, login, candidate, job):
    twin = make(org, recruiter, "Amara", "Okafor", email="AMARA.okafor@example.com",
                city="Red Deer", region="AB", country="CA")
    do_add_related(twin, Licence, actor=recruiter, jurisdiction="CA-AB", number="777")
    response = login(recruiter).get(reverse("candidates:duplicates"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "same email amara.okafor@example.com" in html
    assert "Red Deer" in html and "Calgary" in html
    assert "CA-AB 777" in html
    assert reverse("candidates:merge", args=[candidate.uuid, twin.uuid]) in html
    assert "Not a duplicate" in html


def test_duplicates_page_query_count_is_bounded(
    org, recruiter, login, django_assert_max_num_queries
):
    for i in range(15):
        a = make(org, recruiter, "Dup", f"Person{i}", email=f"dup{i}@example.com")
        make(org, recruiter, "Dup", f"Person{i}", email=f"DUP{i}@example.com")
        do_add_related(a, Licence, actor=recruiter, jurisdiction="CA-AB", number=f"L{i}")
    client = login(recruiter)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("candidates:duplicates"))
    assert len(response.context["pairs"]) == 15


def test_not_a_duplicate_button_hides_the_pair(org, recruiter, login, candidate):
    twin = make(org, recruiter, "Amara", "O.", email="amara.okafor@example.com")
    client = login(recruiter)
    response = client.post(reverse("candidates:duplicate_dismiss"),
                           {"first": candidate.uuid, "second": twin.uuid})
    assert response.status_code == 302
    assert client.get(reverse("candidates:duplicates")).context["pairs"] == []
    # With htmx the card is replaced by nothing.
    third = make(org, recruiter, "Amara", "X.", email="amara.okafor@example.com")
    response = client.post(reverse("candidates:duplicate_dismiss"),
                           {"first": candidate.uuid, "second": third.uuid},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""


def test_dismiss_with_bad_input_says_so(org, recruiter, login, candidate):
    client = login(recruiter)
    response = client.post(reverse("candidates:duplicate_dismiss"), {"first": "nope"},
                           follow=True)
    assert "Choose the two records" in response.content.decode()
    response = client.post(reverse("candidates:duplicate_dismiss"),
                           {"first": candidate.uuid, "second": candidate.uuid}, follow=True)
    assert "cannot be a duplicate of itself" in response.content.decode()
    assert DuplicateDismissal.objects.count() == 0


def test_outsider_cannot_see_or_dismiss_pairs(org, recruiter, outsider, login, candidate):
    twin = make(org, recruiter, "Amara", "O.", email="amara.okafor@example.com")
    client = login(outsider)
    assert client.get(reverse("candidates:duplicates")).context["pairs"] == []
    response = client.post(reverse("candidates:duplicate_dismiss"),
                           {"first": candidate.uuid, "second": twin.uuid})
    assert response.status_code == 404
    assert DuplicateDismissal.objects.count() == 0


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_only_editors_see_duplicates(org, recruiter, login, candidate, persona, request):
    twin = make(org, recruiter, "Amara", "O.", email="amara.okafor@example.com")
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("candidates:duplicates")).status_code == 403
    response = client.post(reverse("candidates:duplicate_dismiss"),
                           {"first": candidate.uuid, "second": twin.uuid})
    assert response.status_code == 403
    assert DuplicateDismissal.objects.count() == 0
