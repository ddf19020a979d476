"""osintrack watch against a news site on the loopback (``feedsite``): RSS, Atom, a sitemap index with
news sitemaps, pages in five languages; conditional requests, gzip, redirects, robots.txt, tracking
parameters, a story under two URLs, a page gone, a page without a date; broken sources (slow, 500 then
recovered, invalid XML, HTML, 50 MB) that never stop the others; two runs in a row; SIGKILL in the
middle of a poll; and a new article reaching ``/api/incidents`` while ``watch`` and ``serve`` run.

Nothing leaves the machine: every URL is on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from feedsite import Page, Site, article, atom, http_date, news_sitemap, rss, sitemap_index
from sqlalchemy import func, select
from test_store import OSINTRACK, REPO, pg_schema

from osintrack import scale
from osintrack.store import dump_tables, open_engine
from osintrack.store import schema as s
from osintrack.watch import HttpSettings, Source, SourcesError, WatchConfig, load_config, source_report, watch
from osintrack.watch.urls import canonical_url

FAST = {"delay": 0, "timeout": 2, "retries": 1, "backoff": 0.05}  # politeness the loopback does not need

# Stories of 2024, in our own words: (language, date, title, body).
STORIES = {
    "en-rockets": ("en", "2024-01-05", "Rockets fired at Ain al-Asad air base",
                   "Several rockets were fired at Ain al-Asad air base in western Iraq on Friday, a US defence "
                   "official said.\n\nNo American personnel were injured and the damage was minor, the official "
                   "added."),
    "en-erbil": ("en", None, "Drone shot down near Erbil",
                 "A drone was shot down as it approached Erbil air base in northern Iraq on Thursday, the US-led "
                 "coalition said.\n\nThere were no casualties, according to the statement."),
    "fr-harir": ("fr", "2024-01-11", "Une base américaine visée par un drone en Irak",
                 "Un drone a attaqué la base d'Al-Harir, dans le Kurdistan irakien, mercredi soir, a indiqué un "
                 "responsable américain.\n\nAucun blessé n'a été signalé."),
    "ar-tanf": ("ar", "2024-01-15", "هجوم بطائرة مسيرة على قاعدة التنف",
                "استهدفت طائرة مسيرة قاعدة التنف في سوريا يوم الأحد، بحسب ما أعلنه مسؤول أمريكي.\n\n"
                "ولم تقع أي إصابات في صفوف القوات."),
    "es-cohetes": ("es", "2024-01-19", "Cohetes contra una base en Irak",
                   "Varios cohetes impactaron el jueves en la base de Ain al Asad, en Irak, según informó el "
                   "Pentágono.\n\nNo hubo heridos."),
    "de-tower": ("de", "2024-01-30", "Drohnenangriff in Jordanien",
                 "Eine Drohne hat am Sonntag den Stützpunkt Tower 22 in Jordanien angegriffen, teilte das "
                 "US-Militär mit.\n\nDrei Soldaten wurden getötet."),
}
ERBIL_FEED_DATE = "2024-01-26"  # the page has no date: the feed's is the report's


def page(key: str, **kwargs: Any) -> Page:
    lang, day, title, body = STORIES[key]
    return Page(article(title, body, lang=lang, published=day), **kwargs)


def build_site(site: Site) -> None:
    """Three sources: an RSS feed, an Atom feed behind a permanent redirect, a sitemap index of two news
    sitemaps. Between them: a tracking-parameter link, a robots.txt-disallowed link, a page gone, one
    story under two URLs (one behind a redirect), and a page without a date. Two of the articles are on
    a second host (127.0.0.2) when the site has one."""
    u = site.url
    second = 2 if site.hosts > 1 else 1
    site.add("/robots.txt", Page(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
    for key in STORIES:
        site.add(f"/{key}", page(key))
    site.add("/amp/es-cohetes", page("es-cohetes"))
    site.add("/go/es-cohetes", Page(status=302, location="/es-cohetes"))
    site.add("/en/rss.xml", Page(rss([
        ("Rockets", u("/en-rockets?utm_source=rss&utm_medium=feed"), "2024-01-05"),
        ("Erbil", u("/en-erbil"), ERBIL_FEED_DATE),
        ("Embargoed", u("/private/draft"), "2024-01-26"),
        ("Removed", u("/en/removed"), "2024-01-20"),
    ]), content_type="application/rss+xml", etag='"en-1"'))
    site.add("/feeds/fr", Page(status=301, location="/fr/atom.xml"))
    site.add("/fr/atom.xml", Page(atom([("Harir", u("/fr-harir"), "2024-01-11"),
                                        ("Cohetes (AMP)", u("/amp/es-cohetes"), "2024-01-19"),
                                        ("Rockets", u("/en-rockets"), "2024-01-05")]),
                                  content_type="application/atom+xml", last_modified=http_date("2024-01-12")))
    site.add("/sitemap_index.xml", Page(sitemap_index([u("/sitemaps/ar.xml"), u("/sitemaps/es-de.xml")]),
                                        content_type="application/xml", etag='"index-1"'))
    site.add("/sitemaps/ar.xml", Page(news_sitemap([(u("/ar-tanf", second), "2024-01-15", "ar")]),
                                      content_type="application/xml", etag='"ar-1"'))
    site.add("/sitemaps/es-de.xml", Page(news_sitemap([(u("/go/es-cohetes"), "2024-01-19", "es"),
                                                       (u("/de-tower", second), "2024-01-30", "de")]),
                                         content_type="application/xml", last_modified=http_date("2024-01-30")))


def sources(site: Site) -> WatchConfig:
    return WatchConfig(sources=(Source(site.url("/en/rss.xml"), name="English wire", lang="en"),
                                Source(site.url("/feeds/fr"), name="Press review"),
                                Source(site.url("/sitemap_index.xml"), name="Sitemaps")),
                       http=HttpSettings(**FAST))


def write_sources(path: Path, site: Site, **http: Any) -> Path:
    config = sources(site)
    path.write_text(yaml.safe_dump({
        "http": {**FAST, **http},
        "sources": [{"url": src.url, **({"name": src.name} if src.name else {}),
                     **({"lang": src.lang} if src.lang else {})} for src in config.sources]}), encoding="utf-8")
    return path


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as served:
        build_site(served)
        yield served


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'watch.db'}"
        return
    with pg_schema("osintrack_watch") as url:
        yield url


def rows(url: str, table: Any) -> list[dict[str, Any]]:
    with open_engine(url).connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table))]


def articles(url: str) -> dict[str, dict[str, Any]]:
    return {row["url"]: row for row in rows(url, s.watch_articles)}


def count(url: str, table: Any) -> int:
    with open_engine(url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# --- one poll, every case of the site -------------------------------------------------------------------

def test_a_poll_stores_each_story_once(site: Site, db_url: str) -> None:
    (stats,) = watch(sources(site), db_url, once=True)
    u = site.url
    found = articles(db_url)
    stored = {url: row for url, row in found.items() if row["status"] == "stored"}
    # six stories in five languages, the Spanish one under its first URL only
    assert set(stored) == {u(p) for p in ("/en-rockets", "/en-erbil", "/fr-harir", "/ar-tanf", "/amp/es-cohetes",
                                          "/de-tower")}
    reports = {row["id"]: row for row in rows(db_url, s.reports)}
    assert {reports[r["report_id"]]["lang"] for r in stored.values()} == {"en", "fr", "ar", "es", "de"}
    assert stats.articles == {"stored": 6, "duplicate": 1, "gone": 1, "disallowed": 1}
    # the same story under a second URL, behind a redirect: fetched, recognised, not stored again
    duplicate = found[u("/go/es-cohetes")]
    assert duplicate["status"] == "duplicate" and duplicate["report_id"] == stored[u("/amp/es-cohetes")]["report_id"]
    assert duplicate["final_url"] == u("/es-cohetes")
    # a page gone is recorded, and never asked for again (below)
    assert found[u("/en/removed")]["status"] == "gone" and found[u("/en/removed")]["http_status"] == 404
    # tracking parameters: one article, fetched once, though listed by two feeds
    assert len(site.requests("/en-rockets?utm_source=rss&utm_medium=feed")) == 1
    assert not site.requests("/en-rockets")
    # robots.txt: read once, and its Disallow kept
    assert len(site.requests("/robots.txt")) == 1 and not site.requests("/private/draft")
    # a page without a date takes the feed's; a dated page keeps its own
    assert reports[stored[u("/en-erbil")]["report_id"]]["published"] == ERBIL_FEED_DATE
    assert reports[stored[u("/fr-harir")]["report_id"]]["published"] == "2024-01-11"
    # gzip: everything with a body came compressed, and the page is kept as received
    assert all(hit.gzipped for hit in site.requests() if hit.status == 200)
    kept = stored[u("/de-tower")]["body"]
    assert kept == site.requests("/de-tower")[0].sent and gzip.decompress(kept) == page("de-tower").body
    assert all(hit.headers["user-agent"].startswith("osintrack/") for hit in site.requests())
    # each report went through extraction and resolution: its events belong to incidents
    with open_engine(db_url).connect() as conn:
        linked = conn.execute(select(func.count()).select_from(s.events).where(s.events.c.incident_id.is_not(None)))
        assert linked.scalar_one() >= 5
    assert stats.events >= 5


def test_pages_read_by_a_worker_process_are_stored_as_pages_read_here(site: Site, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    here, apart = f"sqlite:///{tmp_path / 'here.db'}", f"sqlite:///{tmp_path / 'apart.db'}"
    watch(sources(site), here, once=True)
    monkeypatch.setattr(scale, "POOL_MIN_ITEMS", 0)  # a pool even for a few pages: one worker process reads them
    watch(sources(site), apart, once=True, workers=1)
    assert dump_tables(open_engine(apart)) == dump_tables(open_engine(here))


def test_the_second_run_sends_only_conditional_requests_and_stores_nothing(site: Site, db_url: str) -> None:
    watch(sources(site), db_url, once=True)
    before = dump_tables(open_engine(db_url))
    site.clear()
    (stats,) = watch(sources(site), db_url, once=True)
    hits = site.requests()
    # the redirect itself answers 301 whatever is asked; the feed behind it answers 304
    assert {hit.path for hit in hits} == {"/en/rss.xml", "/feeds/fr", "/fr/atom.xml", "/sitemap_index.xml",
                                         "/sitemaps/ar.xml", "/sitemaps/es-de.xml"}
    assert all(hit.conditional for hit in hits)
    assert all(hit.status == 304 for hit in hits if hit.path != "/feeds/fr")
    assert stats.unchanged == 5 and stats.fetched == 0 and not stats.articles
    after = dump_tables(open_engine(db_url))
    assert {k: v for k, v in after.items() if k != "watch_sources"} == \
           {k: v for k, v in before.items() if k != "watch_sources"}


def test_sources_remember_their_validators_and_children(site: Site, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    watch(sources(site), url, once=True)
    state = {row["url"]: row for row in source_report(open_engine(url))}
    assert state[site.url("/en/rss.xml")]["etag"] == '"en-1"'
    assert state[site.url("/feeds/fr")]["last_modified"] == http_date("2024-01-12")
    assert state[site.url("/feeds/fr")]["kind"] == "atom"
    assert state[site.url("/sitemap_index.xml")]["kind"] == "index"
    child = state[site.url("/sitemaps/es-de.xml")]
    assert child["parent"] == site.url("/sitemap_index.xml") and child["kind"] == "sitemap"
    assert child["name"] == "Sitemaps" and child["articles"] == {"stored": 1, "duplicate": 1}
    assert all(row["last_error"] is None and row["failures"] == 0 and row["next_poll"] for row in state.values())


def test_another_writer_committing_during_a_poll_loses_nothing(site: Site, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A report stored by someone else (``POST /api/reports``, a second watcher) while a poll runs, after
    its ingest began: the poll's ingest starts again with what it had not committed, and stores it all."""
    from osintrack import pipeline
    from osintrack.model import Report
    from osintrack.watch import poll

    url = f"sqlite:///{tmp_path / 'w.db'}"
    ingests: list[int] = []
    real = pipeline.ingest_reports

    def counted(*args: Any, **kwargs: Any) -> pipeline.IngestStats:
        ingests.append(1)
        return real(*args, **kwargs)

    def other_writer() -> None:  # while the first article is asked for: the poll's ingest has begun
        text = "A drone attacked the Al-Tanf garrison in southern Syria on Friday, a US official said."
        real([Report(id="posted", text=text, published="2024-06-14", lang="en")], url)

    monkeypatch.setattr(poll.pipeline, "ingest_reports", counted)
    site.pages["/en-rockets"].before = other_writer
    (stats,) = watch(sources(site), url, once=True, batch_size=2)
    assert stats.articles["stored"] == 6 and len(ingests) == 2
    assert count(url, s.reports) == 7
    assert sum(1 for row in articles(url).values() if row["status"] == "stored") == 6


