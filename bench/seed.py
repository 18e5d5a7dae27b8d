"""Benchmark database: one organization with N generated candidates (100,000 by default).

    .venv/bin/python bench/seed.py                    # SQLite, var/bench.sqlite3
    .venv/bin/python bench/seed.py --db postgres      # PostgreSQL, database rounds_bench
    .venv/bin/python bench/seed.py --n 20000 --fresh  # another size, rebuilt from scratch

The people come from rounds.demo.people.candidate_rows (deterministic). Each candidate gets its
primary specialty, licences, tags, normalized email and phone, coordinates and time zone from
rounds.lib.geo, and `search_text` from rounds.candidates.actions.build_search_text, exactly as
the app stores them; rows go in with bulk_create in batches. A database already seeded with
the same N is reused, so bench/search.py and bench/memory.py call `ensure_seeded` and only the
first run pays. The PostgreSQL URL can be changed with BENCH_POSTGRES_URL.

bench/search.py and bench/memory.py import `configure` and `ensure_seeded` from here.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = Path(os.environ.get("BENCH_SQLITE_PATH", ROOT / "var" / "bench.sqlite3"))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL",
                              "postgres://postgres@127.0.0.1:5432/rounds_bench")
ORG_SLUG = "bench"
USER_EMAIL = "bench-recruiter@rounds.test"
PASSWORD = "bench-password-123"
BATCH = 2000
SEED = 7


def database_url(db: str) -> str:
    if db == "postgres":
        return POSTGRES_URL
    return f"sqlite:///{SQLITE_PATH}"


def configure(db: str) -> None:
    """Point Django at the benchmark database and set it up. Call before importing models."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url(db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rounds.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    SQLITE_PATH.parent.mkdir(exist_ok=True)
    if db == "postgres":
        _create_postgres_database()
    import django

    django.setup()


def _create_postgres_database(drop: bool = False) -> None:
    import psycopg
    from psycopg import sql

    url = POSTGRES_URL.rsplit("/", 1)
    name = url[1]
    with psycopg.connect(f"{url[0]}/postgres", autocommit=True) as conn:
        if drop:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _reset(db: str) -> None:
    """Start from an empty database (a different N was asked for, or --fresh)."""
    from django.db import connections

    connections.close_all()
    if db == "postgres":
        _create_postgres_database(drop=True)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


def _seeded_count() -> int | None:
    from django.db import DatabaseError

    from rounds.accounts.models import Organization
    from rounds.candidates.models import Candidate

    try:
        org = Organization.objects.filter(slug=ORG_SLUG).first()
    except DatabaseError:
        return None
    if org is None:
        return None
    return Candidate.objects.filter(organization=org).count()


def ensure_seeded(db: str, n: int, *, fresh: bool = False, quiet: bool = False):
    """The benchmark organization and recruiter, seeding N candidates if needed."""
    from django.core.management import call_command

    def say(msg):
        if not quiet:
            print(msg, flush=True)

    if not fresh:
        try:
            call_command("migrate", verbosity=0)
            existing = _seeded_count()
        except Exception:  # a broken or foreign database: rebuild it
            existing = None
        if existing == n:
            say(f"Reusing the {db} benchmark database with {n:,} candidates.")
            return _org_and_user()
        if existing is not None:
            say(f"The benchmark database holds {existing:,} candidates, not {n:,}: rebuilding.")
    _reset(db)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    say(f"Migrated in {time.perf_counter() - started:.1f} s; seeding {n:,} candidates…")
    _seed(n, say)
    say(f"Seeded {n:,} candidates in {time.perf_counter() - started:.1f} s.")
    return _org_and_user()


def _org_and_user():
    from rounds.accounts.models import Organization, User

    org = Organization.objects.get(slug=ORG_SLUG)
    return org, User.objects.get(email=USER_EMAIL)


