"""Malformed input to the JSON API is a 4xx naming what is wrong, never a server error: ids and
offsets beyond what a database column holds, negative offsets, a multipart body without a
boundary, JSON nested absurdly deep, and bodies over the 5 MB limit (413)."""

import json

import pytest

from rounds.accounts.actions import do_create_api_token

HUGE = str(2**63)  # one more than the largest BIGINT


@pytest.fixture
def api(owner, client):
    _token, key = do_create_api_token(owner, "malformed")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


@pytest.mark.parametrize("url", [
    f"/api/activities/{HUGE}",
    f"/api/pipeline/applications/{HUGE}",
    f"/api/pipeline/applications/{HUGE}/history",
    f"/api/accounts/sites/{HUGE}",
    f"/api/jobs/?site_id={HUGE}",
    f"/api/jobs/?site_id=-{HUGE}1",
    f"/api/imports?offset={HUGE}",
    f"/api/pipeline/applications?offset={HUGE}",
    f"/api/locums/network?list_id={HUGE}",
    f"/api/audit/?actor={HUGE}",
])
def test_numbers_beyond_a_database_column_are_a_422(api, url):
    response = api.get(url)
    assert response.status_code == 422, response.content
    assert "out of range" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/imports?offset=-1", "/api/pipeline/applications?offset=-5",
                                 "/api/jobs/?offset=-1", "/api/locums/shifts?offset=-1"])
def test_a_negative_offset_is_a_422(api, url):
    response = api.get(url)
    assert response.status_code == 422, response.content
    assert "offset" in response.json()["errors"]


def test_a_number_too_large_in_a_json_body_is_a_422(api, db):
    response = api.post("/api/jobs/", json.dumps({"title": "X", "site_id": 2**64}),
                        content_type="application/json")
    assert response.status_code == 422
    assert "out of range" in response.json()["detail"]


def test_multipart_without_a_boundary_is_a_400(api, candidate):
    response = api.post(f"/api/candidates/{candidate.uuid}/attachments", b"--x\r\n",
                        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "boundary" in response.json()["detail"]


def test_deeply_nested_json_is_a_422(api, db):
    body = "[" * 100_000 + "]" * 100_000
    response = api.post("/api/candidates", body, content_type="application/json")
    assert response.status_code == 422
    assert "nested" in response.json()["detail"]


def test_a_body_over_five_megabytes_is_a_413(api, db):
    body = json.dumps({"first_name": "A" * (5 * 1024 * 1024 + 10)})
    response = api.post("/api/candidates", body, content_type="application/json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"] or "larger" in response.json()["detail"]


def test_the_document_names_the_common_errors_of_every_operation(client, db):
    document = client.get("/api/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"400", "401", "404", "413", "422"} <= operation["responses"].keys(), (
                method, path)
