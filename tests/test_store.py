"""The incident store on SQLite and PostgreSQL: migrations, verbatim reports, idempotent and resumable
ingest (also after SIGKILL), readers that see whole batches only, and bad input that keeps what is stored.

The PostgreSQL variant runs against ``$OSINTRACK_TEST_PG`` (default
``postgresql://postgres@127.0.0.1:5432/test``) in a schema of its own per test, dropped afterwards; it
skips, saying why, only when no server answers there.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from osintrack import pipeline
from osintrack.ingest import read_reports
from osintrack.store import ReportConflict, dump_tables, iter_extractions, open_engine
from osintrack.store import schema as s
from osintrack.store.write import content_hash

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "reports"
PG_URL = os.environ.get("OSINTRACK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
OSINTRACK = [sys.executable, "-c", "from osintrack.cli import main; main()"]


def _pg_unavailable() -> str | None:
    """Why the PostgreSQL variant cannot run, or None when a server answers."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return f"no PostgreSQL server reachable at {PG_URL}: {str(exc).strip().splitlines()[0]}"
    return None


@contextmanager
def pg_schema(prefix: str = "osintrack_test") -> Iterator[str]:
    """A URL of the test PostgreSQL server with a schema of its own, dropped at the end; skips, saying
    why, when no server answers."""
    reason = _pg_unavailable()
    if reason is not None:
        pytest.skip(reason)
    import psycopg

    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own (dropped at teardown)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with pg_schema() as url:
        yield url


def make_corpus(path: Path, copies: int, *, bad_at: int | None = None) -> Path:
    """The bundled examples repeated ``copies`` times with unique ids, as one articles.jsonl; with
    ``bad_at``, the line with that 1-based number is broken JSON."""
    reports = list(read_reports(EXAMPLES))
    lines: list[str] = []
    for copy in range(copies):
        for report in reports:
            record = report.to_json()
            record["id"] = f"{copy:04d}/{report.id}"
            lines.append(json.dumps(record, ensure_ascii=False))
    if bad_at is not None:
        lines[bad_at - 1] = '{"id": "broken", "text": '
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def downgraded(engine: Engine, revision: str) -> Iterator[Any]:
    """The store taken down to schema ``revision`` (as an older osintrack left it), in one transaction whose
    connection the block may use before it commits; the next open migrates it up again."""
    from alembic import command
    from alembic.config import Config

    from osintrack.store.db import MIGRATIONS, writer

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writer(engine).begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        yield conn


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in s.TABLES}


def ingest(paths: Any, url: str, **kwargs: Any) -> pipeline.IngestStats:
    return pipeline.ingest_paths(paths, url, **kwargs)


# --- schema --------------------------------------------------------------------------------------

def test_migrations_create_exactly_the_schema(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = open_engine(db_url, create=True)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), s.metadata)
    assert diffs == [], "schema.py and the migrations disagree; write a migration"
    open_engine(db_url)  # opening again migrates nothing and fails nothing


def test_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    from osintrack.store import StoreError

    with pytest.raises(StoreError, match="unsupported database"):
        open_engine("mysql://x@localhost/db")
    with pytest.raises(StoreError, match="no such folder"):
        open_engine(f"sqlite:///{tmp_path}/missing/dir/x.db", create=True)


# --- ingest --------------------------------------------------------------------------------------

def test_reports_are_stored_verbatim_with_their_extraction(db_url: str) -> None:
    stats = ingest(EXAMPLES, db_url, batch_size=4)
    originals = {r.id: r for r in read_reports(EXAMPLES)}
    assert stats.stored == len(originals) == 14 and stats.batches == 4 and stats.known == 0
    expected = {x.id: x for x in pipeline.extract_reports(originals.values())}
    stored = list(iter_extractions(open_engine(db_url)))
    assert [r.id for r, _ in stored] == list(originals)  # store order is input order
    for report, extraction in stored:
        assert report.text == originals[report.id].text
        assert (report.published, report.lang, report.url) == (
            originals[report.id].published, originals[report.id].lang, originals[report.id].url)
        assert all(e.incident for e in extraction.events)
        plain = extraction.to_json()
        for event in plain["events"]:
            del event["incident"]
        assert plain == expected[report.id].to_json()
    engine = open_engine(db_url)
    with engine.connect() as conn:
        hashes = dict(conn.execute(select(s.reports.c.id, s.reports.c.content_hash)).all())
        batches = conn.execute(select(s.batches.c.id, s.batches.c.n_reports).order_by(s.batches.c.id)).all()
    assert hashes == {i: content_hash(r.text) for i, r in originals.items()}
    assert [tuple(b) for b in batches] == [(1, 4), (2, 4), (3, 4), (4, 2)]
    n = counts(engine)
    assert n["events"] == stats.events == n["merge_log"] and n["tallies"] == stats.tallies
    assert 0 < n["incidents"] <= n["events"]


def test_ingesting_again_changes_nothing(db_url: str) -> None:
    ingest(EXAMPLES, db_url, batch_size=5)
    before = dump_tables(open_engine(db_url), timestamps=True)
    stats = ingest(EXAMPLES, db_url, batch_size=3)
    assert (stats.stored, stats.known, stats.batches) == (0, 14, 0)
    assert dump_tables(open_engine(db_url), timestamps=True) == before


