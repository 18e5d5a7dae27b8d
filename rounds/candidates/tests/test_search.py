"""Candidate search (rounds/candidates/search.py): free text, filters, distance, sorting, pages,
tenancy and roles, and the free-text index staying in step with the records."""

import pytest
from django.core.exceptions import ValidationError

from rounds.activities.actions import do_add_note
from rounds.candidates.actions import do_add_related, do_create_candidate, do_update_candidate
from rounds.candidates.models import Candidate, Experience, Licence, Specialty
from rounds.candidates.search import (
    CandidateQuery,
    install_search_index,
    resolve_place,
    search_candidates,
    search_queryset,
    search_terms,
)
from rounds.pipeline.actions import do_add_to_pipeline


def make_people(org, actor):
    """Four people in Calgary, Red Deer and Houston, with specialties, licences, experience,
    notes and tags (Amara Okafor, the conftest `candidate`, is made by the caller)."""
    bruno = do_create_candidate(
        org.pk, actor=actor, first_name="Bruno", last_name="Tremblay",
        profession="registered_nurse",
        headline="Emergency RN, trauma and triage", city="Red Deer", region="AB", country="CA",
        status="active", source="referral", specialties=["Emergency nursing"],
        tags=["rural-ok"], credentials="RN",
    )
    do_add_related(bruno, Licence, actor=actor, jurisdiction="CA-AB", number="RN-5521")
    do_add_related(bruno, Experience, actor=actor, employer="Red Deer Regional Hospital",
                   role="Charge nurse", description="Night shift lead in a busy emergency room")
    do_add_note(bruno, actor=actor, body="Wants a four-on four-off rotation; call after 6pm.")

    carla = do_create_candidate(
        org.pk, actor=actor, first_name="Carla", last_name="Mendez",
        profession="nurse_practitioner", headline="Cardiology NP, heart failure clinic",
        postal_code="77002", country="US", status="not_looking", source="job_board",
        tags=["Locum-Interest"],
    )
    do_add_related(carla, Specialty, actor=actor, name="Cardiology", code="363LC0200X",
                   is_primary=True)
    do_add_related(carla, Licence, actor=actor, jurisdiction="US-TX", number="AP-77")
    do_add_related(carla, Licence, actor=actor, jurisdiction="US-LA", number="LA-12")

    dmitri = do_create_candidate(
        org.pk, actor=actor, first_name="Dmitri", last_name="Ivanov",
        profession="clinical_research_coordinator", headline="Research coordinator",
        city="Calgary", region="AB", country="CA", source="referral",
        specialties=["Oncology research", "Internal medicine research"],
    )
    do_add_related(dmitri, Experience, actor=actor, employer="Tom Baker Cancer Centre",
                   role="Study coordinator", description="Phase II oncology trials, GCP")
    return {"bruno": bruno, "carla": carla, "dmitri": dmitri}


@pytest.fixture
def people(candidate, org, recruiter):
    return {"amara": candidate, **make_people(org, recruiter)}


def find(user, **params):
    query = CandidateQuery.from_params(params)
    return [c.last_name for c in search_queryset(user, query)]


# --- free text ---------------------------------------------------------------------------------


def test_free_text_finds_by_partial_name(people, recruiter):
    assert find(recruiter, q="oka") == ["Okafor"]
    assert find(recruiter, q="Brun") == ["Tremblay"]
    assert find(recruiter, q="carla mendez") == ["Mendez"]


def test_free_text_finds_by_specialty_headline_experience_and_notes(people, recruiter):
    assert find(recruiter, q="cardio") == ["Mendez"]  # specialty and headline
    assert find(recruiter, q="obst") == ["Okafor"]  # headline prefix
    assert find(recruiter, q="oncology") == ["Ivanov"]  # experience description
    assert find(recruiter, q="Tom Baker") == ["Ivanov"]  # experience employer
    assert find(recruiter, q="rotation") == ["Tremblay"]  # a note
    assert find(recruiter, q="emergency nursing") == ["Tremblay"]


def test_every_word_must_match(people, recruiter):
    assert sorted(find(recruiter, q="family")) == ["Okafor"]
    assert find(recruiter, q="family oncology") == []
    assert sorted(find(recruiter, q="research")) == ["Ivanov"]


