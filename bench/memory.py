"""Resident memory of one web process serving the 100,000-candidate benchmark database.

    .venv/bin/python bench/memory.py                 # SQLite (var/bench.sqlite3)
    .venv/bin/python bench/memory.py --db postgres   # PostgreSQL (rounds_bench)
    .venv/bin/python bench/memory.py --requests 600 --no-export

Seeds the benchmark database first if needed (bench/seed.py), starts one real web process
(`manage.py runserver --noreload`, DEBUG off) against it, signs in, and sends a few hundred
requests over loopback: candidate searches of every kind (bench/search.py's mix), list pages,
candidate detail pages, the Today page, and one full CSV export of every candidate (streamed).
Prints the process's resident memory (VmRSS) after start-up and at the end, and its peak
(VmHWM), from /proc/<pid>/status. Goal: <= 300 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed  # noqa: E402
from search import request_mix  # noqa: E402


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--no-export", action="store_true", help="skip the full CSV export")
    args = parser.parse_args()

    seed.configure(args.db)
    org, user = seed.ensure_seeded(args.db, args.n)

    from django.test import Client

    from rounds.candidates.models import Candidate, Specialty, Tag

    # A signed-in session, stored in the benchmark database the server reads.
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    rng = random.Random(99)
    uuids = [str(u) for u in Candidate.objects.filter(organization=org).values_list(
        "uuid", flat=True)[: 20_000 : 97]]
    names = [n.lower() for n in Candidate.objects.filter(organization=org).values_list(
        "last_name", flat=True)[: 5_000 : 251]]
    specialties = sorted({s.lower() for s in Specialty.objects.filter(organization=org)
                          .values_list("name", flat=True)[:2000]})[:30]
    tags = list(Tag.objects.filter(organization=org).values_list("name", flat=True))

    port = free_port()
    env = {**os.environ, "DEBUG": "0", "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=seed.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    raise SystemExit("The server did not start:\n"
                                     + server.stderr.read().decode()) from None
                time.sleep(0.2)
        at_start = memory_of(server.pid)

        def get(path: str, headers=None) -> tuple[int, int]:
            req = urllib.request.Request(base + path, headers={"Cookie": cookie,
                                                               **(headers or {})})
            try:
                with urllib.request.urlopen(req, timeout=300) as response:
                    size = 0
                    while chunk := response.read(65536):
                        size += len(chunk)
                    return response.status, size
            except urllib.error.HTTPError as exc:
                return exc.code, 0

        paths: list[tuple[str, dict]] = []
        for kind, params, htmx in request_mix(args.requests, rng, names, specialties, tags):
            paths.append((f"/candidates/?{urlencode(params)}",
                          {"HX-Request": "true"} if htmx else {}))
            if kind == "text" and uuids:
                paths.append((f"/candidates/{rng.choice(uuids)}/", {}))
            if kind == "filters":
                paths.append(("/", {}))
        statuses: dict[int, int] = {}
        started = time.perf_counter()
        for path, headers in paths:
            status, _size = get(path, headers)
            statuses[status] = statuses.get(status, 0) + 1
        exported = 0
        if not args.no_export:
            status, exported = get("/candidates/export.csv")
            statuses[status] = statuses.get(status, 0) + 1
        wall = time.perf_counter() - started
        at_end = memory_of(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()

    count = Candidate.objects.filter(organization=org).count()
    print()
    print(f"Web process memory, {args.db}, {count:,} candidates: one `runserver --noreload` "
          f"process (DEBUG off), {sum(statuses.values())} requests in {wall:.1f} s, "
          f"status codes {dict(sorted(statuses.items()))}")
    if exported:
        print(f"  including a full CSV export of {exported / 1e6:.1f} MB")
    print(f"  after start-up:  VmRSS {at_start['VmRSS'] / 1024:6.1f} MB")
    print(f"  after requests:  VmRSS {at_end['VmRSS'] / 1024:6.1f} MB")
    print(f"  peak:            VmHWM {at_end['VmHWM'] / 1024:6.1f} MB")
    print(f"goal <= 300 MB: {'met' if at_end['VmHWM'] <= 300 * 1024 else 'MISSED'}")


if __name__ == "__main__":
    main()
