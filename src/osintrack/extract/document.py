"""The document stage: a report read once into what every later stage needs.

It normalises the text, runs the language's combined lexicon (pack words, gazetteer places, actor
names) over it, resolves date expressions, finds numbers and splits it into sentences, each holding
its mentions (triggers, places, actors, weapons, cues, dates, numbers). Later stages only read a
``Doc``. Nothing here names a word of any language: that knowledge lives in ``data/``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Protocol, TypeVar

from .. import dates as dates_mod
from .. import numbers as numbers_mod
from ..actors import Actors, load_actors
from ..datafiles import read_yaml
from ..gazetteer import Gazetteer, load_gazetteer
from ..language import LanguagePack, NormText, available_languages, detect_language, load_pack, normalize
from ..lexicon import Lexicon, Match
from ..model import Evidence, Report

FALLBACK_LANGUAGE = "en"
MAX_SENTENCE_TOKENS = 150  # the longest sentence of the shared corpus has 78 tokens

# A sentence ends at a newline, or at . ! ? followed by a capital letter or quote in the original
# text — but not after a one-letter token ("U.S.", initials) or before a digit ("Jan. 28").
_CRAWL_HEADER = re.compile(r" ?date \d{4}-\d{2}(?:-\d{2})?(?=\s|\Z)")
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-]([01]?\d)(?:[/-]([0-3]?\d))?(?=[/-])")
_STOPS = frozenset(".!?;؟。…")
_STOP_MARKS = frozenset(",;:.()،؛")  # a comma or a stronger stop: what keeps two words apart
_ACRONYM = re.compile(r"[^\W\d_a-z]{1,3}\.[^\W\d_a-z]{1,3}\.")  # "EE.UU.", "U.K.": no sentence ends inside
_CODE_JOINS = frozenset("-/:")
_BLANK_LINE = re.compile(r"\n[ \t\r\u00a0]*\n")  # a paragraph ends
# (one character class first: the regex engine then skips to the next candidate at C speed, twice as
# fast over a report as an alternation of the newline and the stops)
_SENTENCE_GAP = re.compile(r"[\n.!?;](?:(?<=\n)|(?=\s*[\"'“«(\[]?\s*[^\W\d_a-z]))")


# Not frozen, though nothing changes one once made: one is made for every number, and a
# frozen dataclass's __init__ (object.__setattr__ per field) is about three times slower (as lexicon.Match).
@dataclass(slots=True, unsafe_hash=True)
class Number:
    start: int
    end: int
    value: int
    ordinal: bool = False


class _Starts(Protocol):
    @property
    def start(self) -> int: ...  # its first token


_Spanned = TypeVar("_Spanned", bound=_Starts)  # a match, date or number: what a sentence holds

_NONE: list[Match] = []  # what having() gives for nothing: shared, never to be changed
# The cue classes that say nobody was hurt, with the casualty fields each gives 0: "no casualties" both,
# "no one was injured" the injured only, "nobody was killed" the killed only (the corpus's coding rule)
NONE_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("no_casualties", ("killed", "injured")), ("no_injuries", ("injured",)), ("no_deaths", ("killed",)))
_NONE_KEYS = frozenset(("cue", key) for key, _ in NONE_CUES)


@dataclass(slots=True)
class Sentence:
    index: int
    start: int  # first token
    end: int  # one past the last token
    matches: list[Match] = field(default_factory=list)
    dates: list[dates_mod.DateMention] = field(default_factory=list)
    numbers: list[Number] = field(default_factory=list)

    by_kind: dict[tuple[str, object], list[Match]] = field(default_factory=dict)
    memo: dict[object, object] = field(default_factory=dict)  # per-sentence results of the builders

    def having(self, kind: str, value: object = None) -> list[Match]:
        return self.by_kind.get((kind, value), _NONE)

    def has(self, kind: str, value: object = None) -> bool:
        return (kind, value) in self.by_kind

    def tells_none(self) -> bool:
        """Whether the sentence says nobody (or nobody of some kind) was hurt: a cue of NONE_CUES."""
        return not self.by_kind.keys().isdisjoint(_NONE_KEYS)


@dataclass(slots=True)
class Doc:
    """One report being read: everything the builders need, computed once."""

    report: Report
    pack: LanguagePack
    nt: NormText
    matches: list[Match]
    context: dates_mod.DateContext
    sentences: list[Sentence]
    gazetteer: Gazetteer
    actors: Actors
    crawl_header: bool = False  # the first line is ' date YYYY-MM[-DD] keywords'
    memo: dict[str, Any] = field(default_factory=dict)  # per-report results later stages compute once

    def punctuated(self, first: Match, second: Match) -> bool:
        """Whether a comma or stronger stop stands between two matches in the original text."""
        start, end = self._gap(first.end, second.start)
        return not _STOP_MARKS.isdisjoint(self.report.text[start:end])

    def paragraph_between(self, first: Sentence, second: Sentence) -> bool:
        """Whether a blank line stands between two sentences in the original text."""
        start, end = self._gap(first.end, second.start)
        return _BLANK_LINE.search(self.report.text, start, end) is not None

    def _gap(self, end_token: int, start_token: int) -> tuple[int, int]:
        """The original [start, end) between a span ending before ``end_token`` and one from ``start_token``."""
        return self.nt.orig_index(self.nt.ends[end_token - 1] - 1) + 1, self.nt.orig_index(self.nt.starts[start_token])

    def glued_and(self, token: int) -> bool:
        """'والركبان', 'والخميس': the word carries the conjunction as a clitic (Arabic و)."""
        glued: list[str] | None = self.memo.get("glued_and")  # the pack's 'and' words that are clitics, once
        if glued is None:
            glued = self.memo["glued_and"] = [w for w in self.pack.phrases("tallies", "and") if w in self.pack.prefixes]
        form = self.nt.forms[token]
        return any(form.startswith(w) and len(form) > len(w) + 2 for w in glued)

    def evidence(self, start_token: int, end_token: int) -> Evidence:
        start, end = self.nt.orig_span(start_token, end_token)
        return Evidence(self.report.text[start:end], start, end)


@cache
def language_lexicon(code: str) -> Lexicon:
    """The combined lexicon of one language: pack words, gazetteer places and actor names."""
    pack = load_pack(code)
    entries = pack.lexicon_entries() + load_gazetteer().lexicon_entries() + load_actors().lexicon_entries(code)
    lexicon = Lexicon(entries, prefixes=pack.prefixes, suffixes=pack.suffixes)
    # The lexicon is hundreds of thousands of trie nodes that live as long as the process: keep the
    # cyclic garbage collector from walking them again at every full collection (about 20% of the time).
    gc.freeze()
    return lexicon


def report_language(report: Report) -> str:
    """The pack to read ``report`` with: its own ``lang``, else detected, else English."""
    supported = set(available_languages())
    lang = report.lang or detect_language(report.text)
    if lang == "ms" and "ms" not in supported:
        lang = "id"
    return lang if lang in supported else FALLBACK_LANGUAGE


def read_doc(report: Report) -> Doc:
    lang = report_language(report)
    pack = load_pack(lang)
    nt = normalize(report.text)
    skip = _crawl_header_tokens(nt)
    matches = language_lexicon(lang).match(nt, skip)
    context, mentions = dates_mod.find_dates(nt, matches, pack, report.published or url_date(report.url),
                                             theatre().period)
    mentions = [d for d in mentions if d.start >= skip]
    sentences = _sentences(nt, matches, mentions, _numbers(nt, matches, pack))
    return Doc(report, pack, nt, matches, context, sentences, load_gazetteer(), load_actors(), skip > 0)


@dataclass(frozen=True, slots=True)
class Theatre:
    """What the tracked conflict is, as data/theatre.yaml says."""

    countries: frozenset[str]  # countries whose bare name locates an event
    context_only: frozenset[str]  # countries where no place locates an event of the theatre
    strikers: frozenset[str]  # actor ids of the states whose air strikes the theatre codes
    period: tuple[dt.date, dt.date]  # the months its reports speak of
    stationed: frozenset[str]  # site ids where the strikers' forces are: what attacks aim at
    held: frozenset[str]  # site ids armed groups hold: where the strikers' air strikes fall
    campaign_start: dt.date  # where a count of the period runs from when its report does not say
    incidents: tuple[KnownIncident, ...]  # incidents its reports often retell as background


@dataclass(frozen=True, slots=True)
class KnownIncident:
    """An incident the theatre's reports often retell as background (a public fact, not a report's)."""

    day: dt.date
    country: str
    sites: frozenset[str]  # the site ids public accounts name; none where unnamed facilities were hit
    event_type: str


@cache
def theatre() -> Theatre:
    data = read_yaml(resources.files("osintrack") / "data" / "theatre.yaml", "the theatre file")
    first, last, start = (_day(value) for value in (*data["period"], data["campaign_start"]))
    incidents = tuple(KnownIncident(_day(i["day"]), i["country"], frozenset(i["sites"]), i["type"])
                      for i in data["incidents"])
    return Theatre(frozenset(data["countries"]), frozenset(data["context_only"]), frozenset(data["strikers"]),
                   (first, last), frozenset(data["stationed"]), frozenset(data["held"]), start, incidents)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def url_date(url: str | None) -> str | None:
    """'.../2024/01/29/...': the day (or month) many sites put in an article's address."""
    found = _URL_DATE.search(url or "")
    if found is None or not 1 <= int(found.group(2)) <= 12:
        return None
    year, month, day = found.group(1), int(found.group(2)), found.group(3)
    return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day and 1 <= int(day) <= 31 else "")


