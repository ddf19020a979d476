"""Spellings of place names across our languages and scripts, from data/gazetteer/spelling.yaml.

The gazetteer uses this module twice:

- ``Spelling.variants``: the other spellings an alias is written with (romanisations of a Latin
  name: al-/el-/ash-, kh/k, sh/ch/sch/ş, ou/u, -iyah/-iya...; an Arabic-script name with and
  without its article, or joined as Persian writes it; Russian spellings of a Latin name),
  generated when the gazetteer loads instead of being listed one by one;
- ``Spelling.keys``: script-independent forms of a name (a romanised "light" key with three vowels,
  and a consonant skeleton) that ``Gazetteer.fuzzy`` compares by edit distance.

Every string in and out is in matching form: normalised tokens (osintrack.language) joined by
single spaces. The module names no place: the rules are data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from .datafiles import read_yaml
from .errors import DataError
from .language import normalize_phrase

SPELLING_FILE = "spelling.yaml"
MAX_CHANGES = 2  # spelling changes per generated variant

_LATIN = re.compile(r"^[a-z0-9]+$")
_ARABIC = re.compile(r"^[\u0600-\u06FF]+$")
_CYRILLIC = re.compile(r"^[\u0400-\u04FF]+$")
_VOWELS = re.compile("[aiu]")

Changes = dict[str, int]  # spelling -> fewest changes that produce it


def script(word: str) -> str | None:
    """``latin``, ``arabic`` or ``cyrillic`` for a normalised word; None for digits-with-others."""
    if _LATIN.match(word):
        return "latin"
    if _ARABIC.match(word):
        return "arabic"
    if _CYRILLIC.match(word):
        return "cyrillic"
    return None


def phrase_script(key: str) -> str | None:
    """The script of a phrase's letters (digits are neutral); None when scripts are mixed."""
    scripts = {script(w) for w in key.split() if not w.isdigit()}
    return scripts.pop() if len(scripts) == 1 else None


@dataclass(frozen=True)
class Keys:
    """What fuzzy lookup compares: the romanised light key and the consonant skeleton of a name,
    both without spaces, and whether the name was written with its vowels (Latin, Cyrillic)."""

    light: str
    skeleton: str
    vowelled: bool


