"""A job's Matches tab, the candidate's suggested jobs and the matching settings page."""

import re

import pytest
from django.urls import reverse

from conftest import make_candidates
from rounds.matching.choices import DEFAULT_WEIGHTS
from rounds.matching.models import MatchFeedback, MatchWeights, WeightChange
from rounds.pipeline.actions import do_add_to_pipeline
from rounds.pipeline.models import Application

HTMX = {"HTTP_HX_REQUEST": "true"}


def matches_url(job, **query):
    url = reverse("matching:job", args=[job.uuid])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def names_in_order(html, *names):
    """The names as they appear in the ranked list, in page order (missing ones left out)."""
    found = [(html.find(f">{n}</a>"), n) for n in names]
    return [n for pos, n in sorted(found) if pos >= 0]


# --- the Matches tab ---------------------------------------------------------------------------

def test_matches_tab_ranks_the_best_candidate_first_with_reasons_and_gaps(login, recruiter,
                                                                          match_job, pool):
    response = login(recruiter).get(matches_url(match_job))
    assert response.status_code == 200
    html = response.content.decode()
    assert names_in_order(html, "Amara Okafor", "Bilal Rahman", "Chloe Tremblay",
                          "Dev Patel") == ["Amara Okafor", "Bilal Rahman"]
    # What matching understood, at the top.
    assert html.index("What matching understood") < html.index("Amara Okafor")
    assert "Family Medicine" in html and "licence: Alberta" in html
    # Reasons in green ticks for Amara, gaps for Bilal.
    amara = html[html.index(">Amara Okafor</a>"):html.index(">Bilal Rahman</a>")]
    assert "Licensed in AB" in amara and 'class="reason"' in amara
    bilal = html[html.index(">Bilal Rahman</a>"):]
    assert 'class="gap"' in bilal and "Near-miss" in bilal
    # Only the law excludes: the nurse practitioner and the person who asked not to be contacted.
    assert "Excluded (2)" in html
    assert "Asked not to be contacted" in html
    assert re.search(r"Ranked 2 candidates in [\d.]+ ms", html)
    # Buttons for a recruiter.
    assert "Add to pipeline" in html and 'aria-pressed="false"' in html
    assert reverse("matching:weights") in html


def test_job_page_has_a_matches_tab(login, recruiter, match_job):
    html = login(recruiter).get(reverse("jobs:detail", args=[match_job.uuid])).content.decode()
    assert f'href="{matches_url(match_job)}"' in html and ">Matches</a>" in html


