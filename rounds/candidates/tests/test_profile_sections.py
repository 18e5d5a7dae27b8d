"""Adding and removing the rows of a candidate's record from the detail page; consent."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates import actions
from rounds.candidates.models import (
    Availability,
    Certification,
    ConsentRecord,
    Education,
    Experience,
    Licence,
    Specialty,
)

pytestmark = pytest.mark.django_db

VALID = {
    "specialty": (Specialty, {"name": "Obstetrics", "is_primary": "on"}),
    "licence": (Licence, {"jurisdiction": "CA-AB", "number": "CPSA 1", "status": "active",
                          "expires_on": "2031-01-01"}),
    "certification": (Certification, {"name": "ACLS", "kind": "life_support"}),
    "experience": (Experience, {"role": "Hospitalist", "employer": "Foothills",
                                "therapeutic_areas_text": "oncology, cardiology"}),
    "education": (Education, {"credential": "MD", "institution": "U of A",
                              "graduation_year": "2011"}),
    "availability": (Availability, {"start_date": "2031-01-01", "end_date": "2031-02-01"}),
}


def add_url(candidate, section):
    return reverse("candidates:related_add", kwargs={"uuid": candidate.uuid, "section": section})


def delete_url(candidate, section, pk):
    return reverse("candidates:related_delete",
                   kwargs={"uuid": candidate.uuid, "section": section, "pk": pk})


def prefixed(section, data):
    return {f"{section}-{k}": v for k, v in data.items()}


@pytest.mark.parametrize("section", list(VALID))
def test_add_and_delete_each_section(login, recruiter, candidate, section):
    model, data = VALID[section]
    client = login(recruiter)
    before = model.objects.filter(candidate=candidate).count()
    response = client.post(add_url(candidate, section), prefixed(section, data))
    assert response.status_code == 302
    assert response.url.endswith(f"#section-{section}")
    obj = model.objects.filter(candidate=candidate).order_by("-id").first()
    assert model.objects.filter(candidate=candidate).count() == before + 1
    assert AuditEvent.objects.filter(candidate=candidate, action=AuditAction.CREATE,
                                     object_type=model._meta.model_name).exists()
    # htmx delete returns the section fragment
    response = client.post(delete_url(candidate, section, obj.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="section-{section}"' in response.content.decode()
    assert not model.objects.filter(pk=obj.pk).exists()
    assert AuditEvent.objects.filter(candidate=candidate, action=AuditAction.DELETE,
                                     object_type=model._meta.model_name).exists()


def test_specialty_primary_moves_and_search_text_follows(login, recruiter, candidate):
    login(recruiter).post(add_url(candidate, "specialty"),
                          prefixed("specialty", VALID["specialty"][1]))
    assert candidate.specialties.get(is_primary=True).name == "Obstetrics"
    candidate.refresh_from_db()
    assert "obstetrics" in candidate.search_text


def test_experience_lists_are_split(login, recruiter, candidate):
    login(recruiter).post(add_url(candidate, "experience"),
                          prefixed("experience", VALID["experience"][1]))
    assert candidate.experiences.get().therapeutic_areas == ["oncology", "cardiology"]


def test_invalid_row_comes_back_with_field_errors_htmx_and_plain(login, recruiter, candidate):
    client = login(recruiter)
    bad = prefixed("availability", {"start_date": "2031-02-01", "end_date": "2031-01-01",
                                    "note": "keep me"})
    response = client.post(add_url(candidate, "availability"), bad, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The end date is before the start date." in html and "keep me" in html
    response = client.post(add_url(candidate, "availability"), bad)
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    bad_licence = prefixed("licence", {"jurisdiction": "XX-YY", "status": "active"})
    response = client.post(add_url(candidate, "licence"), bad_licence)
    assert response.status_code == 400
    assert not candidate.licences.exists()


def test_unknown_section_is_404(login, recruiter, candidate):
    client = login(recruiter)
    assert client.post(add_url(candidate, "hobbies"), {}).status_code == 404
    assert client.post(delete_url(candidate, "hobbies", 1)).status_code == 404


def test_cannot_delete_another_candidates_row_through_this_url(login, recruiter, candidate,
                                                                org):
    other = actions.do_create_candidate(org.pk, actor=recruiter, first_name="O",
                                        last_name="Other", profession="physician")
    lic = actions.do_add_related(other, Licence, actor=recruiter, jurisdiction="CA-AB")
    assert login(recruiter).post(delete_url(candidate, "licence", lic.pk)).status_code == 404
    assert Licence.objects.filter(pk=lic.pk).exists()


def test_outsider_gets_404_on_every_write(login, outsider, recruiter, candidate):
    lic = actions.do_add_related(candidate, Licence, actor=recruiter, jurisdiction="CA-AB")
    client = login(outsider)
    for section, (_model, data) in VALID.items():
        assert client.post(add_url(candidate, section), prefixed(section, data)).status_code == 404
    assert client.post(delete_url(candidate, "licence", lic.pk)).status_code == 404
    assert client.post(reverse("candidates:consent_add", kwargs={"uuid": candidate.uuid}),
                       {"consent-channel": "email", "consent-basis": "revoked"}).status_code == 404
    assert Licence.objects.filter(pk=lic.pk).exists()


def test_read_only_and_hiring_manager_get_403_on_writes(login, read_only, hiring_manager,
                                                        recruiter, candidate, job):
    from rounds.pipeline.actions import do_add_to_pipeline

    do_add_to_pipeline(candidate, job, actor=recruiter)
    job.hiring_team.add(hiring_manager)
    lic = actions.do_add_related(candidate, Licence, actor=recruiter, jurisdiction="CA-AB")
    for user in (read_only, hiring_manager):
        client = login(user)
        for section, (_model, data) in VALID.items():
            assert client.post(add_url(candidate, section),
                               prefixed(section, data)).status_code == 403
        assert client.post(delete_url(candidate, "licence", lic.pk)).status_code == 403
        assert client.post(reverse("candidates:consent_add", kwargs={"uuid": candidate.uuid}),
                           {"consent-channel": "email",
                            "consent-basis": "revoked"}).status_code == 403
    assert Licence.objects.filter(pk=lic.pk).exists()


def test_consent_implied_gets_casl_expiry_and_revocation_wins(login, recruiter, candidate):
    client = login(recruiter)
    url = reverse("candidates:consent_add", kwargs={"uuid": candidate.uuid})
    response = client.post(url, {"consent-channel": "email", "consent-basis": "implied_inquiry",
                                 "consent-evidence": "Applied via career site"})
    assert response.status_code == 302
    record = ConsentRecord.objects.get(candidate=candidate)
    assert record.expires_at - record.obtained_at == timedelta(days=183)
    response = client.post(url, {"consent-channel": "email", "consent-basis": "revoked"},
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Withdrawn / opted out" in html and "History (1)" in html
    assert actions.current_consent(candidate, "email").basis == "revoked"
    assert not actions.current_consent(candidate, "email").is_valid_at(timezone.now())


def test_express_consent_needs_evidence(login, recruiter, candidate):
    url = reverse("candidates:consent_add", kwargs={"uuid": candidate.uuid})
    response = login(recruiter).post(url, {"consent-channel": "sms", "consent-basis": "express"})
    assert response.status_code == 400
    assert "evidence" in response.context["consent_form"].errors
    assert not ConsentRecord.objects.exists()
