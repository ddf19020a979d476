"""Fusion: one incident's fields chosen from its sources, each with the mentions that gave it.

Disagreeing figures (killed 6 vs 7) stay side by side with their sources; the status says who
claims and who confirms. Rules and reasons: ``docs/resolution.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from .model import Event
from .resolve import DATE_RANKS, NOWHERE, PLACE_RANKS, UNDATED, Mention, where_of
from .scoring_rules import actor_key

__all__ = ["Fused", "Provenance", "fuse"]


@dataclass(frozen=True, slots=True)
class Provenance:
    """One field of an incident: the value chosen and every value the sources gave, each with the
    keys of the mentions that gave it (first-seen order). Disagreeing figures stay side by side."""

    value: Any
    values: tuple[tuple[Any, tuple[str, ...]], ...]

    @property
    def conflict(self) -> bool:
        return len(self.values) > 1

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "values": [[value, list(keys)] for value, keys in self.values]}


FUSED_FIELDS: tuple[str, ...] = ("date", "place", "weapon", "actor", "target", "claimed_by", "confirmed_by",
                                 "killed", "injured", "intercepted")


@dataclass(frozen=True)
class Fused:
    """An incident as its sources, taken together, describe it; ``fields`` says which source gave what."""

    incident_id: str
    event_type: str
    date: str | None
    date_precision: str | None
    country: str | None
    admin1: str | None
    site: str | None
    lat: float | None
    lon: float | None
    geo_precision: str | None
    weapon: str
    actor: str | None
    target: str | None
    claimed_by: str | None
    confirmed_by: str | None
    killed: int | None
    injured: int | None
    intercepted: bool | None
    status: str  # "confirmed", "claimed" or "reported"; "denied" waits for a denial field on Event
    status_by: tuple[str, ...]  # who confirmed, or who claimed
    sources: int  # distinct sources: a report and its copies (osintrack.copies) are one
    outlets: int  # distinct known outlets (hosts); reports without a URL are not counted as one
    outlet_names: tuple[str, ...]
    languages: tuple[str, ...]
    mentions: tuple[str, ...]
    fields: Mapping[str, Provenance]
    copies: tuple[str, ...] = ()  # the reports among them that copy another report (not counted in sources)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, name) for name in (
            "incident_id", "event_type", "date", "date_precision", "country", "admin1", "site", "lat", "lon",
            "geo_precision", "weapon", "actor", "target", "claimed_by", "confirmed_by", "killed", "injured",
            "intercepted", "status", "sources", "outlets")}
        out.update(status_by=list(self.status_by), outlet_names=list(self.outlet_names),
                   languages=list(self.languages), mentions=list(self.mentions), copies=list(self.copies),
                   fields={name: prov.to_json() for name, prov in self.fields.items()})
        return out

    def conflicts(self) -> dict[str, Provenance]:
        return {name: prov for name, prov in self.fields.items() if prov.conflict}


# A field's contributions: (group key, display value, mention key, source) per mention that says something;
# a report and its copies are one source, so a copy never adds support to a value.
_Said = list[tuple[Any, Any, str, str]]


def fuse(incident_id: str, mentions: Sequence[Mention]) -> Fused:
    """Fold an incident's mentions into one record, keeping who said what."""
    if not mentions:
        raise ValueError(f"incident {incident_id} has no mentions to fuse")
    fields = {
        "date": _provenance(_said(mentions, _date_value), _most_precise(_date_rank)),
        "place": _provenance(_said(mentions, _place_value), _most_precise(_place_rank)),
        "weapon": _provenance(_said(mentions, lambda e: None if e.weapon == "unknown" else e.weapon),
                              _most_supported),
        "killed": _provenance(_said(mentions, lambda e: e.killed), _lowest),
        "injured": _provenance(_said(mentions, lambda e: e.injured), _lowest),
        "intercepted": _provenance(_said(mentions, lambda e: e.intercepted), _most_supported),
    }
    for name in ("actor", "target", "claimed_by", "confirmed_by"):
        fields[name] = _provenance(_said(mentions, attrgetter(name), key=actor_key), _most_supported)
    when, place = fields["date"].value or {}, fields["place"].value or {}
    confirmed, claimed = _names(fields["confirmed_by"]), _names(fields["claimed_by"])
    # A confirmation by someone other than the perpetrator is the stronger statement that it happened.
    status, status_by = ("confirmed", confirmed) if confirmed else ("claimed", claimed) if claimed else ("reported", ())
    outlets = sorted({m.outlet for m in mentions if m.outlet})
    return Fused(
        incident_id=incident_id, event_type=mentions[0].event.event_type,
        date=when.get("date"), date_precision=when.get("date_precision"),
        country=place.get("country"), admin1=place.get("admin1"), site=place.get("site"),
        lat=place.get("lat"), lon=place.get("lon"), geo_precision=place.get("geo_precision"),
        weapon=fields["weapon"].value or "unknown", actor=fields["actor"].value, target=fields["target"].value,
        claimed_by=fields["claimed_by"].value, confirmed_by=fields["confirmed_by"].value,
        killed=fields["killed"].value, injured=fields["injured"].value, intercepted=fields["intercepted"].value,
        status=status, status_by=status_by,
        sources=len({m.source for m in mentions}), outlets=len(outlets), outlet_names=tuple(outlets),
        languages=tuple(sorted({m.lang for m in mentions if m.lang})),
        mentions=tuple(m.key for m in mentions), fields=fields,
        copies=tuple(dict.fromkeys(m.report_id for m in mentions if m.copy_of)))


