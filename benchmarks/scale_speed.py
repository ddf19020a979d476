"""Extraction throughput on 1 and 2 local workers and on Dask with 2 workers, with peak memory per worker.

    python benchmarks/scale_speed.py [--n 20000] [--corpus DIR] [--shard-size 2000]

Builds a synthetic corpus of ``--n`` reports with ``generate_corpus.py`` (from the project's own
examples; or reads ``.jsonl.gz`` shards already in ``--corpus DIR``), then runs, each in a fresh
subprocess so that no pass warms another's caches:

* ``local 1``: ``pipeline.extract_paths(..., workers=1)``: reading and extraction in one process;
* ``local 2``: the same with ``workers=2`` (``osintrack.scale``'s process pool, started in the timing);
* ``dask 2``: ``scale.extract_dask`` on a LocalCluster of 2 worker processes (1 thread each), writing
  Parquet; the cluster's start is timed apart (``start s``) and not counted in reports/s.

Reports/s is wall-clock over the whole pass, reading and writing included. Peak MiB per worker is
``ru_maxrss``: of the process itself (local 1), of the largest pool worker (local 2), of each Dask worker.
No test asserts a speed.
"""

from __future__ import annotations

import argparse
import json
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
        for name in PASSES:
            print(f"running {name} ...", flush=True)
            cmd = [sys.executable, __file__, "--pass", name, "--corpus", str(corpus)]
            done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"the {name} pass failed (exit {done.returncode})")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print()
    print(f"{'pass':8}  {'reports':>8}  {'start s':>7}  {'run s':>7}  {'reports/s':>9}  peak MiB per worker")
    for r in results:
        peaks = ", ".join(f"{p:,.0f}" for p in r["peaks_mib"])
        print(f"{r['name']:8}  {r['reports']:>8,}  {r['start_s']:>7.2f}  {r['run_s']:>7.2f}  "
              f"{r['reports'] / r['run_s']:>9,.1f}  {peaks}")
    return 0


def _mib(kib: float) -> float:
    return kib / 1024 / (1024 if sys.platform == "darwin" else 1)


def run_pass(name: str, corpus: Path) -> dict[str, Any]:
    from osintrack import pipeline, scale

    if name.startswith("local"):
        workers = int(name.split()[1])
        start = time.perf_counter()
        reports = pipeline.extract_paths([corpus], None, workers=workers)
        run_s = time.perf_counter() - start
        usage = resource.RUSAGE_SELF if workers == 1 else resource.RUSAGE_CHILDREN
        return {"name": name, "reports": reports, "start_s": 0.0, "run_s": run_s,
                "peaks_mib": [_mib(resource.getrusage(usage).ru_maxrss)]}
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client, tempfile.TemporaryDirectory(prefix="osintrack-dask-") as out:
        start_s = time.perf_counter() - start
        start = time.perf_counter()
        result = scale.extract_dask([corpus], Path(out) / "parquet", client=client)
        run_s = time.perf_counter() - start
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return {"name": name, "reports": result.reports, "start_s": start_s, "run_s": run_s,
            "peaks_mib": [_mib(p) for p in peaks.values()]}


if __name__ == "__main__":
    sys.exit(main())
