"""Reading the store: incidents with filters, one incident explained, tallies, and every report back."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from ..extract import sentence_around
from ..model import Event, Extraction, Report, Tally
from . import schema as s
from .db import db_errors
from .filters import ANY, IncidentFilter
from .write import _EVENT_COLUMNS

_PAGE = 500  # reports read per query when streaming the whole store


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: str
    date: str | None
    country: str | None
    site: str | None
    event_type: str | None
    weapon: str | None
    actor: str | None
    status: str | None
    killed: int | None
    injured: int | None
    n_mentions: int
    n_reports: int


@dataclass(frozen=True, slots=True)
class Source:
    """One report's event that belongs to an incident."""

    report_id: str
    idx: int
    lang: str | None
    url: str | None
    published: str | None
    evidence: str | None  # the words that report the event
    sentence: str | None = None  # the sentence around them, in the report's own words
    highlights: tuple[tuple[str, int, int], ...] = ()  # (field or "evidence", start, end) inside ``sentence``
    copy_of: str | None = None  # the report whose text this one copies: not a source of its own
    copy_similarity: float | None = None


@dataclass(frozen=True, slots=True)
class LoggedDecision:
    seq: int
    mention_key: str
    action: str
    reason: str
    decision: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Explanation:
    id: str
    fused: Mapping[str, Any]
    sources: Sequence[Source]
    decisions: Sequence[LoggedDecision]


def list_incidents(engine: Engine, where: IncidentFilter = ANY, *,
                   limit: int | None = None) -> list[IncidentRow]:
    """Incidents matching ``where``, by date then id (undated last)."""
    c = s.incidents.c
    with db_errors("list incidents"), engine.connect() as conn:
        query = (select(c.id, c.date, c.country, c.site, c.event_type, c.weapon, c.actor, c.status, c.killed,
                        c.injured, c.n_mentions, c.n_reports)
                 .where(where.where(conn))
                 .order_by(c.date.is_(None), c.date, c.id))
        if limit is not None:
            query = query.limit(limit)
        return [IncidentRow(**row._mapping) for row in conn.execute(query)]


def explain(engine: Engine, incident_id: str) -> Explanation | None:
    """The incident's fused record, its sources and every merge decision about it; None if unknown."""
    e, r, m = s.events.c, s.reports.c, s.merge_log.c
    with db_errors("read an incident"), engine.connect() as conn:
        fused = conn.execute(select(s.incident_fused.c.fused).where(s.incident_fused.c.id == incident_id)).scalar()
        if fused is None:
            return None
        sources = [Source(row.report_id, row.idx, row.lang, row.url, row.published,
                          *_in_context(row.evidence, row.text), row.copy_of, row.copy_similarity)
                   for row in conn.execute(
                       select(e.report_id, e.idx, r.lang, r.url, r.published, e.evidence, r.text, r.copy_of,
                              r.copy_similarity)
                       .join(s.reports, r.id == e.report_id)
                       .where(e.incident_id == incident_id).order_by(r.seq, e.idx))]
        decisions = [LoggedDecision(row.seq, row.mention_key, row.action, row.reason, row.decision)
                     for row in conn.execute(select(m.seq, m.mention_key, m.action, m.reason, m.decision)
                                             .where(m.incident_id == incident_id).order_by(m.seq))]
    return Explanation(incident_id, fused, sources, decisions)


def _in_context(evidence: Any, text: str) -> tuple[str | None, str | None, tuple[tuple[str, int, int], ...]]:
    """(evidence words, the sentence around them, spans of the evidence and each field in the sentence)."""
    if not isinstance(evidence, Mapping):
        return (evidence if isinstance(evidence, str) else None), None, ()
    words, start, end = evidence.get("text"), evidence.get("start"), evidence.get("end")
    if not isinstance(words, str):
        return None, None, ()
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)
            and text[start:end] == words):  # no offsets into this text: show the words alone
        return words, words, ((("evidence", 0, len(words)),) if words else ())
    low, high = _sentence_span(text, start, end)
    spans = [("evidence", start - low, end - low)]
    for name, span in (evidence.get("fields") or {}).items():
        if isinstance(span, Mapping) and isinstance(span.get("start"), int) and isinstance(span.get("end"), int) \
                and low <= span["start"] < span["end"] <= high:  # a field found in another sentence is left out
            spans.append((name, span["start"] - low, span["end"] - low))
    return words, text[low:high], tuple(sorted(spans, key=lambda s: (s[1], s[2], s[0])))


