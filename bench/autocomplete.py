"""The "find a candidate" box: per keystroke, the old `search_text__icontains` scan against
`candidates.search.suggest_candidates` (the full-text index), on the benchmark database.

    .venv/bin/python bench/autocomplete.py                  # SQLite, 100,000 candidates
    .venv/bin/python bench/autocomplete.py --db postgres    # PostgreSQL
    .venv/bin/python bench/autocomplete.py --n 20000

Types a few names and words one letter at a time ("o", "ok", "oka", …; the box searches from
two letters) and prints the median and 95th percentile per keystroke of each way. Seeded by
bench/seed.py (no notes: real search text, holding every note, makes the scan slower still).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed  # noqa: E402

WORDS = ["okafor", "tremblay", "family medicine", "obstetrics", "emergency", "calgary",
         "nurse practitioner", "smith", "oncology", "ccfp"]


def keystrokes(word: str) -> list[str]:
    return [word[:i] for i in range(2, len(word) + 1)]


def old_way(user, text: str) -> list:
    from rounds.candidates.models import Candidate

    qs = Candidate.objects.visible_to(user).current()
    for term in text.lower().split()[:5]:
        qs = qs.filter(search_text__icontains=term)
    return list(qs.order_by("last_name", "first_name")[:10])


def timed(fn, user, texts: list[str]) -> list[float]:
    out = []
    for text in texts:
        start = time.perf_counter()
        fn(user, text)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    seed.configure(args.db)
    seed.ensure_seeded(args.db, args.n)

    from rounds.accounts.models import User
    from rounds.candidates.search import suggest_candidates

    user = User.objects.get(email=seed.USER_EMAIL)
    texts = [k for w in WORDS for k in keystrokes(w)]
    for fn in (old_way, suggest_candidates):  # warm caches once
        timed(fn, user, texts[:5])
    print(f"{args.db}, {args.n:,} candidates, {len(texts)} keystrokes "
          "(a shared, loaded machine: compare the two rows, not the absolute figures)")
    for name, fn in (("LIKE '%x%' (before)", old_way), ("full-text index", suggest_candidates)):
        ms = sorted(timed(fn, user, texts))
        p95 = ms[int(len(ms) * 0.95) - 1]
        print(f"  {name:22} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   "
              f"max {ms[-1]:7.1f} ms")


if __name__ == "__main__":
    main()
