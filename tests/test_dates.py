"""Date finding and resolution: rules on a small invented pack, and golden sentences per language.

The golden files ``tests/golden/dates/<code>.yaml`` hold our own sentences (never corpus text) with
their publication date; ``expect`` lists every date expression found as [text, value, precision].
A language whose pack does not exist yet is skipped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from golden_io import Case, check_golden

from osintrack.dates import (
    DateContext,
    DateMention,
    find_dates,
    parse_published,
    resolve_offset,
    resolve_weekday,
    solar_to_gregorian,
)
from osintrack.language import LanguagePack, available_languages, load_pack, normalize
from osintrack.lexicon import Lexicon

GOLDEN = Path(__file__).parent / "golden" / "dates"
HEADER = """\
# Golden cases of osintrack.dates.find_dates: our own sentences, never corpus text.
# expect: every date expression found, as [text, value, precision].
# Compared by tests/test_dates.py; rewrite expectations with `pytest --update-golden` and review the diff.
"""

# An invented pack so the rules are tested without depending on any language file.
TEST_PACK = LanguagePack("xx", "Test", (), (), {
    "code": "xx",
    "numbers": {"ordinals": {"1st": 1}},
    "dates": {
        "months": {"january": 1, "jan": 1, "february": 2, "march": 3, "may": 5, "october": 10,
                   "oct": 10, "november": 11, "december": 12},
        "weekdays": {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
                     "saturday": 5, "sunday": 6},
        "relative_days": {"today": 0, "yesterday": -1, "last night": -1},
        "days_after_named": {"the next day": 1, "the same day": 0, "the previous day": -1},
        "parts_of_day": {"morning": "morning", "night": "night", "evening": "evening"},
        "previous": ["last", "past"],
        "this": ["this"],
        "last_week": ["last week"],
        "last_month": ["last month"],
        "recent": ["recently"],
        "day_month_order": "dmy",
    },
})


_LEXICONS: dict[str, Lexicon] = {}  # packs hold a dict and cannot be hashed: keyed by code


def _lexicon(pack: LanguagePack) -> Lexicon:
    if pack.code not in _LEXICONS:
        _LEXICONS[pack.code] = Lexicon(pack.lexicon_entries(), prefixes=pack.prefixes, suffixes=pack.suffixes)
    return _LEXICONS[pack.code]


def found(text: str, published: str | None, pack: LanguagePack = TEST_PACK) -> list[list[Any]]:
    """[text, value, precision] of every date expression of ``text``."""
    nt = normalize(text)
    _, mentions = find_dates(nt, _lexicon(pack).match(nt), pack, published)
    return [[_span(text, nt, m), m.value, m.precision] for m in mentions]


def _span(text: str, nt: Any, mention: DateMention) -> str:
    start, end = nt.orig_span(mention.start, mention.end)
    return text[start:end]


def values(text: str, published: str | None) -> list[tuple[Any, Any]]:
    return [(value, precision) for _, value, precision in found(text, published)]


# --- publication dates and context --------------------------------------------------------------

def test_parse_published() -> None:
    assert parse_published("2024-03-14") == (dt.date(2024, 3, 14), (2024, 3))
    assert parse_published("2024-03") == (None, (2024, 3))
    assert parse_published(None) == (None, None)
    assert parse_published("2024-13-01") == (None, None)
    assert parse_published("2024-02-30") == (None, None)


def test_default_date_follows_what_is_known() -> None:
    day = dt.date(2024, 3, 14)
    assert DateContext(day, (2024, 3), day).default() == ("2024-03-14", "week")
    assert DateContext(None, (2024, 3), None).default() == ("2024-03", "month")
    assert DateContext(None, None, None).default() == (None, None)


def test_resolve_weekday_on_or_before_publication() -> None:
    thursday = dt.date(2024, 3, 14)
    ctx = DateContext(thursday, (2024, 3), thursday)
    assert resolve_weekday(ctx, 3, previous=False) == ("2024-03-14", "day")  # the same weekday: that day
    assert resolve_weekday(ctx, 3, previous=True) == ("2024-03-07", "day")  # "last Thursday": a week back
    assert resolve_weekday(ctx, 4, previous=False) == ("2024-03-08", "day")  # never in the future


def test_resolve_weekday_near_a_month_only_anchor() -> None:
    ctx = DateContext(None, (2023, 11), dt.date(2023, 11, 23))  # a Thursday named in the text
    assert resolve_weekday(ctx, 4, previous=False) == ("2023-11-24", "day")
    assert resolve_weekday(ctx, 1, previous=False) == ("2023-11-21", "day")
    assert resolve_weekday(ctx, 4, previous=True) == ("2023-11-17", "day")
    assert resolve_weekday(DateContext(None, (2023, 11), None), 4, False) == ("2023-11", "month")
    assert resolve_weekday(DateContext(None, None, None), 4, False) == (None, None)


def test_resolve_offset() -> None:
    day = dt.date(2024, 3, 1)
    assert resolve_offset(DateContext(day, (2024, 3), day), -1) == ("2024-02-29", "day")
    assert resolve_offset(DateContext(None, (2024, 3), None), -1) == ("2024-03", "month")
    assert resolve_offset(DateContext(None, None, None), 0) == (None, None)


# --- expressions -------------------------------------------------------------------------------

def test_weekdays_parts_of_day_and_markers() -> None:
    got = found("Rockets hit the base on Tuesday night and again last Thursday; this Monday was calm.",
                "2024-03-14")
    assert got == [["Tuesday night", "2024-03-12", "day"], ["last Thursday", "2024-03-07", "day"],
                   ["this Monday", "2024-03-11", "day"]]


def test_day_month_takes_the_year_that_is_not_in_the_future() -> None:
    assert values("The raid of 29 December left two dead.", "2024-01-10") == [("2023-12-29", "day")]
    assert values("The raid of 3 January left two dead.", "2024-01-10") == [("2024-01-03", "day")]
    assert values("It happened on 11 January.", "2024-01-10") == [("2023-01-11", "day")]


def test_month_then_day_and_year() -> None:
    got = found("Since Oct. 17, 2023 and until January 5, the attacks went on.", "2024-03-14")
    assert got == [["Oct. 17, 2023", "2023-10-17", "day"], ["January 5", "2024-01-05", "day"]]


def test_month_day_needs_punctuation_in_a_day_first_language() -> None:
    assert values("In October 23 attacks were counted.", "2024-03-14") == [("2023-10", "month")]


def test_weekday_with_explicit_date_is_one_mention() -> None:
    got = found("Three soldiers died Sunday, Jan. 28, 2024, in the strike.", "2024-01-29")
    assert got == [["Sunday, Jan. 28, 2024", "2024-01-28", "day"]]


def test_weekday_with_day_in_brackets() -> None:
    got = found("The strike came on Friday (2), after the attack of Sunday (28).", "2024-02-03")
    # spans are whole tokens, so the closing bracket stays out
    assert got == [["Friday (2", "2024-02-02", "day"], ["Sunday (28", "2024-01-28", "day"]]


def test_numeric_dates() -> None:
    got = found("Thursday (23/11) evening; on 7/2/2024; posted 2024-02-08; see (5/3).", "2024-03-14")
    assert [g[1:] for g in got] == [["2023-11-23", "day"], ["2024-02-07", "day"], ["2024-02-08", "day"],
                                    ["2024-03-05", "day"]]


def test_numbers_that_are_not_dates() -> None:
    text = "Open 24/7 since the 9/11 attacks; 14.532 people; 1.5 million; https://x.org/2023/12/25/story"
    assert found(text, "2024-03-14") == []


def test_day_month_order_of_the_pack() -> None:
    mdy = LanguagePack("xy", "Test", (), (), {"code": "xy", "dates": {"day_month_order": "mdy"}})
    assert found("on 2/9/2024 and 23/11/2023", "2024-03-14", mdy) == [
        ["2/9/2024", "2024-02-09", "day"], ["23/11/2023", "2023-11-23", "day"]]  # 23 cannot be a month


def test_night_of_one_weekday_to_the_next_is_the_second_day() -> None:
    assert values("Strikes hit three sites in the night Tuesday/Wednesday.", "2024-01-24") == [
        ("2024-01-24", "day")]


def test_range_shares_the_month() -> None:
    assert values("Between 17 and 30 October the base was hit 14 times.", "2023-10-30") == [
        ("2023-10-17", "day"), ("2023-10-30", "day")]


def test_ordinal_day() -> None:
    assert values("Since 1st March two attacks.", "2024-03-14") == [("2024-03-01", "day")]


def test_relative_days_and_weeks() -> None:
    got = found("Yesterday morning a drone fell; last week two more; recently a rocket; today calm.",
                "2024-03-14")
    assert got == [["Yesterday morning", "2024-03-13", "day"], ["last week", "2024-03-07", "week"],
                   ["recently", "2024-03-14", "week"], ["today", "2024-03-14", "day"]]


def test_days_counted_from_the_day_named_last() -> None:
    """'The next day' counts from the last day the text named, not from publication; each resolved day
    becomes the one the next such phrase counts from; with no day named before, it stays unknown."""
    got = found("On 30 October rockets hit the base. The next day a drone followed; the same day a second one; "
                "in March, the previous day, nothing.", "2024-03-14")
    assert got == [["30 October", "2023-10-30", "day"], ["The next day", "2023-10-31", "day"],
                   ["the same day", "2023-10-31", "day"], ["March", "2024-03", "month"],
                   ["the previous day", "2023-10-30", "day"]]
    assert values("The next day a drone followed.", "2024-03-14") == [(None, None)]


def test_last_month_is_the_calendar_month_before_publication() -> None:
    assert values("Three soldiers were killed last month.", "2024-01-14") == [("2023-12", "month")]
    assert values("Three soldiers were killed last month.", "2024-03") == [("2024-02", "month")]
    assert values("Three soldiers were killed last month.", None) == [(None, None)]


def test_month_only_mentions() -> None:
    assert values("Attacks rose in December and fell in March.", "2024-03-14") == [
        ("2023-12", "month"), ("2024-03", "month")]
    assert values("In past March they were quiet.", "2024-03-14") == [("2023-03", "month")]
    assert values("They may strike again, officials in May said.", "2024-06-01") == [("2024-05", "month")]
    assert found("Attacks rose in October 2024.", None) == [["October 2024", "2024-10", "month"]]


def test_short_month_word_of_a_caseless_script_needs_a_day() -> None:
    pack = LanguagePack("xz", "Test", (), (), {"code": "xz", "dates": {"months": {"مه": 5}}})
    assert found("مه غلیظ بود", "2024-06-01", pack) == []  # "fog", not May
    assert found("در ۵ مه", "2024-06-01", pack) == [["۵ مه", "2024-05-05", "day"]]


def test_year_of_another_calendar_is_not_read() -> None:
    assert found("Published 9 March 1402.", "2024-03-14") == []


# An invented pack with Solar Hijri months, in Latin letters so the rules do not depend on fa.yaml.
SOLAR_PACK = LanguagePack("xs", "Test", (), (), {
    "code": "xs", "dates": {"solar_months": {"farvardin": 1, "mordad": 5, "mehr": 7, "esfand": 12},
                            "weekdays": {"tuesday": 1}},
})


def test_solar_hijri_to_gregorian() -> None:
    assert solar_to_gregorian(1402, 5, 24) == dt.date(2023, 8, 15)
    assert solar_to_gregorian(1403, 1, 1) == dt.date(2024, 3, 20)  # Nowruz after a Gregorian leap day
    assert solar_to_gregorian(1402, 1, 1) == dt.date(2023, 3, 21)
    assert solar_to_gregorian(1399, 12, 30) == dt.date(2021, 3, 20)  # 1399 is a leap year
    assert solar_to_gregorian(1381, 7, 1) == dt.date(2002, 9, 23)
    assert solar_to_gregorian(1402, 12, 30) is None  # 1402 is not
    assert solar_to_gregorian(1402, 7, 31) is None  # the second half-year has 30-day months
    assert solar_to_gregorian(1402, 1, 31) == dt.date(2023, 4, 20)


def test_solar_hijri_dates() -> None:
    assert found("on 24 mordad 1402", "2024-03-14", SOLAR_PACK) == [["24 mordad 1402", "2023-08-15", "day"]]
    # no year: the latest one on or before publication
    assert found("on 24 mordad", "2024-03-14", SOLAR_PACK) == [["24 mordad", "2023-08-15", "day"]]
    assert found("on 10 esfand", "2024-03-14", SOLAR_PACK) == [["10 esfand", "2024-02-29", "day"]]
    assert found("on 31 farvardin", "2024-05-01", SOLAR_PACK) == [["31 farvardin", "2024-04-19", "day"]]
    assert found("on tuesday, 24 mordad", "2023-08-20", SOLAR_PACK) == [["tuesday, 24 mordad", "2023-08-15", "day"]]
    assert found("the mehr agency said", "2024-03-14", SOLAR_PACK) == []  # a month alone is a name
    assert found("on 24 mordad 2023", "2024-03-14", SOLAR_PACK) == []  # a Gregorian year is not its year
    assert found("on 24 mordad", None, SOLAR_PACK) == [["24 mordad", None, None]]


def test_month_only_publication_with_anchor() -> None:
    text = "On Thursday (23/11) a drone hit the base; on Friday morning another; yesterday a rocket."
    assert values(text, "2023-11") == [("2023-11-23", "day"), ("2023-11-24", "day"), ("2023-11-22", "day")]


def test_month_only_publication_without_anchor_never_invents_a_day() -> None:
    text = "On Friday a drone hit the base; yesterday a rocket; last week a mortar; since 17 October."
    assert values(text, "2023-12") == [("2023-12", "month"), ("2023-12", "month"), ("2023-12", "month"),
                                       ("2023-10-17", "day")]


def test_month_only_publication_takes_the_main_news_day() -> None:
    """The corpus's coding: where the publication day is unknown, the day the report dates its main news
    (the latest day it gives in that month) stands in for it."""
    text = "Rockets hit the base on Thursday (2/11); on Friday a drone followed."
    assert values(text, "2023-11") == [("2023-11-02", "day"), ("2023-11-03", "day")]
    assert find_dates(normalize(text), _lexicon(TEST_PACK).match(normalize(text)), TEST_PACK,
                      "2023-11")[0].default() == ("2023-11-02", "week")


def test_unknown_publication_takes_the_year_the_text_gives() -> None:
    """No publication date: the latest month the text dates with its year stands for it, and yearless
    dates take the year that puts them nearest the day of the main news."""
    text = "On Monday, after the attack of 28 January 2024 and the one of 2 February, today."
    assert values(text, None) == [("2024-01-29", "day"), ("2024-01-28", "day"), ("2024-02-02", "day"),
                                  ("2024-01-28", "day")]
    assert values("On Monday a drone hit the base.", None) == [(None, None)]


def test_mentions_are_ordered_and_flagged() -> None:
    nt = normalize("On Friday (2) and on 3 March, yesterday.")
    _, mentions = find_dates(nt, _lexicon(TEST_PACK).match(nt), TEST_PACK, "2024-03-14")
    assert [(m.explicit, m.relative) for m in mentions] == [(True, True), (True, False), (False, True)]
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)


# --- golden sentences per language ------------------------------------------------------------

def _golden(case: Case, pack: LanguagePack) -> list[list[Any]]:
    published = case.get("published")
    return found(case["text"], None if published is None else str(published), pack)


@pytest.mark.parametrize("code", sorted(p.stem for p in GOLDEN.glob("*.yaml")))
def test_golden_dates(code: str, update_golden: bool) -> None:
    if code not in available_languages():
        pytest.skip(f"no language pack {code!r} yet")
    pack = load_pack(code)
    check_golden(GOLDEN / f"{code}.yaml", HEADER, lambda case: _golden(case, pack), update_golden)


def test_a_report_nothing_dates_falls_in_the_given_period() -> None:
    """No publication date and no year in the text: a yearless date takes the one year that puts it in
    the period the tracked conflict's reports speak of (data/theatre.yaml), else stays unresolved."""
    nt = normalize("On 30 October rockets hit the base; on 3 January a drone followed; on 15 March too.")
    period = (dt.date(2023, 10, 7), dt.date(2024, 9, 30))
    _, mentions = find_dates(nt, _lexicon(TEST_PACK).match(nt), TEST_PACK, None, period)
    assert [m.value for m in mentions] == ["2023-10-30", "2024-01-03", "2024-03-15"]
    _, mentions = find_dates(nt, _lexicon(TEST_PACK).match(nt), TEST_PACK, None,
                             (dt.date(2023, 1, 1), dt.date(2024, 12, 31)))
    assert [m.value for m in mentions] == [None, None, None]  # two years fit: nothing bounds it
    _, mentions = find_dates(nt, _lexicon(TEST_PACK).match(nt), TEST_PACK, "2024-02-01", period)
    assert [m.value for m in mentions] == ["2023-10-30", "2024-01-03", "2023-03-15"]  # the publication decides


