"""Writing batches: reports, their events and tallies, resolution decisions and fused incidents.

One batch is one transaction. Every number the writer assigns (batch id, report position, merge-log
sequence) continues from what the database holds, so a resumed run writes exactly the rows an
uninterrupted run would have written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from ..model import Event, Extraction, Report, Tally
from . import schema as s
from .copies import BatchCopies
from .db import ReportConflict, WriterConflict, db_errors, write_lock, writer

_EVENT_COLUMNS = ("event_type", "date", "date_precision", "country", "admin1", "site", "lat", "lon",
                  "geo_precision", "weapon", "actor", "target", "claimed_by", "confirmed_by", "killed",
                  "injured", "intercepted")


def content_hash(text: str) -> str:
    """sha256 of a report's UTF-8 text, hex: what tells a stored report from a changed one."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a stored report is compared on when the same id comes again."""

    content_hash: str
    published: str | None
    lang: str | None
    url: str | None

    @classmethod
    def of(cls, report: Report) -> Fingerprint:
        return cls(content_hash(report.text), report.published, report.lang, report.url)


@dataclass(slots=True)
class Counters:
    """Where the store's numbering stands: the last batch, report position and merge-log entry."""

    batch: int = 0
    report_seq: int = 0
    merge_seq: int = 0


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """One resolution decision as the merge log keeps it."""

    mention_key: str
    incident_id: str
    action: str
    reason: str
    decision: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FusedRow:
    """A fused incident as the incidents table keeps it."""

    id: str
    fused: Mapping[str, Any]
    n_mentions: int


@dataclass(frozen=True, slots=True)
class Batch:
    """Everything one transaction writes."""

    reports: Sequence[Report]
    extractions: Sequence[Extraction]
    decisions: Sequence[StoredDecision]  # in the order they were made, one per event
    incidents: Sequence[FusedRow]  # every incident the batch touched, fused anew
    new_incidents: frozenset[str]  # the ones not stored before this batch
    copies: BatchCopies = field(default_factory=BatchCopies)  # which reports copy another; originals' sketches


def load_fingerprints(engine: Engine) -> dict[str, Fingerprint]:
    columns = (s.reports.c.id, s.reports.c.content_hash, s.reports.c.published, s.reports.c.lang,
               s.reports.c.url)
    with db_errors("read stored reports"), engine.connect() as conn:
        return {row[0]: Fingerprint(row[1], row[2], row[3], row[4]) for row in conn.execute(select(*columns))}


def load_counters(conn: Connection) -> Counters:
    batch = conn.execute(select(func.max(s.batches.c.id))).scalar()
    seq = conn.execute(select(func.max(s.reports.c.seq))).scalar()
    merge = conn.execute(select(func.max(s.merge_log.c.seq))).scalar()
    return Counters(batch or 0, seq or 0, merge or 0)


def check_known(report: Report, stored: Fingerprint) -> None:
    """Raise ``ReportConflict`` unless ``report`` is the one stored under its id."""
    mine = Fingerprint.of(report)
    if mine == stored:
        return
    what = "text" if mine.content_hash != stored.content_hash else next(
        name for name in ("published", "lang", "url") if getattr(mine, name) != getattr(stored, name))
    where = report.origin or ""
    path, _, line = where.rpartition(":")
    raise ReportConflict(
        f"report {report.id!r} is already stored with a different {what}",
        path=path or where or None, line=int(line) if line.isdigit() else None, field=what,
        hint="a stored report never changes: give the new version its own id, or ingest into another database")


BatchHook = Callable[[Connection, Sequence[Report]], None]
"""Writes more rows of a batch's reports inside the batch's transaction (``osintrack.watch``: its articles)."""


