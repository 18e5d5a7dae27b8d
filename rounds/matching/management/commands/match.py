"""`rounds match --job-file POSTING.json [--org SLUG] --top N --format json`: rank an
organization's candidates for a schema.org JobPosting (a .json file, a JSON list or @graph, or
an .html page with an ld+json script) and print the best first.

With `--format json` stdout holds one JSON list and nothing else; warnings (a posting with
nothing recognisable is ranked by text similarity) go to stderr. A posting that cannot be read
is an error naming the file and the field, exit status 2."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rounds.matching.engine import JobSpec, Ranking, rank
from rounds.matching.index import builds_allowed
from rounds.matching.understand import PostingError, read_posting

from ._common import BatchCommand, InputError, resolve_organization

MAX_TOP = 10_000
MAX_POSTING_BYTES = 5 * 1024 * 1024


def top_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number") from None
    if not 1 <= value <= MAX_TOP:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {MAX_TOP:,}")
    return value


class Command(BatchCommand):
    help = ("Rank the organization's candidates for a schema.org JobPosting file and print the "
            "best first, with the reasons.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--job-file", required=True, metavar="POSTING", dest="job_file",
                            help="schema.org JobPosting: .json (an object, a list or an "
                                 "@graph) or an .html page with an ld+json script")
        parser.add_argument("--org", metavar="SLUG",
                            help="organization whose candidates are ranked (optional when "
                                 "there is only one)")
        parser.add_argument("--top", type=top_count, default=10, metavar="N",
                            help="how many candidates to print (default 10)")
        parser.add_argument("--format", choices=("table", "json"), default="table",
                            dest="output_format",
                            help="json: a list of {external_id, score, reasons, gaps, …}, best "
                                 "first; table (default): for reading")
        parser.add_argument("--near-misses", action="store_true", dest="near_misses",
                            help="only candidates who lack something the job asks for")

    def handle(self, *args, **options) -> None:
        path = Path(options["job_file"])
        posting = read_posting_file(path)
        org = resolve_organization(options["org"])
        spec = JobSpec.from_posting(posting)
        if isinstance(options["top"], str):  # call_command(top="5") skips argparse's type
            options["top"] = top_count(options["top"])
        with builds_allowed():  # no page waits: a missing index is built here
            ranking = rank(spec, organization_id=org.pk, limit=options["top"],
                           near_misses_only=options["near_misses"])
        for warning in ranking.warnings:
            self.warn(f"{path}: {warning}")
        if options["output_format"] == "json":
            self.stdout.write(json.dumps([as_json(m) for m in ranking.results],
                                         ensure_ascii=False, indent=2))
        else:
            self.print_table(path, org, ranking, near_misses=options["near_misses"])

    def print_table(self, path: Path, org, ranking: Ranking, *, near_misses: bool) -> None:
        understood = ", ".join(ranking.spec.summary()) or "nothing recognised"
        excluded = f"; {ranking.excluded_count:,} excluded" if ranking.excluded_count else ""
        only = ", near-misses shown" if near_misses else ""
        self.stdout.write(f"{ranking.spec.title} ({understood}): {ranking.total:,} candidates of "
                          f"{org.slug} ranked in {ranking.elapsed_ms:,.0f} ms{excluded}{only}.")
        if not ranking.results:
            self.stdout.write("No candidates to show.")
            return
        rows = [("rank", "score", "name", "external id", "reasons")]
        gaps = [""]
        for m in ranking.results:
            rows.append((str(m.rank), f"{m.score:.1f}", _name(m), m.external_id or "—",
                         "; ".join(m.reasons)))
            gaps.append("; ".join(m.gaps))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        indent = " " * (sum(widths) + 2 * 4)
        for r, lacks in zip(rows, gaps, strict=True):
            self.stdout.write("  ".join([r[0].rjust(widths[0]), r[1].rjust(widths[1]),
                                         r[2].ljust(widths[2]), r[3].ljust(widths[3]), r[4]]))
            if lacks:
                self.stdout.write(f"{indent}lacks: {lacks}")

def read_posting_file(path: Path):
    """The posting in the file, or InputError `FILE: what is wrong (field)`."""
    if not path.is_file():
        raise InputError(f"{path}: no such file." if not path.exists() else f"{path}: not a file.")
    if path.stat().st_size > MAX_POSTING_BYTES:
        raise InputError(f"{path}: {path.stat().st_size:,} bytes; a posting file has at most "
                         f"{MAX_POSTING_BYTES:,}.")
    try:
        return read_posting(path.read_bytes())
    except PostingError as exc:
        raise InputError(f"{path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def as_json(match) -> dict:
    """One result: external_id, score and reasons (the documented keys), then the rest."""
    return {
        "external_id": match.external_id, "score": match.score, "reasons": list(match.reasons),
        "gaps": list(match.gaps), "near_miss": match.near_miss, "rank": match.rank,
        "candidate_id": match.candidate_id, "name": _name(match),
    }


def _name(match) -> str:
    c = match.candidate
    return f"{c.first_name} {c.last_name}".strip() if c is not None else ""
