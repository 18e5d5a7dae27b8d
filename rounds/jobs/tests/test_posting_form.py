"""A new job from a schema.org JobPosting, and a job's end date."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rounds.audit.models import AuditEvent
from rounds.jobs.models import Job

POSTING = json.loads((Path(__file__).resolve().parents[3] / "docs" / "examples"
                      / "posting.json").read_text())
URL = reverse("jobs:from_posting")


def field_value(html, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else None


def selected(html, name):
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    option = re.search(r'<option value="([^"]*)" selected>', select.group(0)) if select else None
    return option.group(1) if option else None


def test_jobs_list_offers_a_new_job_from_a_posting(login, recruiter, read_only):
    assert URL in login(recruiter).get(reverse("jobs:list")).content.decode()
    assert URL not in login(read_only).get(reverse("jobs:list")).content.decode()


def test_pasted_posting_opens_the_new_job_form_filled_in(login, recruiter):
    client = login(recruiter)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"posting": json.dumps(POSTING)})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{reverse("jobs:create")}"' in html and "Create job" in html
    assert "Filled in from the JobPosting" in html and "Aspen Grove Family Clinic" in html
    assert field_value(html, "title") == "Family Physician"
    assert selected(html, "profession") == "physician"
    assert field_value(html, "specialty") == "Family medicine"
    assert field_value(html, "specialty_code") == "207Q00000X"
    assert selected(html, "employment_type") == "permanent"
    assert selected(html, "licence_jurisdiction") == "CA-AB"
    assert field_value(html, "pay_min") == "320000" and field_value(html, "pay_max") == "410000"
    assert field_value(html, "pay_currency") == "CAD" and selected(html, "pay_period") == "year"
    assert "team-based practice in Red Deer" in html  # the description, as plain text
    assert not Job.objects.exists()  # nothing saved before the recruiter reviews it


def test_reviewed_form_creates_the_job(login, recruiter):
    client = login(recruiter)
    html = client.post(URL, {"posting": json.dumps(POSTING)}).content.decode()
    data = {name: value for name, value in re.findall(
        r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html) if name != "csrfmiddlewaretoken"}
    data.update(profession="physician", employment_type="permanent", pay_period="year",
                licence_jurisdiction="CA-AB", status="open", openings="1",
                description=POSTING["title"])
    response = client.post(reverse("jobs:create"), data)
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.title, job.specialty_code, job.licence_jurisdiction) == (
        "Family Physician", "207Q00000X", "CA-AB")


def test_uploaded_html_page_is_read(login, recruiter):
    page = ("<html><head><title>Careers</title><script type=\"application/ld+json\">"
            + json.dumps(POSTING) + "</script></head><body>…</body></html>").encode()
    response = login(recruiter).post(URL, {"file": SimpleUploadedFile(
        "family-physician.html", page, content_type="text/html")})
    assert response.status_code == 200
    assert field_value(response.content.decode(), "title") == "Family Physician"


@pytest.mark.parametrize("posting, message", [
    ({**POSTING, "title": ""}, "title: required"),
    ({**POSTING, "baseSalary": {"@type": "MonetaryAmount", "currency": "CAD", "value": {
        "@type": "QuantitativeValue", "minValue": 410000, "maxValue": 320000,
        "unitText": "YEAR"}}}, "baseSalary.value: minValue 410000 is above maxValue 320000"),
    ({**POSTING, "@type": "Organization"}, "@type: expected JobPosting"),
])
def test_unreadable_posting_names_the_field_and_keeps_what_was_pasted(login, recruiter,
                                                                      posting, message):
    text = json.dumps(posting)
    response = login(recruiter).post(URL, {"posting": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Aspen Grove Family Clinic" in html  # the pasted text is still in the box
    assert not Job.objects.exists()


def test_nothing_pasted_or_wrong_file(login, recruiter):
    client = login(recruiter)
    response = client.post(URL, {"posting": "  "})
    assert response.status_code == 400
    assert "Paste a JobPosting or choose a file." in response.content.decode()
    response = client.post(URL, {"file": SimpleUploadedFile("cv.pdf", b"%PDF-1.4",
                                                            content_type="application/pdf")})
    assert response.status_code == 400
    assert "Choose a .json or .html file." in response.content.decode()
    response = client.post(URL, {"posting": "{not json"})
    assert response.status_code == 400 and "not JSON" in response.content.decode()


def test_read_only_and_hiring_managers_cannot_use_it(login, read_only, hiring_manager):
    for user in (read_only, hiring_manager):
        client = login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"posting": json.dumps(POSTING)}).status_code == 403


# --- end date ----------------------------------------------------------------------------------

def job_form(**overrides):
    data = {
        "title": "Locum Family Physician — Olds", "profession": "physician",
        "specialty": "Family Medicine", "employment_type": "locum", "pay_currency": "CAD",
        "pay_period": "day", "openings": "1", "status": "open", "start_date": "2027-01-04",
        "end_date": "2027-01-15",
    }
    data.update(overrides)
    return data


def test_end_date_is_saved_shown_and_audited(login, recruiter):
    client = login(recruiter)
    response = client.post(reverse("jobs:create"), job_form())
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.start_date, job.end_date) == (date(2027, 1, 4), date(2027, 1, 15))
    html = client.get(reverse("jobs:detail", args=[job.uuid])).content.decode()
    assert "<dt>End</dt><dd>15 Jan 2027</dd>" in html
    response = client.post(reverse("jobs:edit", args=[job.uuid]), job_form(end_date="2027-01-22"))
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="update").latest("id")
    assert event.changes["end_date"] == ["2027-01-15", "2027-01-22"]


def test_end_before_start_is_refused(login, recruiter):
    response = login(recruiter).post(reverse("jobs:create"), job_form(end_date="2027-01-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The end date (01 Jan 2027) is before the start date (04 Jan 2027)." in html
    assert not Job.objects.exists()


def test_api_end_date(login, recruiter):
    client = login(recruiter)
    body = {"title": "Locum RN", "profession": "registered_nurse", "employment_type": "locum",
            "start_date": "2027-02-01", "end_date": "2027-02-10"}
    response = client.post("/api/jobs/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201 and response.json()["end_date"] == "2027-02-10"
    uuid = response.json()["uuid"]
    response = client.patch(f"/api/jobs/{uuid}", data=json.dumps({"end_date": "2027-01-20"}),
                            content_type="application/json")
    assert response.status_code == 400
    assert "end_date" in response.json()["errors"]
    assert Job.objects.get().end_date == date(2027, 2, 10)
