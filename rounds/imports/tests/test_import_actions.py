"""Importing rows: good rows in, bad rows reported by line, duplicates flagged, re-import
creates nothing, an interrupted import leaves nothing half-written and resumes."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from rounds.activities.models import Activity
from rounds.audit.models import AuditEvent
from rounds.candidates.models import Candidate, Licence, Specialty, Tag
from rounds.imports import actions, tasks
from rounds.imports.choices import ImportStatus, RowOutcome
from rounds.imports.models import ImportRowIssue

from .conftest import HEADER, csv_bytes, person, upload

MAPPING = {
    "external_id": "ID", "first_name": "First Name", "last_name": "Last Name",
    "email": "E-mail", "phone": "Mobile", "profession": "Profession", "specialty": "Specialty",
    "licence_jurisdictions": "Licence jurisdictions", "licence_number": "Licence number",
    "city": "City", "region": "Province", "postal_code": "Postal code", "country": "Country",
    "years_experience": "Years of experience", "tags": "Tags", "notes": "Notes",
}


def start(org, recruiter, content, name="people.csv", mapping=None):
    batch = actions.do_create_batch(org.pk, upload(content, name), actor=recruiter)
    actions.do_start_import(batch, mapping or batch.mapping, actor=recruiter)
    return tasks.run_import(batch.pk)


def issues(batch, outcome=None):
    qs = ImportRowIssue.objects.filter(batch=batch)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return [(i.line_number, i.field, i.message) for i in qs.order_by("line_number", "id")]


def test_headers_are_matched_to_fields(org, recruiter):
    batch = actions.do_create_batch(org.pk, upload(csv_bytes([person(1)])), actor=recruiter)
    assert batch.mapping == MAPPING
    assert batch.total_rows == 1
    assert batch.status == ImportStatus.MAPPING


def test_rows_with_unreadable_optional_values_import_with_warnings(org, recruiter):
    rows = [
        person(1),
        person(2, **{"E-mail": "not-an-email"}),
        person(3, **{"Mobile": "12"}),
        person(4, **{"Last Name": ""}),
        person(5, **{"Licence jurisdictions": "Atlantis"}),
        person(6, **{"Years of experience": "lots"}),
        person(7, **{"Profession": "Wizard", "Specialty": ""}),
        person(8),
        person(9, **{"Profession": "Wizard"}),  # the specialty names the profession
    ]
    batch = start(org, recruiter, csv_bytes(rows))
    assert batch.status == ImportStatus.COMPLETED
    assert (batch.created_count, batch.warning_count, batch.error_count, batch.rows_done) == (
        7, 5, 2, 9)
    errors = issues(batch, RowOutcome.ERROR)
    assert [(line, f) for line, f, _m in errors] == [(5, "last_name"), (8, "profession")]
    assert "Wizard" in errors[1][2]
    warnings = issues(batch, RowOutcome.WARNING)
    assert [(line, f) for line, f, _m in warnings] == [
        (3, "email"), (4, "phone"), (6, "licence_jurisdictions"), (7, "years_experience"),
        (10, "profession"),
    ]
    assert "not-an-email" in warnings[0][2] and "imported without it" in warnings[0][2]
    assert "Atlantis" in warnings[2][2]
    assert "Physician, from the specialty" in warnings[4][2]
    warned = ImportRowIssue.objects.get(line_number=3)
    assert warned.data["E-mail"] == "not-an-email"  # what was typed stays in the report
    assert warned.candidate.first_name == "Ana2" and warned.candidate.email == ""
    assert warned.candidate.phone == "+14035550002"
    ana5 = Candidate.objects.get(first_name="Ana5")
    assert not ana5.licences.exists() and ana5.specialties.exists()
    assert Candidate.objects.get(first_name="Ana6").years_experience is None

    ana = Candidate.objects.get(email="ana1@example.com")
    assert (ana.first_name, ana.profession, ana.phone) == ("Ana1", "physician", "+14035550001")
    assert ana.email_normalized == "ana1@example.com" and ana.years_experience == 7
    assert ana.source == "import" and ana.created_by == recruiter
    assert ana.latitude is not None and ana.time_zone == "America/Edmonton"
    assert ana.external_id == "EXT-1" and ana.import_fingerprint
    assert list(Licence.objects.filter(candidate=ana).values_list("jurisdiction", "number")) == [
        ("CA-AB", "L1")
    ]
    assert [s.name for s in Specialty.objects.filter(candidate=ana)] == ["Family medicine"]
    assert sorted(ana.tags.values_list("name", flat=True)) == ["obstetrics", "rural"]
    assert Activity.objects.get(candidate=ana).body == "Met at the CFPC forum."
    assert "family medicine" in ana.search_text and "cfpc forum" in ana.search_text
    assert AuditEvent.objects.filter(candidate=ana, action="import").exists()
    assert AuditEvent.objects.filter(object_type="importbatch", action="import").count() == 1


def test_likely_duplicates_are_flagged_and_not_doubled(org, recruiter, candidate):
    rows = [
        person(1, **{"E-mail": "amara.okafor@EXAMPLE.com"}),  # existing candidate's email
        person(2, **{"Mobile": "(403) 555-0142"}),  # existing candidate's phone
        person(3),
        person(4, **{"E-mail": "ana3@example.com", "ID": "X4"}),  # same email as line 4
        person(5, **{"E-mail": "", "Mobile": "", "First Name": "Ana3", "ID": "X5"}),  # name+lic
    ]
    rows[4][HEADER.index("Licence number")] = "L3"
    batch = start(org, recruiter, csv_bytes(rows))
    assert (batch.created_count, batch.duplicate_count) == (1, 4)
    dups = ImportRowIssue.objects.filter(batch=batch, outcome=RowOutcome.DUPLICATE)
    by_line = {i.line_number: i for i in dups}
    assert by_line[2].candidate_id == candidate.pk and by_line[2].field == "email"
    assert by_line[3].candidate_id == candidate.pk and by_line[3].field == "phone"
    ana3 = Candidate.objects.get(email="ana3@example.com")
    assert by_line[5].candidate_id == ana3.pk and by_line[5].message == "Same email as line 4."
    assert by_line[6].candidate_id == ana3.pk and by_line[6].field == "licence_number"
    assert Candidate.objects.filter(organization=org).count() == 2


def test_reimporting_the_same_file_creates_nothing(org, recruiter):
    content = csv_bytes([person(i) for i in range(1, 6)] + [person(9, **{"Last Name": ""})])
    first = start(org, recruiter, content)
    assert (first.created_count, first.error_count) == (5, 1)
    before = (Candidate.objects.count(), Licence.objects.count(), Tag.objects.count(),
              Activity.objects.count())
    second = start(org, recruiter, content)
    assert second.status == ImportStatus.COMPLETED
    assert (second.created_count, second.unchanged_count, second.error_count) == (0, 5, 1)
    assert before == (Candidate.objects.count(), Licence.objects.count(), Tag.objects.count(),
                      Activity.objects.count())
    assert actions.earlier_import_of_same_file(second) == first
    linked = ImportRowIssue.objects.filter(batch=second, outcome=RowOutcome.UNCHANGED)
    assert {i.candidate_id for i in linked} == set(Candidate.objects.values_list("id", flat=True))


def test_same_external_id_is_not_imported_twice(org, recruiter):
    start(org, recruiter, csv_bytes([person(1)]))
    changed = start(org, recruiter, csv_bytes([person(1, **{"Notes": "Updated note"})]))
    assert (changed.created_count, changed.unchanged_count) == (0, 1)


def test_xlsx_import(org, recruiter):
    wb = Workbook()
    ws = wb.active
    ws.append(["Given name", "Surname", "Email address", "Cell", "Role", "State", "Zip",
               "Years"])
    ws.append(["Maria", "Lopez", "maria@example.com", 2145550100, "Nurse Practitioner", "TX",
               75230, 12.0])
    ws.append([None, None, None, None, None, None, None, None])
    ws.append(["Joe", "Bloggs", "joe@example", None, "RN", "Texas", 75230, 3])
    buf = io.BytesIO()
    wb.save(buf)
    batch = actions.do_create_batch(org.pk, upload(buf.getvalue(), "pool.xlsx"), actor=recruiter)
    assert batch.file_format == "xlsx" and batch.total_rows == 2
    assert batch.mapping["first_name"] == "Given name" and batch.mapping["phone"] == "Cell"
    assert batch.mapping["region"] == "State" and batch.mapping["postal_code"] == "Zip"
    actions.do_start_import(batch, batch.mapping, actor=recruiter)
    batch = tasks.run_import(batch.pk)
    assert (batch.created_count, batch.warning_count, batch.error_count) == (2, 1, 0)
    maria = Candidate.objects.get(last_name="Lopez")
    assert (maria.profession, maria.phone, maria.country, maria.region) == (
        "nurse_practitioner", "+12145550100", "US", "TX")
    assert maria.years_experience == 12 and maria.postal_code == "75230"
    assert issues(batch, RowOutcome.WARNING)[0][:2] == (4, "email")  # blank line 3 counted
    assert Candidate.objects.get(last_name="Bloggs").email == ""


def test_semicolon_cp1252_csv_with_full_name_column(org, recruiter):
    content = csv_bytes(
        [["Côté, Geneviève", "genevieve@example.com", "RN", "QC"]],
        header=["Name", "Courriel", "Discipline", "Province"], delimiter=";", encoding="cp1252",
    )
    batch = actions.do_create_batch(org.pk, upload(content), actor=recruiter)
    assert (batch.encoding, batch.delimiter) == ("cp1252", ";")
    assert batch.mapping["full_name"] == "Name"
    actions.do_start_import(batch, batch.mapping, actor=recruiter)
    tasks.run_import(batch.pk)
    c = Candidate.objects.get(email="genevieve@example.com")
    assert (c.first_name, c.last_name, c.region, c.country) == ("Geneviève", "Côté", "QC", "CA")


def test_mapping_must_name_first_and_last_name_and_profession(org, recruiter):
    batch = actions.do_create_batch(org.pk, upload(csv_bytes([person(1)])), actor=recruiter)
    with pytest.raises(ValidationError) as exc:
        actions.do_start_import(batch, {"email": "E-mail", "phone": "Nope"}, actor=recruiter)
    assert set(exc.value.message_dict) == {"first_name", "last_name", "phone", "profession"}
    actions.do_start_import(
        batch, {"first_name": "First Name", "last_name": "Last Name"}, "registered_nurse",
        actor=recruiter,
    )
    assert tasks.run_import(batch.pk).created_count == 1
    assert Candidate.objects.get().profession == "registered_nurse"


def test_interrupted_import_leaves_nothing_half_written_and_resumes(
    org, recruiter, monkeypatch
):
    monkeypatch.setattr(actions, "CHUNK_SIZE", 3)
    content = csv_bytes([person(i) for i in range(1, 9)])
    batch = actions.do_create_batch(org.pk, upload(content), actor=recruiter)
    actions.do_start_import(batch, batch.mapping, actor=recruiter)

    real_write = actions.BatchImporter.write
    calls = {"n": 0}

    def failing_write(self, created, outcomes):
        calls["n"] += 1
        real_write(self, created, outcomes)  # the chunk is written… then the worker dies
        if calls["n"] == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(actions.BatchImporter, "write", failing_write)
    batch = tasks.run_import(batch.pk)
    assert batch.status == ImportStatus.FAILED and "worker killed" in batch.error_message
    assert (batch.rows_done, batch.created_count) == (3, 3)
    assert Candidate.objects.count() == 3  # nothing of the failed chunk
    assert Licence.objects.count() == 3 and Activity.objects.count() == 3

    monkeypatch.setattr(actions.BatchImporter, "write", real_write)
    batch = tasks.run_import(batch.pk)  # the task runs again
    assert batch.status == ImportStatus.COMPLETED
    assert (batch.rows_done, batch.created_count, batch.unchanged_count) == (8, 8, 0)
    assert Candidate.objects.count() == 8 and Licence.objects.count() == 8
    assert tasks.run_import(batch.pk).created_count == 8  # a finished batch is left alone


def test_a_running_batch_is_not_claimed_twice(org, recruiter):
    batch = actions.do_create_batch(org.pk, upload(csv_bytes([person(1)])), actor=recruiter)
    actions.do_start_import(batch, batch.mapping, actor=recruiter)
    assert actions.do_claim_batch(batch.pk) is not None  # the claim's heartbeat
    assert actions.do_claim_batch(batch.pk) is None
    assert tasks.run_import(batch.pk).rows_done == 0  # another worker holds it


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00binary", "not a spreadsheet"),
        ("photo.png", b"\x89PNG\r\n\x1a\nxxxx", "not a spreadsheet"),
        ("fake.xlsx", b"First,Last\nA,B\n", "not an Excel workbook"),
        ("bin.csv", b"\x00\x01\x02\x03" * 100, "not text"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel 97"),
        ("empty.csv", b"", "empty"),
        ("header.csv", b"First,Last\n", "no rows"),
    ],
)
def test_refused_uploads_say_why(org, recruiter, name, content, message):
    with pytest.raises(ValidationError) as exc:
        actions.do_create_batch(org.pk, upload(content, name), actor=recruiter)
    assert message in exc.value.message_dict["file"][0]


def test_upload_over_the_size_limit_is_refused(org, recruiter, settings):
    settings.MAX_IMPORT_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        actions.do_create_batch(org.pk, upload(csv_bytes([person(1), person(2)])),
                                actor=recruiter)
    assert "the limit for imports is 100 bytes" in exc.value.message_dict["file"][0]
