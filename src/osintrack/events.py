"""Sentences -> events: one per place and day, with weapon, actor, claimant, confirmer and casualties.

A sentence yields event drafts when it holds a violence trigger that no threat, vow, plan,
hypothesis or negation governs, and is not a summary ("66 attacks since October"): one draft per
place it names, after dropping places that only situate another ("south of Baghdad") or that
contain a more precise one. Drafts are then merged across the report: a later mention that adds
nothing new (same or coarser place, no conflicting date or weapon) joins the earlier one, and an
undated mention inherits the date of the event it continues.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .gazetteer import Site
from .lexicon import Match
from .model import Event
from .places import (
    SPECIFIC,
    about_context,
    contains,
    context_places,
    drop_containers,
    event_places,
    is_deployment,
    names_facility,
    rank,
)
from .roles import report_claimant, set_actors

if TYPE_CHECKING:
    from .dates import DateMention
    from .extract import Doc, Number, Sentence

BLOCKING_CUES = ("threat", "future", "hypothetical")
BLOCK_WINDOW = 6  # tokens before a trigger in which a threat/future/hypothetical cue governs it
NEGATION_WINDOW = 2
CASUALTY_WINDOW = 4
INHERIT_SENTENCES = 3  # an undated mention inherits the date of an event this many sentences back
CONTEXT_SENTENCES = 2  # ... or else the last day named this many sentences back
GOVERN_WINDOW = 15
WEAPON_WINDOW = 15
STRIKE_WEAPON_WINDOW = 3  # "drone strike", "frappe de drone": a strike's own weapon stands next to it
LAUNCH_WINDOW = 15  # "launched a drone", "engaged a drone ... and shot it down"
COUNT_WINDOW = 3
COUNTED_TRIGGER_WINDOW = 6  # "attacked at least 14 times", "diserang ... setidaknya 27 kali"
MIN_COUNT = 3
PERIOD_WINDOW = 8
MANY_AFTER = 2
MANY_BEFORE = 1  # "dozens of attacks"; not "dozens wounded in an attack"
MAX_IMPLIED = 4
DATE_BEFORE = 80  # "On Thursday night, the group claimed ... attacks on X": dates often open the sentence
DATE_AFTER = 12  # a date far after the place usually dates the statement ("..., Reuters said on Friday")
STATEMENT_WINDOW = 1  # "said Monday", "a déclaré mardi": the day of the statement, not of the event


@dataclass(slots=True)
class Draft:
    sentence: int
    event_type: str
    span: tuple[int, int]
    site: Site | None = None
    date: str | None = None
    precision: str | None = None
    date_explicit: bool = False  # the sentence itself dates it
    date_known: bool = False  # dated by itself or by the mention it continues
    typed: bool = False  # the sentence says who acted or how; else the type may follow a merge
    implied: bool = False  # an earlier incident the text counts ("the third attack since Saturday")
    keywords: bool = False  # told by a crawl header's keywords ("date 2024-01-29 Drohnenangriff Tower 22")
    compass: str | None = None  # a placeless mention's direction ("in the north-east of the country")
    weapon: str = "unknown"
    actor: str | None = None
    target: str | None = None
    claimed_by: str | None = None
    confirmed_by: str | None = None
    killed: int | None = None
    injured: int | None = None
    intercepted: bool | None = None
    evidence: dict[str, tuple[int, int]] = field(default_factory=dict)  # field -> token span

    def to_event(self, doc: Doc) -> Event:
        site = self.site
        fields = {name: doc.evidence(*span) for name, span in self.evidence.items()}
        return Event(
            event_type=self.event_type, date=self.date, date_precision=self.precision,
            country=site.country if site else None, admin1=site.admin1 if site else None,
            site=site.name if site and site.precision in SPECIFIC else None,
            lat=site.lat if site else None, lon=site.lon if site else None,
            geo_precision=site.precision if site else None, weapon=self.weapon, actor=self.actor,
            target=self.target, claimed_by=self.claimed_by, confirmed_by=self.confirmed_by,
            killed=self.killed, injured=self.injured, intercepted=self.intercepted,
            evidence=doc.evidence(*self.span), field_evidence=fields)


def build_events(doc: Doc) -> tuple[list[Event], set[int]]:
    """The report's events in text order, and the sentences that stated one."""
    drafts: list[Draft] = []
    told: set[int] = set()
    for sentence in doc.sentences:
        for draft in sentence_drafts(doc, sentence):
            told.add(sentence.index)
            draft.keywords = doc.crawl_header and sentence.index == 0
            if draft.implied:
                drafts.append(draft)
                continue
            if draft.compass is not None:
                _refine_compass(doc, drafts, draft)
                continue
            _inherit_date(doc, drafts, draft)
            target = _merge_target(drafts, draft)
            if target is None:
                drafts.append(draft)
            else:
                _absorb(target, draft)
    _place_unplaced(doc, drafts)
    drafts = [d for d in drafts if not _generic(d)]
    claimant = report_claimant(doc)
    for d in drafts:
        if not d.date_known:
            d.date, d.precision = doc.context.default()
        if claimant is not None and d.event_type == "attack" and d.actor in (None, claimant[0]):
            d.actor = d.claimed_by = claimant[0]
            d.evidence.setdefault("claimed_by", claimant[1])
    return [d.to_event(doc) for d in drafts], told