def test_punctuation_and_case_do_not_matter(people, recruiter):
    assert find(recruiter, q="  OKAFOR!!  ") == ["Okafor"]
    assert find(recruiter, q='"heart-failure"') == ["Mendez"]
    assert search_terms("Dr. O'Neil, (RN)") == ["dr", "o", "neil", "rn"]
    assert find(recruiter, q="&|!:*()'\"") == sorted(find(recruiter))  # only punctuation


def test_search_follows_changes_to_the_record(people, recruiter):
    bruno = people["bruno"]
    do_update_candidate(bruno, actor=recruiter, headline="Flight nurse, STARS air ambulance")
    assert find(recruiter, q="stars air") == ["Tremblay"]
    assert find(recruiter, q="triage") == []
    Candidate.objects.filter(pk=bruno.pk).delete()
    assert find(recruiter, q="stars") == []


def test_search_index_install_is_idempotent(db):
    assert install_search_index() is False  # the migration made it already


def test_text_search_ranks_name_matches_first(people, recruiter, org):
    do_create_candidate(org.pk, actor=recruiter, first_name="Zed", last_name="Adams",
                        profession="physician", headline="Works with Dr. Tremblay's team")
    assert find(recruiter, q="tremblay") == ["Tremblay", "Adams"]
    query = CandidateQuery.from_params({"q": "tremblay"})
    assert query.sort == "relevance"


# --- filters -----------------------------------------------------------------------------------


def test_filter_by_profession_status_and_source(people, recruiter):
    assert find(recruiter, profession="registered_nurse") == ["Tremblay"]
    assert find(recruiter, status="not_looking") == ["Mendez"]
    assert sorted(find(recruiter, source="referral")) == ["Ivanov", "Tremblay"]
    assert find(recruiter, source="referral", status="active") == ["Tremblay"]


def test_filter_by_specialty_name_or_code_without_duplicates(people, recruiter):
    assert find(recruiter, specialty="cardio") == ["Mendez"]
    assert find(recruiter, specialty="363lc0200x") == ["Mendez"]
    # Two of Dmitri's specialties match "research": he is listed, and counted, once.
    assert find(recruiter, specialty="research") == ["Ivanov"]
    page = search_candidates(recruiter, CandidateQuery.from_params({"specialty": "research"}))
    assert page.total == 1


def test_filter_by_licence_jurisdiction_accepts_codes_and_names(people, recruiter):
    assert find(recruiter, jurisdiction="CA-AB") == ["Tremblay"]
    assert find(recruiter, jurisdiction="Texas") == ["Mendez"]
    assert find(recruiter, jurisdiction="AB") == ["Tremblay"]
    assert find(recruiter, jurisdiction="US-LA") == ["Mendez"]


def test_filter_by_tag_is_case_insensitive(people, recruiter):
    assert find(recruiter, tag="locum-interest") == ["Mendez"]
    assert find(recruiter, tag="rural-ok") == ["Tremblay"]
    assert find(recruiter, tag="no-such-tag") == []


def test_filters_combine_with_text(people, recruiter):
    assert find(recruiter, q="calgary", profession="physician") == []  # city isn't in the text
    assert find(recruiter, q="research", jurisdiction="CA-AB") == []
    assert find(recruiter, q="nurse", jurisdiction="CA-AB", tag="rural-ok") == ["Tremblay"]


# --- distance ----------------------------------------------------------------------------------


def test_within_km_of_a_city(people, recruiter):
    assert sorted(find(recruiter, near="Calgary, AB", within_km="50")) == ["Ivanov", "Okafor"]
    assert find(recruiter, near="Calgary, AB", within_km="200", sort="distance")[-1] == "Tremblay"
    assert "Mendez" not in find(recruiter, near="Calgary, AB", within_km="1000")
    assert find(recruiter, near="Houston, TX", within_km="100") == ["Mendez"]


def test_within_km_of_a_postal_code_with_distances(people, recruiter):
    query = CandidateQuery.from_params({"near": "T4N 1A1", "within_km": "200"})  # Red Deer
    page = search_candidates(recruiter, query)
    assert [c.last_name for c in page.items][0] == "Tremblay"
    by_name = {c.last_name: c.distance_km for c in page.items}
    assert by_name["Tremblay"] < 15
    assert 100 < by_name["Okafor"] < 180  # Red Deer to Calgary is about 140 km
    assert "Mendez" not in by_name


