"""Build a large synthetic corpus from the project's own example reports, for scale benchmarks.

    python benchmarks/generate_corpus.py OUT_DIR [--n 20000] [--shard-size 10000] [--seed 0]

Only ``examples/reports`` (written for this project) is used, never the shared corpus. Report k is
example ``k mod 14`` varied by template: its publication date shifted by a whole number of weeks (so
weekday names in the text stay right), every base named in it (by a name or alias from the
gazetteer, ``sites.csv``) swapped for another base's alias in the same script, and every one-digit
number swapped for another. Ids are ``syn-NNNNNNN-<example id>``. Output: FORMAT.md article lines in
``.jsonl.gz`` shards of ``--shard-size`` reports (``shard-00000.jsonl.gz``, ...); the same arguments
always give the same files. Up to 1,000,000 reports.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import random
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "reports"
SITES = REPO / "src" / "osintrack" / "data" / "gazetteer" / "sites.csv"
MAX_REPORTS = 1_000_000
_DIGIT = re.compile(r"(?<![\d.,:/-])\d(?![\d.,:/-])")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the shards (created)")
    parser.add_argument("--n", type=int, default=20_000, help="reports (default 20,000; at most 1,000,000)")
    parser.add_argument("--shard-size", type=int, default=10_000, help="reports per shard (default 10,000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if not 1 <= args.n <= MAX_REPORTS or args.shard_size < 1:
        parser.error(f"--n must be 1..{MAX_REPORTS:,} and --shard-size at least 1")
    shards = generate(args.out, args.n, args.shard_size, args.seed)
    print(f"{args.n:,} reports in {shards} shards under {args.out}")
    return 0


def generate(out: Path, n: int, shard_size: int, seed: int = 0) -> int:
    """Write ``n`` synthetic reports as ``.jsonl.gz`` shards under ``out``; returns the number of shards."""
    sys.path.insert(0, str(REPO / "src"))
    from osintrack.ingest import read_reports  # the project's reader: txt examples get their ids and dates

    base = [r.to_json() for r in read_reports([EXAMPLES])]
    bases = base_aliases()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    shards = 0
    for start in range(0, n, shard_size):
        with gzip.open(out / f"shard-{shards:05d}.jsonl.gz", "wt", encoding="utf-8", compresslevel=1) as stream:
            for k in range(start, min(n, start + shard_size)):
                stream.write(json.dumps(vary(base[k % len(base)], k, bases, rng), ensure_ascii=False) + "\n")
        shards += 1
    return shards


def base_aliases() -> list[list[str]]:
    """For every base in the gazetteer, its name and aliases (qualified '~' aliases left out)."""
    lines = [line for line in SITES.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    out = []
    for row in csv.DictReader(lines):
        if row["type"] == "base":
            names = [row["name"], *(a for a in row["aliases"].split("|") if a and not a.startswith("~"))]
            out.append(sorted(set(names), key=len, reverse=True))
    return out


def vary(report: dict[str, Any], k: int, bases: list[list[str]], rng: random.Random) -> dict[str, Any]:
    text = report["text"]
    published = report.get("published")
    if published and len(published) == 10:
        day = dt.date.fromisoformat(published) + dt.timedelta(weeks=rng.randint(-20, 20))
        published = day.isoformat()
    for names in bases:
        found = next((name for name in names if len(name) >= 5 and name in text), None)
        if found is not None:
            other = rng.choice(bases)
            same_script = [name for name in other if _script(name) == _script(found)]
            if same_script:
                text = text.replace(found, rng.choice(same_script))
    text = _DIGIT.sub(lambda _: str(rng.randint(1, 9)), text)
    return {"id": f"syn-{k:07d}-{report['id'].replace('/', '-')}", "url": report.get("url"),
            "published": published, "lang": report.get("lang"), "text": text}


def _script(text: str) -> str:
    letter = next((c for c in text if c.isalpha()), "a")
    return unicodedata.name(letter, "LATIN").split()[0]


if __name__ == "__main__":
    sys.exit(main())
