"""The actors dictionary: who attacks, who is attacked, who confirms and who reports.

``data/actors.yaml`` lists actors with a neutral canonical English name, a type, date-bounded
affiliations (an armed group joins an umbrella on a given day) and aliases per language. Aliases
feed the per-language lexicon (payload ``("actor", id)``) and ``Actors.canonical``, which maps any
alias, loaded wording or spelling variant to the canonical name. Schema and rules: docs/actors.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from .datafiles import read_yaml
from .errors import DataError
from .language import normalize

ACTOR_TYPES = frozenset({"state", "state_force", "armed_group", "umbrella", "political", "official_source",
                         "monitor", "media", "generic"})
STATE_TYPES = frozenset({"state", "state_force"})
# "mul": names written the same way in every language (CENTCOM, Hezbollah, Reuters).
ALIAS_LANGUAGES = ("mul", "en", "fr", "id", "ms", "ar", "es", "de", "it", "pt", "tr", "fa", "ru")
_SIBLINGS: dict[str, tuple[str, ...]] = {"id": ("ms",), "ms": ("id",)}  # read as one language
_FIELDS = frozenset({"id", "name", "type", "country", "parents", "aliases", "neutral_note", "shared_aliases"})
_PARENT_FIELDS = frozenset({"id", "from", "until"})
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_WORD = re.compile(r"\w+")
_PARENTHESES = re.compile(r"^(?P<outer>[^()]*)\((?P<inner>[^()]*)\)\s*$")
# Leading words that qualify a name without changing who it is: articles, small numbers and rank
# ("a senior US official", "un haut responsable américain", "seorang pejabat AS").
_QUALIFIERS = frozenset({
    "a", "an", "the", "one", "two", "three", "several", "some", "senior", "top", "unnamed", "anonymous",
    "un", "une", "le", "la", "les", "l", "des", "deux", "haut", "hauts", "el", "los", "las", "uno",
    "dos", "alto", "altos", "il", "lo", "gli", "i", "due", "alti", "o", "os", "as", "um", "uma", "dois",
    "der", "die", "das", "ein", "eine", "zwei", "ranghoher", "hochrangiger", "seorang", "para", "dua",
    "bir", "iki", "یک", "دو",
})

Payload = tuple[str, str]
Fail = Callable[[str, str], DataError]  # (message, field) -> the error to raise


@dataclass(frozen=True, slots=True)
class Affiliation:
    """Membership of an actor in a parent actor, valid from ``start`` to ``end`` (inclusive, None: open)."""

    id: str
    start: date | None = None
    end: date | None = None

    def valid_on(self, day: date | None) -> bool:
        if day is None:
            return True
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    name: str
    type: str
    country: str | None
    parents: tuple[Affiliation, ...]
    aliases: tuple[str, ...]  # every alias in every language, without the canonical name
    by_lang: tuple[tuple[str, tuple[str, ...]], ...] = ()
    neutral_note: str | None = None
    shared_aliases: tuple[str, ...] = ()  # aliases another actor may also hold, on purpose

    def aliases_in(self, lang: str) -> tuple[str, ...]:
        return next((names for code, names in self.by_lang if code == lang), ())


def name_key(name: str, *, join_apostrophes: bool = False) -> str:
    """The matching form of a name for ``canonical``: normalised words, punctuation dropped. An apostrophe
    splits words (French "l'armée", as the lexicon reads it) or, with ``join_apostrophes``, joins them
    ("Kata'ib" = "Kataib")."""
    text = normalize(name.strip().rstrip("*")).text
    if join_apostrophes:
        text = text.replace("'", "")
    return " ".join(_WORD.findall(text))


def name_keys(name: str) -> tuple[str, ...]:
    """The keys ``name`` is known by: words split at apostrophes, then joined across them."""
    return tuple(dict.fromkeys(k for k in (name_key(name), name_key(name, join_apostrophes=True)) if k))


def _singular(key: str) -> str:
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                    for w in key.split())


def _unqualified(key: str) -> str:
    words = key.split()
    while len(words) > 1 and words[0] in _QUALIFIERS:
        words.pop(0)
    return " ".join(words)


class Actors:
    """The loaded dictionary: lookup by id, affiliations on a date, aliases to canonical names."""

    def __init__(self, actors: Iterable[Actor]) -> None:
        self._by_id: dict[str, Actor] = {a.id: a for a in actors}
        self._roots: dict[str, Actor] = {}
        self._by_name: dict[str, Actor] = {}
        for a in reversed(list(self._by_id.values())):  # the first listed keeps a name two share
            self._by_name[a.name] = a
        self._exact: dict[str, set[str]] = {}
        self._prefix: list[tuple[tuple[str, ...], str, str]] = []  # (leading words, stem, id)
        for actor in self._by_id.values():
            for alias in (actor.name, *actor.aliases):
                for key in name_keys(alias):
                    self._exact.setdefault(key, set()).add(actor.id)
                    if alias.rstrip().endswith("*"):
                        words = tuple(key.split())
                        self._prefix.append((words[:-1], words[-1], actor.id))
        self._singular: dict[str, set[str]] = {}
        for key, ids in self._exact.items():
            self._singular.setdefault(_singular(key), set()).update(ids)

    def __iter__(self) -> Iterator[Actor]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self._by_id

    def get(self, actor_id: str | None) -> Actor | None:
        return self._by_id.get(actor_id) if actor_id is not None else None

    # --- affiliations ---------------------------------------------------------------------------

    def parents(self, actor_id: str, on: date | None = None) -> tuple[Actor, ...]:
        """Parents of ``actor_id`` whose affiliation holds ``on`` that day (every parent when None)."""
        actor = self._by_id.get(actor_id)
        if actor is None:
            return ()
        return tuple(self._by_id[p.id] for p in actor.parents if p.valid_on(on))

    def parent(self, actor_id: str, on: date | None = None) -> Actor | None:
        """The first listed parent valid ``on`` that day (the first listed at all when ``on`` is None)."""
        found = self.parents(actor_id, on)
        return found[0] if found else None

    def ancestors(self, actor_id: str, on: date | None = None) -> tuple[Actor, ...]:
        """Every actor above ``actor_id`` on that day, nearest first, each once."""
        out: list[Actor] = []
        queue = list(self.parents(actor_id, on))
        while queue:
            actor = queue.pop(0)
            if actor not in out and actor.id != actor_id:
                out.append(actor)
                queue.extend(self.parents(actor.id, on))
        return tuple(out)

    def root(self, actor_id: str, on: date | None = None) -> Actor:
        """The top of the first-parent chain: US forces -> United States, Quds Force -> Iran.
        KeyError when ``actor_id`` is unknown."""
        if on is None:  # the extractor asks this for every actor it reads: the answer never changes
            found = self._roots.get(actor_id)
            if found is None:
                found = self._roots[actor_id] = self._root(actor_id, None)
            return found
        return self._root(actor_id, on)

    def _root(self, actor_id: str, on: date | None) -> Actor:
        actor = self._by_id[actor_id]
        seen = {actor.id}
        while (up := self.parent(actor.id, on)) is not None and up.id not in seen:
            actor = up
            seen.add(up.id)
        return actor

    def is_state(self, actor_id: str) -> bool:
        """A state, a state force, or an official source answering to one."""
        actor = self._by_id.get(actor_id)
        if actor is None:
            return False
        if actor.type in STATE_TYPES:
            return True
        if actor.type != "official_source":
            return False
        return any(a.type in STATE_TYPES for a in self.ancestors(actor_id))

    # --- names ----------------------------------------------------------------------------------

    def named(self, name: str) -> Actor | None:
        """The actor whose canonical name is exactly ``name`` (fast; ``resolve`` reads any alias)."""
        return self._by_name.get(name)

    def resolve(self, name: str) -> Actor | None:
        """The one actor ``name`` designates, or None when it designates none or several."""
        for key in self._candidate_keys(name):
            ids = self._lookup(key)
            if ids:
                return self._by_id[next(iter(ids))] if len(ids) == 1 else None
        return None

    def canonical(self, name: str) -> str | None:
        """The canonical name of whatever actor ``name`` designates, or None."""
        actor = self.resolve(name) if isinstance(name, str) else None
        return actor.name if actor is not None else None

    def _candidate_keys(self, name: str) -> list[str]:
        texts = [name]
        bracket = _PARENTHESES.match(name)
        if bracket is not None:  # "Pentagon (Sabrina Singh)": the body first, then who spoke
            texts += [bracket.group("outer"), bracket.group("inner")]
        keys: list[str] = []
        for text in texts:
            for key in name_keys(text):
                keys += [k for k in (key, _unqualified(key)) if k and k not in keys]
        return keys

    def _lookup(self, key: str) -> set[str]:
        found = self._exact.get(key) or self._singular.get(_singular(key)) or set()
        if found:
            return found
        words = key.split()
        return {actor_id for lead, stem, actor_id in self._prefix
                if len(lead) + 1 == len(words) and tuple(words[:-1]) == lead and words[-1].startswith(stem)}

    # --- lexicon --------------------------------------------------------------------------------

    def lexicon_entries(self, lang: str | None = None) -> list[tuple[str, Payload]]:
        """(phrase, ("actor", id)) for the names a text in ``lang`` may use.

        With ``lang``: the canonical name, names of every language ("mul"), the aliases of ``lang``
        and aliases of other languages made of several words (names cross languages: an Indonesian
        report writes "Kataib Hezbollah"). One-word aliases of other languages are left out because
        they are ordinary words elsewhere (Indonesian "AS" is English "as", "SANA" is Indonesian
        "sana"). Without ``lang``: every name of every language.
        """
        entries: list[tuple[str, Payload]] = []
        for actor in self._by_id.values():
            for phrase in self._phrases(actor, lang):
                entries.append((phrase, ("actor", actor.id)))
                if "'" in phrase or "’" in phrase:  # "Kata'ib" is also written "Kataib"
                    entries.append((phrase.replace("'", "").replace("’", ""), ("actor", actor.id)))
        return entries

    @staticmethod
    def _phrases(actor: Actor, lang: str | None) -> list[str]:
        if lang is None:
            return list(dict.fromkeys((actor.name, *actor.aliases)))
        own = {"mul", lang, *_SIBLINGS.get(lang, ())}
        phrases = [actor.name] if lang == "en" or len(name_key(actor.name).split()) > 1 else []
        for code, names in actor.by_lang:
            phrases += [n for n in names if code in own or len(name_key(n).split()) > 1]
        return list(dict.fromkeys(phrases))


# --- loading ------------------------------------------------------------------------------------

@cache
def load_actors() -> Actors:
    """The shipped actors dictionary; DataError names the file and the actor when it is malformed."""
    path = resources.files("osintrack") / "data" / "actors.yaml"
    return parse_actors(read_yaml(path, "the actors dictionary"), str(path))


def parse_actors(data: Any, path: str) -> Actors:
    """Validate the YAML structure ``data`` read from ``path`` and build ``Actors``."""
    if not isinstance(data, list):
        raise DataError("the actors dictionary must be a list of actors", path=path)
    actors: dict[str, Actor] = {}
    for index, raw in enumerate(data):
        actor = _parse_actor(raw, index, path)
        if actor.id in actors:
            raise DataError(f"duplicate actor id {actor.id!r}", path=path, field="id")
        actors[actor.id] = actor
    _check_parents(actors, path)
    _check_aliases(actors.values(), path)
    return Actors(actors.values())


def _parse_actor(raw: Any, index: int, path: str) -> Actor:
    if not isinstance(raw, Mapping):
        raise DataError(f"actor #{index + 1} is not a mapping", path=path)
    actor_id = raw.get("id")
    if not isinstance(actor_id, str) or not _ID.match(actor_id):
        raise DataError(f"actor #{index + 1}: id {actor_id!r} is not kebab-case", path=path, field="id")

    def fail(message: str, field: str) -> DataError:
        return DataError(f"actor {actor_id!r}: {message}", path=path, field=field)

    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise fail(f"unknown field(s) {', '.join(map(str, unknown))}", unknown[0])
    name, kind, country = raw.get("name"), raw.get("type"), raw.get("country")
    if not isinstance(name, str) or not name.strip():
        raise fail("name must be a non-empty string", "name")
    if kind not in ACTOR_TYPES:
        raise fail(f"type {kind!r} is not one of {', '.join(sorted(ACTOR_TYPES))}", "type")
    if country is not None and (not isinstance(country, str) or not _COUNTRY.match(country)):
        raise fail(f"country {country!r} is not an ISO 3166-1 alpha-2 code or null", "country")
    note = raw.get("neutral_note")
    if note is not None and not isinstance(note, str):
        raise fail("neutral_note must be a string", "neutral_note")
    by_lang = _parse_aliases(raw.get("aliases"), fail)
    shared = _string_list(raw.get("shared_aliases"), fail, "shared_aliases")
    aliases = tuple(dict.fromkeys(a for _, names in by_lang for a in names if a != name))
    return Actor(actor_id, name, kind, country, _parse_parents(raw.get("parents"), fail), aliases,
                 by_lang, note, shared)


def _parse_parents(raw: Any, fail: Fail) -> tuple[Affiliation, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise fail("parents must be a list of {id, from, until}", "parents")
    out: list[Affiliation] = []
    for item in raw:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or set(item) - _PARENT_FIELDS:
            raise fail(f"parent {item!r} must be a mapping with id, from, until", "parents")
        start, end = _date(item.get("from"), fail), _date(item.get("until"), fail)
        if start is not None and end is not None and end < start:
            raise fail(f"parent {item['id']!r}: until {end} is before from {start}", "parents")
        out.append(Affiliation(item["id"], start, end))
    return tuple(out)


def _date(value: Any, fail: Fail) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise fail(f"{value!r} is not a date (YYYY-MM-DD) or null", "parents")


def _parse_aliases(raw: Any, fail: Fail) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise fail("aliases must map a language code to a list of names", "aliases")
    out: list[tuple[str, tuple[str, ...]]] = []
    for code, names in raw.items():
        if code not in ALIAS_LANGUAGES:
            raise fail(f"alias language {code!r} is not one of {', '.join(ALIAS_LANGUAGES)}", "aliases")
        out.append((code, _string_list(names, fail, f"aliases.{code}")))
    return tuple(out)


def _string_list(raw: Any, fail: Fail, field: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) and name_key(n) for n in raw):
        raise fail("must be a list of names with at least one letter or digit each", field)
    return tuple(dict.fromkeys(raw))


def _check_parents(actors: Mapping[str, Actor], path: str) -> None:
    for actor in actors.values():
        for link in actor.parents:
            if link.id not in actors or link.id == actor.id:
                raise DataError(f"actor {actor.id!r}: unknown parent id {link.id!r}", path=path,
                                field="parents")
    for actor in actors.values():  # no actor may be its own ancestor
        seen: set[str] = set()
        queue = [p.id for p in actor.parents]
        while queue:
            current = queue.pop()
            if current == actor.id:
                raise DataError(f"actor {actor.id!r} is its own ancestor", path=path, field="parents")
            if current not in seen:
                seen.add(current)
                queue += [p.id for p in actors[current].parents]


def _check_aliases(actors: Iterable[Actor], path: str) -> None:
    owner: dict[str, Actor] = {}
    for actor in actors:
        for alias in dict.fromkeys((actor.name, *actor.aliases)):
            for key in name_keys(alias):
                other = owner.setdefault(key, actor)
                if other.id != actor.id and not (_shares(actor, key) or _shares(other, key)):
                    raise DataError(f"alias {alias!r} of actor {actor.id!r} also names actor {other.id!r}",
                                    path=path, field="aliases", hint=_CLASH_HINT)


_CLASH_HINT = "remove one, or list it under shared_aliases if the ambiguity is real"


def _shares(actor: Actor, key: str) -> bool:
    return any(key in name_keys(alias) for alias in actor.shared_aliases)
