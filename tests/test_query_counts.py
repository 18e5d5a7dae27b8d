"""Query counts of the list pages and reports, pinned: each page is loaded with a few rows of
everything it lists, then with more, and must take exactly the pinned number of queries both
times. An N+1 (a query per row) changes the second count; a heavier page changes both. When a
change is deliberate, update the number in PINNED in the same commit, so review sees it.

The matching pages are pinned in rounds/matching/tests."""

from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from rounds.accounts.actions import do_create_site
from rounds.accounts.choices import Role
from rounds.activities.actions import do_add_note
from rounds.candidates.actions import do_add_related, do_create_candidate
from rounds.candidates.models import Licence
from rounds.imports.choices import ImportStatus, RowOutcome
from rounds.imports.models import ImportBatch, ImportRowIssue
from rounds.jobs.models import Job
from rounds.locums import network
from rounds.locums.models import Shift
from rounds.outreach.models import MessageTemplate, Sequence
from rounds.pipeline.actions import do_add_to_pipeline, do_move_application
from rounds.pipeline.models import Stage

# page → queries, the same with 2 or 5 rows of everything. Session and user: 2 of them.
PINNED = {
    "today": 10,
    "candidates:list": 10,
    "candidates:export": 10,
    "candidates:duplicates": 15,
    "jobs:list": 9,
    "jobs:detail": 9,
    "pipeline:board": 7,
    "imports:list": 5,
    "imports:detail": 7,
    "imports:issues_csv": 8,
    "audit:list": 6,
    "audit:candidate": 8,
    "accounts:users": 6,
    "accounts:sites": 4,
    "accounts:tokens": 4,
    "outreach:templates": 4,
    "outreach:sequences": 4,
    "locums:network": 9,
    "locums:lists": 4,
    "locums:shifts": 7,
    "locums:calendar": 5,
}
HTMX_ONLY = {"pipeline:board"}

_n = count(1)


class World:
    """An organization with some of everything the list pages show, grown on demand."""

    def __init__(self, org, owner, recruiter):
        self.org, self.owner, self.recruiter = org, owner, recruiter
        self.site, _place = do_create_site(org.pk, actor=recruiter, name="Red Deer Regional",
                                           city="Red Deer", region="AB", country="CA")
        self.job = Job.objects.create(organization=org, title="Family Physician", owner=recruiter,
                                      profession="physician", site=self.site)
        self.list = network.do_create_list(org, actor=recruiter, name="Nights")
        self.batch = None
        self.first = None

    def grow(self, n: int) -> None:
        org, actor = self.org, self.recruiter
        stages = list(Stage.objects.filter(organization=org).order_by("sequence"))
        now = timezone.now()
        for _ in range(n):
            i = next(_n)
            c = do_create_candidate(
                org.pk, actor=actor, first_name=f"Ana{i}", last_name="Silva",
                email=f"ana{i}@example.com", phone=f"403-555-{i:04d}", profession="physician",
                headline="Family physician", city="Calgary", region="AB", country="CA",
                specialties=["Family Medicine"], tags=[f"tag{i}", "rural"],
            )
            self.first = self.first or c
            do_add_related(c, Licence, actor=actor, jurisdiction="CA-AB", number=f"L{i}")
            # A likely duplicate of the first: the duplicates page lists a pair per record.
            do_create_candidate(org.pk, actor=actor, first_name=f"Ana{i}", last_name="Silva",
                                email=f"ana{i}@example.com", profession="physician")
            do_add_note(c, actor=actor, body=f"Called {i}")
            app = do_add_to_pipeline(c, self.job, actor=actor)
            do_move_application(app, stages[1 + i % 3], actor=actor)
            Job.objects.create(organization=org, title=f"Locum {i}", owner=actor,
                               profession="physician", site=self.site)
            make_user(org, Role.RECRUITER, f"r{i}@prairie.test", f"R{i}", "Recruiter")
            do_create_site(org.pk, actor=actor, name=f"Clinic {i}", city="Calgary", region="AB",
                           country="CA")
            MessageTemplate.objects.create(organization=org, name=f"T{i}", channel="email",
                                           subject="Hi", body="Hello {{ first_name }}",
                                           created_by=actor)
            Sequence.objects.create(organization=org, name=f"S{i}", created_by=actor)
            network.do_add_member(c, actor=actor, lists=[self.list])
            network.do_create_list(org, actor=actor, name=f"List {i}")
            shift = Shift.objects.create(
                organization=org, site=self.site, profession="physician",
                starts_at=now + timedelta(days=3 + i), ends_at=now + timedelta(days=3 + i,
                                                                               hours=8))
            shift.lists.add(self.list)
            batch = ImportBatch.objects.create(
                organization=org, original_name=f"people{i}.csv", file_format="csv",
                sha256=f"{i:064d}", status=ImportStatus.COMPLETED, total_rows=3, rows_done=3,
                created_by=actor, error_count=1,
            )
            self.batch = self.batch or batch
            ImportRowIssue.objects.create(organization=org, batch=self.batch, line_number=i + 1,
                                          outcome=RowOutcome.ERROR, field="last_name",
                                          message="Last name is empty.", candidate=c)

    def url(self, name: str) -> str:
        args = {
            "jobs:detail": [self.job.uuid], "pipeline:board": [self.job.uuid],
            "imports:detail": [self.batch.uuid] if self.batch else [],
            "imports:issues_csv": [self.batch.uuid] if self.batch else [],
            "audit:candidate": [self.first.uuid] if self.first else [],
        }.get(name, [])
        return reverse(name, args=args)


@pytest.fixture
def world(org, owner, recruiter):
    return World(org, owner, recruiter)


def queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
        if response.streaming:
            b"".join(response.streaming_content)  # a report's rows are read as it streams
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_list_pages_take_the_pinned_number_of_queries(name, world, login, owner):
    client = login(owner)
    headers = {"HTTP_HX_REQUEST": "true"} if name in HTMX_ONLY else {}
    world.grow(2)
    queries(client, world.url(name), **headers)  # a session's first request may do more
    few = queries(client, world.url(name), **headers)
    world.grow(3)
    more = queries(client, world.url(name), **headers)
    assert (few, more) == (PINNED[name], PINNED[name]), (
        f"{name}: {few} queries with 2 of everything, {more} with 5 (pinned {PINNED[name]})")
