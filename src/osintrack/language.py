"""Language packs, language detection, and normalisation with an offset map back to the original text.

Normalisation folds what varies between spellings of one word (case, Turkish dotted I, Latin
diacritics, Arabic tashkeel, tatweel, alef forms, ta marbuta, alef maqsura, Persian yeh and kaf,
ZWNJ, non-Latin digits) so that one lexicon entry matches them all. Every normalised character
keeps the index of the original character it came from, so evidence spans are always cut from
the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import accumulate, compress, repeat
from operator import ne
from typing import Any

from .datafiles import read_yaml
from .errors import DataError

_DELETED = "\x7f"  # marks characters that normalisation removes (tashkeel, tatweel, ZWNJ, ...)

_SPECIAL: dict[str, str] = {
    "ı": "i", "ё": "е", "ß": "s",  # one character each, so offsets stay 1:1
    "ـ": _DELETED, "\u200c": _DELETED, "\u200d": _DELETED, "\u00ad": _DELETED, "\u200e": _DELETED,
    "\u200f": _DELETED, "\ufeff": _DELETED,
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ئ": "ي", "ؤ": "و",
    "ک": "ك", "ە": "ه", "ۀ": "ه",
    "’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "ʻ": "'", "′": "'",
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"',
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    "٫": ".", "٬": ",", "،": ",", "؛": ";", "؟": "?",
}


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x0250):  # Latin-1 supplement and Latin extended A/B
        ch = chr(code)
        base = unicodedata.normalize("NFKD", ch)[0]
        if base != ch and base.isalpha():
            table[code] = base.lower()
    for code in list(range(0x0300, 0x0370)) + list(range(0x064B, 0x0660)) + [0x0670, 0x06D6, 0x06ED]:
        table[code] = _DELETED  # combining marks: Latin accents, Arabic tashkeel and Quranic marks
    for digit in range(10):
        table[0x0660 + digit] = str(digit)  # Arabic-Indic
        table[0x06F0 + digit] = str(digit)  # Persian
    for ch, repl in _SPECIAL.items():
        table[ord(ch)] = repl
    return table


# str.translate looks every character of a text with any non-ASCII letter up in its table: finding the
# few characters that fold with one regex and replacing only those is 2-10 times faster.
_FOLDS = {chr(code): repl for code, repl in _build_table().items()}
_FOLDABLE = re.compile("[" + "".join(map(re.escape, _FOLDS)) + "]")
# split on a captured group: separators and tokens alternate, so one pass gives forms and offsets
_TOKENS = re.compile(r"(\w+)")


@dataclass(slots=True)
class NormText:
    """A text in matching form: normalised string, tokens, and the way back to the original."""

    original: str
    text: str
    offsets: list[int] | None  # normalised index -> original index (None: identity)
    forms: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # token starts in normalised text
    ends: list[int] = field(default_factory=list)

    def orig_index(self, i: int) -> int:
        if self.offsets is None:
            return i
        return self.offsets[i] if i < len(self.offsets) else len(self.original)

    def orig_span(self, first_token: int, end_token: int) -> tuple[int, int]:
        """Original [start, end) of tokens first_token .. end_token-1."""
        start = self.orig_index(self.starts[first_token])
        end = self.orig_index(self.ends[end_token - 1] - 1) + 1
        return start, end

    def orig_char_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of normalised characters start .. end-1."""
        return self.orig_index(start), self.orig_index(end - 1) + 1


def normalize(text: str) -> NormText:
    """Fold ``text`` for matching and tokenise it; lengths change only where characters are removed."""
    folded = text.replace("İ", "I").lower()
    if len(folded) != len(text):  # a rare character whose lower case is longer: fold one by one
        folded = "".join(ch.lower()[0] if ch != "İ" else "i" for ch in text)
    folded = _FOLDABLE.sub(_fold, folded)
    offsets: list[int] | None = None
    if _DELETED in folded:
        offsets = list(compress(range(len(folded)), map(ne, folded, repeat(_DELETED))))
        folded = folded.replace(_DELETED, "")
    parts = _TOKENS.split(folded)  # separator, token, separator, ..., token, separator
    bounds = list(accumulate(map(len, parts)))  # where each part ends
    return NormText(text, folded, offsets, parts[1::2], bounds[0:-1:2], bounds[1::2])


def _fold(found: re.Match[str]) -> str:
    return _FOLDS[found.group()]


@cache
def normalize_phrase(phrase: str) -> tuple[str, ...]:
    """The token forms of a lexicon phrase, as ``normalize`` would produce them in a text (cached: the
    gazetteer's and actors' names enter the lexicon of every language)."""
    return tuple(normalize(phrase).forms)


# --- language packs -----------------------------------------------------------------------------