def _seed(n: int, say) -> None:
    import random

    from django.db import connection, transaction
    from django.utils import timezone

    from rounds.accounts.actions import do_create_organization
    from rounds.accounts.choices import Role
    from rounds.accounts.models import User
    from rounds.candidates.actions import build_search_text
    from rounds.candidates.choices import CandidateStatus
    from rounds.candidates.models import Candidate, Licence, Specialty, Tag
    from rounds.demo.people import candidate_rows
    from rounds.lib import geo
    from rounds.lib.contact import ContactError, email_key, normalize_email, normalize_phone

    with transaction.atomic():
        org, _owner = do_create_organization(
            name="Benchmark Health Staffing", slug=ORG_SLUG, owner_email="bench-owner@rounds.test",
            owner_password=PASSWORD, owner_first_name="Bea", owner_last_name="Bench",
            country="CA", time_zone="America/Edmonton",
            postal_address="10104 103 Ave NW, Edmonton, AB T5J 0H8",
        )
        User.objects.create_user(
            username=USER_EMAIL, email=USER_EMAIL, password=PASSWORD, organization=org,
            role=Role.RECRUITER, first_name="Rae", last_name="Recruiter",
        )
    rng = random.Random(SEED)
    statuses = [(CandidateStatus.PASSIVE, 55), (CandidateStatus.ACTIVE, 25),
                (CandidateStatus.NOT_LOOKING, 12), (CandidateStatus.PLACED, 6),
                (CandidateStatus.DO_NOT_CONTACT, 2)]
    status_values = [s for s, _ in statuses]
    status_weights = [w for _, w in statuses]
    now = timezone.now()
    tags: dict[str, int] = {}
    place_cache: dict[tuple, geo.Place | None] = {}
    rows = candidate_rows(n, seed=SEED)
    done = 0
    last_report = time.perf_counter()
    while done < n:
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                break
        if not batch:
            break
        candidates = []
        for row in batch:
            key = (row["postal_code"], row["city"], row["region"], row["country"])
            if key not in place_cache:
                place_cache[key] = geo.locate(postal_code=row["postal_code"], city=row["city"],
                                              region=row["region"], country=row["country"])
            place = place_cache[key]
            try:
                email = normalize_email(row["email"])
            except ContactError:
                email = ""
            try:
                phone = normalize_phone(row["phone"], row["country"] or "CA")
            except ContactError:
                phone = ""
            created = now - timedelta(days=rng.randint(0, 1100), minutes=rng.randint(0, 1439))
            c = Candidate(
                organization=org, external_id=row["external_id"], first_name=row["first_name"],
                last_name=row["last_name"], email=email, email_normalized=email_key(email),
                phone=phone, phone_normalized=phone, profession=row["profession"],
                headline=row["headline"],
                years_experience=int(row["years_experience"]) if row["years_experience"] else None,
                city=row["city"] or (place.city if place else ""),
                region=row["region"] or (place.region if place else ""),
                postal_code=row["postal_code"], country=row["country"],
                latitude=place.latitude if place else None,
                longitude=place.longitude if place else None,
                time_zone=place.time_zone if place else "",
                status=rng.choices(status_values, status_weights)[0],
                source=row["source"] or "import", created_at=created,
                last_activity_at=(created + timedelta(days=rng.randint(0, 60))
                                  if rng.random() < 0.6 else None),
            )
            specialties = [row["specialty"]] if row["specialty"] else []
            notes = [row["notes"]] if row["notes"] else []
            c.search_text = build_search_text(c, specialties, [], notes)
            c._row = row
            candidates.append(c)
        with transaction.atomic():
            Candidate.objects.bulk_create(candidates, batch_size=BATCH)
            specialties, licences, links = [], [], []
            through = Candidate.tags.through
            for c in candidates:
                row = c._row
                if row["specialty"]:
                    specialties.append(Specialty(organization=org, candidate_id=c.pk,
                                                 name=row["specialty"], is_primary=True))
                for i, code in enumerate(j for j in row["licence_jurisdictions"].split(";") if j):
                    licences.append(Licence(
                        organization=org, candidate_id=c.pk, jurisdiction=code,
                        number=row["licence_number"] if i == 0 else "",
                    ))
                for name in {t.strip() for t in row["tags"].split(";") if t.strip()}:
                    if name not in tags:
                        tags[name] = Tag.objects.get_or_create(organization=org, name=name)[0].pk
                    links.append(through(candidate_id=c.pk, tag_id=tags[name]))
            Specialty.objects.bulk_create(specialties, batch_size=BATCH)
            Licence.objects.bulk_create(licences, batch_size=BATCH)
            through.objects.bulk_create(links, batch_size=BATCH)
        done += len(candidates)
        if time.perf_counter() - last_report > 10:
            say(f"  {done:,} / {n:,}")
            last_report = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("INSERT INTO candidates_candidate_fts(candidates_candidate_fts) "
                           "VALUES ('optimize')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="rebuild even if already seeded")
    args = parser.parse_args()
    configure(args.db)
    org, user = ensure_seeded(args.db, args.n, fresh=args.fresh)
    from rounds.candidates.models import Candidate, Licence, Specialty

    print(f"{args.db}: {Candidate.objects.filter(organization=org).count():,} candidates, "
          f"{Specialty.objects.filter(organization=org).count():,} specialties, "
          f"{Licence.objects.filter(organization=org).count():,} licences "
          f"({database_url(args.db)}); sign in as {user.email} / {PASSWORD}")


if __name__ == "__main__":
    main()