def _crawl_header_tokens(nt: NormText) -> int:
    """Tokens of a leading ' date YYYY-MM[-DD]' crawl header: metadata (the publication date, read by
    ingest), not a date the report states."""
    found = _CRAWL_HEADER.match(nt.original)
    if found is None:
        return 0
    return bisect.bisect_left(nt.starts, found.end()) if nt.offsets is None else sum(
        1 for start in nt.starts if nt.orig_index(start) < found.end())


def _numbers(nt: NormText, matches: list[Match], pack: LanguagePack) -> list[Number]:
    by_start = {m.start: m for m in matches}
    out = [Number(a, b, value) for a, b, value in numbers_mod.find_numbers(nt, by_start, pack)
           if not _in_code(nt, a, b)]
    taken = {n.start for n in out}
    # the payloads read in place, not by Match.value: a call per match costs more than the test
    for match, ordinal in [(m, value) for m in matches for kind, value in m.payloads if kind == "ordinal"]:
        if ordinal is not None and match.start not in taken:
            out.append(Number(match.start, match.end, int(ordinal), ordinal=True))
            taken.add(match.start)
    for j, form in enumerate(nt.forms):  # "the 28th attack", "la 7e attaque": digits with an ordinal ending
        if j not in taken and form[:1].isdecimal():
            # "serangan ke-26": digits after an ordinal prefix
            value = numbers_mod.digit_ordinal(form, pack) if not form.isdecimal() else \
                numbers_mod.prefixed_ordinal(nt, j, pack)
            if value is not None:
                out.append(Number(j, j + 1, value, ordinal=True))
    return sorted(out, key=lambda n: n.start)


