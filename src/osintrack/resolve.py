"""Cross-report resolution: event mentions -> incidents. Pure logic over records: no database, no I/O.
Fusion of an incident's sources is in ``fusion.py``, the reconciliation of tallies in ``ledger.py``.

The rules (which mention may join which incident, how fused values are chosen, how tallies are
compared) are written out with their reasons in ``docs/resolution.md``; the constants below are
the knobs. Resolution is incremental and deterministic: the same mentions in the same order give
the same incident ids, whether added one call at a time or after reloading stored incidents.
"""

from __future__ import annotations

import calendar
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from .model import Event, Extraction
from .scoring_rules import distance_km, name_key, parse_date

# Folding names and parsing dates dominate the cost per mention, and a stream repeats the same few
# thousand sites and days: memoised per process (bounded, pure functions of their argument).
_name_key = lru_cache(maxsize=1 << 16)(name_key)
_parse_date = lru_cache(maxsize=1 << 16)(parse_date)

__all__ = ["Decision", "Mention", "Resolver", "attach_incidents", "incident_id_for", "mentions_of", "outlet_of"]

SITE_KM = 25.0  # sites and towns this close are one place (FORMAT.md groups gold incidents at 25 km)
REGION_KM = 100.0  # a province or district: FORMAT.md's region tolerance
KM_PER_DAY = 20.0  # closeness: one day apart weighs as much as this many kilometres (as in scoring)
WEEK_DAYS = 7  # a week-precision date stands for this many days either side
BUCKET_DAYS = 7  # time buckets of the candidate index
CELL_DEG = 1.0  # grid cells of the candidate index, in degrees (about 100 km at the theatre's latitudes)

PLACE_RANKS = {"site": 0, "town": 1, "region": 2, "country": 3}
_COUNTRY, NOWHERE = 3, 4
DATE_RANKS = {"day": 0, "week": 1, "month": 2}
_MONTH, UNDATED = 2, 3


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mention:
    """One event as one report states it: the unit that resolution groups into incidents."""

    key: str  # f"{report_id}#{event_index}", stable across runs
    report_id: str
    event: Event
    lang: str | None = None
    url: str | None = None
    outlet: str | None = None  # the URL's host without "www."
    copy_of: str | None = None  # the report whose text this mention's report copies (osintrack.copies)

    @property
    def source(self) -> str:
        """The report this mention's words come from: its own, or the one it copies."""
        return self.copy_of or self.report_id


@dataclass(frozen=True, slots=True)
class Decision:
    """Where a mention went and why, in a sentence a person can check."""

    mention_key: str
    incident_id: str
    created: bool
    reason: str


def incident_id_for(mention: Mention) -> str:
    """The id of an incident opened by ``mention``: stable because mention keys are."""
    return "inc-" + hashlib.sha1(mention.key.encode("utf-8")).hexdigest()[:12]


def outlet_of(url: str | None) -> str | None:
    """The host of ``url`` without "www.", lower-cased; None when there is no host."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    host = host.removeprefix("www.")
    return host or None


def mentions_of(extraction: Extraction, *, url: str | None = None, lang: str | None = None) -> list[Mention]:
    """The mentions of one report's events, keyed ``report_id#index`` in extraction order."""
    lang = lang if lang is not None else extraction.lang
    return [Mention(f"{extraction.id}#{i}", extraction.id, event, lang, url, outlet_of(url))
            for i, event in enumerate(extraction.events)]


def attach_incidents(extraction: Extraction, incident_of: Mapping[str, str]) -> Extraction:
    """``extraction`` with each event's ``incident`` set from ``incident_of`` (mention key -> id)."""
    events = tuple(event.with_(incident=incident_of.get(f"{extraction.id}#{i}", event.incident))
                   for i, event in enumerate(extraction.events))
    return replace(extraction, events=events)


# --- when and where a mention says the event happened -------------------------------------------


