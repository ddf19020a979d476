"""The rules of FORMAT.md's "Scoring" section, one small function each, over plain JSON records.

Which predicted event may match which gold event (type, place, date), how close a pair is, which
fields of a matched pair are right, when tallies match, and how gold events group into incidents
across reports. ``osintrack.evaluate`` applies them.

Place rules depend on what gold knows. ``geo_precision`` says which rule applies; where gold lacks
what that rule needs (a region with neither coordinates nor admin1, a site with neither coordinates
nor name) gold effectively has only a country, and the country rule applies; with no place at all,
anything matches. ``geo_precision: country`` is the country rule even when coordinates are present.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any

from .actors import load_actors
from .language import normalize

Record = Mapping[str, Any]

SITE_KM = 20.0  # gold at site/town precision: match within this distance
REGION_KM = 100.0  # gold at region precision
PLACE_FIELD_KM = 10.0  # place field counted right within this distance
INCIDENT_KM = 25.0  # gold events this close on one day, of one type, are one incident
DAY_DAYS = 1  # gold day precision: match within this many days
WEEK_DAYS = 7  # gold week precision
WEEK_FIELD_DAYS = 3  # date field counted right for week precision within this many days
KM_PER_DAY = 20.0  # closeness: one day apart weighs as much as this many kilometres
TIE_BREAK = 1e-6  # closeness: weight of each disagreeing field, to break exact ties only

EVENT_FIELDS: tuple[str, ...] = ("date", "place", "weapon", "actor", "claimed_by", "killed", "injured",
                                 "intercepted")
TALLY_FIELDS: tuple[str, ...] = ("since", "as_of", "breakdown")
DATE_PRECISIONS = ("day", "week", "month")
GEO_PRECISIONS = ("site", "town", "region", "country")

_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")
_WORD = re.compile(r"\w+")


# --- values -------------------------------------------------------------------------------------


def parse_date(text: str) -> tuple[str, date | None] | None:
    """``(YYYY-MM, day or None)`` of ``YYYY-MM-DD`` or ``YYYY-MM``; None when it is neither."""
    m = _DATE.fullmatch(text)
    if m is None:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return None
    if m.group(3) is None:
        return f"{year:04d}-{month:02d}", None
    day = int(m.group(3))
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}", date(year, month, day)


def when(event: Record) -> tuple[str | None, date | None]:
    """``(month, day)`` an event is dated to; the day is None for month precision or a bare month."""
    text = event.get("date")
    parsed = parse_date(text) if isinstance(text, str) else None
    if parsed is None:
        return None, None
    month, day = parsed
    return month, None if event.get("date_precision") == "month" else day


def distance_km(a: Record, b: Record) -> float | None:
    """Great-circle distance between two records' ``lat``/``lon``; None when either lacks them."""
    if not (_has_coords(a) and _has_coords(b)):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _has_coords(record: Record) -> bool:
    return record.get("lat") is not None and record.get("lon") is not None


def name_key(name: Any) -> str | None:
    """A place or actor name folded for comparison: case, diacritics, apostrophes and other
    punctuation ignored."""
    if not isinstance(name, str):
        return None
    folded = normalize(name).text.replace("'", "")  # "Kata'ib" and "Kataib" are one spelling
    return " ".join(_WORD.findall(folded)) or None


def _same_name(a: Any, b: Any) -> bool:
    key = name_key(a)
    return key is not None and key == name_key(b)


def _country(record: Record) -> str | None:
    value = record.get("country")
    if not isinstance(value, str):
        return None
    return value.strip().upper() or None


def actor_key(name: Any) -> str | None:
    """The canonical form of an actor name: its canonical name when the actor table knows the alias,
    else the name itself, folded by ``name_key``. Empty names are None."""
    return _actor_key(name) if isinstance(name, str) else name_key(name)


@cache
def _actor_key(name: str) -> str | None:
    key = name_key(name)
    if key is None:
        return None
    return name_key(load_actors().canonical(name)) or key