def test_near_without_distance_sorts_everyone_by_distance(people, recruiter, org):
    do_create_candidate(org.pk, actor=recruiter, first_name="Nora", last_name="Nowhere",
                        profession="physician")
    query = CandidateQuery.from_params({"near": "Red Deer, AB"})
    assert query.sort == "distance"
    page = search_candidates(recruiter, query)
    names = [c.last_name for c in page.items]
    assert names[0] == "Tremblay"
    assert names[-2:] == ["Mendez", "Nowhere"]  # farthest, then the unknown location
    assert page.items[-1].distance_km is None
    assert page.items[-2].distance_km > 2000


def test_resolve_place_reads_postal_codes_and_cities():
    assert resolve_place("T2P 1J9").region == "AB"
    assert resolve_place("77002").region == "TX"
    assert resolve_place("Houston, Texas").country == "US"
    assert resolve_place("Red Deer, Alberta").region == "AB"
    assert resolve_place("Atlantis, ZZ") is None


def test_a_bare_name_is_placed_in_the_organizations_country():
    assert resolve_place("Austin", "US").region == "TX"
    assert resolve_place("Near Houston", "US").region == "TX"
    query = CandidateQuery.from_params({"near": "Austin"}, country="US")
    assert str(query.match) == "Austin, TX (the largest Austin in the US)"


def test_distances_are_typed_in_the_organizations_unit():
    query = CandidateQuery.from_params({"near": "Austin", "within": "25"}, unit="mi",
                                       country="US")
    assert query.within == 25 and query.unit == "mi"
    assert query.within_km == pytest.approx(40.2336)
    assert query.as_params() == {"near": "Austin", "within": "25", "unit": "mi",
                                 "sort": "distance"}
    # The API's within_km stays in kilometres whatever the organization's unit.
    query = CandidateQuery.from_params({"near": "Austin", "within_km": "25"}, unit="mi")
    assert query.within_km == 25
    with pytest.raises(ValidationError) as exc:
        CandidateQuery.from_params({"near": "Austin", "within": "4000"}, unit="mi")
    assert exc.value.message_dict["within"] == ["Distance can be at most 3,107 mi."]


def test_a_query_read_without_the_country_is_placed_in_the_searchers_country(
        other_org, outsider):
    austin = do_create_candidate(other_org.pk, actor=outsider, first_name="Ana",
                                 last_name="Austin", profession="physician",
                                 postal_code="78701", country="US")
    query = CandidateQuery.from_params({"near": "Austin", "within": "20"})
    assert [c.pk for c in search_queryset(outsider, query)] == [austin.pk]


# --- sorting and pages -------------------------------------------------------------------------


def test_sort_by_name_both_ways_and_by_newest(people, recruiter):
    assert find(recruiter) == ["Ivanov", "Mendez", "Okafor", "Tremblay"]
    assert find(recruiter, sort="-name") == ["Tremblay", "Okafor", "Mendez", "Ivanov"]
    assert find(recruiter, sort="recent") == ["Ivanov", "Mendez", "Tremblay", "Okafor"]


def test_sort_by_activity_puts_never_contacted_last(people, recruiter):
    do_add_note(people["carla"], actor=recruiter, body="Called back.")
    names = find(recruiter, sort="activity")
    assert names[0] == "Mendez"
    assert names[1] == "Tremblay"
    assert set(names[2:]) == {"Okafor", "Ivanov"}


def test_pages_split_the_results(people, recruiter):
    first = search_candidates(recruiter, CandidateQuery.from_params({"per_page": "3"}))
    assert (first.total, first.pages, first.has_next, first.has_previous) == (4, 2, True, False)
    assert [c.last_name for c in first.items] == ["Ivanov", "Mendez", "Okafor"]
    second = search_candidates(recruiter, CandidateQuery.from_params({"per_page": "3",
                                                                        "page": "2"}))
    assert [c.last_name for c in second.items] == ["Tremblay"]
    assert (second.has_next, second.has_previous, second.start_index) == (False, True, 4)