def _generic(d: Draft) -> bool:
    """'attacks on US forces in Iraq and Syria': a country named with no day and no detail refers
    to the campaign, not to an incident. A strike by a state, a toll or an interception is one."""
    return (d.site is not None and d.site.precision == "country" and not d.date_explicit
            and d.event_type == "attack" and d.killed is None and d.injured is None and d.intercepted is None)


def _refine_compass(doc: Doc, drafts: list[Draft], draft: Draft) -> None:
    """'in the north-east of the country' after 'an attack in Syria': that event's region."""
    for earlier in reversed(drafts):
        if draft.sentence - earlier.sentence > INHERIT_SENTENCES:
            return
        site = earlier.site
        if site is not None and site.country and site.precision == "country" and _compatible(earlier, draft):
            region = doc.gazetteer.region_of(site.country, draft.compass or "")
            if region is not None:
                draft.site = region
                _absorb(earlier, draft)
            return


def _place_unplaced(doc: Doc, drafts: list[Draft]) -> None:
    """A dated incident the report tells without a place ('the base in question was targeted on 17
    November') happened at the facility the report is about, or at least in its one country."""
    countries = {d.site.country for d in drafts if d.site is not None and d.site.country}
    for k, d in enumerate(list(drafts)):
        if d.site is not None:
            continue
        facility = next((e.site for e in reversed(drafts[:k]) if e.site is not None and e.site.precision == "site"),
                        None)
        country = doc.gazetteer.country_site(next(iter(countries))) if len(countries) == 1 else None
        if facility is None and country is None:
            drafts.remove(d)
        else:
            d.site = facility if facility is not None and facility.country in countries else country


def sentence_drafts(doc: Doc, s: Sentence) -> list[Draft]:
    triggers = _triggers(s)
    if not triggers:
        return []
    places = event_places(doc, s)
    context = context_places(doc, s)
    live = [t for t in triggers if not _counted(doc, s, t) and not about_context(t, context)]
    out: list[Draft] = []
    counted_ends = [u.end for u in _count_units(s)]
    seen: set[tuple[str, int]] = set()
    located = _places_by_trigger(places, triggers)
    placed = {trigger.start for _, _, trigger in located}
    for site, match, trigger in located:
        if trigger not in live or (site.id, trigger.start) in seen:  # a count, another war, or said twice
            continue
        seen.add((site.id, trigger.start))
        if any(0 <= match.start - e <= COUNT_WINDOW for e in counted_ends):  # "14 times in Iraq"
            continue
        if is_deployment(doc, s, match):
            continue
        draft = _draft(doc, s, trigger, match, live, placed)
        draft.site = site
        draft.evidence["site"] = (match.start, match.end)
        out += [draft, *_implied(s, trigger, draft)]
    if not places and live:
        out += _unplaced(doc, s, live)
    return out


def _draft(doc: Doc, s: Sentence, trigger: Match, anchor: Match, live: list[Match],
           placed: set[int] | None = None) -> Draft:
    draft = Draft(s.index, "attack", _span(s, trigger, anchor))
    _set_date(doc, s, draft, anchor, trigger, live, placed or set())
    _set_weapon(s, draft, trigger)
    set_actors(doc, s, draft, trigger, live)
    _set_casualties(s, draft)
    if s.has("cue", "intercept"):
        draft.intercepted = True
        draft.evidence["intercepted"] = _first_span(s.having("cue", "intercept"))
    return draft


