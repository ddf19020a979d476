"""How fast osintrack watch polls feeds and stores their articles, against a news site on the loopback.

    python benchmarks/watch_speed.py [--feeds 1000] [--articles 20000] [--hosts 20] [--workers 1 2]

A server process (uvicorn) serves ``--feeds`` RSS feeds and ``--articles`` article pages, spread over
``--hosts`` loopback addresses (127.0.0.1, 127.0.0.2, ...: one host each to the poller's politeness),
every feed listing ``articles / feeds`` pages of its own host, with ETags, gzip and a robots.txt. The
pages are ``generate_corpus.py``'s synthetic reports (the bundled examples varied), each inside an HTML
page with navigation and a footer. For each ``--workers`` value a fresh process runs two polls of every
feed into a new SQLite store with ``osintrack.watch.watch(once=True)``:

1. all new: every article fetched, extracted by trafilatura and osintrack, resolved and stored;
2. unchanged: every feed answers 304 to a conditional request.

It prints feeds polled per second and articles stored per second for each poll, the poll's time, and
the peak memory of the process and its worker processes. For scale, ``osintrack ingest``
(``pipeline.ingest_paths``) stores the same pages saved as HTML files, in a process of its own just after
each ``watch`` pass (the ratio of the two rates is printed), and the same reports as JSON lines.
The poller waits no delay between two requests to a host here (``http.delay: 0``): on the loopback only.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=20, help="loopback addresses the feeds are spread over")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: run the server on this corpus
    parser.add_argument("--pass", dest="run_pass", nargs=3, metavar=("KIND", "WORKERS", "DB"),
                        help=argparse.SUPPRESS)  # internal: one measured pass in a fresh process
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        return serve(args.serve, args.feeds, args.hosts)
    if args.run_pass is not None:
        kind, workers, db = args.run_pass
        result = watch_pass(args, int(workers), db) if kind == "watch" else ingest_pass(args, int(workers), db)
        print(json.dumps(result))
        return 0
    return run(args)


# --- the conductor ----------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    from generate_corpus import generate

    if args.articles < args.feeds or args.hosts < 1 or args.hosts > 250:
        print("--articles must be at least --feeds, and --hosts 1 to 250", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        generate(corpus, args.articles, 10_000)
        write_pages(corpus, Path(tmp) / "pages")
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(Path(tmp) / "pages"),
                                   "--feeds", str(args.feeds),
                                   "--hosts", str(args.hosts)], stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            print(f"{args.feeds:,} feeds and {args.articles:,} articles on {args.hosts} loopback hosts, port {port}; "
                  f"{os.cpu_count()} cores")
            rows = []
            for workers in args.workers:  # each watch pass beside the ingest of the same pages: the machine's
                db = f"sqlite:///{Path(tmp) / f'watch-{workers}.db'}"  # speed drifts, their ratio less
                served = _cpu_seconds_of(server.pid)
                rows.append(("watch", workers, _pass(args, "watch", workers, db, port)))
                rows[-1][2]["server_cpu_s"] = _cpu_seconds_of(server.pid) - served
                db = f"sqlite:///{Path(tmp) / f'ingest-pages-{workers}.db'}"
                rows.append(("ingest", workers, _pass(args, "ingest", workers, db, port, Path(tmp) / "pages")))
            for workers in args.workers:
                db = f"sqlite:///{Path(tmp) / f'ingest-texts-{workers}.db'}"
                rows.append(("ingest", workers, _pass(args, "ingest", workers, db, port, corpus)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print()
    print(f"{'run':<26} {'workers':>7} {'s':>7} {'feeds/s':>8} {'articles/s':>10} {'stored':>7} {'CPU s':>7} "
          f"{'per CPU s':>9} {'peak MiB':>9}")
    for kind, workers, result in rows:
        for poll in result["polls"]:
            per_cpu = poll["stored"] / poll["cpu_s"] if poll["cpu_s"] else 0.0
            print(f"{kind + ' ' + poll['what']:<26} {workers:>7} {poll['seconds']:>7.1f} "
                  f"{poll.get('feeds_per_s', 0):>8.0f} {poll['articles_per_s']:>10.0f} {poll['stored']:>7,} "
                  f"{poll['cpu_s']:>7.1f} {per_cpu:>9.0f} {result['peak_mib']:>9.0f}")
    for workers in args.workers:
        watched, ingested = (result["polls"][0]["articles_per_s"] for kind, w, result in rows[:2 * len(args.workers)]
                             if w == workers)
        print(f"with {workers} worker(s), watch stores new articles at {watched / ingested:.0%} of the rate of "
              "ingest of the same pages, run just after it")
    served = [(workers, result["server_cpu_s"]) for kind, workers, result in rows if "server_cpu_s" in result]
    print("CPU s: the pass's own processes (user + system, its workers included), not the test server's; "
          "the server took " + ", ".join(f"{cpu:.0f} s during the watch pass with {w} worker(s)" for w, cpu in served)
          + f", of the {os.cpu_count()} cores the passes share with it.")
    return 0


def _pass(args: argparse.Namespace, kind: str, workers: int, db: str, port: int, corpus: Path | None = None) -> Any:
    """One measured pass in a fresh process, so that each pass's peak memory is its own."""
    command = [sys.executable, __file__, "--pass", kind, str(workers), db, "--feeds", str(args.feeds),
               "--articles", str(args.articles), "--hosts", str(args.hosts), "--port", str(port)]
    if corpus is not None:
        command += ["--corpus", str(corpus)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} pass with {workers} workers failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for poll in result["polls"]:
        print(f"  {kind} {poll['what']}, {workers} worker(s): {poll['seconds']:.1f} s, {poll['stored']:,} stored "
              f"{poll.get('outcomes', '')}", flush=True)
    return result