def test_people_in_the_pipeline_are_hidden_by_default_and_shown_with_their_stage(
        login, recruiter, match_job, pool):
    do_add_to_pipeline(pool["amara"], match_job, actor=recruiter)
    client = login(recruiter)
    html = client.get(matches_url(match_job)).content.decode()
    assert ">Amara Okafor</a>" not in html and ">Bilal Rahman</a>" in html
    assert "1 already in this pipeline not shown" in html
    # Unticking the box (the form says f=1 and leaves hide_pipeline out).
    html = client.get(matches_url(match_job, f=1), **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="match-results"')
    assert ">Amara Okafor</a>" in html and "In pipeline · Sourced" in html


def test_near_misses_only(login, recruiter, match_job, pool):
    html = login(recruiter).get(
        matches_url(match_job, f=1, hide_pipeline=1, near_misses_only=1)).content.decode()
    assert ">Bilal Rahman</a>" in html and ">Amara Okafor</a>" not in html


def test_show_more_appends_the_next_25(login, recruiter, org, match_job, pool):
    make_candidates(org, recruiter, 30)
    client = login(recruiter)
    html = client.get(matches_url(match_job)).content.decode()
    assert html.count('class="match-rank"') == 25
    more = re.search(r'hx-get="([^"]*offset=25)"', html)
    assert more and "Show more" in html
    rows = client.get(more.group(1).replace("&amp;", "&"), **HTMX).content.decode()
    assert rows.lstrip().startswith("<li")
    assert 'Rank </span>26<' in rows and 'Rank </span>25<' not in rows
    assert rows.count('class="match-rank"') == 32 - 25  # 2 of the pool + 30, less 25 shown
    assert "Show more" not in rows and "That's everyone" in rows


@pytest.mark.parametrize("size", [5, 40])
def test_matches_page_query_count_is_bounded(login, recruiter, org, match_job, pool, size,
                                             django_assert_max_num_queries):
    make_candidates(org, recruiter, size)
    for c in make_candidates(org, recruiter, 3, prefix="Piped"):
        do_add_to_pipeline(c, match_job, actor=recruiter)
    client = login(recruiter)
    client.get(matches_url(match_job))  # the index is built once per process
    with django_assert_max_num_queries(14):
        response = client.get(matches_url(match_job, f=1))
    assert response.status_code == 200


def test_add_to_pipeline_from_a_match_creates_the_application(login, recruiter, match_job,
                                                              pool):
    amara = pool["amara"]
    response = login(recruiter).post(
        reverse("matching:add", args=[match_job.uuid, amara.uuid]), **HTMX)
    assert response.status_code == 200
    assert "In pipeline · Sourced" in response.content.decode()
    application = Application.objects.get(job=match_job, candidate=amara)
    assert application.created_by == recruiter and application.stage.name == "Sourced"
    # A second click (another tab) changes nothing and still says where they are.
    response = login(recruiter).post(
        reverse("matching:add", args=[match_job.uuid, amara.uuid]), **HTMX)
    assert response.status_code == 200 and "In pipeline · Sourced" in response.content.decode()
    assert Application.objects.filter(job=match_job, candidate=amara).count() == 1


def test_add_without_htmx_redirects_back_to_the_matches(login, recruiter, match_job, pool):
    response = login(recruiter).post(
        reverse("matching:add", args=[match_job.uuid, pool["bilal"].uuid]))
    assert response.status_code == 302 and response["Location"] == matches_url(match_job)
    assert Application.objects.filter(job=match_job, candidate=pool["bilal"]).exists()


def test_thumbs_up_moves_the_weights_and_the_settings_page_shows_the_change(
        login, recruiter, owner, match_job, pool):
    client = login(recruiter)
    url = reverse("matching:feedback", args=[match_job.uuid, pool["amara"].uuid])
    response = client.post(url, {"verdict": "up"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'value="up" class="thumb up on" aria-pressed="true"', html)
    assert 'id="weights-signals" hx-swap-oob="true"' in html and "tuned by 1 signal" in html
    weights = MatchWeights.objects.get(organization=match_job.organization)
    assert weights.signals == 1 and weights.effective() != DEFAULT_WEIGHTS
    change = WeightChange.objects.get()
    assert change.actor == recruiter and "Amara Okafor" in change.summary

    # The same verdict again: nothing new. Changing it is a new signal.
    client.post(url, {"verdict": "up"}, **HTMX)
    assert MatchFeedback.objects.count() == 1
    html = client.post(url, {"verdict": "down"}, **HTMX).content.decode()
    assert re.search(r'value="down" class="thumb down on" aria-pressed="true"', html)
    assert MatchFeedback.objects.count() == 2 and WeightChange.objects.count() == 2

    # The matches tab remembers the verdict; the settings page shows both changes.
    assert "thumb down on" in client.get(matches_url(match_job)).content.decode()
    page = login(owner).get(reverse("matching:weights")).content.decode()
    assert "Tuned by <strong>2</strong> signals" in page
    assert page.count("Amara Okafor for Family Physician") == 2
    assert "Rita Recruiter" in page
    assert re.search(r"[+−]\d+\.\d pts", page)


def test_feedback_needs_a_verdict(login, recruiter, match_job, pool):
    response = login(recruiter).post(
        reverse("matching:feedback", args=[match_job.uuid, pool["amara"].uuid]),
        {"verdict": "maybe"}, **HTMX)
    assert response.status_code == 400
    assert "Choose thumbs up or thumbs down" in response.content.decode()
    assert not MatchFeedback.objects.exists()


def test_read_only_sees_matches_without_buttons_and_cannot_write(login, read_only, match_job,
                                                                 pool):
    client = login(read_only)
    html = client.get(matches_url(match_job)).content.decode()
    assert ">Amara Okafor</a>" in html
    assert "Add to pipeline" not in html and "thumb up" not in html
    amara = pool["amara"]
    for name in ("matching:add", "matching:feedback"):
        response = client.post(reverse(name, args=[match_job.uuid, amara.uuid]),
                               {"verdict": "up"})
        assert response.status_code == 403, name
    response = client.post(reverse("matching:candidate_add", args=[amara.uuid, match_job.uuid]))
    assert response.status_code == 403
    assert not Application.objects.exists() and not MatchFeedback.objects.exists()


def test_hiring_manager_sees_their_jobs_matches_among_the_people_they_can_see(
        login, recruiter, hiring_manager, match_job, np_job, pool):
    match_job.hiring_team.add(hiring_manager)
    do_add_to_pipeline(pool["amara"], match_job, actor=recruiter)
    do_add_to_pipeline(pool["bilal"], match_job, actor=recruiter)
    client = login(hiring_manager)
    html = client.get(matches_url(match_job, f=1)).content.decode()
    assert names_in_order(html, "Amara Okafor", "Bilal Rahman") == ["Amara Okafor",
                                                                    "Bilal Rahman"]
    assert "In pipeline · Sourced" in html and "Add to pipeline" not in html
    # Nobody outside their jobs' pipelines, and not the jobs they are not on.
    assert "Chloe" not in html and "Dev Patel" not in html
    assert "Among the people in your jobs' pipelines: ranked 2 candidates" in html
    assert client.get(matches_url(np_job)).status_code == 404
    response = client.post(reverse("matching:feedback", args=[match_job.uuid,
                                                              pool["amara"].uuid]),
                           {"verdict": "up"})
    assert response.status_code == 403


def test_outsider_gets_404_on_every_matching_route(login, outsider, match_job, pool):
    client = login(outsider)
    amara = pool["amara"]
    gets = [matches_url(match_job), reverse("matching:candidate_jobs", args=[amara.uuid])]
    posts = [reverse("matching:add", args=[match_job.uuid, amara.uuid]),
             reverse("matching:feedback", args=[match_job.uuid, amara.uuid]),
             reverse("matching:candidate_add", args=[amara.uuid, match_job.uuid])]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"verdict": "up"}).status_code == 404, url
    assert not Application.objects.filter(job=match_job).exists()