PACK_SECTIONS: dict[str, tuple[str, ...]] = {
    "triggers": ("attack", "strike", "air_strike", "launch"),
    "weapons": ("drone", "rocket", "missile", "mortar", "ied", "small_arms", "aircraft"),
    "cues": ("claim", "confirm", "deny", "intercept", "killed", "injured", "no_casualties", "no_injuries",
             "no_deaths", "threat", "future", "hypothetical", "negation", "forces", "official", "against",
             "facility", "facilities", "by", "retaliation", "campaign", "plural_trigger", "passive"),
    "tallies": ("units", "since", "between", "until", "period", "more_than", "at_least", "about", "and",
                "many", "series"),
}


SECTION_KINDS = {"triggers": "trigger", "weapons": "weapon", "cues": "cue", "tallies": "tally"}


@dataclass(frozen=True, slots=True)
class LanguagePack:
    """What the engine knows of one language, read from ``data/lang/<code>.yaml``."""

    code: str
    name: str
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    data: Mapping[str, Any]

    def phrases(self, section: str, key: str) -> list[str]:
        return list((self.data.get(section) or {}).get(key) or [])

    def mapping(self, section: str, key: str) -> dict[str, Any]:
        return dict((self.data.get(section) or {}).get(key) or {})

    def lexicon_entries(self) -> list[tuple[str, tuple[str, Any]]]:
        """(phrase, (kind, value)) for every word the pack defines; kinds are documented in
        docs/language-packs.md."""
        entries: list[tuple[str, tuple[str, Any]]] = []
        for section, keys in PACK_SECTIONS.items():
            kind = SECTION_KINDS[section]
            for key in keys:
                entries += [(p, (kind, key)) for p in self.phrases(section, key)]
        entries += [(p, ("tally", "units")) for p in self._counting_triggers()]
        numbers = self.data.get("numbers") or {}
        entries += [(w, ("number", int(v))) for w, v in (numbers.get("words") or {}).items()]
        entries += [(w, ("ordinal", int(v))) for w, v in (numbers.get("ordinals") or {}).items()]
        entries += [(w, ("number_joiner", None)) for w in numbers.get("joiners") or ()]
        dates = self.data.get("dates") or {}
        entries += [(w, ("month", int(v))) for w, v in (dates.get("months") or {}).items()]
        entries += [(w, ("solar_month", int(v))) for w, v in (dates.get("solar_months") or {}).items()]
        entries += [(w, ("weekday", int(v))) for w, v in (dates.get("weekdays") or {}).items()]
        entries += [(w, ("relative_day", int(v))) for w, v in (dates.get("relative_days") or {}).items()]
        entries += [(w, ("named_day", int(v))) for w, v in (dates.get("days_after_named") or {}).items()]
        entries += [(w, ("part_of_day", v)) for w, v in (dates.get("parts_of_day") or {}).items()]
        for key in ("previous", "last_week", "last_month", "recent", "this"):
            entries += [(w, ("date_" + key, None)) for w in dates.get(key) or ()]
        for key, words in (self.data.get("directions") or {}).items():
            entries += [(w, ("direction", key)) for w in words or ()]
        return entries

    def _counting_triggers(self) -> list[str]:
        """Attack phrases that end in a count word ('مورد حمله', 'silahlı saldırı*'): the lexicon reads
        the phrase whole, so the count word inside it ('۳۸ مورد حمله', 38 attacks) would go unseen. Air
        strikes are left out: the tallies count attacks on the forces, not the strikes of a state."""
        units = {u.rstrip("*") for u in self.phrases("tallies", "units")}
        return [p for p in self.phrases("triggers", "attack")
                if len(p.split()) > 1 and p.split()[-1].rstrip("*") in units]


@cache
def available_languages() -> tuple[str, ...]:
    folder = resources.files("osintrack") / "data" / "lang"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


@cache
def load_pack(code: str) -> LanguagePack:
    """The language pack for ISO 639-1 ``code``; DataError names the file when it is unknown or broken."""
    path = resources.files("osintrack") / "data" / "lang" / f"{code}.yaml"
    if not path.is_file():
        raise DataError(f"no language pack for {code!r}", path=str(path),
                        hint=f"supported: {', '.join(available_languages())}; see CONTRIBUTING.md")
    data = read_yaml(path, "the language pack")
    if not isinstance(data, dict) or data.get("code") != code:
        raise DataError("language pack must be a mapping whose 'code' matches its file name", path=str(path))
    morphology = data.get("morphology") or {}
    prefixes = tuple(sorted({p for w in morphology.get("prefixes") or () for p in normalize_phrase(w)},
                            key=len, reverse=True))
    suffixes = tuple(sorted({s for w in morphology.get("suffixes") or () for s in normalize_phrase(w)},
                            key=len, reverse=True))
    return LanguagePack(code, str(data.get("name", code)), prefixes, suffixes, data)


# --- detection ----------------------------------------------------------------------------------

@cache
def _detector() -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, c.upper()) for c in available_languages() if hasattr(IsoCode639_1, c.upper())]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the supported language ``text`` is most likely in, or None."""
    sample = text[:2000]
    if not sample.strip():
        return None
    found = _detector().detect_language_of(sample)
    return None if found is None else found.iso_code_639_1.name.lower()
