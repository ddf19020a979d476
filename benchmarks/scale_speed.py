"""Extraction throughput on 1 and 2 local workers and on Dask with 2 workers, with peak memory per worker.

    python benchmarks/scale_speed.py [--n 20000] [--corpus DIR] [--shard-size 2000] [--only PASS]

Builds a synthetic corpus of ``--n`` reports with ``generate_corpus.py`` (from the project's own
examples; or reads ``.jsonl.gz`` shards already in ``--corpus DIR``), then runs, each in a fresh
subprocess so that no pass warms another's caches:

* ``local 1``: ``pipeline.extract_paths(..., workers=1)``: reading, extraction, JSON encoding and writing
  the output file, all in one process (the single-core baseline);
* ``local 2``: the same with ``workers=2`` (``scale.extract_sharded``: the pool is started in the timing;
  workers read their own shards and send back finished lines, this process writes them);
* ``dask 2``: ``dask_engine.extract_dask`` on a LocalCluster of 2 worker processes (1 thread each),
  writing Parquet; the cluster's start is timed apart (``start s``) and not counted in reports/s.

Reports/s is wall-clock over the whole pass, reading and writing included. ``parent CPU s`` is the CPU
time of the process that hands out the work (for ``local 1`` it does everything); ``all CPU s`` adds the
workers' (for Dask: the workers' whole life, start included). With N cores free, reports/s can reach
about N x reports / all CPU s; ``load`` is the 1-minute load average when the pass ended (other work on
the machine). Peak MiB per worker is
``ru_maxrss``: of the process itself (local 1), of the largest pool worker (local 2), of each Dask worker.
No test asserts a speed. The machine is often shared: run it twice, and look at ``uptime``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PASSES = ("local 1", "local 2", "dask 2")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="synthetic reports (default 20,000)")
    parser.add_argument("--corpus", type=Path, help="a folder of .jsonl.gz shards to use instead of generating")
    parser.add_argument("--shard-size", type=int, default=2_000, help="reports per generated shard (default 2,000)")
    parser.add_argument("--only", action="append", choices=PASSES, help="run only this pass (repeatable)")
    parser.add_argument("--pass", dest="run_pass", choices=PASSES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_pass:
        print(json.dumps(run_pass(args.run_pass, args.corpus)))
        return 0
    with tempfile.TemporaryDirectory(prefix="osintrack-scale-") as tmp:
        corpus = args.corpus
        if corpus is None:
            from generate_corpus import generate

            corpus = Path(tmp) / "corpus"
            shards = generate(corpus, args.n, args.shard_size)
            print(f"generated {args.n:,} reports in {shards} shards from examples/reports")
        results = []
        for name in args.only or PASSES:
            print(f"running {name} ...", flush=True)
            cmd = [sys.executable, __file__, "--pass", name, "--corpus", str(corpus)]
            done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"the {name} pass failed (exit {done.returncode})")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print()
    print(f"{'pass':8}  {'reports':>8}  {'start s':>7}  {'run s':>7}  {'reports/s':>9}  {'parent CPU s':>12}  "
          f"{'all CPU s':>9}  {'load':>4}  peak MiB per worker")
    for r in results:
        peaks = ", ".join(f"{p:,.0f}" for p in r["peaks_mib"])
        print(f"{r['name']:8}  {r['reports']:>8,}  {r['start_s']:>7.2f}  {r['run_s']:>7.2f}  "
              f"{r['reports'] / r['run_s']:>9,.1f}  {r['parent_cpu_s']:>12.2f}  {r['cpu_s']:>9.2f}  "
              f"{r['load']:>4.1f}  {peaks}")
    base = next((r for r in results if r["name"] == "local 1"), None)
    if base is not None:
        for r in results:
            if r is not base:
                print(f"{r['name']} / local 1: {base['run_s'] / r['run_s']:.2f}x")
    return 0


def _mib(kib: float) -> float:
    return kib / 1024 / (1024 if sys.platform == "darwin" else 1)


def run_pass(name: str, corpus: Path) -> dict[str, Any]:
    from osintrack import dask_engine, pipeline

    if name.startswith("local"):
        workers = int(name.split()[1])
        with tempfile.TemporaryDirectory(prefix="osintrack-local-") as out:
            start, cpu = time.perf_counter(), time.process_time()
            reports = pipeline.extract_paths([corpus], Path(out) / "out.jsonl", workers=workers)
            run_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu
        usage = resource.RUSAGE_SELF if workers == 1 else resource.RUSAGE_CHILDREN
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"name": name, "reports": reports, "start_s": 0.0, "run_s": run_s, "parent_cpu_s": cpu_s,
                "cpu_s": cpu_s + children.ru_utime + children.ru_stime, "load": os.getloadavg()[0],
                "peaks_mib": [_mib(resource.getrusage(usage).ru_maxrss)]}
    start = time.perf_counter()  # the LocalCluster that `osintrack extract --engine dask --workers 2` starts
    with dask_engine.dask_client(workers=2) as client, tempfile.TemporaryDirectory(prefix="osintrack-dask-") as out:
        start_s = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        result = dask_engine.extract_dask([corpus], Path(out) / "parquet", client=client)
        run_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu
        usages = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF)[:3])  # utime, stime, maxrss
    return {"name": name, "reports": result.reports, "start_s": start_s, "run_s": run_s, "parent_cpu_s": cpu_s,
            "cpu_s": cpu_s + sum(u[0] + u[1] for u in usages.values()), "load": os.getloadavg()[0],
            "peaks_mib": [_mib(u[2]) for u in usages.values()]}


if __name__ == "__main__":
    sys.exit(main())
