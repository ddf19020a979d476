"""Language packs: every pack against its schema, its phrases well formed, and its golden sentences.

Adding a language is adding ``src/osintrack/data/lang/<code>.yaml`` and ``tests/golden/lang/<code>.yaml``;
both are found by globbing, so a new pack is checked without touching this file (see CONTRIBUTING.md).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from osintrack.language import PACK_SECTIONS, LanguagePack, load_pack, normalize, normalize_phrase
from osintrack.lexicon import Lexicon

DATA = Path(__file__).parents[1] / "src" / "osintrack" / "data"
SCHEMA = json.loads((DATA / "lang.schema.json").read_text(encoding="utf-8"))
GOLDEN = Path(__file__).parent / "golden" / "lang"
CODES = sorted(p.stem for p in (DATA / "lang").glob("*.yaml"))
MIN_STEM = 4  # letters before a trailing "*" on a one-word phrase (docs/language-packs.md)
MIN_STEM_AFTER_WORDS = 2  # the stem of a later word: the words before it already narrow the match

# Phrases listed on purpose under two keys of one section: (code, section, normalised phrase).
DELIBERATE: set[tuple[str, str, str]] = set()
# Keys that say how a word is written rather than what it means: a plural trigger may also be a
# retaliation cue ("retaliatory strikes"), so these keys are left out of the one-meaning check.
FORM_KEYS = {("cues", "plural_trigger")}

# An exact one-word entry that a "*" stem or a clitic would otherwise have read with other payloads,
# kept on purpose: (code, exact word, stem or bare word), all normalised.
DELIBERATE_SHADOWS: set[tuple[str, str, str]] = {
    ("ar", "الاثنين", "اثنين"),  # Monday, not "two"
    ("ar", "والاثنين", "اثنين"),
    ("ar", "الاحد", "احد"),
    ("tr", "yakinda", "yakin"),  # "soon", not "near"
}


# --- a small JSON Schema checker (the subset lang.schema.json uses; no dependency) ---------------

def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> Iterator[str]:
    """Where ``value`` breaks ``schema``: $ref, type, enum, required, properties, additionalProperties,
    propertyNames, items, minLength, pattern, minimum, maximum."""
    if "$ref" in schema:
        target: Any = SCHEMA
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        yield from schema_errors(value, target, path)
        return
    kind = schema.get("type")
    if kind is not None and not _is_type(value, kind):
        yield f"{path}: expected {kind}, got {type(value).__name__} {value!r}"
        return
    if "enum" in schema and value not in schema["enum"]:
        yield f"{path}: {value!r} is not one of {schema['enum']}"
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            yield f"{path}: empty string"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield f"{path}: {value!r} does not match {schema['pattern']}"
    if isinstance(value, int) and not isinstance(value, bool):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            yield f"{path}: {value} out of range"
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            yield from schema_errors(item, schema["items"], f"{path}[{i}]")
    if isinstance(value, dict):
        yield from _object_errors(value, schema, path)


def _object_errors(value: dict[Any, Any], schema: dict[str, Any], path: str) -> Iterator[str]:
    for key in schema.get("required", ()):
        if key not in value:
            yield f"{path}: missing {key!r}"
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if "propertyNames" in schema:
            yield from schema_errors(key, schema["propertyNames"], f"{path}.{key} (name)")
        if key in properties:
            yield from schema_errors(item, properties[key], f"{path}.{key}")
        elif extra is False:
            yield f"{path}: unknown key {key!r}"
        elif isinstance(extra, dict):
            yield from schema_errors(item, extra, f"{path}.{key}")


def _is_type(value: Any, kind: str) -> bool:
    checks = {"object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
              "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool)}
    return checks[kind](value)


def test_checker_catches_what_it_should() -> None:
    broken = {"code": "xx", "name": "", "triggers": {"attack": [True]}, "extra": 1}
    errors = list(schema_errors(broken, SCHEMA))
    assert any("missing 'cues'" in e for e in errors)
    assert any("unknown key 'extra'" in e for e in errors)
    assert any("expected string" in e for e in errors)  # YAML reads a bare `no` as False
    assert any("empty string" in e for e in errors)


# --- packs ---------------------------------------------------------------------------------------

def raw(code: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / "lang" / f"{code}.yaml").read_text(encoding="utf-8"))


def all_phrases(data: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(section, key, phrase) for every phrase of a pack, list entries and mapping keys alike."""
    for section in ("triggers", "weapons", "cues", "tallies", "numbers", "dates", "directions", "morphology"):
        for key, value in (data.get(section) or {}).items():
            if isinstance(value, list):
                yield from ((section, key, p) for p in value)
            elif isinstance(value, dict):
                yield from ((section, key, p) for p in value)


def test_there_are_packs() -> None:
    assert {"en", "fr", "id", "ar"} <= set(CODES)


