"""One duplicate rule everywhere: a licence number is compared by `lib.codes.licence_key` by the
duplicate finder (the duplicates page, the add form), the import (against the pool and within
the file) and merge, so "MD-12 345" and "md12345" are one number to all of them. And the
import's duplicate look-ups stay in the organization, in SQL."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from rounds.candidates.actions import do_add_related, do_create_candidate
from rounds.candidates.duplicates import duplicates_of, find_duplicate_pair_keys
from rounds.candidates.merge import do_merge_candidates
from rounds.candidates.models import Candidate, ContactPoint, Licence
from rounds.imports import actions, tasks
from rounds.imports.choices import RowOutcome
from rounds.imports.models import ImportRowIssue
from rounds.lib.codes import licence_key

from .conftest import csv_bytes, person, upload

SAME_NUMBER = ["MD-12 345", "md12345", "MD 12345", " Md.12-345 ", "ＭＤ１２３４５"]


@pytest.mark.parametrize("typed", SAME_NUMBER)
def test_one_key_for_every_way_of_writing_a_number(typed):
    assert licence_key(typed) == "MD12345"


@pytest.mark.parametrize("a, b", [("MD-12345", "MD-12346"), ("012345", "12345"),
                                  ("MD12345", "DM12345")])
def test_different_numbers_stay_different(a, b):
    assert licence_key(a) != licence_key(b)


def test_the_key_is_kept_when_a_licence_is_saved(org, recruiter, candidate):
    lic = do_add_related(candidate, Licence, actor=recruiter, jurisdiction="CA-AB",
                         number="cpsa-0042 7")
    assert Licence.objects.get(pk=lic.pk).number_key == "CPSA00427"
    lic.number = "X 1"
    lic.save(update_fields=["number"])
    assert Licence.objects.get(pk=lic.pk).number_key == "X1"


def make(org, actor, first, last, number, jurisdiction="CA-AB", **fields):
    c = do_create_candidate(org.pk, actor=actor, first_name=first, last_name=last,
                            profession="physician", **fields)
    do_add_related(c, Licence, actor=actor, jurisdiction=jurisdiction, number=number)
    return c


MAPPING = {
    "external_id": "ID", "first_name": "First Name", "last_name": "Last Name",
    "email": "E-mail", "phone": "Mobile", "profession": "Profession",
    "licence_jurisdictions": "Licence jurisdictions", "licence_number": "Licence number",
    "city": "City", "region": "Province", "country": "Country",
}


def run(org, recruiter, rows):
    batch = actions.do_create_batch(org.pk, upload(csv_bytes(rows)), actor=recruiter)
    actions.do_start_import(batch, MAPPING, actor=recruiter)
    return tasks.run_import(batch.pk)


def outcomes(batch):
    return [(i.line_number, i.outcome, i.field) for i in
            ImportRowIssue.objects.filter(batch=batch).exclude(outcome=RowOutcome.WARNING)
            .order_by("line_number")]


def test_every_check_gives_the_same_answer_for_one_number_written_two_ways(org, recruiter):
    a = make(org, recruiter, "Jonas", "Berg", "MD-12 345")
    b = make(org, recruiter, "jonas ", "BERG", "md12345")
    # The duplicates page.
    assert find_duplicate_pair_keys(org.pk)[(a.pk, b.pk)] == [
        "same name and licence MD-12 345 (Alberta)"]
    # The record's own check, and a row not saved yet.
    assert [m.candidate for m in duplicates_of(b)] == [a]
    probe = Candidate(organization_id=org.pk, first_name="Jonas", last_name="Berg")
    assert [m.candidate for m in duplicates_of(probe, licence_numbers=["MD 12345"])] == [a, b]
    # The import: against the pool, and within the file.
    batch = run(org, recruiter, [
        person(1, **{"First Name": "Jonas", "Last Name": "Berg", "E-mail": "", "Mobile": "",
                     "Licence number": "Md.12345"}),
        person(2, **{"First Name": "Lena", "Last Name": "Holm", "E-mail": "", "Mobile": "",
                     "Licence number": "AB-777"}),
        person(3, **{"First Name": "Lena", "Last Name": "Holm", "E-mail": "", "Mobile": "",
                     "Licence number": "ab 777"}),
    ])
    assert outcomes(batch) == [(2, RowOutcome.DUPLICATE, "licence_number"),
                               (4, RowOutcome.DUPLICATE, "licence_number")]
    assert batch.created_count == 1
    # Merge: the survivor keeps one licence, not the same number twice.
    with transaction.atomic():
        do_merge_candidates(a, b, actor=recruiter)
    assert list(a.licences.values_list("number", flat=True)) == ["MD-12 345"]


def test_the_migration_fills_the_key_of_existing_licences(org, recruiter, candidate):
    from importlib import import_module

    from django.apps import apps

    lic = do_add_related(candidate, Licence, actor=recruiter, jurisdiction="CA-AB",
                         number="md-9 9")
    Licence.objects.filter(pk=lic.pk).update(number_key="")
    migration = import_module("rounds.candidates.migrations.0007_duplicate_keys_by_organization")
    migration.fill_number_keys(apps, None)
    assert Licence.objects.get(pk=lic.pk).number_key == "MD99"


# --- the import's look-ups stay in the organization ---------------------------------------------


@pytest.fixture
def their_twin(other_org, outsider):
    """Another organization's record with the same email, phone, name and licence number as
    the row imported below, and a secondary email too."""
    theirs = make(other_org, outsider, "Ana1", "Silva", "L1", jurisdiction="CA-AB",
                  email="ana1@example.com", phone="403-555-0001", country="CA")
    ContactPoint.objects.create(organization_id=other_org.pk, candidate=theirs, kind="email",
                                value="ana.silva@example.com",
                                value_normalized="ana.silva@example.com")
    return theirs


def test_another_organizations_identical_record_is_not_a_duplicate(org, recruiter, their_twin):
    batch = run(org, recruiter, [person(1, **{"ID": ""})])
    assert batch.created_count == 1 and batch.duplicate_count == 0
    assert outcomes(batch) == []
    assert Candidate.objects.filter(organization=org, email_normalized="ana1@example.com").exists()


def test_a_chunks_duplicate_lookups_name_the_organization(org, recruiter, candidate, their_twin):
    # One of ours has a secondary address, so the secondary look-up runs too.
    ContactPoint.objects.create(organization_id=org.pk, candidate=candidate, kind="email",
                                value="amara@clinic.ca", value_normalized="amara@clinic.ca")
    batch = actions.do_create_batch(org.pk, upload(csv_bytes([person(1, **{"ID": ""})])),
                                    actor=recruiter)
    actions.do_start_import(batch, MAPPING, actor=recruiter)
    batch.refresh_from_db()
    importer = actions.BatchImporter(batch)
    with actions.open_remaining_rows(batch) as rows, transaction.atomic(), \
            CaptureQueriesContext(connection) as ctx:
        actions.do_claim_batch(batch.pk)
        importer.import_chunk(list(rows))
    lookups = {}
    for q in ctx.captured_queries:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        for column in ("email_normalized", "phone_normalized", "value_normalized", "number_key"):
            if re.search(rf"\"{column}\"\s*(IN\s*\(|=\s*ANY)", sql):
                lookups[column] = sql
    assert set(lookups) == {"email_normalized", "phone_normalized", "value_normalized",
                            "number_key"}, [q["sql"] for q in ctx.captured_queries]
    for column, sql in lookups.items():
        assert re.search(rf"\"organization_id\"\s*=\s*{org.pk}\b", sql), (column, sql)
