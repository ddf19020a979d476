"""Where a sentence's events happened: the places it names, less those that only situate another.

A report names many places that locate no incident: the dateline, the war in Gaza mentioned in
passing, the province around a named base, the town near it, the countries where troops are
deployed. This module keeps the places an event happened at, most precise first.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

from .gazetteer import Site, haversine_km
from .lexicon import Match

if TYPE_CHECKING:
    from .extract import Doc, Number, Sentence

SPECIFIC = ("site", "town")
# finer than geo precision: a directional region ("eastern Syria") holds provinces and districts
TYPE_RANK = {"town": 1, "district": 2, "province": 3, "sea": 4, "region": 4, "country": 5}
LOCATOR_WINDOW = 2  # "south of Baghdad": direction word at most this many tokens before the place
COMPASS_WINDOW = 2  # "eastern Syria", "l'est de la Syrie", "Suriah timur"
CONTEXT_WINDOW = 3  # "its bombardment of Gaza": a trigger this close before another war's place
REGION_CONTAINS_KM = 250.0
TOWN_CONTAINS_KM = 15.0
SITUATE_WINDOW = 10
SITUATE_KM = 80.0  # a town names the area of a facility within this distance
JOIN_WINDOW = 3  # "al-Tanf and Rukban": an 'and' this close joins two places into a list
DATELINE_TOKENS = 2
MIN_TROOPS = 20  # deployments are counted in hundreds; small numbers near troops are casualties
DEPLOYMENT_WINDOW = 3  # "900 soldiers in Syria": a place right after a count of troops says where they are
TROOP_LIST_GAP = 6


@cache
def theatre() -> tuple[frozenset[str], frozenset[str]]:
    """(countries whose bare name locates an event, countries that locate none): data/theatre.yaml."""
    data = yaml.safe_load((resources.files("osintrack") / "data" / "theatre.yaml").read_text(encoding="utf-8"))
    return frozenset(data["countries"]), frozenset(data["context_only"])


def event_places(doc: Doc, s: Sentence) -> list[tuple[Site, Match]]:
    """The places a sentence's events happened at, most precise first, one per distinct place."""
    found: list[tuple[Site, Match]] = []
    directions = s.having("direction")
    bare_countries, context_only = theatre()
    for m in s.having("place"):
        site = doc.gazetteer.get(m.value("place"))
        if site.country in context_only or _dateline(doc, m) or _nowhere(site):
            continue
        if site.precision == "country":
            site = _compass_region(doc, site, m, directions)
            if site.precision == "country" and site.country not in bare_countries:
                continue
        found.append((site, m))
    found = _drop_locators(found, directions, [m.start for m in s.having("tally", "and")])
    return _drop_situating_towns(doc, s, found)


def _drop_situating_towns(doc: Doc, s: Sentence, found: list[tuple[Site, Match]]) -> list[tuple[Site, Match]]:
    """'Qasrak base in the countryside of Hasakah', 'near Erbil city ... Harir air base': a town
    named close to a facility, not joined to it by 'and', situates the facility."""
    sites = [(site, m) for site, m in found if site.precision == "site"]
    joins = [m.start for m in s.having("tally", "and")] + [m.start for site, m in found if _glued_and(doc, m)]

    def situates(town: Site, m: Match) -> bool:
        for site, other in sites:
            if haversine_km(town.lat, town.lon, site.lat, site.lon) > SITUATE_KM:
                continue
            lo, hi = (other.end, m.start) if other.start < m.start else (m.end, other.start)
            listed = hi - lo <= JOIN_WINDOW and any(lo <= j <= hi for j in joins)
            if 0 <= hi - lo <= SITUATE_WINDOW and not listed:
                return True
        return False

    return [(site, m) for site, m in found if site.precision != "town" or not situates(site, m)]


def _glued_and(doc: Doc, m: Match) -> bool:
    """'والركبان': the place's first word carries the conjunction as a clitic (Arabic و)."""
    form = doc.nt.forms[m.start]
    glued = [w for w in doc.pack.phrases("tallies", "and") if w in doc.pack.prefixes]
    return any(form.startswith(w) and len(form) > len(w) + 2 for w in glued)


def _nowhere(site: Site) -> bool:
    """A region of no country ('across the Middle East') locates nothing; a sea does (ships)."""
    return site.country is None and site.type != "sea"