class Spelling:
    """The rules of spelling.yaml, applied to names in matching form."""

    def __init__(self, data: Mapping[str, Any], path: str = SPELLING_FILE) -> None:
        try:
            latin, arabic, cyrillic, keys = data["latin"], data["arabic"], data["cyrillic"], data["keys"]
            self.generic = frozenset(_norm_words(data["generic"]))
            self.articles = frozenset(latin["articles"])
            self.plain_articles = tuple(latin["plain_articles"])
            self.sun_letters = tuple(sorted(latin["sun_letters"], key=len, reverse=True))
            self.min_after_article = int(latin["min_name_after_article"])
            self.min_word = int(latin["min_word"])
            self.substitutions = MappingProxyType({k: tuple(v) for k, v in latin["substitutions"].items()})
            self.endings = tuple(tuple(sorted(g, key=len, reverse=True)) for g in latin["endings"])
            self.undouble = bool(latin["undouble"])
            self.max_variants = int(latin["max_variants"])
            self.max_per_row = int(data["max_variants_per_row"])
            self.ar_article = _norm_word(arabic["article"])
            self.ar_min_after_article = int(arabic["min_name_after_article"])
            self.ar_final_hamza = arabic["final_hamza"]
            self.ar_join_heads = frozenset(_norm_words(arabic["join_heads"]))
            self.cy_articles = MappingProxyType(dict(cyrillic["articles"]))
            self.cy_letters = tuple(sorted(cyrillic["letters"].items(), key=lambda kv: -len(kv[0])))
            self.cy_endings = tuple(sorted(cyrillic["endings"].items(), key=lambda kv: -len(kv[0])))
            self.cy_names_per_row = int(cyrillic["names_per_row"])
            self.key_letters = {**keys["arabic"], **keys["cyrillic"]}
            self.key_articles = frozenset(keys["cyrillic_articles"]) | self.articles
            self.folds = tuple((a, b) for a, b in keys["folds"])
            self.connectors = frozenset(_norm_words(data["connectors"]))
            self.variant_scripts = MappingProxyType(
                {lang: frozenset(scripts) for lang, scripts in data["variant_scripts"].items()})
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"malformed spelling rules: {exc!r}", path=path,
                            hint="compare with the sections documented at the top of the file") from None
        self._sources = tuple(sorted(self.substitutions, key=len, reverse=True))

    def scripts_for(self, lang: str | None) -> frozenset[str]:
        """The scripts of the generated variants a language's lexicon takes (all when None)."""
        if lang is None:
            return frozenset({"latin", "arabic", "cyrillic"})
        return self.variant_scripts.get(lang) or self.variant_scripts["other"]

    # --- Latin ------------------------------------------------------------------------------------

    def word_variants(self, word: str) -> Changes:
        """Spellings of one Latin word made by one edit, or by two edits at different places, of
        the word as written (the word itself: 0 changes). Edits never chain (kh -> ch -> sh)."""
        found: Changes = {word: 0}
        if len(word) < self.min_word or not _LATIN.match(word):
            return found
        edits = self._edits(word)
        for n, (start, end, text) in enumerate(edits):
            _keep(found, word[:start] + text + word[end:], 1)
            for start2, end2, text2 in edits[n + 1:]:
                if start2 >= end:  # edits are sorted by start: this one lies wholly after
                    _keep(found, word[:start] + text + word[end:start2] + text2 + word[end2:], 2)
        return {form: c for form, c in found.items() if len(form) >= 3}

    def _edits(self, word: str) -> list[tuple[int, int, str]]:
        """(start, end, replacement) of every single spelling change the rules allow in ``word``."""
        edits: list[tuple[int, int, str]] = []
        i = 0
        while i < len(word):  # substitutions, reading the word left to right, longest source first
            source = next((s for s in self._sources if word.startswith(s, i)), None)
            if source is None:
                i += 1
                continue
            edits += [(i, i + len(source), target) for target in self.substitutions[source]]
            i += len(source)
        for group in self.endings:
            ending = next((e for e in group if word.endswith(e) and len(word) - len(e) >= 3), None)
            if ending is not None:
                edits += [(len(word) - len(ending), len(word), other) for other in group if other != ending]
                break
        if self.undouble:
            edits += [(i, i + 1, "") for i in range(1, len(word)) if word[i] == word[i - 1]]
        return sorted(set(edits))

    def _article_forms(self, article: str, word: str) -> Changes:
        forms: Changes = {a: 1 for a in self.plain_articles}
        sun = next((s for s in self.sun_letters if word.startswith(s)), None)
        if sun is not None:
            forms.update({"a" + sun: 1, "e" + sun: 1})
        forms[article] = 0
        return forms

    def latin_variants(self, key: str, fixed: frozenset[str] = frozenset()) -> Changes:
        """Spellings of a Latin phrase: each word varied, articles swapped, joined or dropped.
        Generic words and the ``fixed`` ones (ordinary words: "Tower", "Meer", "nord") stay."""
        words = key.split()
        units: list[Changes] = []
        i = 0
        content = [w for w in words if w not in self.generic]
        while i < len(words):
            word = words[i]
            nxt = words[i + 1] if i + 1 < len(words) else None
            if word in self.articles and nxt is not None and nxt not in self.generic and not nxt.isdigit():
                units.append(self._article_unit(word, nxt, sole=len(content) <= 2, fixed=nxt in fixed))
                i += 2
                continue
            units.append({word: 0} if word in self.generic or word in fixed else self.word_variants(word))
            i += 1
        return _combine(units, self.max_variants)

    def _article_unit(self, article: str, word: str, *, sole: bool, fixed: bool) -> Changes:
        """The article and the word after it: al-/el-/ash-... before the word, joined to it, or
        dropped; the word varied unless it is ``fixed`` (Ayn el-Assad from Ain al-Assad)."""
        unit: Changes = {}
        for form, c_word in ({word: 0} if fixed else self.word_variants(word)).items():
            for art, c_art in self._article_forms(article, form).items():
                _keep(unit, f"{art} {form}", c_art + c_word)
            _keep(unit, f"{article}{form}", c_word + 1)  # joined: Albukamal, Deir Ezzor
            if not sole or len(form) >= self.min_after_article:
                _keep(unit, form, c_word + 1)
        return unit

    def without_article(self, key: str) -> str:
        """A phrase without its leading article ('al qayyarah' -> 'qayyarah'); itself when it has none."""
        first, _, rest = key.partition(" ")
        return rest if first in self.articles and rest else key

    def core(self, key: str) -> str:
        """A phrase without its generic words and connectors: the name inside an alias."""
        return " ".join(w for w in key.split() if w not in self.generic and w not in self.connectors)

    # --- Arabic script ----------------------------------------------------------------------------

    def arabic_variants(self, key: str) -> Changes:
        """An Arabic-script phrase with and without the article on a name word, joined after a head
        word the way Persian writes it (عین‌الاسد), and without a final hamza."""
        words = key.split()
        art = self.ar_article
        units: list[Changes] = []
        first = next((n for n, w in enumerate(words) if w not in self.generic), None)
        for n, word in enumerate(words):
            unit: Changes = {word: 0}
            if n == first:  # the name's head word; later ones are often adjectives (الدولي, السورية)
                if word.startswith(art) and len(word) - len(art) >= self.ar_min_after_article:
                    unit[word[len(art):]] = 1
                elif len(words) == 1:
                    unit[art + word] = 1
            if word not in self.generic and word.endswith(self.ar_final_hamza) and len(word) > 3:
                _keep(unit, word[:-1], 1)
            units.append(unit)
        found = _combine(units, self.max_variants)
        for i in range(len(words) - 1):
            if words[i] in self.ar_join_heads:
                joined = words[:i] + [words[i] + words[i + 1]] + words[i + 2:]
                _keep(found, " ".join(joined), 1)
        return found

    # --- Russian spellings of Latin names ---------------------------------------------------------

    def cyrillic_spellings(self, key: str) -> list[str]:
        """Russian spellings of a Latin name (facility words left out): Ain al-Asad -> айн аль асад,
        айн эль асад."""
        words = [w for w in key.split() if w not in self.generic]
        if not words or not all(w.isalpha() and w.isascii() for w in words):
            return []  # digits and letters (K-1, Tower 22) are written the same in Russian reports
        if any(len(w) < 3 and w not in self.cy_articles for w in words):
            return []
        units: list[Changes] = []
        for i, word in enumerate(words):
            if word in self.cy_articles and i + 1 < len(words):
                units.append({self.cy_articles[word]: 0, "эль" if word == "al" else "аль": 1})
                continue
            spelled = self._to_cyrillic(word)
            unit = {spelled: 0}
            if spelled.endswith("л"):
                unit[spelled + "ь"] = 1
            units.append(unit)
        return list(_combine(units, 4))

    def _to_cyrillic(self, word: str) -> str:
        if word.isdigit():
            return word
        tail = ""
        for ending, russian in self.cy_endings:
            if word.endswith(ending) and len(word) > len(ending) + 1:
                word, tail = word[:-len(ending)], russian
                break
        out: list[str] = []
        i = 0
        while i < len(word):
            if i == 0 and word[0] == "e":
                out.append("э")
                i += 1
                continue
            latin, russian = next(((a, b) for a, b in self.cy_letters if word.startswith(a, i)), (word[i], word[i]))
            if latin == "y" and out and out[-1] in "аеиоуэ":
                russian = "й"
            out.append(russian)
            i += len(latin)
        return "".join(out) + tail

    # --- keys for fuzzy lookup --------------------------------------------------------------------

    def keys(self, name: str) -> Keys | None:
        """The light key and skeleton of a raw name in any script; None when nothing but articles
        and generic words is left."""
        words = self.name_words(name)
        folded: list[str] = []
        vowelled = False
        for word in words:
            kind = script(word)
            if kind == "arabic":  # the table gives folded letters already: no digraphs to fold
                if word.startswith(self.ar_article) and len(word) - len(self.ar_article) >= 2:
                    word = word[len(self.ar_article):]
                folded.append(_undouble("".join(self.key_letters.get(ch, "") for ch in word)))
            elif word not in self.key_articles or len(words) == 1:
                vowelled = vowelled or (kind is not None and not word.isdigit())
                folded.append(self._fold("".join(self.key_letters.get(ch, ch) for ch in word)))
        folded = [w for w in folded if w]
        if not folded:
            return None
        light = "".join(folded)
        skeleton = "".join(_VOWELS.sub("", w[:-1] if len(w) > 2 and w.endswith("h") else w) for w in folded)
        return Keys(light, skeleton, vowelled)

    def name_words(self, name: str) -> list[str]:
        """The words of a raw name in matching form, without generic words and connectors."""
        return [w for w in normalize_phrase(name) if w not in self.generic and w not in self.connectors]

    def _fold(self, word: str) -> str:
        for a, b in self.folds:
            word = word.replace(a, b)
        return _undouble(word)


