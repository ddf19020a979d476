"""The incident store: one schema (``schema``) on SQLite or PostgreSQL, migrated on open (``db``),
written batch by batch (``write``, ``IngestSession``) and read by the commands (``read``).

See docs/store.md for the tables, the resume rule and PostgreSQL set-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from .. import fusion, ledger, resolve
from ..model import Extraction, Report
from .copies import find_copies
from .db import (
    DEFAULT_URL,
    ReportConflict,
    StoreError,
    WriterConflict,
    db_errors,
    display_url,
    engine_url,
    open_engine,
    open_store,
)
from .filters import IncidentFilter
from .query import counted_incidents
from .read import (
    Explanation,
    IncidentRow,
    dump_tables,
    explain,
    incident_dates,
    iter_extractions,
    list_incidents,
    stored_tallies,
)
from .resolution import StoreResolver, fused_incidents
from .write import (
    Batch,
    BatchHook,
    Counters,
    Fingerprint,
    check_known,
    load_counters,
    load_fingerprints,
    write_batch,
)

__all__ = ["DEFAULT_URL", "BatchHook", "Explanation", "IncidentFilter", "IncidentRow", "IngestSession",
           "ReportConflict", "StoreError", "WriterConflict", "display_url", "dump_tables", "engine_url", "explain",
           "incident_dates", "iter_extractions", "list_incidents", "load_fused", "open_engine", "open_store",
           "reconcile_tallies",
           "stored_tallies"]


def load_fused(engine: Engine) -> list[fusion.Fused]:
    """Every stored incident as ``fusion.Fused`` (fused again from its stored mentions), by date."""
    with db_errors("read incidents"), engine.connect() as conn:
        return fused_incidents(conn)


def reconcile_tallies(engine: Engine, countries: Sequence[str] | None = None,
                      where: IncidentFilter | None = None) -> list[dict[str, Any]]:
    """``ledger.reconcile_tallies`` over every stored tally and the stored incidents ``where`` keeps (all by
    default; see ``render.render_tallies``)."""
    tallies = [(report.id, tally) for report, tally in stored_tallies(engine)]
    counted = counted_incidents(engine, where or IncidentFilter())
    return ledger.reconcile_tallies(tallies, counted, countries or ledger.DEFAULT_TALLY_COUNTRIES)


class IngestSession:
    """One ingest run's view of a store: which reports it holds, where its numbering stands, and a
    resolver that knows every stored incident. Build it with ``IngestSession.open``."""

    def __init__(self, engine: Engine, fingerprints: dict[str, Fingerprint], counters: Counters,
                 resolver: StoreResolver, created: bool = False) -> None:
        self.engine = engine
        self.created = created  # the store did not exist before this session opened it
        self.last_copies = 0  # reports of the last batch committed that copy another report
        self._fingerprints = fingerprints
        self._counters = counters
        self._resolver = resolver

    @classmethod
    def open(cls, url: str = DEFAULT_URL) -> IngestSession:
        """A session on the store at ``url``, created when it does not exist."""
        engine, created = open_store(url, create=True)
        with db_errors("read the store"), engine.connect() as conn:
            counters = load_counters(conn)
            resolver = StoreResolver.load(conn)
        return cls(engine, load_fingerprints(engine), counters, resolver, created)

    def is_stored(self, report: Report) -> bool:
        """True if ``report`` is stored already, or was taken earlier in this run; raises ``ReportConflict``
        if its id holds other content. A report it says False of counts as taken."""
        stored = self._fingerprints.get(report.id)
        if stored is None:
            self._fingerprints[report.id] = Fingerprint.of(report)  # a repeat within one batch is no new report
            return False
        check_known(report, stored)
        return True

    def known_incidents(self) -> list[tuple[str, list[resolve.Mention]]]:
        """The incidents this session knows (stored, and committed by it), each with its mentions."""
        return self._resolver.known()

    def commit_batch(self, reports: Sequence[Report], extractions: Sequence[Extraction],
                     decided: Mapping[str, resolve.Decision] | None = None, also: BatchHook | None = None) -> int:
        """Resolve and write one batch in one transaction; returns how many incidents it opened.

        ``decided``: decisions made elsewhere for every event of the batch (``StoreResolver.resolve_batch``);
        ``also``: more rows written in the same transaction (``write.write_batch``)."""
        with db_errors("look for copies"), self.engine.connect() as conn:
            copies = find_copies(conn, reports, [Fingerprint.of(r).content_hash for r in reports])
        decisions, fused, new = self._resolver.resolve_batch(reports, extractions, decided, copies.copies)
        batch = Batch(reports=reports, extractions=extractions, decisions=decisions, incidents=fused,
                      new_incidents=new, copies=copies)
        self.last_copies = len(copies.copies)
        self._counters = write_batch(self.engine, batch, self._counters, also=also)
        self._resolver.committed(new)
        return len(new)

    @property
    def incident_count(self) -> int:
        """Incidents in the store (those this session committed included)."""
        return self._resolver.stored_count

    def close(self) -> None:
        self.engine.dispose()
