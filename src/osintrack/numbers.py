"""Integers and ordinals written in digits or in words, read from normalised tokens.

Digits: "66", "2,500" / "2.500" / "2 500" (a group of exactly three digits is a thousands group),
"14,3" (a decimal: the integer part is kept), "1.5 million" (a multiplier word scales it).
Words come from the language pack's ``numbers`` section and are added up the usual way: a
multiplier (hundred, puluh, mille) scales what precedes it, a smaller word adds to what precedes
it, a joiner (et, و, и) may sit between two parts, a joiner letter glued to the next word ("وعشرون")
counts as a joiner, and a unit joined to a following ten ("ثلاثة وعشرون", "drei und zwanzig") is
read unit + ten. Where the pack says numbers are written as one word (``compound: true``) a token
is split greedily into known parts ("zweiunddreißig", "trentotto"). Vague words ("dozens") are not
numbers: the pack does not list them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from .language import LanguagePack, NormText, normalize_phrase
from .lexicon import Lexicon, Match

_THOUSANDS_GAPS = (",", ".", " ")  # what may separate thousands groups: 2,500 / 2.500 / 2 500
_DECIMAL_GAPS = (",", ".")
_VOWELS = "aeiou"
_MIN_ELIDED = 5  # "venti" -> "vent" (ventuno); shorter words keep their vowel
_MIN_PIECE = 2
_MAX_MEMO = 50_000  # distinct token forms remembered per pack; cleared when full
_NUMBER_KINDS = frozenset({"number", "ordinal", "number_joiner"})


class _Item(NamedTuple):
    value: int | None  # None: a joiner
    end: int  # token index just past the item
    multiplier: bool
    glued: bool  # a joiner letter was glued to the front of this word


@dataclass(frozen=True, slots=True)
class NumberTables:
    """The pack's number words in matching form, built once per pack."""

    words: Mapping[str, int]  # one-token number words
    multipliers: frozenset[str]  # multiplier phrases, tokens joined by a space
    multiplier_values: frozenset[int]  # values >= 100 that a multiplier word has
    glued_joiners: tuple[str, ...]  # one-letter joiners that are written glued to the next word
    pieces: Mapping[str, int | None]  # parts of a one-word compound: value, or None for a joiner
    elided: Mapping[str, int]  # a part minus its final vowel, valid only before another part
    longest_piece: int
    compound: bool
    ordinal_suffixes: frozenset[str]  # letters after digits that make an ordinal: st, nd, er, e
    hyphen_suffixes: frozenset[str]  # the same written after a hyphen: 3-й
    hyphen_prefixes: frozenset[str]  # letters written before a hyphen and digits: ke-26
    lexicon: Lexicon  # number words, ordinals and joiners, with the pack's morphology
    phrases_by_first: Mapping[str, list[tuple[tuple[str, ...], dict[str, int | None]]]]  # several words
    memo: dict[str, dict[str, int | None] | None]  # one token form -> {kind: value} via ``lexicon``
    compounds: dict[str, int]  # one token form -> its value as a compound number, -1: not one
    plain: set[str]  # token forms that are no number word, ordinal or joiner on their own

    def remember_plain(self, form: str) -> None:
        if len(self.plain) >= _MAX_MEMO:
            self.plain.clear()
        self.plain.add(form)

    def single(self, form: str) -> dict[str, int | None] | None:
        """{kind: value} of the number, ordinal or joiner that ``form`` alone is, with morphology."""
        if form in self.memo:
            return self.memo[form]
        if len(self.memo) >= _MAX_MEMO:
            self.memo.clear()
        nt = NormText(form, form, None, [form], [0], [len(form)])
        found = self.lexicon.match(nt)
        kinds = {k: v for k, v in found[0].payloads} if found else None
        self.memo[form] = kinds
        return kinds


