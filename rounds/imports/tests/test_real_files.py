"""The real registry files import with no hand-editing, with the mapping suggested at upload:
NPPES (330 columns: every taxonomy and licence with its state, organizations skipped) and CMS
Doctors and Clinicians (full names in capitals, ZIP codes that lost their leading zero).
Through the actions, the web's mapping step and `rounds import-candidates`; they skip where
../shared/data is absent."""

import io
import re

import pytest
from django.core.files import File
from django.core.management import call_command
from django.urls import reverse

from rounds.candidates.models import Candidate, ContactPoint
from rounds.imports import actions, tasks
from rounds.imports.choices import ImportStatus, RowOutcome
from rounds.imports.models import ImportBatch, ImportRowIssue
from rounds.matching.tests.shared_data import data_file

NPPES = "nppes_sample.csv"
CMS_MAINE = "cms_clinicians_maine.csv"
CMS_FULL = "cms_clinicians_full_columns_sample.csv"


def import_file(org, actor, name: str) -> ImportBatch:
    """Upload the file and start it with the suggested mapping, as a recruiter accepting it."""
    path = data_file(name)
    with path.open("rb") as fh:
        batch = actions.do_create_batch(org.pk, File(fh, name=path.name), actor=actor)
    actions.do_start_import(batch, batch.mapping, actor=actor)
    return tasks.run_import(batch.pk)


def outcomes(batch, outcome):
    return list(
        ImportRowIssue.objects.filter(batch=batch, outcome=outcome).order_by("line_number", "id")
    )


@pytest.fixture
def nppes(org, recruiter):
    return import_file(org, recruiter, NPPES)


def test_nppes_imports_every_individual_and_skips_organizations_with_a_reason(nppes, org):
    assert nppes.status == ImportStatus.COMPLETED
    assert (nppes.total_rows, nppes.rows_done) == (1000, 1000)
    assert (nppes.created_count, nppes.skipped_count, nppes.error_count) == (733, 267, 0)
    assert nppes.duplicate_count == 0  # colleagues sharing a practice phone are not one person
    skipped = outcomes(nppes, RowOutcome.SKIPPED)
    assert len(skipped) == 267  # one reason per row, nothing else
    reasons = {i.message for i in skipped}
    assert reasons == {
        "An organization (entity type 2), not a person: organizations are not candidates.",
        "No name, email or phone in this row: nothing to import.",
    }
    assert sum(1 for i in skipped if "organization" in i.message) == 188
    assert Candidate.objects.filter(organization=org).count() == 733


def test_nppes_rows_keep_names_npi_profession_place_and_phones(nppes, org):
    wiebe = Candidate.objects.get(organization=org, npi="1679576722")
    assert (wiebe.first_name, wiebe.last_name, wiebe.credentials) == ("David", "Wiebe", "M.D.")
    assert wiebe.profession == "physician"
    # "3088652512.0": a float's ".0" is not part of the number.
    assert wiebe.phone == "+13088652512"
    assert (wiebe.city, wiebe.region, wiebe.postal_code, wiebe.country) == (
        "Kearney",
        "NE",
        "68847-2944",
        "US",
    )
    assert wiebe.latitude is not None
    assert list(wiebe.specialties.values_list("code", "is_primary")) == [("207X00000X", True)]
    assert list(wiebe.licences.values_list("jurisdiction", "number")) == [("US-NE", "12637")]
    # A ZIP+4 that lost its leading zero: 08051-1606 in New Jersey.
    assert Candidate.objects.get(npi="1477556421").postal_code == "08051-1606"
    names = dict(Candidate.objects.filter(organization=org).values_list("npi", "last_name"))
    assert names["1871596924"] == "O'Donnell"
    assert names["1245233279"] == "McAllister"
    assert names["1508869553"] == "Van Houten-Sauter"
    assert names["1285637314"] == "Abi-Rached"


