"""Wiring ``osintrack.resolve`` to the store: mentions from stored events, decisions for the merge log,
fused incidents for the incidents table.

Resolution is deterministic and incremental: a resolver loaded with every stored mention (in store
order) decides on the next mention exactly as the resolver of an uninterrupted run would, so a
resumed ingest gives the same incident ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .. import fusion, resolve
from ..model import Event, Extraction, Report
from . import schema as s
from .copies import Copy
from .read import _event
from .write import FusedRow, StoredDecision, update_incidents


def mention_for(report: Report, idx: int, event: Event, copy_of: str | None = None) -> resolve.Mention:
    """The resolution unit of a report's ``idx``-th event, keyed ``report_id#idx``, outlet from the URL host;
    ``copy_of``: the report whose text ``report`` copies."""
    return resolve.Mention(key=f"{report.id}#{idx}", report_id=report.id, event=event, lang=report.lang,
                           url=report.url, outlet=resolve.outlet_of(report.url), copy_of=copy_of)


def load_incidents(conn: Connection) -> dict[str, list[resolve.Mention]]:
    """Every stored incident with its mentions, incidents in the order they were opened and mentions
    in the order they joined (store order: report position, then event index)."""
    r, e = s.reports.c, s.events.c
    query = (select(r.id.label("rid"), r.url, r.published, r.lang, r.copy_of, *s.events.c)
             .join(s.reports, r.id == e.report_id)
             .where(e.incident_id.is_not(None)).order_by(r.seq, e.idx))
    members: dict[str, list[resolve.Mention]] = {}
    for row in conn.execute(query):
        report = Report(id=row.rid, text="", published=row.published, lang=row.lang, url=row.url)
        members.setdefault(row.incident_id, []).append(mention_for(report, row.idx, _event(row).with_(incident=None),
                                                                   row.copy_of))
    return members


class StoreResolver:
    """A ``resolve.Resolver`` plus the mentions of every incident, to fuse the incidents a batch touches."""

    def __init__(self, known: dict[str, list[resolve.Mention]]) -> None:
        self._resolver = resolve.Resolver(known.items())
        self._members = known
        self._stored = set(known)

    @classmethod
    def load(cls, conn: Connection) -> StoreResolver:
        """A resolver that knows every stored incident and its mentions."""
        return cls(load_incidents(conn))

    def known(self) -> list[tuple[str, list[resolve.Mention]]]:
        """Every incident known so far with its mentions, as ``resolve.Resolver(known)`` takes them."""
        return [(incident, list(mentions)) for incident, mentions in self._members.items()]

    def resolve_batch(self, reports: Sequence[Report], extractions: Sequence[Extraction],
                      decided: Mapping[str, resolve.Decision] | None = None, copies: Mapping[str, Copy] | None = None,
                      ) -> tuple[list[StoredDecision], list[FusedRow], frozenset[str]]:
        """Decide on every event of the batch, in order; fuse every incident it touched.

        ``decided``: the decisions already made elsewhere (``partition.resolve_in_parts`` over this
        store's known incidents and every mention of the run), by mention key; they must cover every
        event of the batch, and then this resolver is not used (nor kept up to date) for the batch.
        ``copies``: the reports of the batch that copy another (``store.copies``), by id: one source with it.
        Returns the decisions, the fused incidents and which of them are new to the store.
        """
        decisions: list[StoredDecision] = []
        touched: dict[str, None] = {}
        for report, extraction in zip(reports, extractions, strict=True):
            for idx, event in enumerate(extraction.events):
                copy = (copies or {}).get(report.id)
                mention = mention_for(report, idx, event, copy.original if copy else None)
                decision = self._resolver.add(mention) if decided is None else decided[mention.key]
                incident = decision.incident_id
                self._members.setdefault(incident, []).append(mention)
                touched[incident] = None
                decisions.append(_stored_decision(mention.key, decision))
        fused = [_fused_row(incident, self._members[incident]) for incident in touched]
        return decisions, fused, frozenset(touched) - self._stored

    def committed(self, incidents: Iterable[str]) -> None:
        """The batch that created ``incidents`` is committed: they are stored now."""
        self._stored.update(incidents)

    @property
    def stored_count(self) -> int:
        return len(self._stored)


def _stored_decision(key: str, decision: resolve.Decision) -> StoredDecision:
    data = {"mention_key": decision.mention_key, "incident_id": decision.incident_id, "created": decision.created,
            "reason": decision.reason}
    return StoredDecision(mention_key=key, incident_id=decision.incident_id,
                          action="open" if decision.created else "join", reason=decision.reason, decision=data)


def _fused_row(incident: str, mentions: Sequence[resolve.Mention]) -> FusedRow:
    return FusedRow(id=incident, fused=fusion.fuse(incident, mentions).to_json(), n_mentions=len(mentions))


def refuse_incidents(conn: Connection, *, only_with_copies: bool = False) -> int:
    """Fuse the stored incidents again from their stored mentions (``only_with_copies``: those with a copy
    among their sources) and write them; returns how many. For migrations that change what fusion reads."""
    rows = [_fused_row(incident, mentions) for incident, mentions in load_incidents(conn).items()
            if not only_with_copies or any(m.copy_of for m in mentions)]
    update_incidents(conn, rows, dt.datetime.now(dt.UTC))
    return len(rows)


def fused_incidents(conn: Connection) -> list[fusion.Fused]:
    """Every stored incident fused from its stored mentions, by date (undated last), then id."""
    fused = [fusion.fuse(incident, mentions) for incident, mentions in load_incidents(conn).items()]
    return sorted(fused, key=lambda f: (f.date is None, f.date or "", f.incident_id))
