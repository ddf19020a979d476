"""Fast phrase matching over normalised tokens, shared by language packs, the gazetteer and actors.

A phrase is a sequence of normalised tokens; a trailing ``*`` on a phrase makes its last token a
prefix ("saldırı*" matches "saldırısı", "saldırıda"). Morphology comes from the language pack:
clitics that may be stripped from the first token of a match (Arabic و ب ل ال) and endings that may
be stripped from its last token (Russian case endings), applied to entries and text alike. Matching
is leftmost-longest and non-overlapping, so one combined lexicon per language lets "Islamic
Resistance in Iraq" (an actor) win over "Iraq" (a place) inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .language import NormText, normalize_phrase

Payload = tuple[str, Any]  # (kind, value), e.g. ("weapon", "drone"), ("place", "ain-al-asad")

_MIN_STEM = 3


@dataclass(frozen=True, slots=True)
class Match:
    start: int  # first token
    end: int  # one past the last token
    payloads: tuple[Payload, ...]

    def kinds(self) -> set[str]:
        return {kind for kind, _ in self.payloads}

    def value(self, kind: str) -> Any:
        return next((v for k, v in self.payloads if k == kind), None)

    def values(self, kind: str) -> list[Any]:
        return [v for k, v in self.payloads if k == kind]


class Lexicon:
    """Phrases with payloads, matched against ``NormText`` tokens."""

    def __init__(self, entries: Iterable[tuple[str, Payload]], *, prefixes: Iterable[str] = (),
                 suffixes: Iterable[str] = ()) -> None:
        self.prefixes = tuple(sorted(set(prefixes), key=len, reverse=True))
        self.suffixes = tuple(sorted(set(suffixes), key=len, reverse=True))
        # first token form -> {token tuple -> payloads}; the last token may carry a "*" (prefix)
        self._by_first: dict[str, dict[tuple[str, ...], list[Payload]]] = {}
        self._single_prefix: dict[str, list[Payload]] = {}
        self._longest = 1
        for phrase, payload in entries:
            self.add(phrase, payload)

    def add(self, phrase: str, payload: Payload) -> None:
        is_prefix = phrase.rstrip().endswith("*")
        forms = normalize_phrase(phrase.rstrip().rstrip("*"))
        if not forms:
            return
        if is_prefix and len(forms) == 1:
            self._single_prefix.setdefault(forms[0], []).append(payload)
            return
        variants = {forms}
        if not is_prefix:
            variants |= {forms[:-1] + (stem,) for stem in self._stems(forms[-1])}
        variants |= {(bare,) + v[1:] for v in list(variants) for bare in self._bare(v[0])} if len(forms) > 1 \
            else set()
        for v in variants:
            key = v if not is_prefix else v[:-1] + (v[-1] + "*",)
            payloads = self._by_first.setdefault(v[0], {}).setdefault(key, [])
            if payload not in payloads:
                payloads.append(payload)
        self._longest = max(self._longest, len(forms))

    def _bare(self, form: str) -> list[str]:
        """``form`` without one clitic prefix, where what remains is long enough to be a word."""
        return [form[len(p):] for p in self.prefixes if form.startswith(p) and len(form) - len(p) >= _MIN_STEM]

    def _stems(self, form: str) -> list[str]:
        return [form[:-len(s)] for s in self.suffixes if form.endswith(s) and len(form) - len(s) >= _MIN_STEM]

    def match(self, nt: NormText, start: int = 0, end: int | None = None) -> list[Match]:
        forms = nt.forms
        stop = len(forms) if end is None else end
        out: list[Match] = []
        i = start
        while i < stop:
            found = self._longest_at(forms, i, stop)
            if found is None:
                i += 1
                continue
            out.append(found)
            i = found.end
        return out

    def _longest_at(self, forms: list[str], i: int, stop: int) -> Match | None:
        first = forms[i]
        best: tuple[int, list[Payload]] | None = None
        for head in (first, *self._bare(first), *self._stems(first)):
            for phrase, payloads in self._by_first.get(head, {}).items():
                n = len(phrase)
                if i + n > stop or (best is not None and n <= best[0]):
                    continue
                if self._matches_rest(phrase, forms, i):
                    best = (n, payloads)
        if best is None or best[0] == 1:
            single = self._single_prefix_at(first)
            if single is not None and best is None:
                best = (1, single)
        if best is None:
            return None
        return Match(i, i + best[0], tuple(best[1]))

    def _matches_rest(self, phrase: tuple[str, ...], forms: list[str], i: int) -> bool:
        last = len(phrase) - 1
        for k in range(1, len(phrase)):
            want, got = phrase[k], forms[i + k]
            if k == last:
                if want.endswith("*"):
                    if not got.startswith(want[:-1]):
                        return False
                elif got != want and want not in self._stems(got):
                    return False
            elif got != want:
                return False
        return True

    def _single_prefix_at(self, form: str) -> list[Payload] | None:
        if not self._single_prefix:
            return None
        for head in (form, *self._bare(form)):
            for k in range(len(head), 1, -1):
                found = self._single_prefix.get(head[:k])
                if found is not None:
                    return found
        return None