# Packs are frozen dataclasses holding a dict, so they cannot be hashed or carry a cache of their
# own; tables are keyed by the pack object's identity and keep the pack alive so the id stays valid.
_TABLES: dict[int, tuple[LanguagePack, NumberTables]] = {}
_MAX_TABLES = 64


def number_tables(pack: LanguagePack) -> NumberTables:
    """The number tables of ``pack``, built on first use."""
    found = _TABLES.get(id(pack))
    if found is not None and found[0] is pack:
        return found[1]
    if len(_TABLES) >= _MAX_TABLES:
        _TABLES.clear()
    tables = _build_tables(pack)
    _TABLES[id(pack)] = (pack, tables)
    return tables


def _build_tables(pack: LanguagePack) -> NumberTables:
    section = pack.data.get("numbers") or {}
    raw_words = {normalize_phrase(str(w)): int(v) for w, v in (section.get("words") or {}).items()}
    words = {forms[0]: v for forms, v in raw_words.items() if len(forms) == 1}
    multipliers = frozenset(" ".join(normalize_phrase(str(w))) for w in section.get("multipliers") or ())
    multiplier_values = frozenset(v for forms, v in raw_words.items()
                                  if " ".join(forms) in multipliers and v >= 100)
    joiners = [" ".join(normalize_phrase(str(w))) for w in section.get("joiners") or ()]
    pieces: dict[str, int | None] = dict(words)
    pieces.update({j: None for j in joiners if j and " " not in j})
    elided = {w[:-1]: v for w, v in words.items()
              if len(w) >= _MIN_ELIDED and w[-1] in _VOWELS and w[:-1] not in pieces}
    suffixes, hyphen_suffixes, hyphen_prefixes = _ordinal_suffixes(section.get("ordinals") or {})
    entries: list[tuple[str, tuple[str, int | None]]]
    entries = [(str(w), ("number", int(v))) for w, v in (section.get("words") or {}).items()]
    entries += [(str(w), ("ordinal", int(v))) for w, v in (section.get("ordinals") or {}).items()]
    entries += [(str(w), ("number_joiner", None)) for w in section.get("joiners") or ()]
    lexicon = Lexicon(entries, prefixes=pack.prefixes, suffixes=pack.suffixes)
    return NumberTables(
        words=words, multipliers=multipliers, multiplier_values=multiplier_values,
        glued_joiners=tuple(j for j in joiners if len(j) == 1 and not j.isdecimal()),
        pieces=pieces, elided=elided, longest_piece=max(map(len, [*pieces, *elided]), default=0),
        compound=bool(section.get("compound")), ordinal_suffixes=frozenset(suffixes),
        hyphen_suffixes=frozenset(hyphen_suffixes), hyphen_prefixes=frozenset(hyphen_prefixes), lexicon=lexicon,
        phrases_by_first=_phrases_by_first(entries), memo={}, compounds={}, plain=set())


def _phrases_by_first(entries: list[tuple[str, tuple[str, int | None]]]
                      ) -> dict[str, list[tuple[tuple[str, ...], dict[str, int | None]]]]:
    """Entries of several words ("dua belas", "quatre vingt"), longest first under their first word."""
    phrases: dict[tuple[str, ...], dict[str, int | None]] = {}
    for phrase, (kind, value) in entries:
        forms = normalize_phrase(phrase)
        if len(forms) > 1:
            phrases.setdefault(forms, {})[kind] = value
    by_first: dict[str, list[tuple[tuple[str, ...], dict[str, int | None]]]] = {}
    for forms, kinds in sorted(phrases.items(), key=lambda item: -len(item[0])):
        by_first.setdefault(forms[0], []).append((forms, kinds))
    return by_first


