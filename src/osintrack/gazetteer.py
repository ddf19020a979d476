"""Places of the theatre: names in every script for matching, coordinates and precision for coding.

Two CSV files in ``data/gazetteer/`` share one schema (docs/gazetteer.md): ``sites.csv`` is curated
by hand (bases, airports, oil and gas fields, crossings, ports, towns that need care, provinces,
regions, seas, countries); ``places.csv`` is generated from GeoNames by tools/build_gazetteer.py
(towns of 15,000 people or more). An alias written ``~alias`` names its row only inside a qualifier
phrase from ``qualifiers.csv`` ("city of X", "محافظة X"), because bare it usually means something
else: a province, a common word, a television channel.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

from .errors import DataError
from .language import normalize_phrase
from .placenames import MIN_BARE_SKELETON, MIN_SKELETON, Keys, NameIndex, Spelling, load_spelling, phrase_script

COLUMNS = ("id", "name", "type", "country", "admin1", "lat", "lon", "aliases", "notes")
DATA_FILES = ("sites.csv", "places.csv")
QUALIFIERS_FILE = "qualifiers.csv"
COMMON_WORDS_FILE = "common_words.txt"
FREQUENT_WORDS_FILE = "frequent_words.txt"
GEONAMES_NOTE = "GeoNames "  # how tools/build_gazetteer.py starts the notes of the rows it writes

SITE_TYPES = ("base", "airport", "oil_field", "gas_field", "facility", "border_crossing", "port")
PRECISION: Mapping[str, str] = MappingProxyType({
    **{t: "site" for t in SITE_TYPES},
    "town": "town",
    "district": "region", "province": "region", "region": "region", "sea": "region",
    "country": "country",
})
_PRECISION_RANK = {"site": 0, "town": 1, "region": 2, "country": 3}
FUZZY_PRECISIONS = ("site", "town")
# Fuzzy lookup answers only when its best place scores at least this much better than any other
# (placenames.NameIndex.scores: one skeleton edit is 1.0, one letter in six of the light key 0.17).
FUZZY_MARGIN = 0.15
# Types whose rows may have no country: open water, and strips whose sovereignty is disputed.
COUNTRYLESS_TYPES = frozenset({"sea", "region"})

BEARINGS: Mapping[str, float] = MappingProxyType({
    "north": 0.0, "northeast": 45.0, "east": 90.0, "southeast": 135.0,
    "south": 180.0, "southwest": 225.0, "west": 270.0, "northwest": 315.0,
})
_ADJECTIVES = {"north": "northern", "south": "southern", "east": "eastern", "west": "western",
               "northeast": "northeastern", "northwest": "northwestern",
               "southeast": "southeastern", "southwest": "southwestern"}
# Row and column of a 3x3 grid over a country's bounding box (row 0 = north, column 0 = west).
_CELLS = {"north": (0, 1), "northeast": (0, 2), "east": (1, 2), "southeast": (2, 2),
          "south": (2, 1), "southwest": (2, 0), "west": (1, 0), "northwest": (0, 0)}

EARTH_RADIUS_KM = 6371.0
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def _key(phrase: str) -> str:
    return " ".join(normalize_phrase(phrase))


@dataclass(frozen=True, slots=True)
class Site:
    """One place: a facility, town, province, region, sea or country."""

    id: str
    name: str  # neutral common English name
    type: str
    country: str | None  # ISO 3166-1 alpha-2
    admin1: str | None  # first-level division as the corpus gold writes it ("Al Anbar")
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()
    notes: str = ""
    # ``site``, ``town``, ``region`` or ``country``: FORMAT.md's geo_precision for this place (a field set
    # once, not a property: the extractor reads it a hundred times per report)
    precision: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "precision", PRECISION[self.type])

    def bare_names(self) -> list[str]:
        """Name and aliases that name this place on their own (not the ``~`` qualified-only ones)."""
        qualified = {_key(a[1:]) for a in self.aliases if a.startswith("~")}
        names = [] if _key(self.name) in qualified else [self.name]
        return names + [a for a in self.aliases if not a.startswith("~")]

    def qualified_names(self) -> list[str]:
        return [a[1:] for a in self.aliases if a.startswith("~")]


class Gazetteer:
    """Sites by id, with lookups by name (exact and fuzzy), country, province, coordinates and
    direction. Given spelling rules, it generates the other spellings of every name when built
    (docs/gazetteer.md, "Generated variants"). ``frequent`` lists the most frequent words of our
    languages, ``common`` the words of names and the variants that are ordinary words too: neither
    is generated or varied, and fuzzy lookup takes neither for a name."""

    def __init__(self, sites: Iterable[Site], qualifiers: Mapping[str, Iterable[str]] | None = None, *,
                 spelling: Spelling | None = None, common: Iterable[str] = (),
                 frequent: Iterable[str] = ()) -> None:
        by_id: dict[str, Site] = {}
        for site in sites:
            if site.id in by_id:
                raise DataError(f"duplicate gazetteer id {site.id!r}", field="id")
            by_id[site.id] = site
        self.sites: Mapping[str, Site] = MappingProxyType(by_id)
        self.qualifiers: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {t: tuple(ps) for t, ps in (qualifiers or {}).items()})
        self._countries = {s.country: s for s in by_id.values() if s.type == "country" and s.country}
        self._regions: dict[tuple[str, str], Site | None] = {}
        self._by_key: dict[str, list[Site]] = defaultdict(list)
        for site in self._ordered():
            for name in site.bare_names():
                if site not in self._by_key[_key(name)]:
                    self._by_key[_key(name)].append(site)
        self._spelling = spelling
        self.frequent = frozenset(frequent)
        self.common = frozenset(common) | self.frequent
        self._name_words: frozenset[str] | None = None
        self._fuzzy_index: NameIndex | None = None
        self.variants: Mapping[str, tuple[Variant, ...]] = MappingProxyType({})
        self.variant_counts: Mapping[str, int] = MappingProxyType({})
        if spelling is not None:
            table = _VariantTable(self, spelling, self.common)
            self.variants = MappingProxyType(table.kept)
            self.variant_counts = MappingProxyType(dict(table.counts))
            for site in self._ordered():
                for variant in self.variants.get(site.id, ()):
                    if not variant.qualified and site not in self._by_key[variant.key]:
                        self._by_key[variant.key].append(site)

    def __len__(self) -> int:
        return len(self.sites)

    def __iter__(self) -> Iterator[Site]:
        return iter(self.sites.values())

    def __contains__(self, site_id: object) -> bool:
        return site_id in self.sites

    def get(self, site_id: str) -> Site:
        """The site with this id; KeyError names the id when there is none."""
        try:
            return self.sites[site_id]
        except KeyError:
            raise KeyError(f"no gazetteer site {site_id!r}") from None

    def _ordered(self) -> list[Site]:
        # Ambiguous names list their places most precise first, so the payload order of a lexicon
        # match is site, town, region, country.
        return sorted(self.sites.values(), key=lambda s: _PRECISION_RANK[s.precision])

    def lookup(self, name: str) -> list[Site]:
        """Sites a bare name stands for, most precise first (empty when unknown)."""
        return list(self._by_key.get(_key(name), ()))

    # --- lexicon ------------------------------------------------------------------------------

    def lexicon_entries(self, lang: str | None = None) -> list[tuple[str, tuple[str, str]]]:
        """(phrase, ("place", site_id)) for every bare name and alias, plus qualifier phrases for
        ``~`` aliases and for names that several sites share ("province of X", "مدينة X"), plus
        the generated variants, limited to the scripts ``lang``'s reports are written in (all
        when ``lang`` is None; spelling.yaml, ``variant_scripts``)."""
        scripts = self._spelling.scripts_for(lang) if self._spelling is not None else frozenset()
        entries: list[tuple[str, tuple[str, str]]] = []
        for site in self._ordered():
            payload = ("place", site.id)
            variants = [v for v in self.variants.get(site.id, ()) if v.script in scripts]
            bare = site.bare_names() + [v.key for v in variants if not v.qualified]
            entries += [(name, payload) for name in bare]
            templates = self.qualifiers.get(site.type, ())
            if not templates:
                continue
            shared = [n for n in bare if len(self._by_key[_key(n)]) > 1]
            qualified = site.qualified_names() + [v.key for v in variants if v.qualified]
            for name in qualified + shared:
                entries += [(t.replace("{}", name), payload) for t in templates]
        return entries

    # --- fuzzy lookup -------------------------------------------------------------------------

    @property
    def spelling(self) -> Spelling:
        """The spelling rules variants were generated with (the shipped ones when none were given)."""
        return self._spelling or load_spelling()

    def fuzzy(self, name: str, *, country: str | None = None) -> Site | None:
        """The site or town a name the lexicon did not know most likely stands for, or None.

        ``name`` is the raw name in any script, as a report writes it next to a facility word
        ("Kherab al Jir", "Абу-Грейб", "خراب الجیر"); facility words and articles in it are
        ignored. Names are compared by script-independent keys (docs/gazetteer.md, "Fuzzy
        lookup"): a place is returned only when one of its names is within a few spelling edits
        and clearly closer than the names of any other place. ``country`` (ISO 3166-1 alpha-2)
        limits the search to one country. Places that share the winning name (a base and its
        town) go to the most precise."""
        spelling = self.spelling
        if not self._looks_like_a_name(name, spelling):
            return None
        query = spelling.keys(name)
        if query is None or len(query.skeleton) < (MIN_SKELETON if query.vowelled else MIN_BARE_SKELETON):
            return None
        if self._fuzzy_index is None:
            self._fuzzy_index = NameIndex(self._fuzzy_names(spelling))
        want = country.upper() if country else None
        scored = sorted(((score, _PRECISION_RANK[self.sites[i].precision], i, keys)
                         for i, (score, keys) in self._fuzzy_index.scores(query).items()
                         if want is None or self.sites[i].country == want))
        if not scored:
            return None
        score, _, best, keys = scored[0]
        rivals = [s for s, _, _, k in scored[1:] if (k.light, k.skeleton) != (keys.light, keys.skeleton)]
        if rivals and rivals[0] - score < FUZZY_MARGIN:
            return None
        if query.light in (keys.light + "i", keys.light + "y"):  # a nisba: 'Baghdadi' is of Baghdad, or a man
            return None
        return self.sites[best]

    def _looks_like_a_name(self, name: str, spelling: Spelling) -> bool:
        """False for words that are no name: all ordinary words ("As a result", "Nähe des"), a
        frequent word that no place name uses ("مسيرة في", "attacked the"), or Latin or Cyrillic
        words none of which is capitalised."""
        words = spelling.name_words(name)
        if self._name_words is None:  # words of names, not of phrases around them ("US Embassy in Baghdad")
            self._name_words = frozenset(w for s in self for n in [s.name, *s.aliases]
                                         for w in normalize_phrase(n.lstrip("~")) if len(normalize_phrase(n)) <= 3)
        if all(w in self.common or w in spelling.key_articles for w in words):
            return False
        if any(w in self.frequent and w not in self._name_words for w in words):
            return False
        own = [w for w in re.findall(r"[^\W\d_]+", name) if _key(w) in words and _key(w) not in self.common]
        cased = [w for w in own if w[0].isupper() or w[0].islower()]
        return not cased or any(w[0].isupper() for w in cased)

    def _fuzzy_names(self, spelling: Spelling) -> Iterator[tuple[str, Keys, bool]]:
        """(site id, keys, strict) of every name of a site or town; names of GeoNames rows are
        strict (placenames.NameIndex): hundreds of towns and villages. A facility's alias keeps
        its key without the facility words ("Erbil airport": Erbil), so that a facility and its
        town share it and the facility wins: the caller found the name next to a facility word."""
        for site in self._ordered():
            if site.precision not in FUZZY_PRECISIONS:
                continue
            strict = site.notes.startswith(GEONAMES_NOTE)
            found = {spelling.keys(n) for n in [site.name, *site.bare_names(), *site.qualified_names()]}
            yield from ((site.id, keys, strict) for keys in sorted(found - {None}, key=repr) if keys is not None)

    # --- lookups by code and position ---------------------------------------------------------

    def country_site(self, iso2: str) -> Site | None:
        return self._countries.get(iso2.upper())

    def admin1_site(self, country: str, admin1: str) -> Site | None:
        """The province row of ``country`` whose admin1 (or one of whose names) is ``admin1``."""
        want = _key(admin1)
        candidates = [s for s in self.sites.values() if s.type == "province" and s.country == country.upper()]
        for site in candidates:
            if site.admin1 is not None and _key(site.admin1) == want:
                return site
        for site in candidates:
            if want in {_key(n) for n in [*site.bare_names(), *site.qualified_names()]}:
                return site
        return None

    def nearest(self, lat: float, lon: float, *, types: Iterable[str] | None = None) -> Site:
        """The site closest to (lat, lon), among ``types`` if given; ValueError if none qualifies."""
        wanted = None if types is None else set(types)
        pool = [s for s in self.sites.values() if wanted is None or s.type in wanted]
        if not pool:
            raise ValueError(f"no gazetteer site of types {sorted(wanted or ())}")
        return min(pool, key=lambda s: (haversine_km(lat, lon, s.lat, s.lon), s.id))

    def offset(self, site: Site, direction: str, km: float = 15.0) -> tuple[float, float]:
        """The point ``km`` from ``site`` towards ``direction`` ("west of Hasakah")."""
        if direction not in BEARINGS:
            raise ValueError(f"unknown direction {direction!r}; expected one of {', '.join(BEARINGS)}")
        return destination(site.lat, site.lon, BEARINGS[direction], km)

    def region_of(self, country: str, direction: str) -> Site | None:
        """The directional region of a country ("eastern Syria"): the curated row ``<cc>-<direction>``
        when there is one, else a synthetic region at that part of the bounding box of the country's
        rows; None when the country is unknown or has no rows besides its own."""
        if direction not in BEARINGS:
            raise ValueError(f"unknown direction {direction!r}; expected one of {', '.join(BEARINGS)}")
        key = (country.upper(), direction)
        if key not in self._regions:  # the same few regions are asked for in report after report
            self._regions[key] = self._region_of(*key)
        return self._regions[key]

    def _region_of(self, cc: str, direction: str) -> Site | None:
        curated = self.sites.get(f"{cc.lower()}-{direction}")
        if curated is not None and curated.type == "region":
            return curated
        home = self.country_site(cc)
        rows = [s for s in self.sites.values() if s.country == cc and s.type != "country"]
        if home is None or not rows:
            return None
        lat, lon = _cell_centre(rows, direction)
        note = "synthetic: part of the bounding box of the country's rows"
        return Site(f"{cc.lower()}-{direction}", f"{_ADJECTIVES[direction]} {home.name}", "region", cc, None,
                    round(lat, 3), round(lon, 3), (), note)


@dataclass(frozen=True, slots=True)
class Variant:
    """A spelling generated from a name or alias: ``key`` in matching form (normalised words joined
    by spaces), its script, and whether it names the row only in a qualifier phrase."""

    key: str
    script: str
    qualified: bool


class _VariantTable:
    """The generated spellings of every row, with the reasons others were dropped (``counts``):

    - ``known``: already a name or alias of the same row;
    - ``short``: a single word under four letters (three in Arabic script);
    - ``common``: an ordinary word or a person's name in one of our languages (``common``, made by
      tools/build_gazetteer.py from word frequencies);
    - ``collision``: a name or alias of another row, or generated for rows that do not share the
      name it came from."""

    def __init__(self, gazetteer: Gazetteer, spelling: Spelling, common: frozenset[str]) -> None:
        self.counts: Counter[str] = Counter()
        known: dict[str, set[str]] = defaultdict(set)  # key of a name or alias -> ids of its rows
        for site in gazetteer:
            for name in [site.name, *site.bare_names(), *site.qualified_names()]:
                known[_key(name)].add(site.id)
        sources: dict[str, dict[str, tuple[str, bool]]] = defaultdict(dict)  # key -> id -> (source, qualified)
        for site in gazetteer:
            for source, qualified, key in self._generate(site, spelling, common):
                if site.id in known.get(key, ()):
                    self.counts["known"] += 1
                elif key not in sources or site.id not in sources[key]:
                    sources[key][site.id] = (source, qualified)
        self.kept: dict[str, tuple[Variant, ...]] = {}
        kept: dict[str, list[Variant]] = defaultdict(list)
        for key, owners in sources.items():
            reason = self._drop_reason(key, owners, known, common, gazetteer)
            self.counts[reason or "kept"] += len(owners)
            if reason is None:
                script = phrase_script(key) or "latin"
                for site_id, (_, qualified) in owners.items():
                    kept[site_id].append(Variant(key, script, qualified))
        self.kept = {site_id: tuple(sorted(vs, key=lambda v: v.key)) for site_id, vs in kept.items()}

    @staticmethod
    def _generate(site: Site, spelling: Spelling, common: frozenset[str]) -> Iterator[tuple[str, bool, str]]:
        """(source key, qualified, variant key) for every spelling generated from the row's names."""
        qualified_keys = dict.fromkeys(_key(a) for a in site.qualified_names())  # in file order
        names = [(_key(n), _key(n) in qualified_keys) for n in [site.name, *site.bare_names()]]
        names += [(k, True) for k in qualified_keys]
        russian_sources = 0
        ranked: list[tuple[int, int, str, str, bool]] = []  # (changes, name order, variant, source, qualified)
        own = {k for k, _ in names}
        # A GeoNames town already lists the spellings GeoNames knows: only its Latin name is varied
        # (bare شامية, its Arabic name without the article, is also an adjective). Rows broader
        # than a town get one change per variant, sites and towns two.
        geonames = site.notes.startswith(GEONAMES_NOTE)
        most = 2 if site.precision in FUZZY_PRECISIONS else 1
        varied = {_key(site.name), spelling.without_article(_key(site.name))}  # Al Qayyarah, Qayyarah
        for order, (source, qualified) in enumerate(dict(names).items()):
            core = spelling.core(source)
            if core != source and (not core or core in own):
                continue  # "base aérienne d'Aïn al-Assad": the lexicon finds Ain al-Assad's variants inside
            kind = phrase_script(source)
            if kind == "latin" and (not geonames or source in varied):
                found = spelling.latin_variants(source, common)
            elif kind == "arabic" and most == 2 and not geonames:
                found = spelling.arabic_variants(source)
            else:
                continue
            # a qualified name enters the lexicon once per qualifier phrase: one change is enough
            limit = 1 if qualified else most
            ranked += [(c, order, v, source, qualified) for v, c in found.items() if v != source and c <= limit]
        for name in [site.name] if geonames else [site.name, *site.bare_names()]:
            if most < 2 or russian_sources >= spelling.cy_names_per_row or not _is_proper_name(name, spelling):
                continue  # provinces, regions and countries have their Russian names in the CSV files
            spelled = spelling.cyrillic_spellings(_key(name))
            russian_sources += bool(spelled)
            ranked += [(0, 0, v, _key(name), _key(name) in qualified_keys) for v in spelled]
        seen: set[str] = set()
        for _, _, variant, source, qualified in sorted(ranked):  # fewest changes, then the first names
            if variant not in seen and len(seen) < spelling.max_per_row:
                seen.add(variant)
                yield source, qualified, variant

    @staticmethod
    def _drop_reason(key: str, owners: Mapping[str, tuple[str, bool]], known: Mapping[str, set[str]],
                     common: frozenset[str], gazetteer: Gazetteer) -> str | None:
        words = key.split()
        if len(words) == 1 and len(key) < (3 if phrase_script(key) == "arabic" else 4):
            return "short"
        if key in common:
            return "common"
        if key in known:
            return "collision"
        if len(owners) > 1:  # kept only for rows that already share the name each came from
            ids = set(owners)
            if any(not ids <= set(s.id for s in gazetteer.lookup(source)) for source, _ in owners.values()):
                return "collision"
        return None


