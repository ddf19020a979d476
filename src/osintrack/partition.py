"""Resolution cut into parts that run apart, with exactly the incidents of one ``Resolver`` run.

Why it is exact. ``Resolver.add`` compares a mention only with the incidents it is *compatible* with,
and compatibility with an incident implies that the mention *may match* at least one member of it:

* the same event type;
* dates whose intervals meet (an incident keeps the intersection of its members' intervals), or both
  undated;
* a place link: the same site name, the same province name, coordinates within the larger radius
  (grid cells, as in the resolver's index), or one side known only by its country and the other in
  that country or placed without a country.

This relation is looser than the resolver's rules, and it is between mentions. Mentions that are not
linked by a chain of it ("components") never share an incident and never see each other's incidents,
so the resolver run over one component (or any union of components), in input order, decides each of
its mentions exactly as the resolver run over the whole stream: it sees the same candidate incidents in
the same state, and the reason sentences and incident ids (from the opening mention's key) are the same.

How it is cut (``resolve_in_parts``):

1. *Blocks*: mentions by event type and ``BLOCK_DAYS`` of dates (the block of a mention's first day);
   undated mentions in one block per type. Not by country: a mention placed without a country (a sea,
   say) may join an incident of any country, so countries are no sure boundary; the components, which
   follow places, are.
2. *Each block* (a task: ``resolve_block``) finds its components with a union-find over keys (a
   relaxation of the rules above, see ``_keys``), resolves at once every component whose days stay away
   from the days of the neighbouring blocks, and sends back the others: *edge* components
   (``BlockTask.low`` / ``high``: the last day of the block before, the first of the block after).
3. *The merge* (here, cheap): edge components that share a key across blocks are joined into groups.
4. *Each group* (a task: ``resolve_group``) is resolved as one, in input order.

Stored incidents (an ingest that resumes) go with every block one of their members falls in, and join
the blocks they span. Incident ids are checked at the end: an id opened twice, or opened and already
stored (possible only when stored ids were made another way, or by a collision of 48-bit hashes) makes
the whole resolution run again in one ``Resolver``, so the result is exact in every case.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import Event
from .resolve import NOWHERE, Decision, Mention, Resolver, _cells_around, _When, _when, _Where, where_of

# (the resolver's own reading of dates, places and grid cells: keys follow its rules exactly)

__all__ = ["BLOCK_DAYS", "BlockTask", "GroupTask", "Parts", "resolve_block", "resolve_group", "resolve_in_parts",
           "slim"]

BLOCK_DAYS = 64  # more than 30 (a month's days after the first): only neighbouring blocks share a day
_COUNTRY_RANK = 3

Key = tuple[Any, ...]
BlockId = tuple[str, int | None, bool]  # event type, block of days (None: undated), placed at all
Mapper = Callable[[Callable[[Any], Any], list[Any]], list[Any]]


def slim(mention: Mention) -> Mention:
    """``mention`` with what resolution reads and nothing else (no evidence, outlet or language), to
    send to other processes cheaply. Decisions over slim mentions are those over the full ones."""
    e = mention.event
    event = Event(e.event_type, date=e.date, date_precision=e.date_precision, country=e.country, admin1=e.admin1,
                  site=e.site, lat=e.lat, lon=e.lon, geo_precision=e.geo_precision)
    return Mention(mention.key, mention.report_id, event)


# --- what a mention may match: keys --------------------------------------------------------------------

def _days(when: _When) -> range | None:
    """The day numbers an interval touches (None when undated): two intervals meet only if they share one."""
    if when.window is None:
        return None
    return range(math.floor(when.window[0]), math.floor(when.window[1]) + 1)


def _block_of(mention: Mention, when: _When, where: _Where) -> BlockId:
    days = _days(when)
    return mention.event.event_type, None if days is None else days.start // BLOCK_DAYS, where.rank != NOWHERE


def _keys(mention: Mention, when: _When, where: _Where) -> tuple[list[Key], list[Key]]:
    """(keys, hub keys), the day always third. Two mentions that may match share a key, or one has a
    hub key ``("c", type, day, country)``, being located by that country alone, that the other has as a
    key (it lies in that country), or the other has ``("w", type, day)`` (it is placed without a country)."""
    if where.rank == NOWHERE:
        return [], []
    kind = mention.event.event_type
    keys: list[Key] = []
    hubs: list[Key] = []
    cells = _cells_around(where.lat, where.lon, where.radius) \
        if where.coords and where.rank < _COUNTRY_RANK else ()
    for day in _days(when) or ("undated",):
        if where.country:
            keys.append(("c", kind, day, where.country))
            if where.rank == _COUNTRY_RANK:
                hubs.append(("c", kind, day, where.country))
        else:
            keys.append(("w", kind, day))
        if where.site_key:
            keys.append(("s", kind, day, where.site_key))
        if where.admin1_key:
            keys.append(("a", kind, day, where.admin1_key))
        keys.extend(("g", kind, day, cell) for cell in cells)
    return keys, hubs


def _day_of(key: Key) -> Any:
    return key[2]


class _Union:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        parent = self.parent.setdefault(x, x)
        while parent != x:
            grand = self.parent[parent]
            self.parent[x] = grand
            x, parent = parent, grand
        return x

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


# --- tasks ---------------------------------------------------------------------------------------------

@dataclass(slots=True)
class BlockTask:
    """One block: its mentions (position in input order, slim mention) and the stored incidents with a
    member in it. ``low``: the last day touched by the previous block of its type; ``high``: the first
    day touched by the next one (None: no such block)."""

    block: BlockId
    mentions: list[tuple[int, Mention]]
    known: list[tuple[str, list[Mention]]] = field(default_factory=list)
    low: int | None = None
    high: int | None = None
    spanning: frozenset[str] = frozenset()  # stored incidents that also lie in other blocks


@dataclass(slots=True)
class EdgeComponent:
    """A component that may reach another block: its keys at the edges, its mentions, its stored incidents."""

    keys: list[tuple[Key, bool]]  # (key, hub)
    mentions: list[tuple[int, Mention]]
    known: list[str]


@dataclass(slots=True)
class BlockResult:
    decisions: list[tuple[int, Decision]]
    edges: list[EdgeComponent]


@dataclass(slots=True)
class GroupTask:
    mentions: list[tuple[int, Mention]]
    known: list[tuple[str, list[Mention]]]


def resolve_block(task: BlockTask) -> BlockResult:
    """Components of one block; those away from its edges resolved, the others sent back."""
    union = _Union()
    keys_of: dict[Any, list[Key]] = {}
    hubs_of: dict[Any, list[Key]] = {}
    nodes: list[Any] = []
    for position, mention in task.mentions:
        node: Any = ("m", position)
        keys_of[node], hubs_of[node] = _keys(mention, _when(mention.event), where_of(mention.event))
        nodes.append(node)
    for incident_id, stored in task.known:
        node = ("k", incident_id)
        keys_of[node], hubs_of[node] = [], []
        for member in stored:
            keys, hubs = _keys(member, _when(member.event), where_of(member.event))
            keys_of[node] += keys
            hubs_of[node] += hubs
        nodes.append(node)
    hub_keys = {key for node in nodes for key in hubs_of[node]}
    hubs_by_day: dict[Key, list[Key]] = defaultdict(list)
    for key in hub_keys:
        hubs_by_day[("w", *key[1:3])].append(key)
    for node in nodes:
        union.find(node)
        for key in keys_of[node]:
            if key[0] == "c":  # a country's day joins its mentions only through one located by country alone
                if key in hub_keys:
                    union.union(node, ("hub", key))
            elif key[0] == "w":  # placed without a country: joins those located by any country alone
                for hub in hubs_by_day.get(key, ()):
                    union.union(node, ("hub", hub))
            else:
                union.union(node, ("key", key))
        for key in hubs_of[node]:
            union.union(node, ("hub", key))
    components: dict[Any, list[Any]] = defaultdict(list)
    for node in nodes:
        components[union.find(node)].append(node)
    mentions = dict(task.mentions)
    known = dict(task.known)
    inside: list[Any] = []
    edges: list[EdgeComponent] = []
    for component in components.values():
        edge_keys = _edge_keys(task, component, keys_of, hubs_of)
        if edge_keys is None:
            inside.extend(component)
            continue
        edges.append(EdgeComponent(edge_keys, [(n[1], mentions[n[1]]) for n in component if n[0] == "m"],
                                   [n[1] for n in component if n[0] == "k"]))
    group = GroupTask([(n[1], mentions[n[1]]) for n in inside if n[0] == "m"],
                      [(n[1], known[n[1]]) for n in inside if n[0] == "k"])
    return BlockResult(resolve_group(group), edges)


def _edge_keys(task: BlockTask, members: list[Any], keys_of: dict[Any, list[Key]],
               hubs_of: dict[Any, list[Key]]) -> list[tuple[Key, bool]] | None:
    """The keys a component may share with other blocks, or None when it can share none."""
    found: list[tuple[Key, bool]] = []
    for node in members:
        hubs = set(hubs_of[node])
        for key in keys_of[node]:
            day = _day_of(key)
            if day != "undated" and ((task.low is not None and day <= task.low)
                                     or (task.high is not None and day >= task.high)):
                found.append((key, key in hubs))
        if node[0] == "k" and node[1] in task.spanning:
            found.append((("k", node[1]), False))
    return found or None


def resolve_group(task: GroupTask) -> list[tuple[int, Decision]]:
    """One ``Resolver`` over a group's stored incidents and mentions, mentions in input order."""
    resolver = Resolver(task.known)
    return [(position, resolver.add(mention)) for position, mention in sorted(task.mentions, key=lambda p: p[0])]


