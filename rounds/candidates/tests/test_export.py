"""CSV export (candidates:export) and the cell neutralization in rounds/lib/csvsafe.py."""

import csv
import io

import pytest
from django.urls import reverse

from rounds.activities.actions import do_add_note
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates.actions import do_create_candidate
from rounds.candidates.views.search import EXPORT_COLUMNS
from rounds.demo.people import IMPORT_COLUMNS
from rounds.lib.csvsafe import neutralize, safe_row, stream_rows, unneutralize
from rounds.pipeline.actions import do_add_to_pipeline

from .test_search import make_people

URL = reverse("candidates:export")


@pytest.fixture
def people(candidate, org, recruiter):
    return {"amara": candidate, **make_people(org, recruiter)}


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


# --- csvsafe -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+1 403 555 0123", "'+1 403 555 0123"),
    ("+14035550123", "'+14035550123"),  # E.164 phones are neutralized too (accepted)
    ("-42", "'-42"),
    (-3.5, "'-3.5"),  # negative numbers as well
    ("@SUM(A1:A3)", "'@SUM(A1:A3)"),
    ("\tcmd", "'\tcmd"),
    ("\r=1+1", "'\r=1+1"),
    ("Okafor", "Okafor"),
    ("a=b", "a=b"),  # only the first character matters
    (" =1", " =1"),
    (42, "42"),
    (None, ""),
    ("", ""),
])
def test_neutralize(value, expected):
    assert neutralize(value) == expected


def test_unneutralize_gives_back_the_original():
    for value in ("=1+1", "+14035550123", "-5", "@x", "\tx", "\rx", "plain", "'quoted", "'"):
        assert unneutralize(neutralize(value)) == value


def test_every_cell_of_a_stream_is_neutralized():
    lines = "".join(stream_rows(["=h", "ok"], [["=1", "+2"], ["-3", "@4"]]))
    rows = list(csv.reader(io.StringIO(lines.lstrip("\ufeff"))))
    assert rows == [["'=h", "ok"], ["'=1", "'+2"], ["'-3", "'@4"]]
    assert safe_row([None, 1, "x"]) == ["", "1", "x"]


def test_cells_with_any_separator_are_quoted():
    """A spreadsheet in a semicolon (or tab) locale splits an unquoted `a;=1+1` into a cell
    `=1+1`, a formula: every cell holding a separator is quoted, so it stays one text cell."""
    lines = "".join(stream_rows(["name"], [["a;=1+1"], ["b\t=2+2"], ["c,=3"], ["plain"]]))
    assert lines.lstrip("\ufeff").splitlines() == [
        "name", '"a;=1+1"', '"b\t=2+2"', '"c,=3"', "plain"]
    rows = list(csv.reader(io.StringIO(lines.lstrip("\ufeff"))))
    assert rows == [["name"], ["a;=1+1"], ["b\t=2+2"], ["c,=3"], ["plain"]]
    semicolon = list(csv.reader(io.StringIO(lines.lstrip("\ufeff")), delimiter=";"))
    assert semicolon[1] == ["a;=1+1"]


# --- the export view ---------------------------------------------------------------------------


def test_export_has_the_import_columns_then_the_rest(people, recruiter, login):
    response = login(recruiter).get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = read_csv(response)
    assert EXPORT_COLUMNS[: len(IMPORT_COLUMNS)] == IMPORT_COLUMNS
    assert list(rows[0]) == EXPORT_COLUMNS
    assert [r["last_name"] for r in rows] == ["Ivanov", "Mendez", "Okafor", "Tremblay"]
    carla = next(r for r in rows if r["last_name"] == "Mendez")
    assert carla["licence_jurisdictions"] == "US-LA;US-TX"
    assert carla["specialty"] == "Cardiology"
    assert carla["tags"] == "Locum-Interest"
    assert carla["uuid"] == str(people["carla"].uuid)
    assert carla["status"] == "not_looking"
    bruno = next(r for r in rows if r["last_name"] == "Tremblay")
    assert bruno["notes"] == "Wants a four-on four-off rotation; call after 6pm."
    assert bruno["licence_number"] == "RN-5521"


def test_export_neutralizes_formula_cells(org, recruiter, login):
    do_create_candidate(org.pk, actor=recruiter, first_name="=cmd|'/C calc'!A0",
                        last_name="@Evil", profession="physician", phone="403-555-0123",
                        headline="-2+3", summary="\t tabbed")
    row = read_csv(login(recruiter).get(URL))[0]
    assert row["first_name"] == "'=cmd|'/C calc'!A0"
    assert row["last_name"] == "'@Evil"
    assert row["phone"] == "'+14035550123"
    assert row["headline"] == "'-2+3"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_export_follows_the_search_filters_across_all_pages(people, recruiter, login):
    rows = read_csv(login(recruiter).get(URL, {"source": "referral", "page": "2",
                                               "per_page": "1"}))
    assert sorted(r["last_name"] for r in rows) == ["Ivanov", "Tremblay"]
    rows = read_csv(login(recruiter).get(URL, {"q": "cardio"}))
    assert [r["last_name"] for r in rows] == ["Mendez"]
    rows = read_csv(login(recruiter).get(URL, {"near": "Calgary, AB", "within_km": "50"}))
    assert [r["last_name"] for r in rows] == ["Okafor", "Ivanov"] or \
        sorted(r["last_name"] for r in rows) == ["Ivanov", "Okafor"]


def test_export_is_recorded_in_the_audit_log(people, recruiter, login, org):
    read_csv(login(recruiter).get(URL, {"profession": "physician"}))
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.organization_id == org.pk
    assert event.actor == recruiter
    assert event.changes == {"format": "csv", "filters": {"profession": "physician",
                                                          "sort": "name"}, "rows": 1}


def test_export_with_bad_filters_is_refused_with_the_reason(people, recruiter, login):
    response = login(recruiter).get(URL, {"jurisdiction": "Narnia"})
    assert response.status_code == 400
    assert "Narnia" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_only_editors_may_export(people, persona, request, login, job, recruiter):
    user = request.getfixturevalue(persona)
    if persona == "hiring_manager":
        job.hiring_team.add(user)
        do_add_to_pipeline(people["carla"], job, actor=recruiter)
    assert login(user).get(URL).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_owner_may_export(people, owner, login):
    assert len(read_csv(login(owner).get(URL))) == 4


def test_outsider_exports_none_of_the_org_candidates(people, outsider, login, other_org):
    do_create_candidate(other_org.pk, actor=outsider, first_name="Tex", last_name="Ranger",
                        profession="physician")
    rows = read_csv(login(outsider).get(URL))
    assert [r["last_name"] for r in rows] == ["Ranger"]
    assert read_csv(login(outsider).get(URL, {"q": "okafor"})) == []


def test_export_notes_keep_every_note(candidate, recruiter, login):
    do_add_note(candidate, actor=recruiter, body="First call went well.")
    do_add_note(candidate, actor=recruiter, body="=1+1 Second\nline")
    row = read_csv(login(recruiter).get(URL))[0]
    assert row["notes"] == "First call went well. | =1+1 Second line"
