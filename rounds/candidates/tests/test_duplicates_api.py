"""JSON API of duplicates and merge (/api/duplicates)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from rounds import api as main_api
from rounds.candidates.actions import do_create_candidate
from rounds.candidates.api_duplicates import router
from rounds.candidates.models import Candidate, DuplicateDismissal

# Until the router is mounted on the project API, serve it from an API configured like it.
if any(r is router for _prefix, r in main_api.api._routers):
    pytestmark = pytest.mark.urls("rounds.urls")
else:
    _api = NinjaAPI(urls_namespace="duplicates-test", auth=main_api.api.auth)
    for exc, handler in (
        (ValidationError, main_api.django_validation_error),
        (NinjaValidationError, main_api.schema_validation_error),
        (Http404, main_api.not_found),
        (PermissionDenied, main_api.forbidden),
        (AuthenticationError, main_api.unauthorized),
    ):
        _api.add_exception_handler(exc, handler)
    _api.add_router("/duplicates", router)
    urlpatterns = [path("api/", _api.urls)]
    pytestmark = pytest.mark.urls(__name__)

URL = "/api/duplicates/"


@pytest.fixture
def twin(org, recruiter):
    return do_create_candidate(
        org.pk, actor=recruiter, first_name="Amara", last_name="Okafor",
        email="AMARA.OKAFOR@example.com", profession="physician", summary="Red Deer obstetrics",
        city="Red Deer", region="AB", country="CA",
    )


def test_list_pairs(login, recruiter, candidate, twin):
    response = login(recruiter).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["next"] is None
    pair = body["items"][0]
    assert {pair["first"]["uuid"], pair["second"]["uuid"]} == {str(candidate.uuid),
                                                               str(twin.uuid)}
    assert pair["reasons"] == ["same email amara.okafor@example.com"]


def test_list_limit_is_validated(login, recruiter):
    response = login(recruiter).get(URL, {"limit": 0})
    assert response.status_code == 422
    assert "limit" in response.json()["errors"]


def test_merge_moves_and_applies_choices(login, recruiter, candidate, twin):
    response = login(recruiter).post(
        URL + "merge",
        {"survivor": str(candidate.uuid), "other": str(twin.uuid),
         "field_choices": {"location": "other"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["survivor"]["uuid"] == str(candidate.uuid)
    assert body["survivor"]["location"] == "Red Deer, AB, CA"
    assert body["merged"] == str(twin.uuid)
    assert body["changes"]["summary"] == ["", "Red Deer obstetrics"]
    twin.refresh_from_db()
    assert twin.merged_into_id == candidate.pk


def test_merge_errors_name_the_field(login, recruiter, candidate, twin):
    client = login(recruiter)
    r = client.post(URL + "merge", {"survivor": str(candidate.uuid), "other": str(candidate.uuid)},
                    content_type="application/json")
    assert r.status_code == 400
    assert "itself" in r.json()["errors"]["other"][0]
    r = client.post(URL + "merge", {"survivor": str(candidate.uuid), "other": str(twin.uuid),
                                    "field_choices": {"email": "both"}},
                    content_type="application/json")
    assert r.status_code == 400 and "email" in r.json()["errors"]
    r = client.post(URL + "merge", {"survivor": "not-a-uuid"}, content_type="application/json")
    assert r.status_code == 422
    assert Candidate.objects.filter(merged_into__isnull=False).count() == 0
    client.post(URL + "merge", {"survivor": str(candidate.uuid), "other": str(twin.uuid)},
                content_type="application/json")
    r = client.post(URL + "merge", {"survivor": str(candidate.uuid), "other": str(twin.uuid)},
                    content_type="application/json")
    assert r.status_code == 400 and "already merged" in r.json()["detail"]


def test_dismiss(login, recruiter, candidate, twin):
    client = login(recruiter)
    r = client.post(URL + "dismiss", {"first": str(candidate.uuid), "second": str(twin.uuid)},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["dismissed"] is True
    assert client.get(URL).json()["count"] == 0
    r = client.post(URL + "dismiss", {"first": str(twin.uuid), "second": str(twin.uuid)},
                    content_type="application/json")
    assert r.status_code == 400


def test_outsider_gets_404_and_sees_no_pairs(login, outsider, candidate, twin):
    client = login(outsider)
    assert client.get(URL).json()["count"] == 0
    payload = {"survivor": str(candidate.uuid), "other": str(twin.uuid)}
    assert client.post(URL + "merge", payload, content_type="application/json").status_code == 404
    r = client.post(URL + "dismiss", {"first": str(candidate.uuid), "second": str(twin.uuid)},
                    content_type="application/json")
    assert r.status_code == 404
    twin.refresh_from_db()
    assert twin.merged_into_id is None
    assert DuplicateDismissal.objects.count() == 0


def test_cannot_merge_another_orgs_record_into_mine(login, outsider, other_org, candidate):
    mine = do_create_candidate(other_org.pk, actor=outsider, first_name="Amara",
                               last_name="Okafor", profession="physician")
    r = login(outsider).post(URL + "merge",
                             {"survivor": str(mine.uuid), "other": str(candidate.uuid)},
                             content_type="application/json")
    assert r.status_code == 404
    candidate.refresh_from_db()
    assert candidate.merged_into_id is None


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_read_only_and_hiring_manager_get_403(login, candidate, twin, persona, request):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    payload = {"survivor": str(candidate.uuid), "other": str(twin.uuid)}
    assert client.post(URL + "merge", payload, content_type="application/json").status_code == 403
    r = client.post(URL + "dismiss", {"first": str(candidate.uuid), "second": str(twin.uuid)},
                    content_type="application/json")
    assert r.status_code == 403
    twin.refresh_from_db()
    assert twin.merged_into_id is None


def test_anonymous_gets_401(client):
    assert client.get(URL).status_code == 401
