"""The candidates stage: every place a sentence that tells violence names, with every date it allows.

High recall on purpose: nothing is dropped here for being a summary, a threat, another war or a
dateline. A ``Mention`` is one place (or, where the sentence names none, the place its context
gives) that a violence trigger of the sentence may have happened at, with the trigger's facts
(weapon, who acted, casualties) and the date options the text allows. The decision stage weighs
the readings each carries; ``features`` turns them into numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..dates import DateMention
from ..gazetteer import Site
from ..lexicon import Match
from .document import NONE_CUES, Doc, Number, Sentence
from .places import SPECIFIC, Place, dateline, outside, sentence_places, sentence_sites
from .roles import Roles, read_roles

BLOCKING_CUES = ("threat", "future", "hypothetical")
BLOCK_WINDOW = 6  # tokens before a trigger in which a threat/future/hypothetical cue governs it
NEGATION_WINDOW = 2
CASUALTY_WINDOW = 4  # "killing three", "tuant trois soldats": a count right after the casualty word
JOINED_GAP = 6  # "four US soldiers and two Iraqi guards": counts joined by 'and' this close add up
OTHER_CUE_GAP = 2  # a number this close after another casualty word is that word's count
CASUALTY_BEFORE = 8  # "seven SDF special forces commandos were killed": the subject's count before it
SUBJECT_HEAD = 2  # "three US soldiers", "sete membros das forças": a count this close before a forces word
STRIKE_KINDS = ("strike", "air_strike")
AFTER_PENALTY = 10  # tokens: a trigger after a place governs it only when clearly nearer than one before
WEAPON_WINDOW = 15
STRIKE_WEAPON_WINDOW = 3  # "drone strike", "frappe de drone": a strike's own weapon stands next to it
LAUNCH_WINDOW = 15  # "launched a drone", "engaged a drone ... and shot it down"
COUNT_WINDOW = 3
COUNTED_TRIGGER_WINDOW = 6  # "attacked at least 14 times", "diserang ... setidaknya 27 kali"
MIN_COUNT = 3
PERIOD_WINDOW = 8
MANY_AFTER = 2
MANY_BEFORE = 1  # "dozens of attacks"; not "dozens wounded in an attack"
CONTEXT_WINDOW = 3  # "its bombardment of Gaza": a trigger this close before another war's place
STATEMENT_WINDOW = 1  # "said Monday", "a déclaré mardi": the day of the statement, not of the event
CONTEXT_SENTENCES = 3  # an undated mention may take the last day named this many sentences back, in its paragraph
NEGATION_GAP = 4  # "did not result in injuries", "no US personnel were injured"
NEGATION_AFTER_GAP = 5  # "Verletzt wurde bei den Attacken niemand", "пострадавших нет"
ANAPHORA_SENTENCES = 3  # "the base" refers to a facility named this many sentences back


# Not frozen, though nothing changes one once made: one is made for every date a mention may take, and a
# frozen dataclass's __init__ (object.__setattr__ per field) is about three times slower (as lexicon.Match).
@dataclass(slots=True, unsafe_hash=True)
class DateOption:
    """One day (or week, month) a mention may have happened on, and where the text gives it."""

    value: str | None
    precision: str | None
    source: str  # "sentence" (a date of the sentence), "context" (a day named just before), "default"
    mention: DateMention | None = None
    after_since: bool = False  # "since 17 October": opens a period
    statement: bool = False  # "said on Monday": the day of the statement
    opening: bool = False  # stands before the sentence's first trigger ("On Thursday, ... attacked")
    nearest: bool = False  # the sentence's date nearest the place
    distance: int = 0  # tokens between the date and the place (or trigger)
    enumerated: bool = False  # joined by 'and' to another date ("on the 9th and 11th")


@dataclass(slots=True)
class Facts:
    """What a sentence says of one trigger: how, by whom, with what toll, and how it is worded."""

    trigger: Match | None  # None: a sentence with a weapon or a toll but no trigger word
    weapon: str = "unknown"
    roles: Roles = field(default_factory=Roles)
    killed: int | None = None
    injured: int | None = None
    intercepted: bool | None = None
    evidence: dict[str, tuple[int, int]] = field(default_factory=dict)
    governed: bool = False  # a threat, vow, plan or hypothesis governs it
    negated: bool = False
    counted: bool = False  # "66 attacks", "attacked four times": counted rather than told
    many: bool = False  # "dozens of attacks"
    series: bool = False  # "a series of attacks"
    open_period: bool = False  # "since 17 October": the sentence sums up a period
    about_context: bool = False  # "its bombardment of Gaza": another war
    memo: dict[str, Any] = field(default_factory=dict)  # readings the features make of it, once


@dataclass(slots=True)
class Mention:
    """A place a sentence may tell an incident at: the candidate the decisions accept or reject."""

    sentence: Sentence
    facts: Facts
    place: Place | None  # None: the sentence names no place; ``site`` comes from its context
    site: Site | None
    site_source: str  # "text", "previous" (a facility named just before), "country" (the report's one country)
    dates: list[DateOption]
    span: tuple[int, int]  # evidence tokens
    keywords: bool = False  # a crawl header's keywords ("date 2024-01-29 Drohnenangriff Tower 22")
    memo: dict[str, Any] = field(default_factory=dict)  # features the decisions read, computed once


def mentions(doc: Doc) -> list[Mention]:
    """Every candidate of the report, in text order."""
    out: list[Mention] = []
    for s in doc.sentences:
        anchors = triggers(s) or s.having("weapon") or _toll_cues(s)
        if not anchors:
            continue
        places = sentence_places(doc, s)
        by_anchor: dict[int, Facts] = {}
        for place in places:
            anchor = _governing(doc, anchors, place.match)
            if anchor.start not in by_anchor:
                by_anchor[anchor.start] = read_facts(doc, s, anchor, anchors)
            facts = by_anchor[anchor.start]
            if not facts.governed:  # FORMAT.md: a threat, a vow or a plan is no event
                out.append(_mention(doc, s, facts, place, place.site, "text", anchor, place.match))
        if not places and s.having("trigger"):
            anchor = anchors[0]
            facts = read_facts(doc, s, anchor, anchors)
            site, source = _context_site(doc, s, out)
            if site is not None and not facts.governed:
                out.append(_mention(doc, s, facts, None, site, source, anchor, anchor))
    return out


def _mention(doc: Doc, s: Sentence, facts: Facts, place: Place | None, site: Site, source: str, anchor: Match,
             where: Match) -> Mention:
    return Mention(s, facts, place, site, source, date_options(doc, s, where, anchor),
                   (min(anchor.start, where.start), max(anchor.end, where.end)),
                   keywords=doc.crawl_header and s.index == 0)


def triggers(s: Sentence) -> list[Match]:
    """Words telling that violence happened; 'launched'/'shot down' count only beside a weapon."""
    weapons = s.having("weapon")
    near_weapon = [m for m in s.having("trigger", "launch") + s.having("cue", "intercept")
                   if any(abs(w.start - m.start) <= LAUNCH_WINDOW for w in weapons)]
    found = [m for m in s.having("trigger") if m.value("trigger") != "launch"]
    # the trigger words are in text order already: sorted only where launch or intercept words join them
    return sorted(found + near_weapon, key=lambda m: m.start) if near_weapon else found


def _toll_cues(s: Sentence) -> list[Match]:
    """'Fifteen soldiers were injured at al-Tanf': a sentence that names neither a trigger nor a
    weapon may still tell an incident by its toll at a place."""
    cues = s.having("cue", "killed") + s.having("cue", "injured")
    return sorted(cues, key=lambda m: m.start) if cues else cues


def _governing(doc: Doc, anchors: list[Match], place: Match) -> Match:
    """The trigger a place belongs to: the nearest, one before it ('attacks on X') counting a little
    nearer than one after it ('X came under attack', 'in Jordan in a drone attack'), and one a comma
    or a stronger stop parts from it as far ('Al-Tanf was hit on Monday, while Ain al-Asad was struck
    on Tuesday': Ain al-Asad's is the second)."""
    if len(anchors) == 1:  # most sentences
        return anchors[0]

    def distance(t: Match) -> int:
        gap = place.start - t.end if t.end <= place.start else t.start - place.end + AFTER_PENALTY
        parted = doc.punctuated(t, place) if t.end <= place.start else doc.punctuated(place, t)
        return gap + AFTER_PENALTY if parted else gap
    found = min(anchors, key=lambda t: (distance(t), t.start))
    if found.value("trigger") != "attack":
        return found
    # 'the strikes hit ...', 'les frappes ont visé ...': a strike word heading the verb says what the verb did
    return next((t for t in anchors if t.value("trigger") in STRIKE_KINDS and 0 <= found.start - t.end <= 1
                 and not doc.punctuated(t, found)), found)


# --- where a placeless mention is ---------------------------------------------------------------

def _context_site(doc: Doc, s: Sentence, earlier: list[Mention]) -> tuple[Site | None, str]:
    """'the base in question was targeted': the facility named just before; 'in the north-east of
    the country': that region of the country named just before; else the report's one country."""
    compass = next((d for d in s.having("direction") if d.value("direction") != "near"), None)
    for m in reversed(earlier):
        if s.index - m.sentence.index > ANAPHORA_SENTENCES:
            break
        if m.site is None:
            continue
        if compass is not None and m.site.country:
            region = doc.gazetteer.region_of(m.site.country, compass.value("direction"))
            if region is not None:
                return region, "compass"
        if m.site.precision == "site" and m.place is not None:
            return m.site, "previous"
    countries = _report_countries(doc)
    if len(countries) == 1:
        return doc.gazetteer.country_site(countries[0]), "country"
    return None, "none"


def _report_countries(doc: Doc) -> list[str]:
    key = "countries"
    found = doc.memo.get(key)
    if found is None:
        seen: dict[str, None] = {}
        for s in doc.sentences:
            for site, m, _ in sentence_sites(doc, s):
                if site.country and not outside(site) and not dateline(doc, m):
                    seen.setdefault(site.country, None)
        found = doc.memo[key] = list(seen)
    return found


# --- dates --------------------------------------------------------------------------------------

def date_options(doc: Doc, s: Sentence, where: Match, anchor: Match) -> list[DateOption]:
    """Every date of the sentence, and the one its context gives (the last day named in the three
    sentences before, within its paragraph, else the publication date at week precision)."""
    cause = cause_start(s, anchor.end)  # a date in the cause of a retaliation is the cause's day
    dated = [d for d in s.dates if d.value is not None and (cause is None or d.start < cause)]
    if not dated:  # about half the mentions: only the context gives a day
        return [_context_date(doc, s)]
    first_trigger = min((t.start for t in s.having("trigger")), default=anchor.start)
    nearest = min(_on_its_side(doc, s, dated, where), key=lambda d: abs(d.start - where.start), default=None)
    joins = [m.start for m in s.having("tally", "and")]
    joins += [d.start for d in dated if doc.glued_and(d.start)]  # 'الأربعاء والخميس': the 'and' opens the second date
    out = [DateOption(d.value, d.precision, "sentence", d, after_since=_after_since(s, d),
                      statement=_statement_date(s, d), opening=d.start < first_trigger, nearest=d is nearest,
                      distance=abs(d.start - where.start),
                      enumerated=any(o is not d and abs(o.start - d.start) <= 6 and any(
                          min(o.end, d.end) <= j <= max(o.start, d.start) for j in joins) for o in dated))
           for d in dated]
    out.append(_context_date(doc, s))
    return out


def _on_its_side(doc: Doc, s: Sentence, dated: list[DateMention], where: Match) -> list[DateMention]:
    """The dates that may be a precise place's own where a sentence pairs precise places with days
    ('Harir on Monday and Ain al-Asad on Tuesday', 'on Monday Harir, on Tuesday Erbil'): the days on the
    side the sentence puts them, before their places where it names a day first, else after them. Days
    that open a period or date a statement pair with no place."""
    days = [d for d in dated if d.precision == "day" and not _after_since(s, d) and not _statement_date(s, d)]
    if len(days) < 2:
        return dated
    places = [m for site, m, _ in sentence_sites(doc, s) if site.precision in SPECIFIC]
    if len(places) < 2 or not any(m is where for m in places):
        return dated
    if days[0].start < places[0].start:
        mine = [d for d in days if d.end <= where.start]
    else:
        mine = [d for d in days if d.start >= where.end]
    return mine or dated


def _context_date(doc: Doc, s: Sentence) -> DateOption:
    found: DateOption | None = s.memo.get("context_date")  # type: ignore[assignment]
    if found is None:
        found = s.memo["context_date"] = _read_context_date(doc, s)
    return found


def _read_context_date(doc: Doc, s: Sentence) -> DateOption:
    later = s
    for previous in reversed(doc.sentences[max(0, s.index - CONTEXT_SENTENCES):s.index]):
        # a day named in another paragraph (a photo caption's, the last story's) is not this one's
        if doc.paragraph_between(previous, later):
            break
        later = previous
        mention = next((d for d in reversed(previous.dates) if d.precision == "day" and d.value
                        and not _after_since(previous, d)), None)
        if mention is not None:
            return DateOption(mention.value, mention.precision, "context", mention)
    value, precision = doc.context.default()
    return DateOption(value, precision, "default")


def _after_since(s: Sentence, d: DateMention) -> bool:
    """'since 17 October': a date that opens a period, not the day of an event."""
    return any(0 <= d.start - m.end <= 2 for m in s.having("tally", "since") + s.having("tally", "between"))


def cause_start(s: Sentence, after: int) -> int | None:
    """Where the cause of a retaliation told after the trigger begins ('strikes on Friday in retaliation
    for the attack of last Sunday'): the end of the first retaliation cue after token ``after``."""
    cues = s.having("cue", "retaliation")
    if not cues:  # most sentences: asked for every trigger, place and date
        return None
    return min((c.end for c in cues if c.start >= after), default=None)


def _statement_date(s: Sentence, d: DateMention) -> bool:
    return any(0 <= d.start - m.end <= STATEMENT_WINDOW for m in s.having("cue", "confirm"))


# --- facts of a trigger -------------------------------------------------------------------------

def read_facts(doc: Doc, s: Sentence, anchor: Match, anchors: list[Match]) -> Facts:
    trigger = anchor if anchor.value("trigger") is not None or anchor.value("cue") == "intercept" else None
    facts = Facts(trigger)
    weapon_span = _set_weapon(s, facts, anchor)
    facts.roles = read_roles(doc, s, anchor, anchors, (facts.weapon, weapon_span))
    facts.evidence.update(facts.roles.evidence)
    if facts.weapon == "unknown" and anchor.value("trigger") == "air_strike":  # "air strike": aircraft;
        facts.weapon = "aircraft"  # "US strikes" says no weapon
    _set_casualties(doc, s, facts)
    if s.has("cue", "intercept"):
        facts.intercepted = True
        first = s.having("cue", "intercept")[0]
        facts.evidence["intercepted"] = (first.start, first.end)
    facts.governed, facts.negated = _governed(s, anchor)
    facts.many = any(0 <= anchor.start - m.end <= MANY_BEFORE or 0 <= m.start - anchor.end <= MANY_AFTER
                     for m in s.having("tally", "many"))
    facts.series = any(0 <= anchor.start - m.end <= COUNT_WINDOW for m in s.having("tally", "series"))
    facts.open_period = _open_period(s)
    facts.counted = any(u.start == anchor.start or 0 <= u.start - anchor.end <= COUNTED_TRIGGER_WINDOW
                        for u in count_units(s))
    facts.about_context = _about_context(doc, s, anchor)
    return facts


def _set_weapon(s: Sentence, facts: Facts, anchor: Match) -> tuple[int, int] | None:
    window = STRIKE_WEAPON_WINDOW if anchor.value("trigger") in ("strike", "air_strike") else WEAPON_WINDOW
    near = [w for w in s.having("weapon") if abs(w.start - anchor.start) <= window]
    weapon = min(near, key=lambda w: abs(w.start - anchor.start), default=None)
    if weapon is None:
        return None
    facts.weapon = weapon.value("weapon")
    facts.evidence["weapon"] = (weapon.start, weapon.end)
    return weapon.start, weapon.end


def _set_casualties(doc: Doc, s: Sentence, facts: Facts) -> None:
    cause = cause_start(s, facts.trigger.end) if facts.trigger is not None else None
    for name, span, value in casualties(doc, s):
        if cause is not None and span[0] >= cause:
            continue  # 'strikes in retaliation for the attack that killed three': the cause's toll
        if getattr(facts, name) is None:
            setattr(facts, name, value)
            facts.evidence[name] = span


def casualties(doc: Doc, s: Sentence) -> list[tuple[str, tuple[int, int], int]]:
    """(killed | injured, evidence tokens, number) the sentence gives: the number of each casualty word
    ('three soldiers were killed', 'killing 3', 'seven were killed and 18 wounded'); 'no casualties'
    gives 0 to each field the sentence leaves without a number, 'no one was injured' to the injured only and
    'nobody was killed' to the killed only."""
    key = "casualties"
    if key in s.memo:
        return s.memo[key]  # type: ignore[return-value]
    cues = s.having("cue", "killed") + s.having("cue", "injured")
    usable = _countable(s)
    before = {id(cue): _counts_before(doc, cue, usable, [c for c in cues if c is not cue]) for cue in cues}
    # 'a drone attack killed three soldiers': the 'one' before the word is an article where the word's
    # object count follows it
    objects = {id(cue): _count_right_after(s, cue, usable, [c for c in cues if c is not cue]) for cue in cues}
    article = {id(cue) for cue in cues if before[id(cue)] and objects[id(cue)] is not None
               and max(before[id(cue)], key=lambda n: n.start).value == 1}
    found: list[tuple[str, tuple[int, int], int]] = []
    for name in ("killed", "injured"):
        for cue in s.having("cue", name):
            others = [c for c in cues if c is not cue]
            # 'killing three and injuring': a number right after a casualty word with no count before it
            # is that word's count; not 'seven were killed and 18 others wounded'
            counted = [o for o in others if not before[id(o)] or id(o) in article]
            free = [n for n in usable if not any(_counts_after(o, n, cues) for o in counted)]
            if id(cue) in article:
                number: Number | None = objects[id(cue)]
            else:
                number = _casualty_number(s, cue, others, free, [n for n in before[id(cue)] if n in free])
            if number is not None:
                head, total = _joined_counts(s, number, cue, free, others)
                found.append((name, (min(head.start, cue.start), max(number.end, cue.end)), total))
                break
    for cue_class, fields in NONE_CUES:  # 'no casualties' both, 'no one was injured' the injured only
        if s.has("cue", cue_class):
            first = s.having("cue", cue_class)[0]
            given = {name for name, _, _ in found}
            found += [(name, (first.start, first.end), 0) for name in fields if name not in given]
    found += _negated_casualties(s, {name for name, _, _ in found})
    s.memo[key] = found
    return found


def _counts_after(cue: Match, n: Number, cues: list[Match]) -> bool:
    """Whether ``n`` is close enough after ``cue`` to be its count, no other casualty word between them
    ('killed 2 and injured 3': the 3 is the second word's, however short the 'and' is: Arabic 'و' is glued
    to the word after it)."""
    return 0 <= n.start - cue.end <= OTHER_CUE_GAP and not any(cue.end <= c.start < n.start for c in cues)


def _negated_casualties(s: Sentence, given: set[str]) -> list[tuple[str, tuple[int, int], int]]:
    """A casualty word without a count shortly after a negation is a zero, in any language whose pack
    gives both words: 'no soldiers were injured', 'لم يسفر الهجوم عن وقوع إصابات' ('the attack did not
    result in injuries'); so is one a negation shortly follows, where word order puts it last
    ('verletzt wurde bei den Attacken niemand', 'пострадавших нет'). Not where the sentence speaks of
    what could be."""
    if s.has("cue", "hypothetical"):
        return []
    negations = s.having("cue", "negation")
    out = []
    for name in ("killed", "injured"):
        if name in given:
            continue
        for cue in s.having("cue", name):
            span = _negation_span(cue, negations)
            if span is not None:
                out.append((name, span, 0))
                break
    return out


def _negation_span(cue: Match, negations: list[Match]) -> tuple[int, int] | None:
    """The words of a negation shortly before the casualty word, else shortly after it, with the word."""
    before = next((n for n in reversed(negations) if 0 <= cue.start - n.end <= NEGATION_GAP), None)
    if before is not None:
        return before.start, cue.end
    after = next((n for n in negations if 0 <= n.start - cue.end <= NEGATION_AFTER_GAP), None)
    return (cue.start, after.end) if after is not None else None


def _countable(s: Sentence) -> list[Number]:
    """The numbers of a sentence that may count people: not a weapon's name, a count of attacks, part of
    a date or of a name."""
    weapons = [w.start for w in s.having("weapon")]
    names = [(m.start, m.end) for m in s.having("place") + s.having("actor")]
    units = s.having("tally", "units")
    return [n for n in s.numbers if not n.ordinal and not any(d.start <= n.start < d.end for d in s.dates)
            and n.end not in weapons and not any(0 <= u.start - n.end <= 1 for u in units)
            and not any(a <= n.start < b for a, b in names)]


def _casualty_number(s: Sentence, cue: Match, others: list[Match], usable: list[Number],
                     before: list[Number]) -> Number | None:
    """The number a casualty word counts: the nearest of the counts ``before`` it ('seven commandos were
    killed'); else the count of forces heading its subject; else the nearest after it ('..., killing
    three'). After the word, 'one'/'un' is more often an article ('..., said an official') than a count,
    so it needs 2 or more."""
    if before:
        return max(before, key=lambda n: n.start)
    itself = next((n for n in usable if n.start == cue.start and n.end == cue.end), None)
    if itself is not None:  # a casualty word that counts by itself: an Arabic dual ('قتيلين', two dead)
        return itself
    subject = _counted_forces(s, cue, usable, others)
    if subject is not None:
        return subject
    after = [n for n in usable if 0 <= n.start - cue.end <= CASUALTY_WINDOW and n.value >= 2
             and not any(cue.end <= o.start < n.start for o in others)]
    return min(after, key=lambda n: n.start, default=None)


def _joined_counts(s: Sentence, number: Number, cue: Match, usable: list[Number],
                   others: list[Match]) -> tuple[Number, int]:
    """'four US soldiers and two Iraqi guards were wounded': the subject's counts joined by 'and', summed
    (the first of them, and the total)."""
    if number.end > cue.start:  # a count after the word ('killing three') is its object, alone
        return number, number.value
    joins = [j.start for j in s.having("tally", "and")]
    first, total = number, number.value
    while True:
        previous = next((m for m in reversed(usable) if m.end <= first.start and first.start - m.end <= JOINED_GAP
                         and any(m.end <= j < first.start for j in joins)
                         and not any(m.end <= o.start < cue.start for o in others)), None)
        if previous is None:
            return first, total
        first, total = previous, total + previous.value


def _count_right_after(s: Sentence, cue: Match, usable: list[Number], others: list[Match]) -> Number | None:
    """The verb's object count: 'killed three', 'killed at least three' (not 'killed and two wounded')."""
    joins = [j.start for j in s.having("tally", "and")]
    return next((n for n in usable if 0 <= n.start - cue.end <= OTHER_CUE_GAP and n.value >= 2
                 and not any(cue.end <= j < n.start for j in joins)
                 and not any(cue.end <= o.start < n.start for o in others)), None)


def _counts_before(doc: Doc, cue: Match, usable: list[Number], others: list[Match]) -> list[Number]:
    """The counts shortly before a casualty word, with no other casualty word or punctuation between."""
    return [n for n in usable if 0 <= cue.start - n.end <= CASUALTY_BEFORE
            and not any(n.end <= o.start < cue.start for o in others)
            and not (cue.start > n.end and doc.punctuated(n, cue))]  # type: ignore[arg-type]


def _counted_forces(s: Sentence, cue: Match, usable: list[Number], others: list[Match]) -> Number | None:
    """The count of forces heading the sentence's subject, however far before the casualty word a
    verb-final or long subject puts it ('Drei Soldaten sind am Sonntag bei ... getötet worden',
    'cinq membres des FDS (...) présentes sur la base ... ont été tués'): the last count before the
    word that a forces word follows closely, with no other count ('einem' is an article more often than
    one) or casualty word between."""
    people = [m.start for m in s.having("cue", "forces")]
    heads = [n for n in usable if n.end <= cue.start and any(0 <= f - n.end <= SUBJECT_HEAD for f in people)]
    if not heads:
        return None
    head = max(heads, key=lambda n: n.start)
    if any(head.end <= n.start < cue.start and n.value > 1 for n in usable) \
            or any(head.end <= o.start < cue.start for o in others):
        return None
    return head


def _governed(s: Sentence, trigger: Match) -> tuple[bool, bool]:
    """(a threat, vow, plan or hypothesis shortly before the trigger, a negation right before it)."""
    governed = negated = False
    for m in s.having("cue"):  # in text order, as the sentence's matches
        if m.end > trigger.start:
            break
        distance, cue = trigger.start - m.end, m.value("cue")
        if distance <= BLOCK_WINDOW and cue in BLOCKING_CUES:
            governed = True
        if distance <= NEGATION_WINDOW and cue == "negation":
            negated = True
    return governed, negated


def count_units(s: Sentence) -> list[Match]:
    """Count words right after a number of three or more ('66 times', '27 kali')."""
    units = s.having("tally", "units")
    if not units:  # most sentences; asked for every trigger
        return []
    counts = [n for n in s.numbers if not n.ordinal and n.value >= MIN_COUNT]
    return [u for u in units if any(0 <= u.start - n.end <= COUNT_WINDOW for n in counts)]


def _open_period(s: Sentence) -> bool:
    """'since 17 October': the sentence speaks of a period that began on a calendar date."""
    return any(not d.relative and (0 <= d.start - m.end <= PERIOD_WINDOW or 0 <= m.start - d.end <= 2)
               for m in s.having("tally", "since") for d in s.dates)


def _about_context(doc: Doc, s: Sentence, trigger: Match) -> bool:
    """'its bombardment of Gaza', 'the war on Israel': the trigger tells of another war."""
    return any(p.outside and 0 <= p.match.start - trigger.end <= CONTEXT_WINDOW for p in sentence_places(doc, s))


def specific(site: Site | None) -> bool:
    return site is not None and site.precision in SPECIFIC


# --- candidate events ---------------------------------------------------------------------------

SOURCE_RANK = {"sentence": 0, "context": 1, "default": 2}


@dataclass(slots=True)
class Candidate:
    """A possible event: one place on one day, with every mention (and date option) that supports it."""

    site: Site
    date: DateOption  # the supporting option the text states most directly
    support: list[tuple[Mention, DateOption]]

    @property
    def first(self) -> Mention:
        """The mention that tells it first, a crawl header's keywords only where nothing else does."""
        body = [m for m, _ in self.support if not m.keywords]
        return (body or [m for m, _ in self.support])[0]

    @property
    def preference(self) -> str:
        """How many of the mentions supporting it point to its day ('all', 'some' or 'none'): a day
        that none points to is the fallback or a farther date of mentions that each name another."""
        points = [prefers(m, option) for m, option in self.support]
        return "all" if all(points) else "some" if any(points) else "none"

    @property
    def unplaced(self) -> bool:
        """No sentence supporting it names the place: it is borrowed (the facility named just before,
        the report's one country)."""
        return all(m.site_source != "text" for m, _ in self.support)


def prefers(m: Mention, option: DateOption) -> bool:
    """Whether ``option`` is the day the mention's own words point to: the sentence's date nearest the
    place (or one enumerated with it, 'on the 19th and 22nd'); where the sentence names no date, the
    day its context gives or the publication week."""
    if option.source == "sentence":
        return option.nearest or option.enumerated
    return not any(o.source == "sentence" for o in m.dates)


def event_tolls(told: Iterable[Candidate]) -> frozenset[tuple[int, int]]:
    """The token spans of the killed and injured counts the mentions of ``told`` events give: a toll
    an incident takes is rarely also a running total."""
    return frozenset(span for c in told for m, _ in c.support
                     for name, span in m.facts.evidence.items() if name in ("killed", "injured"))


def event_candidates(found: list[Mention]) -> list[Candidate]:
    """Every (place, day) the mentions allow, in the order the text first names them."""
    by_key: dict[tuple[str, str | None, str | None], Candidate] = {}
    for m in found:
        assert m.site is not None
        for option in m.dates:
            key = (m.site.id, option.value, option.precision)
            candidate = by_key.get(key)
            if candidate is None:
                by_key[key] = Candidate(m.site, option, [(m, option)])
                continue
            candidate.support.append((m, option))
            if SOURCE_RANK[option.source] < SOURCE_RANK[candidate.date.source]:
                candidate.date = option
    return list(by_key.values())