# --- broken sources ---------------------------------------------------------------------------------

def test_broken_sources_are_recorded_and_never_stop_the_others(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with Site() as site:
        u = site.url
        site.add("/good.xml", Page(rss([("Harir", u("/fr-harir"), "2024-01-11")]), content_type="application/rss+xml"))
        site.add("/fr-harir", page("fr-harir"))
        site.add("/slow.xml", Page(rss([]), content_type="application/rss+xml", delay=4))
        site.add("/flaky.xml", Page(rss([("Tower", u("/de-tower"), "2024-01-30")]), content_type="application/rss+xml",
                                    failures=3))
        site.add("/de-tower", page("de-tower"))
        site.add("/broken.xml", Page(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item>'
                                     b"<title>A & B</titl></item>", content_type="application/rss+xml"))
        site.add("/page.html", Page(b"<!doctype html><html><body><p>Welcome to our site.</p></body></html>"))
        site.add("/huge.xml", Page(stream=50_000_000))
        names = ["good", "slow", "flaky", "broken", "page", "huge"]
        config = WatchConfig(sources=tuple(Source(u(f"/{n}.xml" if n != "page" else "/page.html"), name=n)
                                           for n in names),
                             http=HttpSettings(delay=0, timeout=1.5, retries=1, backoff=0.05, max_bytes=1_000_000))
        (first,) = watch(config, url, once=True)
        state = {row["name"]: row for row in source_report(open_engine(url))}
        assert first.failed == 5 and first.articles == {"stored": 1}
        assert state["good"]["last_error"] is None and state["good"]["articles"] == {"stored": 1}
        assert "within 1.5 s" in state["slow"]["last_error"]
        assert state["flaky"]["last_error"] == "HTTP 500" and state["flaky"]["last_status"] == 500
        assert len(site.requests("/flaky.xml")) == 2  # the first try and one retry
        assert "not well-formed XML" in state["broken"]["last_error"]
        assert "not an RSS or Atom feed" in state["page"]["last_error"]
        assert "over the limit of 1,000,000 bytes" in state["huge"]["last_error"]
        for name in names[1:]:
            assert state[name]["failures"] == 1 and state[name]["last_error_at"] and state[name]["next_poll"]
            assert state[name]["last_success"] is None
        # the next poll: the flaky source recovers (after one more 500) and its article is stored
        (second,) = watch(config, url, once=True)
        state = {row["name"]: row for row in source_report(open_engine(url))}
        assert state["flaky"]["last_error"] is None and state["flaky"]["failures"] == 0
        assert state["flaky"]["articles"] == {"stored": 1} and second.articles == {"stored": 1}
        assert state["slow"]["failures"] == 2


def test_the_client_keeps_connections_to_as_many_hosts_as_it_may_ask_at_once() -> None:
    """One connection per host, those of the hosts asked least lately closed beyond ``connections``."""
    from osintrack.watch.http import Client, EventLoop

    with Site(hosts=3) as site:
        site.add("/robots.txt", Page(b"User-agent: *\nDisallow:\n", content_type="text/plain"))
        site.add("/fr-harir", page("fr-harir"))
        loop = EventLoop()

        async def make() -> Client:
            return Client(HttpSettings(delay=0, timeout=2, retries=1, connections=2))

        client = loop.run(make())
        try:
            for host in (1, 2, 3, 1, 3, 2):
                assert loop.run(client.get(site.url("/fr-harir", host))).status == 200
                assert len(client._pools) <= 2
        finally:
            loop.run(client.close())
            loop.close()


def test_a_gzipped_page_is_kept_as_it_came_and_an_unasked_coding_is_refused() -> None:
    from osintrack.watch.http import Client, EventLoop

    with Site() as site:
        site.add("/zipped", page("fr-harir"))
        site.add("/plain", page("fr-harir", coding="identity"))
        site.add("/brotli", Page(b"\x0b\x02\x80hello\x03", coding="br"))
        loop = EventLoop()

        async def make() -> Client:
            return Client(HttpSettings(delay=0, timeout=2, retries=0))

        client = loop.run(make())
        try:
            zipped, plain, brotli = (loop.run(client.get(site.url(path))) for path in ("/zipped", "/plain", "/brotli"))
        finally:
            loop.run(client.close())
            loop.close()
    assert zipped.body == plain.body == page("fr-harir").body
    assert zipped.gzipped == site.requests("/zipped")[0].sent and plain.gzipped is None
    assert brotli.error == "the answer is in the content coding 'br', which was not asked for"
    assert all(hit.headers["accept-encoding"] == "gzip" for hit in site.requests())


# --- the command line: acceptance, kill and resume, end to end ----------------------------------------

def run(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OSINTRACK, *args], capture_output=True, text=True, timeout=120, cwd=REPO, **kwargs)