def _ordinal_suffixes(ordinals: Mapping[str, object]) -> tuple[set[str], set[str], set[str]]:
    """Letters the pack writes after digits in its ordinals ("1st", "2e", "3-й"), and before a hyphen
    and digits ("ke-3")."""
    glued: set[str] = set()
    hyphen: set[str] = set()
    before: set[str] = set()
    for key in ordinals:
        forms = normalize_phrase(str(key))
        if len(forms) == 1:
            digits, letters = _split_digits(forms[0])
            if digits and letters:
                glued.add(letters)
        elif len(forms) == 2 and forms[0].isdecimal() and forms[1].isalpha():
            hyphen.add(forms[1])
        elif len(forms) == 2 and forms[0].isalpha() and forms[1].isdecimal():
            before.add(forms[0])
    return glued, hyphen, before


def _split_digits(form: str) -> tuple[str, str]:
    k = 0
    while k < len(form) and form[k].isdecimal():
        k += 1
    return form[:k], form[k:]


# --- public API ---------------------------------------------------------------------------------

def parse_number(nt: NormText, matches_by_start: Mapping[int, Match], i: int,
                 pack: LanguagePack) -> tuple[int, int] | None:
    """The integer that starts at token ``i`` and the token index just past it, or None."""
    form = nt.forms[i]
    cached = _TABLES.get(id(pack))  # inlined number_tables: this runs once per token of a report
    tables = cached[1] if cached is not None and cached[0] is pack else number_tables(pack)
    if form in tables.plain and not _number_match(matches_by_start.get(i)):
        return _parse_compound(form, i, tables) if tables.compound else None  # the common case
    if form.isdecimal():
        if tables.hyphen_suffixes and _digit_ordinal_at(nt, i, tables) is not None:
            return None  # "3-й" is an ordinal
        if tables.hyphen_prefixes and _after_ordinal_prefix(nt, i, tables):
            return None  # "ke-26" is an ordinal
        return _parse_digits(nt, matches_by_start, i, tables)
    if form[0].isdecimal():
        return None  # "17th", "10km": not a cardinal
    first = _word_item(nt, matches_by_start, i, tables)
    if first is None:
        glued = _glued_digits(form, tables)
        if glued is not None:
            return glued, i + 1
        return _parse_compound(form, i, tables) if tables.compound else None
    if first.value is None:
        return None
    value, end = _continue_words(nt, matches_by_start, first, tables)
    if end < len(nt.forms) and value % 10 == 0:
        unit = _payload_match(nt, matches_by_start, end, tables, "ordinal")
        if unit is not None and int(unit[0] or 0) < 10:
            return None  # "twenty-first" is an ordinal, not twenty
    return value, end


def find_numbers(nt: NormText, matches_by_start: Mapping[int, Match],
                 pack: LanguagePack) -> list[tuple[int, int, int]]:
    """(start, end, value) of every cardinal of the text, left to right: ``parse_number`` at each
    token, skipping in one loop the words already known to be no number (several times faster
    than calling ``parse_number`` on every token)."""
    tables = number_tables(pack)
    plain, compounds, forms = tables.plain, tables.compounds, nt.forms
    wanted = {i for i, match in matches_by_start.items() for kind, _ in match.payloads if kind in _NUMBER_KINDS}
    if tables.compound:
        candidates = [i for i, form in enumerate(forms)
                      if form not in plain or i in wanted or compounds.get(form, 0) >= 0]
    else:
        candidates = [i for i, form in enumerate(forms) if form not in plain or i in wanted]
    found: list[tuple[int, int, int]] = []
    done = 0
    for i in candidates:
        if i < done:
            continue  # inside the number found last
        number = parse_number(nt, matches_by_start, i, pack)
        if number is not None:
            found.append((i, number[1], number[0]))
            done = number[1]
    return found


