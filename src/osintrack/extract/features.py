"""Language-independent features of candidates, for the learned decisions.

Every feature is a reading of structure or of a cue class from the language packs (a trigger, a
threat cue, a place's precision, token distances, a date's source and age), never a word: a
model trained on reports in some languages applies to the others. Features are sparse dicts of
name -> value, most of them 0/1 indicators.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from ..lexicon import Match
from .candidates import Candidate, DateOption, Mention, count_units
from .document import Doc, theatre
from .places import SPECIFIC, contains

Features = dict[str, float]

_FACILITY_TYPES = ("base", "airport", "oil_field", "gas_field", "facility", "border_crossing", "port")
_QUOTES = "\"“”«»„'"


def bucket(value: int, edges: tuple[int, ...]) -> str:
    """The name of the bucket ``value`` falls in: '<=e' for the first edge it does not exceed, else '>last'."""
    for edge in edges:
        if value <= edge:
            return f"<={edge}"
    return f">{edges[-1]}"


def mention_features(doc: Doc, m: Mention) -> Features:
    """Does this sentence tell an incident that happened at this place? (Its dates aside.)"""
    found: Features | None = m.memo.get("mention")
    if found is None:
        found = m.memo["mention"] = {}
        _place_features(doc, m, found)
        _trigger_features(doc, m, found)
        if any(o.source == "sentence" and o.precision == "day" for o in m.dates):
            found["day_in_sentence"] = 1
        elif any(o.source == "sentence" for o in m.dates):
            found["month_in_sentence"] = 1
    return found


def _place_features(doc: Doc, m: Mention, f: Features) -> None:
    site = m.site
    assert site is not None
    f[f"src:{m.site_source}"] = 1
    f[f"prec:{site.precision}"] = 1
    if site.type in _FACILITY_TYPES:
        f["facility"] = 1
    if site.type == "sea":
        f["sea"] = 1
    if m.keywords:
        f["keywords"] = 1
    p = m.place
    if p is not None:
        for flag in ("compass", "dateline", "outside", "locator", "container", "situating", "deployment", "listed"):
            if getattr(p, flag):
                f[flag] = 1
        anchor = m.facts.trigger
        if anchor is not None:
            gap = p.match.start - anchor.end if anchor.start < p.match.start else anchor.start - p.match.end
            f[f"gap:{bucket(max(gap, 0), (2, 6, 15))}"] = 1
            f["trigger_before" if anchor.start < p.match.start else "trigger_after"] = 1
        if any(0 <= p.match.start - c.end <= 3 for c in m.sentence.having("cue", "against")):
            f["against"] = 1
        if _quoted(doc, m):
            f["quoted"] = 1
    if "site_sentences" not in doc.memo:
        doc.memo["site_sentences"] = _site_sentences(doc)
    counts: Counter[str] = doc.memo["site_sentences"]
    f[f"repeats:{bucket(counts[site.id], (1, 2))}"] = 1
    if site.id in doc.memo["head_sites"]:
        f["in_head"] = 1
    if site.precision not in SPECIFIC and any(
            other.precision in SPECIFIC and contains(site, other) for other in doc.memo["specific_sites"]):
        f["holds_specific"] = 1
    n_places = len(m.sentence.having("place"))
    f[f"n_places:{bucket(n_places, (0, 1, 2))}"] = 1


def _site_sentences(doc: Doc) -> Counter[str]:
    """How many sentences name each site; also notes the head's sites and the report's precise places."""
    from .places import sentence_places

    counts: Counter[str] = Counter()
    head: set[str] = set()
    specific = {}
    for s in doc.sentences:
        ids = {p.site.id for p in sentence_places(doc, s)}
        counts.update(ids)
        if s.index == 0:
            head |= ids
        for p in sentence_places(doc, s):
            if p.site.precision in SPECIFIC and not p.dateline:
                specific[p.site.id] = p.site
    doc.memo["head_sites"] = head
    doc.memo["specific_sites"] = list(specific.values())
    return counts


def _quoted(doc: Doc, m: Mention) -> bool:
    """The place stands inside quotation marks that open within its sentence."""
    assert m.place is not None
    start, _ = doc.nt.orig_span(m.sentence.start, m.sentence.end)
    at, _ = doc.nt.orig_span(m.place.match.start, m.place.match.end)
    return sum(ch in _QUOTES for ch in doc.report.text[start:at]) % 2 == 1


def _trigger_features(doc: Doc, m: Mention, f: Features) -> None:
    facts, s = m.facts, m.sentence
    trigger = facts.trigger
    f[f"anchor:{trigger.value('trigger') or 'intercept' if trigger is not None else 'weapon'}"] = 1
    f[f"n_triggers:{bucket(len(s.having('trigger')), (1, 2))}"] = 1
    for flag in ("governed", "negated", "counted", "many", "series", "open_period", "about_context"):
        if getattr(facts, flag):
            f[flag] = 1
    if facts.weapon != "unknown":
        f["weapon"] = 1
    if facts.killed or facts.injured:
        f["casualties"] = 1
    if facts.killed == 0 or facts.injured == 0:
        f["no_casualties"] = 1
    if facts.intercepted:
        f["intercepted"] = 1
    roles = facts.roles
    for flag in ("claimed", "denied", "state_agent", "group_agent", "victim", "typed"):
        if getattr(roles, flag):
            f[flag] = 1
    if roles.agent_state is not None and roles.agent_state not in theatre().strikers:
        f["other_state_acts"] = 1  # an Israeli raid in Syria is another war
    if roles.event_type == "air_strike":
        f["rule_strike"] = 1
    if s.has("cue", "confirm"):
        f["said"] = 1
    if count_units(s):
        f["count_units"] = 1
    if s.has("tally", "since"):
        f["since"] = 1
    if s.has("date_previous") or s.has("date_recent"):
        f["previous"] = 1
    n = len(doc.sentences)
    f["first_sentence" if s.index == 0 else f"position:{bucket(int(4 * s.index / max(n, 1)), (0, 1, 2))}"] = 1
    f[f"length:{bucket(s.end - s.start, (12, 30, 60))}"] = 1


def candidate_features(doc: Doc, c: Candidate, others: list[Candidate]) -> Features:
    """Is this place and day an incident the report says happened? The readings of every mention that
    supports it (any of them), how many support it, and what else the report tells at or around it."""
    f: Features = {}
    for m, option in c.support:
        for prefix, part in (("m:", mention_features(doc, m)), ("d:", date_features(doc, m, option))):
            for name, value in part.items():
                key = prefix + name
                if value > f.get(key, 0.0):
                    f[key] = value
    f[f"support:{bucket(len(c.support), (1, 2, 4))}"] = 1
    stated = sum(1 for _, o in c.support if o.source == "sentence")
    f[f"stated:{bucket(stated, (0, 1, 2))}"] = 1
    f[f"date:{c.date.source}"] = 1
    f[f"date_prec:{c.date.precision}"] = 1
    age = date_age(doc, c.date)
    if age is not None:
        f[f"age:{age}"] = 1
    same_site = [o for o in others if o is not c and o.site.id == c.site.id]
    if any(o.date.source == "sentence" for o in same_site):
        f["site_dated_elsewhere"] = 1
    if c.site.precision not in SPECIFIC and any(
            o.site.precision in SPECIFIC and contains(c.site, o.site) and _same_day(o.date, c.date) for o in others):
        f["holds_specific_same_day"] = 1
    if c.site.precision in SPECIFIC and any(o.site.precision not in SPECIFIC and contains(o.site, c.site)
                                            and _same_day(o.date, c.date) for o in others):
        f["held_same_day"] = 1
    coarse = c.site.precision not in SPECIFIC
    if coarse:
        # a state's strikes on unnamed sites are coded per country; attacks on a country's bases are a summary
        for name in ("m:state_agent", "m:rule_strike", "m:anchor:strike", "m:anchor:air_strike", "m:casualties",
                     "m:counted", "m:day_in_sentence", "m:claimed", "m:group_agent", "m:victim", "m:weapon"):
            if name in f:
                f["coarse&" + name[2:]] = 1
        if not stated:
            f["coarse&unstated"] = 1
        if "holds_specific_same_day" in f:
            f["coarse&holds"] = 1
    if c.date.source == "default" and "site_dated_elsewhere" in f:
        f["default&dated_elsewhere"] = 1
    return f


def _same_day(a: DateOption, b: DateOption) -> bool:
    return a.value == b.value or "default" in (a.source, b.source)


def date_age(doc: Doc, date: DateOption) -> str | None:
    """How long before publication the date lies: 'future', '<=1', '<=7', '<=31' or '>31' days."""
    published = doc.context.published
    if published is None or date.value is None or len(date.value) != 10:
        return None
    days = (published - dt.date.fromisoformat(date.value)).days
    return "future" if days < 0 else bucket(days, (1, 7, 31))


def date_features(doc: Doc, m: Mention, option: DateOption) -> Features:
    """Is this the day the mention happened on, and how does the text give it?"""
    f: Features = {f"src:{option.source}": 1, f"prec:{option.precision}": 1}
    for flag in ("after_since", "statement", "opening", "nearest", "enumerated"):
        if getattr(option, flag):
            f[flag] = 1
    if option.mention is not None:
        f["relative" if option.mention.relative else "absolute"] = 1
        if option.source == "sentence":
            f[f"distance:{bucket(option.distance, (3, 10, 25))}"] = 1
            if m.place is not None:
                f["before_place" if option.mention.start < m.place.match.start else "after_place"] = 1
    age = date_age(doc, option)
    if age is not None:
        f[f"age:{age}"] = 1
    n_sentence = sum(1 for o in m.dates if o.source == "sentence")
    f[f"n_dates:{bucket(n_sentence, (0, 1, 2))}"] = 1
    return f


def type_features(doc: Doc, m: Mention) -> Features:
    """Air strike (a state's aircraft or drones) or attack (anyone else's)? Who stands where around the
    trigger says it: the state before a strike word or right after it as a modifier acts; a group
    after the trigger, or forces after 'against', were hit."""
    found: Features | None = m.memo.get("type")
    if found is not None:
        return found
    facts, roles, s = m.facts, m.facts.roles, m.sentence
    trigger = facts.trigger
    f: Features = {f"anchor:{trigger.value('trigger') or 'intercept' if trigger is not None else 'weapon'}": 1,
                   f"weapon:{facts.weapon}": 1}
    for kind in ("air_strike", "strike", "attack"):
        if s.has("trigger", kind):
            f[f"sentence:{kind}"] = 1
    for flag in ("claimed", "denied", "state_agent", "group_agent", "victim", "typed"):
        if getattr(roles, flag):
            f[flag] = 1
    if roles.event_type == "air_strike":
        f["rule_strike"] = 1
    site = m.site
    if site is not None:
        f[f"prec:{site.precision}"] = 1
        if site.type in _FACILITY_TYPES:
            f["facility"] = 1
    if facts.intercepted:
        f["intercepted"] = 1
    if facts.killed:
        f["killed"] = 1
    if facts.injured:
        f["injured"] = 1
    if trigger is not None:
        _actor_positions(doc, m, trigger, f)
    m.memo["type"] = f
    return f


def _actor_positions(doc: Doc, m: Mention, trigger: Match, f: Features) -> None:
    """The nearest state and armed group on each side of the trigger, by distance."""
    s = m.sentence
    against = [c.end for c in s.having("cue", "against")]
    forces = {c.start for c in s.having("cue", "forces")} | {c.end for c in s.having("cue", "forces")}
    nearest: dict[str, tuple[int, Match]] = {}
    for a in s.having("actor"):
        actor = doc.actors.get(a.value("actor"))
        if actor is None or a.value("place") is not None:
            continue
        kind = "state" if actor.type in ("state", "state_force") else \
            "group" if actor.type in ("armed_group", "umbrella", "generic") else None
        if kind is None:
            continue
        if a.end <= trigger.start:
            side, gap = "before", trigger.start - a.end
        elif a.start >= trigger.end:
            side, gap = "after", a.start - trigger.end
        else:
            side, gap = "inside", 0
        name = f"{kind}_{side}"
        if name not in nearest or gap < nearest[name][0]:
            nearest[name] = (gap, a)
    for name, (gap, a) in nearest.items():
        f[f"{name}:{bucket(gap, (0, 2, 6, 12))}"] = 1
        if any(0 <= a.start - e <= 2 for e in against):
            f[f"{name}:against"] = 1
        if a.start in forces or a.end in forces or (a.start - 1) in forces:
            f[f"{name}:forces"] = 1
        lo, hi = (a, trigger) if a.start < trigger.start else (trigger, a)
        if doc.punctuated(lo, hi):
            f[f"{name}:punctuated"] = 1
