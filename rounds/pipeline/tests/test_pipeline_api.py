"""/api/pipeline: stages, applications, moves, next actions, history."""

import json
from datetime import timedelta

from django.utils import timezone

from rounds.pipeline.models import Application, StageChange


def post(client, url, data, method="post"):
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


def test_stages_in_order(login, recruiter):
    names = [s["name"] for s in login(recruiter).get("/api/pipeline/stages").json()["items"]]
    assert names[:3] == ["Sourced", "Contacted", "Engaged"] and names[-2:] == [
        "Rejected", "Withdrawn"]


def test_create_move_and_history(login, recruiter, candidate, job, stages):
    client = login(recruiter)
    response = post(client, "/api/pipeline/applications",
                    {"candidate": str(candidate.uuid), "job": str(job.uuid)})
    assert response.status_code == 201, response.content
    app_id = response.json()["id"]
    assert response.json()["next_action"]
    again = post(client, "/api/pipeline/applications",
                 {"candidate": str(candidate.uuid), "job": str(job.uuid)})
    assert again.status_code == 400 and "candidate" in again.json()["errors"]

    response = post(client, f"/api/pipeline/applications/{app_id}/move",
                    {"stage": stages["Rejected"].pk})
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    response = post(client, f"/api/pipeline/applications/{app_id}/move",
                    {"stage": stages["Screened"].pk, "note": "Great call"})
    assert response.status_code == 200 and response.json()["stage"] == "Screened"
    response = post(client, f"/api/pipeline/applications/{app_id}/move",
                    {"stage": stages["Rejected"].pk, "reason": "licensure"})
    assert response.status_code == 200 and response.json()["disposition_reason"] == "licensure"
    history = client.get(f"/api/pipeline/applications/{app_id}/history").json()["items"]
    assert [(h["from_stage"], h["to_stage"], h["reason"]) for h in history] == [
        (None, "Sourced", ""), ("Sourced", "Screened", ""), ("Screened", "Rejected", "licensure")]
    assert {h["actor_id"] for h in history} == {recruiter.pk}


def test_list_filters(login, recruiter, application, stages):
    client = login(recruiter)
    url = "/api/pipeline/applications"
    assert len(client.get(url, {"job": str(application.job.uuid)}).json()["items"]) == 1
    assert len(client.get(url, {"stage": stages["Offer"].pk}).json()["items"]) == 0
    assert len(client.get(url, {"candidate": str(application.candidate.uuid),
                                "owner_id": recruiter.pk}).json()["items"]) == 1


def test_next_action_required_and_editable(login, recruiter, application):
    client = login(recruiter)
    url = f"/api/pipeline/applications/{application.pk}/next-action"
    response = post(client, url, {"text": "", "due_at": None}, "put")
    assert response.status_code == 400 and "next_action" in response.json()["errors"]
    response = post(client, url, {"text": "Call", "due_at": None}, "put")
    assert response.status_code == 400 and "next_action_due_at" in response.json()["errors"]
    due = (timezone.now() + timedelta(days=2)).isoformat()
    response = post(client, url, {"text": "Call about locum dates", "due_at": due}, "put")
    assert response.status_code == 200
    assert response.json()["next_action"] == "Call about locum dates"


def test_outsider_gets_404_on_every_pipeline_api_route(login, outsider, application, stages,
                                                        outsider_application):
    client = login(outsider)
    base = f"/api/pipeline/applications/{application.pk}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/history").status_code == 404
    assert post(client, f"{base}/move", {"stage": stages["Contacted"].pk}).status_code == 404
    assert post(client, f"{base}/next-action", {"text": "x", "due_at": None},
                "put").status_code == 404
    # Their own application moved to our stage: the stage is not theirs.
    response = post(client, f"/api/pipeline/applications/{outsider_application.pk}/move",
                    {"stage": stages["Contacted"].pk})
    assert response.status_code == 404
    response = post(client, "/api/pipeline/applications",
                    {"candidate": str(outsider_application.candidate.uuid),
                     "job": str(application.job.uuid)})
    assert response.status_code == 404
    ids = [a["id"] for a in client.get("/api/pipeline/applications").json()["items"]]
    assert ids == [outsider_application.pk]
    assert StageChange.objects.filter(application=application).count() == 1


def test_read_only_gets_403_on_writes(login, read_only, application, stages, candidate, other_job):
    client = login(read_only)
    base = f"/api/pipeline/applications/{application.pk}"
    assert client.get(base).status_code == 200
    assert post(client, f"{base}/move", {"stage": stages["Contacted"].pk}).status_code == 403
    assert post(client, f"{base}/next-action", {"text": "x", "due_at": None},
                "put").status_code == 403
    assert post(client, "/api/pipeline/applications",
                {"candidate": str(candidate.uuid), "job": str(other_job.uuid)}).status_code == 403
    assert not Application.objects.filter(job=other_job).exists()


def test_hiring_manager_moves_in_their_jobs_only(login, hiring_manager, hm_job, application,
                                                 other_job, candidate, recruiter, stages):
    from rounds.pipeline.actions import do_add_to_pipeline

    elsewhere = do_add_to_pipeline(candidate, other_job, actor=recruiter)
    client = login(hiring_manager)
    response = post(client, f"/api/pipeline/applications/{application.pk}/move",
                    {"stage": stages["Interview / site visit"].pk})
    assert response.status_code == 200
    response = post(client, f"/api/pipeline/applications/{elsewhere.pk}/move",
                    {"stage": stages["Screened"].pk})
    assert response.status_code == 404