def ordinal_at(nt: NormText, matches_by_start: Mapping[int, Match], i: int,
               pack: LanguagePack) -> tuple[int, int] | None:
    """The ordinal ("third", "3rd", "1er", "3-й", "twenty-first") at token ``i`` and the index past it."""
    tables = number_tables(pack)
    form = nt.forms[i]
    if form[0].isdecimal():
        return _digit_ordinal_at(nt, i, tables)
    found = _payload_match(nt, matches_by_start, i, tables, "ordinal")
    if found is not None:
        return int(found[0] or 0), found[1]
    head = _word_item(nt, matches_by_start, i, tables)
    if head is None or head.value is None or head.value % 10 or head.end >= len(nt.forms):
        return None
    tail = _payload_match(nt, matches_by_start, head.end, tables, "ordinal")  # twenty-first
    if tail is None or int(tail[0] or 0) >= 10:
        return None
    return head.value + int(tail[0] or 0), tail[1]


def prefixed_ordinal(nt: NormText, i: int, pack: LanguagePack) -> int | None:
    """The value of the digits at token ``i`` where an ordinal prefix and a hyphen stand before them
    ("serangan ke-26"), else None."""
    tables = number_tables(pack)
    return int(nt.forms[i]) if nt.forms[i].isdecimal() and _after_ordinal_prefix(nt, i, tables) else None


def _after_ordinal_prefix(nt: NormText, i: int, tables: NumberTables) -> bool:
    return i > 0 and nt.forms[i - 1] in tables.hyphen_prefixes and nt.text[nt.ends[i - 1]:nt.starts[i]] == "-"


def digit_ordinal(form: str, pack: LanguagePack) -> int | None:
    """The value of one token written as digits plus an ordinal ending of the pack ("17th", "1er")."""
    digits, letters = _split_digits(form)
    if digits and letters in number_tables(pack).ordinal_suffixes:
        return int(digits)
    return None


# --- digits -------------------------------------------------------------------------------------

def _parse_digits(nt: NormText, by_start: Mapping[int, Match], i: int,
                  tables: NumberTables) -> tuple[int, int]:
    forms, text = nt.forms, nt.text
    value, j, separator = _thousands(nt, i)
    fraction = ""
    if j < len(forms) and forms[j].isdecimal() \
            and text[nt.ends[j - 1]:nt.starts[j]] in _DECIMAL_GAPS and text[nt.ends[j - 1]] != separator:
        fraction, j = forms[j], j + 1  # 14,3 / 1.5 / 2,500.75: the integer part unless scaled below
    if j < len(forms) and text[nt.ends[j - 1]:nt.starts[j]].isspace():
        scale = _word_item(nt, by_start, j, tables)
        if scale is not None and scale.value is not None and scale.multiplier:
            exact = float(f"{value}.{fraction or 0}") * scale.value
            return int(round(exact)), scale.end
    return value, j


def _thousands(nt: NormText, i: int) -> tuple[int, int, str | None]:
    """Digits at ``i`` with the thousands groups that follow (one separator throughout), the index
    past them, and that separator."""
    forms, text = nt.forms, nt.text
    value = int(forms[i])
    j = i + 1
    separator: str | None = None
    if len(forms[i]) > 3:
        return value, j, None
    while j < len(forms) and len(forms[j]) == 3 and forms[j].isdecimal():
        gap = text[nt.ends[j - 1]:nt.starts[j]]
        if gap not in _THOUSANDS_GAPS or (separator is not None and gap != separator):
            break
        separator = gap
        value = value * 1000 + int(forms[j])
        j += 1
    return value, j, separator


def _digit_ordinal_at(nt: NormText, i: int, tables: NumberTables) -> tuple[int, int] | None:
    digits, letters = _split_digits(nt.forms[i])
    if letters:
        return (int(digits), i + 1) if letters in tables.ordinal_suffixes else None
    j = i + 1
    if j < len(nt.forms) and nt.forms[j] in tables.hyphen_suffixes \
            and nt.text[nt.ends[i]:nt.starts[j]] == "-":
        return int(digits), j + 1
    return None


# --- words --------------------------------------------------------------------------------------