def _undouble(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


def _keep(found: Changes, form: str, changes: int) -> None:
    if changes <= MAX_CHANGES and changes < found.get(form, MAX_CHANGES + 1):
        found[form] = changes


def _combine(units: list[Changes], limit: int) -> Changes:
    """Phrases made of one spelling per unit with at most MAX_CHANGES changes in all: the unchanged
    phrase and up to ``limit`` others, fewest changes first (ties alphabetical, so it is stable)."""
    found: Changes = {}

    def walk(i: int, parts: list[str], changes: int) -> None:
        if i == len(units):
            _keep(found, " ".join(p for p in parts if p), changes)
            return
        for form, c in units[i].items():
            if changes + c <= MAX_CHANGES:
                walk(i + 1, [*parts, form], changes + c)

    walk(0, [], 0)
    ranked = sorted(found.items(), key=lambda kv: (kv[1], kv[0]))
    return dict(ranked[:limit + 1])


def _norm_word(word: str) -> str:
    return " ".join(normalize_phrase(word))


def _norm_words(words: Iterable[str]) -> list[str]:
    return [_norm_word(w) for w in words if normalize_phrase(w)]


@cache
def load_spelling() -> Spelling:
    """The shipped spelling rules (read once)."""
    path = resources.files("osintrack") / "data" / "gazetteer" / SPELLING_FILE
    return Spelling(read_yaml(path, "the spelling rules"), str(path))


# --- fuzzy matching -------------------------------------------------------------------------------

LIGHT_GAP = 0.3  # share of letters two vowelled spellings of one name may differ in
STRICT_GAP = 0.2  # the same for a name of a strict entry, whose skeleton must match exactly
# Consonants a name needs to be looked up fuzzily at all (not Hit, Tal, Omar), and more when it is
# written without vowels (Arabic script: قرب "near" has the skeleton of Gharbiya).
MIN_SKELETON = 3
MIN_BARE_SKELETON = 4


def allowed_distance(query: Keys) -> int:
    """Skeleton edits a query may be off by: none up to 3 consonants, one up to 6, else two; one
    fewer, and none up to 5, for a query written without vowels."""
    n = len(query.skeleton)
    if not query.vowelled:
        return 0 if n <= 5 else 1
    return 0 if n <= 3 else 1 if n <= 6 else 2


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made from it by deleting up to ``depth`` letters."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class NameIndex:
    """Keys of many names, searchable by skeleton edit distance (a deletion index: two skeletons
    within d edits share a string made by deleting at most d letters from each)."""

    def __init__(self, named: Iterable[tuple[str, Keys, bool]]) -> None:
        """``named``: (id, keys, strict) of every name; a strict name matches only a query with
        its very skeleton and light keys within STRICT_GAP (GeoNames towns and villages: many,
        and short-named)."""
        self._entries: list[tuple[str, Keys, bool]] = list(named)
        self._by_deletion: dict[str, list[int]] = {}
        for n, (_, keys, strict) in enumerate(self._entries):
            depth = 0 if strict else allowed_distance(Keys(keys.light, keys.skeleton, True))
            for gone in _deletions(keys.skeleton, depth):
                self._by_deletion.setdefault(gone, []).append(n)

    def scores(self, query: Keys) -> dict[str, tuple[float, Keys]]:
        """For every id with a name close to the query: its best score and the keys of that name.

        A name is close when its skeleton is within the query's allowed distance and, where both
        are written with vowels, their light keys differ in at most LIGHT_GAP of their letters. A
        query written with vowels is compared only with names written with vowels (a skeleton
        without vowels is too loose a guide: Mohammed would be Mahmudiyah). The score is the
        skeleton edits plus the share of the light keys that differ (0.5 when a side has no vowels)."""
        limit = allowed_distance(query)
        seen: set[int] = set()
        best: dict[str, tuple[float, Keys]] = {}
        for gone in _deletions(query.skeleton, limit):
            for n in self._by_deletion.get(gone, ()):
                if n in seen:
                    continue
                seen.add(n)
                ident, keys, strict = self._entries[n]
                if query.vowelled and not keys.vowelled:
                    continue
                edits = levenshtein(query.skeleton, keys.skeleton)
                gap = _light_gap(query, keys)
                both = keys.vowelled and query.vowelled
                if edits > (0 if strict else limit) or (both and gap > (STRICT_GAP if strict else LIGHT_GAP)):
                    continue
                score = edits + gap
                if ident not in best or score < best[ident][0]:
                    best[ident] = (score, keys)
        return best


def _light_gap(a: Keys, b: Keys) -> float:
    if not (a.vowelled and b.vowelled):
        return 0.5
    return levenshtein(a.light, b.light) / max(len(a.light), len(b.light))
