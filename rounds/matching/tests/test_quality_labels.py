"""The matching quality benchmark's hand-written labels (bench/quality/queries.toml) are
well-formed and name real things: NHS vacancies that exist and specialty strings that the
benchmark pool really uses. The data checks skip where ../shared/data is absent."""

import gzip
import html
import importlib.util
import json
import sys
import tomllib

import pytest

from rounds.matching.tests.shared_data import DATA, ROOT

LABELS = ROOT / "bench" / "quality" / "queries.toml"

needs_data = pytest.mark.skipif(
    not (DATA / "nhs_job_postings_2020.jsonl.gz").is_file(),
    reason=f"the real public data folder {DATA} is absent",
)


def load_bench():
    spec = importlib.util.spec_from_file_location("match_quality",
                                                  ROOT / "bench" / "match_quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("match_quality", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def labelled_queries() -> list[dict]:
    with LABELS.open("rb") as fh:
        return tomllib.load(fh)["query"]


def test_label_file_is_well_formed():
    queries = labelled_queries()
    assert 40 <= len(queries) <= 60
    ids = [q["id"] for q in queries]
    assert len(ids) == len(set(ids)), "a vacancy is labelled twice"
    for q in queries:
        assert set(q) <= {"id", "title", "role", "fit", "note"}, q["id"]
        assert isinstance(q["id"], str) and q["id"].isdigit(), q["id"]
        assert q["title"].strip(), q["id"]
        role, fit = q.get("role", []), q.get("fit", [])
        assert all(isinstance(s, str) and s.strip() for s in role + fit), q["id"]
        assert role or fit, f"{q['id']} labels nothing relevant"
        assert len(set(role + fit)) == len(role) + len(fit), f"{q['id']} repeats a specialty"
        assert isinstance(q.get("note", ""), str)


@needs_data
def test_every_labelled_vacancy_exists_in_the_nhs_file():
    wanted = {q["id"]: q["title"] for q in labelled_queries()}
    found = {}
    with gzip.open(DATA / "nhs_job_postings_2020.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            posting = json.loads(line)
            if posting.get("identifier") in wanted:
                found[posting["identifier"]] = html.unescape(posting["title"]).strip()
    assert sorted(set(wanted) - set(found)) == []
    assert {i: t for i, t in found.items() if t != wanted[i]} == {}, "titles differ"


@needs_data
def test_every_labelled_specialty_is_in_the_pool_vocabulary():
    bench = load_bench()
    vocabulary = {member.specialty for member in bench.load_pool(DATA)}
    unknown = {q["id"]: sorted(set(q.get("role", []) + q.get("fit", [])) - vocabulary)
               for q in labelled_queries()}
    assert {i: u for i, u in unknown.items() if u} == {}


def test_ndcg_and_precision_follow_the_documented_definitions():
    bench = load_bench()
    pool_grades = [2, 1, 0, 0, 2]
    assert bench.ndcg_at_k([2, 2, 1], pool_grades) == pytest.approx(1.0)
    assert bench.ndcg_at_k([0, 0, 0], pool_grades) == 0.0
    assert 0 < bench.ndcg_at_k([1, 2, 2], pool_grades) < 1
    assert bench.precision_at_k([2, 0, 1]) == pytest.approx(0.2)
    assert bench.zip5("41023134") == "04102"
    assert bench.zip5("4416") == "04416"
    assert bench.zip5("688472944.0") == "68847"


def test_the_held_out_us_postings_and_labels_are_well_formed():
    """bench/quality/us_postings.json and us_labels.toml: every labelled posting exists, is a
    JobPosting placed in the state its labels license, and its grades follow the rule (the
    role licensed there 3, elsewhere 2, a near-miss 1)."""
    from rounds.lib import jurisdictions
    from rounds.matching.understand import read_posting

    bench = load_bench()
    queries = bench.load_held_out()
    assert len(queries) >= 10
    states = set()
    for q in queries:
        posting = read_posting(q.posting)  # a valid schema.org JobPosting
        assert posting.region in q.licensed_in, q.id
        assert jurisdictions.normalize(posting.region, "US"), q.id
        states.add(posting.region)
        assert set(q.grades.values()) <= {1, 2} and 2 in q.grades.values(), q.id
    assert len(states) >= 5
    q = queries[0]
    role = next(s for s, g in q.grades.items() if g == 2)
    here = next(iter(q.licensed_in))
    member = bench.Member(npi="1", source="cms", specialty=role, first_name="A", last_name="B",
                          licence=here)
    assert q.grade(member) == 3
    member.licence = "XX"
    assert q.grade(member) == 2


@needs_data
def test_every_held_out_specialty_is_in_the_pool_vocabulary():
    bench = load_bench()
    vocabulary = {member.specialty for member in bench.load_pool(DATA)}
    unknown = {q.id: sorted(set(q.grades) - vocabulary) for q in bench.load_held_out()}
    assert {i: u for i, u in unknown.items() if u} == {}