def _entry_at(nt: NormText, by_start: Mapping[int, Match], j: int,
              tables: NumberTables) -> tuple[Mapping[str, int | None], int] | None:
    """({kind: value}, end) of the number word, ordinal or joiner at token ``j``: the report's own
    match where one starts there, else the pack's number words (the report lexicon may have
    swallowed the word into a longer phrase that starts earlier)."""
    found = by_start.get(j)
    if found is not None:  # the report lexicon read this word as something else: "الاثنين" is Monday
        kinds = {k: v for k, v in found.payloads if k in _NUMBER_KINDS}
        return (kinds, found.end) if kinds else None
    forms = nt.forms
    for phrase, payloads in tables.phrases_by_first.get(forms[j], ()):
        if tuple(forms[j:j + len(phrase)]) == phrase:
            return payloads, j + len(phrase)
    single = tables.single(forms[j])
    return (single, j + 1) if single else None


def _payload_match(nt: NormText, by_start: Mapping[int, Match], j: int, tables: NumberTables,
                   kind: str) -> tuple[int | None, int] | None:
    entry = _entry_at(nt, by_start, j, tables)
    if entry is None or kind not in entry[0]:
        return None
    return entry[0][kind], entry[1]


def _word_item(nt: NormText, by_start: Mapping[int, Match], j: int, tables: NumberTables) -> _Item | None:
    form = nt.forms[j]
    match = by_start.get(j)
    if not _number_match(match):
        if form in tables.plain:
            return None  # the common case: a word already known to be no number
        if match is not None:  # the report lexicon reads this word otherwise: "الاثنين" is Monday
            _learn(form, tables)
            return None
    if tables.glued_joiners and form not in tables.words:
        for joiner in tables.glued_joiners:  # checked first: the lexicon would strip و as a clitic
            rest = form[len(joiner):]
            if form.startswith(joiner) and rest in tables.words:
                value = tables.words[rest]
                return _Item(value, j + 1, _is_multiplier(rest, value, tables), True)
    entry = _entry_at(nt, by_start, j, tables)
    if entry is None:
        _learn(form, tables)
        return None
    kinds, end = entry
    if "number" in kinds:
        value = int(kinds["number"] or 0)
        return _Item(value, end, _is_multiplier(" ".join(nt.forms[j:end]), value, tables), False)
    if "number_joiner" in kinds:
        return _Item(None, end, False, False)
    return None


def _learn(form: str, tables: NumberTables) -> None:
    """Remember ``form`` as no number when nothing of the pack's can make one of it."""
    if form[0].isdecimal() or form in tables.phrases_by_first or tables.single(form) is not None:
        return
    for joiner in tables.glued_joiners:
        rest = form[len(joiner):]
        if form.startswith(joiner) and (rest in tables.words or rest.isdecimal()):
            return
    tables.remember_plain(form)


def _number_match(match: Match | None) -> bool:
    if match is not None:
        for kind, _ in match.payloads:
            if kind in _NUMBER_KINDS:
                return True
    return False


def _glued_digits(form: str, tables: NumberTables) -> int | None:
    """Digits behind a glued joiner letter: "و900" (and 900)."""
    for joiner in tables.glued_joiners:
        if form.startswith(joiner) and form[len(joiner):].isdecimal():
            return int(form[len(joiner):])
    return None


def _is_multiplier(phrase: str, value: int, tables: NumberTables) -> bool:
    # By value too, so inflected forms the pack lists only as words (тысячи, тысяч) still multiply.
    return phrase in tables.multipliers or value in tables.multiplier_values


def _continue_words(nt: NormText, by_start: Mapping[int, Match], first: _Item,
                    tables: NumberTables) -> tuple[int, int]:
    total = _Sum()
    total.add(first)
    j = first.end
    while j < len(nt.forms):
        item = _word_item(nt, by_start, j, tables)
        after_joiner = item is not None and item.value is None
        if item is not None and item.value is None:  # a joiner counts only if a number follows
            item = _word_item(nt, by_start, item.end, tables) if item.end < len(nt.forms) else None
        if item is None or item.value is None or not total.accepts(item, after_joiner or item.glued):
            break
        total.add(item, after_joiner or item.glued)
        j = item.end
    return total.value, j


