"""The command line for batch work: `rounds import-candidates` and `rounds match`, through
call_command and, for the real console script, in a subprocess on a SQLite file of its own."""

import csv
import io
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from rounds.accounts.models import Organization
from rounds.candidates.actions import do_create_candidate
from rounds.candidates.models import Candidate, Specialty
from rounds.matching.management.commands._common import InputError
from rounds.pipeline.models import Stage

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs" / "examples"
CANDIDATES_CSV = EXAMPLES / "candidates.csv"
POSTING = EXAMPLES / "posting.json"
COLUMNS = ["external_id", "first_name", "last_name", "email", "phone", "profession", "specialty",
           "licence_jurisdictions", "licence_number", "city", "region", "postal_code", "country",
           "headline", "years_experience"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return path


def row(i: int, **over) -> dict:
    return {
        "external_id": f"T-{i}", "first_name": f"Ines{i}", "last_name": "Moreau",
        "email": f"ines{i}@example.com", "phone": f"403-555-{i:04d}", "profession": "MD",
        "specialty": "Family medicine", "licence_jurisdictions": "AB", "licence_number": f"P{i}",
        "city": "Red Deer", "region": "AB", "postal_code": "T4N 1X7", "country": "CA",
        "headline": "Family physician", "years_experience": "5", **over,
    }


def write_posting(path: Path, **fields) -> Path:
    posting = {"@context": "https://schema.org", "@type": "JobPosting", **fields}
    path.write_text(json.dumps(posting), encoding="utf-8")
    return path


@pytest.fixture
def pool(org):
    """The README's ten example candidates, imported into `org`."""
    run("import_candidates", str(CANDIDATES_CSV), org=org.slug)
    return org


# --- import-candidates ------------------------------------------------------------------------


def test_import_keeps_good_rows_and_reports_bad_ones_by_line_and_column(org, tmp_path):
    path = write_csv(tmp_path / "people.csv", [
        row(1),
        row(2, email="not-an-email"),
        row(3, profession="Wizard", specialty=""),
        row(4, email="ines1@example.com"),
        row(5, licence_jurisdictions="AB;Atlantis"),
        row(6),
    ])
    out, err = run("import_candidates", str(path), org="prairie")
    assert err == ""
    lines = out.splitlines()
    # An unreadable optional value is a warning: the row is imported without it.
    assert f"{path}:3: warning: column “email”: “not-an-email” is not a valid email address" in out
    assert any(line.startswith(f"{path}:4: error: column “profession”: “Wizard”")
               for line in lines)
    assert f"{path}:5: duplicate: column “email”: Same email as line 2." in lines
    assert any(line.startswith(f"{path}:6: warning: column “licence_jurisdictions”: "
                               "“Atlantis”") for line in lines)
    assert lines[-1] == (f"{path} → prairie: 6 rows; 4 created (2 with warnings), 1 skipped as "
                         "duplicates (0 already imported), 1 with errors.")
    assert sorted(Candidate.objects.filter(organization=org).values_list("external_id",
                                                                        flat=True)) == [
        "T-1", "T-2", "T-5", "T-6"]


def test_import_summary_as_json(org, tmp_path):
    path = write_csv(tmp_path / "people.csv", [row(1), row(2, years_experience="lots")])
    out, _err = run("import_candidates", str(path), json=True)  # the only organization
    summary = json.loads(out)
    assert {k: summary[k] for k in ("organization", "status", "rows", "created",
                                    "skipped_duplicates", "errors")} == {
        "organization": "prairie", "status": "completed", "rows": 2, "created": 2,
        "skipped_duplicates": 0, "errors": 0,
    }
    assert summary["created_with_warnings"] == 1
    assert summary["issues"] == [{
        "line": 3, "outcome": "warning", "field": "years_experience",
        "column": "years_experience",
        "candidate_id": Candidate.objects.get(external_id="T-2").pk,
        "message": "“lots” is not a number of years (write e.g. 12): imported without it.",
    }]

    again, _err = run("import_candidates", str(path), json=True)
    assert (json.loads(again)["created"], json.loads(again)["skipped_duplicates"]) == (0, 2)


def test_import_of_the_example_file_reads_codes_and_professions_in_words(org):
    out, _err = run("import_candidates", str(CANDIDATES_CSV), org="prairie")
    assert out.splitlines()[-1].endswith("10 rows; 10 created, 0 skipped as duplicates "
                                         "(0 already imported), 0 with errors.")
    people = {c.external_id: c for c in Candidate.objects.filter(organization=org)}
    assert {k: c.profession for k, c in people.items()} == {
        "C-1001": "physician", "C-1002": "physician", "C-1003": "physician",
        "C-1004": "nurse_practitioner", "C-1005": "registered_nurse", "C-1006": "physician",
        "C-1007": "physician_assistant", "C-1008": "registered_nurse",
        "C-1009": "social_worker", "C-1010": "physician",
    }

    def specialties(external_id):
        return list(Specialty.objects.filter(candidate=people[external_id])
                    .order_by("id").values_list("name", "code"))

    assert specialties("C-1002") == [("Family medicine", "207Q00000X")]  # a bare NUCC code
    assert specialties("C-1003") == [("Family practice", "207Q00000X")]
    assert specialties("C-1008") == [("Nurse anesthesia (CRNA)", "367500000X")]
    assert specialties("C-1010") == [("Internal medicine", "207R00000X"),
                                     ("Hospital medicine", "208M00000X")]


def test_unknown_organization_is_bad_input_listing_the_slugs(org, other_org):
    with pytest.raises(InputError) as caught:
        run("import_candidates", str(CANDIDATES_CSV), org="nowhere")
    assert caught.value.returncode == 2
    assert "nowhere" in str(caught.value) and "lonestar, prairie" in str(caught.value)
    assert not Candidate.objects.exists()


def test_without_org_several_organizations_are_listed(org, other_org):
    with pytest.raises(InputError, match="several organizations.*lonestar, prairie"):
        run("import_candidates", str(CANDIDATES_CSV))


def test_create_org_creates_the_organization_with_its_pipeline(db):
    out, _err = run("import_candidates", str(CANDIDATES_CSV), org="red-deer-clinic",
                    create_org=True)
    org = Organization.objects.get(slug="red-deer-clinic")
    assert org.name == "Red Deer Clinic"
    assert Stage.objects.filter(organization=org).exists()
    assert Candidate.objects.filter(organization=org).count() == 10
    assert "10 created" in out


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    (b"", "is empty"),
    (b"colour,flavour\nred,mint\n", "no recognisable columns"),
    (b"first_name,last_name\nAda,Lovelace\n", "no profession column"),
])
def test_unusable_spreadsheets_are_bad_input(org, tmp_path, content, message):
    path = tmp_path / "people.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        run("import_candidates", str(path), org="prairie")
    assert caught.value.returncode == 2 and str(path) in str(caught.value)
    assert not Candidate.objects.exists()


