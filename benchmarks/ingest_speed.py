"""Ingest throughput of osintrack into SQLite and PostgreSQL: read, extract, resolve and store.

    python benchmarks/ingest_speed.py [--corpus DIR] [--n 5000] [--batch-size 500] [--pg URL]

The shared corpus (seeds and dev articles; the bundled examples when it is absent) is repeated until
there are at least ``--n`` reports, ids made unique, and ingested with ``osintrack.pipeline.ingest_paths``
into a fresh SQLite file and into a fresh schema of the PostgreSQL database at ``--pg`` (skipped, saying
why, when no server answers). Imports and data loading are warmed up first and not timed. Prints reports
per second for extraction alone (the ceiling) and for each backend; the goal for SQLite is 500 reports/s.
A repeated corpus piles every copy of a report into the same incidents, so fusion (which re-fuses each
touched incident from all its mentions after every batch) costs more here than on real news.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FALLBACK = REPO / "examples" / "reports"
SETS = ("seeds", "dev")
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=5000, help="at least this many reports (default 5000)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL URL (default {DEFAULT_PG}); '' to skip")
    args = parser.parse_args(argv)

    from osintrack import pipeline
    from osintrack.ingest import read_reports

    files = [args.corpus / name / "articles.jsonl" for name in SETS if (args.corpus / name / "articles.jsonl").exists()]
    source = files or [FALLBACK]
    base = list(read_reports(source))
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "articles.jsonl"
        n = 0
        with corpus.open("w", encoding="utf-8") as out:
            while n < args.n:
                for report in base:
                    record = report.to_json()
                    record["id"] = f"{n // len(base):05d}/{report.id}"
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    n += 1
        print(f"corpus: {n} reports ({len(base)} distinct, from {', '.join(map(str, source))}); "
              f"batch size {args.batch_size}")
        warm = Path(tmp) / "warm.db"
        pipeline.ingest_paths(source, f"sqlite:///{warm}", batch_size=args.batch_size)  # loads packs and data

        reports = list(read_reports(corpus))
        start = time.perf_counter()
        for _ in pipeline.extract_reports(reports):
            pass
        extract_only = n / (time.perf_counter() - start)
        results = {"sqlite": _time(pipeline, corpus, f"sqlite:///{Path(tmp) / 'bench.db'}", args.batch_size, n)}
        if args.pg:
            pg = _pg_schema(args.pg)
            if isinstance(pg, str) and pg.startswith("skip:"):
                print(f"postgresql: skipped ({pg[5:]})")
            else:
                url, drop = pg
                try:
                    results["postgresql"] = _time(pipeline, corpus, url, args.batch_size, n)
                finally:
                    drop()
    print(f"{'extraction':<11} {extract_only:8.0f} reports/s (no store: the ceiling for an ingest)")
    for backend, rate in results.items():
        print(f"{backend:<11} {rate:8.0f} reports/s")
    if results["sqlite"] < 500:
        print("below the 500 reports/s goal for SQLite", file=sys.stderr)
    return 0


def _time(pipeline: object, corpus: Path, url: str, batch_size: int, n: int) -> float:
    start = time.perf_counter()
    stats = pipeline.ingest_paths(corpus, url, batch_size=batch_size)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    assert stats.stored == n, f"stored {stats.stored} of {n}"
    return n / elapsed


def _pg_schema(url: str) -> object:
    """(url with a fresh schema on its search path, a function that drops it), or 'skip:reason'."""
    try:
        import psycopg
    except ImportError:
        return "skip:psycopg is not installed"
    name = f"osintrack_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
    except psycopg.Error as exc:
        return f"skip:no PostgreSQL server at {url}: {str(exc).strip().splitlines()[0]}"

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")

    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{name}", drop


if __name__ == "__main__":
    raise SystemExit(main())
