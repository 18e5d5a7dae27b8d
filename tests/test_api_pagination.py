"""One pagination convention across the JSON API, checked on every list operation the OpenAPI
document has (every GET whose answer has `items`): `limit` (1–200, default 50) and `offset`,
answered `{"count", "next", "items"}`; following `next` until it is null reads `count` items,
none twice; a limit out of bounds and the old `page`/`per_page` are a 422; no GET answers a bare
array."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_candidates, make_user
from rounds.accounts.actions import do_create_api_token
from rounds.accounts.choices import Role
from rounds.candidates.actions import do_create_candidate
from rounds.pipeline.actions import do_add_to_pipeline

N = 3  # rows made for each list, so that `limit=1` pages more than once


def post(client, url, body):
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 201, 202), (url, response.content)
    return response.json()


@pytest.fixture
def api(owner, client):
    _token, key = do_create_api_token(owner, "pagination")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


@pytest.fixture
def world(api, org, owner, recruiter, job, other_job, outsider_application):
    """A few rows of everything a list operation lists (and another organization's rows,
    which no page may show)."""
    people = make_candidates(org, recruiter, N, prefix="Page")
    # Two more records sharing the first one's email: likely duplicate pairs.
    for i in range(2):
        do_create_candidate(org.pk, actor=recruiter, first_name=f"Twin{i}", last_name="Smith",
                            email="same.person@example.com", profession="physician")
    do_create_candidate(org.pk, actor=recruiter, first_name="Twin", last_name="Smith",
                        email="Same.Person@example.com", profession="physician")
    first = people[0]
    for i in range(N):
        make_user(org, Role.RECRUITER, f"pager{i}@prairie.test", f"Pager{i}", "Lee")
        post(api, "/api/accounts/sites", {"name": f"Site {i}", "city": "Red Deer",
                                          "region": "AB", "postal_code": "T4N 6K8"})
        post(api, "/api/accounts/invitations", {"email": f"invitee{i}@example.com"})
        post(api, "/api/outreach/templates", {"name": f"Template {i}", "subject": "Hello",
                                              "body": "Hello {{ candidate.first_name }}"})
        post(api, f"/api/candidates/{first.uuid}/activities", {"kind": "note",
                                                               "body": f"Note {i}"})
        post(api, f"/api/candidates/{first.uuid}/consents",
             {"channel": ["email", "sms", "call"][i], "basis": "express"})
    applications = [do_add_to_pipeline(p, job, actor=recruiter) for p in people]
    stage_ids = [s["id"] for s in api.get("/api/pipeline/stages?limit=200").json()["items"]
                 if s["kind"] == "active" and not s["needs_reason"]]
    for stage_id in stage_ids[1:1 + N]:
        post(api, f"/api/pipeline/applications/{applications[0].pk}/move", {"stage": stage_id})
    site = api.get("/api/accounts/sites?limit=1").json()["items"][0]["id"]
    start = timezone.now() + timedelta(days=3)
    shifts = [post(api, "/api/locums/shifts", {
        "site_id": site, "starts_at": (start + timedelta(days=i)).isoformat(),
        "ends_at": (start + timedelta(days=i, hours=8)).isoformat(),
        "profession": "physician"}) for i in range(N)]
    for p in people:
        post(api, "/api/locums/network", {"candidate_uuid": str(p.uuid)})
    upload = api.post("/api/imports", {"file": _csv()})
    assert upload.status_code == 201, upload.content
    batch = upload.json()["uuid"]
    return {"candidate": first.uuid, "job": job.uuid, "import": batch,
            "application": applications[0].pk, "shift": shifts[0]["uuid"]}


def _csv():
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = "first_name,last_name,email\n" + "".join(
        f"Imp{i},Row,imp{i}@example.com\n" for i in range(N))
    return SimpleUploadedFile("people.csv", rows.encode(), content_type="text/csv")


def _list_operations(api) -> list[str]:
    """Every GET path whose 200 answer is an object with `items`."""
    document = api.get("/api/openapi.json").json()
    schemas = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        schema = get["responses"].get("200", {}).get("content", {}).get(
            "application/json", {}).get("schema", {})
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        if "items" in schema.get("properties", {}):
            found.append(path)
    return found


def _fill(path: str, values: dict) -> str:
    def value(match):
        name = match.group(1)
        if name == "application_id":
            return str(values["application"])
        before = path[:match.start()]
        for prefix, key in (("/api/candidates/", "candidate"), ("/candidates/", "candidate"),
                            ("/jobs/", "job"), ("/api/imports/", "import"),
                            ("/shifts/", "shift")):
            if before.endswith(prefix):
                return str(values[key])
        raise AssertionError(f"No value for {{{name}}} in {path}: add one to the test")

    return re.sub(r"\{(\w+)\}", value, path)


def _key(item) -> str:
    return json.dumps(item, sort_keys=True)


@pytest.mark.django_db
def test_every_list_operation_pages_the_same_way(api, world):
    operations = _list_operations(api)
    assert len(operations) >= 20, operations
    counts = {}
    for path in operations:
        url = _fill(path, world)
        first = api.get(url)
        assert first.status_code == 200, (url, first.content)
        body = first.json()
        assert {"count", "next", "items"} <= set(body), (url, body)
        assert isinstance(body["items"], list) and isinstance(body["count"], int), url
        assert len(body["items"]) == min(body["count"], 50), url

        seen, page, pages = [], api.get(f"{url}?limit=1").json(), 0
        while True:
            assert len(page["items"]) <= 1, url
            seen.extend(_key(item) for item in page["items"])
            pages += 1
            assert pages <= body["count"] + 1, f"{url}: `next` never ends"
            if page["next"] is None:
                break
            assert "offset=" in page["next"] and "limit=1" in page["next"], page["next"]
            response = api.get(page["next"])
            assert response.status_code == 200, (page["next"], response.content)
            page = response.json()
        assert len(seen) == body["count"], (url, len(seen), body["count"])
        assert len(set(seen)) == len(seen), f"{url}: an item came twice"
        counts[path] = body["count"]

        for bad in ("limit=0", "limit=201", "offset=-1"):
            response = api.get(f"{url}?{bad}")
            assert response.status_code == 422, (url, bad, response.content)
        for old in ("page=2", "per_page=10"):
            response = api.get(f"{url}?{old}")
            assert response.status_code == 422, (url, old)
            assert "use limit and offset" in response.json()["detail"]

    # The lists the world filled have more than one page at limit=1.
    for path in ("/api/candidates", "/api/candidates/{uuid}/timeline", "/api/activities",
                 "/api/candidates/{uuid}/consents", "/api/accounts/sites", "/api/accounts/users",
                 "/api/accounts/invitations", "/api/jobs/", "/api/pipeline/applications",
                 "/api/pipeline/stages", "/api/pipeline/applications/{application_id}/history",
                 "/api/outreach/templates", "/api/locums/shifts", "/api/locums/network",
                 "/api/audit/", "/api/duplicates/", "/api/matching/jobs/{uuid}/matches"):
        assert counts[path] >= 2, (path, counts[path])


@pytest.mark.django_db
def test_next_keeps_the_filters(api, world):
    page = api.get("/api/candidates?q=Page&limit=1").json()
    assert page["count"] == N
    assert "q=Page" in page["next"]
    names = [page["items"][0]["full_name"]]
    while page["next"]:
        page = api.get(page["next"]).json()
        names += [item["full_name"] for item in page["items"]]
    assert sorted(names) == sorted(f"Page{i} Smith" for i in range(N))


@pytest.mark.django_db
def test_an_offset_past_the_end_is_an_empty_last_page(api, world):
    page = api.get("/api/candidates?offset=1000").json()
    assert page["items"] == [] and page["next"] is None and page["count"] >= N


@pytest.mark.django_db
def test_no_get_operation_answers_a_bare_array(api):
    document = api.get("/api/openapi.json").json()
    bare = [path for path, operations in document["paths"].items()
            if operations.get("get", {}).get("responses", {}).get("200", {}).get(
                "content", {}).get("application/json", {}).get("schema", {}).get("type")
            == "array"]
    assert bare == []


@pytest.mark.django_db
def test_other_organizations_rows_are_on_no_page(api, world, outsider_application):
    page = api.get("/api/pipeline/applications?limit=200").json()
    assert outsider_application.pk not in [item["id"] for item in page["items"]]
    assert page["count"] == len(page["items"])