def _is_proper_name(name: str, spelling: Spelling) -> bool:
    """A Latin name written as one (every word but articles and facility words capitalised): the
    kind of alias a Russian spelling is made from, not a French or Turkish phrase around it."""
    words = re.findall(r"[^\W\d_]+", name)
    if not words or not all(w.isascii() for w in words):
        return False
    lowered = spelling.articles | spelling.generic
    return all(w[0].isupper() or w.lower() in lowered for w in words) and any(w[0].isupper() for w in words)


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lon) along the initial bearing (degrees clockwise from north)."""
    d = km / EARTH_RADIUS_KM
    b, p1, l1 = math.radians(bearing_deg), math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return round(math.degrees(p2), 5), round((math.degrees(l2) + 540.0) % 360.0 - 180.0, 5)


def _cell_centre(rows: list[Site], direction: str) -> tuple[float, float]:
    lats, lons = [s.lat for s in rows], [s.lon for s in rows]
    row, col = _CELLS[direction]
    top, bottom, west, east = max(lats), min(lats), min(lons), max(lons)
    lat = top - (top - bottom) * (2 * row + 1) / 6
    lon = west + (east - west) * (2 * col + 1) / 6
    return lat, lon


# --- loading --------------------------------------------------------------------------------------

def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of a data CSV: '#' lines are comments; one row per line."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            yield number, next(csv.reader([line]))


def parse_sites(text: str, path: str) -> list[Site]:
    """Rows of one gazetteer CSV; DataError names ``path`` and the line of a malformed row."""
    rows = _csv_rows(text)
    number, header = next(rows, (0, []))
    if not header:
        raise DataError("no header row", path=path)
    if tuple(header) != COLUMNS:
        raise DataError(f"header must be {','.join(COLUMNS)}", path=path, line=number)
    return [_parse_row(fields, path, number) for number, fields in rows]


def _parse_row(fields: list[str], path: str, line: int) -> Site:
    if len(fields) != len(COLUMNS):
        raise DataError(f"expected {len(COLUMNS)} fields, found {len(fields)}", path=path, line=line)
    rec = dict(zip(COLUMNS, (f.strip() for f in fields), strict=True))
    if not _ID.match(rec["id"]):
        raise DataError(f"id {rec['id']!r} must be lower-case words joined by '-'", path=path, line=line,
                        field="id")
    if rec["type"] not in PRECISION:
        raise DataError(f"unknown type {rec['type']!r}", path=path, line=line, field="type",
                        hint=f"one of {', '.join(PRECISION)}")
    if not _COUNTRY.match(rec["country"]) and not (rec["country"] == "" and rec["type"] in COUNTRYLESS_TYPES):
        raise DataError(f"country {rec['country']!r} is not an ISO 3166-1 alpha-2 code", path=path, line=line,
                        field="country")
    lat = _coordinate(rec["lat"], 90.0, path, line, "lat")
    lon = _coordinate(rec["lon"], 180.0, path, line, "lon")
    if not rec["name"]:
        raise DataError("empty name", path=path, line=line, field="name")
    aliases = tuple(a.strip() for a in rec["aliases"].split("|") if a.strip())
    return Site(rec["id"], rec["name"], rec["type"], rec["country"] or None, rec["admin1"] or None, lat, lon,
                aliases, rec["notes"])


def _coordinate(text: str, limit: float, path: str, line: int, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{name} {text!r} is not a number", path=path, line=line, field=name) from None
    if not -limit <= value <= limit or math.isnan(value):
        raise DataError(f"{name} {value} out of range", path=path, line=line, field=name)
    return value


def parse_qualifiers(text: str, path: str) -> dict[str, list[str]]:
    """Qualifier phrases by row type from qualifiers.csv (columns type, lang, phrase)."""
    out: dict[str, list[str]] = defaultdict(list)
    rows = _csv_rows(text)
    next(rows, None)  # the header
    for number, fields in rows:
        if len(fields) != 3 or fields[0] not in PRECISION or fields[2].count("{}") != 1:
            raise DataError("expected type,lang,phrase with one '{}' in the phrase", path=path, line=number)
        out[fields[0]].append(fields[2])
    return dict(out)


def parse_common_words(text: str) -> frozenset[str]:
    """The keys of common_words.txt or frequent_words.txt: one phrase in matching form a line, '#'
    lines are comments."""
    return frozenset(" ".join(normalize_phrase(line)) for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


@cache
def load_gazetteer() -> Gazetteer:
    """The shipped gazetteer: sites.csv and places.csv, with qualifier phrases and the variants
    spelling.yaml generates, less those common_words.txt and frequent_words.txt list (read once)."""
    folder = resources.files("osintrack") / "data" / "gazetteer"
    sites: list[Site] = []
    for name in DATA_FILES:
        path = folder / name
        sites += parse_sites(path.read_text(encoding="utf-8"), str(path))
    qualifiers_path = folder / QUALIFIERS_FILE
    qualifiers = parse_qualifiers(qualifiers_path.read_text(encoding="utf-8"), str(qualifiers_path))
    common = parse_common_words((folder / COMMON_WORDS_FILE).read_text(encoding="utf-8"))
    frequent = parse_common_words((folder / FREQUENT_WORDS_FILE).read_text(encoding="utf-8"))
    try:
        return Gazetteer(sites, qualifiers, spelling=load_spelling(), common=common, frequent=frequent)
    except DataError as exc:
        raise DataError(exc.message, path=str(folder),
                        hint="ids must be unique across sites.csv and places.csv") from exc