def test_weekdays_of_a_report_nothing_dates_count_from_its_latest_day() -> None:
    """No publication date and no year: the latest day the yearless dates give (inside the period) is
    where weekdays count from, as where only the month is known; a yearless date still takes its year
    from the period, not from the nearest year to that day. An event the text gives no day for stays
    undated: that latest day may be a background one ("the war began on 7 October")."""
    nt = normalize("On 3 May a drone hit the base. On 30 October strikes followed. On Tuesday rockets fell.")
    period = (dt.date(2023, 10, 7), dt.date(2024, 9, 30))
    ctx, mentions = find_dates(nt, _lexicon(TEST_PACK).match(nt), TEST_PACK, None, period)
    assert [m.value for m in mentions][:2] == ["2024-05-03", "2023-10-30"]  # not 2024-10-30, nearer to 3 May
    assert mentions[2].value == "2024-04-30"  # the Tuesday before the day standing in
    assert ctx.default() == (None, None)


@pytest.mark.parametrize(("text", "wednesday"), [
    # the latest day named is one the text counts since: the report is later, and so is its Wednesday
    ("A rocket targeted the base on Wednesday, the first attack since November 23.", "2023-11-29"),
    # the latest day named is the news's own day: its Wednesday may come before it
    ("A rocket targeted the base on Wednesday; a drone followed on November 23.", "2023-11-22"),
])
def test_a_day_counted_since_is_before_the_days_the_report_tells(text: str, wednesday: str) -> None:
    """Published in a known month only: the latest day the text names stands in for the publication
    day; where that day follows 'since', the report speaks of later days."""
    from osintrack.extract.document import language_lexicon

    pack = load_pack("en")
    nt = normalize(text)
    _, mentions = find_dates(nt, language_lexicon("en").match(nt), pack, "2023-11")
    assert mentions[0].value == wednesday