def _dateline(doc: Doc, m: Match) -> bool:
    """'BAGHDAD, Agency -', 'WASHINGTON (AP) –': where the report was filed, not where it happened."""
    if m.start > DATELINE_TOKENS:
        return False
    start, end = doc.nt.orig_span(m.start, m.end)
    before, after = doc.report.text[:start], doc.report.text[end:end + 3]
    return "\n" not in before.strip() and bool(after) and after.lstrip(" ")[:1] in (",", "(", "-", "–", "—", ":")


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


def _drop_locators(found: list[tuple[Site, Match]], directions: list[Match],
                   joins: list[int]) -> list[tuple[Site, Match]]:
    """'Jurf al-Sakhar, south of Baghdad': a place right after a compass word only situates the
    place named before it, so it is not an event place of its own."""
    kept: list[tuple[Site, Match]] = []
    for site, m in found:
        locator = any(0 <= m.start - d.end <= LOCATOR_WINDOW for d in directions)
        situated = [k for k, km in kept if k.precision in SPECIFIC and 0 <= m.start - km.end <= SITUATE_WINDOW
                    and not any(km.end <= j < m.start for j in joins)]  # "near X and near Y" lists two
        if locator and site.precision != "country" and situated:
            continue
        kept.append((site, m))
    return kept


def drop_containers(found: list[tuple[Site, Match]]) -> list[tuple[Site, Match]]:
    """Places that contain a more precise one named with them only situate it ('Ain al-Asad, in Anbar,
    western Iraq')."""
    return [(site, m) for site, m in found
            if not any(other.id != site.id and contains(site, other) for other, _ in found)]


def rank(site: Site) -> int:
    return TYPE_RANK.get(site.type, 0)


def contains(outer: Site, inner: Site) -> bool:
    """Whether ``outer`` is a coarser place that ``inner`` lies in."""
    if rank(outer) <= rank(inner) or outer.country != inner.country:
        return False
    if outer.precision == "country":
        return True
    distance = haversine_km(outer.lat, outer.lon, inner.lat, inner.lon)
    if outer.precision == "town":  # a town holds only the facilities at its edge
        return distance <= TOWN_CONTAINS_KM
    if outer.admin1 and outer.admin1 == inner.admin1:
        return True
    return outer.type != "province" and distance <= REGION_CONTAINS_KM


def is_deployment(doc: Doc, s: Sentence, place: Match) -> bool:
    """'2,500 troops in Iraq and 900 in Syria': numbers of troops stationed, not an incident."""
    forces = [m for m in s.having("cue", "forces")] + [
        m for m in s.having("actor") if (a := doc.actors.get(m.value("actor"))) and a.type == "state_force"]
    casualty_ends = [m.end for m in s.having("cue", "killed") + s.having("cue", "injured")]
    in_dates = {i for d in s.dates for i in range(d.start, d.end)}
    for n in s.numbers:
        if n.ordinal or n.value < MIN_TROOPS or n.start in in_dates \
                or not 0 <= place.start - n.end <= DEPLOYMENT_WINDOW + 2:
            continue
        if any(0 <= n.start - e <= 1 for e in casualty_ends):  # "killed three soldiers at a base in X"
            continue
        if any(f.start == n.end and f.end <= place.start for f in forces) or _troop_list(s, n, forces):
            return True
    return False


def _troop_list(s: Sentence, n: Number, forces: list[Match]) -> bool:
    """'... et 900 en Syrie' after '2 500 soldats en Irak': the second number of a troop list."""
    return any(f.start == o.end and 0 <= n.start - o.end <= TROOP_LIST_GAP for o in s.numbers for f in forces
               if o is not n)


def context_places(doc: Doc, s: Sentence) -> list[Match]:
    """Places that locate no event of the theatre: other wars mentioned in passing."""
    bare_countries, context_only = theatre()
    out = []
    for m in s.having("place"):
        site = doc.gazetteer.get(m.value("place"))
        if site.country in context_only or _nowhere(site) or (
                site.precision == "country" and site.country not in bare_countries):
            out.append(m)
    return out


def about_context(trigger: Match, context: list[Match]) -> bool:
    """'its bombardment of Gaza', 'the war on Israel': the trigger tells of another war."""
    return any(0 <= m.start - trigger.end <= CONTEXT_WINDOW for m in context)


def names_facility(doc: Doc, s: Sentence) -> bool:
    return any(doc.gazetteer.get(m.value("place")).precision == "site" for m in s.having("place"))