def _unplaced(doc: Doc, s: Sentence, live: list[Match]) -> list[Draft]:
    """A mention that names no place: 'in the north-east of the country' refines the event just
    told; a dated, armed incident ('on Wednesday three drones were destroyed') is kept to take the
    report's country. Anything vaguer names no incident."""
    trigger = live[0]
    compass = next((d for d in s.having("direction") if d.value("direction") != "near"), None)
    draft = _draft(doc, s, trigger, trigger, live)
    if compass is not None:
        draft.compass = compass.value("direction")
        draft.evidence["site"] = (compass.start, compass.end)
        return [draft]
    if draft.date_explicit and draft.precision == "day" and draft.weapon != "unknown":
        return [draft]
    return []


def _implied(s: Sentence, trigger: Match, draft: Draft) -> list[Draft]:
    """'the third attack on US forces in Erbil since Saturday': two earlier attacks happened there."""
    ordinal = next((n for n in s.numbers if n.ordinal and 0 <= trigger.start - n.end <= 1), None)
    recent = any(d.relative and 0 <= d.start - m.end <= 2 for m in s.having("tally", "since") for d in s.dates)
    if ordinal is None or not recent or not 2 <= ordinal.value <= MAX_IMPLIED + 1:
        return []
    return [Draft(s.index, draft.event_type, draft.span, site=draft.site, weapon="unknown", implied=True,
                  evidence={"site": draft.evidence["site"]}) for _ in range(ordinal.value - 1)]


def _places_by_trigger(places: list[tuple[Site, Match]],
                       triggers: list[Match]) -> list[tuple[Site, Match, Match]]:
    """Each place with the trigger it belongs to, less the places that only situate another place of
    the same trigger ('the attack hit al-Tanf, near the border with Iraq and Jordan'). Places of
    different triggers stand apart: 'the US struck sites in Iraq in response to an attack on Ain
    al-Asad' tells two events."""
    by_trigger: dict[int, list[tuple[Site, Match]]] = {}
    trigger_at: dict[int, Match] = {}
    for site, match in places:
        trigger = _governing(triggers, match)
        by_trigger.setdefault(trigger.start, []).append((site, match))
        trigger_at[trigger.start] = trigger
    out = []
    for start, group in by_trigger.items():
        kept = drop_containers(group)
        if any(site.precision in SPECIFIC for site, _ in kept):
            kept = [(site, m) for site, m in kept if site.precision != "country"]
        out += [(site, m, trigger_at[start]) for site, m in kept]
    return sorted(out, key=lambda x: x[1].start)


def _governing(triggers: list[Match], place: Match) -> Match:
    """The trigger a place belongs to: the closest one before it ('attacks on X', 'AS menyerang ...
    di selatan Bagdad'), else the closest after it ('X came under attack')."""
    before = [t for t in triggers if 0 <= place.start - t.end <= GOVERN_WINDOW]
    return before[-1] if before else _nearest(triggers, place)


def _triggers(s: Sentence) -> list[Match]:
    """Words telling that violence happened here; 'launched'/'shot down' count only beside a weapon."""
    weapons = s.having("weapon")
    near_weapon = [m for m in s.having("trigger", "launch") + s.having("cue", "intercept")
                   if any(abs(w.start - m.start) <= LAUNCH_WINDOW for w in weapons)]
    found = [m for m in s.having("trigger") if m.value("trigger") != "launch"] + near_weapon
    return sorted((m for m in found if not _governed(s, m)), key=lambda m: m.start)


def _governed(s: Sentence, trigger: Match) -> bool:
    """A threat, vow, plan or hypothesis shortly before the trigger, or a negation right before it."""
    for m in s.matches:
        if m.end > trigger.start:
            break
        distance = trigger.start - m.end
        if distance <= BLOCK_WINDOW and any(m.value("cue") == c for c in BLOCKING_CUES):
            return True
        if distance <= NEGATION_WINDOW and m.value("cue") == "negation":
            return True
    return False


def _counted(doc: Doc, s: Sentence, trigger: Match) -> bool:
    """The trigger is counted rather than told: '66 attacks since...', 'dozens of attacks', 'the
    number of attacks', 'attacked four times'."""
    if any(0 <= trigger.start - m.end <= MANY_BEFORE or 0 <= m.start - trigger.end <= MANY_AFTER
           for m in s.having("tally", "many")):  # "dozens of attacks", "attaques quasi quotidiennes"
        return True
    if _open_period(s):
        return True
    if any(0 <= trigger.start - m.end <= COUNT_WINDOW for m in s.having("tally", "series")):
        # "after a series of attacks on US forces" sums up; "a series of strikes on Friday" and
        # "a series of drone attacks on Ain al-Asad" tell
        return not (any(d.precision == "day" for d in s.dates) or names_facility(doc, s))
    return any(u.start == trigger.start or 0 <= u.start - trigger.end <= COUNTED_TRIGGER_WINDOW
               for u in _count_units(s))