def write_batch(engine: Engine, batch: Batch, counters: Counters, *, now: dt.datetime | None = None,
                also: BatchHook | None = None) -> Counters:
    """Write ``batch`` in one transaction; returns the counters after it. ``also`` is called last inside
    the transaction, so that what it writes is committed with the batch or not at all.

    Raises ``WriterConflict`` when another writer committed since ``counters`` were read (its incidents
    would be unknown to this run's resolver).
    """
    stamp = now or dt.datetime.now(dt.UTC)
    batch_id = counters.batch + 1
    with db_errors("write a batch"), writer(engine).begin() as conn:
        write_lock(conn)
        if load_counters(conn) != counters:
            raise WriterConflict("another writer changed the database during this ingest",
                             hint="run one ingest per database at a time; run this one again to resume")
        conn.execute(s.batches.insert(), [{"id": batch_id, "committed_at": stamp,
                                           "n_reports": len(batch.reports)}])
        conn.execute(s.reports.insert(), [
            {"id": r.id, "text": r.text, "content_hash": content_hash(r.text), "published": r.published,
             "lang": r.lang, "url": r.url, "origin": r.origin, "batch_id": batch_id,
             "seq": counters.report_seq + i, "ingested_at": stamp, **batch.copies.report_columns(r.id)}
            for i, r in enumerate(batch.reports, 1)])
        batch.copies.write_sketches(conn)
        _write_incidents(conn, batch, stamp)
        by_key = {d.mention_key: d.incident_id for d in batch.decisions}
        event_rows = [_event_row(x.id, i, e, by_key.get(f"{x.id}#{i}"))
                      for x in batch.extractions for i, e in enumerate(x.events)]
        if event_rows:
            conn.execute(s.events.insert(), event_rows)
        tally_rows = [_tally_row(x.id, i, t) for x in batch.extractions for i, t in enumerate(x.tallies)]
        if tally_rows:
            conn.execute(s.tallies.insert(), tally_rows)
        if batch.decisions:
            conn.execute(s.merge_log.insert(), [
                {"seq": counters.merge_seq + i, "mention_key": d.mention_key, "incident_id": d.incident_id,
                 "action": d.action, "reason": d.reason, "decision": dict(d.decision), "batch_id": batch_id,
                 "created": stamp}
                for i, d in enumerate(batch.decisions, 1)])
        if also is not None:
            also(conn, batch.reports)
    return Counters(batch_id, counters.report_seq + len(batch.reports), counters.merge_seq + len(batch.decisions))


def _write_incidents(conn: Connection, batch: Batch, stamp: dt.datetime) -> None:
    fresh = [f for f in batch.incidents if f.id in batch.new_incidents]
    if fresh:
        conn.execute(s.incidents.insert(), [_incident_row(f, stamp) for f in fresh])
        conn.execute(s.incident_fused.insert(), [{"id": f.id, "fused": dict(f.fused)} for f in fresh])
    update_incidents(conn, [f for f in batch.incidents if f.id not in batch.new_incidents], stamp)


def update_incidents(conn: Connection, incidents: Sequence[FusedRow], stamp: dt.datetime) -> None:
    """Stored incidents fused anew: their summary columns and fused record."""
    for fused in incidents:
        row = _incident_row(fused, stamp)
        del row["id"]
        conn.execute(s.incidents.update().where(s.incidents.c.id == fused.id).values(**row))
        conn.execute(s.incident_fused.update().where(s.incident_fused.c.id == fused.id)
                     .values(fused=dict(fused.fused)))


_SUMMARY_COLUMNS = ("date", "date_precision", "country", "admin1", "site", "lat", "lon", "geo_precision",
                    "event_type", "weapon", "actor", "claimed_by", "confirmed_by", "status", "killed", "injured")


def summary_columns(fused: Mapping[str, Any]) -> dict[str, Any]:
    """The incidents table's copies of a fused record's fields (``fusion.Fused.to_json`` form), for
    filtering, sorting and mapping without parsing ``fused``."""
    row = {name: _plain(fused.get(name)) for name in _SUMMARY_COLUMNS}
    row["n_reports"] = fused.get("sources")
    row["languages"] = ",".join(sorted(fused.get("languages") or ())) or None
    return row


def _plain(value: Any) -> Any:
    """A fused field's bare value, whether the field is stored bare or as ``{"value": ..., ...}``."""
    if isinstance(value, Mapping):
        return value.get("value")
    return value


def _incident_row(fused: FusedRow, stamp: dt.datetime) -> dict[str, Any]:
    row = summary_columns(fused.fused)
    row.update(id=fused.id, n_mentions=fused.n_mentions, updated=stamp)
    return row


def _event_row(report_id: str, idx: int, event: Event, incident: str | None) -> dict[str, Any]:
    data = event.to_json()
    row = {name: data.get(name) for name in _EVENT_COLUMNS}
    row.update(report_id=report_id, idx=idx, evidence=data.get("evidence"), incident_id=incident)
    return row


def _tally_row(report_id: str, idx: int, tally: Tally) -> dict[str, Any]:
    data = tally.to_json()
    data.update(report_id=report_id, idx=idx)
    return data
