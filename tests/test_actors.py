"""The actors dictionary: schema, affiliations on a date, canonical names, lexicon entries, gold names."""

from __future__ import annotations

import json
import os
import re
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from osintrack.actors import ACTOR_TYPES, ALIAS_LANGUAGES, Actors, load_actors, name_key, parse_actors
from osintrack.errors import DataError
from osintrack.language import normalize
from osintrack.lexicon import Lexicon

GOLDEN = yaml.safe_load((Path(__file__).parent / "golden" / "actors.yaml").read_text(encoding="utf-8"))
CORPUS = Path(os.environ.get("OSINTRACK_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
# Words that must never appear in a canonical name, whatever reports call an actor.
LOADED = re.compile(r"zionis|occupation|occupier|(?<!counter-)terroris|regime|crusader|mujahid|martyr|enemy|"
                    r"\bproxy|resistance fighters|aggressor|infidel|apostate|heroic", re.IGNORECASE)
SOURCE_FLOOR = 0.9  # share of gold confirmed_by/reported_by names that must canonicalise


@pytest.fixture(scope="module")
def actors() -> Actors:
    return load_actors()


# --- schema ---------------------------------------------------------------------------------------

def test_loads_with_expected_size(actors: Actors) -> None:
    assert len(actors) >= 60
    assert {a.type for a in actors} <= ACTOR_TYPES


def test_every_actor_is_well_formed(actors: Actors) -> None:
    for actor in actors:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", actor.id), actor.id
        assert actor.country is None or re.fullmatch(r"[A-Z]{2}", actor.country), actor.id
        assert {code for code, _ in actor.by_lang} <= set(ALIAS_LANGUAGES), actor.id
        for link in actor.parents:
            assert actors.get(link.id) is not None, (actor.id, link.id)


@pytest.mark.parametrize("name", sorted(a.name for a in load_actors()))
def test_canonical_names_are_neutral(name: str) -> None:
    assert not LOADED.search(name), name


def test_required_actors_are_present(actors: Actors) -> None:
    required = """united-states us-forces centcom pentagon us-official us-defense-official
        us-military-official israel israel-defense-forces iran irgc quds-force iraq iraqi-security-forces
        iraqi-counter-terrorism-service iraqi-security-sources kurdistan-counter-terrorism syria
        jordan turkey islamic-resistance-in-iraq kataib-hezbollah harakat-al-nujaba
        kataib-sayyid-al-shuhada kataib-al-imam-ali ansar-allah-al-awfiya asaib-ahl-al-haq
        badr-organization popular-mobilization-forces hezbollah houthis hamas
        palestinian-islamic-jihad islamic-state syrian-democratic-forces pkk ypg
        syrian-observatory-for-human-rights iran-backed-militias reuters afp associated-press
        al-mayadeen sabereen-news""".split()
    assert [i for i in required if i not in actors] == []


def test_main_actors_have_aliases_in_every_language(actors: Actors) -> None:
    for actor_id in ("united-states", "us-forces", "islamic-resistance-in-iraq", "kataib-hezbollah",
                     "iran-backed-militias", "israel", "pentagon", "centcom"):
        actor = actors.get(actor_id)
        assert actor is not None
        langs = {code for code, names in actor.by_lang if names}
        assert {"en", "fr", "id", "ar", "es", "de", "it", "pt", "tr", "fa", "ru"} - langs - {"mul"} <= \
            ({"en"} if actor_id in ("centcom", "pentagon") else set()), actor_id


# --- malformed files ------------------------------------------------------------------------------

def _entry(actor_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": actor_id, "name": actor_id.title(), "type": "armed_group", "country": None, **fields}


@pytest.mark.parametrize(("data", "needle"), [
    ({"not": "a list"}, "must be a list"),
    ([_entry("a"), _entry("a")], "duplicate actor id 'a'"),
    ([_entry("Bad_Id")], "kebab-case"),
    ([_entry("a", type="warlord")], "type 'warlord'"),
    ([_entry("a", country="Iraq")], "country 'Iraq'"),
    ([_entry("a", parents=[{"id": "nobody"}])], "unknown parent id 'nobody'"),
    ([_entry("a", parents=[{"id": "b", "from": "2023-13-01"}]), _entry("b")], "is not a date"),
    ([_entry("a", parents=[{"id": "b", "from": "2024-01-01", "until": "2023-01-01"}]), _entry("b")],
     "before"),
    ([_entry("a", parents=[{"id": "b"}]), _entry("b", parents=[{"id": "a"}])], "own ancestor"),
    ([_entry("a", aliases={"xx": ["A"]})], "alias language 'xx'"),
    ([_entry("a", aliases={"en": ["..."]})], "at least one letter"),
    ([_entry("a", colour="red")], "unknown field"),
    ([_entry("a", aliases={"en": ["The Group"]}), _entry("b", aliases={"fr": ["the group"]})],
     "alias 'the group' of actor 'b' also names actor 'a'"),
])
def test_malformed_entries_raise_data_error_naming_file_and_actor(data: Any, needle: str) -> None:
    with pytest.raises(DataError) as info:
        parse_actors(data, "actors.yaml")
    assert "actors.yaml" in str(info.value)
    assert needle in str(info.value)


def test_deliberate_shared_alias_is_allowed_and_ambiguous() -> None:
    table = parse_actors([_entry("a", aliases={"en": ["The Group"]}, shared_aliases=["The Group"]),
                          _entry("b", aliases={"en": ["the group"]})], "actors.yaml")
    assert table.canonical("The Group") is None
    assert table.canonical("A") == "A"


# --- affiliations ---------------------------------------------------------------------------------

def test_date_bounded_parent(actors: Actors) -> None:
    assert actors.parent("kataib-hezbollah", date(2023, 9, 1)).id == "popular-mobilization-forces"  # type: ignore[union-attr]
    assert actors.parent("kataib-hezbollah", date(2023, 11, 1)).id == "islamic-resistance-in-iraq"  # type: ignore[union-attr]
    assert actors.parent("kataib-hezbollah", date(2010, 1, 1)) is None
    assert actors.parent("popular-mobilization-forces", date(2015, 1, 1)) is None
    assert actors.parent("popular-mobilization-forces", date(2017, 1, 1)).id == "iraq"  # type: ignore[union-attr]


def test_ancestors_and_root(actors: Actors) -> None:
    assert [a.id for a in actors.ancestors("harakat-al-nujaba", date(2024, 1, 4))] == [
        "islamic-resistance-in-iraq", "popular-mobilization-forces", "iraq"]
    assert [a.id for a in actors.ancestors("centcom")] == ["pentagon", "united-states"]
    assert actors.root("quds-force").id == "iran"
    assert actors.root("us-forces").id == "united-states"
    assert actors.root("hamas").id == "hamas"


@pytest.mark.parametrize(("actor_id", "expected"), [
    ("united-states", True), ("us-forces", True), ("centcom", True), ("us-official", True), ("irgc", True),
    ("kurdistan-counter-terrorism", True), ("islamic-resistance-in-iraq", False), ("kataib-hezbollah", False),
    ("iran-backed-militias", False), ("syrian-observatory-for-human-rights", False), ("reuters", False),
    ("no-such-actor", False),
])
def test_is_state(actors: Actors, actor_id: str, expected: bool) -> None:
    assert actors.is_state(actor_id) is expected


# --- canonical names ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", GOLDEN["canonical"], ids=lambda c: str(c["phrase"]))
def test_golden_canonical(actors: Actors, case: dict[str, Any]) -> None:
    assert actors.canonical(case["phrase"]) == case["expect"]


def test_every_name_and_alias_resolves_to_its_own_actor(actors: Actors) -> None:
    wrong = [(alias, actor.id) for actor in actors for alias in (actor.name, *actor.aliases)
             if actors.resolve(alias) is not actor]
    assert wrong == []


def test_name_key_folds_what_varies() -> None:
    assert name_key("Kata’ib  Hezbollah", join_apostrophes=True) == name_key("kataib hezbollah")
    assert name_key("l'armée") == "l armee"
    assert name_key("Irak İslami Direnişi") == name_key("irak islami direnisi")
    assert name_key("المقاومة الإسلامية") == name_key("المقاومه الاسلاميه")


# --- lexicon entries ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", GOLDEN["mentions"], ids=lambda c: f"{c['lang']}:{c['text'][:30]}")
def test_golden_mentions(actors: Actors, case: dict[str, Any]) -> None:
    lexicon = Lexicon(actors.lexicon_entries(case["lang"]))
    found = [actors.get(m.value("actor")) for m in lexicon.match(normalize(case["text"]))]
    assert [a.name for a in found if a is not None] == case["expect"]


def test_one_word_aliases_stay_in_their_language(actors: Actors) -> None:
    english = {phrase.lower() for phrase, _ in actors.lexicon_entries("en")}
    assert not {"as", "is", "abd", "ei"} & english
    indonesian = {phrase.lower() for phrase, _ in actors.lexicon_entries("id")}
    assert "as" in indonesian and "sana" not in indonesian
    assert "kataib hezbollah" in indonesian  # several-word names cross languages


def test_every_alias_is_a_lexicon_entry_without_language(actors: Actors) -> None:
    entries = {(phrase, payload) for phrase, payload in actors.lexicon_entries()}
    missing = [(alias, a.id) for a in actors for alias in (a.name, *a.aliases)
               if (alias, ("actor", a.id)) not in entries]
    assert missing == []


# --- gold names of the shared corpus --------------------------------------------------------------

def _gold_names() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {"actor": set(), "claimed_by": set(), "confirmed_by": set(),
                                  "reported_by": set(), "target": set()}
    for gold in sorted(CORPUS.glob("*/gold.jsonl")):
        for line in gold.read_text(encoding="utf-8").splitlines():
            record = json.loads(line) if line.strip() else {}
            for event in record.get("events", []):
                for field in ("actor", "claimed_by", "confirmed_by", "target"):
                    if event.get(field):
                        names[field].add(event[field])
            tallies = record.get("tallies", [])
            names["reported_by"] |= {t["reported_by"] for t in tallies if t.get("reported_by")}
    return names


@pytest.fixture(scope="module")
def gold_names() -> dict[str, set[str]]:
    if not any(CORPUS.glob("*/gold.jsonl")):
        pytest.skip(f"shared corpus not found at {CORPUS} (set OSINTRACK_CORPUS to its folder)")
    return _gold_names()


def test_gold_actors_and_claimants_canonicalise(actors: Actors, gold_names: dict[str, set[str]]) -> None:
    names = gold_names["actor"] | gold_names["claimed_by"]
    assert names
    assert sorted(n for n in names if actors.canonical(n) is None) == []


def test_gold_sources_mostly_canonicalise(actors: Actors, gold_names: dict[str, set[str]]) -> None:
    names = gold_names["confirmed_by"] | gold_names["reported_by"]
    # gold names two sources as "A; B": each must be known
    unknown = sorted(n for n in names if any(actors.canonical(part) is None for part in n.split(";")))
    if unknown:
        warnings.warn(f"gold source names without an actor: {unknown}", stacklevel=1)
    assert len(unknown) <= (1 - SOURCE_FLOOR) * len(names), unknown


def test_gold_targets_report(actors: Actors, gold_names: dict[str, set[str]]) -> None:
    unknown = sorted(n for n in gold_names["target"] if actors.canonical(n) is None)
    if unknown:
        warnings.warn(f"gold target names without an actor (informational): {unknown}", stacklevel=1)
    assert len(unknown) < len(gold_names["target"])