def _in_code(nt: NormText, start: int, end: int) -> bool:
    """Digits glued to other digits by '-', '/' or ':' ('2023-12-26', '/2023/12/25/', '12:30') are a
    date, a path or a time: no count of anything."""
    text = nt.original
    a, b = nt.orig_span(start, end)
    return (a >= 2 and text[a - 1] in _CODE_JOINS and text[a - 2].isdecimal()) or \
        (b + 1 < len(text) and text[b] in _CODE_JOINS and text[b + 1].isdecimal())


def _sentence_breaks(nt: NormText) -> list[int]:
    """Token indices that start a new sentence."""
    if not nt.forms:
        return []
    offsets = nt.offsets  # a token starts at a kept character: orig_index without its bounds check
    token_starts = nt.starts if offsets is None else [offsets[s] for s in nt.starts]
    breaks: list[int] = []
    for gap in _SENTENCE_GAP.finditer(nt.original):
        i = bisect.bisect_right(token_starts, gap.start())
        if i == 0 or i >= len(nt.forms) or (breaks and breaks[-1] == i):
            continue
        if gap.group() == "\n" or (len(nt.forms[i - 1]) > 1 and not nt.forms[i].isdecimal()
                                    and not _ACRONYM.match(nt.original, _word_start(nt.original, gap.start()))):
            breaks.append(i)
    return breaks


