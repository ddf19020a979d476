"""The places a sentence names, each with what the text says of its role.

A report names many places that locate no incident: the dateline, the war in Gaza mentioned in
passing, the province around a named base, the town near it, the countries where troops are
deployed. This module does not drop them: it reads each place with flags (dateline, locator,
container, situating town, deployment, list member...) that the decision stage weighs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..gazetteer import Site, haversine_km
from ..lexicon import Match
from .document import Doc, Number, Sentence, theatre

SPECIFIC = ("site", "town")
COMPASS = ("north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest")
_COMPASS_IDS = tuple(f"-{d}" for d in COMPASS)  # ids of the compass regions of a country (sy-northeast)
# finer than geo precision: a directional region ("eastern Syria") holds provinces and districts
TYPE_RANK = {"town": 1, "district": 2, "province": 3, "sea": 4, "region": 4, "country": 5}
LOCATOR_WINDOW = 2  # "south of Baghdad": direction word at most this many tokens before the place
DISTANCE_WINDOW = 3  # "190 km northwest of": a number this close before the direction word measures a distance
COMPASS_WINDOW = 2  # "eastern Syria", "l'est de la Syrie", "Suriah timur"
REGION_CONTAINS_KM = 250.0
TOWN_CONTAINS_KM = 15.0
SITUATE_WINDOW = 10
SITUATE_KM = 80.0  # a town names the area of a facility within this distance
JOIN_WINDOW = 3  # "al-Tanf and Rukban": an 'and' this close joins two places into a list
DATELINE_TOKENS = 2
NAME_WINDOW = 2  # a known place this close to a facility word is the facility's name
NAME_TOKENS = 3  # at most this many unknown words make a facility's name
DATELINE_CHARS = 40  # a dateline's place stands this close to the start of its line
MIN_TROOPS = 20  # deployments are counted in hundreds; small numbers near troops are casualties
DEPLOYMENT_WINDOW = 5  # "900 soldiers in Syria": a place right after a count of troops says where they are
TROOP_LIST_GAP = 6
_NAME_STOPS = frozenset(",;:.()\"«»“”")  # punctuation no place name runs across


# Not frozen, though nothing changes one once made: one is made for every place a sentence names, and a
# frozen dataclass's __init__ (object.__setattr__ per field) is about three times slower (as lexicon.Match).
@dataclass(slots=True, unsafe_hash=True)
class Place:
    """One place a sentence names, read in its context."""

    match: Match
    site: Site
    compass: bool = False  # a directional region read from "eastern Syria", "شرق سوريا"
    dateline: bool = False  # "BAGHDAD, Agency -": where the report was filed
    outside: bool = False  # another war's country, or a bare country outside the theatre
    locator: bool = False  # "X, south of Baghdad": only situates the place before it
    container: bool = False  # holds a more precise place the sentence names ("Ain al-Asad, in Anbar")
    situating: bool = False  # a town named beside a facility near it ("Harir base near Erbil")
    deployment: bool = False  # "900 soldiers in Syria"
    listed: bool = False  # joined by 'and' to another place ("al-Tanf and Rukban")


def sentence_sites(doc: Doc, s: Sentence) -> list[tuple[Site, Match, bool]]:
    """(site, words, read from a compass phrase) of every place the sentence names that lies somewhere
    (not 'the Middle East'): what report-wide counts need, without the flags."""
    key = "sites"
    if key in s.memo:
        return s.memo[key]  # type: ignore[return-value]
    directions = s.having("direction")
    raw: list[tuple[Site, Match, bool]] = []
    for m in s.having("place"):
        site = doc.gazetteer.get(m.value("place"))
        if _nowhere(site):
            continue
        compass = False
        if site.precision == "country":
            region = _compass_region(doc, site, m, directions)
            compass, site = region is not site, region
        raw.append((site, m, compass))
    raw += [(site, m, False) for site, m in _unknown_names(doc, s)]
    s.memo[key] = raw
    return raw


def _unknown_names(doc: Doc, s: Sentence) -> list[tuple[Site, Match]]:
    """Places the lexicon did not know, named beside a facility word ('the base of Kherab al Jir',
    'Robarya Üssü'): the words next to it that no entry covers, looked up by spelling keys
    (``Gazetteer.fuzzy``), where no known place stands beside the word already."""
    if not (s.has("trigger") or s.has("weapon")):  # only where violence is told
        return []
    places = s.having("place")
    facilities = [f for f in s.having("cue", "facility") if not any(
        -NAME_WINDOW <= p.start - f.end <= NAME_WINDOW or -NAME_WINDOW <= f.start - p.end <= NAME_WINDOW
        for p in places)]
    if not facilities:
        return []
    covered = {i for m in s.matches for i in range(m.start, m.end)}
    covered |= {i for n in s.numbers for i in range(n.start, n.end)}
    out = []
    for f in facilities:
        for run in (_run(doc, s, f.end, 1, covered), _run(doc, s, f.start - 1, -1, covered)):
            if run is None:
                continue
            start, end = doc.nt.orig_span(*run)
            site = _fuzzy(doc.report.text[start:end])
            if site is not None:
                out.append((site, Match(run[0], run[1], (("place", site.id),))))
                break
    return out


def _run(doc: Doc, s: Sentence, i: int, step: int, covered: set[int]) -> tuple[int, int] | None:
    """Up to NAME_TOKENS uncovered tokens from token ``i`` on, in direction ``step``, within the
    sentence and not across punctuation, past the common words next to the facility word ('of',
    'de'): (first, one past the last)."""
    common = doc.gazetteer.common
    while s.start <= i < s.end and i not in covered and doc.nt.forms[i] in common:
        i += step
    tokens: list[int] = []
    while s.start <= i < s.end and i not in covered and len(tokens) < NAME_TOKENS:
        if tokens and _stop_between(doc, min(i, tokens[-1]), max(i, tokens[-1])):
            break
        tokens.append(i)
        i += step
    return (min(tokens), max(tokens) + 1) if tokens else None


def _stop_between(doc: Doc, a: int, b: int) -> bool:
    start = doc.nt.orig_index(doc.nt.ends[a] - 1) + 1
    end = doc.nt.orig_index(doc.nt.starts[b])
    return not _NAME_STOPS.isdisjoint(doc.report.text[start:end])


@lru_cache(maxsize=4096)
def _fuzzy(name: str) -> Site | None:
    from ..gazetteer import load_gazetteer

    return load_gazetteer().fuzzy(name)


def outside(site: Site) -> bool:
    """In another war's country, or a bare country outside the theatre."""
    bare_countries, context_only = theatre().countries, theatre().context_only
    return site.country in context_only or (site.precision == "country" and site.country not in bare_countries)


