"""Numbers in digits and words: rules on small invented packs, and golden phrases per language.

The golden files ``tests/golden/numbers/<code>.yaml`` hold our own phrases; ``expect`` lists every
number found left to right as [text, value], ordinals as [text, value, ordinal]. A language whose
pack does not exist yet is skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from golden_io import Case, check_golden

from osintrack.language import LanguagePack, available_languages, load_pack, normalize
from osintrack.lexicon import Lexicon, Match
from osintrack.numbers import digit_ordinal, find_numbers, ordinal_at, parse_number

GOLDEN = Path(__file__).parent / "golden" / "numbers"
HEADER = """\
# Golden cases of osintrack.numbers: our own phrases, never corpus text.
# expect: every number found left to right, as [text, value]; ordinals as [text, value, ordinal].
# Compared by tests/test_numbers.py; rewrite expectations with `pytest --update-golden` and review the diff.
"""


def _pack(code: str, numbers: dict[str, Any], prefixes: tuple[str, ...] = ()) -> LanguagePack:
    return LanguagePack(code, code, prefixes, (), {"code": code, "numbers": numbers})


# Invented packs: a few words of real languages, so the rules are tested without the pack files.
WORDS = _pack("t1", {"words": {"one": 1, "two": 2, "three": 3, "five": 5, "ten": 10, "twenty": 20,
                               "thirty": 30, "sixty": 60, "hundred": 100, "thousand": 1000,
                               "million": 1000000, "four twenty": 80},
                     "multipliers": ["hundred", "thousand", "million"], "joiners": ["and"],
                     "ordinals": {"first": 1, "third": 3, "1st": 1, "3rd": 3, "4th": 4, "3 й": 3}})
TENS = _pack("t2", {"words": {"dua": 2, "tiga": 3, "lima": 5, "puluh": 10, "ratus": 100, "ribu": 1000,
                              "juta": 1000000, "dua belas": 12},
                    "multipliers": ["puluh", "ratus", "ribu", "juta"]})
GLUED = _pack("t3", {"words": {"ثلاثة": 3, "عشرون": 20, "عشرين": 20, "مئة": 100},
                     "multipliers": ["مئة"], "joiners": ["و"]}, prefixes=("و", "ال", "ب"))
COMPOUND = _pack("t4", {"words": {"ein": 1, "zwei": 2, "drei": 3, "acht": 8, "zwanzig": 20, "dreißig": 30,
                                  "trenta": 30, "venti": 20, "uno": 1, "otto": 8, "hundert": 100,
                                  "tausend": 1000, "cento": 100},
                        "multipliers": ["hundert", "tausend", "cento"], "joiners": ["und"], "compound": True})

_LEXICONS: dict[str, Lexicon] = {}  # packs hold a dict and cannot be hashed: keyed by code


def _lexicon(pack: LanguagePack) -> Lexicon:
    if pack.code not in _LEXICONS:
        _LEXICONS[pack.code] = Lexicon(pack.lexicon_entries(), prefixes=pack.prefixes, suffixes=pack.suffixes)
    return _LEXICONS[pack.code]


def _by_start(text: str, pack: LanguagePack) -> tuple[Any, dict[int, Match]]:
    nt = normalize(text)
    return nt, {m.start: m for m in _lexicon(pack).match(nt)}


def number(text: str, pack: LanguagePack, i: int = 0) -> tuple[int, int] | None:
    nt, by_start = _by_start(text, pack)
    return parse_number(nt, by_start, i, pack)


def numbers(text: str, pack: LanguagePack) -> list[list[Any]]:
    """[text, value] of every number, [text, value, "ordinal"] of every ordinal, left to right."""
    nt, by_start = _by_start(text, pack)
    cardinals = {start: (end, value) for start, end, value in find_numbers(nt, by_start, pack)}
    out: list[list[Any]] = []
    i = 0
    while i < len(nt.forms):
        if i in cardinals:
            end, value = cardinals[i]
            out.append([_text(text, nt, i, end), value])
        elif (ordinal := ordinal_at(nt, by_start, i, pack)) is not None:
            value, end = ordinal
            out.append([_text(text, nt, i, end), value, "ordinal"])
        else:
            end = i + 1
        i = end
    return out


def _text(text: str, nt: Any, start: int, end: int) -> str:
    first, last = nt.orig_span(start, end)
    return text[first:last]


# --- digits ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("66 attacks", (66, 1)),
    ("2,500 troops", (2500, 2)),
    ("2.500 tentara", (2500, 2)),
    ("2 500 soldats", (2500, 2)),
    ("1,250,000 people", (1250000, 3)),
    ("14,3 miliar", (14, 2)),  # a decimal: its integer part
    ("1.5 million", (1500000, 3)),
    ("3 thousand", (3000, 2)),
    ("١٢ جنديا", (12, 1)),  # Arabic-Indic digits, folded by normalisation
    ("2023 500 troops", (2023, 1)),  # a group after four digits is not thousands
    ("2,50 euros", (2, 2)),
    ("2,500.3 and 2.500,3", (2500, 3)),
])
def test_digits(text: str, expected: tuple[int, int]) -> None:
    assert number(text, WORDS) == expected


def test_decimal_after_thousands() -> None:
    assert number("1,500.250", WORDS) == (1500, 3)
    assert number("2.500,5 million", WORDS) == (2500500000, 4)


def test_digits_with_letters_are_not_cardinals() -> None:
    assert number("17th", WORDS) is None
    assert number("10km", WORDS) is None


# --- words -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("twenty-one", 21),  # the hyphen splits the tokens
    ("thirty three", 33),
    ("sixty and ten", 70),  # a ten may take 10..19 after it: soixante et dix
    ("three hundred", 300),
    ("hundred", 100),
    ("two thousand five hundred thirty", 2530),
    ("one million two hundred thousand", 1200000),
    ("four twenty ten", 90),  # a listed phrase, then more: quatre-vingt-dix
    ("two three", 2),  # two units in a row are two numbers
    ("twenty thirty", 20),
    ("two hundred hundred", 200),
    ("three and", 3),  # a joiner counts only when a number follows
])
def test_words(text: str, expected: int) -> None:
    found = number(text, WORDS)
    assert found is not None and found[0] == expected


def test_multiplier_scales_what_precedes() -> None:
    assert number("tiga puluh dua orang", TENS) == (32, 3)
    assert number("dua ratus lima puluh tiga", TENS) == (253, 5)
    assert number("lima ribu", TENS) == (5000, 2)
    assert number("dua belas kali", TENS) == (12, 2)


def test_glued_joiner_and_unit_before_ten() -> None:
    assert number("ثلاثة وعشرون جنديا", GLUED) == (23, 2)
    assert number("ثلاثة و عشرين", GLUED) == (23, 3)
    assert number("مئة وثلاثة وعشرون", GLUED) == (123, 3)
    assert number("بثلاثة", GLUED) == (3, 1)  # a clitic stripped by the pack's morphology
    assert number("و900 آخرين", GLUED) == (900, 1)


def test_compound_words() -> None:
    assert number("zweiunddreißig", COMPOUND) == (32, 1)
    assert number("dreihundertachtundzwanzig", COMPOUND) == (328, 1)
    assert number("zweitausenddreihundert", COMPOUND) == (2300, 1)
    assert number("trentotto", COMPOUND) == (38, 1)  # "trenta" loses its vowel before "otto"
    assert number("ventuno", COMPOUND) == (21, 1)
    assert number("duecento", COMPOUND) is None  # "due" is not in this pack
    assert number("einsatz", COMPOUND) is None
    assert number("ottobre", COMPOUND) is None
    assert number("und", COMPOUND) is None


def test_a_word_the_report_lexicon_reads_otherwise_is_not_a_number() -> None:
    pack = _pack("t5", {"words": {"one": 1}})
    nt = normalize("one way drone")
    weapon = Match(0, 3, (("weapon", "drone"),))
    assert parse_number(nt, {0: weapon}, 0, pack) is None
    assert parse_number(nt, {}, 0, pack) == (1, 1)


def test_find_numbers_equals_parse_number_at_every_token() -> None:
    text = "On 3 March thirty three drones and 2,500 troops; hundred and five; ثلاثة وعشرون"
    for pack in (WORDS, GLUED, COMPOUND):
        nt, by_start = _by_start(text, pack)
        expected, i = [], 0
        while i < len(nt.forms):
            found = parse_number(nt, by_start, i, pack)
            if found is None:
                i += 1
                continue
            expected.append((i, found[1], found[0]))
            i = found[1]
        assert find_numbers(nt, by_start, pack) == expected


# --- ordinals ----------------------------------------------------------------------------------

def test_ordinals() -> None:
    assert numbers("the third attack, the 3rd one, the 3-й, the 17th, twenty-first, 3rdx", WORDS) == [
        ["third", 3, "ordinal"], ["3rd", 3, "ordinal"], ["one", 1], ["3-й", 3, "ordinal"],
        ["17th", 17, "ordinal"], ["twenty-first", 21, "ordinal"]]
    assert digit_ordinal("1st", WORDS) == 1
    assert digit_ordinal("1xy", WORDS) is None


# --- golden phrases per language ---------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(p.stem for p in GOLDEN.glob("*.yaml")))
def test_golden_numbers(code: str, update_golden: bool) -> None:
    if code not in available_languages():
        pytest.skip(f"no language pack {code!r} yet")
    pack = load_pack(code)

    def compute(case: Case) -> list[list[Any]]:
        return numbers(case["text"], pack)

    check_golden(GOLDEN / f"{code}.yaml", HEADER, compute, update_golden)
