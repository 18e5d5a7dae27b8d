import json

import pytest
from django.test import Client

from rounds.accounts.actions import do_create_api_token, do_create_site, do_invite_user
from rounds.accounts.choices import Role
from rounds.accounts.models import EmployerProfile, Invitation, Site, User

from .conftest import sent_mail

pytestmark = pytest.mark.django_db


class Api:
    """A bearer-token client for one user."""

    def __init__(self, user):
        _token, key = do_create_api_token(user, "tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    def get(self, path):
        return self.client.get(f"/api/accounts{path}")

    def _send(self, method, path, body):
        return getattr(self.client, method)(f"/api/accounts{path}", data=json.dumps(body),
                                            content_type="application/json")

    def post(self, path, body):
        return self._send("post", path, body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def delete(self, path):
        return self.client.delete(f"/api/accounts{path}")


def test_me_returns_user_role_and_organization(owner, org):
    data = Api(owner).get("/me").json()
    assert data["email"] == "owner@prairie.test"
    assert data["role"] == "admin" and data["can_admin"] is True
    assert data["organization"]["name"] == org.name


def test_session_auth_works_for_the_api(login, recruiter):
    assert login(recruiter).get("/api/accounts/me").json()["role"] == "recruiter"


def test_employer_profile_get_and_patch(recruiter, org):
    api = Api(recruiter)
    response = api.patch("/employer-profile", {"value_proposition": "Four-day week.",
                                                "overhead_percent": 27.5,
                                                "practice_model": "fee_for_service"})
    assert response.status_code == 200, response.content
    assert response.json()["value_proposition"] == "Four-day week."
    profile = EmployerProfile.objects.get(organization=org)
    assert str(profile.overhead_percent) == "27.50"
    assert api.get("/employer-profile").json()["practice_model"] == "fee_for_service"


def test_employer_profile_bad_values_name_the_field(owner):
    api = Api(owner)
    response = api.patch("/employer-profile", {"overhead_percent": 150})
    assert response.status_code == 400
    assert "overhead_percent" in response.json()["errors"]
    response = api.patch("/employer-profile", {"practice_model": "barter"})
    assert response.status_code == 422
    assert "practice_model" in response.json()["errors"]


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_employer_profile_patch_is_403_for_readers(request, persona, org):
    api = Api(request.getfixturevalue(persona))
    assert api.get("/employer-profile").status_code == 200
    response = api.patch("/employer-profile", {"emr": "Epic"})
    assert response.status_code == 403
    assert response.json()["detail"]
    assert EmployerProfile.objects.get(organization=org).emr == ""


def test_sites_create_list_get_patch(recruiter, org):
    api = Api(recruiter)
    created = api.post("/sites", {"name": "Calgary Central", "postal_code": "T2P 1J9"})
    assert created.status_code == 201, created.content
    site = created.json()
    assert site["located"] is True and site["time_zone"] == "America/Edmonton"
    assert [s["name"] for s in api.get("/sites").json()["items"]] == ["Calgary Central"]
    assert api.get(f"/sites/{site['id']}").json()["postal_code"] == "T2P 1J9"
    patched = api.patch(f"/sites/{site['id']}", {"is_active": False, "phone": "403 555 0111"})
    assert patched.status_code == 200
    assert patched.json()["is_active"] is False
    assert patched.json()["phone"] == "+14035550111"
    assert patched.json()["name"] == "Calgary Central"
    assert api.get("/sites?active=true").json()["items"] == []


def test_site_duplicate_name_is_400_naming_the_field(owner, org):
    api = Api(owner)
    api.post("/sites", {"name": "Calgary Central"})
    response = api.post("/sites", {"name": "CALGARY CENTRAL"})
    assert response.status_code == 400
    assert "name" in response.json()["errors"]
    assert Site.objects.filter(organization=org).count() == 1


def test_site_missing_name_is_422(owner):
    response = Api(owner).post("/sites", {"city": "Calgary"})
    assert response.status_code == 422
    assert "name" in response.json()["errors"]


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_site_writes_are_403_for_readers(request, persona, owner, org):
    site, _ = do_create_site(org.pk, actor=owner, name="Calgary Central", country="CA")
    api = Api(request.getfixturevalue(persona))
    assert api.get(f"/sites/{site.pk}").status_code == 200
    assert api.post("/sites", {"name": "New"}).status_code == 403
    assert api.patch(f"/sites/{site.pk}", {"name": "Renamed"}).status_code == 403
    site.refresh_from_db()
    assert site.name == "Calgary Central"


def test_outsider_gets_404_for_another_orgs_site(owner, org, outsider):
    site, _ = do_create_site(org.pk, actor=owner, name="Calgary Central", country="CA")
    api = Api(outsider)
    assert api.get(f"/sites/{site.pk}").status_code == 404
    assert api.get(f"/sites/{site.pk}").json() == {"detail": "Not found"}
    assert api.patch(f"/sites/{site.pk}", {"name": "Hacked"}).status_code == 404
    assert api.get("/sites").json()["items"] == []
    site.refresh_from_db()
    assert site.name == "Calgary Central"


def test_users_list_is_for_admins_of_the_org_only(owner, recruiter, outsider, other_org):
    emails = {u["email"] for u in Api(owner).get("/users").json()["items"]}
    assert emails == {"owner@prairie.test", "recruiter@prairie.test"}
    assert Api(recruiter).get("/users").status_code == 403
    outsider_owner = User.objects.get(email="owner@lonestar.test")
    foreign = {u["email"] for u in Api(outsider_owner).get("/users").json()["items"]}
    assert "owner@prairie.test" not in foreign


def test_invitations_create_list_delete(owner, org):
    api = Api(owner)
    created = api.post("/invitations", {"email": "New.Nurse@prairie.test", "role": "read_only"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["email"] == "new.nurse@prairie.test" and body["status"] == "pending"
    assert body["email_status"] == "queued" and len(sent_mail()) == 1
    # Only the invitee gets the link (an inviter who can open it can probe other tenants).
    assert body["accept_url"] is None
    token = Invitation.objects.get(pk=body["id"]).token
    assert f"/accounts/invite/{token}/" in sent_mail()[0].body
    listed = api.get("/invitations").json()["items"]
    assert [i["email"] for i in listed] == ["new.nurse@prairie.test"]
    assert listed[0]["accept_url"] is None
    assert api.delete(f"/invitations/{body['id']}").status_code == 204
    assert api.get("/invitations").json()["items"] == []
    assert Invitation.objects.get(pk=body["id"]).status == "revoked"


def test_invitation_link_is_returned_when_the_email_could_not_go(owner, org, refusing_smtp):
    created = Api(owner).post("/invitations", {"email": "new.nurse@prairie.test"})
    assert created.status_code == 201
    assert created.json()["accept_url"] is None  # on its way: only the invitee has the link
    sent_mail()  # the worker tries; the mail server refuses the address for good
    [listed] = Api(owner).get("/invitations").json()["items"]
    assert listed["email_status"] == "failed"
    token = Invitation.objects.get(pk=listed["id"]).token
    assert listed["accept_url"].endswith(f"/accounts/invite/{token}/")


def test_inviting_an_account_of_another_organization_answers_like_any_other(owner, other_org):
    created = Api(owner).post("/invitations", {"email": "owner@lonestar.test"})
    assert created.status_code == 201
    assert created.json()["status"] == "pending" and created.json()["accept_url"] is None


def test_invitation_bad_input(owner, recruiter):
    api = Api(owner)
    bad_email = api.post("/invitations", {"email": "nope", "role": "recruiter"})
    assert bad_email.status_code == 400 and "email" in bad_email.json()["errors"]
    existing = api.post("/invitations", {"email": "recruiter@prairie.test"})
    assert existing.status_code == 400 and "email" in existing.json()["errors"]
    bad_role = api.post("/invitations", {"email": "x@prairie.test", "role": "god"})
    assert bad_role.status_code == 422 and "role" in bad_role.json()["errors"]


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "read_only"])
def test_invitations_are_403_for_non_admins(request, persona, owner, org):
    inv = do_invite_user(org, email="x@prairie.test", role=Role.RECRUITER, actor=owner)
    api = Api(request.getfixturevalue(persona))
    assert api.get("/invitations").status_code == 403
    assert api.post("/invitations", {"email": "y@prairie.test"}).status_code == 403
    assert api.delete(f"/invitations/{inv.pk}").status_code == 403
    assert sent_mail() == []


def test_outsider_admin_never_sees_or_revokes_another_orgs_invitations(owner, org, other_org):
    inv = do_invite_user(org, email="x@prairie.test", role=Role.RECRUITER, actor=owner)
    api = Api(User.objects.get(email="owner@lonestar.test"))
    assert api.get("/invitations").json()["items"] == []
    assert api.delete(f"/invitations/{inv.pk}").status_code == 404
    inv.refresh_from_db()
    assert inv.revoked_at is None


def test_openapi_documents_the_accounts_routes(owner):
    schema = Client().get("/api/openapi.json").json()
    for path in ("/api/accounts/me", "/api/accounts/employer-profile", "/api/accounts/sites",
                 "/api/accounts/sites/{site_id}", "/api/accounts/users",
                 "/api/accounts/invitations", "/api/accounts/invitations/{invitation_id}"):
        assert path in schema["paths"], path
    assert "403" in schema["paths"]["/api/accounts/sites"]["post"]["responses"]


def test_api_changes_are_audited_as_api(owner, org):
    from rounds.audit.models import AuditEvent

    site_id = Api(owner).post("/sites", {"name": "Calgary Central"}).json()["id"]
    event = AuditEvent.objects.get(object_type="site", object_id=str(site_id))
    assert event.via == "api" and event.actor_id == owner.pk and event.organization_id == org.pk