def _parse_compound(form: str, i: int, tables: NumberTables) -> tuple[int, int] | None:
    value = tables.compounds.get(form)
    if value is None:
        if len(tables.compounds) >= _MAX_MEMO:
            tables.compounds.clear()
        value = tables.compounds[form] = _compound_value(form, tables)
    return None if value < 0 else (value, i + 1)


def _compound_value(form: str, tables: NumberTables) -> int:
    """The value of a one-word compound number, -1 when ``form`` is not one."""
    parts = _split_compound(form, 0, tables)
    if parts is None or len(parts) < 2 or parts[0][0] is None or parts[-1][0] is None:
        return -1
    total = _Sum()
    after_joiner = False
    for value, multiplier in parts:
        if value is None:
            after_joiner = True
            continue
        item = _Item(value, 0, multiplier, False)
        if not total.accepts(item, after_joiner):
            return -1
        total.add(item, after_joiner)
        after_joiner = False
    return total.value


def _split_compound(form: str, pos: int, tables: NumberTables) -> list[tuple[int | None, bool]] | None:
    """Longest-first split of ``form[pos:]`` into number parts, backtracking on dead ends."""
    if pos == len(form):
        return []
    for size in range(min(tables.longest_piece, len(form) - pos), _MIN_PIECE - 1, -1):
        piece = form[pos:pos + size]
        value: int | None
        if piece in tables.pieces:
            value = tables.pieces[piece]
        elif piece in tables.elided and pos + size < len(form):  # "vent" needs a part after it
            value = tables.elided[piece]
        else:
            continue
        rest = _split_compound(form, pos + size, tables)
        if rest is not None:
            return [(value, value is not None and _is_multiplier(piece, value, tables)), *rest]
    return None


class _Sum:
    """Adds number words up left to right and says whether the next word may still belong."""

    __slots__ = ("total", "current", "limit", "last", "big")

    def __init__(self) -> None:
        self.total = 0
        self.current = 0
        self.limit: int | None = None  # the next added word must be below this
        self.last: int | None = None  # the last added (not multiplying) word
        self.big: int | None = None  # the last multiplier of a thousand or more

    @property
    def value(self) -> int:
        return self.total + self.current

    def accepts(self, item: _Item, after_joiner: bool = False) -> bool:
        value = item.value or 0
        if item.multiplier:
            if value >= 1000:
                return self.big is None or value < self.big
            return self.current == 0 or self.current % value != 0  # not "two hundred hundred"
        if self.limit is None or value < self.limit:
            return True
        # a unit joined to a following ten is read unit + ten: ثلاثة وعشرون, drei und zwanzig
        return after_joiner and self.last is not None and self.last < 10 \
            and 20 <= value < 100 and value % 10 == 0

    def add(self, item: _Item, after_joiner: bool = False) -> None:
        value = item.value or 0
        if item.multiplier:
            if value >= 1000:
                self.total += max(self.current, 1) * value
                self.current = 0
                self.big = value
            else:
                low = self.current % value
                self.current += max(low, 1) * value - low
            self.limit, self.last = value, None
            return
        inverted = self.limit is not None and value >= self.limit
        self.current += value
        self.last = value
        self.limit = 1 if inverted else _limit_after(value)


def _limit_after(value: int) -> int:
    """What may still be added after ``value``: units after a teen, up to 19 after a ten
    (soixante-dix, soixante et onze), below a hundred after a hundreds word, nothing after a unit."""
    if value < 10:
        return 1
    if value < 20:
        return 10
    if value < 100:
        return 20
    if value < 1000:
        return 100
    return value