def _count_units(s: Sentence) -> list[Match]:
    counts = [n for n in s.numbers if not n.ordinal and n.value >= MIN_COUNT]
    return [u for u in s.having("tally", "units") if any(0 <= u.start - n.end <= COUNT_WINDOW for n in counts)]


def _open_period(s: Sentence) -> bool:
    """'since 17 October', 'depuis le début du conflit en octobre': the sentence speaks of a period
    that began on a calendar date, so it sums up rather than tells ('since last weekend' tells)."""
    return any(not d.relative and (0 <= d.start - m.end <= PERIOD_WINDOW or 0 <= m.start - d.end <= 2)
               for m in s.having("tally", "since") for d in s.dates)  # "since October", "ekim ayından bu yana"


def _span(s: Sentence, a: Match, b: Match) -> tuple[int, int]:
    return min(a.start, b.start), max(a.end, b.end)


def _first_span(matches: list[Match]) -> tuple[int, int]:
    return matches[0].start, matches[0].end


def _nearest(items: list, anchor: Match):  # type: ignore[no-untyped-def,type-arg]
    return min(items, key=lambda x: abs(x.start - anchor.start), default=None)


def _after_since(s: Sentence, d: DateMention) -> bool:
    """'since 17 October': a date that opens a period, not the day of an event."""
    return any(0 <= d.start - m.end <= 2 for m in s.having("tally", "since") + s.having("tally", "between"))


def _statement_date(s: Sentence, d: DateMention) -> bool:
    return any(0 <= d.start - m.end <= STATEMENT_WINDOW for m in s.having("cue", "confirm"))


def _set_date(doc: Doc, s: Sentence, draft: Draft, anchor: Match, trigger: Match, live: list[Match],
              placed: set[int]) -> None:
    """The day named for this event: a date opening the sentence dates all its events; a date after the
    first trigger belongs to the trigger nearest to it when that trigger tells an event of its own
    ('the US struck on Tuesday, in response to an attack on X': Tuesday is the strike's)."""
    first = min((t.start for t in live), default=trigger.start)
    near = [d for d in s.dates if d.value is not None and -DATE_AFTER <= anchor.start - d.start <= DATE_BEFORE
            and not _statement_date(s, d) and (d.start < first or _belongs(d, trigger, live, placed))]
    usable = [d for d in near if not _after_since(s, d)]
    # "since last weekend" dates the strikes it opens, where nothing else does
    usable = usable or [d for d in near if d.relative]
    mention: DateMention | None = _nearest(usable, anchor)
    if mention is None:
        return
    draft.date, draft.precision, draft.date_explicit = mention.value, mention.precision, True
    draft.date_known = True
    draft.evidence["date"] = (mention.start, mention.end)


def _belongs(item: DateMention, trigger: Match, live: list[Match], placed: set[int]) -> bool:
    """Whether a date goes with ``trigger``: the trigger nearest to it is this one, or one that tells
    no event of its own."""
    owner = min(live, key=lambda t: abs(t.start - item.start), default=trigger)
    return owner is trigger or owner.start not in placed


def _set_weapon(s: Sentence, draft: Draft, anchor: Match) -> None:
    window = STRIKE_WEAPON_WINDOW if anchor.value("trigger") in ("strike", "air_strike") else WEAPON_WINDOW
    weapon = _nearest([w for w in s.having("weapon") if abs(w.start - anchor.start) <= window], anchor)
    if weapon is not None:
        draft.weapon = weapon.value("weapon")
        draft.evidence["weapon"] = (weapon.start, weapon.end)
    if draft.weapon == "aircraft" or anchor.value("trigger") == "air_strike":
        draft.event_type, draft.typed = "air_strike", True
        if draft.weapon == "unknown":
            draft.weapon = "aircraft"


def _set_casualties(s: Sentence, draft: Draft) -> None:
    for field_name in ("killed", "injured"):
        for cue in s.having("cue", field_name):
            number = _nearest([n for n in s.numbers if _counts_casualties(s, n, cue)], cue)
            if number is not None:
                setattr(draft, field_name, number.value)
                draft.evidence[field_name] = (min(number.start, cue.start), max(number.end, cue.end))
                break
    if s.has("cue", "no_casualties"):
        span = _first_span(s.having("cue", "no_casualties"))
        for field_name in ("killed", "injured"):
            if getattr(draft, field_name) is None:
                setattr(draft, field_name, 0)
                draft.evidence[field_name] = span