@dataclass(frozen=True, slots=True)
class _When:
    """A date as an interval of ordinal days. Day d is [d-0.5, d+0.5], so two day windows meet
    exactly when the days are at most one apart; week d is [d-6.5, d+6.5] (a day within 7 days
    meets it); a month is its first..last day (only its own days meet it). Intervals on a line
    meet pairwise only if they all share a point, so an incident keeps just the intersection."""

    window: tuple[float, float] | None
    rank: int
    label: str

    @property
    def center(self) -> float:
        assert self.window is not None
        return (self.window[0] + self.window[1]) / 2


def _when(event: Event) -> _When:
    parsed = _parse_date(event.date) if isinstance(event.date, str) else None
    if parsed is None:
        return _When(None, UNDATED, "no date")
    month, day = parsed
    if day is None or event.date_precision == "month":
        first = date.fromisoformat(month + "-01")
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return _When((first.toordinal(), last.toordinal()), DATE_RANKS["month"], f"{month} (month)")
    d = day.toordinal()
    if event.date_precision == "week":
        return _When((d - WEEK_DAYS + 0.5, d + WEEK_DAYS - 0.5), DATE_RANKS["week"], f"{day} (week)")
    return _When((d - 0.5, d + 0.5), DATE_RANKS["day"], f"{day} (day)")