@pytest.mark.parametrize("code", CODES)
def test_pack_matches_schema(code: str) -> None:
    errors = list(schema_errors(raw(code), SCHEMA))
    assert not errors, "\n".join(errors[:30])


@pytest.mark.parametrize("code", CODES)
def test_schema_knows_every_key_the_engine_reads(code: str) -> None:
    for section, keys in PACK_SECTIONS.items():
        assert set(SCHEMA["properties"][section]["required"]) == set(keys), section


@pytest.mark.parametrize("code", CODES)
def test_pack_loads_and_builds_a_lexicon(code: str) -> None:
    pack = load_pack(code)
    assert pack.code == code and pack.name
    lexicon = Lexicon(pack.lexicon_entries(), prefixes=pack.prefixes, suffixes=pack.suffixes)
    assert lexicon.match(normalize("")) == []


@pytest.mark.parametrize("code", CODES)
def test_every_phrase_is_words(code: str) -> None:
    bad = []
    for section, key, phrase in all_phrases(raw(code)):
        stem = phrase.rstrip()
        forms = normalize_phrase(stem.rstrip("*"))
        if not forms:
            bad.append(f"{section}.{key}: {phrase!r} has no word")
        elif stem.endswith("*") and len(forms[-1]) < (MIN_STEM if len(forms) == 1 else MIN_STEM_AFTER_WORDS):
            bad.append(f"{section}.{key}: {phrase!r} stem too short")
        elif "*" in stem.rstrip("*"):
            bad.append(f"{section}.{key}: {phrase!r} has '*' inside")
    assert not bad, "\n".join(bad)


def _key(phrase: str) -> str:
    star = "*" if phrase.rstrip().endswith("*") else ""
    return " ".join(normalize_phrase(phrase.rstrip().rstrip("*"))) + star


@pytest.mark.parametrize("code", CODES)
def test_no_phrase_under_two_keys_of_a_section(code: str) -> None:
    """'killed' and 'injured', 'north' and 'east', Monday and Tuesday: one phrase, one meaning."""
    data = raw(code)
    bad = []
    for section in ("triggers", "weapons", "cues", "tallies", "directions"):
        seen: dict[str, set[str]] = defaultdict(set)
        for key, phrases in (data.get(section) or {}).items():
            for phrase in phrases or () if (section, key) not in FORM_KEYS else ():
                seen[_key(phrase)].add(key)
        bad += [f"{section}: {p!r} under {sorted(k)}" for p, k in seen.items()
                if len(k) > 1 and (code, section, p) not in DELIBERATE]
    for section, key in (("numbers", "words"), ("numbers", "ordinals"), ("dates", "months"),
                         ("dates", "solar_months"), ("dates", "weekdays"), ("dates", "relative_days"),
                         ("dates", "parts_of_day")):
        values: dict[str, set[Any]] = defaultdict(set)
        for phrase, value in ((data.get(section) or {}).get(key) or {}).items():
            values[_key(phrase)].add(value)
        bad += [f"{section}.{key}: {p!r} has values {sorted(map(str, v))}" for p, v in values.items()
                if len(v) > 1]
    assert not bad, "\n".join(bad)


def _single_words(pack: LanguagePack) -> tuple[dict[str, set[Any]], dict[str, set[Any]]]:
    exact: dict[str, set[Any]] = defaultdict(set)
    stems: dict[str, set[Any]] = defaultdict(set)
    for phrase, payload in pack.lexicon_entries():
        forms = normalize_phrase(phrase.rstrip().rstrip("*"))
        if len(forms) != 1:
            continue
        (stems if phrase.rstrip().endswith("*") else exact)[forms[0]].add(payload)
    return exact, stems


@pytest.mark.parametrize("code", CODES)
def test_no_exact_word_hides_a_stem_or_its_bare_form(code: str) -> None:
    """An exact word wins over a "*" stem and over the word without its clitic, so an exact
    'attaques' listed only as a tally unit would lose the trigger that 'attaqu*' gives it. List the
    exact word under every key its stem or bare form has, or drop it."""
    pack = load_pack(code)
    exact, stems = _single_words(pack)
    bad = []
    for word, payloads in exact.items():
        for stem, stem_payloads in stems.items():
            if word != stem and word.startswith(stem) and not stem_payloads <= payloads \
                    and (code, word, stem) not in DELIBERATE_SHADOWS:
                bad.append(f"{word!r} {_show(payloads)} hides {stem}* {_show(stem_payloads)}")
        for prefix in pack.prefixes:
            bare = word[len(prefix):]
            if word.startswith(prefix) and len(bare) >= 3 and bare in exact and payloads < exact[bare] \
                    and (code, word, bare) not in DELIBERATE_SHADOWS:
                bad.append(f"{word!r} {_show(payloads)} hides {bare!r} {_show(exact[bare])}")
    assert not bad, "\n".join(bad)


