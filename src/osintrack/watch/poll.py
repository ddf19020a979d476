"""Polls: fetch the sources' listings, then each new article, and store the articles' reports through
``pipeline.ingest_reports`` (the path ``osintrack ingest`` takes), in the order the sources list them.

The order makes a poll repeatable: articles are handed to ingest in one order (hosts taking turns, each
host's articles in source order then listing order), whatever order their pages arrive in, so that a
poll killed after some batches and done again stores the same reports in the same batches as an
uninterrupted one. A broken source is recorded with its
error and tried again later; it never stops the others.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import gzip
import itertools
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .. import pipeline, scale
from ..errors import InputError
from ..ingest import check_record, html_record
from ..language import available_languages
from ..model import Extraction, Report
from ..scale import chunked, map_batches
from ..store import StoreError, WriterConflict, open_engine
from ..store.write import content_hash
from ..windows import extract_report
from . import state as st
from .config import Source, WatchConfig
from .feeds import Entry, FeedError, Listing, parse_listing
from .http import Answer, Client, EventLoop
from .urls import canonical_url, origin, report_id

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_HTML = ("text/html", "application/xhtml+xml")
RETRY_BASE = 60  # seconds before a failed source is asked again, doubled per failure up to its interval
WINDOW = 256  # article requests handed to the event loop ahead of the one being stored, at least
READ_BATCH = 16  # pages read and extracted (and looked up among the stored texts) together: a worker's task
# pages in flight to the workers, in store batches: storing a batch takes about as long as the workers take
# to read one; with 256 pages in flight, the workers stopped during each store and this process then waited
# for them (a third of a poll); with 100 kB pages, two batches of 500 hold about 100 MB
BATCHES_AHEAD = 2
WRITER_RETRIES = 5  # times a poll's ingest starts again after another writer committed


@dataclass(slots=True)
class PollStats:
    """What one poll did."""

    sources: int = 0  # listings asked for (sitemaps of an index included)
    unchanged: int = 0  # answered 304
    failed: int = 0  # listings that failed
    listed: int = 0  # article URLs listed, once each
    fetched: int = 0  # article pages asked for
    requests: int = 0  # HTTP requests sent (retries, redirects and robots.txt included)
    articles: Counter[str] = field(default_factory=Counter)  # by outcome: stored, duplicate, gone, ...
    events: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # "source: error", one per failed listing

    def line(self) -> str:
        outcomes = ", ".join(f"{n} {what}" for what, n in sorted(self.articles.items())) or "none"
        return (f"polled {self.sources} sources ({self.unchanged} unchanged, {self.failed} failed) in "
                f"{self.seconds:.1f} s: {self.listed} articles listed, {self.fetched} fetched; {outcomes}; "
                f"{self.events} events; {self.requests} requests")


@dataclass(frozen=True, slots=True)
class _Candidate:
    """An article a listing gave, not yet followed."""

    url: str  # canonical
    entry: Entry
    listing: st.SourceState  # the feed or sitemap that listed it
    lang: str | None


class Watcher:
    """Polls the configured sources into the store at ``db_url``; ``close`` it after use."""

    def __init__(self, config: WatchConfig, db_url: str, *, workers: int = 1,
                 batch_size: int = pipeline.DEFAULT_BATCH_SIZE) -> None:
        self.config, self.db_url, self.workers, self.batch_size = config, db_url, workers, batch_size
        self.engine = open_engine(db_url, create=True)  # watching is writing: the store is made if need be
        st.register(self.engine, config.sources)
        self._loop = EventLoop()
        robots = st.load_robots(self.engine)

        async def client() -> Client:  # built on its loop
            return Client(config.http, robots)

        self._client = self._loop.run(client())

    def close(self) -> None:
        self._loop.run(self._client.close())
        self._loop.close()
        self.engine.dispose()

    def due(self, now: dt.datetime | None = None) -> tuple[list[Source], float]:
        """The sources due for a poll, and the seconds until the next one is due after them."""
        now = now or _now()
        states = st.load_sources(self.engine)
        due, waits = [], []
        for source in self.config.sources:
            at = states[source.url].next_poll
            if at is None or at <= now:
                due.append(source)
                waits.append(float(source.interval))
            else:
                waits.append((at - now).total_seconds())
        return due, min(waits, default=float(RETRY_BASE))

    # --- a poll ---------------------------------------------------------------------------------

    def poll(self, sources: Sequence[Source], stop: threading.Event | None = None) -> PollStats:
        """Poll ``sources`` once (and the sitemaps their indexes list), storing every new article."""
        stop = stop or threading.Event()
        started, now, stats, sent = time.monotonic(), _now(), PollStats(), self._client.sent
        self._client.fetched_robots.clear()
        states = st.load_sources(self.engine)
        polled, listings, dropped = self._listings([states[s.url] for s in sources], states, now, stats)
        candidates = self._candidates(sources, polled, listings, stats)
        known = st.known_articles(self.engine, (c.url for c in candidates))
        # turns taken over every article listed, then those followed before left out: a poll done again
        # after a kill meets the rest in the same order
        todo = [c for c in _by_turns(candidates) if c.url not in known]
        attempts = st.attempts_so_far(self.engine, (c.url for c in todo))
        left = Counter(c.listing.url for c in todo)
        rows: list[st.ArticleRow] = []
        pending: dict[str, tuple[st.ArticleRow, Extraction]] = {}
        stats.events = self._ingest(self._reports(todo, attempts, now, stop, stats, rows, pending, left), pending,
                                    stats)
        for state in polled.values():  # an index is done when its sitemaps are
            if state.parent is not None and left[state.url]:
                left[state.parent] += 1
        done = [state for state in polled.values() if not left[state.url]]
        st.save_poll(self.engine, done, rows, self._client.fetched_robots,
                     [url for url in dropped if not left[states[url].parent or ""]])
        stats.seconds, stats.requests = time.monotonic() - started, self._client.sent - sent
        return stats

    def _listings(self, top: Sequence[st.SourceState], states: dict[str, st.SourceState], now: dt.datetime,
                  stats: PollStats) -> tuple[dict[str, st.SourceState], dict[str, Listing | None], list[str]]:
        """The sources polled (``top`` and the sitemaps their indexes list, in order) by URL, brought up to
        date; their listings (None where unchanged or failed); and the sitemaps no index lists any more."""
        polled = {state.url: state for state in top}
        listings = self._fetch_listings(top, now, stats)
        children: list[st.SourceState] = []
        dropped: list[str] = []
        for parent in top:
            listing = listings[parent.url]
            before = [s.url for s in states.values() if s.parent == parent.url]
            if (listing.kind if listing is not None else parent.kind) != "index":
                dropped += before
                continue
            urls = listing.children if listing is not None else before
            dropped += [url for url in before if url not in urls]
            for url in urls:
                if url in polled:
                    continue
                child = polled[url] = states.get(url) or st.SourceState(url=url)
                child.parent, child.name, child.lang, child.interval = (parent.url, parent.name, parent.lang,
                                                                         parent.interval)
                children.append(child)
        listings.update(self._fetch_listings(children, now, stats))
        return polled, listings, dropped

    def _fetch_listings(self, sources: Sequence[st.SourceState], now: dt.datetime,
                        stats: PollStats) -> dict[str, Listing | None]:
        futures = [self._loop.submit(self._client.get(s.url, etag=s.etag, last_modified=s.last_modified,
                                                      accept=FEED_ACCEPT)) for s in sources]
        found: dict[str, Listing | None] = {}
        for source, future in zip(sources, futures, strict=True):
            answer = future.result()
            stats.sources += 1
            found[source.url] = self._read_listing(source, answer, now, stats)
        return found

    def _read_listing(self, source: st.SourceState, answer: Answer, now: dt.datetime,
                      stats: PollStats) -> Listing | None:
        """The listing in ``answer`` (None when unchanged or failed), recording the outcome in ``source``."""
        source.last_polled, source.last_status = now, answer.status
        listing, error = None, answer.error
        if error is None and answer.status == 304:
            stats.unchanged += 1
        elif error is None and answer.ok:
            try:
                listing = parse_listing(answer.body, answer.final_url, answer.content_type,
                                        max_bytes=self.config.http.max_bytes)
            except FeedError as exc:
                error = exc.message
            else:
                source.kind, error = listing.kind, listing.problem
                # a listing read leniently is followed, but its validators are not kept: ask for all of it again
                source.etag = answer.headers.get("etag") if error is None else None
                source.last_modified = answer.headers.get("last-modified") if error is None else None
        elif error is None:
            error = f"HTTP {answer.status}" + (" (redirect without Location)" if answer.status in range(300, 400)
                                               else "")
        if error is None:
            source.last_success, source.last_error, source.failures = now, None, 0
            source.next_poll = now + dt.timedelta(seconds=source.interval or RETRY_BASE)
            return listing
        stats.failed += 1
        stats.errors.append(f"{source.name or source.url}: {error}")
        source.last_error, source.last_error_at, source.failures = error, now, source.failures + 1
        wait = min(source.interval or RETRY_BASE, RETRY_BASE * 2 ** (source.failures - 1))
        source.next_poll = now + dt.timedelta(seconds=wait * random.uniform(0.8, 1.2))
        return listing

    def _candidates(self, sources: Sequence[Source], polled: dict[str, st.SourceState],
                    listings: dict[str, Listing | None], stats: PollStats) -> list[_Candidate]:
        """The articles listed, each once, in source order then listing order (an index's sitemaps in its order)."""
        seen: set[str] = set()
        out: list[_Candidate] = []
        for source in sources:
            group = [polled[source.url]] + [s for s in polled.values() if s.parent == source.url]
            for state in group:
                listing = listings[state.url]
                for entry in listing.entries if listing is not None else ():
                    url = canonical_url(entry.url)
                    if url not in seen:
                        seen.add(url)
                        out.append(_Candidate(url, entry, state, source.lang or entry.lang))
        stats.listed = len(out)
        return out

    # --- articles -------------------------------------------------------------------------------

    def _pages(self, todo: Sequence[_Candidate], stop: threading.Event) -> Iterator[tuple[_Candidate, Answer]]:
        """Each candidate with its page, in order; up to a store batch of requests (``WINDOW`` at least)
        run ahead, so that pages are fetched while this process stores a batch."""
        window = max(WINDOW, self.batch_size)
        ahead: deque[tuple[_Candidate, concurrent.futures.Future[Answer]]] = deque()
        pending = iter(todo)
        try:
            while True:
                while len(ahead) < window and not stop.is_set():
                    candidate = next(pending, None)
                    if candidate is None:
                        break
                    ahead.append((candidate, self._loop.submit(self._client.get(candidate.entry.url,
                                                                                accept=PAGE_ACCEPT))))
                if not ahead or stop.is_set():
                    return
                candidate, future = ahead.popleft()
                yield candidate, future.result()
        finally:
            for _, future in ahead:
                future.cancel()

    def _reports(self, todo: Sequence[_Candidate], attempts: dict[str, int], now: dt.datetime,
                 stop: threading.Event, stats: PollStats, rows: list[st.ArticleRow],
                 pending: dict[str, tuple[st.ArticleRow, Extraction]], left: Counter[str]) -> Iterator[Report]:
        """The reports of the new articles, in order; the other articles' rows go to ``rows``, the
        stored ones' with their extractions to ``pending`` (by report id), and ``left`` counts down each
        listing's articles.

        Pages are compressed, read (trafilatura, language detection) and extracted by ``workers``
        processes once a poll brings enough of them to repay starting them (``scale.map_batches``), in
        this process otherwise: one task per batch of pages, so that a page crosses to a worker once and
        this process, which fetches, resolves and stores, does no more than that."""
        first_of: dict[str, str] = {}  # content hash -> report id, in this poll
        fetched = (self._fetched(candidate, answer, attempts.get(candidate.url, 0) + 1, now, stats, left)
                   for candidate, answer in self._pages(todo, stop))
        # a task no larger than a store batch: what is stored follows what is fetched closely
        task = min(READ_BATCH, self.batch_size)
        ahead = max(self.workers + 1, BATCHES_AHEAD * self.batch_size // task)
        # a poll with enough articles to repay a pool starts it with its first pages, so that the workers
        # warm up while the rest are fetched
        pooled = len(todo) >= scale.POOL_MIN_ITEMS
        for batch, read in map_batches(read_pages, chunked(fetched, task), self.workers if pooled else 1,
                                       min_items=0, ahead=ahead, apart=pooled):
            done = [_outcome(row, result) for (row, _), result in zip(batch, read, strict=True) if row is not None]
            stored = st.stored_with_hashes(self.engine, [row.content_hash for row, _ in done if row.content_hash])
            for row, result in done:
                if (result is not None and result.report is not None and result.extraction is not None
                        and row.content_hash is not None):
                    report = result.report
                    first = first_of.get(row.content_hash) or stored.get(row.content_hash)
                    if first is None:
                        first_of[row.content_hash] = report.id
                        pending[report.id] = row, result.extraction
                        yield report
                        continue
                    row = replace(row, status=st.DUPLICATE, report_id=first)
                stats.articles[row.status] += 1
                rows.append(row)

    def _fetched(self, candidate: _Candidate, answer: Answer, attempt: int, now: dt.datetime, stats: PollStats,
                 left: Counter[str]) -> tuple[st.ArticleRow | None, _PageTask | None]:
        """A fetched article's row, and the page to read when there is one (no row: robots.txt said no)."""
        stats.fetched += 1
        left[candidate.listing.url] -= 1
        if answer.disallowed:
            stats.articles["disallowed"] += 1
            return None, None
        row = st.ArticleRow(url=candidate.url, source_url=candidate.listing.url, status=st.FAILED,
                            http_status=answer.status, final_url=answer.final_url, content_type=answer.content_type,
                            feed_published=candidate.entry.published, attempts=attempt, fetched_at=now)
        status = answer.status or 0
        if answer.error is not None or not 200 <= status < 300:
            gone = answer.error is None and status in (404, 410)
            return replace(row, status=st.GONE if gone else st.FAILED, error=answer.error or f"HTTP {status}"), None
        kind = (answer.content_type or "text/html").split(";")[0].strip().lower()
        if kind not in _HTML:
            return replace(row, status=st.UNUSABLE, error=f"not an HTML page ({kind})",
                           body=answer.gzipped or _compressed(answer.body)), None
        return row, _PageTask(answer.body, answer.gzipped, candidate.url, candidate.entry.published, candidate.lang,
                              f"watch {candidate.listing.url}")

    def _ingest(self, reports: Iterator[Report], pending: dict[str, tuple[st.ArticleRow, Extraction]],
                stats: PollStats) -> int:
        """Store ``reports`` batch by batch with their articles' rows and the extractions the page readers
        made (``pending``, by report id); returns the number of events.

        When another writer commits meanwhile (a second watcher, ``POST /api/reports``), the reports not
        committed yet are handed to a new ingest, which sees what the other one wrote."""
        uncommitted: dict[str, Report] = {}
        write_rows = st.articles_hook(pending)
        events = 0

        def extracted(batch: Sequence[Report]) -> list[Extraction]:
            return [pending[report.id][1] for report in batch]

        def committed(conn: Any, batch: Sequence[Report]) -> None:
            write_rows(conn, batch)
            for report in batch:  # the pages of a large poll are not all held until its end
                uncommitted.pop(report.id, None)
                pending.pop(report.id, None)
                stats.articles[st.STORED] += 1

        def tracked(first: Iterable[Report]) -> Iterator[Report]:
            for report in itertools.chain(first, reports):
                uncommitted[report.id] = report
                yield report

        attempt = 0
        while True:
            again = list(uncommitted.values())
            uncommitted.clear()
            progress = pipeline.IngestStats()
            try:
                pipeline.ingest_reports(tracked(again), self.db_url, batch_size=self.batch_size, extracted=extracted,
                                        with_batch=committed, progress=_copy_to(progress))
                return events + progress.events
            except WriterConflict:
                attempt += 1
                if attempt > WRITER_RETRIES:
                    raise
                events += progress.events
                time.sleep(random.uniform(0.1, 1.0))


def _by_turns(candidates: Sequence[_Candidate]) -> list[_Candidate]:
    """The candidates with their hosts taking turns (the first article of each host, then the second of
    each, ...): the requests ahead of the one being stored then go to many hosts at once, though each
    host serves one at a time with a delay between two. The order depends only on the candidates."""
    hosts: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        hosts.setdefault(origin(candidate.url), []).append(candidate)
    turns = itertools.zip_longest(*hosts.values())
    return [candidate for turn in turns for candidate in turn if candidate is not None]


@dataclass(frozen=True, slots=True)
class _PageTask:
    """A page to read into a report (in a worker process, maybe)."""

    body: bytes
    gzipped: bytes | None  # as received, where it came compressed
    url: str  # canonical
    published: str | None  # the listing's date, for a page without one
    lang: str | None
    origin: str


@dataclass(frozen=True, slots=True)
class _Read:
    """A page read: its bytes compressed for the store, and its report and extraction or why it has none."""

    body: bytes  # gzip-compressed
    report: Report | None = None
    extraction: Extraction | None = None
    problem: str | None = None  # ``InputError``'s message


def read_pages(batch: list[tuple[Any, _PageTask | None]]) -> list[_Read | None]:
    """Each page read and extracted; None where there is no page. A module-level function: worker
    processes run it. A page later found to copy a stored text is extracted for nothing: copies are few."""
    packs = frozenset(available_languages())
    out: list[_Read | None] = []
    for _, task in batch:
        if task is None:
            out.append(None)
            continue
        body = task.gzipped or _compressed(task.body)
        try:
            report = check_record(html_record(task.body, task.url, report_id(task.url), url=task.url,
                                              published=task.published, lang=task.lang), packs)
        except InputError as exc:
            out.append(_Read(body, problem=exc.message))
            continue
        report = replace(report, origin=task.origin)
        out.append(_Read(body, report, extract_report(report)))
    return out


def _compressed(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def _outcome(row: st.ArticleRow, read: _Read | None) -> tuple[st.ArticleRow, _Read | None]:
    if read is None:
        return row, None
    row = replace(row, body=read.body)
    if read.report is not None:
        return replace(row, status=st.STORED, report_id=read.report.id,
                       content_hash=content_hash(read.report.text)), read
    return replace(row, status=st.UNUSABLE, error=read.problem), read


def _copy_to(target: pipeline.IngestStats) -> Callable[[pipeline.IngestStats], None]:
    def copy(stats: pipeline.IngestStats) -> None:
        target.events = stats.events
    return copy


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def watch(config: WatchConfig, db_url: str, *, once: bool = False, workers: int = 1,
          batch_size: int = pipeline.DEFAULT_BATCH_SIZE, stop: threading.Event | None = None,
          report: Callable[[PollStats], None] | None = None) -> list[PollStats]:
    """Poll every source once (``once``), or each when it is due until ``stop`` is set; ``report`` is
    called after each poll. Returns the polls' stats (the last ones, when running for long)."""
    stop = stop or threading.Event()
    watcher = Watcher(config, db_url, workers=workers, batch_size=batch_size)
    done: deque[PollStats] = deque(maxlen=100)
    try:
        while not stop.is_set():
            due, wait = (list(config.sources), 0.0) if once else watcher.due()
            if due:
                try:
                    stats = watcher.poll(due, stop)
                except StoreError as exc:  # a service outlives a store that fails once; --once reports it
                    if once:
                        raise
                    stats = PollStats(errors=[f"the poll stopped, tried again in {RETRY_BASE} s: {exc}"])
                    stop.wait(RETRY_BASE)
                done.append(stats)
                if report is not None:
                    report(stats)
                if once:
                    break
            else:
                stop.wait(max(wait, 0.5))
    finally:
        watcher.close()
    return list(done)
