"""The audit log JSON API (/api/audit): admins only, their organization only."""

import pytest

from rounds.accounts.models import User
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.candidates.actions import do_create_candidate, do_update_candidate

URL = "/api/audit/"


@pytest.fixture
def history(recruiter, candidate):
    audit.record(actor=recruiter, action=AuditAction.VIEW, obj=candidate, via="api")
    do_update_candidate(candidate, actor=recruiter, headline="Rural family physician")
    return candidate


def test_owner_lists_events_with_changes(login, owner, recruiter, history):
    response = login(owner).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 3  # created, viewed, changed
    change = next(i for i in body["items"] if i["action"] == "update")
    assert change["actor"]["email"] == recruiter.email
    assert change["candidate"]["uuid"] == str(history.uuid)
    assert change["changes"]["headline"][1] == "Rural family physician"
    assert any("headline:" in line and "→ Rural family physician" in line
               for line in change["change_lines"])


def test_filters_and_paging(login, owner, recruiter, org, history):
    do_create_candidate(org.pk, actor=owner, first_name="Ben", last_name="Other",
                        profession="physician")
    client = login(owner)
    views = client.get(URL, {"action": "view"}).json()
    assert views["count"] == 1 and views["items"][0]["via"] == "api"
    mine = client.get(URL, {"candidate": str(history.uuid)}).json()
    assert {i["candidate"]["uuid"] for i in mine["items"]} == {str(history.uuid)}
    by_actor = client.get(URL, {"actor": owner.pk}).json()
    assert {i["actor"]["id"] for i in by_actor["items"]} == {owner.pk}
    assert client.get(URL, {"q": "ben"}).json()["count"] == 1
    first = client.get(URL, {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next"] == f"{URL}?limit=2&offset=2"
    rest = client.get(first["next"]).json()
    assert {i["id"] for i in rest["items"]}.isdisjoint({i["id"] for i in first["items"]})


def test_bad_filters_name_the_field(login, owner):
    client = login(owner)
    r = client.get(URL, {"action": "peek"})
    assert r.status_code == 422 and "action" in r.json()["errors"]
    r = client.get(URL, {"since": "2025-05-02", "until": "2025-05-01"})
    assert r.status_code == 400 and "until" in r.json()["errors"]


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "read_only"])
def test_non_admins_get_403(login, history, persona, request):
    assert login(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_admin_of_another_org_sees_only_their_own(login, other_org, history):
    their_owner = User.objects.get(email="owner@lonestar.test")
    client = login(their_owner)
    body = client.get(URL).json()
    assert all(i["candidate"] is None or i["candidate"]["uuid"] != str(history.uuid)
               for i in body["items"])
    assert body["count"] == 0
    assert client.get(URL, {"candidate": str(history.uuid)}).status_code == 404
