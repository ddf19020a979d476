"""Reading incident summaries for the HTTP API: pages of incidents, all of them for the map, counts for
the timeline and charts, and one stored report. Reads only the incidents table's summary columns
(revision 0002), never the fused JSON, so that a page of a large store stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.sql.elements import ColumnElement

from . import schema as s
from .db import db_errors
from .filters import ANY, IncidentFilter

SORTS: tuple[str, ...] = ("date", "-date", "-killed", "-n_reports")


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    """An incident as lists and maps show it: its fused fields without their provenance."""

    id: str
    date: str | None
    date_precision: str | None
    country: str | None
    admin1: str | None
    site: str | None
    lat: float | None
    lon: float | None
    geo_precision: str | None
    event_type: str | None
    weapon: str | None
    actor: str | None
    claimed_by: str | None
    confirmed_by: str | None
    status: str | None
    killed: int | None
    injured: int | None
    n_mentions: int
    n_reports: int | None
    languages: tuple[str, ...]


_FIELDS = tuple(f.name for f in fields(IncidentSummary))
_c = s.incidents.c
_SUMMARY = tuple(_c[name] for name in _FIELDS)  # the summary's fields are columns of the same names


def _order(sort: str) -> list[ColumnElement[Any]]:
    """``sort`` as ORDER BY: missing values last, the id breaks ties so that pages never overlap. Each
    is written as the index that serves it (``schema.py``), so that no page sorts the whole table."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORTS)}")
    column = _c[sort.lstrip("-")]
    if sort == "date":
        return [column.is_(None), column, _c.id]
    if sort == "-date":
        return [column.is_(None), column.desc(), _c.id.desc()]
    return [column.is_(None), column.desc(), _c.id]


def search_incidents(engine: Engine, where: IncidentFilter = ANY, *, sort: str = "date",
                     limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """(how many incidents match, the page of them from ``offset`` in ``sort`` order, in
    ``IncidentSummary`` form as JSON)."""
    with db_errors("list incidents"), engine.connect() as conn:
        clauses = where.where(conn)
        total = conn.execute(select(func.count()).select_from(s.incidents).where(clauses)).scalar_one()
        rows = conn.execute(select(*_SUMMARY).where(clauses).order_by(*_order(sort)).limit(limit).offset(offset))
        return total, _as_json(rows)


def all_incidents(engine: Engine, where: IncidentFilter = ANY) -> list[dict[str, Any]]:
    """Every matching incident, by date (undated last), in ``IncidentSummary`` form as JSON."""
    with db_errors("list incidents"), engine.connect() as conn:
        return _as_json(conn.execute(select(*_SUMMARY).where(where.where(conn)).order_by(*_order("date"))))


def _as_json(rows: Any) -> list[dict[str, Any]]:
    """Rows of ``_SUMMARY`` as JSON objects of ``IncidentSummary``'s fields, without the dataclass between:
    lists and maps of a large store hold thousands."""
    out = [dict(zip(_FIELDS, row, strict=True)) for row in rows]
    for item in out:
        item["languages"] = item["languages"].split(",") if item["languages"] else []
    return out


def get_incident(engine: Engine, incident_id: str) -> dict[str, Any] | None:
    """One incident in ``IncidentSummary`` form as JSON; None if unknown."""
    with db_errors("read an incident"), engine.connect() as conn:
        found = _as_json(conn.execute(select(*_SUMMARY).where(_c.id == incident_id)))
    return found[0] if found else None


def incident_stats(engine: Engine, where: IncidentFilter = ANY) -> dict[str, Any]:
    """Counts of the matching incidents: in all, per day and country (the timeline), and per country,
    weapon, status, event type and language; ``first`` and ``last`` are the dates they span."""
    count = func.count().label("n")
    with db_errors("count incidents"), engine.connect() as conn:
        clauses = where.where(conn)
        by_day = [{"date": row.date, "country": row.country, "count": row.n} for row in conn.execute(
            select(_c.date, _c.country, count).where(clauses, _c.date.is_not(None))
            .group_by(_c.date, _c.country).order_by(_c.date, _c.country))]
        out: dict[str, Any] = {"total": conn.execute(select(func.count()).select_from(s.incidents)
                                                     .where(clauses)).scalar_one(),
                               "by_day": by_day}
        for name in ("country", "weapon", "status", "event_type"):
            out[f"by_{name}"] = {row[0] if row[0] is not None else "unknown": row.n for row in conn.execute(
                select(_c[name], count).where(clauses).group_by(_c[name]).order_by(_c[name]))}
        out["by_language"] = _by_language(conn.execute(select(_c.languages, count).where(clauses)
                                                       .group_by(_c.languages)))
    dates = [day["date"] for day in by_day]
    out.update(first=min(dates, default=None), last=max(dates, default=None))
    return out


def _by_language(rows: Any) -> dict[str, int]:
    """Incidents per language among their sources (an incident reported in two languages counts in both)."""
    counts: dict[str, int] = {}
    for languages, n in rows:
        for lang in (languages or "unknown").split(","):
            counts[lang] = counts.get(lang, 0) + n
    return dict(sorted(counts.items()))


@dataclass(frozen=True, slots=True)
class StoredReport:
    id: str
    published: str | None
    lang: str | None
    url: str | None
    origin: str | None
    text: str


def get_report(engine: Engine, report_id: str) -> StoredReport | None:
    """One stored report with its verbatim text; None if unknown."""
    r = s.reports.c
    with db_errors("read a report"), engine.connect() as conn:
        row = conn.execute(select(r.id, r.published, r.lang, r.url, r.origin, r.text).where(r.id == report_id)).first()
    return StoredReport(**row._mapping) if row is not None else None


def counted_incidents(engine: Engine, where: IncidentFilter = ANY) -> dict[str, Any]:
    """What tally reconciliation counts of every incident ``where`` keeps, by id: rows with the fields of
    ``ledger.Counted`` (only those: a large store has many)."""
    query = select(_c.id, _c.event_type, _c.country, _c.date, _c.date_precision, _c.killed, _c.injured)
    with db_errors("read incidents"), engine.connect() as conn:
        return {row.id: row for row in conn.execute(query.where(where.where(conn)).order_by(_c.id))}


def store_mark(engine: Engine) -> dict[str, Any]:
    """What changes whenever a batch is committed: the last batch's number and when it was committed
    (the dashboard compares it to know when to load the incidents again)."""
    query = select(s.batches.c.id, s.batches.c.committed_at).order_by(s.batches.c.id.desc()).limit(1)
    with db_errors("read the batches"), engine.connect() as conn:
        row = conn.execute(query).first()
    when = row.committed_at.isoformat(timespec="seconds") if row is not None else None
    return {"batch": row.id if row is not None else 0, "committed_at": when}