# --- suggested jobs on a candidate's record ----------------------------------------------------

def test_candidate_record_loads_the_suggested_jobs_panel(login, recruiter, pool):
    amara = pool["amara"]
    html = login(recruiter).get(reverse("candidates:detail", args=[amara.uuid])).content.decode()
    assert f'hx-get="{reverse("matching:candidate_jobs", args=[amara.uuid])}"' in html
    assert 'hx-trigger="load"' in html


def test_suggested_jobs_list_the_matching_open_job_first(login, recruiter, match_job, np_job,
                                                         pool):
    response = login(recruiter).get(
        reverse("matching:candidate_jobs", args=[pool["amara"].uuid]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    titles = re.findall(r'class="suggest-title">([^<]+)<', html)
    assert titles[0] == "Family Physician — Red Deer", titles
    assert "Licensed in AB" in html and "Add to this job's pipeline" in html


def test_suggested_jobs_leave_out_jobs_they_are_in_and_closed_jobs(login, recruiter, match_job,
                                                                   np_job, pool):
    from rounds.jobs.actions import do_set_job_status

    do_add_to_pipeline(pool["amara"], match_job, actor=recruiter)
    do_set_job_status(np_job, "closed", actor=recruiter)
    html = login(recruiter).get(
        reverse("matching:candidate_jobs", args=[pool["amara"].uuid])).content.decode()
    assert "Family Physician — Red Deer" not in html and "Nurse Practitioner" not in html
    assert "No open job they are not already in" in html


def test_add_from_suggested_jobs_creates_the_application_and_refreshes_the_jobs_card(
        login, recruiter, match_job, pool):
    amara = pool["amara"]
    response = login(recruiter).post(
        reverse("matching:candidate_add", args=[amara.uuid, match_job.uuid]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert Application.objects.filter(job=match_job, candidate=amara).exists()
    assert "Added to the pipeline of" in html
    assert 'id="section-jobs" hx-swap-oob="true"' in html and "Sourced" in html


# --- matching settings ---------------------------------------------------------------------------

def weights_form(**overrides):
    data = {k: f"{v * 100:.1f}" for k, v in DEFAULT_WEIGHTS.items()}
    data.update(overrides)
    return data


def test_admin_sets_and_resets_the_weights(login, owner, org):
    client = login(owner)
    page = client.get(reverse("matching:weights"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="specialty"' in html and 'value="22.0"' in html
    response = client.post(reverse("matching:weights"), weights_form(distance="30"))
    assert response.status_code == 302
    weights = MatchWeights.objects.get(organization=org).effective()
    assert weights["distance"] > DEFAULT_WEIGHTS["distance"]
    assert abs(sum(weights.values()) - 1) < 0.001
    html = client.get(reverse("matching:weights")).content.decode()
    assert "Set by hand" in html and "Olivia Owner" in html and "+" in html
    response = client.post(reverse("matching:weights_reset"))
    assert response.status_code == 302
    assert MatchWeights.objects.get(organization=org).effective() == pytest.approx(
        DEFAULT_WEIGHTS)
    assert "Reset to defaults" in client.get(reverse("matching:weights")).content.decode()


def test_weights_form_refuses_all_zeros_and_nonsense(login, owner):
    client = login(owner)
    response = client.post(reverse("matching:weights"), {k: "0" for k in DEFAULT_WEIGHTS})
    assert response.status_code == 400
    assert "At least one weight must be above zero" in response.content.decode()
    response = client.post(reverse("matching:weights"), weights_form(licence="-5"))
    assert response.status_code == 400
    assert not WeightChange.objects.exists()


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "read_only"])
def test_everyone_may_look_at_the_weights_but_only_admins_change_them(login, persona, request):
    user = request.getfixturevalue(persona)
    client = login(user)
    html = client.get(reverse("matching:weights")).content.decode()
    assert "Only admins change the weights" in html and "<form method=\"post\" class" not in html
    assert client.post(reverse("matching:weights"), weights_form()).status_code == 403
    assert client.post(reverse("matching:weights_reset")).status_code == 403
    assert not WeightChange.objects.exists()


def test_settings_link_to_matching(login, owner, recruiter):
    html = login(owner).get(reverse("accounts:settings")).content.decode()
    assert reverse("matching:weights") in html
    html = login(recruiter).get(reverse("today")).content.decode()
    assert reverse("matching:weights") in html


def test_hiring_manager_with_empty_pipelines_sees_an_empty_ranking(login, hiring_manager,
                                                                   match_job, pool):
    match_job.hiring_team.add(hiring_manager)
    response = login(hiring_manager).get(matches_url(match_job))
    assert response.status_code == 200
    html = response.content.decode()
    assert "there is no one in them yet" in html and "Amara" not in html
