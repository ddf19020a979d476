"""Language-independent features of candidates, for the learned decisions.

Every feature is a reading of structure or of a cue class from the language packs (a trigger, a
threat cue, a place's precision, token distances, a date's source and age), never a word: a
model trained on reports in some languages applies to the others. Features are sets of the names
of the readings that hold (indicators).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from functools import cache, lru_cache

from ..gazetteer import Site
from ..lexicon import Match
from ..scoring_rules import date_rule, when, within_date_rule
from .candidates import Candidate, DateOption, Mention, cause_start, count_units
from .document import Doc, KnownIncident, Sentence, theatre
from .places import SPECIFIC, coarse, contains, dateline, sentence_sites
from .roles import actor_mentions, sentence_actors

Features = set[str]  # the names of the readings that hold (each worth 1)

SAYS_WINDOW = 6  # "the Islamic Resistance in Iraq, in a statement, said": the speaker before the verb
_FACILITY_TYPES = ("base", "airport", "oil_field", "gas_field", "facility", "border_crossing", "port")
_QUOTE_MARKS = re.compile("[\"“”«»„']")
# readings that say something else at a coarse place, or where no sentence names the place
_COARSE_READINGS = frozenset({"state_agent", "rule_strike", "anchor:strike", "anchor:air_strike", "casualties",
                              "counted", "day_in_sentence", "claimed", "group_agent", "victim", "weapon",
                              "facility_word", "facilities_word", "plural", "in_cause"})
_UNPLACED_READINGS = frozenset({"counted", "count_units", "since", "open_period", "many"})


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
        found = m.memo["mention"] = set()
        _place_features(doc, m, found)
        _trigger_features(doc, m, found)
        if any(o.source == "sentence" and o.precision == "day" for o in m.dates):
            found.add("day_in_sentence")
        elif any(o.source == "sentence" for o in m.dates):
            found.add("month_in_sentence")
    return found


def _place_features(doc: Doc, m: Mention, f: Features) -> None:
    site = m.site
    assert site is not None
    f.add(f"src:{m.site_source}")
    f.add(f"prec:{site.precision}")
    if site.type in _FACILITY_TYPES:
        f.add("facility")
    if site.type == "sea":
        f.add("sea")
    f |= _side(site)
    if m.keywords:
        f.add("keywords")
    p = m.place
    if p is not None:
        for flag in ("compass", "dateline", "outside", "locator", "container", "situating", "deployment", "listed"):
            if getattr(p, flag):
                f.add(flag)
        anchor = m.facts.trigger
        if anchor is not None:
            gap = p.match.start - anchor.end if anchor.start < p.match.start else anchor.start - p.match.end
            f.add(f"gap:{bucket(max(gap, 0), (2, 6, 15))}")
            f.add("trigger_before" if anchor.start < p.match.start else "trigger_after")
        if any(0 <= p.match.start - c.end <= 3 for c in m.sentence.having("cue", "against")):
            f.add("against")
        for kind in ("facility", "facilities"):  # "a base in eastern Syria", "bases in Iraq and Syria"
            if any(-2 <= c.start - p.match.end <= 2 or 0 <= p.match.start - c.end <= 3
                   for c in m.sentence.having("cue", kind)):
                f.add(f"{kind}_word")
        if _quoted(doc, m):
            f.add("quoted")
        if _in_cause(m):
            f.add("in_cause")
    if "site_sentences" not in doc.memo:
        doc.memo["site_sentences"] = _site_sentences(doc)
    counts: Counter[str] = doc.memo["site_sentences"]
    f.add(f"repeats:{bucket(counts[site.id], (1, 2))}")
    if site.id in doc.memo["head_sites"]:
        f.add("in_head")
    if site.precision not in SPECIFIC and _holds_specific(doc, site):
        f.add("holds_specific")
    n_places = len(m.sentence.having("place"))
    f.add(f"n_places:{bucket(n_places, (0, 1, 2))}")


def _side(site: Site) -> Features:
    """Whose place it is in the theatre: where the strikers' forces are, or an armed group's."""
    known = theatre()
    return {"site:stationed"} if site.id in known.stationed else {"site:held"} if site.id in known.held else set()


def _holds_specific(doc: Doc, site: Site) -> bool:
    """Whether the report names a precise place that ``site`` holds."""
    memo = doc.memo.setdefault("holds", {})
    if site.id not in memo:
        memo[site.id] = any(other.precision in SPECIFIC and contains(site, other)
                            for other in doc.memo["specific_sites"])
    return bool(memo[site.id])


def _site_sentences(doc: Doc) -> Counter[str]:
    """How many sentences name each site; also notes the head's sites and the report's precise places."""
    counts: Counter[str] = Counter()
    head: set[str] = set()
    specific = {}
    for s in doc.sentences:
        sites = sentence_sites(doc, s)
        ids = {site.id for site, _, _ in sites}
        counts.update(ids)
        if s.index == 0:
            head |= ids
        for site, m, _ in sites:
            if site.precision in SPECIFIC and not dateline(doc, m):
                specific[site.id] = site
    doc.memo["head_sites"] = head
    doc.memo["specific_sites"] = list(specific.values())
    return counts


def _in_cause(m: Mention) -> bool:
    """The place is told in the cause of a retaliation told after the trigger ('strikes on Syria in
    response to the drone attack in Jordan'): it is where the cause happened, not where the trigger did."""
    trigger, place = m.facts.trigger, m.place
    if trigger is None or place is None:
        return False
    cause = cause_start(m.sentence, trigger.end)
    return cause is not None and place.match.start >= cause


def _cause_of(s: Sentence, trigger: Match) -> int | None:
    """'strikes in Iraq in retaliation for the drone attack in Jordan': where the cause the trigger names
    begins (the end of a retaliation cue before it that follows another trigger), else None."""
    return max((c.end for c in s.having("cue", "retaliation")
                if c.end <= trigger.start and any(t.end <= c.start for t in s.having("trigger"))), default=None)


def _quoted(doc: Doc, m: Mention) -> bool:
    """The place stands inside quotation marks that open within its sentence."""
    assert m.place is not None
    quotes: list[int] | None = m.sentence.memo.get("quotes")  # type: ignore[assignment]
    if quotes is None:
        start, end = doc.nt.orig_span(m.sentence.start, m.sentence.end)
        text = doc.report.text
        quotes = m.sentence.memo["quotes"] = [q.start() for q in _QUOTE_MARKS.finditer(text, start, end)]
    at, _ = doc.nt.orig_span(m.place.match.start, m.place.match.end)
    return bisect.bisect_left(quotes, at) % 2 == 1


def _trigger_features(doc: Doc, m: Mention, f: Features) -> None:
    """The readings of the mention's trigger and sentence (shared by the places the trigger governs)."""
    found: Features | None = m.facts.memo.get("features")
    if found is None:
        found = m.facts.memo["features"] = set()
        _read_trigger(doc, m, found)
    f |= found


def _group_says(doc: Doc, s: Sentence, trigger: Match) -> bool:
    """An armed group names itself the speaker of the trigger's sentence: group, then 'said', then the
    trigger."""
    cues = [c for c in s.having("cue", "confirm") if c.end <= trigger.start]
    for a, actor in sentence_actors(doc, s):
        if actor.type in ("armed_group", "umbrella") and any(0 <= c.start - a.end <= SAYS_WINDOW for c in cues):
            return True
    return False


def _anchor_kind(trigger: Match | None) -> str:
    """What a mention's trigger is: its trigger word's kind, an interception word, or none (a weapon
    or a toll anchors the mention)."""
    if trigger is None:
        return "weapon"
    return str(trigger.value("trigger") or "intercept")


def _read_trigger(doc: Doc, m: Mention, f: Features) -> None:
    facts, s = m.facts, m.sentence
    trigger = facts.trigger
    f.add(f"anchor:{_anchor_kind(trigger)}")
    f.add(f"n_triggers:{bucket(len(s.having('trigger')), (1, 2))}")
    for flag in ("governed", "negated", "counted", "many", "series", "open_period", "about_context"):
        if getattr(facts, flag):
            f.add(flag)
    if facts.weapon != "unknown":
        f.add("weapon")
    if facts.killed or facts.injured:
        f.add("casualties")
    if facts.killed == 0 or facts.injured == 0:
        f.add("no_casualties")
    if facts.intercepted:
        f.add("intercepted")
    roles = facts.roles
    for flag in ("claimed", "denied", "state_agent", "group_agent", "victim", "typed"):
        if getattr(roles, flag):
            f.add(flag)
    if roles.agent_state is not None and roles.agent_state not in theatre().strikers:
        f.add("other_state_acts")  # an Israeli raid in Syria is another war
    if roles.event_type == "air_strike":
        f.add("rule_strike")
    if s.has("cue", "confirm"):
        f.add("said")
        if trigger is not None and _group_says(doc, s, trigger):
            f.add("group_says")  # "the group said its fighters attacked ...": a claim in other words
    if count_units(s):
        f.add("count_units")
    if s.has("tally", "since"):
        f.add("since")
    if s.has("date_previous") or s.has("date_recent"):
        f.add("previous")
    for cue in ("retaliation", "campaign", "facilities"):
        if s.has("cue", cue):
            f.add(cue)
    if trigger is not None and ("cue", "plural_trigger") in trigger.payloads:
        f.add("plural")
    n = len(doc.sentences)
    f.add("first_sentence" if s.index == 0 else f"position:{bucket(int(4 * s.index / max(n, 1)), (0, 1, 2))}")
    f.add(f"length:{bucket(s.end - s.start, (12, 30, 60))}")


def candidate_features(doc: Doc, c: Candidate, others: list[Candidate]) -> Features:
    """Is this place and day an incident the report says happened? The readings of every mention that
    supports it (any of them), how many support it, and what else the report tells at or around it."""
    f: Features = set()
    for m, option in c.support:
        f |= mention_features(doc, m)
        f |= date_features(doc, m, option)
    f.add(f"support:{bucket(len(c.support), (1, 2, 4))}")
    stated = sum(1 for _, o in c.support if o.source == "sentence")
    f.add(f"stated:{bucket(stated, (0, 1, 2))}")
    f.add(f"date:{c.date.source}")
    f.add(f"date_prec:{c.date.precision}")
    f.add(f"prefers:{c.preference}")
    age = date_age(doc, c.date)
    if age is not None:
        f.add(f"age:{age}")
    specific, coarse_ones, dated = _around(doc, others)
    if any(o is not c for o in dated.get(c.site.id, ())):
        f.add("site_dated_elsewhere")
    if c.site.precision not in SPECIFIC and any(
            contains(c.site, o.site) and _same_day(o.date, c.date) for o in specific):
        f.add("holds_specific_same_day")
    if c.site.precision in SPECIFIC and any(contains(o.site, c.site) and _same_day(o.date, c.date)
                                            for o in coarse_ones):
        f.add("held_same_day")
    if coarse(c.site):
        # a state's strikes on unnamed sites are coded per country; attacks on a country's bases are a summary,
        # but an attack on 'a base in Jordan' is one incident
        f.update(["coarse&" + name for name in _COARSE_READINGS & f])
        if not stated:
            f.add("coarse&unstated")
        if "holds_specific_same_day" in f:
            f.add("coarse&holds")
    if c.date.source == "default" and "site_dated_elsewhere" in f:
        f.add("default&dated_elsewhere")
    if c.unplaced:  # a sentence naming no place that counts attacks
        f.update(["unplaced&" + name for name in _UNPLACED_READINGS & f])
    if retold_incident(c) is not None:
        f.add("known")
        if coarse(c.site):
            f.add("known&coarse")
    return f


def retold_incident(c: Candidate) -> KnownIncident | None:
    """The incident its theatre's reports often retell that the candidate's place and date agree with: in
    its country, at one of its sites where both name a precise one, its day inside the candidate's day
    (give or take one), week or month, as the scorer would match a gold event at the candidate's precision."""
    return next(iter(incidents_at(c.site, c.date)), None)


def incidents_at(site: Site, date: DateOption) -> tuple[KnownIncident, ...]:
    """The theatre's known incidents a place and date agree with (see ``retold_incident``)."""
    return _incidents_at(site.country, site.id if site.precision in SPECIFIC else None, date.value, date.precision)


@lru_cache(maxsize=8192)  # places and days recur across reports: parsing the day per candidate cost 5%
def _incidents_at(country: str | None, precise_id: str | None, value: str | None,
                  precision: str | None) -> tuple[KnownIncident, ...]:
    dated = {"date": value, "date_precision": precision}
    rule = date_rule(dated)
    if rule == "none":
        return ()
    span = when(dated)
    return tuple(i for i in _incidents_in(country)
                 if (precise_id is None or not i.sites or precise_id in i.sites)
                 and within_date_rule(rule, span, (i.day.isoformat()[:7], i.day)))


@cache
def _incidents_in(country: str | None) -> tuple[KnownIncident, ...]:
    return tuple(i for i in theatre().incidents if i.country == country)


def _around(doc: Doc, candidates: list[Candidate]) -> tuple[list[Candidate], list[Candidate],
                                                             dict[str, list[Candidate]]]:
    """The report's candidates at a precise place, at a coarse one, and those dated by their sentence,
    by site: sorted once per report."""
    key = f"around:{id(candidates)}"
    found = doc.memo.get(key)
    if found is None or found[0] is not candidates:
        dated: dict[str, list[Candidate]] = {}
        for o in candidates:
            if o.date.source == "sentence":
                dated.setdefault(o.site.id, []).append(o)
        found = doc.memo[key] = (candidates, [o for o in candidates if o.site.precision in SPECIFIC],
                                 [o for o in candidates if o.site.precision not in SPECIFIC], dated)
    return found[1], found[2], found[3]


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
    """Is this the day the mention happened on, and how does the text give it? (Names start with 'd_'
    where a mention's reading has the same one.)"""
    memo = m.memo.setdefault("dates", {})
    found: Features | None = memo.get(id(option))
    if found is None:
        found = memo[id(option)] = _date_features(doc, m, option)
    return found


def _date_features(doc: Doc, m: Mention, option: DateOption) -> Features:
    f: Features = {f"d_src:{option.source}", f"d_prec:{option.precision}"}
    for flag in ("after_since", "statement", "opening", "nearest", "enumerated"):
        if getattr(option, flag):
            f.add(flag)
    if option.mention is not None:
        f.add("relative" if option.mention.relative else "absolute")
        if option.source == "sentence":
            f.add(f"distance:{bucket(option.distance, (3, 10, 25))}")
            if m.place is not None:
                f.add("before_place" if option.mention.start < m.place.match.start else "after_place")
    age = date_age(doc, option)
    if age is not None:
        f.add(f"d_age:{age}")
    n_sentence = sum(1 for o in m.dates if o.source == "sentence")
    f.add(f"n_dates:{bucket(n_sentence, (0, 1, 2))}")
    return f


_PLACE_READINGS = ("prec:", "facility", "site:", "in_cause")  # type readings of the place itself


def type_features(doc: Doc, m: Mention) -> Features:
    """Air strike (a state's aircraft or drones) or attack (anyone else's)? Who stands where around the
    trigger says it: the state before a strike word or right after it as a modifier acts; a group
    after the trigger, or forces after 'against', were hit."""
    found: Features | None = m.memo.get("type")
    if found is not None:
        return found
    facts, roles, s = m.facts, m.facts.roles, m.sentence
    trigger = facts.trigger
    f: Features = {f"anchor:{_anchor_kind(trigger)}",
                   f"weapon:{facts.weapon}"}
    for kind in ("air_strike", "strike", "attack"):
        if s.has("trigger", kind):
            f.add(f"sentence:{kind}")
    if s.has("cue", "retaliation"):
        f.add("retaliation")
    if trigger is not None and ("cue", "plural_trigger") in trigger.payloads:
        f.add("plural")
    for flag in ("claimed", "denied", "state_agent", "group_agent", "victim", "typed"):
        if getattr(roles, flag):
            f.add(flag)
    if roles.event_type == "air_strike":
        f.add("rule_strike")
    site = m.site
    if site is not None:
        f.add(f"prec:{site.precision}")
        if site.type in _FACILITY_TYPES:
            f.add("facility")
        f |= _side(site)
    if facts.intercepted:
        f.add("intercepted")
    if facts.killed:
        f.add("killed")
    if facts.injured:
        f.add("injured")
    if _in_cause(m):
        f.add("in_cause")
    if trigger is not None:
        cause = _cause_of(m.sentence, trigger)
        if cause is not None:
            f.add("trigger_in_cause")
        _actor_positions(doc, m, trigger, cause, f)
    if "in_cause" in f and "trigger_in_cause" not in f:
        # 'strikes in Iraq in retaliation for the attack in Jordan': Jordan is where the cause happened,
        # and what the trigger and its sentence say tells the retaliation: weighed apart
        f = {name if name.startswith(_PLACE_READINGS) else f"cause:{name}" for name in f}
    m.memo["type"] = f
    return f


def report_type_features(doc: Doc) -> Features:
    """What the report as a whole is about: air strikes ('air strike' words, a striking state right
    before a strike word), claimed attacks (a claim word)."""
    found: Features | None = doc.memo.get("report_type")
    if found is None:
        found = doc.memo["report_type"] = set()
        strikers = theatre().strikers
        for s in doc.sentences:
            if s.has("trigger", "air_strike"):
                found.add("report:air_strike_word")
            if s.has("cue", "claim"):
                found.add("report:claim")
        for k, a, _, root in actor_mentions(doc):
            if root.id in strikers and "report:striker_acts" not in found and any(
                    0 <= t.start - a.end <= 2 or 0 <= a.start - t.end <= 1 for t in doc.sentences[k].having("trigger")):
                found.add("report:striker_acts")
    return found


def _actor_positions(doc: Doc, m: Mention, trigger: Match, cause: int | None, f: Features) -> None:
    """The nearest state, armed group and official source (a president, a ministry: "on the orders of
    the US president") on each side of the trigger, by distance."""
    s = m.sentence
    against = [c.end for c in s.having("cue", "against")]
    forces = {c.start for c in s.having("cue", "forces")} | {c.end for c in s.having("cue", "forces")}
    nearest: dict[str, tuple[int, Match]] = {}
    for a, actor in sentence_actors(doc, s):
        if cause is not None and a.end <= cause:  # the main clause's actors did not act in its cause
            continue
        kind = "state" if actor.type in ("state", "state_force") else \
            "group" if actor.type in ("armed_group", "umbrella", "generic") else \
            "official" if actor.type == "official_source" else None
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
        f.add(f"{name}:{bucket(gap, (0, 2, 6, 12))}")
        if any(0 <= a.start - e <= 2 for e in against):
            f.add(f"{name}:against")
        if a.start in forces or a.end in forces or (a.start - 1) in forces:
            f.add(f"{name}:forces")
        if any(0 <= a.start - b.end <= 1 for b in s.having("cue", "by")):  # "attacked by militias", "frappé par"
            f.add(f"{name}:by")
        lo, hi = (a, trigger) if a.start < trigger.start else (trigger, a)
        if doc.punctuated(lo, hi):
            f.add(f"{name}:punctuated")
