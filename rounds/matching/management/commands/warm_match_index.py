"""`manage.py warm_match_index [--org SLUG] [--rebuild]`: make every organization's match index
snapshot ready before web processes start (they load snapshots instead of building).

An organization with a usable snapshot has it loaded, caught up on what changed since, and
written again if anything did; one without (or with `--rebuild`) is built from its match
profiles and written. Run it before starting web processes and after a deploy that changes the
matching knowledge; `--rebuild` now and then (nightly, say) also drops the rows of candidates
deleted for real."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from rounds.accounts.models import Organization
from rounds.matching import index as match_index
from rounds.matching import snapshot


class Command(BaseCommand):
    help = "Build or refresh the match index snapshot of every organization."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", help="one organization (its slug)")
        parser.add_argument("--rebuild", action="store_true",
                            help="build from the match profiles even where a snapshot exists")

    def handle(self, *args, **options) -> None:
        if not snapshot.enabled():
            raise CommandError("MATCH_INDEX_DIR is empty: snapshots are off.")
        orgs = Organization.objects.order_by("pk")
        if options["org"]:
            orgs = orgs.filter(slug=options["org"])
            if not orgs.exists():
                raise CommandError(f"No organization with the slug “{options['org']}”.")
        for org_id, slug in orgs.values_list("pk", "slug"):
            t0 = time.perf_counter()
            index = None if options["rebuild"] else snapshot.load(org_id)
            if index is None:
                with match_index.builds_allowed():
                    index = match_index.build(org_id)
                how = "built"
            else:
                changed = index.catch_up()
                if changed:
                    snapshot.save(index)
                how = f"loaded, {changed:,} rows caught up"
            self.stdout.write(f"{slug}: {len(index):,} candidates, {how} in "
                              f"{time.perf_counter() - t0:.2f} s → {snapshot.path_for(org_id)}")