# --- the measured passes ----------------------------------------------------------------------------

def watch_pass(args: argparse.Namespace, workers: int, db: str) -> dict[str, Any]:
    from osintrack.watch import HttpSettings, Source, WatchConfig, watch

    _warm_up()
    feeds = tuple(Source(f"http://127.0.0.{1 + i % args.hosts}:{args.port}/feeds/{i}.xml", name=f"feed {i}")
                  for i in range(args.feeds))
    config = WatchConfig(sources=feeds, http=HttpSettings(delay=0, timeout=60, retries=1,
                                                         connections=min(args.hosts, 32)))
    polls = []
    for what in ("all new", "unchanged"):
        start, cpu = time.perf_counter(), _own_cpu_seconds()
        (stats,) = watch(config, db, once=True, workers=workers)
        seconds, cpu = time.perf_counter() - start, _own_cpu_seconds() - cpu
        if stats.failed:
            raise SystemExit(f"{stats.failed} feeds failed: {stats.errors[:3]}")
        polls.append({"what": what, "seconds": seconds, "feeds_per_s": stats.sources / seconds,
                      "articles_per_s": stats.articles["stored"] / seconds, "stored": stats.articles["stored"],
                      "outcomes": dict(stats.articles), "requests": stats.requests, "cpu_s": cpu})
    return {"polls": polls, "peak_mib": _peak_mib()}


def ingest_pass(args: argparse.Namespace, workers: int, db: str) -> dict[str, Any]:
    from osintrack import pipeline

    _warm_up()
    pages = args.corpus.name == "pages"
    start, cpu = time.perf_counter(), _own_cpu_seconds()
    stats = pipeline.ingest_paths([args.corpus], db, workers=workers)
    seconds, cpu = time.perf_counter() - start, _own_cpu_seconds() - cpu
    return {"polls": [{"what": "(the HTML pages)" if pages else "(the texts, JSON lines)", "seconds": seconds,
                       "articles_per_s": stats.stored / seconds, "stored": stats.stored, "cpu_s": cpu}],
            "peak_mib": _peak_mib()}


def _warm_up() -> None:
    """Imports, trafilatura, and every example language's pack, lexicon and gazetteer loaded before the
    clock starts."""
    from osintrack.ingest import html_record, read_reports
    from osintrack.pipeline import extract_reports

    html_record(_page("Warm-up", "Rockets hit a base in Iraq on Monday, an official said.", "2024-01-01"), "-", "w")
    list(extract_reports(read_reports([REPO / "examples" / "reports"])))