# --- match ------------------------------------------------------------------------------------


def test_match_prints_a_json_list_best_first(pool):
    out, err = run("match", job_file=str(POSTING), org="prairie", top=5, format="json")
    results = json.loads(out)
    assert err == ""
    assert len(results) == 5
    for result in results:
        assert {"external_id", "score", "reasons", "gaps"} <= set(result)
        assert isinstance(result["score"], float) and isinstance(result["reasons"], list)
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    # The family physicians licensed in Alberta first; regulated professions that can't fill a
    # physician's role (the nurses, the social worker) are not ranked at all.
    assert {r["external_id"] for r in results[:3]} == {"C-1001", "C-1002", "C-1003"}
    assert "Licensed in AB" in results[0]["reasons"]
    assert not {"C-1005", "C-1008", "C-1009"} & {r["external_id"] for r in results}


def test_match_near_misses_only(pool):
    out, _err = run("match", job_file=str(POSTING), format="json", near_misses=True)
    results = json.loads(out)
    assert results and all(r["near_miss"] and r["gaps"] for r in results)
    assert "C-1001" not in {r["external_id"] for r in results}


def test_match_table(pool):
    out, _err = run("match", job_file=str(POSTING), top=3)
    lines = out.splitlines()
    assert lines[0].startswith("Family Physician (Physician, Family medicine")
    assert lines[1].split() == ["rank", "score", "name", "external", "id", "reasons"]
    assert lines[2].split()[0] == "1" and "Licensed in AB" in lines[2]


