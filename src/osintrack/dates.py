"""Date expressions in a report, resolved against its publication date.

``find_dates`` reads absolute dates ("17 octobre", "Jan. 28, 2024", "28 تشرين الأول 2023", "23/11",
"7/2/2024", "2023-11-23", "in October") and relative ones (weekdays with their parts of day and
previous/this markers, "Kamis (23/11)", "domingo (28)", yesterday/today, last week, last month, recently, and
days counted from the day the text named last: "the following day", "le lendemain", "am selben Tag")
from the lexicon matches of the report's language pack, and resolves each one:

* published ``YYYY-MM-DD``: relative words count back from that day; a weekday is the most recent
  such day on or before it (strictly before with a previous-marker); a day-month without a year
  takes the year that puts it on or before it.
* published ``YYYY-MM``: the anchor is the latest explicit day the text gives inside that month;
  weekdays resolve to the nearest such day (within three days) and relative days count from the
  anchor. Without an anchor they only give the month: a day is never invented. Where that latest day
  is one the text counts since ("the first attack since November 23"), the report is later: weekdays
  resolve to the first such day after it.
* published unknown: the latest month the text dates with its year is taken for the publication month
  (as above); where no date carries a year, yearless dates take the one year that puts them inside the
  theatre's period, and weekdays count from the latest day they give (an event given no day stays
  undated: that day may be a background one, "the war began on 7 October").
* a day counted from the day named last (``dates.days_after_named``) counts from the last date of day
  precision before it in the text, whatever dated that one; where none comes before, it stays unknown.

Packs may also name the months of the Solar Hijri calendar (``dates.solar_months``: Persian reports
write "۲۴ مرداد ۱۴۰۲"). Such a month is read only after a day of month; the date is converted to the
Gregorian calendar with the 33-year arithmetic rule (exact for the years 1343-1472, 1964-2093), and
a day without its year takes the latest Solar Hijri year that puts it on or before publication.

The engine never names a word of any language: every word comes from the pack. What is generic
here is punctuation and layout: "(23/11)", "Jan. 28, 2024", a short word between a day and its
month ("7 de octubre", "23 من أكتوبر"), two weekdays joined by "/" for one night.
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from .language import LanguagePack, NormText
from .lexicon import Match
from .numbers import digit_ordinal

DAY, WEEK, MONTH = "day", "week", "month"

_PUBLISHED = re.compile(r"\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")
_SEPARATORS = "/-."  # between the numbers of a numeric date
_MIN_YEAR, _MAX_YEAR = 1900, 2100
_SOLAR_YEARS = (1300, 1500)  # Solar Hijri years we read (1921-2122)
_SOLAR_EPOCH = (1403, dt.date(2024, 3, 20))  # 1 Farvardin 1403
_SOLAR_LEAP = frozenset((1, 5, 9, 13, 17, 22, 26, 30))  # leap years' places in the 33-year cycle
_CONNECTOR_LEN = 3  # a short word between a day and its month or year: de, من, del, of, le, et
_NIGHT = "night"
_BRACKET_WINDOW = 4  # spaces allowed inside brackets: "( 23/11 )"
_WEEKDAY_GAPS = " ,("  # what may separate a weekday from the date it names: "Sunday, Jan. 28"
_CONTEXT_KINDS = ("part_of_day", "date_previous", "date_this")
_DATE_KINDS = ("month", "solar_month", "weekday", "relative_day", "named_day", "date_last_week",
               "date_last_month", "date_recent", *_CONTEXT_KINDS)
_RANK = {kind: rank for rank, kind in enumerate(_DATE_KINDS)}


# Not frozen, though nothing changes one once made: one is made for every date expression, and a
# frozen dataclass's __init__ (object.__setattr__ per field) is about three times slower (as lexicon.Match).
@dataclass(slots=True, unsafe_hash=True)
class DateMention:
    """One date expression: tokens ``start``..``end``-1 and what it resolves to.

    ``explicit``: the text gives the day of month or an absolute date; ``relative``: a weekday or
    relative word is part of it. "Kamis (23/11)" is both.
    """

    start: int
    end: int
    value: str | None  # YYYY-MM-DD or YYYY-MM; None where nothing bounds it
    precision: str | None  # day, week, month or None
    explicit: bool
    relative: bool


@dataclass(frozen=True, slots=True)
class DateContext:
    """What relative words of one report resolve against."""

    published: dt.date | None
    month: tuple[int, int] | None  # (year, month) of publication, when at least that is known
    anchor: dt.date | None  # the reference day of relative words
    inferred: bool = False  # no publication date: the month is the latest one the text dates with its year
    period: tuple[dt.date, dt.date] | None = None  # nothing dates the report: yearless dates fall in here
    after_anchor: bool = False  # the anchor is a day the text counts since: the report is later

    def default(self) -> tuple[str | None, str | None]:
        """(value, precision) of an event the text gives no date for: the publication week, or the week of
        the day that stands in for an unknown publication day (the day the report's main news is dated);
        none in a report that nothing dates, whose latest day may be a background one."""
        if self.published is not None:
            return self.published.isoformat(), WEEK
        if self.period is not None:
            return None, None
        if self.anchor is not None:
            return self.anchor.isoformat(), WEEK
        if self.month is not None:
            return _month_value(self.month), MONTH
        return None, None


def parse_published(s: str | None) -> tuple[dt.date | None, tuple[int, int] | None]:
    """(day, (year, month)) of a ``YYYY-MM-DD`` or ``YYYY-MM`` publication date; unknown parts None."""
    found = _PUBLISHED.match(s or "")
    if found is None:
        return None, None
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        return None, None
    if found.group(3) is None:
        return None, (year, month)
    day = _valid_date(year, month, int(found.group(3)))
    return day, (year, month) if day is not None else None


def resolve_weekday(ctx: DateContext, weekday: int, previous: bool) -> tuple[str | None, str | None]:
    """(value, precision) of weekday 0..6 (Monday..Sunday) in a report with context ``ctx``."""
    anchor = ctx.anchor
    if anchor is None:
        return (_month_value(ctx.month), MONTH) if ctx.month is not None else (None, None)
    if ctx.published is not None or previous:
        back = (anchor.weekday() - weekday) % 7
        if previous and back == 0:
            back = 7
        return (anchor - dt.timedelta(days=back)).isoformat(), DAY
    # The anchor is a day the text names, not the publication day: the weekday may follow it, and does
    # where the text counts since that day ("the first attack since November 23", told on a Wednesday).
    ahead = (weekday - anchor.weekday()) % 7
    if ctx.after_anchor:
        ahead = ahead or 7
    elif ahead > 3:
        ahead -= 7
    return (anchor + dt.timedelta(days=ahead)).isoformat(), DAY


def resolve_offset(ctx: DateContext, days: int) -> tuple[str | None, str | None]:
    """(value, precision) of the day ``days`` after the anchor (yesterday: -1)."""
    if ctx.anchor is not None:
        return (ctx.anchor + dt.timedelta(days=days)).isoformat(), DAY
    return (_month_value(ctx.month), MONTH) if ctx.month is not None else (None, None)


def find_dates(nt: NormText, matches: Sequence[Match], pack: LanguagePack, published: str | None,
               period: tuple[dt.date, dt.date] | None = None) -> tuple[DateContext, list[DateMention]]:
    """Every date expression of a report, resolved; and the context the report's dates resolve in.
    ``period``: where a report that nothing dates (no publication date, no year in its text) is taken
    to speak of: a yearless date takes the one year that puts it inside, if there is one."""
    day, month = parse_published(published)
    raws = _Scanner(nt, matches, pack).scan()
    ctx = _context(day, month, raws, _since_dates(raws, matches))
    if ctx.month is None and period is not None:
        ctx = _in_period(raws, period)
    mentions: list[DateMention] = []
    named: DateMention | None = None  # the last day the text named
    for raw in raws:
        mention = _from_named(raw, named) if raw.kind == "named_day" else _resolve(raw, ctx)
        mentions.append(mention)
        if mention.precision == DAY:
            named = mention
    return ctx, mentions


def _in_period(raws: list[_Raw], period: tuple[dt.date, dt.date]) -> DateContext:
    """The context of a report that nothing dates: its yearless dates fall in ``period``, and weekdays
    and relative days count from the latest day they give, as where only the month is known."""
    bare = DateContext(None, None, None, period=period)
    days = [d for raw in raws if raw.day is not None and raw.month is not None
            for d in (_explicit_day(raw, bare),) if d is not None]
    if not days:
        return bare
    latest = max(days)
    return DateContext(None, (latest.year, latest.month), latest, True, period)


def _from_named(raw: _Raw, named: DateMention | None) -> DateMention:
    """'The following day': ``raw.offset`` days after the day ``named`` last, unknown without one."""
    if named is None or named.value is None:
        return DateMention(raw.start, raw.end, None, None, False, True)
    day = dt.date.fromisoformat(named.value) + dt.timedelta(days=raw.offset)
    return DateMention(raw.start, raw.end, day.isoformat(), DAY, False, True)


# --- scanning -----------------------------------------------------------------------------------

@dataclass(slots=True)
class _Raw:
    """A date expression before resolution."""

    start: int
    end: int
    kind: str  # date, month, weekday, offset, named_day, last_week, last_month, recent
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    offset: int = 0
    previous: bool = False
    relative: bool = False
    solar: bool = False  # year, month and day are Solar Hijri


_Mark = tuple[str, Any, int, int]  # (kind, value, start, end) of a date word


def _marks(matches: Sequence[Match]) -> dict[int, _Mark]:
    """The date word starting at each token, one kind per match (the first in ``_DATE_KINDS``)."""
    marks: dict[int, _Mark] = {}
    for match in matches:
        best: _Mark | None = None
        for kind, value in match.payloads:
            rank = _RANK.get(kind)
            if rank is not None and (best is None or rank < _RANK[best[0]]):
                best = (kind, value, match.start, match.end)
        if best is not None:
            marks[match.start] = best
    return marks


class _Scanner:
    """Finds the date expressions of one text; state shared by the small steps below."""

    def __init__(self, nt: NormText, matches: Sequence[Match], pack: LanguagePack) -> None:
        self.nt = nt
        self.forms = nt.forms
        self.pack = pack
        self.marks = _marks(matches)
        self.by_end = {mark[3]: mark for mark in self.marks.values()}
        order = str((pack.data.get("dates") or {}).get("day_month_order") or "dmy").lower()
        self.month_first = order == "mdy"

    def scan(self) -> list[_Raw]:
        explicit = {raw.start: raw for raw in self._numeric()}
        for kind, value, start, end in self.marks.values():
            if kind in ("month", "solar_month"):
                for raw in self._month(start, end, int(value), solar=kind == "solar_month"):
                    explicit.setdefault(raw.start, raw)
        raws = list(explicit.values())
        for mark in self.marks.values():
            found = self._relative(mark, explicit)
            if found is not None:
                raws.append(found)
        return _without_overlaps(raws)

    def _relative(self, mark: _Mark, explicit: dict[int, _Raw]) -> _Raw | None:
        kind, value, start, end = mark
        if kind == "weekday":
            return self._weekday(start, end, int(value), explicit)
        if kind == "relative_day":  # "hier soir", "صباح اليوم": parts of day widen the span only
            left, _ = self._left(start, parts_only=True)
            right, _ = self._right(end, parts_only=True)
            return _Raw(left, right, "offset", offset=int(value), relative=True)
        if kind == "named_day":
            return _Raw(start, end, kind, offset=int(value), relative=True)
        if kind in ("date_last_week", "date_last_month", "date_recent"):
            return _Raw(start, end, kind[len("date_"):], relative=True)
        return None

    # -- token helpers

    def _gap(self, before: int, after: int) -> str:
        """The text between token ``before`` and token ``after``; a newline ends an expression."""
        gap = self.nt.text[self.nt.ends[before]:self.nt.starts[after]]
        return "\n" if "\n" in gap else gap.strip()

    def _day(self, j: int) -> int | None:
        if not 0 <= j < len(self.forms):
            return None
        form = self.forms[j]
        value = int(form) if form.isdecimal() and len(form) <= 2 else digit_ordinal(form, self.pack)
        return value if value is not None and 1 <= value <= 31 else None

    def _connector(self, j: int) -> bool:
        form = self.forms[j]
        return len(form) <= _CONNECTOR_LEN and form.isalpha() and self.marks.get(j) is None

    def _year(self, j: int, solar: bool = False) -> int | None:
        """The four-digit number at token ``j`` (-1 when it is outside the years we read)."""
        if not 0 <= j < len(self.forms):
            return None
        form = self.forms[j]
        if len(form) != 4 or not form.isdecimal():
            return None
        year = int(form)
        low, high = _SOLAR_YEARS if solar else (_MIN_YEAR, _MAX_YEAR)
        return year if low <= year <= high else -1

    # -- numeric dates

    def _numeric(self) -> list[_Raw]:
        """23/11, 7/2/2024, 2023-11-23, 2024/02/08, 17.10.2023: digits joined by one separator."""
        forms, text, starts, ends = self.forms, self.nt.text, self.nt.starts, self.nt.ends
        raws = []
        last = len(forms) - 1
        done = -1
        for j in [j for j, form in enumerate(forms) if form.isdecimal()]:  # comprehension: the fast scan
            if j <= done or j >= last or ends[j] + 1 != starts[j + 1] or text[ends[j]] not in _SEPARATORS \
                    or not forms[j + 1].isdecimal():
                continue
            k = j + 1
            if k < last and ends[k] + 1 == starts[k + 1] and text[ends[k]] == text[ends[j]] \
                    and forms[k + 1].isdecimal():
                k += 1
            raw = None if self._embedded(j, k) else self._numeric_raw(j, k)
            if raw is not None:
                raws.append(raw)
            done = k
        return raws

    def _embedded(self, first: int, last: int) -> bool:
        """Digits that run on past the date: a URL path (/2023/12/25/), a version, 1.2.3.4."""
        text = self.nt.text
        start, end = self.nt.starts[first], self.nt.ends[last]
        if start > 0 and text[start - 1] in _SEPARATORS + ",:":
            return True
        return text[end:end + 1] in _SEPARATORS + ",:" and text[end + 1:end + 2].isdecimal()

    def _numeric_raw(self, first: int, last: int) -> _Raw | None:
        parts = [int(f) for f in self.forms[first:last + 1]]
        sizes = [len(f) for f in self.forms[first:last + 1]]
        separator = self.nt.text[self.nt.ends[first]]
        if len(parts) == 3 and sizes[0] == 4:
            year, month, day = parts
        elif len(parts) == 3 and sizes[0] <= 2 and sizes[1] <= 2 and sizes[2] in (2, 4):
            year = parts[2] + (2000 if sizes[2] == 2 else 0)
            month, day = self._order(parts[0], parts[1], year)
        elif len(parts) == 2 and max(sizes) <= 2 and separator == "/" and self._framed(first, last):
            # A bare pair is a date only in "(23/11)" or right after a weekday: not "24/7", "9/11".
            year = None
            month, day = self._order(parts[0], parts[1], None)
        else:
            return None
        if not month or (year is not None and not _MIN_YEAR <= year <= _MAX_YEAR) \
                or not _plausible(month, day, year):
            return None
        return _Raw(first, last + 1, "date", year=year, month=month, day=day)

    def _order(self, first: int, second: int, year: int | None) -> tuple[int, int]:
        """(month, day) of a numeric pair in the pack's order, or the other order where that is the
        only valid one (23/11 in an mdy language); (0, 0) when neither is."""
        month, day = (first, second) if self.month_first else (second, first)
        if _plausible(month, day, year):
            return month, day
        if _plausible(day, month, year):
            return day, month
        return 0, 0

    def _framed(self, first: int, last: int) -> bool:
        if self._opens(first) and self._closes(last):
            return True
        mark = self.by_end.get(first)
        return mark is not None and mark[0] == "weekday" and self._gap(first - 1, first).strip(",") == ""

    # -- dates around a month name

    def _month(self, start: int, end: int, month: int, solar: bool = False) -> list[_Raw]:
        end = self._skip_alternative(end, month)
        before = self._day_before(start)
        if before is not None:  # 17 octobre, 28 تشرين الأول 2023, 7 de octubre de 2023
            return self._with_range(self._dated(before[0], end, month, before[1], solar))
        if solar:  # "مهر" alone is a name more often than a month
            return []
        after = self._day_after(end)
        if after is not None:  # Jan. 28, 2024; October 7
            raw = self._dated(start, after + 1, month, self._day(after) or 0)
            if raw is not None and (raw.year is not None or self.month_first or self._closed(after + 1)):
                return [raw, *self._later_days(raw, after)]
        return self._month_only(start, end, month)

    def _skip_alternative(self, end: int, month: int) -> int:
        """Past a second name of the same month: "أكتوبر/تشرين الأول"."""
        mark = self.marks.get(end)
        if mark is not None and mark[0] == "month" and int(mark[1]) == month \
                and self._gap(end - 1, end) == "/":
            return mark[3]
        return end

    def _day_before(self, start: int) -> tuple[int, int] | None:
        day = self._day(start - 1)
        if day is not None and self._gap(start - 1, start) in ("", "."):
            return start - 1, day
        day = self._day(start - 2)
        if day is not None and start >= 2 and self._connector(start - 1) \
                and self._gap(start - 2, start - 1) == "" and self._gap(start - 1, start) == "":
            return start - 2, day
        return None

    def _day_after(self, end: int) -> int | None:
        if self._day(end) is None or self._gap(end - 1, end) not in ("", "."):
            return None
        follow = self.nt.text[self.nt.ends[end]:self.nt.ends[end] + 1]
        return None if follow in (":", "/") else end  # "October 20:03" is a time

    def _closed(self, after: int) -> bool:
        """Punctuation or the end of the text follows the day: "October 7," but not "October 23 attacks"."""
        if after >= len(self.forms):
            return True
        gap = self.nt.text[self.nt.ends[after - 1]:self.nt.starts[after]].strip(" ")
        return gap[:1] in (",", ".", ";", ")", "\n", '"')

    def _dated(self, start: int, end: int, month: int, day: int, solar: bool = False) -> _Raw | None:
        """The day-month spanning tokens ``start``..``end``-1, with the year that may follow."""
        year, end = self._year_after(end, solar)
        if year == -1 or not (_solar_plausible(month, day, year) if solar else _plausible(month, day, year)):
            return None  # a year of another calendar (1402) or a day the month lacks
        left, _ = self._left(start)
        right, _ = self._right(end)  # "17 octobre dernier", "أكتوبر الماضي": no change of value
        return _Raw(left, right, "date", year=year, month=month, day=day, solar=solar)

    def _year_after(self, end: int, solar: bool = False) -> tuple[int | None, int]:
        year = self._year(end, solar)
        if year is not None and self._gap(end - 1, end) in ("", ","):
            return year, end + 1
        year = self._year(end + 1, solar)
        if year is not None and end < len(self.forms) and self._connector(end) \
                and self._gap(end - 1, end) == "" and self._gap(end, end + 1) == "":
            return year, end + 2
        return None, end

    def _with_range(self, raw: _Raw | None) -> list[_Raw]:
        """The date, and the earlier days that share its month: "entre le 17 et le 30 octobre",
        "13-15 October", "on the 15th, 19th and 22nd of November"."""
        if raw is None or raw.day is None:
            return []
        found = [raw]
        while (j := self._earlier_day(found[0].start, found[0].day or 0)) is not None:
            found.insert(0, _Raw(j, j + 1, "date", year=raw.year, month=raw.month, day=self._day(j), solar=raw.solar))
        return found

    def _earlier_day(self, start: int, day: int) -> int | None:
        """The token of a smaller day joined to the date at ``start`` by a dash, a comma or a short
        word ('and', 'et', 'و')."""
        j = start - 1
        while j >= 0 and start - j <= 2 and self._connector(j) and self._gap(j, j + 1) == "":
            j -= 1
        joined = j < start - 1 or (j >= 0 and self._gap(j, start) in ("-", ","))
        first = self._day(j)
        if first is None or not joined or first >= day or self._gap(j, j + 1) not in ("", "-", ",", "."):
            return None  # '.': a German ordinal day ("am 19. und 22. November")
        return j

    def _later_days(self, raw: _Raw, at: int) -> list[_Raw]:
        """The later days that share the month of a date written month first: "November 19 and 22",
        "Nov. 9, 11 and 14"."""
        found: list[_Raw] = []
        day = raw.day or 0
        while True:
            j = at + 1
            while j < len(self.forms) and j - at <= 2 and self._connector(j) and self._gap(j - 1, j) == "":
                j += 1
            joined = j > at + 1 or (j < len(self.forms) and self._gap(at, j) in ("-", ","))
            later = self._day(j)
            if later is None or not joined or later <= day or self._gap(j - 1, j) not in ("", "-", ",") \
                    or self._year(j + 1) is not None:
                break
            found.append(_Raw(j, j + 1, "date", year=raw.year, month=raw.month, day=later, solar=raw.solar))
            at, day = j, later
        # the last day ends the phrase: not "On November 19, 22 drones were launched"
        end = found[-1].end if found else 0
        if found and not (self._closed(end) or (end < len(self.forms) and self._connector(end))):
            return []
        return found

    def _month_only(self, start: int, end: int, month: int) -> list[_Raw]:
        year, year_end = self._year_after(end)
        if year == -1:
            return []
        if year is not None:
            return [_Raw(start, year_end, "month", year=year, month=month)]
        if self._weak(start, end):
            return []
        left, previous = self._left(start)
        right, later = self._right(end)
        return [_Raw(left, right, "month", month=month, previous=previous or later)]

    def _weak(self, start: int, end: int) -> bool:
        """A short month word on its own ("may", "mar", "kas", "مه") is more likely an ordinary
        word than a month, unless it is capitalised (scripts without case get no such hint)."""
        if end - start > 1 or len(self.forms[start]) >= 4:
            return False
        first = self.nt.orig_index(self.nt.starts[start])
        return not self.nt.original[first].isupper()

    # -- weekdays and relative words

    def _weekday(self, start: int, end: int, weekday: int, explicit: dict[int, _Raw]) -> _Raw | None:
        left, previous = self._left(start)
        named = explicit.get(end)
        if named is not None and self._gap(end - 1, end).strip(_WEEKDAY_GAPS) == "":
            named.start, named.relative = min(named.start, left), True  # "Sunday, Jan. 28, 2024"
            named.end = self._right(named.end, parts_only=True)[0]
            return None
        day = self._day_in_brackets(end)
        if day is not None:
            return _Raw(left, self._right(end + 1)[0], "weekday", weekday=weekday, day=day, relative=True)
        second = self._second_weekday(left, start, end, weekday)
        if second is not None:
            end, weekday = second
        right, later = self._right(end)
        return _Raw(left, right, "weekday", weekday=weekday, previous=previous or later, relative=True)

    def _day_in_brackets(self, j: int) -> int | None:
        """N in "domingo (28)": a bare day of month right after a weekday."""
        day = self._day(j)
        if day is None or not self.forms[j].isdecimal() or self._gap(j - 1, j) != "(":
            return None
        return day if self._closes(j) else None

    def _opens(self, j: int) -> bool:
        """An opening bracket right before token ``j``."""
        start = self.nt.starts[j]
        return self.nt.text[max(0, start - _BRACKET_WINDOW):start].rstrip().endswith("(")

    def _closes(self, j: int) -> bool:
        """A closing bracket right after token ``j``."""
        end = self.nt.ends[j]
        return self.nt.text[end:end + _BRACKET_WINDOW].lstrip().startswith(")")

    def _second_weekday(self, left: int, start: int, end: int, weekday: int) -> tuple[int, int] | None:
        """The night of one weekday to the next ("ليل الثلاثاء/الأربعاء", "nuit de mardi à mercredi")
        is dated to the second day: such events are reported after midnight."""
        for j in (end, end + 1):
            mark = self.marks.get(j)
            if mark is None or mark[0] != "weekday" or int(mark[1]) != (weekday + 1) % 7:
                continue
            if j == end and self._gap(end - 1, end) in ("/", "-"):
                return mark[3], int(mark[1])
            night = self.by_end.get(start) or self.by_end.get(start - 1)
            if j == end + 1 and self._connector(end) and night is not None and night[1] == _NIGHT \
                    and left < start:
                return mark[3], int(mark[1])
        return None

    def _left(self, start: int, parts_only: bool = False) -> tuple[int, bool]:
        """Extend over parts of day and previous/this markers right before ``start``
        ("صباح الجمعة", "last Monday", "la tarde de este sábado")."""
        previous = False
        for _ in range(3):
            mark = self.by_end.get(start)
            if mark is None and start >= 2 and self._connector(start - 1) \
                    and self._gap(start - 1, start) == "":
                mark = self.by_end.get(start - 1)
                if mark is not None and (mark[0] != "part_of_day" or mark[2] in self.by_end):
                    mark = None  # "Jumat pagi dan Senin": that morning is Friday's
            if mark is None or mark[0] not in _CONTEXT_KINDS or (parts_only and mark[0] != "part_of_day") \
                    or self._gap(mark[3] - 1, mark[3]) != "":
                break
            previous = previous or mark[0] == "date_previous"
            start = mark[2]
        return start, previous

    def _right(self, end: int, parts_only: bool = False) -> tuple[int, bool]:
        """Extend over parts of day and previous/this markers right after ``end``
        ("Jumat pagi", "lundi dernier", "الاثنين الماضي")."""
        previous = False
        for _ in range(2):
            mark = self.marks.get(end)
            if mark is None or mark[0] not in _CONTEXT_KINDS or (parts_only and mark[0] != "part_of_day") \
                    or self._gap(end - 1, end) not in ("", ")"):  # "Kamis (7/3) malam"
                break
            if mark[0] == "part_of_day" and (self.marks.get(mark[3]) or ("",))[0] == "weekday":
                break  # "الأربعاء وصباح الخميس" (Wednesday and Thursday morning): that morning is Thursday's
            previous = previous or mark[0] == "date_previous"
            end = mark[3]
        return end, previous


def _without_overlaps(raws: list[_Raw]) -> list[_Raw]:
    raws.sort(key=lambda raw: (raw.start, -raw.end))
    kept: list[_Raw] = []
    for raw in raws:
        if not kept or raw.start >= kept[-1].end:
            kept.append(raw)
    return kept


# --- resolution ---------------------------------------------------------------------------------

def _since_dates(raws: list[_Raw], matches: Sequence[Match]) -> set[int]:
    """The starts of the dates a 'since' cue bounds ("since 23 November", "23 Kasım'dan bu yana")."""
    cues = [m for m in matches if ("tally", "since") in m.payloads]
    return {raw.start for raw in raws for m in cues if 0 <= raw.start - m.end <= 2 or 0 <= m.start - raw.end <= 1}


def _context(day: dt.date | None, month: tuple[int, int] | None, raws: list[_Raw],
             since: Collection[int] = ()) -> DateContext:
    """Where relative words count from: the publication day. Where only its month is known, the latest
    day the text gives in that month stands in for it (the corpus's coding: the day the report dates its
    main news). Where nothing is known, the latest month the text dates with its year is taken for the
    publication month, and yearless dates take the year nearest the day that stands in."""
    if day is not None:
        return DateContext(day, month, day)
    inferred = month is None
    if inferred:
        dated = [(raw.year, raw.month) for raw in raws if raw.year is not None and raw.month is not None
                 and not raw.solar]
        dated += [(d.year, d.month) for raw in raws if raw.solar and raw.year is not None
                  for d in (solar_to_gregorian(raw.year, raw.month or 1, raw.day or 1),) if d is not None]
        if not dated:
            return DateContext(None, None, None)
        month = max(dated)
    assert month is not None
    bare = DateContext(None, month, None)
    inside = [(d, raw.start in since) for raw in raws if raw.day is not None
              for d in (_explicit_day(raw, bare),) if d is not None and (d.year, d.month) == month]
    if not inside:
        return DateContext(None, month, None, inferred)
    latest = max(d for d, _ in inside)
    counted_since = all(floor for d, floor in inside if d == latest)
    return DateContext(None, month, latest, inferred, after_anchor=counted_since)


def _resolve(raw: _Raw, ctx: DateContext) -> DateMention:
    value: str | None
    precision: str | None
    if raw.day is not None:
        found = _explicit_day(raw, ctx)
        value, precision = (found.isoformat(), DAY) if found is not None else (None, None)
        return DateMention(raw.start, raw.end, value, precision, True, raw.relative)
    if raw.kind == "month":
        year = raw.year if raw.year is not None else _year_of_month(ctx, raw.month or 1, raw.previous)
        value = None if year is None else f"{year:04d}-{raw.month:02d}"
        return DateMention(raw.start, raw.end, value, MONTH if value else None, raw.year is not None, False)
    if raw.kind == "weekday":
        value, precision = resolve_weekday(ctx, raw.weekday or 0, raw.previous)
    elif raw.kind == "offset":
        value, precision = resolve_offset(ctx, raw.offset)
    elif raw.kind == "last_week":
        value, precision = _last_week(ctx)
    elif raw.kind == "last_month":
        value, precision = _last_month(ctx)
    else:
        value, precision = _around(ctx)
    return DateMention(raw.start, raw.end, value, precision, False, True)


def _explicit_day(raw: _Raw, ctx: DateContext) -> dt.date | None:
    day, month = raw.day or 1, raw.month
    if month is None:  # a weekday with its day of month in brackets
        return _day_of_month(ctx, day, raw.weekday)
    if raw.solar:
        return _solar_day(raw.year, month, day, ctx)
    if raw.year is not None:
        return _valid_date(raw.year, month, day)
    if ctx.period is not None:
        first, last = ctx.period
        inside = [d for y in range(first.year, last.year + 1) for d in (_valid_date(y, month, day),)
                  if d is not None and first <= d <= last]
        return inside[0] if len(inside) == 1 else None
    if ctx.inferred and ctx.anchor is not None:
        near = [d for y in (ctx.anchor.year - 1, ctx.anchor.year, ctx.anchor.year + 1)
                for d in (_valid_date(y, month, day),) if d is not None]
        return min(near, key=lambda d: abs((d - ctx.anchor).days), default=None)  # type: ignore[operator]
    if ctx.published is not None:
        year = ctx.published.year - ((month, day) > (ctx.published.month, ctx.published.day))
    elif ctx.month is not None:
        year = ctx.month[0] - (month > ctx.month[1])
    else:
        return None
    return _valid_date(year, month, day)


def _solar_day(year: int | None, month: int, day: int, ctx: DateContext) -> dt.date | None:
    """The Gregorian day of a Solar Hijri date; without its year, the latest one on or before the
    publication day (or the end of the publication month), or the nearest to the day standing in
    for an unknown publication day."""
    if year is not None:
        return solar_to_gregorian(year, month, day)
    ref = ctx.published or ctx.anchor
    if ref is None and ctx.month is not None:
        ref = dt.date(ctx.month[0], ctx.month[1], monthrange(*ctx.month)[1])
    if ref is None:
        return None
    guess = ref.year - 621  # the Solar Hijri year that starts in March of ref.year
    found = [d for y in (guess - 1, guess, guess + 1) for d in (solar_to_gregorian(y, month, day),) if d is not None]
    if ctx.inferred:
        return min(found, key=lambda d: abs((d - ref).days), default=None)
    return max((d for d in found if d <= ref), default=None)


def solar_to_gregorian(year: int, month: int, day: int) -> dt.date | None:
    """The Gregorian date of Solar Hijri ``year``-``month``-``day`` (months of 31 days, then 30, the
    last 29 or 30), or None when the month has no such day."""
    if not (_SOLAR_YEARS[0] <= year <= _SOLAR_YEARS[1] and _solar_plausible(month, day, year)):
        return None
    epoch_year, epoch = _SOLAR_EPOCH
    days = sum(_solar_year_length(y) for y in range(epoch_year, year)) \
        - sum(_solar_year_length(y) for y in range(year, epoch_year))
    days += (month - 1) * 31 if month <= 7 else 186 + (month - 7) * 30
    return epoch + dt.timedelta(days=days + day - 1)


def _solar_year_length(year: int) -> int:
    return 366 if year % 33 in _SOLAR_LEAP else 365


def _solar_plausible(month: int, day: int, year: int | None) -> bool:
    """A day the Solar Hijri month can have (30 Esfand counts when the year is unknown)."""
    if not 1 <= month <= 12:
        return False
    last = 31 if month <= 6 else 30 if month <= 11 or year is None or _solar_year_length(year) == 366 else 29
    return 1 <= day <= last


def _day_of_month(ctx: DateContext, day: int, weekday: int | None) -> dt.date | None:
    """The day ``day`` of this or a recent month on or before the publication day (or the end of
    the publication month), preferring the one that falls on ``weekday``."""
    if ctx.published is not None:
        ref = ctx.published
    elif ctx.month is not None:
        ref = dt.date(ctx.month[0], ctx.month[1], monthrange(*ctx.month)[1])
    else:
        return None
    candidates = []
    year, month = ref.year, ref.month
    for _ in range(3):
        found = _valid_date(year, month, day)
        if found is not None and found <= ref:
            candidates.append(found)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    matching = [d for d in candidates if d.weekday() == weekday]
    return (matching or candidates)[0] if candidates else None


def _year_of_month(ctx: DateContext, month: int, previous: bool) -> int | None:
    if ctx.month is None:
        return None
    year, current = ctx.month
    return year - (month > current or (previous and month == current))


def _last_week(ctx: DateContext) -> tuple[str | None, str | None]:
    """The middle (Thursday) of the calendar week before the anchor's."""
    if ctx.anchor is None:
        return (_month_value(ctx.month), MONTH) if ctx.month is not None else (None, None)
    return (ctx.anchor - dt.timedelta(days=ctx.anchor.weekday() + 4)).isoformat(), WEEK


def _last_month(ctx: DateContext) -> tuple[str | None, str | None]:
    """The calendar month before the publication month."""
    if ctx.month is None:
        return None, None
    year, month = ctx.month
    return _month_value((year - 1, 12) if month == 1 else (year, month - 1)), MONTH


def _around(ctx: DateContext) -> tuple[str | None, str | None]:
    if ctx.anchor is None:
        return (_month_value(ctx.month), MONTH) if ctx.month is not None else (None, None)
    return ctx.anchor.isoformat(), WEEK


def _month_value(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
    if not (1 <= month <= 12 and 1 <= year <= 9999) or not 1 <= day <= monthrange(year, month)[1]:
        return None
    return dt.date(year, month, day)


def _plausible(month: int, day: int, year: int | None) -> bool:
    """A day the month can have (29 February counts when the year is unknown)."""
    return _valid_date(year if year is not None else 2000, month, day) is not None
