"""Creating and editing a candidate's profile through the web form."""

import pytest
from django.urls import reverse

from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates.models import Candidate

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "first_name": "  Jean ", "last_name": "Tremblay", "email": "  Jean.Tremblay@EXAMPLE.COM ",
        "phone": "(403) 555-0199", "profession": "physician", "postal_code": "T2P 1J9",
        "country": "ca", "status": "active", "source": "job_board",
        "contact_frequency": "any", "specialties_text": "Emergency Medicine, Family Medicine",
        "tags_text": "nocturnist, francophone", "languages_text": "English, French",
        "employment_types": ["permanent", "locum"], "settings": ["emergency"],
        "channel_1": "sms", "channel_2": "email", "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
    }
    data.update(overrides)
    return data


def test_create_normalizes_messy_contact_and_locates(login, recruiter):
    response = login(recruiter).post(reverse("candidates:create"), form_data())
    assert response.status_code == 302
    c = Candidate.objects.get(last_name="Tremblay")
    assert response.url == reverse("candidates:detail", kwargs={"uuid": c.uuid})
    assert c.first_name == "Jean"
    assert c.email == "Jean.Tremblay@example.com"
    assert c.phone == "+14035550199"
    assert c.country == "CA"
    assert c.city == "Calgary" and c.region == "AB"
    assert c.latitude == pytest.approx(51.05, abs=0.2)
    assert c.time_zone == "America/Edmonton"
    assert [s.name for s in c.specialties.all()] == ["Emergency Medicine", "Family Medicine"]
    assert c.specialties.get(is_primary=True).name == "Emergency Medicine"
    assert sorted(t.name for t in c.tags.all()) == ["francophone", "nocturnist"]
    assert c.languages == ["English", "French"]
    assert c.preferred_channels == ["sms", "email"]
    assert c.preferred_employment_types == ["permanent", "locum"]
    assert c.owner == recruiter
    assert AuditEvent.objects.filter(candidate=c, action=AuditAction.CREATE).exists()


def test_create_by_us_city_gets_coordinates_and_zone(login, recruiter):
    data = form_data(postal_code="", city="Austin", region="TX", country="US",
                     phone="512-555-0147", last_name="Garza")
    assert login(recruiter).post(reverse("candidates:create"), data).status_code == 302
    c = Candidate.objects.get(last_name="Garza")
    assert c.latitude == pytest.approx(30.3, abs=0.3)
    assert c.time_zone == "America/Chicago"
    assert c.phone == "+15125550147"


