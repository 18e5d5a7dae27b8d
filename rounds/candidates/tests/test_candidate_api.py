"""The candidates JSON API: create, read, change, sub-resources, timeline; errors name the
field; tenancy and roles hold on every route."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rounds.accounts.actions import do_create_api_token
from rounds.activities.actions import do_add_note
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates import actions
from rounds.candidates.models import Candidate, Licence
from rounds.pipeline.actions import do_add_to_pipeline

pytestmark = pytest.mark.django_db
BASE = "/api/candidates"


def call(client, method, path, body=None):
    kwargs = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    response = getattr(client, method)(path, **kwargs)
    if response.streaming or not response["Content-Type"].startswith("application/json"):
        return response.status_code, None
    return response.status_code, (response.json() if response.content else None)


def test_create_normalizes_contact_and_places_candidate(login, recruiter):
    status, body = call(login(recruiter), "post", BASE, {
        "first_name": "Maya", "last_name": "Chen", "profession": "nurse_practitioner",
        "email": " Maya.Chen@Example.COM", "phone": "+1 (780) 555-0123", "postal_code": "T5J 0N3",
        "specialties": ["Primary care"], "tags": ["rural"], "preferred_channels": ["sms"],
    })
    assert status == 201, body
    assert body["email"] == "Maya.Chen@example.com"
    assert body["phone"] == "+17805550123"
    assert body["city"] == "Edmonton" and body["time_zone"] == "America/Edmonton"
    assert body["location_resolved"] is True
    assert body["specialties"][0]["name"] == "Primary care"
    assert body["tags"] == ["rural"]


def test_bad_email_is_400_naming_the_field(login, recruiter):
    status, body = call(login(recruiter), "post", BASE, {
        "first_name": "A", "last_name": "B", "profession": "physician", "email": "nope@",
        "phone": "12",
    })
    assert status == 400
    assert set(body["errors"]) >= {"email", "phone"}
    assert body["detail"].split(":")[0] in ("email", "phone")


def test_missing_field_and_wrong_type_are_422_naming_the_field(login, recruiter):
    status, body = call(login(recruiter), "post", BASE, {"first_name": "A",
                                                         "profession": "physician",
                                                         "years_experience": "many"})
    assert status == 422
    assert "last_name" in body["errors"] and "years_experience" in body["errors"]


def test_unknown_choice_values_are_400(login, recruiter):
    status, body = call(login(recruiter), "post", BASE, {
        "first_name": "A", "last_name": "B", "profession": "wizard",
        "preferred_settings": ["moon"], "time_zone": "Mars/Base",
    })
    assert status == 400
    assert {"preferred_settings", "time_zone"} <= set(body["errors"])
    status, body = call(login(recruiter), "post", BASE, {
        "first_name": "A", "last_name": "B", "profession": "wizard"})
    assert status == 400 and "profession" in body["errors"]


def test_retrieve_has_every_section_and_audits_the_view(login, recruiter, candidate, job):
    actions.do_add_related(candidate, Licence, actor=recruiter, jurisdiction="CA-AB",
                           number="123")
    actions.do_record_consent(candidate, channel="email", basis="implied_inquiry",
                              actor=recruiter)
    do_add_to_pipeline(candidate, job, actor=recruiter)
    status, body = call(login(recruiter), "get", f"{BASE}/{candidate.uuid}")
    assert status == 200
    assert body["licences"][0]["number"] == "123"
    assert body["consents"][0]["expires_at"] is not None
    assert body["applications"][0]["job_title"] == job.title
    assert body["applications"][0]["stage"] == "Sourced"
    assert body["phone_display"] == "(403) 555-0142"
    for key in ("specialties", "certifications", "experiences", "education", "availability",
                "tags", "attachments"):
        assert key in body
    assert AuditEvent.objects.filter(candidate=candidate, action=AuditAction.VIEW,
                                     via="api").exists()


def test_patch_changes_only_what_is_sent_and_audits(login, recruiter, candidate):
    status, body = call(login(recruiter), "patch", f"{BASE}/{candidate.uuid}",
                        {"headline": "Rural generalist", "tags": ["rural", "ob"],
                         "preferred_employment_types": ["locum"]})
    assert status == 200, body
    assert body["headline"] == "Rural generalist"
    assert body["email"] == "Amara.Okafor@example.com"
    assert sorted(body["tags"]) == ["ob", "rural"]
    changes = {}
    for e in AuditEvent.objects.filter(candidate=candidate, action=AuditAction.UPDATE):
        changes.update(e.changes)
    assert {"headline", "tags", "preferred_employment_types"} <= set(changes)


def test_patch_bad_phone_is_400_and_changes_nothing(login, recruiter, candidate):
    status, body = call(login(recruiter), "patch", f"{BASE}/{candidate.uuid}",
                        {"phone": "abc", "headline": "x"})
    assert status == 400 and "phone" in body["errors"]
    candidate.refresh_from_db()
    assert candidate.phone == "+14035550142" and candidate.headline != "x"


@pytest.mark.parametrize("path,body", [
    ("specialties", {"name": "Obstetrics", "is_primary": True}),
    ("licences", {"jurisdiction": "Alberta", "number": "A1", "expires_on": "2030-01-01"}),
    ("certifications", {"name": "ACLS", "kind": "life_support"}),
    ("experiences", {"employer": "Foothills", "role": "Hospitalist",
                     "therapeutic_areas": ["cardiology"]}),
    ("education", {"institution": "U of C", "credential": "MD", "graduation_year": 2010}),
    ("availability", {"start_date": "2030-01-01", "end_date": "2030-02-01", "note": "locum"}),
])
def test_sub_resources_add_and_delete(login, recruiter, candidate, path, body):
    client = login(recruiter)
    status, row = call(client, "post", f"{BASE}/{candidate.uuid}/{path}", body)
    assert status == 201, row
    if path == "licences":
        assert row["jurisdiction"] == "CA-AB"
    status, _ = call(client, "delete", f"{BASE}/{candidate.uuid}/{path}/{row['id']}")
    assert status == 204
    status, _ = call(client, "delete", f"{BASE}/{candidate.uuid}/{path}/{row['id']}")
    assert status == 404


def test_sub_resource_bad_values_name_the_field(login, recruiter, candidate):
    client = login(recruiter)
    status, body = call(client, "post", f"{BASE}/{candidate.uuid}/licences",
                        {"jurisdiction": "Atlantis"})
    assert status == 400 and "jurisdiction" in body["errors"]
    status, body = call(client, "post", f"{BASE}/{candidate.uuid}/availability",
                        {"start_date": "2030-02-01", "end_date": "2030-01-01"})
    assert status == 400 and "end_date" in body["errors"]


def test_consent_expiry_is_computed(login, recruiter, candidate):
    status, body = call(login(recruiter), "post", f"{BASE}/{candidate.uuid}/consents", {
        "channel": "sms", "basis": "implied_transaction", "obtained_at": "2025-01-01T12:00:00Z"})
    assert status == 201
    assert body["expires_at"].startswith("2027-01-01")
    status, body = call(login(recruiter), "post", f"{BASE}/{candidate.uuid}/consents", {
        "channel": "fax", "basis": "express"})
    assert status == 400 and "channel" in body["errors"]


def test_activities_and_timeline(login, recruiter, candidate, job, stages):
    from rounds.pipeline.actions import do_move_application

    client = login(recruiter)
    app = do_add_to_pipeline(candidate, job, actor=recruiter)
    assert call(client, "post", f"{BASE}/{candidate.uuid}/activities",
                {"kind": "note", "body": "Loves ER shifts"})[0] == 201
    status, call_row = call(client, "post", f"{BASE}/{candidate.uuid}/activities",
                            {"kind": "call", "outcome": "voicemail", "duration_minutes": 2,
                             "application_id": app.pk})
    assert status == 201 and call_row["outcome"] == "voicemail"
    assert call_row["job_title"] == job.title
    do_move_application(app, stages["Contacted"], actor=recruiter)
    status, body = call(client, "get", f"{BASE}/{candidate.uuid}/timeline")
    kinds = [a["kind"] for a in body["items"]]
    assert kinds == ["stage_change", "call", "note", "stage_change"]
    status, body = call(client, "get", f"{BASE}/{candidate.uuid}/activities?kind=note")
    assert [a["body"] for a in body["items"]] == ["Loves ER shifts"]
    status, body = call(client, "post", f"{BASE}/{candidate.uuid}/activities",
                        {"kind": "call", "outcome": "maybe"})
    assert status == 400 and "outcome" in body["errors"]
    status, body = call(client, "post", f"{BASE}/{candidate.uuid}/activities",
                        {"kind": "note", "body": " "})
    assert status == 400 and "body" in body["errors"]


def test_list_uses_search_and_paginates(login, recruiter, candidate, org):
    do_add_note(candidate, actor=recruiter, body="speaks Tagalog")
    client = login(recruiter)
    status, body = call(client, "get", f"{BASE}?q=tagalog")
    assert status == 200
    assert [i["uuid"] for i in body["items"]] == [str(candidate.uuid)]
    assert body["count"] == 1 and body["next"] is None
    status, body = call(client, "get", f"{BASE}?within_km=10")
    assert status == 400 and "within_km" in body["errors"]
    status, body = call(client, "get", f"{BASE}?near=Atlantis")
    assert status == 400 and "near" in body["errors"]


def test_list_near_a_bare_name_says_which_place(login, outsider, other_org):
    near = actions.do_create_candidate(other_org.pk, actor=outsider, first_name="Ana",
                                       last_name="Austin", profession="physician",
                                       postal_code="78701", country="US")
    status, body = call(login(outsider), "get", f"{BASE}?near=Austin&within_km=30")
    assert status == 200 and [i["uuid"] for i in body["items"]] == [str(near.uuid)]
    assert body["warnings"] == ["Near Austin, TX (the largest Austin in the US)."]


def test_list_query_count_is_bounded(login, recruiter, org, django_assert_max_num_queries):
    for i in range(25):
        actions.do_create_candidate(org.pk, actor=recruiter, first_name=f"N{i}", last_name="P",
                                    profession="physician", specialties=["Family Medicine"],
                                    tags=["t"])
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        status, body = call(client, "get", BASE)
    assert status == 200 and body["count"] == 25


def test_bearer_token_works(recruiter, candidate, client):
    _token, key = do_create_api_token(recruiter, "script")
    response = client.get(f"{BASE}/{candidate.uuid}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_anonymous_is_401(client, candidate):
    assert client.get(f"{BASE}/{candidate.uuid}").status_code == 401


def _routes(candidate):
    u = candidate.uuid
    return [
        ("get", f"{BASE}/{u}", None),
        ("patch", f"{BASE}/{u}", {"headline": "x"}),
        ("post", f"{BASE}/{u}/licences", {"jurisdiction": "CA-AB"}),
        ("delete", f"{BASE}/{u}/licences/{candidate.lic_id}", None),
        ("post", f"{BASE}/{u}/specialties", {"name": "X"}),
        ("post", f"{BASE}/{u}/certifications", {"name": "X"}),
        ("post", f"{BASE}/{u}/experiences", {"employer": "X", "role": "Y"}),
        ("post", f"{BASE}/{u}/education", {"institution": "X", "credential": "Y"}),
        ("post", f"{BASE}/{u}/availability", {"start_date": "2030-01-01",
                                               "end_date": "2030-01-02"}),
        ("get", f"{BASE}/{u}/consents", None),
        ("post", f"{BASE}/{u}/consents", {"channel": "email", "basis": "express"}),
        ("get", f"{BASE}/{u}/activities", None),
        ("post", f"{BASE}/{u}/activities", {"kind": "note", "body": "x"}),
        ("get", f"{BASE}/{u}/timeline", None),
        ("get", f"{BASE}/{u}/attachments/{candidate.att_id}", None),
    ]


@pytest.fixture
def full_candidate(candidate, recruiter, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    candidate.lic_id = actions.do_add_related(candidate, Licence, actor=recruiter,
                                              jurisdiction="CA-BC").pk
    candidate.att_id = actions.do_add_attachment(
        candidate, SimpleUploadedFile("cv.pdf", b"%PDF-1.4 cv"), actor=recruiter).pk
    return candidate


def test_outsider_gets_404_on_every_route(login, outsider, full_candidate):
    client = login(outsider)
    for method, path, body in _routes(full_candidate):
        status, payload = call(client, method, path, body)
        assert status == 404, (method, path, status)
        assert payload == {"detail": "Not found"}


def test_read_only_gets_403_on_every_write(login, read_only, full_candidate):
    client = login(read_only)
    for method, path, body in _routes(full_candidate):
        status, payload = call(client, method, path, body)
        expected = 200 if method == "get" else 403
        assert status == expected, (method, path, status, payload)
    status, _ = call(client, "post", BASE, {"first_name": "A", "last_name": "B",
                                            "profession": "physician"})
    assert status == 403
    assert Licence.objects.filter(candidate=full_candidate).count() == 1


def test_hiring_manager_sees_only_their_jobs_candidates_and_may_add_notes(
        login, hiring_manager, recruiter, full_candidate, job):
    client = login(hiring_manager)
    assert call(client, "get", f"{BASE}/{full_candidate.uuid}")[0] == 404
    do_add_to_pipeline(full_candidate, job, actor=recruiter)
    job.hiring_team.add(hiring_manager)
    for method, path, body in _routes(full_candidate):
        status, payload = call(client, method, path, body)
        expected = 200 if method == "get" else (201 if path.endswith("/activities") else 403)
        assert status == expected, (method, path, status, payload)
    status, body = call(client, "get", BASE)
    assert [i["uuid"] for i in body["items"]] == [str(full_candidate.uuid)]


def test_upload_via_api_refuses_non_documents(login, recruiter, candidate, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(recruiter)
    response = client.post(f"{BASE}/{candidate.uuid}/attachments",
                           {"file": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00binary"),
                            "kind": "cv"})
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    response = client.post(f"{BASE}/{candidate.uuid}/attachments",
                           {"file": SimpleUploadedFile("cv.txt", b"Dr. Okafor\nCV"),
                            "kind": "cv"})
    assert response.status_code == 201
    download = client.get(response.json()["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Dr. Okafor\nCV"


def test_openapi_lists_error_responses(client):
    schema = client.get("/api/openapi.json").json()
    post = schema["paths"]["/api/candidates/{uuid}/licences"]["post"]["responses"]
    assert {"201", "400", "403", "404"} <= set(post)


def test_merged_or_missing_candidates_are_404(login, recruiter):
    import uuid

    assert call(login(recruiter), "get", f"{BASE}/{uuid.uuid4()}")[0] == 404
    assert Candidate.objects.count() == 0