def test_a_page_past_the_end_shows_the_last_page(people, recruiter):
    page = search_candidates(recruiter, CandidateQuery.from_params({"per_page": "3",
                                                                      "page": "9"}))
    assert page.page == 2
    assert page.warnings == ["There is no page 9; showing page 2."]


def test_per_page_is_capped():
    assert CandidateQuery.from_params({"per_page": "100000"}).per_page == 200


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("params, field", [
    ({"profession": "wizard"}, "profession"),
    ({"status": "asleep"}, "status"),
    ({"source": "carrier pigeon"}, "source"),
    ({"jurisdiction": "Narnia"}, "jurisdiction"),
    ({"near": "Atlantis, ZZ"}, "near"),
    ({"within_km": "50"}, "within_km"),
    ({"near": "Calgary, AB", "within_km": "far"}, "within_km"),
    ({"near": "Calgary, AB", "within_km": "-3"}, "within_km"),
    ({"near": "Calgary, AB", "within_km": "nan"}, "within_km"),
    ({"sort": "distance"}, "sort"),
    ({"sort": "salary"}, "sort"),
    ({"page": "two"}, "page"),
    ({"page": "0"}, "page"),
    ({"per_page": "-1"}, "per_page"),
])
def test_bad_parameters_name_the_field(params, field):
    with pytest.raises(ValidationError) as exc:
        CandidateQuery.from_params(params)
    assert list(exc.value.message_dict) == [field]
    assert exc.value.message_dict[field][0]


# --- who sees what -----------------------------------------------------------------------------


def test_recruiter_cannot_see_other_org_candidates(people, recruiter, outsider, other_org):
    do_create_candidate(other_org.pk, actor=outsider, first_name="Amara", last_name="Okafor",
                        profession="physician", headline="Family physician obstetrics")
    assert find(recruiter, q="okafor") == ["Okafor"]
    assert [c.organization_id for c in search_queryset(
        recruiter, CandidateQuery(q="okafor"))] == [people["amara"].organization_id]
    assert find(outsider, q="okafor") == ["Okafor"]
    assert find(outsider) == ["Okafor"]
    assert find(outsider, jurisdiction="CA-AB") == []
    assert find(outsider, tag="rural-ok") == []
    assert find(outsider, near="Calgary, AB", within_km="100") == []


def test_hiring_manager_sees_only_candidates_in_their_jobs(people, recruiter, hiring_manager,
                                                           job):
    assert find(hiring_manager) == []
    job.hiring_team.add(hiring_manager)
    do_add_to_pipeline(people["carla"], job, actor=recruiter)
    assert find(hiring_manager) == ["Mendez"]
    assert find(hiring_manager, q="tremblay") == []
    assert search_candidates(hiring_manager, CandidateQuery()).total == 1


def test_merged_records_are_not_listed(people, recruiter):
    dmitri = people["dmitri"]
    Candidate.objects.filter(pk=dmitri.pk).update(merged_into=people["amara"])
    assert "Ivanov" not in find(recruiter)
    assert find(recruiter, q="oncology") == []


def test_page_items_carry_their_related_rows(people, recruiter, django_assert_num_queries):
    page = search_candidates(recruiter, CandidateQuery())
    with django_assert_num_queries(0):
        carla = next(c for c in page.items if c.last_name == "Mendez")
        assert [lic.jurisdiction for lic in carla.licences.all()] == ["US-LA", "US-TX"]
        assert [t.name for t in carla.tags.all()] == ["Locum-Interest"]
        assert [s.name for s in carla.specialties.all()] == ["Cardiology"]


def test_deep_pages_fetched_by_id_keep_order_and_distances(people, recruiter, monkeypatch):
    from rounds.candidates import search

    monkeypatch.setattr(search, "DEFERRED_OFFSET", 1)
    query = CandidateQuery.from_params({"near": "Calgary, AB", "per_page": "1", "page": "3"})
    page = search_candidates(recruiter, query)
    assert [c.last_name for c in page.items] == ["Tremblay"]
    assert 100 < page.items[0].distance_km < 200
    query = CandidateQuery.from_params({"per_page": "2", "page": "2", "sort": "-name"})
    page = search_candidates(recruiter, query)
    assert [c.last_name for c in page.items] == ["Mendez", "Ivanov"]
    assert [lic.jurisdiction for lic in page.items[0].licences.all()] == ["US-LA", "US-TX"]
