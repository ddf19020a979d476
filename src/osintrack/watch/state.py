"""The poller's state in the store (migration 0005): sources, articles, hosts' robots.txt.

An article's row is written in the transaction that stores its report (``articles_hook``), so that a
report is never stored without the row that says its URL was followed; rows of articles not stored
(duplicates, pages gone, failures) and the sources' new validators are written when a poll ends
(``save_poll``), so that a poll killed half-way is done again from its sources' old validators.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine, Table, func, select
from sqlalchemy.engine import Connection

from ..model import Report
from ..store import db_errors
from ..store import schema as s
from ..store.db import write_lock, writer
from .config import Source
from .http import Robots

STORED, DUPLICATE, GONE, UNUSABLE, FAILED = "stored", "duplicate", "gone", "unusable", "failed"
MAX_ATTEMPTS = 3  # polls that try a failing article before it is given up
_IN_CHUNK = 500  # URLs per IN (...) query


@dataclass(slots=True)
class SourceState:
    """A row of ``watch_sources``."""

    url: str
    parent: str | None = None
    name: str | None = None
    lang: str | None = None
    interval: int | None = None
    kind: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_status: int | None = None
    last_polled: dt.datetime | None = None
    last_success: dt.datetime | None = None
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    failures: int = 0
    next_poll: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """A row of ``watch_articles``: what became of one article URL."""

    url: str
    source_url: str
    status: str
    report_id: str | None = None
    content_hash: str | None = None
    http_status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    body: bytes | None = None  # gzip-compressed
    feed_published: str | None = None
    error: str | None = None
    attempts: int = 1
    fetched_at: dt.datetime | None = None


def register(engine: Engine, sources: Sequence[Source]) -> None:
    """Add the configured sources, or update their name, language and interval; their state stays."""
    rows = [{"url": src.url, "parent": None, "name": src.name, "lang": src.lang, "interval": src.interval,
             "failures": 0} for src in sources]
    with db_errors("register the sources"), writer(engine).begin() as conn:
        write_lock(conn)
        _upsert(conn, s.watch_sources, rows, update=("parent", "name", "lang", "interval"))


def load_sources(engine: Engine) -> dict[str, SourceState]:
    with db_errors("read the sources"), engine.connect() as conn:
        rows = conn.execute(select(s.watch_sources).order_by(s.watch_sources.c.url))
        found = {}
        for row in rows:
            values: dict[str, Any] = {k: _utc(v) if isinstance(v, dt.datetime) else v for k, v in row._asdict().items()}
            found[row.url] = SourceState(**values)
        return found


def known_articles(engine: Engine, urls: Iterable[str]) -> set[str]:
    """The URLs among ``urls`` not to fetch: done with, or failed ``MAX_ATTEMPTS`` times."""
    table = s.watch_articles
    done = (table.c.status != FAILED) | (table.c.attempts >= MAX_ATTEMPTS)
    return {url for (url,) in _rows_in(engine, [table.c.url], table.c.url, list(urls), done)}


def attempts_so_far(engine: Engine, urls: Iterable[str]) -> dict[str, int]:
    """How often each of ``urls`` failed before."""
    table = s.watch_articles
    return dict(_rows_in(engine, [table.c.url, table.c.attempts], table.c.url, list(urls), table.c.status == FAILED))


def stored_with_hashes(engine: Engine, hashes: Sequence[str]) -> dict[str, str]:
    """For each of ``hashes`` that the text of a stored article has, the report stored from that article."""
    table = s.watch_articles
    return dict(_rows_in(engine, [table.c.content_hash, table.c.report_id], table.c.content_hash, hashes,
                         table.c.status == STORED))


def _rows_in(engine: Engine, columns: Sequence[Any], key: Any, values: Sequence[str], *where: Any) -> list[Any]:
    """``columns`` of the articles whose ``key`` is one of ``values`` and that match ``where``."""
    rows: list[Any] = []
    with db_errors("read the articles"), engine.connect() as conn:
        for start in range(0, len(values), _IN_CHUNK):
            rows += conn.execute(select(*columns).where(key.in_(values[start:start + _IN_CHUNK]), *where))
    return rows


def load_robots(engine: Engine) -> dict[str, Robots]:
    with db_errors("read the hosts"), engine.connect() as conn:
        return {row.origin: Robots(row.robots_status, row.robots, _utc(row.fetched_at))
                for row in conn.execute(select(s.watch_hosts))}


def articles_hook(pending: Mapping[str, tuple[ArticleRow, Any]]) -> Any:
    """A ``pipeline.ingest_reports`` batch hook writing the rows of the batch's articles (``pending``
    by report id: each article's row, and what else the poll keeps with it)."""
    def write(conn: Connection, reports: Sequence[Report]) -> None:
        _upsert(conn, s.watch_articles, [asdict(pending[r.id][0]) for r in reports if r.id in pending])
    return write


def save_poll(engine: Engine, sources: Iterable[SourceState], articles: Iterable[ArticleRow],
              robots: Mapping[str, Robots], dropped: Iterable[str] = ()) -> None:
    """What a poll learnt, in one transaction: sources' state, articles not stored, hosts' robots.txt;
    ``dropped``: sitemaps their index no longer lists."""
    with db_errors("save the poll"), writer(engine).begin() as conn:
        write_lock(conn)
        _upsert(conn, s.watch_sources, [asdict(src) for src in sources])
        _upsert(conn, s.watch_articles, [asdict(row) for row in articles])
        _upsert(conn, s.watch_hosts, [{"origin": key, "robots_status": r.status, "robots": r.text,
                                       "fetched_at": r.fetched_at} for key, r in robots.items()])
        gone = list(dropped)
        if gone:
            conn.execute(s.watch_sources.delete().where(s.watch_sources.c.url.in_(gone)))


def source_report(engine: Engine) -> list[dict[str, Any]]:
    """Every source with its state and the count of its articles by status, sitemaps after their index."""
    table = s.watch_articles
    with db_errors("read the sources"), engine.connect() as conn:
        counts: dict[str, dict[str, int]] = {}
        for url, status, n in conn.execute(select(table.c.source_url, table.c.status, func.count())
                                           .group_by(table.c.source_url, table.c.status)):
            counts.setdefault(url, {})[status] = n
    states = load_sources(engine)
    ordered = sorted(states.values(), key=lambda st: (st.parent or st.url, st.parent is not None, st.url))
    out = []
    for state in ordered:
        row = asdict(state)
        for key in ("last_polled", "last_success", "last_error_at", "next_poll"):
            row[key] = row[key].isoformat(timespec="seconds") if row[key] is not None else None
        row["articles"] = counts.get(state.url, {})
        out.append(row)
    return out


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], update: Sequence[str] | None = None) -> None:
    """Insert ``rows``, or update the columns ``update`` (default: all) of those whose key exists."""
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    keys = [c.name for c in table.primary_key.columns]
    stmt = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    columns = update if update is not None else [c.name for c in table.columns if c.name not in keys]
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in columns}), rows)
