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


class Lexicon:
    """Phrases with payloads, matched against ``NormText`` tokens."""

    def __init__(self, entries: Iterable[tuple[str, Payload]], *, prefixes: Iterable[str] = (),
                 suffixes: Iterable[str] = ()) -> None:
        self.prefixes = tuple(sorted(set(prefixes), key=len, reverse=True))
        self.suffixes = tuple(sorted(set(suffixes), key=len, reverse=True))
        self._root = _Node()
        self._heads: tuple[frozenset[str], int] | None = None
        # words recur across reports: their clitic-less and ending-less forms are computed once
        self._bare_memo: dict[str, list[str]] = {}
        self._stem_memo: dict[str, list[str]] = {}
        self._can_start: dict[str, bool] = {}
        self._root_steps: dict[str, tuple[Payloads | None, _Node | None]] = {}
        for phrase, payload in entries:
            self.add(phrase, payload)

    def add(self, phrase: str, payload: Payload) -> None:
        self._heads = None
        self._can_start.clear()
        self._root_steps.clear()
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
        starts = self._root.next
        plain = not (self.prefixes or self.suffixes)
        if self._heads is None:
            self._heads = self._star_heads()
        heads, width = self._heads
        i = start
        can_start = self._can_start
        while i < stop:
            form = forms[i]
            if plain:
                if form not in starts and form[:width] not in heads:  # most tokens start nothing
                    i += 1
                    continue
            elif not can_start.get(form, True) or (form not in can_start and not self._starts(form)):
                i += 1
                continue
            found = self._longest_at(forms, i, stop)
            if found is None:
                i += 1
                continue
            out.append(found)
            i = found.end
        return out

    def _starts(self, form: str) -> bool:
        """Whether some phrase may begin with ``form``, its clitics and endings stripped (remembered: a
        language with morphology would otherwise walk the trie from every token)."""
        root = self._root
        found = False
        for head in (form, *self._bare(form)) if self.prefixes else (form,):
            if head in root.next or _prefix_payloads(root, head) is not None or any(
                    stem in root.next for stem in self._stems(head)):
                found = True
                break
        if len(self._can_start) > _MEMO_LIMIT:
            self._can_start.clear()
        self._can_start[form] = found
        return found

    def _star_heads(self) -> tuple[frozenset[str], int]:
        """The first letters every one-word '*' stem starts with, to reject most tokens at once."""
        stars = self._root.stars or {}
        width = min((len(p) for p in stars), default=1)
        return frozenset(p[:width] for p in stars), width

    def _longest_at(self, forms: list[str], i: int, stop: int) -> Match | None:
        first = forms[i]
        best = self._walk(forms, i, stop, first)
        for head in self._bare(first) if self.prefixes else ():  # the token without a clitic
            found = self._walk(forms, i, stop, head)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        return None if best is None else Match(i, *best)

    def _walk(self, forms: list[str], i: int, stop: int, head: str) -> tuple[int, Payloads] | None:
        """The longest phrase starting at token i (read as ``head``): (end token, payloads)."""
        best: tuple[int, Payloads] | None = None
        ending, node = self._first_step(head)
        j = i
        while True:
            if ending is not None:
                best = (j + 1, ending)
            if node is None:
                return best
            j += 1
            if j >= stop:
                return best
            ending, node = self._step(node, forms[j])

    def _first_step(self, head: str) -> tuple[Payloads | None, _Node | None]:
        """``_step`` from the root, remembered per word: most walks end after their first token, and
        the root's many '*' prefix lengths and stems would otherwise be tried again at every token."""
        found = self._root_steps.get(head)
        if found is None:
            found = self._step(self._root, head)
            if len(self._root_steps) > _MEMO_LIMIT:
                self._root_steps.clear()
            self._root_steps[head] = found
        return found

    def _step(self, node: _Node, form: str) -> tuple[Payloads | None, _Node | None]:
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

