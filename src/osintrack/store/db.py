"""Opening a store: database URLs, engines (SQLite with WAL, PostgreSQL through psycopg 3), migrations.

``open_engine(url)`` returns an engine whose schema is at the newest Alembic revision: opening runs
``alembic upgrade head`` programmatically with the revisions shipped in ``store/migrations``. Only a
writer creates a store (``create=True``); reading one that does not exist is an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
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


URL_HINT = "a SQLite file is sqlite:///PATH (sqlite:////PATH when the path is absolute); PostgreSQL is " \
           "postgresql://USER@HOST:PORT/DB"


def engine_url(url: str) -> str:
    """The SQLAlchemy URL for a user's ``url``: ``postgresql://`` and ``postgres://`` use psycopg 3.

    A value without a scheme is refused (``StoreError``): taken for a SQLite file name, a typo would
    become a new, empty database."""
    if "://" not in url:
        raise StoreError(f"not a database URL: {url!r}", hint=f"{URL_HINT}; e.g. sqlite:///{url}")
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return url


def display_url(url: str) -> str:
    """``url`` with any password hidden, for messages."""
    try:
        return make_url(engine_url(url)).render_as_string(hide_password=True)
    except (ArgumentError, StoreError):
        return url


# what osintrack connects with; another driver named in a URL is not installed with it
_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}


def open_engine(url: str = DEFAULT_URL, *, create: bool = False) -> Engine:
    """An engine on the osintrack store at ``url``, its schema migrated to the newest revision.

    Reading never creates a store: without ``create``, a missing SQLite file or a database without
    osintrack's tables is a ``StoreError`` that names it. ``open_store`` also says whether it created one."""
    return open_store(url, create=create)[0]


def open_store(url: str = DEFAULT_URL, *, create: bool = False) -> tuple[Engine, bool]:
    """``(engine, created)``: ``open_engine``, and whether the store was created by this call."""
    target = engine_url(url)
    try:
        parsed = make_url(target)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}", hint=URL_HINT) from exc
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend not in _DRIVERS:
        raise StoreError(f"unsupported database {backend!r} in {display_url(url)}",
                         hint="osintrack stores into SQLite (sqlite:///FILE) or PostgreSQL (postgresql://...)")
    if driver != _DRIVERS[backend]:
        plain = make_url(f"{backend}://{url.split('://', 1)[1]}").render_as_string(hide_password=True)
        raise StoreError(f"osintrack reaches {backend} through {_DRIVERS[backend]}, not {driver} "
                         f"(in {display_url(url)})", hint=f"leave the driver out: {plain}")
    try:
        if backend == "sqlite":
            engine = _sqlite_engine(target, parsed.database, create)
        else:
            engine = create_engine(target, pool_pre_ping=True)
        existed = _holds_a_store(engine)
        if not existed and not create:
            engine.dispose()
            raise StoreError(f"{display_url(url)} holds no osintrack store (it has none of its tables)",
                             hint="check the URL, or store reports into it with osintrack ingest")
        migrate(engine)
    except OperationalError as exc:
        raise StoreError(f"cannot open the database {display_url(url)}: {_first_line(exc)}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"database error on {display_url(url)}: {_first_line(exc)}") from exc
    return engine, not existed


def _holds_a_store(engine: Engine) -> bool:
    """Whether the database holds osintrack's tables (Alembic's version table, which the first migration
    writes)."""
    with engine.connect() as conn:
        return inspect(conn).has_table("alembic_version")


def _sqlite_engine(target: str, database: str | None, create: bool) -> Engine:
    if database and database != ":memory:":
        file = Path(database).expanduser()
        if not create and not file.is_file():  # connecting would create it
            raise StoreError("no such store: the SQLite file does not exist", path=str(file),
                             hint="check the path (--db sqlite:///PATH), or store reports into it with "
                                  "osintrack ingest")
        folder = file.resolve().parent
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