def _own_cpu_seconds() -> float:
    """User and system CPU time of this process and of its workers that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _cpu_seconds_of(pid: int) -> float:
    """User and system CPU time of another process so far (Linux /proc; 0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14, 15


def _peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024  # kilobytes on Linux; the largest worker, not their sum


# --- the server ---------------------------------------------------------------------------------------

def _page(title: str, text: str, published: str | None) -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>{meta}</head>'
            '<body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a>'
            '</nav></header><main><article><h1>' + html.escape(title) + f"</h1>{body}</article></main>"
            '<aside><ul><li><a href="/x">Markets</a></li><li><a href="/y">Weather</a></li></ul></aside>'
            "<footer>All rights reserved.</footer></body></html>").encode()


def write_pages(corpus: Path, out: Path) -> None:
    """Article K of the corpus as the page ``out/K.html``."""
    from osintrack.ingest import read_reports

    out.mkdir()
    for k, report in enumerate(read_reports(sorted(corpus.glob("*.jsonl.gz")))):
        title = f"Dispatch {k}: " + report.text.split(".")[0][:90]  # no two pages alike: none is a duplicate
        (out / f"{k}.html").write_bytes(_page(title, report.text, report.published))


def serve(folder: Path, feeds: int, hosts: int) -> int:
    """Serve the pages of ``folder``: /feeds/I.xml lists the articles K with K mod feeds == I, /a/K is K.html."""
    import uvicorn

    pages: dict[str, tuple[bytes, bytes]] = {}
    listed: dict[int, list[int]] = {}
    for path in folder.glob("*.html"):
        k = int(path.stem)
        pages[f"/a/{k}"] = _both(path.read_bytes())
        listed.setdefault(k % feeds, []).append(k)
    sockets = _sockets(hosts)
    port = sockets[0].getsockname()[1]
    for i, items in listed.items():
        host = f"http://127.0.0.{1 + i % hosts}:{port}"
        entries = "".join(f"<item><title>Story {k}</title><link>{host}/a/{k}</link>"
                          f"<guid>{host}/a/{k}</guid></item>" for k in sorted(items))
        feed = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {i}</title>'
                f"<link>{host}/</link><description>Feed {i}</description>{entries}</channel></rss>").encode()
        pages[f"/feeds/{i}.xml"] = _both(feed)
    pages["/robots.txt"] = _both(b"User-agent: *\nDisallow: /private/\n")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        headers = dict(scope["headers"])
        found = pages.get(path)
        if found is None:
            await _answer(send, 404, b"not found", [])
            return
        etag = f'"{path}-v1"'.encode()
        if headers.get(b"if-none-match") == etag:
            await _answer(send, 304, b"", [(b"etag", etag)])
            return
        zipped = b"gzip" in headers.get(b"accept-encoding", b"")
        kind = b"application/rss+xml" if path.endswith(".xml") else b"text/html; charset=utf-8"
        extra = [(b"etag", etag), (b"content-type", kind)] + ([(b"content-encoding", b"gzip")] if zipped else [])
        await _answer(send, 200, found[1] if zipped else found[0], extra)

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    print(port, flush=True)
    uvicorn.Server(config).run(sockets=sockets)
    return 0


def _both(body: bytes) -> tuple[bytes, bytes]:
    return body, gzip.compress(body, compresslevel=6)


async def _answer(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _sockets(hosts: int) -> list[socket.socket]:
    """One listening socket per loopback address 127.0.0.1 ... 127.0.0.HOSTS, all on one free port."""
    first = _tcp_socket()
    first.bind(("127.0.0.1", 0))
    port = first.getsockname()[1]
    out = [first]
    for n in range(2, hosts + 1):
        sock = _tcp_socket()
        sock.bind((f"127.0.0.{n}", port))
        out.append(sock)
    for sock in out:
        sock.listen(1024)
    return out


def _tcp_socket() -> socket.socket:
    """A socket asyncio recognises as TCP (protocol given, not 0), so that it turns Nagle's algorithm off
    on the connections it accepts: with it on, a keep-alive answer's body waits for the client's delayed
    ACK of its headers, 40 ms per request on Linux, and the benchmark measured that wait."""
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)


if __name__ == "__main__":
    sys.exit(main())

