"""The tally ledger: official counts held against the incidents in the store, and successive
statements of one reporter differenced into per-interval counts. Rules: ``docs/resolution.md``.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from .model import Tally
from .resolve import WEEK_DAYS
from .scoring_rules import actor_key, parse_date

__all__ = ["DEFAULT_TALLY_COUNTRIES", "reconcile_tallies"]

DEFAULT_TALLY_COUNTRIES: tuple[str, ...] = ("IQ", "SY", "JO")  # where the tracked forces' bases are


class Counted(Protocol):
    """What the ledger reads of an incident (``fusion.Fused`` and the store's summaries both have it)."""

    @property
    def event_type(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...
    @property
    def date(self) -> str | None: ...
    @property
    def date_precision(self) -> str | None: ...
    @property
    def killed(self) -> int | None: ...
    @property
    def injured(self) -> int | None: ...


def reconcile_tallies(tallies: list[tuple[str, Tally]], incidents: Mapping[str, Counted],
                      countries: Sequence[str] = DEFAULT_TALLY_COUNTRIES) -> list[dict[str, Any]]:
    """For each ``(report_id, tally)``, in input order: how many stored incidents fall in the tally's
    window and countries, and the gap (official minus stored); a tally that follows an earlier one
    of the same reporter, metric and start also gets ``interval``: the two statements differenced."""
    fused = _attacks(incidents)
    out = [_reconcile_one(report_id, tally, fused, countries) for report_id, tally in tallies]
    for previous, current in _successions(tallies):
        out[current]["interval"] = _interval(tallies[previous], tallies[current], fused, countries)
    return out


@dataclass(frozen=True, slots=True)
class _Attack:
    """An attack incident as every tally counts it: its days are worked out once, not once a tally."""

    country: str | None
    span: tuple[date, date] | None
    killed: int | None
    injured: int | None


def _attacks(incidents: Mapping[str, Counted]) -> list[_Attack]:
    return [_Attack(i.country, _span(i), i.killed, i.injured)
            for i in (incidents[key] for key in sorted(incidents)) if i.event_type == "attack"]


def _reconcile_one(report_id: str, tally: Tally, fused: Sequence[_Attack],
                   default_countries: Sequence[str]) -> dict[str, Any]:
    breakdown = dict(tally.breakdown or {})
    countries = sorted(breakdown) if breakdown else list(default_countries)
    window = (_day(tally.since, first=True), _day(tally.as_of, first=False))
    stored = _stored(tally.metric, fused, countries, window)
    out: dict[str, Any] = {
        "report_id": report_id, "metric": tally.metric, "count": tally.count, "qualifier": tally.qualifier,
        "reported_by": tally.reported_by, "since": tally.since, "as_of": tally.as_of, "countries": countries,
        **stored, "gap": tally.count - stored["stored"], "interval": None,
    }
    if breakdown:
        out["by_country"] = {}
        for country in countries:
            counted = _stored(tally.metric, fused, [country], window)["stored"]
            out["by_country"][country] = {"official": breakdown[country], "stored": counted,
                                          "gap": breakdown[country] - counted}
    return out


def _stored(metric: str, fused: Sequence[_Attack], countries: Sequence[str],
            window: tuple[date | None, date | None]) -> dict[str, int]:
    """``stored``: what the store holds for ``metric`` wholly inside the window and countries (attack
    incidents, or the sum of their chosen killed/injured figures); ``uncertain``: incidents whose
    imprecise date straddles a window edge; ``undated``: incidents in those countries without a date;
    ``without_figure``: counted incidents with no casualty figure."""
    stored = uncertain = undated = without_figure = 0
    wanted = set(countries)
    for incident in fused:
        if incident.country not in wanted:
            continue
        span = incident.span
        if span is None:
            undated += 1
            continue
        inside, overlaps = _inside(span, window)
        if not inside:
            uncertain += overlaps
            continue
        if metric == "attacks":
            stored += 1
            continue
        figure = incident.killed if metric == "killed" else incident.injured
        if figure is None:
            without_figure += 1
        else:
            stored += figure
    return {"stored": stored, "uncertain": uncertain, "undated": undated, "without_figure": without_figure}


def _span(incident: Counted) -> tuple[date, date] | None:
    """The days an incident's fused date stands for (as in resolution: a week is 7 days either side)."""
    parsed = parse_date(incident.date) if incident.date else None
    if parsed is None:
        return None
    month, day = parsed
    if day is None or incident.date_precision == "month":
        first = date.fromisoformat(month + "-01")
        return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if incident.date_precision == "week":
        return day - timedelta(days=WEEK_DAYS), day + timedelta(days=WEEK_DAYS)
    return day, day


def _inside(span: tuple[date, date], window: tuple[date | None, date | None]) -> tuple[bool, bool]:
    """(wholly inside, partly inside) of a span in a window whose open ends are unbounded."""
    low, high = window
    after_start = low is None or span[0] >= low
    before_end = high is None or span[1] <= high
    touches = (low is None or span[1] >= low) and (high is None or span[0] <= high)
    return after_start and before_end, touches


def _day(text: str | None, *, first: bool) -> date | None:
    parsed = parse_date(text) if text else None
    if parsed is None:
        return None
    month, day = parsed
    if day is not None:
        return day
    start = date.fromisoformat(month + "-01")
    return start if first else start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _successions(tallies: list[tuple[str, Tally]]) -> Iterator[tuple[int, int]]:
    """Pairs (earlier, later) of positions: successive statements of one reporter about one metric
    counted from one start, in as_of order; restatements of the same day are skipped."""
    series: dict[tuple[Any, ...], list[tuple[date, int]]] = defaultdict(list)
    for position, (_, tally) in enumerate(tallies):
        as_of = _day(tally.as_of, first=False)
        if as_of is None:
            continue
        reporter = actor_key(tally.reported_by) if tally.reported_by else None
        series[(reporter, tally.metric, tally.since)].append((as_of, position))
    for statements in series.values():
        statements.sort()
        for (day_a, a), (day_b, b) in zip(statements, statements[1:], strict=False):
            if day_b > day_a:
                yield a, b


def _interval(earlier: tuple[str, Tally], later: tuple[str, Tally], fused: Sequence[_Attack],
              countries: Sequence[str]) -> dict[str, Any]:
    (before_id, before), (_, after) = earlier, later
    start = _day(before.as_of, first=False)
    assert start is not None
    start += timedelta(days=1)  # the earlier statement counted its own as_of day
    window = (start, _day(after.as_of, first=False))
    wanted = sorted(after.breakdown) if after.breakdown else list(countries)
    stored = _stored(after.metric, fused, wanted, window)
    delta = after.count - before.count
    return {"previous_report_id": before_id, "from": start.isoformat(), "to": after.as_of,
            "official_delta": delta, **stored, "gap": delta - stored["stored"]}