# --- the whole --------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Parts:
    """How one ``resolve_in_parts`` run went: blocks, edge groups, and whether it fell back to one resolver."""

    blocks: int = 0
    resolved_in_blocks: int = 0
    groups: int = 0
    resolved_in_groups: int = 0
    largest_group: int = 0
    fallback: str | None = None


def resolve_in_parts(mentions: Sequence[Mention], known: Iterable[tuple[str, list[Mention]]] = (), *,
                     run: Mapper | None = None, parts: Parts | None = None) -> list[Decision]:
    """The decision on every mention, in input order: exactly ``[Resolver(known).add(m) for m in mentions]``.

    ``run(func, tasks)`` computes ``[func(t) for t in tasks]`` (default: here, one after the other); give
    one that runs the tasks on Dask (``dask_engine.resolve_dask``). ``parts`` receives how it went.
    """
    report = parts if parts is not None else Parts()
    known_list = [(incident_id, [slim(m) for m in members]) for incident_id, members in known]
    items = [(position, slim(m)) for position, m in enumerate(mentions)]
    if len({m.key for _, m in items}) < len(items):
        report.fallback = "a mention key repeats"
        return _serial(known_list, items)
    runner = run if run is not None else (lambda func, tasks: [func(t) for t in tasks])
    tasks = _block_tasks(items, known_list)
    report.blocks = len(tasks)
    results: list[BlockResult] = runner(resolve_block, tasks)
    decided: dict[int, Decision] = {}
    for result in results:
        decided.update(result.decisions)
    report.resolved_in_blocks = len(decided)
    groups = _join_edges([edge for result in results for edge in result.edges], dict(known_list))
    report.groups = len(groups)
    report.largest_group = max((len(g.mentions) for g in groups), default=0)
    for decisions in runner(resolve_group, groups):
        decided.update(decisions)
    report.resolved_in_groups = len(decided) - report.resolved_in_blocks
    out = [decided[position] for position in range(len(items))]
    opened = [d.incident_id for d in out if d.created]
    stored = {incident_id for incident_id, _ in known_list}
    if len(set(opened)) < len(opened) or stored.intersection(opened):
        report.fallback = "an incident id was opened twice"
        return _serial(known_list, items)
    return out


