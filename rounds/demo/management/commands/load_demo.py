"""`python manage.py load_demo`: the demo organizations, users, candidates, jobs and pipelines.

Safe to run twice: when the demo organizations exist it says so and changes nothing;
`--reset` deletes them (and their users) and loads them again. Runs in one transaction."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from rounds.demo import loader
from rounds.demo.catalog import DEMO_PASSWORD, ORGANIZATIONS


class Command(BaseCommand):
    help = "Load realistic, deterministic demo data (an Alberta clinic group, a US staffing firm)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo organizations and their users, then reload.")
        parser.add_argument("--candidates", type=int, default=loader.DEFAULT_CANDIDATES,
                            help="How many candidates in total (default %(default)s).")

    def handle(self, *args, reset=False, candidates=loader.DEFAULT_CANDIDATES, **options):
        if candidates < 20:
            raise CommandError("Use at least 20 candidates so every pipeline stage can be shown.")
        started = time.monotonic()
        with transaction.atomic():
            if loader.demo_exists():
                if not reset:
                    self.stdout.write("The demo data is already loaded; nothing to do "
                                      "(use --reset to delete and reload it).")
                    self._logins()
                    return
                deleted = loader.delete_demo()
                self.stdout.write(f"Deleted {deleted} demo organization(s) and their users.")
            summary = loader.load(candidates=candidates)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Loaded the demo in {elapsed:.1f} s: {', '.join(summary.organizations)}."))
        for name, count in summary.counts.items():
            self.stdout.write(f"  {count:>6,}  {name}")
        stages = ", ".join(f"{name} {n}" for name, n in summary.stages.most_common())
        self.stdout.write(f"  Applications by stage: {stages}")
        actions = ", ".join(f"{n} {bucket}" for bucket, n in summary.next_actions.items())
        self.stdout.write(f"  Next actions: {actions}")
        self._logins()

    def _logins(self):
        self.stdout.write("Sign in with (password for every demo user: "
                          f"{DEMO_PASSWORD}):")
        for spec in ORGANIZATIONS:
            emails = [spec["owner"][0]] + [u[0] for u in spec["users"]]
            roles = ["owner"] + [u[1].replace("_", " ") for u in spec["users"]]
            self.stdout.write(f"  {spec['name']}:")
            for email, role in zip(emails, roles, strict=True):
                self.stdout.write(f"    {email:<32} {role}")