def _word_start(text: str, end: int) -> int:
    start = end
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return start


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The original [start, end) of the sentence(s), as the extractor cuts them, that hold ``text[start:end]``:
    what a reader needs around an evidence span."""
    nt = normalize(text)
    if not nt.forms:
        return start, end
    bounds = _bounded([0, *_sentence_breaks(nt), len(nt.forms)])
    spans = [nt.orig_span(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    first = next((a for a, b in spans if b > start), start)
    last = next((b for a, b in reversed(spans) if a < end), end)
    while last < len(text) and text[last] in _STOPS:  # the sentence's own full stop
        last += 1
    return min(first, start), max(last, end)


def _bounded(bounds: list[int]) -> list[int]:
    """Cut runs longer than MAX_SENTENCE_TOKENS: text with no stops (a scraped page, a table) must
    not make every per-sentence step quadratic."""
    out = [bounds[0]]
    for end in bounds[1:]:
        while end - out[-1] > MAX_SENTENCE_TOKENS:
            out.append(out[-1] + MAX_SENTENCE_TOKENS)
        out.append(end)
    return out


def _sentences(nt: NormText, matches: list[Match], mentions: list[dates_mod.DateMention],
               numbers: list[Number]) -> list[Sentence]:
    inside = {i for d in mentions for i in range(d.start + 1, d.end)}  # '18. Oktober' is one date
    bounds = _bounded([0, *(i for i in _sentence_breaks(nt) if i not in inside), len(nt.forms)])
    spans = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    if not spans:
        return []
    firsts = [a for a, _ in spans[1:]]
    return [Sentence(k, a, b, held, dated, counted, _by_kind(held))
            for k, ((a, b), held, dated, counted) in enumerate(zip(
                spans, _split(matches, firsts), _split(sorted(mentions, key=lambda d: d.start), firsts),
                _split(numbers, firsts), strict=True))]


def _split(items: list[_Spanned], firsts: list[int]) -> list[list[_Spanned]]:
    """``items`` (in text order) cut into one list per sentence, by the first token of each sentence after
    the first (an item before the first sentence goes with it): a search per sentence, not per item."""
    starts = [item.start for item in items]
    cuts = [bisect.bisect_left(starts, first) for first in firsts]
    return [items[a:b] for a, b in zip([0, *cuts], [*cuts, len(items)], strict=True)]


def _by_kind(matches: list[Match]) -> dict[tuple[str, object], list[Match]]:
    """A sentence's matches by (kind, None) and by (kind, value), in text order: what having() reads."""
    by_kind: dict[tuple[str, object], list[Match]] = {}
    for match in matches:
        for kind, value in match.payloads:
            by_kind.setdefault((kind, None), []).append(match)
            by_kind.setdefault((kind, value), []).append(match)
    return by_kind