def _serial(known: list[tuple[str, list[Mention]]], items: list[tuple[int, Mention]]) -> list[Decision]:
    resolver = Resolver(known)
    return [resolver.add(m) for _, m in items]


def _block_tasks(items: list[tuple[int, Mention]], known: list[tuple[str, list[Mention]]]) -> list[BlockTask]:
    blocks: dict[BlockId, BlockTask] = {}
    first: dict[BlockId, int] = {}  # first and last day touched, per block
    last: dict[BlockId, int] = {}

    def touch(block: BlockId, days: range | None) -> BlockTask:
        task = blocks.get(block)
        if task is None:
            task = blocks[block] = BlockTask(block, [])
        if days is not None:
            first[block] = min(first.get(block, days.start), days.start)
            last[block] = max(last.get(block, days.stop - 1), days.stop - 1)
        return task

    for position, mention in items:
        when, where = _when(mention.event), where_of(mention.event)
        touch(_block_of(mention, when, where), _days(when)).mentions.append((position, mention))
    for incident_id, members in known:
        spans: set[BlockId] = set()
        for member in members:
            when, where = _when(member.event), where_of(member.event)
            block = _block_of(member, when, where)
            if block not in spans:
                spans.add(block)
                touch(block, _days(when)).known.append((incident_id, members))
            else:
                touch(block, _days(when))
        if len(spans) > 1:
            for block in spans:
                blocks[block].spanning = blocks[block].spanning | {incident_id}
    for (kind, number, placed), task in blocks.items():
        if number is not None and placed:
            task.low = last.get((kind, number - 1, True))
            task.high = first.get((kind, number + 1, True))
    return list(blocks.values())


def _join_edges(edges: list[EdgeComponent], known: dict[str, list[Mention]]) -> list[GroupTask]:
    """Edge components that share a key (or a hub key with a key) joined into groups."""
    union = _Union()
    holders: dict[Key, list[tuple[int, bool]]] = defaultdict(list)
    for i, edge in enumerate(edges):
        union.find(i)
        for key, hub in edge.keys:
            holders[key].append((i, hub))
    hubs_by_day: dict[Key, list[int]] = defaultdict(list)
    for key, held in holders.items():
        if key[0] == "c":
            hubs_by_day[("w", *key[1:3])].extend(i for i, hub in held if hub)
    for key, held in holders.items():
        if key[0] == "c" and not any(hub for _, hub in held):
            continue  # a country's day is shared only through a mention located by the country alone
        if key[0] == "w":  # placed without a country: joined with those located by any country alone
            held = held + [(i, True) for i in hubs_by_day.get(key, ())]
        for i, _ in held[1:]:
            union.union(held[0][0], i)
    grouped: dict[int, GroupTask] = {}
    for i, edge in enumerate(edges):
        group = grouped.setdefault(union.find(i), GroupTask([], []))
        group.mentions.extend(edge.mentions)
        for incident_id in edge.known:
            if all(incident_id != known_id for known_id, _ in group.known):
                group.known.append((incident_id, known[incident_id]))
    return list(grouped.values())
