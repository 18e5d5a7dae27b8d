"""The imports JSON API: upload, start, status, issues; errors naming the field; roles; tenancy."""

import pytest

from rounds.candidates.models import Candidate
from rounds.imports.models import ImportBatch

from .conftest import csv_bytes, person, upload


def post_file(client, content, name="people.csv"):
    return client.post("/api/imports", {"file": upload(content, name)})


def test_upload_start_status_and_issues(login, recruiter):
    client = login(recruiter)
    response = post_file(client, csv_bytes([person(1), person(2, **{"Last Name": ""})]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "mapping" and body["total_rows"] == 2
    assert body["mapping"]["email"] == "E-mail"
    assert "First Name" in body["headers"]
    assert any(f["name"] == "licence_number" for f in body["fields"])

    uuid = body["uuid"]
    started = client.post(f"/api/imports/{uuid}/start", {"mapping": body["mapping"]},
                          content_type="application/json")
    assert started.status_code == 202, started.content
    assert started.json()["status"] == "completed" and started.json()["created"] == 1

    status = client.get(f"/api/imports/{uuid}").json()
    assert (status["rows_done"], status["errors"], status["progress_percent"]) == (2, 1, 100)
    issues = client.get(f"/api/imports/{uuid}/issues?outcome=error").json()
    assert issues["count"] == 1
    assert issues["items"][0]["line"] == 3 and issues["items"][0]["field"] == "last_name"
    assert client.get("/api/imports").json()["items"][0]["uuid"] == uuid


def test_reupload_reports_the_earlier_import(login, recruiter):
    client = login(recruiter)
    content = csv_bytes([person(1)])
    first = post_file(client, content).json()
    client.post(f"/api/imports/{first['uuid']}/start", {"mapping": first["mapping"]},
                content_type="application/json")
    second = post_file(client, content).json()
    assert second["previously_imported_at"] is not None
    done = client.post(f"/api/imports/{second['uuid']}/start", {"mapping": second["mapping"]},
                       content_type="application/json").json()
    assert (done["created"], done["unchanged"]) == (0, 1)
    assert Candidate.objects.count() == 1


def test_bad_upload_and_bad_mapping_name_the_field(login, recruiter):
    client = login(recruiter)
    refused = post_file(client, b"MZ\x90\x00", "setup.exe")
    assert refused.status_code == 400 and "file" in refused.json()["errors"]
    body = post_file(client, csv_bytes([person(1)])).json()
    bad = client.post(f"/api/imports/{body['uuid']}/start",
                      {"mapping": {"email": "No such column"}},
                      content_type="application/json")
    assert bad.status_code == 400
    assert {"email", "first_name", "last_name", "profession"} <= set(bad.json()["errors"])
    again = client.post(f"/api/imports/{body['uuid']}/start", {"mapping": body["mapping"]},
                        content_type="application/json")
    assert again.status_code == 202
    twice = client.post(f"/api/imports/{body['uuid']}/start", {"mapping": body["mapping"]},
                        content_type="application/json")
    assert twice.status_code == 400


def test_fields_taking_several_columns_are_mapped_with_lists(login, recruiter):
    header = ["First", "Last", "Credential", "Taxonomy_1", "Taxonomy_2", "License_1",
              "License State_1", "License_2", "License State_2"]
    rows = [["ANA", "SILVA", "MD", "207Q00000X", "207P00000X", "A1", "TX", "B2", "NM"],
            ["BO", "BERG", "RN", "163W00000X", "", "R1", "TX", "", ""]]
    client = login(recruiter)
    body = post_file(client, csv_bytes(rows, header=header)).json()
    assert body["mapping"]["specialty"] == ["Taxonomy_1", "Taxonomy_2"]
    assert body["mapping"]["licence_jurisdictions"] == ["License State_1", "License State_2"]
    # One column only, for a field read from one: refused, naming the field.
    bad = client.post(f"/api/imports/{body['uuid']}/start",
                      {"mapping": {**body["mapping"], "phone": ["Taxonomy_1", "Taxonomy_2"]}},
                      content_type="application/json")
    assert bad.status_code == 400 and "phone" in bad.json()["errors"]
    started = client.post(f"/api/imports/{body['uuid']}/start", {"mapping": body["mapping"]},
                          content_type="application/json")
    assert started.status_code == 202, started.content
    assert (started.json()["created"], started.json()["errors"]) == (2, 0)
    ana = Candidate.objects.get(last_name="Silva")
    assert ana.first_name == "Ana"
    assert sorted(ana.licences.values_list("jurisdiction", "number")) == [
        ("US-NM", "B2"), ("US-TX", "A1")]
    assert ana.specialties.count() == 2


def test_the_report_lists_warnings_with_their_candidate(login, recruiter):
    client = login(recruiter)
    body = post_file(client, csv_bytes([person(1, **{"E-mail": "ana@"}), person(2)])).json()
    started = client.post(f"/api/imports/{body['uuid']}/start", {"mapping": body["mapping"]},
                          content_type="application/json").json()
    assert (started["created"], started["created_with_warnings"], started["skipped"]) == (2, 1, 0)
    issues = client.get(f"/api/imports/{body['uuid']}/issues?outcome=warning").json()
    [item] = issues["items"]
    assert item["field"] == "email" and item["line"] == 2
    assert item["candidate_uuid"] == str(Candidate.objects.get(first_name="Ana1").uuid)


@pytest.mark.parametrize("role", ["read_only", "hiring_manager"])
def test_roles_that_cannot_import_get_403(request, login, org, recruiter, role):
    client = login(request.getfixturevalue(role))
    assert post_file(client, csv_bytes([person(1)])).status_code == 403
    assert client.get("/api/imports").status_code == 403
    batch = post_file(login(recruiter), csv_bytes([person(1)])).json()
    assert client.get(f"/api/imports/{batch['uuid']}").status_code == 403
    assert client.get(f"/api/imports/{batch['uuid']}/issues").status_code == 403
    assert client.post(f"/api/imports/{batch['uuid']}/start", {"mapping": batch["mapping"]},
                       content_type="application/json").status_code == 403
    assert ImportBatch.objects.get().status == "mapping"


def test_outsider_gets_404(login, recruiter, outsider):
    batch = post_file(login(recruiter), csv_bytes([person(1)])).json()
    client = login(outsider)
    assert client.get(f"/api/imports/{batch['uuid']}").status_code == 404
    assert client.get(f"/api/imports/{batch['uuid']}/issues").status_code == 404
    assert client.post(f"/api/imports/{batch['uuid']}/start", {"mapping": batch["mapping"]},
                       content_type="application/json").status_code == 404
    assert client.post(f"/api/imports/{batch['uuid']}/resume").status_code == 404
    assert client.get("/api/imports").json()["items"] == []