def _same_value(a: Any, b: Any) -> bool:
    """Equality that does not take ``True`` for ``1`` or ``0`` for ``False``."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


# --- event matching -----------------------------------------------------------------------------


def place_rule(gold: Record) -> str:
    """Which place rule a gold event imposes: ``site``, ``region``, ``country`` or ``none``."""
    precision = gold.get("geo_precision")
    has_coords, site, admin1 = _has_coords(gold), name_key(gold.get("site")), name_key(gold.get("admin1"))
    if precision in ("site", "town") or (precision is None and site):
        if has_coords or site:
            return "site"
    elif precision == "region" or (precision is None and (has_coords or admin1)):
        if has_coords or admin1:
            return "region"
    return "country" if _country(gold) else "none"


def place_compatible(gold: Record, pred: Record) -> bool:
    rule = place_rule(gold)
    if rule == "none":
        return True
    if rule == "country":
        return _country(gold) == _country(pred)
    km = distance_km(gold, pred)
    if rule == "site":
        return (km is not None and km <= SITE_KM) or _same_name(gold.get("site"), pred.get("site"))
    return (km is not None and km <= REGION_KM) or _same_name(gold.get("admin1"), pred.get("admin1"))


def date_rule(gold: Record) -> str:
    """Which date rule a gold event imposes: ``day``, ``week``, ``month`` or ``none``."""
    month, day = when(gold)
    if month is None:
        return "none"
    if day is None:
        return "month"
    return "week" if gold.get("date_precision") == "week" else "day"


def date_compatible(gold: Record, pred: Record) -> bool:
    return within_date_rule(date_rule(gold), when(gold), when(pred))


def within_date_rule(rule: str, gold: tuple[str | None, date | None], pred: tuple[str | None, date | None]) -> bool:
    """Is ``pred``'s (month, day) within the date ``rule`` of gold's (``date_rule``, ``when``)?"""
    if rule == "none":
        return True
    (gold_month, gold_day), (pred_month, pred_day) = gold, pred
    if rule == "month":
        return pred_month == gold_month
    if pred_day is None or gold_day is None:  # a prediction without a day never matches a gold day
        return False
    return abs((pred_day - gold_day).days) <= (DAY_DAYS if rule == "day" else WEEK_DAYS)


def events_compatible(gold: Record, pred: Record) -> bool:
    """May ``pred`` match ``gold``: same type, and place and date within gold's rules."""
    return (gold.get("event_type") == pred.get("event_type")
            and place_compatible(gold, pred) and date_compatible(gold, pred))


def event_pair_cost(gold: Record, pred: Record) -> float:
    """How far apart a compatible pair is: days apart plus kilometres / KM_PER_DAY, where known;
    disagreeing fields only break exact ties."""
    cost = 0.0
    (_, gold_day), (_, pred_day) = when(gold), when(pred)
    if gold_day is not None and pred_day is not None:
        cost += abs((pred_day - gold_day).days)
    km = distance_km(gold, pred)
    if km is not None:
        cost += km / KM_PER_DAY
    wrong = sum(not ok for ok in event_field_checks(gold, pred).values())
    return cost + TIE_BREAK * wrong


# --- event fields -------------------------------------------------------------------------------


def event_field_checks(gold: Record, pred: Record) -> dict[str, bool]:
    """Right or wrong for each field counted on this matched pair (those where gold has a value;
    ``date`` and ``claimed_by`` are always counted: a null gold value wants a null prediction)."""
    checks = {"date": date_correct(gold, pred), "claimed_by": actor_key(gold.get("claimed_by"))
              == actor_key(pred.get("claimed_by"))}
    if place_rule(gold) != "none":
        checks["place"] = place_correct(gold, pred)
    if gold.get("weapon") is not None:
        checks["weapon"] = gold["weapon"] == (pred.get("weapon") or "unknown")
    if name_key(gold.get("actor")):
        checks["actor"] = actor_key(gold.get("actor")) == actor_key(pred.get("actor"))
    for name in ("killed", "injured"):
        if gold.get(name) is not None:
            checks[name] = _same_value(gold[name], pred.get(name))
    if gold.get("intercepted") is not None:
        checks["intercepted"] = _intercepted(gold) == _intercepted(pred)
    return {name: checks[name] for name in EVENT_FIELDS if name in checks}


def date_correct(gold: Record, pred: Record) -> bool:
    """Exact for day precision, within 3 days for week, same month for month; null wants null."""
    rule = date_rule(gold)
    if rule == "none":
        return pred.get("date") is None
    (gold_month, gold_day), (pred_month, pred_day) = when(gold), when(pred)
    if rule == "month":
        return pred_month == gold_month
    if pred_day is None or gold_day is None:
        return False
    return abs((pred_day - gold_day).days) <= (0 if rule == "day" else WEEK_FIELD_DAYS)


def place_correct(gold: Record, pred: Record) -> bool:
    """Within 10 km or the same site; gold at country precision wants the same country, gold at region
    precision is also right with the same admin1."""
    rule = place_rule(gold)
    if rule == "country":
        return _country(gold) == _country(pred)
    km = distance_km(gold, pred)
    if (km is not None and km <= PLACE_FIELD_KM) or _same_name(gold.get("site"), pred.get("site")):
        return True
    return rule == "region" and _same_name(gold.get("admin1"), pred.get("admin1"))


