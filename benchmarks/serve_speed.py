"""How fast the HTTP API answers over a large SQLite store: p50/p95/max latency of /api/incidents with
the dashboard's filters, sorts and a deep page, and the time of the whole-store routes the page loads.

    python benchmarks/serve_speed.py [--incidents 100000] [--requests 200] [--db out/bench-serve.db]

The store is built from the bundled example reports: they are ingested once, then their incidents are
copied (with new ids, dates spread over two years, places moved a little, weapons and statuses mixed)
until the store holds --incidents of them. The server is a real ``osintrack serve`` process; requests
come one at a time from this process over loopback, as a dashboard user's would.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from osintrack import pipeline
from osintrack.model import WEAPONS
from osintrack.store import open_engine
from osintrack.store import schema as s
from osintrack.store.write import summary_columns

REPO = Path(__file__).resolve().parents[1]
QUERIES: dict[str, dict[str, str]] = {
    "first page": {},
    "country": {"country": "IQ"},
    "country + weapon": {"country": "SY", "weapon": "drone"},
    "date window": {"since": "2024-03-01", "until": "2024-03-31"},
    "status + lang": {"status": "confirmed", "lang": "ar"},
    "actor substring": {"actor": "resistance"},
    "sort -killed": {"sort": "-killed"},
    "sort -date, country": {"sort": "-date", "country": "SY"},
    "deep page": {"offset": "50000"},
    "page of 1000": {"limit": "1000", "country": "IQ"},
}


def build_store(path: Path, n: int, seed: int = 7) -> None:
    """A store of ``n`` incidents copied from the example reports' own."""
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    pipeline.ingest_paths([REPO / "examples" / "reports"], url, workers=1)
    engine = open_engine(url)
    with engine.connect() as conn:
        models = [dict(row.fused) for row in conn.execute(select(s.incident_fused.c.fused))]
    rng = random.Random(seed)
    start = dt.date(2023, 10, 1)
    now = dt.datetime.now(dt.UTC)
    rows, records = [], []
    for i in range(n - len(models)):
        fused = dict(rng.choice(models))
        fused.update(incident_id=f"bench-{i:07d}", date=(start + dt.timedelta(days=rng.randrange(730))).isoformat(),
                     weapon=rng.choice(WEAPONS), status=rng.choice(("confirmed", "claimed", "reported")),
                     killed=rng.choice((None, None, 0, 1, 3)), injured=rng.choice((None, 0, 2, 5)))
        if fused.get("lat") is not None:
            fused.update(lat=fused["lat"] + rng.uniform(-0.5, 0.5), lon=fused["lon"] + rng.uniform(-0.5, 0.5))
        rows.append({**summary_columns(fused), "id": fused["incident_id"], "n_mentions": fused.get("sources") or 1,
                     "updated": now})
        records.append({"id": fused["incident_id"], "fused": fused})
    with engine.begin() as conn:
        for first in range(0, len(rows), 5000):
            conn.execute(insert(s.incidents), rows[first:first + 5000])
            conn.execute(insert(s.incident_fused), records[first:first + 5000])
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([sys.executable, "-c", "from osintrack.cli import main; main()", "serve", "--db", f"sqlite:///{db}",
                               "--port", str(port)], stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/config", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def timed(client: httpx.Client, path: str, params: dict[str, str]) -> float:
    began = time.perf_counter()
    response = client.get(path, params=params)
    elapsed = time.perf_counter() - began
    response.raise_for_status()
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per query")
    parser.add_argument("--db", type=Path, default=REPO / "out" / "bench-serve.db")
    parser.add_argument("--reuse", action="store_true", help="use the store at --db as it is")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        began = time.perf_counter()
        build_store(args.db, args.incidents)
        print(f"built {args.db} with {args.incidents:,} incidents in {time.perf_counter() - began:.0f} s")
    port = free_port()
    server = serve(args.db, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            total = client.get("/api/incidents", params={"limit": 1}).json()["total"]
            print(f"\n/api/incidents over {total:,} incidents, {args.requests} requests each (ms)")
            print(f"{'query':<18} {'p50':>7} {'p95':>7} {'max':>7}  matches")
            worst = 0.0
            for name, params in QUERIES.items():
                timed(client, "/api/incidents", params)  # warm the page cache
                times = sorted(timed(client, "/api/incidents", params) for _ in range(args.requests))
                p95 = times[int(0.95 * (len(times) - 1))]
                worst = max(worst, p95)
                matches = client.get("/api/incidents", params={**params, "limit": "1"}).json()["total"]
                print(f"{name:<18} {statistics.median(times):7.1f} {p95:7.1f} {times[-1]:7.1f}  {matches:,}")
            print(f"worst p95: {worst:.1f} ms (acceptance: <= 50 ms)")
            print("\nwhole-store routes the dashboard loads once (ms, best of 3)")
            for path in ("/api/incidents.geojson", "/api/stats", "/api/tallies"):
                best = min(timed(client, path, {}) for _ in range(3))
                response = client.get(path, headers={"accept-encoding": "gzip"})
                print(f"{path:<24} {best:8.0f}   {response.num_bytes_downloaded / 1e6:.1f} MB sent "
                      f"({len(response.content) / 1e6:.1f} MB of JSON)")
            print(json.dumps({"incidents": total, "worst_p95_ms": round(worst, 1)}))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