def sentence_places(doc: Doc, s: Sentence) -> list[Place]:
    """Every place the sentence names that lies somewhere (not 'the Middle East'), with its flags."""
    key = "places"
    if key in s.memo:
        return s.memo[key]  # type: ignore[return-value]
    directions = s.having("direction")
    raw = sentence_sites(doc, s)
    joins = [m.start for m in s.having("tally", "and")] + [m.start for _, m, _ in raw if doc.glued_and(m.start)]
    facility_words = [f.start for f in s.having("cue", "facility")]
    places = []
    for site, m, compass in raw:
        places.append(Place(
            m, site, compass=compass, dateline=dateline(doc, m), outside=outside(site),
            locator=_locator(m, site, raw, directions, joins, s.numbers, facility_words),
            container=any(other.id != site.id and contains(site, other) for other, _, _ in raw),
            situating=site.precision == "town" and _situates(site, m, raw, joins),
            deployment=_deployment(doc, s, m), listed=_listed(m, raw, joins)))
    s.memo[key] = places
    return places


def _nowhere(site: Site) -> bool:
    """A region of no country ('across the Middle East') locates nothing; a sea does (ships)."""
    return site.country is None and site.type != "sea"


def dateline(doc: Doc, m: Match) -> bool:
    """'BAGHDAD, Agency -', 'WASHINGTON (AP) –' opening the report or a line (a digest of several
    reports): where a report was filed, not where it happened."""
    start, end = doc.nt.orig_span(m.start, m.end)
    text = doc.report.text
    line_start = text.rfind("\n", max(0, start - DATELINE_CHARS), start) + 1
    if start - line_start >= DATELINE_CHARS:
        return False
    before, after = text[line_start:start], text[end:end + 3]
    if len(before.split()) > DATELINE_TOKENS:
        return False
    return bool(after) and after.lstrip(" ")[:1] in (",", "(", "-", "–", "—", ":")


def _compass_region(doc: Doc, country: Site, m: Match, directions: list[Match]) -> Site:
    """'eastern Syria', 'Suriah timur', 'شرق سوريا' -> the directional region of the country."""
    for d in directions:
        if d.value("direction") == "near":
            continue
        if 0 <= m.start - d.end <= COMPASS_WINDOW or 0 <= d.start - m.end <= 1:
            region = doc.gazetteer.region_of(country.country or "", d.value("direction"))
            if region is not None:
                return region
    return country