def _intercepted(event: Record) -> bool:
    """FORMAT.md: ``false`` and ``null`` are one answer (neither says every projectile was stopped)."""
    return event.get("intercepted") is True


def optional_event(gold: Record, published: Any) -> bool:
    """A gold event with a null date in a report that has a publication date is a background mention
    the report leaves unbounded: matching it counts neither for nor against, leaving it out is no miss."""
    return gold.get("date") is None and bool(published)


# --- tallies ------------------------------------------------------------------------------------


def tallies_compatible(gold: Record, pred: Record) -> bool:
    """Same metric, and the count is gold's count or the sum of gold's breakdown."""
    if gold.get("metric") != pred.get("metric"):
        return False
    count = pred.get("count")
    breakdown = gold.get("breakdown")
    total = sum(v for v in breakdown.values() if isinstance(v, int | float)) if isinstance(breakdown, Mapping) \
        and breakdown else None
    return _same_value(gold.get("count"), count) or (total is not None and _same_value(total, count))


def tally_field_checks(gold: Record, pred: Record) -> dict[str, bool]:
    """``since``, ``as_of`` and ``breakdown`` where gold has them: equal values."""
    checks = {}
    for name in TALLY_FIELDS:
        if gold.get(name) is not None:
            checks[name] = _normal_breakdown(gold[name]) == _normal_breakdown(pred.get(name))
    return checks


def _normal_breakdown(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k).upper(): v for k, v in value.items()}
    return value


def tally_pair_cost(gold: Record, pred: Record) -> float:
    return float(sum(not ok for ok in tally_field_checks(gold, pred).values()))


# --- incidents ----------------------------------------------------------------------------------


def incident_clusters(gold_events: Sequence[Record]) -> list[int | None]:
    """A cluster number per gold event (events of one incident share it), or None for events that
    take no part: only events at a named place on a known day are grouped, when they share day and
    type and are within INCIDENT_KM of each other or at the same site (transitively)."""
    eligible = [i for i, e in enumerate(gold_events) if date_rule(e) == "day" and name_key(e.get("site"))]
    parent = {i: i for i in eligible}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for n, i in enumerate(eligible):
        for j in eligible[n + 1:]:
            if _same_incident(gold_events[i], gold_events[j]):
                parent[root(j)] = root(i)
    return [root(i) if i in parent else None for i in range(len(gold_events))]


def _same_incident(a: Record, b: Record) -> bool:
    if a.get("event_type") != b.get("event_type") or when(a)[1] != when(b)[1]:
        return False
    km = distance_km(a, b)
    return (km is not None and km <= INCIDENT_KM) or _same_name(a.get("site"), b.get("site"))


# --- validation ---------------------------------------------------------------------------------


def validate_record(record: Any) -> str | None:
    """What is wrong with a gold or prediction record, or None when it can be scored."""
    if not isinstance(record, Mapping):
        return "expected a JSON object"
    if not isinstance(record.get("id"), str) or not record["id"]:
        return "record has no string 'id'"
    for key, check in (("events", _event_problem), ("tallies", _tally_problem)):
        items = record.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            return f"'{key}' must be a list"
        for n, item in enumerate(items, start=1):
            problem = check(item) if isinstance(item, Mapping) else "expected a JSON object"
            if problem is not None:
                return f"{key[:-1]} {n} of report {record['id']!r}: {problem}"
    return None


def _event_problem(event: Record) -> str | None:
    for name in ("lat", "lon"):
        value = event.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"'{name}' must be a number or null"
    if event.get("date_precision") not in (None, *DATE_PRECISIONS):
        return f"'date_precision' must be one of {', '.join(DATE_PRECISIONS)} or null"
    if event.get("geo_precision") not in (None, *GEO_PRECISIONS):
        return f"'geo_precision' must be one of {', '.join(GEO_PRECISIONS)} or null"
    return _date_problem(event, "date")


def _tally_problem(tally: Record) -> str | None:
    if not isinstance(tally.get("metric"), str):
        return "'metric' must be a string"
    count = tally.get("count")
    if isinstance(count, bool) or not isinstance(count, int | float):
        return "'count' must be a number"
    return _date_problem(tally, "since") or _date_problem(tally, "as_of")


def _date_problem(record: Record, name: str) -> str | None:
    value = record.get(name)
    if value is None or (isinstance(value, str) and parse_date(value) is not None):
        return None
    return f"'{name}' must be YYYY-MM-DD, YYYY-MM or null, not {value!r}"