def test_watch_once_twice_from_the_command_line(tmp_path: Path) -> None:
    """The acceptance command, defaults and all (one second between two requests to a host)."""
    with Site() as site:
        u = site.url
        items = [("Tanf", u("/ar-tanf"), "2024-01-15"), ("Harir", u("/fr-harir"), "2024-01-11")]
        site.add("/feed.xml", Page(rss(items), content_type="application/rss+xml", etag='"1"',
                                   last_modified=http_date("2024-01-15")))
        for key in ("ar-tanf", "fr-harir"):
            site.add(f"/{key}", page(key))
        db = f"sqlite:///{tmp_path / 'x.db'}"
        first = run("watch", u("/feed.xml"), "--db", db, "--once")
        assert first.returncode == 0, first.stderr
        assert "2 stored" in first.stdout
        site.clear()
        second = run("watch", u("/feed.xml"), "--db", db, "--once")
        assert second.returncode == 0, second.stderr
        assert "1 unchanged" in second.stdout and "none;" in second.stdout
        assert [(hit.path, hit.status, hit.conditional) for hit in site.requests()] == [("/feed.xml", 304, True)]
        hit = site.requests()[0]
        assert hit.headers["if-none-match"] == '"1"' and hit.headers["if-modified-since"] == http_date("2024-01-15")
        listing = run("sources", "--db", db)
        assert listing.returncode == 0 and u("/feed.xml") in listing.stdout and "1 source" in listing.stdout


