"""The one bulk inserter (rounds/lib/bulk.py), used by imports, campaigns, threads and shift
offers: rows written through it read back as the ORM would have written them, on both
databases, and conflicts are skipped only when asked."""

import importlib.util
from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from rounds.activities.models import Activity
from rounds.candidates.models import ContactPoint, Licence
from rounds.lib import bulk
from rounds.lib.codes import licence_key


def test_there_is_one_bulk_inserter():
    assert importlib.util.find_spec("rounds.imports.bulk") is None


def fields_of(obj, exclude=("id",)):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields
            if f.attname not in exclude}


def test_rows_read_back_as_the_orm_writes_them(org, candidate):
    orm = Licence.objects.create(organization=org, candidate=candidate, jurisdiction="CA-AB",
                                 number="MD-1", issued_on=date(2020, 5, 1))
    bulk.insert_values(Licence, [{"jurisdiction": "CA-AB", "number": "MD-1",
                                  "number_key": licence_key("MD-1"),
                                  "issued_on": date(2020, 5, 1)}],
                       constants={"organization_id": org.pk, "candidate_id": candidate.pk})
    bulk.FastInsert(Licence, ("jurisdiction", "number", "number_key", "issued_on"),
                    organization_id=org.pk, candidate_id=candidate.pk).rows(
        [("CA-BC", "MD-2", "MD2", date(2021, 1, 2))])
    rows = list(Licence.objects.filter(candidate=candidate).order_by("id"))
    assert fields_of(rows[1]) == fields_of(orm)
    assert fields_of(rows[2]) == {**fields_of(orm), "jurisdiction": "CA-BC", "number": "MD-2",
                                  "number_key": "MD2", "issued_on": date(2021, 1, 2)}


def test_instances_get_their_keys_and_json_and_times_survive(org, candidate, recruiter):
    at = timezone.now().replace(microsecond=0)
    objs = [Activity(organization_id=org.pk, candidate=candidate, kind="note", subject=f"n{i}",
                     body="b", occurred_at=at, actor=recruiter) for i in range(3)]
    bulk.insert(objs, returning=True)
    assert all(o.pk for o in objs)
    back = Activity.objects.get(pk=objs[1].pk)
    assert (back.subject, back.occurred_at) == ("n1", at)


def test_conflicts_are_skipped_only_when_asked(org, candidate):
    row = {"kind": "email", "value": "a@example.com", "value_normalized": "a@example.com"}
    constants = {"organization_id": org.pk, "candidate_id": candidate.pk}
    bulk.insert_values(ContactPoint, [row, dict(row, value="A@example.com")],
                       constants=constants, ignore_conflicts=True)
    assert ContactPoint.objects.filter(candidate=candidate).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_values(ContactPoint, [row], constants=constants)
