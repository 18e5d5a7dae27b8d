from decimal import Decimal

import pytest
from django.urls import reverse

from rounds.accounts.choices import CompensationModel, PracticeModel
from rounds.accounts.models import EmployerProfile, Organization

pytestmark = pytest.mark.django_db

PROFILE = {
    "value_proposition": "Own your panel in two years; no call after 6 pm.",
    "practice_model": PracticeModel.FEE_FOR_SERVICE,
    "compensation_model": CompensationModel.FFS_SPLIT,
    "compensation_details": "70/30 split, overhead capped at $9,000/month.",
    "overhead_percent": "30",
    "team_based_care": "Two RNs, an NP, a pharmacist.",
    "admin_support": "Front desk, billing clerk, scribe.",
    "emr": "Accuro",
    "community_points": "Trails, new high school, 90 minutes to the Rockies.",
}


@pytest.mark.parametrize("persona", ["owner", "recruiter"])
def test_admins_and_recruiters_edit_the_employer_profile(request, login, org, persona):
    response = login(request.getfixturevalue(persona)).post(reverse("accounts:employer"), PROFILE)
    assert response.status_code == 302
    profile = EmployerProfile.objects.get(organization=org)
    assert profile.value_proposition.startswith("Own your panel")
    assert profile.overhead_percent == Decimal("30.00")
    assert profile.emr == "Accuro"


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_others_read_the_profile_and_get_403_on_post(request, login, org, owner, persona):
    login(owner).post(reverse("accounts:employer"), PROFILE)
    client = login(request.getfixturevalue(persona))
    page = client.get(reverse("accounts:employer"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Own your panel" in body
    assert "<textarea" not in body
    assert client.post(reverse("accounts:employer"),
                       {**PROFILE, "emr": "Changed"}).status_code == 403
    assert EmployerProfile.objects.get(organization=org).emr == "Accuro"


def test_overhead_outside_0_to_100_is_a_field_error_and_input_is_kept(login, owner, org):
    response = login(owner).post(reverse("accounts:employer"),
                                 {**PROFILE, "overhead_percent": "130"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "between 0 and 100" in body
    assert "Own your panel" in body
    assert EmployerProfile.objects.get(organization=org).overhead_percent is None


def test_each_org_edits_only_its_own_profile(login, owner, org, outsider, other_org):
    login(outsider).post(reverse("accounts:employer"), PROFILE)
    assert EmployerProfile.objects.get(organization=other_org).emr == "Accuro"
    assert EmployerProfile.objects.get(organization=org).emr == ""
    assert "Own your panel" not in login(owner).get(reverse("accounts:employer")).content.decode()


def test_admin_changes_organization_details(login, owner, org):
    response = login(owner).post(reverse("accounts:organization"), {
        "name": "Prairie Family Clinics Ltd.", "country": "CA", "time_zone": "America/Regina",
        "postal_address": "100 Main St, Red Deer AB T4N 1A1", "retention_days": 365,
    })
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Prairie Family Clinics Ltd."
    assert org.time_zone == "America/Regina"
    assert org.retention_days == 365


def test_organization_form_explains_bad_values(login, owner, org):
    response = login(owner).post(reverse("accounts:organization"), {
        "name": "", "country": "CA", "time_zone": "Mars/Olympus", "retention_days": 5,
    })
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required" in body
    assert "Select a valid choice" in body
    assert "between 30 and 3650" in body
    assert Organization.objects.get(pk=org.pk).name == "Prairie Family Clinics"


@pytest.mark.parametrize("persona", ["recruiter", "read_only"])
def test_only_admins_change_organization_details(request, login, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("accounts:organization")).status_code == 403
    assert client.post(reverse("accounts:organization"), {"name": "X"}).status_code == 403


def test_distances_default_to_miles_in_the_us_and_kilometres_elsewhere(login, owner, org,
                                                                       other_org):
    from rounds.accounts.models import User
    from rounds.lib.units import distance_unit

    assert distance_unit(org) == "km" and distance_unit(other_org) == "mi"
    form = login(owner).get(reverse("accounts:organization")).context["form"]
    assert form["distance_unit"].value() == "km"
    us_owner = User.objects.get(email="owner@lonestar.test")
    form = login(us_owner).get(reverse("accounts:organization")).context["form"]
    assert form["distance_unit"].value() == "mi"


def test_admin_chooses_miles_for_a_canadian_organization(login, owner, org):
    from rounds.lib.units import distance_unit

    response = login(owner).post(reverse("accounts:organization"), {
        "name": org.name, "country": "CA", "time_zone": "America/Edmonton",
        "distance_unit": "mi", "retention_days": 730,
    })
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.distance_unit == "mi" and distance_unit(org) == "mi"
    response = login(owner).post(reverse("accounts:organization"), {
        "name": org.name, "country": "CA", "time_zone": "America/Edmonton",
        "distance_unit": "furlongs", "retention_days": 730,
    })
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert Organization.objects.get(pk=org.pk).distance_unit == "mi"
