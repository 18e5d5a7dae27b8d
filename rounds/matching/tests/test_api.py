"""The matching API: rankings for a job or a posting, jobs for a candidate, feedback, weights."""

import json
from pathlib import Path

import pytest

from rounds.matching.choices import DEFAULT_WEIGHTS
from rounds.matching.models import MatchFeedback, MatchWeights, WeightChange
from rounds.pipeline.actions import do_add_to_pipeline

POSTING = json.loads((Path(__file__).resolve().parents[3] / "docs" / "examples"
                      / "posting.json").read_text())


def get(client, url, **params):
    return client.get(url, params)


def send(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def matches(job):
    return f"/api/matching/jobs/{job.uuid}/matches"


def test_job_matches_ranked_with_components_reasons_and_exclusions(login, recruiter, match_job,
                                                                   pool):
    response = login(recruiter).get(matches(match_job))
    assert response.status_code == 200
    body = response.json()
    assert [r["name"] for r in body["items"]] == ["Amara Okafor", "Bilal Rahman"]
    best = body["items"][0]
    assert best["rank"] == 1 and best["candidate"] == str(pool["amara"].uuid)
    assert 0 < best["score"] <= 100 and best["near_miss"] is False
    assert best["band"] == "Strong fit"
    assert set(best["components"]) >= {"profession", "specialty", "licence", "distance"}
    assert "Licensed in AB" in best["reasons"] and best["in_pipeline"] is None
    assert body["items"][1]["gaps"] and body["items"][1]["near_miss"] is True
    assert body["count"] == 2
    assert {e["reason"]: e["count"] for e in body["excluded"]} == {
        "Their profession can't legally fill this role": 1, "Asked not to be contacted": 1}
    assert "licence: Alberta" in body["understood"] and body["job"] == str(match_job.uuid)
    assert body["next"] is None and body["ranked"] == 2 and body["elapsed_ms"] >= 0


def test_job_matches_leave_out_the_pipeline_unless_asked_and_page(login, recruiter, match_job,
                                                                  pool):
    do_add_to_pipeline(pool["amara"], match_job, actor=recruiter)
    client = login(recruiter)
    body = client.get(matches(match_job)).json()
    assert [r["name"] for r in body["items"]] == ["Bilal Rahman"]
    body = get(client, matches(match_job), include_pipeline="true", limit=1).json()
    assert [(r["name"], r["in_pipeline"]) for r in body["items"]] == [
        ("Amara Okafor", "Sourced")]
    body = get(client, matches(match_job), include_pipeline="true", limit=1, offset=1).json()
    assert [(r["rank"], r["name"]) for r in body["items"]] == [(2, "Bilal Rahman")]
    body = get(client, matches(match_job), include_pipeline="true",
               near_misses_only="true").json()
    assert [r["name"] for r in body["items"]] == ["Bilal Rahman"]


def test_candidate_jobs_best_first(login, recruiter, match_job, np_job, pool):
    response = login(recruiter).get(f"/api/matching/candidates/{pool['amara'].uuid}/jobs")
    assert response.status_code == 200
    body = response.json()["items"]
    assert body[0]["job"] == str(match_job.uuid) and body[0]["title"] == match_job.title
    assert body[0]["score"] >= body[-1]["score"] and "Licensed in AB" in body[0]["reasons"]


def test_feedback_moves_the_weights_once_per_verdict(login, recruiter, match_job, pool):
    client = login(recruiter)
    url = f"/api/matching/jobs/{match_job.uuid}/feedback"
    body = {"candidate": str(pool["amara"].uuid), "verdict": "up"}
    response = send(client, "post", url, body)
    assert response.status_code == 200
    out = response.json()
    assert out["recorded"] is True and out["signals"] == 1
    assert out["weights"] != pytest.approx(DEFAULT_WEIGHTS)
    again = send(client, "post", url, body).json()
    assert again["recorded"] is False and again["signals"] == 1
    assert MatchFeedback.objects.count() == 1 and WeightChange.objects.count() == 1
    weights = client.get("/api/matching/weights").json()
    assert weights["signals"] == 1 and "Amara Okafor" in weights["history"][0]["summary"]
    assert weights["history"][0]["actor"] == "Rita Recruiter"


def test_feedback_refusals(login, recruiter, read_only, match_job, pool):
    url = f"/api/matching/jobs/{match_job.uuid}/feedback"
    body = {"candidate": str(pool["amara"].uuid), "verdict": "up"}
    response = send(login(read_only), "post", url, body)
    assert response.status_code == 403 and response.json()["detail"]
    response = send(login(recruiter), "post", url, {**body, "verdict": "sideways"})
    assert response.status_code == 422 and "verdict" in response.json()["errors"]
    assert not MatchFeedback.objects.exists()


def test_weights_are_read_by_all_and_set_by_admins(login, owner, recruiter, org):
    body = login(recruiter).get("/api/matching/weights").json()
    assert body["weights"] == pytest.approx(DEFAULT_WEIGHTS) and body["signals"] == 0
    assert body["labels"]["licence"] == "Licence / eligibility"
    response = send(login(recruiter), "put", "/api/matching/weights",
                    {"weights": {"distance": 0.3}})
    assert response.status_code == 403
    admin = login(owner)
    response = send(admin, "put", "/api/matching/weights", {"weights": {"distance": 0.3}})
    assert response.status_code == 200
    weights = response.json()["weights"]
    assert weights["distance"] > DEFAULT_WEIGHTS["distance"]
    assert sum(weights.values()) == pytest.approx(1, abs=0.001)
    assert response.json()["history"][0]["source"] == "manual"
    response = send(admin, "put", "/api/matching/weights", {"weights": {"charm": 0.5}})
    assert response.status_code == 400
    assert "Unknown component: charm" in response.json()["errors"]["weights"][0]
    response = admin.delete("/api/matching/weights")
    assert response.status_code == 200
    assert response.json()["weights"] == pytest.approx(DEFAULT_WEIGHTS)
    assert MatchWeights.objects.get(organization=org).signals == 0


def test_rank_a_posting_without_saving_a_job(login, recruiter, match_job, pool):
    response = send(login(recruiter), "post", "/api/matching/rank?limit=5", POSTING)
    assert response.status_code == 200
    body = response.json()
    assert body["job"] is None and body["items"][0]["name"] == "Amara Okafor"
    assert "Physician" in body["understood"]


def test_rank_accepts_an_html_page(login, recruiter, pool):
    page = ("<html><head><script type=\"application/ld+json\">" + json.dumps(POSTING)
            + "</script></head><body>Family Physician</body></html>")
    response = login(recruiter).post("/api/matching/rank", data=page, content_type="text/html")
    assert response.status_code == 200
    assert response.json()["items"][0]["name"] == "Amara Okafor"


@pytest.mark.parametrize("posting, field", [
    ({**POSTING, "title": ""}, "title"),
    ({k: v for k, v in POSTING.items() if k != "title"}, "title"),
    ({**POSTING, "@type": "Organization"}, "@type"),
    ({**POSTING, "baseSalary": {"@type": "MonetaryAmount", "currency": "CAD", "value": {
        "@type": "QuantitativeValue", "minValue": 5, "maxValue": 4, "unitText": "YEAR"}}},
     "baseSalary.value"),
])
def test_rank_refuses_a_posting_naming_the_field(login, recruiter, posting, field):
    response = send(login(recruiter), "post", "/api/matching/rank", posting)
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"], body
    assert body["detail"].startswith(f"{field}: ")


def test_rank_refuses_a_body_that_is_not_json(login, recruiter):
    response = login(recruiter).post("/api/matching/rank", data="{not json",
                                     content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["errors"]["body"][0]


def test_hiring_manager_ranks_only_the_people_in_their_jobs(login, recruiter, hiring_manager,
                                                           match_job, np_job, pool):
    match_job.hiring_team.add(hiring_manager)
    do_add_to_pipeline(pool["bilal"], match_job, actor=recruiter)
    client = login(hiring_manager)
    body = get(client, matches(match_job), include_pipeline="true").json()
    assert [r["name"] for r in body["items"]] == ["Bilal Rahman"] and body["count"] == 1
    body = send(client, "post", "/api/matching/rank", POSTING).json()
    assert [r["name"] for r in body["items"]] == ["Bilal Rahman"]
    assert client.get(matches(np_job)).status_code == 404
    jobs = client.get(f"/api/matching/candidates/{pool['bilal'].uuid}/jobs").json()["items"]
    assert [j["title"] for j in jobs] == [match_job.title]
    assert client.get(f"/api/matching/candidates/{pool['amara'].uuid}/jobs").status_code == 404


def test_outsider_gets_404(login, outsider, match_job, pool):
    client = login(outsider)
    amara = pool["amara"]
    assert client.get(matches(match_job)).status_code == 404
    assert client.get(f"/api/matching/candidates/{amara.uuid}/jobs").status_code == 404
    response = send(client, "post", f"/api/matching/jobs/{match_job.uuid}/feedback",
                    {"candidate": str(amara.uuid), "verdict": "up"})
    assert response.status_code == 404
    # Their own ranking of a posting never holds our people.
    body = send(client, "post", "/api/matching/rank", POSTING).json()
    assert body["items"] == [] and body["count"] == 0
    assert not MatchFeedback.objects.exists()


def test_routes_are_in_the_openapi_document(login, recruiter):
    paths = login(recruiter).get("/api/openapi.json").json()["paths"]
    for path in ("/api/matching/jobs/{uuid}/matches", "/api/matching/candidates/{uuid}/jobs",
                 "/api/matching/jobs/{uuid}/feedback", "/api/matching/rank",
                 "/api/matching/weights"):
        assert path in paths, path
    assert "requestBody" in paths["/api/matching/rank"]["post"]
    assert set(paths["/api/matching/weights"]) == {"get", "put", "delete"}


def test_hiring_manager_with_no_one_in_their_pipelines_ranks_no_one(login, hiring_manager,
                                                                    match_job, pool):
    match_job.hiring_team.add(hiring_manager)
    client = login(hiring_manager)
    body = client.get(matches(match_job)).json()
    assert body["items"] == [] and body["count"] == 0
    assert send(client, "post", "/api/matching/rank", POSTING).json()["items"] == []
