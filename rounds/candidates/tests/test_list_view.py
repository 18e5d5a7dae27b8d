"""The candidate list page (candidates:list): search box, filters, sorting, pages, htmx partial,
messages for bad filters, roles, tenancy and a bounded number of queries."""

import pytest
from django.urls import reverse

from rounds.candidates.actions import do_add_related, do_create_candidate
from rounds.candidates.models import Licence
from rounds.pipeline.actions import do_add_to_pipeline

from .test_search import make_people

URL = reverse("candidates:list")


@pytest.fixture
def people(candidate, org, recruiter):
    return {"amara": candidate, **make_people(org, recruiter)}


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_recruiter_sees_candidates_with_their_details(people, recruiter, login):
    response = login(recruiter).get(URL)
    assert response.status_code == 200
    assert response.context["nav"] == "candidates"
    html = response.content.decode()
    assert "4</strong> candidates" in html
    carla = people["carla"]
    assert reverse("candidates:detail", args=[carla.uuid]) in html
    assert "Cardiology" in html and "Nurse practitioner" in html
    assert ">US-TX<" in html and ">US-LA<" in html
    assert "Locum-Interest" in html
    assert "Not looking" in html
    assert 'hx-trigger="keyup changed delay:300ms, search"' in html
    for name in ("candidates:create", "imports:list", "candidates:duplicates",
                 "candidates:export"):
        assert reverse(name) in html


def test_read_only_user_sees_the_list_without_editing_buttons(people, read_only, login):
    response = login(read_only).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Okafor" in html
    for name in ("candidates:create", "imports:list", "candidates:duplicates",
                 "candidates:export"):
        assert reverse(name) not in html


def test_search_and_filters_narrow_the_list(people, recruiter, login):
    c = login(recruiter)
    response = c.get(URL, {"q": "cardio"})
    assert [x.last_name for x in response.context["result"].items] == ["Mendez"]
    response = c.get(URL, {"jurisdiction": "CA-AB", "tag": "rural-ok", "status": "active"})
    assert [x.last_name for x in response.context["result"].items] == ["Tremblay"]
    assert 'value="CA-AB" selected' in response.content.decode()


def test_near_shows_distances(people, recruiter, login):
    response = login(recruiter).get(URL, {"near": "Red Deer, AB", "within_km": "200"})
    html = response.content.decode()
    assert [x.last_name for x in response.context["result"].items][0] == "Tremblay"
    assert " km</div>" in html
    assert "distances in kilometres from Red Deer, AB" in html