def _locator(m: Match, site: Site, raw: list[tuple[Site, Match, bool]], directions: list[Match],
             joins: list[int], numbers: list[Number], facilities: list[int]) -> bool:
    """'Jurf al-Sakhar, south of Baghdad': a place right after a compass word, after a precise place;
    '(the base) 190 km northwest of Baghdad': after a distance, however far the precise place is. A
    facility word between the two ('Ain al-Asad, then a base near Erbil airport') is what it situates.
    A country only after 'near', and then whatever precedes it ('a remote base in Jordan near the
    Syrian border'): an incident near a border is not in that country; 'north of Iraq' names a region."""
    before = [d for d in directions if 0 <= m.start - d.end <= LOCATOR_WINDOW]
    if site.precision == "country":
        return any(d.value("direction") == "near" for d in before)
    if not before:
        return False
    measured = any(0 <= d.start - n.end <= DISTANCE_WINDOW for d in before for n in numbers)
    window = m.start if measured else SITUATE_WINDOW
    return any(k.precision in SPECIFIC and 0 <= m.start - km.end <= window
               and not any(km.end <= j < m.start for j in joins)
               and not any(km.end <= f < before[0].start for f in facilities) for k, km, _ in raw)


def _situates(town: Site, m: Match, raw: list[tuple[Site, Match, bool]], joins: list[int]) -> bool:
    """'Qasrak base in the countryside of Hasakah', 'near Erbil city ... Harir air base': a town named
    close to a facility, not joined to it by 'and', situates the facility."""
    for site, other, _ in raw:
        if site.precision != "site" or haversine_km(town.lat, town.lon, site.lat, site.lon) > SITUATE_KM:
            continue
        lo, hi = (other.end, m.start) if other.start < m.start else (m.end, other.start)
        listed = hi - lo <= JOIN_WINDOW and any(lo <= j <= hi for j in joins)
        if 0 <= hi - lo <= SITUATE_WINDOW and not listed:
            return True
    return False


def _listed(m: Match, raw: list[tuple[Site, Match, bool]], joins: list[int]) -> bool:
    for _, other, _ in raw:
        if other is m:
            continue
        lo, hi = (other.end, m.start) if other.start < m.start else (m.end, other.start)
        if 0 <= hi - lo <= JOIN_WINDOW + 2 and any(lo <= j <= hi for j in joins):
            return True
    return False


def _deployment(doc: Doc, s: Sentence, place: Match) -> bool:
    """'2,500 troops in Iraq and 900 in Syria': numbers of troops stationed, not an incident."""
    counts = [n for n in _troop_counts(s) if 0 <= place.start - n.end <= DEPLOYMENT_WINDOW]
    if not counts:  # most places: no count of troops right before them
        return False
    forces = list(s.having("cue", "forces")) + [
        m for m in s.having("actor") if (a := doc.actors.get(m.value("actor"))) and a.type == "state_force"]
    casualty_ends = [m.end for m in s.having("cue", "killed") + s.having("cue", "injured")]
    for n in counts:
        if any(0 <= n.start - e <= 1 for e in casualty_ends):  # "killed three soldiers at a base in X"
            continue
        if any(f.start == n.end and f.end <= place.start for f in forces) or any(
                f.start == o.end and 0 <= n.start - o.end <= TROOP_LIST_GAP
                for o in s.numbers for f in forces if o is not n):
            return True
    return False


def _troop_counts(s: Sentence) -> list[Number]:
    """The numbers of a sentence that may count troops stationed: cardinals of MIN_TROOPS or more, not part
    of a date (a year is one). Read once per sentence: every place of it asks."""
    found: list[Number] | None = s.memo.get("troop_counts")  # type: ignore[assignment]
    if found is None:
        in_dates = {i for d in s.dates for i in range(d.start, d.end)}
        found = s.memo["troop_counts"] = [n for n in s.numbers if not n.ordinal and n.value >= MIN_TROOPS
                                          and n.start not in in_dates]
    return found


def coarse(site: Site) -> bool:
    """A country, a province or a compass region ("eastern Syria"): a place that says little of where.
    A named area (the Golan Heights, the Green Zone) is told like a place."""
    return site.type in ("country", "province") or site.id.endswith(_COMPASS_IDS)


def contains(outer: Site, inner: Site) -> bool:
    """Whether ``outer`` is a coarser place that ``inner`` lies in."""
    if outer.country != inner.country or TYPE_RANK.get(outer.type, 0) <= TYPE_RANK.get(inner.type, 0):
        return False
    if outer.precision == "country":
        return True
    distance = haversine_km(outer.lat, outer.lon, inner.lat, inner.lon)
    if outer.precision == "town":  # a town holds only the facilities at its edge
        return distance <= TOWN_CONTAINS_KM
    if outer.admin1 and outer.admin1 == inner.admin1:
        return True
    return outer.type != "province" and distance <= REGION_CONTAINS_KM


def near(a: Site, b: Site, km: float) -> bool:
    return a.id == b.id or haversine_km(a.lat, a.lon, b.lat, b.lon) <= km
