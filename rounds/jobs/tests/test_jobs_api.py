"""/api/jobs: list, create, retrieve, patch, requirements."""

import json

from rounds.jobs.models import Job, Requirement
from rounds.pipeline.actions import do_add_to_pipeline


def post(client, url, data, method="post"):
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


def test_create_job_with_must_haves_apart_from_nice_to_haves(login, recruiter):
    response = post(login(recruiter), "/api/jobs/", {
        "title": "Hospitalist — Calgary", "profession": "physician", "pay_min": 300, "pay_max":
        400, "pay_period": "hour", "licence_jurisdiction": "Alberta",
        "must_haves": ["Full CPSA licence"], "nice_to_haves": ["ICU experience"],
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert [r["text"] for r in body["must_haves"]] == ["Full CPSA licence"]
    assert [r["text"] for r in body["nice_to_haves"]] == ["ICU experience"]
    assert body["licence_jurisdiction"] == "CA-AB" and body["pay_currency"] == "CAD"
    assert len(body["pipeline"]) == 10


def test_create_job_with_upside_down_pay_is_400_naming_the_field(login, recruiter):
    response = post(login(recruiter), "/api/jobs/", {
        "title": "RN", "profession": "registered_nurse", "pay_min": 50, "pay_max": 40})
    assert response.status_code == 400
    assert "pay_max" in response.json()["errors"]
    assert not Job.objects.filter(title="RN").exists()


def test_list_retrieve_and_patch(login, recruiter, job, candidate):
    do_add_to_pipeline(candidate, job, actor=recruiter)
    client = login(recruiter)
    listed = client.get("/api/jobs/", {"status": "open"}).json()["items"]
    assert [j["title"] for j in listed] == [job.title] and listed[0]["in_pipeline"] == 1
    detail = client.get(f"/api/jobs/{job.uuid}").json()
    assert {p["stage"]: p["count"] for p in detail["pipeline"]}["Sourced"] == 1
    response = post(client, f"/api/jobs/{job.uuid}", {"status": "on_hold", "pay_min": 500000},
                    method="patch")
    assert response.status_code == 400 and "pay_max" in response.json()["errors"]
    response = post(client, f"/api/jobs/{job.uuid}", {"status": "on_hold"}, method="patch")
    assert response.status_code == 200 and response.json()["status"] == "on_hold"


def test_requirements_add_and_remove(login, recruiter, job):
    client = login(recruiter)
    response = post(client, f"/api/jobs/{job.uuid}/requirements",
                    {"text": "ACLS", "required": False})
    assert response.status_code == 201
    body = response.json()
    assert body["required"] is False and body["kind"] == "certification"
    assert client.delete(f"/api/jobs/{job.uuid}/requirements/{body['id']}").status_code == 204
    assert not Requirement.objects.filter(job=job).exists()
    response = post(client, f"/api/jobs/{job.uuid}/requirements", {"text": "  "})
    assert response.status_code == 400 and "text" in response.json()["errors"]


def test_outsider_gets_404_json_on_every_job_api_route(login, outsider, job):
    req = Requirement.objects.create(organization=job.organization, job=job, text="ACLS")
    client = login(outsider)
    assert client.get(f"/api/jobs/{job.uuid}").status_code == 404
    assert post(client, f"/api/jobs/{job.uuid}", {"title": "x"}, "patch").status_code == 404
    assert post(client, f"/api/jobs/{job.uuid}/requirements", {"text": "x"}).status_code == 404
    response = client.delete(f"/api/jobs/{job.uuid}/requirements/{req.pk}")
    assert response.status_code == 404 and response.json() == {"detail": "Not found"}
    assert client.get("/api/jobs/").json()["items"] == []
    job.refresh_from_db()
    assert job.title != "x"


def test_read_only_gets_403_on_writes(login, read_only, job):
    client = login(read_only)
    assert client.get(f"/api/jobs/{job.uuid}").status_code == 200
    assert post(client, "/api/jobs/", {"title": "x", "profession": "physician"}).status_code == 403
    assert post(client, f"/api/jobs/{job.uuid}", {"title": "x"}, "patch").status_code == 403
    assert post(client, f"/api/jobs/{job.uuid}/requirements", {"text": "x"}).status_code == 403


def test_hiring_manager_api_sees_only_their_jobs(login, hiring_manager, job, other_job):
    job.hiring_team.add(hiring_manager)
    client = login(hiring_manager)
    assert [j["title"] for j in client.get("/api/jobs/").json()["items"]] == [job.title]
    assert client.get(f"/api/jobs/{other_job.uuid}").status_code == 404