@dataclass(frozen=True, slots=True)
class _Where:
    """A place at one of five precisions: site, town, region, country, nowhere (nothing known)."""

    rank: int
    country: str | None
    name: str | None  # what to call it in a reason: the site, province or country
    site_key: str | None
    admin1_key: str | None
    lat: float | None
    lon: float | None

    @property
    def coords(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def radius(self) -> float:
        return REGION_KM if self.rank == PLACE_RANKS["region"] else SITE_KM


def where_of(event: Event) -> _Where:
    country = (event.country or "").strip().upper() or None
    site_key, admin1_key = _name_key(event.site), _name_key(event.admin1)
    coords = event.lat is not None and event.lon is not None
    precision = event.geo_precision
    if precision is None:  # infer from what is known, as the scoring does
        precision = "site" if site_key else "town" if coords else "region" if admin1_key else "country"
    rank = PLACE_RANKS.get(precision, _COUNTRY)
    # A finer precision without what it needs (coordinates, a name) locates nothing finer than the country.
    if rank < PLACE_RANKS["region"] and not (coords or site_key):
        rank = _COUNTRY
    if rank == PLACE_RANKS["region"] and not (coords or admin1_key):
        rank = _COUNTRY
    if rank == _COUNTRY and country is None:
        rank = NOWHERE
    lat, lon = (event.lat, event.lon) if coords and rank < _COUNTRY else (None, None)
    return _Where(rank, country, _place_name(event, rank, country), site_key, admin1_key, lat, lon)


def _place_name(event: Event, rank: int, country: str | None) -> str | None:
    """What to call a place in a reason: its site, its province, or a point in its country."""
    if rank < PLACE_RANKS["region"] and event.site:
        return event.site
    if rank <= PLACE_RANKS["region"] and event.admin1:
        return event.admin1
    if rank < _COUNTRY and event.lat is not None and event.lon is not None:
        return f"({event.lat:.2f}, {event.lon:.2f}) in {country or 'an unknown country'}"
    return country


def _km(a: _Where, b: _Where) -> float | None:
    if not (a.coords and b.coords):
        return None
    return distance_km({"lat": a.lat, "lon": a.lon}, {"lat": b.lat, "lon": b.lon})


# --- incidents under construction ---------------------------------------------------------------


@dataclass(slots=True)
class _Incident:
    """What resolution needs to know of an incident: its members' common date window, its most
    precise place (the anchor), every site and province name it was reported at, and which dates
    each report gave it."""

    id: str
    event_type: str
    mentions: list[Mention]
    window: tuple[float, float] | None
    when: _When  # the most precise date, for reasons
    anchor: _Where
    site_keys: set[str] = field(default_factory=set)
    admin1_keys: set[str] = field(default_factory=set)
    report_dates: dict[str, set[str]] = field(default_factory=dict)
    index_keys: set[tuple[Any, ...]] = field(default_factory=set)
    indexed_as: tuple[Any, ...] | None = None  # what the index keys were computed from

    @classmethod
    def open(cls, incident_id: str, mention: Mention) -> _Incident:
        when, where = _when(mention.event), where_of(mention.event)
        incident = cls(incident_id, mention.event.event_type, [], when.window, when, where)
        incident.absorb(mention, when, where)
        return incident

    def absorb(self, mention: Mention, when: _When, where: _Where) -> None:
        if self.mentions and when.window is not None and self.window is not None:
            self.window = (max(self.window[0], when.window[0]), min(self.window[1], when.window[1]))
        if when.rank < self.when.rank:
            self.when = when
        if where.rank < self.anchor.rank:
            self.anchor = where
        if where.site_key and where.rank < _COUNTRY:
            self.site_keys.add(where.site_key)
        if where.admin1_key and where.rank < _COUNTRY:
            self.admin1_keys.add(where.admin1_key)
        self.report_dates.setdefault(mention.report_id, set()).add(when.label)
        self.mentions.append(mention)


@dataclass(frozen=True, slots=True)
class _Candidate:
    coarse: bool  # one side knows only the country or the month: ranked after every finer candidate
    cost: float
    incident_id: str
    place: str
    date: str

    @property
    def order(self) -> tuple[bool, float, str]:
        return self.coarse, self.cost, self.incident_id


def _place_match(where: _Where, incident: _Incident) -> tuple[bool, float, str] | None:
    """(coarse, kilometres, reason) when the mention's place fits the incident's, else None."""
    anchor = incident.anchor
    if where.rank == NOWHERE or anchor.rank == NOWHERE:
        return None
    if where.country and anchor.country and where.country != anchor.country:
        return None
    if where.site_key and where.site_key in incident.site_keys:
        return False, 0.0, f"same site {where.name}"
    if where.rank == _COUNTRY or anchor.rank == _COUNTRY:
        if where.rank == anchor.rank:
            return False, 0.0, f"both located only in {where.country}"
        return True, 0.0, f"same country {where.country or anchor.country}"
    km = _km(where, anchor)
    region = PLACE_RANKS["region"]
    if (where.rank == region or anchor.rank == region) and where.admin1_key \
            and where.admin1_key in incident.admin1_keys:
        return False, km if km is not None else REGION_KM, f"same province {where.name}"
    if km is None:
        return None
    limit = max(where.radius, anchor.radius)
    if km > limit:
        return None
    return False, km, f"{km:.0f} km from {anchor.name} (within {limit:.0f} km)"


def _date_match(when: _When, mention: Mention, incident: _Incident) -> tuple[float, str] | None:
    """(cost in km, reason) when the mention's date fits the incident's, else None."""
    # Within one report the dates are the report's own: two events it dates differently are two
    # incidents, whatever the one-day tolerance that absorbs disagreements between reports.
    same_report = incident.report_dates.get(mention.report_id)
    if same_report is not None and same_report != {when.label}:
        return None
    if when.window is None or incident.window is None:
        # An undated mention could be any of a site's many attacks: it never joins a dated incident.
        return (0.0, "neither dated") if when.window is None and incident.window is None else None
    low, high = max(when.window[0], incident.window[0]), min(when.window[1], incident.window[1])
    if low > high:
        return None
    days = abs(when.center - incident.when.center)
    return days * KM_PER_DAY, f"dates {when.label} and {incident.when.label} agree"


# --- the resolver -------------------------------------------------------------------------------


class Resolver:
    """Groups mentions into incidents, one mention at a time.

    ``known`` are stored incidents with their mentions, in stored order; they are taken as they are
    (not re-resolved). ``comparisons`` counts the candidate incidents examined, so tests can check
    that resolution stays linear: candidates come from buckets of (type, week, grid cell / site
    name / country), never from a scan of every incident.
    """

    def __init__(self, known: Iterable[tuple[str, list[Mention]]] = ()) -> None:
        self.comparisons = 0
        self._incidents: dict[str, _Incident] = {}
        self._decisions: dict[str, Decision] = {}
        self._index: dict[tuple[Any, ...], dict[str, None]] = defaultdict(dict)
        for incident_id, mentions in known:
            self._load(incident_id, mentions)

    def add(self, mention: Mention) -> Decision:
        """Join ``mention`` to the closest compatible incident, or open a new one."""
        known = self._decisions.get(mention.key)
        if known is not None:
            return known
        when, where = _when(mention.event), where_of(mention.event)
        decision = self._join_or_open(mention, when, where)
        self._decisions[mention.key] = decision
        return decision

    def add_all(self, mentions: Iterable[Mention]) -> list[Decision]:
        return [self.add(m) for m in mentions]

    def incidents(self) -> dict[str, list[Mention]]:
        """Every incident id with its mentions, in the order they were opened and joined."""
        return {incident_id: list(incident.mentions) for incident_id, incident in self._incidents.items()}

    def decision(self, mention_key: str) -> Decision | None:
        return self._decisions.get(mention_key)

    # -- internals --

    def _load(self, incident_id: str, mentions: list[Mention]) -> None:
        if not mentions or incident_id in self._incidents:
            return
        incident = _Incident.open(incident_id, mentions[0])
        for mention in mentions[1:]:
            incident.absorb(mention, _when(mention.event), where_of(mention.event))
        self._incidents[incident_id] = incident
        self._reindex(incident)
        for n, mention in enumerate(mentions):
            self._decisions.setdefault(mention.key, Decision(mention.key, incident_id, n == 0,
                                                             f"stored in {incident_id}"))

    def _join_or_open(self, mention: Mention, when: _When, where: _Where) -> Decision:
        if where.rank == NOWHERE:
            return self._open(mention, "opened: no place to compare (no country, site or coordinates)")
        candidates = sorted((c for c in self._candidates(mention, when, where)), key=lambda c: c.order)
        if not candidates:
            return self._open(mention, f"opened: {_nothing_near(mention.event.event_type, when, where)}")
        best = candidates[0]
        if best.coarse and len(candidates) > 1:
            return self._open(mention, f"opened: {len(candidates)} {mention.event.event_type} incidents could "
                                       "match, each only by country or by month; choosing one would be a guess")
        incident = self._incidents[best.incident_id]
        incident.absorb(mention, when, where)
        self._reindex(incident)
        only = " (the only candidate)" if best.coarse else ""
        return Decision(mention.key, incident.id, False,
                        f"joined {incident.id}: {best.place}, {best.date}, both {incident.event_type}{only}")

    def _open(self, mention: Mention, reason: str) -> Decision:
        incident_id = base = incident_id_for(mention)
        n = 1
        while incident_id in self._incidents:  # only when a stored id was made otherwise
            n += 1
            incident_id = f"{base}-{n}"
        incident = _Incident.open(incident_id, mention)
        self._incidents[incident_id] = incident
        self._reindex(incident)
        return Decision(mention.key, incident_id, True, reason)

    def _candidates(self, mention: Mention, when: _When, where: _Where) -> Iterator[_Candidate]:
        seen: set[str] = set()
        for key in _query_keys(mention.event.event_type, when, where):
            for incident_id in self._index.get(key, ()):
                if incident_id in seen:
                    continue
                seen.add(incident_id)
                self.comparisons += 1
                candidate = self._compare(mention, when, where, self._incidents[incident_id])
                if candidate is not None:
                    yield candidate

    @staticmethod
    def _compare(mention: Mention, when: _When, where: _Where, incident: _Incident) -> _Candidate | None:
        if incident.event_type != mention.event.event_type:
            return None
        dated = _date_match(when, mention, incident)
        placed = _place_match(where, incident) if dated is not None else None
        if dated is None or placed is None:
            return None
        coarse, km, place_reason = placed
        # A month-only date against a finer one is as vague as a country against a site.
        vague = _MONTH in (when.rank, incident.when.rank) and when.rank != incident.when.rank
        return _Candidate(coarse or vague, km + dated[0], incident.id, place_reason, dated[1])

    def _reindex(self, incident: _Incident) -> None:
        signature = (incident.window, incident.anchor, len(incident.site_keys), len(incident.admin1_keys))
        if signature == incident.indexed_as:
            return  # joining changed nothing the index files it under
        incident.indexed_as = signature
        keys = set(_incident_keys(incident))
        for key in incident.index_keys - keys:
            self._index[key].pop(incident.id, None)
        for key in keys - incident.index_keys:
            self._index[key][incident.id] = None
        incident.index_keys = keys


def _nothing_near(event_type: str, when: _When, where: _Where) -> str:
    if when.window is None:
        time = "that is also undated"
    else:
        tolerance = {DATE_RANKS["day"]: "1 day", DATE_RANKS["week"]: f"{WEEK_DAYS} days"}.get(when.rank,
                                                                                             "the same month")
        time = f"and {tolerance} of {when.label}"
    if where.rank == _COUNTRY:
        return f"no {event_type} incident in {where.country} {time}"
    return f"no {event_type} incident within {where.radius:.0f} km of {where.name} {time}"


# --- the candidate index ------------------------------------------------------------------------


def _weeks(window: tuple[float, float] | None) -> range | list[None]:
    if window is None:
        return [None]
    return range(math.floor(window[0] / BUCKET_DAYS), math.floor(window[1] / BUCKET_DAYS) + 1)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG)