def test_sigkill_in_the_middle_of_a_poll_then_a_restart_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    with Site(hosts=2) as site:  # two hosts: their articles take turns, in the same order when done again
        build_site(site)
        for key in STORIES:  # slow pages, so that the kill lands between two batches of one
            site.pages[f"/{key}"].delay = 0.3
        sources_file = write_sources(tmp_path / "sources.yaml", site)
        whole = f"sqlite:///{tmp_path / 'whole.db'}"
        uninterrupted = run("watch", "--sources", str(sources_file), "--db", whole, "--once", "--batch-size", "1")
        assert uninterrupted.returncode == 0, uninterrupted.stderr
        killed = f"sqlite:///{tmp_path / 'killed.db'}"
        proc = subprocess.Popen([*OSINTRACK, "watch", "--sources", str(sources_file), "--db", killed, "--once",
                                 "--batch-size", "1"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if (tmp_path / "killed.db").exists() and _reports(killed) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the poll ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        stored_when_killed = _reports(killed)
        assert 2 <= stored_when_killed < 6
        again = run("watch", "--sources", str(sources_file), "--db", killed, "--once", "--batch-size", "1")
        assert again.returncode == 0, again.stderr
        assert f"{6 - stored_when_killed} stored" in again.stdout
        assert dump_tables(open_engine(killed)) == dump_tables(open_engine(whole))


def _reports(url: str) -> int:
    try:
        return count(url, s.reports)
    except Exception:  # noqa: BLE001 (the store is being created by the other process)
        return 0


def test_a_new_article_reaches_the_api_within_one_polling_interval(tmp_path: Path) -> None:
    interval = 3
    with Site() as site:
        u = site.url
        items = [("Tanf", u("/ar-tanf"), "2024-01-15")]
        site.add("/feed.xml", Page(rss(items), content_type="application/rss+xml", etag='"1"'))
        site.add("/ar-tanf", page("ar-tanf"))
        sources_file = tmp_path / "sources.yaml"
        sources_file.write_text(yaml.safe_dump({"http": FAST, "sources": [{"url": u("/feed.xml"), "name": "Feed"}]}))
        db = f"sqlite:///{tmp_path / 'live.db'}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        watcher = subprocess.Popen([*OSINTRACK, "watch", "--sources", str(sources_file), "--db", db, "--interval",
                                    str(interval)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=env)
        server = _serve(db)
        try:
            api = server["base"]
            deadline = time.monotonic() + 60
            while _get(api, "/api/incidents")["total"] < 1:
                assert time.monotonic() < deadline and watcher.poll() is None, "the first poll stored nothing"
                time.sleep(0.1)
            before = {item["id"] for item in _get(api, "/api/incidents")["items"]}
            # a new article appears on the site
            site.add("/de-tower", page("de-tower"))
            site.add("/feed.xml", Page(rss([("Tower", u("/de-tower"), "2024-01-30"), *items]),
                                       content_type="application/rss+xml", etag='"2"'))
            published = time.monotonic()
            while True:
                new = [item for item in _get(api, "/api/incidents")["items"] if item["id"] not in before]
                if new:
                    break
                assert time.monotonic() - published < interval + 30, "the new article never reached the API"
                time.sleep(0.1)
            elapsed = time.monotonic() - published
            assert new[0]["country"] == "JO" and new[0]["site"] == "Tower 22"
            assert elapsed < interval + 10, f"{elapsed:.1f} s for an interval of {interval} s"
            # it was stored by the next poll: the first request after it appeared that saw the new feed
            feeds = site.requests("/feed.xml")
            assert [hit.status for hit in feeds][-1] == 200 and len(site.requests("/de-tower")) == 1
            assert sum(1 for hit in feeds if hit.status == 200) == 2
            sources_now = _get(api, "/api/sources")["sources"]
            assert sources_now[0]["name"] == "Feed" and sources_now[0]["articles"] == {"stored": 2}
        finally:
            watcher.send_signal(signal.SIGTERM)
            out, err = watcher.communicate(timeout=30)
            server["stop"]()
        assert watcher.returncode == 0, err
        assert "SIGTERM: stopping" in err and out.count("polled 1 sources") >= 2


def _serve(db: str) -> dict[str, Any]:
    import socket
    import threading

    import uvicorn

    from osintrack.store import StoreError
    from osintrack.web import create_app

    deadline = time.monotonic() + 60
    while True:  # a read-only server refuses a store that does not exist yet: the watcher creates it
        try:
            app = create_app(db)
            break
        except StoreError:
            assert time.monotonic() < deadline, "the watcher never created its store"
            time.sleep(0.1)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return {"base": base, "stop": stop}


def _get(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.loads(response.read())


# --- sources.yaml and URLs ---------------------------------------------------------------------------

def test_the_shipped_example_matches_the_schema() -> None:
    config = load_config(REPO / "examples" / "sources.yaml")
    assert len(config.sources) >= 6
    assert len({src.lang for src in config.sources}) >= 4
    assert all(src.name and src.url.startswith("https://") for src in config.sources)


@pytest.mark.parametrize(("text", "line", "words"), [
    ("sources:\n  - url: https://example.org/feed\n    interval: 0\n", 3, "less than the minimum"),
    ("sources:\n  - url: ftp://example.org/feed\n", 2, "does not match"),
    ("sources:\n  - url: https://example.org/feed\n    langue: fr\n", 2, "'langue' was unexpected"),
    ("http:\n  delay: fast\nsources:\n  - url: https://example.org/feed\n", 2, "is not of type"),
    ("sources: []\n", 1, "has less than 1 item"),
    ("sources:\n  - url: [\n", 3, "not valid YAML"),
])
def test_a_bad_sources_file_names_its_line_and_key(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourcesError) as caught:
        load_config(path)
    assert f"{path}:{line}:" in str(caught.value) and words in str(caught.value)


def test_a_bad_sources_file_is_a_clear_command_line_error(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - url: https://example.org/feed\n    interval: soon\n", encoding="utf-8")
    result = run("watch", "--sources", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}", "--once")
    assert result.returncode == 1 and f"{path}:3" in result.stderr and "Traceback" not in result.stderr
    assert "interval" in result.stderr
    assert run("watch", "--db", f"sqlite:///{tmp_path / 'x.db'}").returncode == 2


def test_canonical_urls() -> None:
    assert canonical_url("HTTPS://News.Example.org:443/a/b?utm_source=rss&id=7&fbclid=x&b=&a=2#top") == \
        "https://news.example.org/a/b?a=2&b=&id=7"
    assert canonical_url("http://127.0.0.1:8080/x?gclid=1&utm_campaign=y") == "http://127.0.0.1:8080/x"
    assert canonical_url("http://example.org") == "http://example.org/"
    assert canonical_url("http://example.org/story?page=2&ref=home") == "http://example.org/story?page=2&ref=home"