def test_htmx_request_gets_only_the_results(people, recruiter, login):
    response = login(recruiter).get(URL, {"q": "oka"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert "Okafor" in html and "Tremblay" not in html


def test_bad_filters_show_a_message_and_the_other_filters_still_apply(people, recruiter, login):
    response = login(recruiter).get(URL, {"profession": "registered_nurse", "page": "x",
                                          "jurisdiction": "Narnia"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not a licensing jurisdiction" in html
    assert "Must be a whole number." in html
    assert "Results below ignore those filters" in html
    assert [x.last_name for x in response.context["result"].items] == ["Tremblay"]


def test_a_place_that_cant_be_found_is_an_error_on_the_filter_and_nothing_is_searched(
        people, recruiter, login):
    response = login(recruiter).get(URL, {"profession": "registered_nurse", "near": "Atlantis",
                                          "within": "10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "can&#x27;t place “Atlantis”" in html
    assert 'id="near-note" class="small field-note error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="Atlantis"' in html and 'value="10"' in html  # kept, to be corrected
    assert "Nothing was searched" in html
    assert response.context["result"].items == [] and "Tremblay" not in html


def test_a_bad_distance_is_an_error_and_nothing_is_searched(people, recruiter, login):
    response = login(recruiter).get(URL, {"near": "Red Deer, AB", "within": "far"})
    html = response.content.decode()
    assert "Distance must be a number of kilometres" in html
    assert response.context["result"].items == []


def us_people(other_org, outsider):
    """A Texas staffing firm's pool: Austin, Georgetown (about 37 km north), Houston."""
    for first, last, postal in (("Ana", "Austin", "78701"), ("Rex", "Round", "78626"),
                                ("Hugo", "Houston", "77002")):
        do_create_candidate(other_org.pk, actor=outsider, first_name=first, last_name=last,
                            profession="physician", postal_code=postal, country="US")


def test_a_us_organization_searches_near_a_bare_city_name_in_miles(other_org, outsider, login):
    us_people(other_org, outsider)
    response = login(outsider).get(URL, {"near": "Austin", "within": "25"})
    html = response.content.decode()
    assert [c.last_name for c in response.context["result"].items] == ["Austin", "Round"]
    assert "Austin, TX (the largest Austin in the US)" in html
    assert "distances in miles from" in html
    assert "Within (mi)" in html and '<input type="hidden" name="unit" value="mi">' in html
    assert " mi</div>" in html and " km</div>" not in html
    georgetown = response.context["result"].items[1]
    assert georgetown.distance_label == f"{georgetown.distance_km / 1.609344:,.0f} mi"
    # 25 miles is 40 km: Georgetown is in, not within 25 km.
    response = login(outsider).get(URL, {"near": "Austin", "within": "25", "unit": "km"})
    assert [c.last_name for c in response.context["result"].items] == ["Austin"]
    # The links of the page keep the distance and its unit.
    response = login(outsider).get(URL, {"near": "Austin", "within": "25", "sort": "name"})
    assert response.context["sort_links"]["name"]["url"] == \
        "?near=Austin&within=25&unit=mi&sort=-name"


def test_a_canadian_organization_finds_houston_in_texas_and_says_so(people, recruiter, login):
    response = login(recruiter).get(URL, {"near": "Houston", "within": "100"})
    assert [c.last_name for c in response.context["result"].items] == ["Mendez"]
    assert "Houston, TX, USA (no Houston in Canada; the largest in the US)" in \
        response.content.decode()


def test_licence_jurisdictions_list_the_organizations_country_first(people, recruiter,
                                                                      outsider, login):
    html = login(recruiter).get(URL).content.decode()
    assert html.index('label="Canada"') < html.index('label="United States"')
    html = login(outsider).get(URL).content.decode()
    assert html.index('label="United States"') < html.index('label="Canada"')
    assert html.index("Alabama (US-AL)") < html.index("Texas (US-TX)")


def test_sort_headers_and_pages_link_with_the_current_filters(people, recruiter, login):
    response = login(recruiter).get(URL, {"q": "", "per_page": "2", "sort": "name",
                                          "source": "referral"})
    ctx = response.context
    assert ctx["sort_links"]["name"]["url"] == "?source=referral&sort=-name&per_page=2"
    assert ctx["result"].pages == 1  # two referrals
    assert ctx["next_url"] == ""
    response = login(recruiter).get(URL, {"per_page": "2", "sort": "-name"})
    assert response.context["result"].pages == 2
    assert [x.last_name for x in response.context["result"].items] == ["Tremblay", "Okafor"]
    assert response.context["next_url"] == "?sort=-name&page=2&per_page=2"
    assert "?sort=-name&amp;page=2&amp;per_page=2" in response.content.decode()


def test_empty_result_says_so(people, recruiter, login):
    response = login(recruiter).get(URL, {"q": "zzzzqqq"})
    assert "No one matches" in response.content.decode()


def test_outsider_sees_none_of_the_org_candidates(people, outsider, login):
    response = login(outsider).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["result"].total == 0
    assert "Okafor" not in html and "Tremblay" not in html
    assert "rural-ok" not in html  # the org's tags aren't offered either
    assert login(outsider).get(URL, {"q": "okafor"}).context["result"].total == 0


def test_hiring_manager_sees_only_candidates_in_their_jobs(people, recruiter, hiring_manager,
                                                           job, login):
    job.hiring_team.add(hiring_manager)
    do_add_to_pipeline(people["bruno"], job, actor=recruiter)
    response = login(hiring_manager).get(URL)
    assert [x.last_name for x in response.context["result"].items] == ["Tremblay"]
    assert "Okafor" not in response.content.decode()
    assert reverse("candidates:export") not in response.content.decode()


def test_list_runs_a_bounded_number_of_queries(org, recruiter, login,
                                               django_assert_max_num_queries):
    for i in range(60):
        c = do_create_candidate(
            org.pk, actor=recruiter, first_name=f"Person{i}", last_name=f"Family{i:02d}",
            profession="physician", city="Calgary", region="AB", country="CA",
            headline="Family physician", specialties=["Family medicine", "Obstetrics"],
            tags=["ccfp", f"cohort-{i % 5}"],
        )
        do_add_related(c, Licence, actor=recruiter, jurisdiction="CA-AB", number=f"A{i}")
        do_add_related(c, Licence, actor=recruiter, jurisdiction="CA-BC", number=f"B{i}")
    c = login(recruiter)
    c.get(URL)  # the session is loaded once
    for params in ({"per_page": "10"}, {"per_page": "50"},
                   {"q": "family", "near": "Calgary, AB", "within_km": "30", "per_page": "50",
                    "jurisdiction": "CA-AB", "tag": "ccfp", "specialty": "obst"}):
        with django_assert_max_num_queries(10):  # 9 + the one audit event
            response = c.get(URL, params)
        assert response.status_code == 200
        assert len(response.context["result"].items) == int(params["per_page"])


def test_a_relocation_radius_is_shown_in_the_organizations_unit(other_org, outsider, login):
    person = do_create_candidate(other_org.pk, actor=outsider, first_name="Ana",
                                 last_name="Austin", profession="physician",
                                 willing_to_relocate=True, relocation_radius_km=161)
    html = login(outsider).get(reverse("candidates:detail", args=[person.uuid])).content.decode()
    assert "will relocate · 100 mi" in html