def _counts_casualties(s: Sentence, n: Number, cue: Match) -> bool:
    """'three soldiers were killed', 'killing 3': a number beside the casualty word. After the word,
    'one'/'un' is more often an article ('..., said an official') than a count, so it needs 2 or more."""
    if n.ordinal or any(d.start <= n.start < d.end for d in s.dates):
        return False
    if 0 <= cue.start - n.end <= CASUALTY_WINDOW:
        return True
    return 0 <= n.start - cue.end <= CASUALTY_WINDOW and n.value >= 2


def _inherit_date(doc: Doc, drafts: list[Draft], draft: Draft) -> None:
    """An undated mention continues the story told just before: it takes the date of the event
    told there, or else the day the sentence just before names."""
    if draft.date_explicit:
        return
    for earlier in reversed(drafts):
        if draft.sentence - earlier.sentence > INHERIT_SENTENCES:
            break
        if earlier.date_known and earlier.sentence != draft.sentence and _same_area(earlier.site, draft.site):
            draft.date, draft.precision, draft.date_known = earlier.date, earlier.precision, True
            if "date" in earlier.evidence:
                draft.evidence["date"] = earlier.evidence["date"]
            return
    mention = None
    for previous in reversed(doc.sentences[max(0, draft.sentence - CONTEXT_SENTENCES):draft.sentence]):
        mention = next((d for d in reversed(previous.dates) if d.precision == "day" and d.value
                        and not _after_since(previous, d)), None)
        if mention is not None:
            break
    if mention is not None:
        draft.date, draft.precision, draft.date_known = mention.value, mention.precision, True
        draft.evidence["date"] = (mention.start, mention.end)


def _same_area(a: Site | None, b: Site | None) -> bool:
    return a is None or b is None or a.country == b.country


def _merge_target(drafts: list[Draft], draft: Draft) -> Draft | None:
    for earlier in reversed(drafts):
        if earlier.implied:
            continue
        if earlier.sentence == draft.sentence and not _same_place(earlier.site, draft.site):
            continue
        if _compatible(earlier, draft):
            return earlier
    return None


def _same_place(a: Site | None, b: Site | None) -> bool:
    return a is not None and b is not None and a.id == b.id


def _compatible(a: Draft, b: Draft) -> bool:
    if a.event_type != b.event_type and a.typed and b.typed:
        return False
    if a.weapon != b.weapon and "unknown" not in (a.weapon, b.weapon):
        return False
    first, later = a.site, b.site
    same_place = first is None or later is None or first.id == later.id
    if a.date_known and b.date_known and a.date != b.date and (same_place or not _adjacent_days(a, b)):
        return False
    if first is None or later is None or first.id == later.id:
        return True
    if contains(later, first):
        # a coarser, dated restatement after an undated precise mention is a new statement
        # ("strikes in Iraq on Tuesday and Wednesday" after "strikes at Jurf al-Sakhar"), unless the
        # precise mention is a crawl header's keywords: they name what the body then tells
        return a.keywords or not (b.date_explicit and not a.date_known)
    return contains(first, later)


def _adjacent_days(a: Draft, b: Draft) -> bool:
    """Dates a day apart: a coarse restatement of an overnight incident ("during the night until
    Monday morning" for a Sunday attack)."""
    if a.precision != "day" or b.precision != "day" or a.date is None or b.date is None:
        return False
    return abs((dt.date.fromisoformat(a.date) - dt.date.fromisoformat(b.date)).days) == 1


def _absorb(into: Draft, other: Draft) -> None:
    """Fold a later mention of the same event into the first: finer place, explicit date, more fields."""
    if other.typed and not into.typed:
        into.event_type, into.typed = other.event_type, True
    if other.site is not None and (into.site is None or rank(other.site) < rank(into.site)):
        into.site = other.site
        into.span = other.span
        into.evidence["site"] = other.evidence["site"]
    if other.date_known and not into.date_explicit and (other.date_explicit or not into.date_known):
        into.date, into.precision = other.date, other.precision
        into.date_explicit, into.date_known = other.date_explicit, True
        if "date" in other.evidence:
            into.evidence["date"] = other.evidence["date"]
    for name in ("weapon", "actor", "target", "claimed_by", "confirmed_by", "killed", "injured",
                 "intercepted"):
        mine, theirs = getattr(into, name), getattr(other, name)
        if (mine is None or mine == "unknown") and theirs not in (None, "unknown"):
            setattr(into, name, theirs)
            if name in other.evidence:
                into.evidence[name] = other.evidence[name]