def test_a_stored_id_with_other_content_is_refused(db_url: str, tmp_path: Path) -> None:
    first = make_corpus(tmp_path / "a.jsonl", 1)
    ingest(first, db_url)
    before = dump_tables(open_engine(db_url), timestamps=True)
    lines = first.read_text(encoding="utf-8").splitlines()
    changed = json.loads(lines[2])
    changed["text"] += " Updated."
    lines[2] = json.dumps(changed, ensure_ascii=False)
    second = tmp_path / "b.jsonl"
    second.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ReportConflict, match=f"report '{changed['id']}' is already stored with a different text") \
            as info:
        ingest(second, db_url)
    assert info.value.path == str(second) and info.value.line == 3
    assert dump_tables(open_engine(db_url), timestamps=True) == before


def test_bad_input_keeps_earlier_batches_and_a_rerun_equals_a_clean_run(db_url: str, tmp_path: Path) -> None:
    bad = make_corpus(tmp_path / "bad.jsonl", 2, bad_at=12)
    with pytest.raises(pipeline.OsintrackError, match=r"bad\.jsonl:12: not valid JSON"):
        ingest(bad, db_url, batch_size=5)
    engine = open_engine(db_url)
    assert counts(engine)["batches"] == 2 and counts(engine)["reports"] == 10  # batches before line 12
    good = make_corpus(tmp_path / "bad.jsonl", 2)  # the same file, fixed
    stats = ingest(good, db_url, batch_size=5)
    assert stats.known == 10 and stats.stored == 18
    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    ingest(good, clean, batch_size=5)
    assert dump_tables(engine) == dump_tables(open_engine(clean))


def test_skip_bad_counts_and_goes_on(db_url: str, tmp_path: Path) -> None:
    bad = make_corpus(tmp_path / "bad.jsonl", 1, bad_at=3)
    skips = pipeline.SkipCounter()
    stats = ingest(bad, db_url, skip_bad=True, skips=skips)
    assert skips.counts == {"bad_json": 1} and stats.stored == 13


# --- killed and resumed; readers during an ingest ------------------------------------------------

def _start_ingest(corpus: Path, url: str, batch_size: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*OSINTRACK, "ingest", str(corpus), "--db", url, "--batch-size", str(batch_size)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_child_env())


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("OSINTRACK_DB", None)
    return env


def _reports_stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(s.reports)).scalar_one())


def _wait_for(predicate: Any, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.parametrize("copies", [150])  # 2,100 reports
def test_sigkill_mid_ingest_then_rerun_equals_a_clean_run(db_url: str, tmp_path: Path, copies: int) -> None:
    corpus = make_corpus(tmp_path / "articles.jsonl", copies)
    total = 14 * copies
    batch = 100
    child = _start_ingest(corpus, db_url, batch)
    engine = open_engine(db_url, create=True)
    try:
        _wait_for(lambda: _reports_stored(engine) >= 2 * batch or child.poll() is not None, "two batches")
        assert child.poll() is None, "the ingest finished before it could be killed; use a larger corpus"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    killed_at = _reports_stored(engine)
    assert 0 < killed_at < total and killed_at % batch == 0
    rerun = subprocess.run([*OSINTRACK, "ingest", str(corpus), "--db", db_url, "--batch-size", str(batch)],
                           capture_output=True, text=True, env=_child_env(), check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{killed_at} already stored" in rerun.stdout
    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    pipeline.ingest_paths(corpus, clean, batch_size=batch)
    resumed, uninterrupted = dump_tables(engine), dump_tables(open_engine(clean))
    for table in uninterrupted:
        assert resumed[table] == uninterrupted[table], f"table {table} differs after kill and resume"


def test_a_reader_during_ingest_sees_whole_batches_only(db_url: str, tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "articles.jsonl", 60)  # 840 reports
    total, batch = 14 * 60, 50
    expected_events = {x.id: len(x.events) for x in pipeline.extract_reports(read_reports(corpus))}
    engine = open_engine(db_url, create=True)
    child = _start_ingest(corpus, db_url, batch)
    seen: set[int] = set()
    snapshot = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    try:
        while True:
            done = child.poll() is not None
            # one snapshot: reports and events read in one transaction (PostgreSQL: repeatable read)
            with engine.connect().execution_options(**snapshot) as conn:
                with conn.begin():
                    n_reports = conn.execute(select(func.count()).select_from(s.reports)).scalar_one()
                    per_report = dict(conn.execute(
                        select(s.reports.c.id, func.count(s.events.c.idx))
                        .outerjoin(s.events, s.events.c.report_id == s.reports.c.id)
                        .group_by(s.reports.c.id)).all())
                    merges = conn.execute(select(func.count()).select_from(s.merge_log)).scalar_one()
            assert n_reports % batch == 0 or n_reports == total, f"saw {n_reports} reports: a partial batch"
            assert len(per_report) == n_reports
            assert all(per_report[i] == expected_events[i] for i in per_report), "a report without its events"
            assert merges == sum(per_report.values()), "events without their merge decisions"
            seen.add(n_reports)
            if done:
                break
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    assert child.returncode == 0, child.stderr.read().decode() if child.stderr else ""
    assert total in seen and len(seen) >= 3, f"the reader saw too few states ({sorted(seen)})"