def test_nppes_keeps_every_taxonomy_and_every_licence_with_its_state(nppes):
    hamami = Candidate.objects.get(npi="1962405019")
    # Six taxonomies (two distinct codes repeated), the one switched to Y first.
    specialties = list(
        hamami.specialties.order_by("-is_primary", "id").values_list("code", "is_primary")
    )
    assert specialties == [("207P00000X", True), ("207R00000X", False), ("208M00000X", False)]
    assert sorted(hamami.licences.values_list("jurisdiction", "number")) == [
        ("US-FL", "ME74685"),
        ("US-OH", "35.096390"),
        ("US-PA", "MD441349"),
        ("US-TN", "53240"),
        ("US-WI", "36422"),
    ]
    gressot = Candidate.objects.get(npi="1215930367")
    # Taxonomy 1 (switch N) and 2 (switch Y): the primary is the second column's.
    assert gressot.specialties.get(is_primary=True).code == "207RH0003X"
    assert list(gressot.licences.values_list("jurisdiction", "number")) == [("US-TX", "H6257")]


def test_an_unreadable_phone_is_a_warning_and_the_row_still_imports(nppes):
    warning = next(i for i in outcomes(nppes, RowOutcome.WARNING) if "4828992900" in i.message)
    assert warning.field == "phone"
    assert warning.candidate.npi == "1316940356"
    # The practice number could not be read: the mailing address's number is the phone.
    assert warning.candidate.phone == "+14808122119"
    assert warning.data["NPI"] == "1316940356"  # the row's cells stay in the report
    assert nppes.warning_count == len({i.line_number for i in outcomes(nppes, RowOutcome.WARNING)})


def test_the_mailing_phone_is_kept_as_a_second_number(nppes):
    pilcher = Candidate.objects.get(npi="1750384806")  # Bisbee: practice and mailing differ
    assert pilcher.phone == "+18067610540"
    assert list(ContactPoint.objects.filter(candidate=pilcher).values_list("kind", "value")) == [
        ("phone", "+18067810360")
    ]


def test_reimporting_nppes_creates_nothing(nppes, org, recruiter):
    again = import_file(org, recruiter, NPPES)
    assert (again.created_count, again.unchanged_count, again.skipped_count) == (0, 733, 267)
    assert Candidate.objects.filter(organization=org).count() == 733


def test_cms_maine_imports_full_names_in_capitals_and_zip_codes(org, recruiter):
    batch = import_file(org, recruiter, CMS_MAINE)
    assert batch.status == ImportStatus.COMPLETED
    # 6,090 lines of which 2,574 blank: 3,516 rows, every one a clinician.
    assert (batch.rows_done, batch.created_count, batch.error_count) == (3516, 3516, 0)
    gilman = Candidate.objects.get(npi="1003005174")
    assert (gilman.first_name, gilman.last_name, gilman.profession) == (
        "David",
        "Gilman",
        "physician_assistant",
    )
    assert (gilman.postal_code, gilman.city, gilman.region) == ("04102-3134", "Portland", "ME")
    assert Candidate.objects.get(npi="1003012253").postal_code == "04416"
    assert not Candidate.objects.filter(organization=org, profession="").exists()
    again = import_file(org, recruiter, CMS_MAINE)
    assert (again.created_count, again.unchanged_count) == (0, 3516)


def test_cms_full_columns_reads_credential_and_every_specialty(org, recruiter):
    batch = import_file(org, recruiter, CMS_FULL)
    assert batch.status == ImportStatus.COMPLETED and batch.error_count == 0
    # Clinicians listed once per practice address: the second listing is the same NPI.
    assert batch.created_count + batch.duplicate_count + batch.unchanged_count == 386
    assert {i.field for i in outcomes(batch, RowOutcome.DUPLICATE)} <= {"npi", ""}
    perez = Candidate.objects.get(npi="1215911011")
    assert (perez.first_name, perez.last_name, perez.credentials) == (
        "Socrates",
        "Perez-Rodriguez",
        "MD",
    )
    assert perez.postal_code == "34108-1869"
    # "2.12689E+12": a phone a spreadsheet wrote in scientific notation lost its digits.
    lost = next(i for i in outcomes(batch, RowOutcome.WARNING) if "E+12" in i.message)
    assert lost.field == "phone" and lost.candidate is not None
    both = Candidate.objects.filter(specialties__is_primary=False, organization=org).first()
    assert both is not None and both.specialties.count() >= 2


