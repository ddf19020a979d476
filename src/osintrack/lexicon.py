"""Fast phrase matching over normalised tokens, shared by language packs, the gazetteer and actors.

A phrase is a sequence of normalised tokens; a trailing ``*`` on a phrase makes its last token a
prefix ("saldırı*" matches "saldırısı", "saldırıda"). Morphology comes from the language pack:
clitics that may be stripped from the first token of a match (Arabic و ب ل ال) and endings that may
be stripped from its last token (Russian case endings), applied to entries and text alike. Matching
is leftmost-longest and non-overlapping, so one combined lexicon per language lets "Islamic
Resistance in Iraq" (an actor) win over "Iraq" (a place) inside it. Phrases live in a token trie,
so the cost per token does not grow with the size of the gazetteer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .language import NormText, normalize_phrase

Payload = tuple[str, Any]  # (kind, value), e.g. ("weapon", "drone"), ("place", "ain-al-asad")
Payloads = tuple[Payload, ...]  # kept as tuples in the trie: a Match takes them as they are

_MIN_STEM = 3
_MEMO_LIMIT = 200_000  # distinct word forms remembered before starting afresh


# Not frozen, though nothing changes a Match once made: one is made per lexicon hit, and a frozen
# dataclass's __init__ (object.__setattr__ per field) made matching about a quarter slower.
# unsafe_hash keeps it hashable by value, as a frozen one is.
@dataclass(slots=True, unsafe_hash=True)
class Match:
    start: int  # first token
    end: int  # one past the last token
    payloads: Payloads

    def kinds(self) -> set[str]:
        return {kind for kind, _ in self.payloads}

    def value(self, kind: str) -> Any:
        for k, v in self.payloads:
            if k == kind:
                return v
        return None

    def values(self, kind: str) -> list[Any]:
        return [v for k, v in self.payloads if k == kind]


class _Node:
    __slots__ = ("next", "end", "stars", "star_lengths")

    def __init__(self) -> None:
        self.next: dict[str, _Node] = {}
        self.end: Payloads | None = None  # payloads of a phrase that ends here
        self.stars: dict[str, Payloads] | None = None  # last-token prefixes of "*" phrases
        self.star_lengths: tuple[int, ...] = ()  # the lengths of those prefixes, longest first


_Step = tuple[Payloads | None, _Node | None]  # reading a word at a node: what ends there, where to go on
_Steps = tuple[_Step, ...]
_Begun = tuple[Payloads | None, _Steps | None]  # what a match starting with a word may be (Lexicon._begin)
_UNSEEN: Any = object()


class Lexicon:
    """Phrases with payloads, matched against ``NormText`` tokens."""

    def __init__(self, entries: Iterable[tuple[str, Payload]], *, prefixes: Iterable[str] = (),
                 suffixes: Iterable[str] = ()) -> None:
        self.prefixes = tuple(sorted(set(prefixes), key=len, reverse=True))
        self.suffixes = tuple(sorted(set(suffixes), key=len, reverse=True))
        self._root = _Node()
        # words recur across reports: their clitic-less and ending-less forms, and what a match starting
        # with them gives, are computed once
        self._bare_memo: dict[str, list[str]] = {}
        self._stem_memo: dict[str, list[str]] = {}
        self._begun: dict[str, _Begun | None] = {}
        for phrase, payload in entries:
            self.add(phrase, payload)

    def add(self, phrase: str, payload: Payload) -> None:
        self._begun.clear()
        is_prefix = phrase.rstrip().endswith("*")
        forms = normalize_phrase(phrase.rstrip().rstrip("*"))
        if not forms:
            return
        variants = {forms}
        if not is_prefix:
            variants |= {forms[:-1] + (stem,) for stem in self._stems(forms[-1])}
        if len(forms) > 1:
            variants |= {(bare,) + v[1:] for v in list(variants) for bare in self._bare(v[0])}
        for v in variants:
            self._insert(v, payload, is_prefix)

    def _insert(self, forms: tuple[str, ...], payload: Payload, is_prefix: bool) -> None:
        node = self._root
        for form in forms[:-1]:
            node = node.next.setdefault(form, _Node())
        if is_prefix:
            node.stars = node.stars or {}
            bucket = node.stars.get(forms[-1], ())
            if payload not in bucket:
                node.stars[forms[-1]] = (*bucket, payload)
            if len(forms[-1]) not in node.star_lengths:
                node.star_lengths = tuple(sorted((*node.star_lengths, len(forms[-1])), reverse=True))
        else:
            leaf = node.next.setdefault(forms[-1], _Node())
            bucket = leaf.end or ()
            if payload not in bucket:
                leaf.end = (*bucket, payload)

    def _bare(self, form: str) -> list[str]:
        """``form`` without one clitic prefix, where what remains is long enough to be a word."""
        found = self._bare_memo.get(form)
        if found is None:
            found = [form[len(p):] for p in self.prefixes if form.startswith(p) and len(form) - len(p) >= _MIN_STEM]
            if len(self._bare_memo) > _MEMO_LIMIT:
                self._bare_memo.clear()
            self._bare_memo[form] = found
        return found

    def _stems(self, form: str) -> list[str]:
        found = self._stem_memo.get(form)
        if found is None:
            found = [form[:-len(s)] for s in self.suffixes if form.endswith(s) and len(form) - len(s) >= _MIN_STEM]
            if len(self._stem_memo) > _MEMO_LIMIT:
                self._stem_memo.clear()
            self._stem_memo[form] = found
        return found

    def match(self, nt: NormText, start: int = 0, end: int | None = None) -> list[Match]:
        forms = nt.forms
        stop = len(forms) if end is None else end
        out: list[Match] = []
        memo = self._begun
        i = start
        while i < stop:
            form = forms[i]
            begun = memo.get(form, _UNSEEN)
            if begun is _UNSEEN:
                begun = self._begin(form)
            if begun is None:  # most tokens start nothing
                i += 1
                continue
            one, steps = begun
            found = Match(i, i + 1, one) if steps is None else self._longest_at(forms, i, stop, steps)
            if found is None:
                i += 1
                continue
            out.append(found)
            i = found.end
        return out

    def _begin(self, form: str) -> _Begun | None:
        """What a match starting with ``form`` may be, remembered per word (most words start nothing,
        most matches are one word long, and the root's many '*' prefix lengths, clitics and stems would
        otherwise be tried again at every token): None where no phrase starts with it; (payloads, None)
        where only a one-word phrase does, whatever follows; else (None, the first step of each
        reading of it: as it is, then without each clitic)."""
        heads = (form, *self._bare(form)) if self.prefixes else (form,)
        steps = tuple(self._step(self._root, head) for head in heads)
        begun: _Begun | None
        if any(node is not None for _, node in steps):
            begun = (None, steps)
        else:
            one = next((ending for ending, _ in steps if ending is not None), None)
            begun = None if one is None else (one, None)
        if len(self._begun) > _MEMO_LIMIT:
            self._begun.clear()
        self._begun[form] = begun
        return begun

    def _longest_at(self, forms: list[str], i: int, stop: int, steps: _Steps) -> Match | None:
        """The longest phrase starting at token i, from the first step of each reading of it (as it is
        first, then without each clitic)."""
        best: tuple[int, Payloads] | None = None
        for ending, node in steps:
            found: tuple[int, Payloads] | None = None
            j = i
            while True:
                if ending is not None:
                    found = (j + 1, ending)
                j += 1
                if node is None or j >= stop:
                    break
                form = forms[j]
                if node.star_lengths or (self.suffixes and self._stems(form)):
                    ending, node = self._step(node, form)
                else:  # most steps, where most walks end: only the word itself may go on
                    node = node.next.get(form)
                    ending = None if node is None else node.end
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        return None if best is None else Match(i, *best)

    def _step(self, node: _Node, form: str) -> _Step:
        """Reading ``form`` at ``node``: the payloads of a phrase ending with it (its own, else by its
        stem, else by a '*' prefix), and the node to read the next token from."""
        ending = _prefix_payloads(node, form) if node.star_lengths else None
        by_stem: Payloads = ()
        if self.suffixes:
            for stem in self._stems(form):
                child = node.next.get(stem)
                if child is not None and child.end:
                    by_stem = ending = child.end
        nxt = node.next.get(form)
        if nxt is not None and nxt.end:  # 'Ираку' is an actor's listed form and, by its stem, a place: both
            ending = nxt.end + tuple(p for p in by_stem if p not in nxt.end) if by_stem else nxt.end
        return ending, nxt


def _prefix_payloads(node: _Node, form: str) -> Payloads | None:
    """The payloads of the longest '*' prefix at ``node`` that ``form`` starts with."""
    for k in node.star_lengths:
        if k <= len(form):
            found = node.stars.get(form[:k])  # type: ignore[union-attr]  # lengths only where stars are
            if found is not None:
                return found
    return None