def _said(mentions: Sequence[Mention], get: Callable[[Event], Any],
          key: Callable[[Any], Any] | None = None) -> _Said:
    out: _Said = []
    for m in mentions:
        value = get(m.event)
        if value is None:
            continue  # a source that says nothing does not disagree
        group = key(value) if key is not None else _hashable(value)
        out.append((group, value, m.key, m.source))
    return out


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return (type(value).__name__, value)  # keeps 0 apart from False, 1 from True


def _date_value(event: Event) -> dict[str, Any] | None:
    if event.date is None:
        return None
    return {"date": event.date, "date_precision": event.date_precision or "day"}


def _place_value(event: Event) -> dict[str, Any] | None:
    where = where_of(event)
    if where.rank == NOWHERE:
        return None
    precision = next(name for name, rank in PLACE_RANKS.items() if rank == where.rank)
    return {"site": event.site if where.rank < PLACE_RANKS["region"] else None,
            "admin1": event.admin1, "country": where.country, "lat": where.lat, "lon": where.lon,
            "geo_precision": precision}


def _date_rank(value: Any) -> int:
    return DATE_RANKS.get(value["date_precision"], UNDATED)


def _place_rank(value: Any) -> int:
    return PLACE_RANKS[value["geo_precision"]]


_Group = tuple[Any, list[str], set[str], int]  # display value, mention keys, sources, first position
_Choose = Callable[[list[_Group]], _Group]


def _provenance(said: _Said, choose: _Choose) -> Provenance:
    groups: dict[Any, _Group] = {}
    for position, (group, value, mention_key, source) in enumerate(said):
        if group not in groups:
            groups[group] = (value, [], set(), position)
        groups[group][1].append(mention_key)
        groups[group][2].add(source)
    ordered = sorted(groups.values(), key=lambda g: g[3])
    chosen = choose(ordered)[0] if ordered else None
    return Provenance(chosen, tuple((value, tuple(keys)) for value, keys, _, _ in ordered))


def _most_supported(groups: list[_Group]) -> _Group:
    """The value most sources give; the first given among equals."""
    return min(groups, key=lambda g: (-len(g[2]), g[3]))


def _lowest(groups: list[_Group]) -> _Group:
    """The lowest figure: where sources disagree, the conservative one (as ACLED codes fatalities)."""
    return min(groups, key=lambda g: (g[0], g[3]))


def _most_precise(rank: Callable[[Any], int]) -> _Choose:
    def choose(groups: list[_Group]) -> _Group:
        return min(groups, key=lambda g: (rank(g[0]), -len(g[2]), g[3]))
    return choose


def _names(provenance: Provenance) -> tuple[str, ...]:
    return tuple(str(value) for value, _ in provenance.values)