@pytest.mark.parametrize(("text", "message"), [
    ('{"@type": "JobPosting", "title": 5', "not JSON: Expecting ',' delimiter at line 1"),
    ('{"@type": "JobPosting", "description": "Family physician"}', "title: required"),
    ('{"@type": "Person", "name": "Ada"}', "@type: expected JobPosting, got Person"),
])
def test_an_unreadable_posting_is_bad_input_naming_the_field(pool, tmp_path, text, message):
    path = tmp_path / "posting.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run("match", job_file=str(path), format="json")
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_a_posting_with_nothing_recognisable_is_ranked_by_text_with_a_warning(
        pool, recruiter, tmp_path):
    keeper = do_create_candidate(pool.pk, actor=recruiter, first_name="Noor", last_name="Haddad",
                                 headline="Volunteer aquarium keeper and reef diver",
                                 profession="other", external_id="AQ-1")
    path = write_posting(tmp_path / "posting.json", title="Aquarium keeper",
                         description="Feed the fish and clean the reef aquarium tanks.")
    out, err = run("match", job_file=str(path), format="json", top=3)
    results = json.loads(out)
    assert results[0]["external_id"] == keeper.external_id
    assert "Words of the posting appear in their record" in results[0]["reasons"]
    assert err.startswith(f"warning: {path}: ") and "text similarity" in err


# --- the console script -----------------------------------------------------------------------


def rounds_script() -> list[str]:
    script = Path(sys.executable).with_name("rounds")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rounds.cli"]


def shell(*args: str, db: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`rounds …` in a process of its own, on its own SQLite file: the test database of this
    process (SQLite or PostgreSQL) is invisible to it, so it gets a database of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("ROUNDS_TEST_DB", "DATABASE_URL")}
    env.update(DATABASE_URL=f"sqlite:///{db}", MEDIA_ROOT=str(db.parent / "media"), DEBUG="0",
               SECRET_KEY=secrets.token_urlsafe(50), PYTHONIOENCODING="utf-8")
    return subprocess.run([*rounds_script(), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300)


def test_console_script_help_and_bad_input_exit_statuses(tmp_path):
    db = tmp_path / "cli.sqlite3"
    helped = shell("match", "--help", db=db)
    assert helped.returncode == 0 and "--job-file" in helped.stdout

    missing = shell("match", "--job-file", str(tmp_path / "nope.json"), db=db)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: {tmp_path / 'nope.json'}: no such file."
    assert missing.stdout == ""

    bad = write_posting(tmp_path / "bad.json", description="No title here")
    failed = shell("match", "--job-file", str(bad), "--format", "json", db=db)
    assert failed.returncode == 2
    assert failed.stderr.strip() == f"error: {bad}: title: required"

    usage = shell("match", "--top", "0", "--job-file", str(POSTING), db=db)
    assert usage.returncode == 2 and "--top" in usage.stderr


def test_console_script_imports_then_matches(tmp_path):
    db = tmp_path / "cli.sqlite3"
    assert shell("migrate", "-v", "0", db=db).returncode == 0

    imported = shell("import-candidates", "docs/examples/candidates.csv", "--org", "red-deer",
                     "--create-org", db=db)
    assert imported.returncode == 0, imported.stderr
    assert "10 created" in imported.stdout

    matched = shell("match", "--job-file", "docs/examples/posting.json", "--top", "3",
                    "--format", "json", db=db)
    assert matched.returncode == 0, matched.stderr
    results = json.loads(matched.stdout)  # nothing but the JSON on stdout
    assert [set(r) >= {"external_id", "score", "reasons"} for r in results] == [True] * 3
    assert results[0]["external_id"] in {"C-1001", "C-1002"}