def _incident_keys(incident: _Incident) -> Iterator[tuple[Any, ...]]:
    """The buckets an incident is filed under: by grid cell of its anchor, by every site and
    province name (the latter twice: once for every incident, once more for those anchored at a
    province), by its country, and (when its anchor is coarse) in the coarse bucket of its country."""
    anchor, kind = incident.anchor, incident.event_type
    for week in _weeks(incident.window):
        if anchor.coords and anchor.rank < _COUNTRY:
            # Filed in every cell within the anchor's own radius; a mention searches the cells within
            # its radius. Whichever radius is larger, the pair shares a cell when within it.
            assert anchor.lat is not None and anchor.lon is not None
            yield from (("cell", kind, week, cell) for cell in _cells_around(anchor.lat, anchor.lon, anchor.radius))
        for site_key in incident.site_keys:
            yield ("site", kind, week, site_key)
        for admin1_key in incident.admin1_keys:
            yield ("admin1", kind, week, admin1_key)
            if anchor.rank == PLACE_RANKS["region"]:
                yield ("admin1-region", kind, week, admin1_key)
        if anchor.country:
            yield ("country", kind, week, anchor.country)
            if anchor.rank == _COUNTRY or not anchor.coords:
                yield ("coarse", kind, week, anchor.country)


def _query_keys(kind: str, when: _When, where: _Where) -> Iterator[tuple[Any, ...]]:
    """The buckets where every incident compatible with a mention is filed."""
    for week in _weeks(when.window):
        if where.rank == _COUNTRY or not where.coords:
            # Only the country is sure (or no coordinates to search around): every incident there.
            if where.country:
                yield ("country", kind, week, where.country)
            if where.site_key:
                yield ("site", kind, week, where.site_key)
            continue
        assert where.lat is not None and where.lon is not None
        yield from (("cell", kind, week, cell) for cell in _cells_around(where.lat, where.lon, where.radius))
        if where.site_key:
            yield ("site", kind, week, where.site_key)
        if where.admin1_key:  # a province joins whatever lies in it; a finer place, a province it lies in
            region = where.rank == PLACE_RANKS["region"]
            yield ("admin1" if region else "admin1-region", kind, week, where.admin1_key)
        if where.country:
            yield ("coarse", kind, week, where.country)


@lru_cache(maxsize=1 << 16)
def _cells_around(lat: float, lon: float, km: float) -> tuple[tuple[int, int], ...]:
    """The grid cells of every point within ``km`` of (lat, lon): a box one degree of latitude per
    111 km, of longitude per 111 km times the cosine at the box's poleward edge (where degrees of
    longitude are shortest), so it never falls short."""
    dlat = km / 111.0
    dlon = km / (111.0 * max(0.05, math.cos(math.radians(min(89.0, abs(lat) + dlat)))))
    (lat0, lon0), (lat1, lon1) = _cell(lat - dlat, lon - dlon), _cell(lat + dlat, lon + dlon)
    return tuple((a, b) for a in range(lat0, lat1 + 1) for b in range(lon0, lon1 + 1))