def test_nppes_after_cms_does_not_double_anyone(org, recruiter):
    """The same clinician in two registries: the NPI says so."""
    cms = import_file(org, recruiter, CMS_FULL)
    nppes = import_file(org, recruiter, NPPES)
    shared = set(Candidate.objects.filter(organization=org).values_list("npi", flat=True))
    assert len(shared) == cms.created_count + nppes.created_count
    assert Candidate.objects.filter(organization=org).exclude(npi="").count() == len(shared)


def test_the_web_mapping_step_suggests_a_mapping_that_imports_nppes(login, recruiter, org):
    client = login(recruiter)
    with data_file(NPPES).open("rb") as fh:
        response = client.post(reverse("imports:list"), {"file": fh})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Healthcare Provider Taxonomy Code_1 … 15 (15 columns)" in html
    form = page.context["form"]
    # Accept every suggestion as the page shows it.
    data = {name: field.initial or "" for name, field in form.fields.items()}
    assert data["email"] == ""
    response = client.post(response["Location"], data)
    assert response.status_code == 302
    batch = ImportBatch.objects.get(organization=org)
    # 1,000 rows run in the background: the page follows the progress, a worker imports.
    assert batch.status == ImportStatus.QUEUED
    assert "Waiting for a worker" in client.get(response["Location"]).content.decode()
    tasks.run_import(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.skipped_count) == (
        ImportStatus.COMPLETED,
        733,
        267,
    )
    report = client.get(reverse("imports:detail", args=[batch.uuid]))
    html = report.content.decode()
    assert "733" in html and "Not candidates" in html
    skipped = client.get(reverse("imports:detail", args=[batch.uuid]), {"show": "skipped"})
    assert "organizations are not candidates" in skipped.content.decode()


def test_the_command_line_imports_nppes_and_reimports_nothing(org):
    path = data_file(NPPES)
    out = io.StringIO()
    call_command("import_candidates", str(path), org=org.slug, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == (
        f"{path} → {org.slug}: 1,000 rows; 733 created ({_warned(org)} with warnings), 0 "
        "skipped as duplicates (0 already imported), 0 with errors, 267 not candidates "
        "(organizations, rows with no name)."
    )
    assert sum(1 for line in lines if ": skipped: An organization" in line) == 188
    assert not any(": error:" in line for line in lines)
    again = io.StringIO()
    call_command("import_candidates", str(path), org=org.slug, stdout=again)
    assert re.search(
        r"0 created, 733 skipped as duplicates \(733 already imported\)", again.getvalue()
    )


@pytest.mark.parametrize(("name", "rows"), [(CMS_MAINE, 3516), (CMS_FULL, 386)])
def test_the_cms_files_import_through_the_web_and_the_command_line(
    login, recruiter, org, other_org, name, rows
):
    """The CMS files as they come, in one organization through the mapping page (accepting
    every suggestion), in another through `rounds import-candidates`: the same outcome."""
    client = login(recruiter)
    with data_file(name).open("rb") as fh:
        response = client.post(reverse("imports:list"), {"file": fh})
    form = client.get(response["Location"]).context["form"]
    client.post(
        response["Location"], {field: value.initial or "" for field, value in form.fields.items()}
    )
    batch = ImportBatch.objects.get(organization=org)
    if batch.status == ImportStatus.QUEUED:
        tasks.run_import(batch.pk)  # as the worker does
        batch.refresh_from_db()
    assert (batch.status, batch.rows_done, batch.error_count) == (ImportStatus.COMPLETED, rows, 0)
    assert batch.created_count + batch.duplicate_count + batch.unchanged_count == rows

    out = io.StringIO()
    call_command("import_candidates", str(data_file(name)), org=other_org.slug, stdout=out)
    by_cli = ImportBatch.objects.get(organization=other_org)
    assert (by_cli.created_count, by_cli.duplicate_count, by_cli.error_count) == (
        batch.created_count,
        batch.duplicate_count,
        0,
    )
    assert out.getvalue().splitlines()[-1].endswith(" 0 with errors.")


def _warned(org) -> int:
    return ImportBatch.objects.get(organization=org).warning_count
