import pytest
from django.urls import reverse

from rounds.accounts.actions import do_create_site
from rounds.accounts.models import Site

pytestmark = pytest.mark.django_db

RED_DEER = {"name": "Red Deer North Clinic", "address_line": "4920 51 St", "city": "Red Deer",
            "region": "AB", "postal_code": "t4n 1a1", "country": "CA", "phone": "403-555-0100",
            "is_active": "on"}


def test_recruiter_adds_a_site_placed_from_its_postal_code(login, recruiter, org):
    response = login(recruiter).post(reverse("accounts:site_create"), RED_DEER, follow=True)
    assert response.status_code == 200
    site = Site.objects.get(organization=org, name="Red Deer North Clinic")
    assert site.postal_code == "T4N 1A1"
    assert site.phone == "+14035550100"
    assert 52.0 < site.latitude < 52.5 and -114.0 < site.longitude < -113.5
    assert site.time_zone == "America/Edmonton"
    assert "placed at" in response.content.decode()


def test_us_site_placed_from_zip(login, owner, org):
    login(owner).post(reverse("accounts:site_create"), {
        **RED_DEER, "name": "Dallas office", "postal_code": "75201", "region": "TX",
        "city": "Dallas", "country": "US", "phone": "",
    })
    site = Site.objects.get(organization=org, name="Dallas office")
    assert site.time_zone == "America/Chicago"
    assert 32 < site.latitude < 33.5


def test_unplaceable_site_is_saved_with_a_warning(login, owner, org):
    response = login(owner).post(reverse("accounts:site_create"), {
        **RED_DEER, "postal_code": "", "city": "Nowhereville", "region": "", "phone": "",
    }, follow=True)
    site = Site.objects.get(organization=org, name="Red Deer North Clinic")
    assert site.latitude is None and site.time_zone == ""
    assert "couldn&#x27;t place it on the map" in response.content.decode()
    assert "Not placed" in response.content.decode()


def test_duplicate_site_name_is_a_field_error_not_a_crash(login, owner, org):
    client = login(owner)
    client.post(reverse("accounts:site_create"), RED_DEER)
    response = client.post(reverse("accounts:site_create"),
                           {**RED_DEER, "name": "red deer north clinic"})
    assert response.status_code == 200
    assert "There is already a site named" in response.content.decode()
    assert Site.objects.filter(organization=org).count() == 1


def test_same_site_name_is_fine_in_another_org(login, owner, outsider, org, other_org):
    login(owner).post(reverse("accounts:site_create"), RED_DEER)
    login(outsider).post(reverse("accounts:site_create"), {**RED_DEER, "country": "CA"})
    assert Site.objects.filter(name=RED_DEER["name"]).count() == 2


def test_bad_phone_is_a_field_error_and_input_is_kept(login, owner, org):
    response = login(owner).post(reverse("accounts:site_create"), {**RED_DEER, "phone": "12"})
    assert response.status_code == 200
    assert "not a valid phone number" in response.content.decode() \
        or "not a phone number" in response.content.decode()
    assert 'value="Red Deer North Clinic"' in response.content.decode()
    assert not Site.objects.exists()


def test_editor_edits_and_deactivates_a_site(login, recruiter, org):
    site, _ = do_create_site(org.pk, actor=recruiter, **{**RED_DEER, "is_active": True})
    client = login(recruiter)
    assert client.get(reverse("accounts:site_edit", args=[site.pk])).status_code == 200
    data = {**RED_DEER, "name": "Red Deer North", "postal_code": "T2P 1J9"}
    data.pop("is_active")
    response = client.post(reverse("accounts:site_edit", args=[site.pk]), data)
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.name == "Red Deer North"
    assert site.is_active is False
    assert 50.9 < site.latitude < 51.2  # re-placed in Calgary


def test_renaming_to_an_existing_name_is_refused(login, owner, org):
    do_create_site(org.pk, actor=owner, **{**RED_DEER, "is_active": True})
    other, _ = do_create_site(org.pk, actor=owner, name="Calgary South", country="CA")
    response = login(owner).post(reverse("accounts:site_edit", args=[other.pk]),
                                 {**RED_DEER, "name": "Red Deer North Clinic"})
    assert "There is already a site named" in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Calgary South"


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_others_read_sites_but_cannot_change_them(request, login, owner, org, persona):
    site, _ = do_create_site(org.pk, actor=owner, **{**RED_DEER, "is_active": True})
    client = login(request.getfixturevalue(persona))
    listing = client.get(reverse("accounts:sites")).content.decode()
    assert "Red Deer North Clinic" in listing
    assert reverse("accounts:site_create") not in listing
    detail = client.get(reverse("accounts:site_edit", args=[site.pk]))
    assert detail.status_code == 200 and "<form" not in detail.content.decode().split(
        "<main")[1].split("Sign out")[0]
    assert client.get(reverse("accounts:site_create")).status_code == 403
    assert client.post(reverse("accounts:site_create"), RED_DEER).status_code == 403
    assert client.post(reverse("accounts:site_edit", args=[site.pk]),
                       {**RED_DEER, "name": "Hacked"}).status_code == 403
    site.refresh_from_db()
    assert site.name == "Red Deer North Clinic"


def test_outsider_gets_404_for_another_orgs_site(login, owner, org, outsider):
    site, _ = do_create_site(org.pk, actor=owner, **{**RED_DEER, "is_active": True})
    client = login(outsider)
    assert client.get(reverse("accounts:site_edit", args=[site.pk])).status_code == 404
    assert client.post(reverse("accounts:site_edit", args=[site.pk]),
                       {**RED_DEER, "name": "Hacked"}).status_code == 404
    assert "Red Deer North Clinic" not in client.get(reverse("accounts:sites")).content.decode()
    site.refresh_from_db()
    assert site.name == "Red Deer North Clinic"


def test_sites_list_query_count_is_bounded(login, owner, org, django_assert_max_num_queries):
    for i in range(25):
        do_create_site(org.pk, actor=owner, name=f"Clinic {i}", postal_code="T4N 1A1",
                       country="CA")
    client = login(owner)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("accounts:sites"))
    assert response.content.decode().count("Clinic 1") >= 1
