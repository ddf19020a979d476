"""Opening a store: database URLs, engines (SQLite with WAL, PostgreSQL through psycopg 3), migrations.

``open_engine(url)`` returns an engine whose schema is at the newest Alembic revision: opening runs
``alembic upgrade head`` programmatically with the revisions shipped in ``store/migrations``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from ..errors import OsintrackError

DEFAULT_URL = "sqlite:///osintrack.db"
MIGRATIONS = Path(__file__).with_name("migrations")
# one number for every osintrack writer of a PostgreSQL database: pg_advisory_xact_lock serialises them
PG_LOCK_KEY = 0x05147_2ACC
_SQLITE_BUSY_MS = 30_000


class StoreError(OsintrackError):
    """The database cannot be opened, migrated, read or written."""

    code = "store"


class ReportConflict(StoreError):
    """A report id already stored with other content."""

    code = "report_conflict"


class WriterConflict(StoreError):
    """Another writer committed to the store since this one read where its numbering stands."""

    code = "writer_conflict"


def engine_url(url: str) -> str:
    """The SQLAlchemy URL for a user's ``url``: ``postgresql://`` and ``postgres://`` use psycopg 3.

    A bare file path (no ``://``) means a SQLite file.
    """
    if "://" not in url:
        return f"sqlite:///{url}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return url


def display_url(url: str) -> str:
    """``url`` with any password hidden, for messages."""
    try:
        return make_url(engine_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def open_engine(url: str = DEFAULT_URL, *, migrate_schema: bool = True) -> Engine:
    """An engine for ``url`` with the schema migrated to the newest revision."""
    target = engine_url(url)
    try:
        parsed = make_url(target)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}",
                         hint="e.g. sqlite:///osintrack.db or postgresql://user@host:5432/dbname") from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {backend!r} in {display_url(url)}",
                         hint="osintrack stores into SQLite (sqlite:///FILE) or PostgreSQL (postgresql://...)")
    try:
        if backend == "sqlite":
            engine = _sqlite_engine(target, parsed.database)
        else:
            engine = create_engine(target, pool_pre_ping=True)
        if migrate_schema:
            migrate(engine)
    except OperationalError as exc:
        raise StoreError(f"cannot open the database {display_url(url)}: {_first_line(exc)}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"database error on {display_url(url)}: {_first_line(exc)}") from exc
    return engine


def _sqlite_engine(target: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(f"no such folder for the SQLite file: {folder}")
    engine = create_engine(target)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Python's sqlite3 would open transactions on its own; we say BEGIN ourselves (below)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
        cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: a killed process loses no commit
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # a writer takes the write lock at BEGIN, so that what it read at the start stays true
        write = connection.get_execution_options().get("osintrack_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def write_lock(connection: Connection) -> None:
    """Inside a write transaction: wait until no other osintrack writer holds the database.

    SQLite's ``BEGIN IMMEDIATE`` (see ``_on_begin``) already did; PostgreSQL takes a transaction-level
    advisory lock, released at commit or rollback (also when the process dies).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def writer(engine: Engine) -> Engine:
    """The same engine, with connections that begin write transactions."""
    return engine.execution_options(osintrack_write=True)


def migrate(engine: Engine) -> None:
    """``alembic upgrade head`` on ``engine``, under the writers' lock."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writer(engine).begin() as connection:
        write_lock(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    message = str(orig if orig is not None else exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


@contextmanager
def db_errors(doing: str) -> Iterator[None]:
    """Turns a database failure into ``StoreError`` saying what was being done."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot {doing}: {_first_line(exc)}") from exc