def _show(payloads: set[Any]) -> list[str]:
    return sorted(map(str, payloads))


# A longer stem may say that its words are plural: it then gives "facilities" where the shorter
# stem gives "facility" (Turkish karargah* / karargahlar*, Russian база* / базах*).
REFINES = {("cue", "facility"): ("cue", "facilities")}
# A longer stem that is another word, kept on purpose: (code, longer stem, shorter stem), normalised.
DELIBERATE_STEM_SHADOWS: set[tuple[str, str, str]] = {
    ("tr", "cumartesi", "cuma"),  # Saturday, not Friday
    ("tr", "kuzeydogu", "kuzey"), ("tr", "kuzeybati", "kuzey"),  # north-east, not north
    ("tr", "guneydogu", "guney"), ("tr", "guneybati", "guney"),
    ("ru", "атакова", "атак"), ("ru", "обстреля", "обстрел"),  # verbs: not a count's unit
    ("ru", "бомбардировщик", "бомбардиров"),  # a bomber, not a bombing
    ("ru", "штурмовик", "штурм"),  # a ground-attack aircraft, not an assault
}


@pytest.mark.parametrize("code", CODES)
def test_no_longer_stem_hides_a_shorter_one(code: str) -> None:
    """The longest "*" stem that fits a word wins, so 'angriffe*' listed only as a plural trigger
    would lose the attack that 'angriff*' gives: list the longer stem under every key of the shorter."""
    stars: dict[tuple[str, ...], set[Any]] = defaultdict(set)
    for phrase, payload in load_pack(code).lexicon_entries():
        if phrase.rstrip().endswith("*"):
            stars[normalize_phrase(phrase.rstrip().rstrip("*"))].add(payload)
    bad = []
    for longer, payloads in stars.items():
        for shorter, kept in stars.items():
            if longer != shorter and longer[:-1] == shorter[:-1] and longer[-1].startswith(shorter[-1]):
                lost = {p for p in kept if p not in payloads and REFINES.get(p) not in payloads}
                if lost and (code, " ".join(longer), " ".join(shorter)) not in DELIBERATE_STEM_SHADOWS:
                    bad.append(f"{' '.join(longer)}* {_show(payloads)} hides {_show(lost)} of {' '.join(shorter)}*")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("code", CODES)
def test_plural_triggers_are_triggers(code: str) -> None:
    """Each plural trigger, read alone, is found as a trigger and as a plural trigger: the lexicon
    keeps both payloads, and no longer phrase or stem hides one of them."""
    bad = []
    for phrase in load_pack(code).phrases("cues", "plural_trigger"):
        text = phrase.rstrip().rstrip("*")
        kinds = {p for m in _lexicon(code).match(normalize(text)) for p in m.payloads}
        if ("cue", "plural_trigger") not in kinds or not any(k == "trigger" for k, _ in kinds):
            bad.append(f"{phrase!r}: {_show(kinds)}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("code", CODES)
def test_english_month_names_mean_the_same_in_every_pack(code: str) -> None:
    """Packs of Latin script also list English month names (reports quote English sources)."""
    english = raw("en")["dates"]["months"]
    months = raw(code)["dates"]["months"]
    wrong = {name: value for name, value in months.items()
             if name.lower() in english and len(name) > 3 and english[name.lower()] != value}
    assert not wrong, f"{wrong} (English: {[english[n.lower()] for n in wrong]})"


# --- golden sentences ----------------------------------------------------------------------------

def golden_cases() -> Iterator[Any]:
    for path in sorted(GOLDEN.glob("*.yaml")):
        for i, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            yield pytest.param(path.stem, case, id=f"{path.stem}-{i}")


@pytest.mark.parametrize("code", CODES)
def test_every_pack_has_golden_sentences(code: str) -> None:
    path = GOLDEN / f"{code}.yaml"
    assert path.is_file(), f"add {path.relative_to(Path(__file__).parents[1])} (see CONTRIBUTING.md)"
    assert len(yaml.safe_load(path.read_text(encoding="utf-8")) or []) >= 10


@cache
def _lexicon(code: str) -> Lexicon:
    pack = load_pack(code)
    return Lexicon(pack.lexicon_entries(), prefixes=pack.prefixes, suffixes=pack.suffixes)


@pytest.mark.parametrize(("code", "case"), list(golden_cases()))
def test_golden_sentence(code: str, case: dict[str, Any]) -> None:
    """Each `expect` payload is found in `text`; no `absent` payload is."""
    found = [tuple(p) for m in _lexicon(code).match(normalize(case["text"])) for p in m.payloads]
    missing = [p for p in case.get("expect", []) if tuple(p) not in found]
    unwanted = [p for p in case.get("absent", []) if tuple(p) in found]
    assert not missing and not unwanted, \
        f"{case['text']!r}\nmissing {missing}\nunwanted {unwanted}\nfound {found}"