_NEAR = 5_000  # characters either side of the evidence where its sentence is looked for, in a long report


def _sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``extract.sentence_around``, over the text near the evidence only when the report is long: reading
    a whole multi-megabyte report to show one sentence would cost its size many times over in memory."""
    if len(text) <= 4 * _NEAR:
        return sentence_around(text, start, end)
    base = max(0, start - _NEAR)
    if base:  # begin at a word's start, not inside one
        base = next((i + 1 for i in range(base, start) if text[i].isspace()), start)
    low, high = sentence_around(text[base:end + _NEAR], start - base, end - base)
    return low + base, high + base


def stored_tallies(engine: Engine) -> list[tuple[Report, Tally]]:
    """Every stored tally with its report (text left out), in store order."""
    t, r = s.tallies.c, s.reports.c
    query = (select(r.id, r.published, r.lang, r.url, r.origin, *(t[name] for name in _TALLY_FIELDS))
             .join(s.reports, r.id == t.report_id).order_by(r.seq, t.idx))
    out: list[tuple[Report, Tally]] = []
    with db_errors("read tallies"), engine.connect() as conn:
        for row in conn.execute(query):
            report = Report(id=row.id, text="", published=row.published, lang=row.lang, url=row.url,
                            origin=row.origin)
            out.append((report, Tally.from_json({name: getattr(row, name) for name in _TALLY_FIELDS})))
    return out


_TALLY_FIELDS = ("metric", "count", "qualifier", "breakdown", "since", "as_of", "reported_by", "evidence")


def incident_dates(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    """(id, date, country) of every incident: what tally reconciliation counts."""
    c = s.incidents.c
    with db_errors("read incidents"), engine.connect() as conn:
        return [(row.id, row.date, row.country) for row in conn.execute(select(c.id, c.date, c.country)
                                                                        .order_by(c.id))]


def iter_extractions(engine: Engine) -> Iterator[tuple[Report, Extraction]]:
    """Every stored report with its extraction (events carry their ``incident``), in store order."""
    r = s.reports.c
    last = 0
    while True:
        with db_errors("read reports"), engine.connect() as conn:
            reports = list(conn.execute(select(s.reports).where(r.seq > last).order_by(r.seq).limit(_PAGE)))
            if not reports:
                return
            ids = [row.id for row in reports]
            events = _grouped(conn.execute(select(s.events).where(s.events.c.report_id.in_(ids))
                                           .order_by(s.events.c.report_id, s.events.c.idx)))
            tallies = _grouped(conn.execute(select(s.tallies).where(s.tallies.c.report_id.in_(ids))
                                            .order_by(s.tallies.c.report_id, s.tallies.c.idx)))
        for row in reports:
            report = Report(id=row.id, text=row.text, published=row.published, lang=row.lang, url=row.url,
                            origin=row.origin)
            yield report, Extraction(
                id=row.id, lang=row.lang,
                events=tuple(_event(e) for e in events.get(row.id, ())),
                tallies=tuple(Tally.from_json({n: getattr(t, n) for n in _TALLY_FIELDS})
                              for t in tallies.get(row.id, ())))
        last = reports[-1].seq


def _grouped(rows: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for row in rows:
        out.setdefault(row.report_id, []).append(row)
    return out


def _event(row: Any) -> Event:
    data = {name: getattr(row, name) for name in _EVENT_COLUMNS}
    data["evidence"] = row.evidence
    if row.incident_id is not None:
        data["incident"] = row.incident_id
    return Event.from_json(data)


def dump_tables(engine: Engine, *, timestamps: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, for comparing two stores; wall-clock columns left out unless
    ``timestamps``."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db_errors("dump the store"), engine.connect() as conn:
        for table in s.TABLES:
            skip = () if timestamps else s.TIMESTAMPS.get(table.name, ())
            columns = [c for c in table.columns if c.name not in skip]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(row) for row in rows]
    return out