def test_bad_email_and_phone_come_back_as_field_errors_keeping_input(login, recruiter):
    data = form_data(email="jean@", phone="12", headline="Keeps this headline")
    response = login(recruiter).post(reverse("candidates:create"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "email" in form.errors and "phone" in form.errors
    html = response.content.decode()
    assert "Keeps this headline" in html and "Tremblay" in html
    assert not Candidate.objects.filter(last_name="Tremblay").exists()


def test_duplicate_channel_and_half_quiet_hours_are_refused(login, recruiter):
    data = form_data(channel_2="sms", quiet_hours_end="")
    response = login(recruiter).post(reverse("candidates:create"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "channel_2" in errors


def test_unresolvable_location_warns(login, recruiter):
    data = form_data(postal_code="", city="Nowhereville", region="AB", last_name="Lost")
    response = login(recruiter).post(reverse("candidates:create"), data, follow=True)
    c = Candidate.objects.get(last_name="Lost")
    assert c.latitude is None
    assert "could not place" in response.content.decode().lower()


def test_referrer_from_pool_or_free_text(login, recruiter, candidate):
    client = login(recruiter)
    client.post(reverse("candidates:create"),
                form_data(source="referral", referrer=f"Amara — {candidate.uuid}", last_name="A"))
    assert Candidate.objects.get(last_name="A").referred_by == candidate
    client.post(reverse("candidates:create"),
                form_data(source="referral", referrer="Dr. Someone Else", last_name="B",
                          email="b@example.com", phone=""))
    b = Candidate.objects.get(last_name="B")
    assert b.referred_by is None and b.referrer_name == "Dr. Someone Else"


def test_referrer_autocomplete_lists_pool_candidates(login, recruiter, candidate):
    response = login(recruiter).get(reverse("candidates:create"), {"referrer": "okaf"},
                                    HTTP_HX_REQUEST="true")
    assert str(candidate.uuid) in response.content.decode()


def test_referrer_from_another_org_is_refused(login, recruiter, outsider):
    from rounds.candidates.actions import do_create_candidate

    theirs = do_create_candidate(outsider.organization_id, actor=outsider, first_name="X",
                                 last_name="Y", profession="physician")
    response = login(recruiter).post(
        reverse("candidates:create"), form_data(referrer=f"X Y — {theirs.uuid}"))
    assert response.status_code == 400
    assert "referrer" in response.context["form"].errors


def test_edit_changes_fields_specialties_tags_and_audits(login, recruiter, candidate):
    client = login(recruiter)
    page = client.get(reverse("candidates:edit", kwargs={"uuid": candidate.uuid}))
    assert page.status_code == 200
    assert "(403) 555-0142" in page.content.decode()
    data = form_data(first_name="Amara", last_name="Okafor", email="amara@clinic.ca",
                     phone="(403) 555-0142", city="Halifax", region="NS", postal_code="",
                     specialties_text="Obstetrics\nFamily Medicine", tags_text="ob",
                     time_zone=candidate.time_zone)
    response = client.post(reverse("candidates:edit", kwargs={"uuid": candidate.uuid}), data)
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.email == "amara@clinic.ca"
    assert candidate.city == "Halifax" and candidate.time_zone == "America/Halifax"
    assert [s.name for s in candidate.specialties.all()] == ["Obstetrics", "Family Medicine"]
    assert [t.name for t in candidate.tags.all()] == ["ob"]
    changes = {}
    for e in AuditEvent.objects.filter(candidate=candidate, action=AuditAction.UPDATE):
        changes.update(e.changes)
    assert changes["email"][1] == "amara@clinic.ca"
    assert "specialties" in changes and "tags" in changes
    assert changes["preferred_employment_types"][1] == "['permanent', 'locum']"


def test_read_only_and_hiring_manager_cannot_create_or_edit(login, read_only, hiring_manager,
                                                             candidate):
    for user in (read_only, hiring_manager):
        client = login(user)
        assert client.get(reverse("candidates:create")).status_code == 403
        assert client.post(reverse("candidates:create"), form_data()).status_code == 403
        url = reverse("candidates:edit", kwargs={"uuid": candidate.uuid})
        assert client.post(url, form_data()).status_code == 403


def test_outsider_cannot_edit(login, outsider, candidate):
    url = reverse("candidates:edit", kwargs={"uuid": candidate.uuid})
    assert login(outsider).get(url).status_code == 404
    assert login(outsider).post(url, form_data()).status_code == 404


def test_the_relocation_radius_is_typed_in_the_organizations_unit(login, recruiter, org):
    """Kept in km; typed and shown in miles by an organization that reads miles."""
    org.distance_unit = "mi"
    org.save(update_fields=["distance_unit"])
    client = login(recruiter)
    page = client.get(reverse("candidates:create")).content.decode()
    assert "Relocation radius (miles)" in page
    data = form_data(willing_to_relocate="on", relocation_radius_km="100", last_name="Miles")
    assert client.post(reverse("candidates:create"), data).status_code == 302
    c = Candidate.objects.get(last_name="Miles")
    assert c.relocation_radius_km == 161
    edit = client.get(reverse("candidates:edit", kwargs={"uuid": c.uuid})).content.decode()
    assert 'name="relocation_radius_km" value="100"' in edit
