import pytest
from django.urls import reverse

from conftest import make_user
from rounds.accounts.choices import Role
from rounds.accounts.models import User

pytestmark = pytest.mark.django_db


def test_admin_sees_the_orgs_users_but_not_another_orgs(login, owner, recruiter, outsider):
    page = login(owner).get(reverse("accounts:users")).content.decode()
    assert recruiter.email in page
    assert owner.email in page
    assert outsider.email not in page
    assert "owner@lonestar.test" not in page


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "read_only"])
def test_non_admins_cannot_manage_users(request, login, persona, recruiter):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("accounts:users")).status_code == 403
    assert client.post(reverse("accounts:user_role", args=[recruiter.pk]),
                       {"role": Role.ADMIN}).status_code == 403
    assert client.post(reverse("accounts:user_active", args=[recruiter.pk]),
                       {"active": "0"}).status_code == 403
    recruiter.refresh_from_db()
    assert recruiter.role == Role.RECRUITER and recruiter.is_active


def test_role_change_takes_effect(login, owner, recruiter):
    assert login(recruiter).get(reverse("accounts:settings")).status_code == 403
    response = login(owner).post(reverse("accounts:user_role", args=[recruiter.pk]),
                                 {"role": Role.ADMIN})
    assert response.status_code == 302
    recruiter.refresh_from_db()
    assert recruiter.role == Role.ADMIN
    assert login(recruiter).get(reverse("accounts:settings")).status_code == 200


def test_demoted_user_loses_access_at_once(login, owner, recruiter):
    client = login(recruiter)
    login(owner).post(reverse("accounts:user_role", args=[recruiter.pk]),
                      {"role": Role.READ_ONLY})
    assert client.get(reverse("accounts:site_create")).status_code == 403


def test_last_admin_cannot_demote_or_deactivate_themselves(login, owner):
    client = login(owner)
    response = client.post(reverse("accounts:user_role", args=[owner.pk]),
                           {"role": Role.RECRUITER}, follow=True)
    assert "last active owner/admin" in response.content.decode()
    response = client.post(reverse("accounts:user_active", args=[owner.pk]), {"active": "0"},
                           follow=True)
    assert "last active owner/admin" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.ADMIN and owner.is_active


def test_admin_can_step_down_when_another_admin_remains(login, owner, org):
    make_user(org, Role.ADMIN, "second@prairie.test")
    login(owner).post(reverse("accounts:user_role", args=[owner.pk]), {"role": Role.RECRUITER})
    owner.refresh_from_db()
    assert owner.role == Role.RECRUITER


def test_deactivated_user_is_signed_out_and_reactivated_can_return(login, owner, recruiter):
    their_client = login(recruiter)
    admin = login(owner)
    admin.post(reverse("accounts:user_active", args=[recruiter.pk]), {"active": "0"})
    recruiter.refresh_from_db()
    assert not recruiter.is_active
    assert their_client.get(reverse("today")).status_code == 302
    admin.post(reverse("accounts:user_active", args=[recruiter.pk]), {"active": "1"})
    recruiter.refresh_from_db()
    assert recruiter.is_active


def test_unknown_role_is_refused(login, owner, recruiter):
    response = login(owner).post(reverse("accounts:user_role", args=[recruiter.pk]),
                                 {"role": "superuser"}, follow=True)
    assert "Choose one of the roles" in response.content.decode()
    recruiter.refresh_from_db()
    assert recruiter.role == Role.RECRUITER


def test_admin_cannot_touch_another_orgs_user(login, owner, outsider):
    client = login(owner)
    assert client.post(reverse("accounts:user_role", args=[outsider.pk]),
                       {"role": Role.READ_ONLY}).status_code == 404
    assert client.post(reverse("accounts:user_active", args=[outsider.pk]),
                       {"active": "0"}).status_code == 404
    outsider.refresh_from_db()
    assert outsider.role == Role.RECRUITER and outsider.is_active


def test_users_list_query_count_is_bounded(login, owner, org, django_assert_max_num_queries):
    for i in range(30):
        make_user(org, Role.RECRUITER, f"r{i}@prairie.test")
    client = login(owner)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("accounts:users"))
    assert response.content.decode().count("r2") >= 1
    assert User.objects.filter(organization=org).count() == 31


def test_settings_home_links_every_area_and_lists_stages(login, owner, stages):
    page = login(owner).get(reverse("accounts:settings")).content.decode()
    for name in ("accounts:users", "accounts:invite", "accounts:employer", "accounts:sites",
                 "accounts:tokens", "accounts:organization"):
        assert reverse(name) in page
    assert "Interview / site visit" in page


def test_role_and_status_changes_are_in_the_audit_log(login, owner, recruiter):
    from rounds.audit.models import AuditEvent

    client = login(owner)
    client.post(reverse("accounts:user_role", args=[recruiter.pk]), {"role": Role.READ_ONLY})
    client.post(reverse("accounts:user_active", args=[recruiter.pk]), {"active": "0"})
    events = list(AuditEvent.objects.filter(object_type="user", object_id=str(recruiter.pk))
                  .order_by("at", "id"))
    assert [e.changes for e in events] == [
        {"role": ["recruiter", "read_only"]}, {"is_active": ["True", "False"]},
    ]
    assert all(e.actor_id == owner.pk and e.organization_id == owner.organization_id
               for e in events)
