"""Tallies: reported counts of attacks on, or casualties of, the tracked forces.

Candidates first, high recall: a number with a count word after it ("66 times", "55 attaques", "27
kali"), an ordinal before an attack word ("the 28th attack"), numbers each followed by a country
("32 in Iraq and 34 in Syria", their sum), and a number beside a killed/injured word. Each carries
its fields (qualifier, breakdown, since, as of, who said it) and the readings the learned tally
model weighs (a period bounds it, it counts the forces, the sentence tells one incident whose toll
it is, its size...). The same count restated is one tally.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model import Tally
from .document import Doc, Number, Sentence, theatre
from .roles import sentence_actors

UNIT_GAP = 3  # tokens between a number and its count word ("66 kali", "100 times", "at least 14 reprises")
COUNTRY_GAP = 12  # tokens between a breakdown number and its country ("27 attaques ont eu lieu ... en Irak")
SINCE_GAP = 8  # "Since the war began in October": the period's date may stand a few words after 'since'
ORDINAL_GAP = 2  # "the 28th attack", "the third drone attack"
CASUALTY_GAP = 5
FORCES_GAP = 4
QUALIFIER_GAP = 2
REPORTER_SENTENCES = 2
QUALIFIERS = ("more_than", "at_least", "about")
SMALL_COUNT = 9  # counts this small are a tally mostly where a period bounds them
PERIOD_CUES = ("since", "period", "between", "until")  # tally cues that bound a count's period
SOURCE_TYPES = ("official_source", "monitor", "media")  # most to least specific; a state named is no source
YEARS = range(1900, 2101)  # a bare four-digit number in this range is a year, not a count


@dataclass(slots=True)
class TallyDraft:
    metric: str
    count: int
    sentence: int
    span: tuple[int, int]
    kind: str  # "units", "ordinal", "breakdown" or "casualties": how the text gives the count
    number: Number
    qualifier: str | None = None
    breakdown: dict[str, int] | None = None
    since: str | None = None
    as_of: str | None = None
    reported_by: str | None = None
    evidence: dict[str, tuple[int, int]] = field(default_factory=dict)
    as_of_stated: bool = False  # as_of read from the text, not defaulted to the publication day
    readings: set[str] = field(default_factory=set)  # what the tally model weighs
    cue_gap: int | None = None  # tokens between a casualty count and its word
    rivals: tuple[int, int] | None = None  # candidates sharing this key read one cue: at most one is taken

    def to_tally(self, doc: Doc) -> Tally:
        return Tally(metric=self.metric, count=self.count, qualifier=self.qualifier,
                     breakdown=self.breakdown, since=self.since or _campaign_since(self.as_of), as_of=self.as_of,
                     reported_by=self.reported_by, evidence=doc.evidence(*self.span),
                     field_evidence={k: doc.evidence(*v) for k, v in self.evidence.items()})


def _campaign_since(as_of: str | None) -> str | None:
    """Where a count that does not say its start runs from: the tracked campaign's first day, for a
    count as of a later day of the theatre's period (data/theatre.yaml); else unknown. Read only once a
    count is taken, so that the tally model weighs the start the text gives, not this default."""
    if as_of is None or len(as_of) != 10:
        return None
    known = theatre()
    return known.campaign_start.isoformat() if known.campaign_start < dt.date.fromisoformat(as_of) <= known.period[1] \
        else None


def tally_candidates(doc: Doc, told: Mapping[int, int],
                     tolls: frozenset[tuple[int, int]] = frozenset()) -> list[TallyDraft]:
    """Every count the report gives that may be a tally, with its fields; ``told``: how many incidents
    each sentence tells (a toll there is more often that incident's; 'claimed two attacks' beside two
    incidents counts them, it tallies nothing); ``tolls``: the token spans of the tolls those
    incidents took."""
    out: list[TallyDraft] = []
    for s in doc.sentences:
        if not s.numbers:
            continue
        found = _attack_counts(doc, s) + _casualty_counts(doc, s)
        for draft in found:
            _fill_common(doc, s, draft, draft.number)
            draft.readings = _readings(doc, s, draft, told.get(s.index, 0))
            if draft.count in (told.get(s.index), sum(told.values())) and draft.metric == "attacks":
                draft.readings.add("counts_the_told")
            if any(a <= draft.number.start < b for a, b in tolls):
                draft.readings.add("an_incident's_toll")
        out += found
    _share_since(out)
    counted = {t.sentence for t in out if t.kind in ("units", "breakdown")}
    for t in out:  # counts come in briefings: "55 attacks in a month ... 59 Americans wounded"
        if t.kind == "casualties" and counted & {t.sentence - 1, t.sentence, t.sentence + 1}:
            t.readings.add("beside_attack_count")
    return out


def merge_tallies(doc: Doc, accepted: list[TallyDraft]) -> list[Tally]:
    """The accepted counts, the same count restated (or its breakdown stated apart) as one tally."""
    drafts: list[TallyDraft] = []
    for draft in accepted:
        _merge_or_add(drafts, draft)
    return [d.to_tally(doc) for d in drafts]


def _share_since(drafts: list[TallyDraft]) -> None:
    """One briefing's counts share their start: '55 attacks since 17 October ... 59 injured'."""
    for draft in drafts:
        if draft.since is None:
            sibling = next((o for o in drafts if o.since is not None and o.sentence >= draft.sentence - 1), None)
            if sibling is not None:
                draft.since = sibling.since


# --- attacks ------------------------------------------------------------------------------------

def _undated(s: Sentence) -> list[Number]:
    """The sentence's numbers that are not part of a date ('since 17 October') or of a name ('Tower 22',
    'البرج 22')."""
    found: list[Number] | None = s.memo.get("undated")  # type: ignore[assignment]
    if found is None:
        spans = [(d.start, d.end) for d in s.dates] + [(m.start, m.end) for m in s.having("place") + s.having("actor")]
        found = s.memo["undated"] = [n for n in s.numbers if not any(a <= n.start < b for a, b in spans)]
    return found


def _counts(s: Sentence) -> list[Number]:
    return [n for n in _undated(s) if not n.ordinal]


def _attack_counts(doc: Doc, s: Sentence) -> list[TallyDraft]:
    """'66 times', 'the 28th attack', '32 in Iraq and 34 in Syria' (the sum, with the breakdown)."""
    out = []
    # a breakdown needs two countries, so two places at least: most sentences name fewer
    items = _country_items(doc, s) if (s.has("tally", "units") or s.has("trigger")) and len(s.having("place")) > 1 \
        else []
    breakdown = {country: n.value for n, country in items} if len(items) >= 2 else None
    in_breakdown = {id(n) for n, _ in items} if breakdown else set()
    # "the 28th attack"; where modifiers follow their noun, also "serangan ke-28" (the 28th attack)
    after_noun = bool((doc.pack.data.get("syntax") or {}).get("modifier_after_noun"))
    for n in _undated(s):
        if n.ordinal:
            if any(0 <= t.start - n.end <= ORDINAL_GAP or (after_noun and 0 <= n.start - t.end <= ORDINAL_GAP)
                   for t in s.having("trigger")):
                out.append(_draft("attacks", n, s, "ordinal"))
        elif id(n) not in in_breakdown and _has_unit_after(s, n) and not _year(doc, n):
            draft = _draft("attacks", n, s, "units")
            if breakdown is not None:
                draft.breakdown = breakdown
                if sum(breakdown.values()) != n.value and _qualified(s, n):  # "around 70: 32 + 34" counts 66
                    draft.count = sum(breakdown.values())
                draft.span = (min(n.start, items[0][0].start), max(n.end, items[-1][0].end))
            out.append(draft)
    if breakdown is not None and not out:
        first, last = items[0][0], items[-1][0]
        draft = _draft("attacks", first, s, "breakdown")
        draft.count, draft.breakdown, draft.span = sum(breakdown.values()), breakdown, (first.start, last.end)
        # "attacks: 32 in Iraq and 34 in Syria" counts attacks; "seven sites, three in Iraq..." does not
        near = any(first.start - UNIT_GAP * 2 <= u.start <= last.end for u in s.having("tally", "units"))
        draft.readings.add("units_in_breakdown" if near else "no_units_in_breakdown")
        out.append(draft)
    return out


def _draft(metric: str, n: Number, s: Sentence, kind: str) -> TallyDraft:
    draft = TallyDraft(metric, n.value, s.index, (n.start, n.end), kind, n)
    draft.evidence["count"] = (n.start, n.end)
    return draft


def _year(doc: Doc, n: Number) -> bool:
    return n.value in YEARS and len(doc.nt.forms[n.start]) == 4 and n.end - n.start == 1


def _qualified(s: Sentence, n: Number) -> bool:
    return any(m.value("tally") in QUALIFIERS and 0 <= n.start - m.end <= QUALIFIER_GAP for m in s.having("tally"))


def _has_unit_after(s: Sentence, n: Number) -> bool:
    """A count word follows the number closely, with no other number between ("un totale di 55
    attacchi" counts 55, not 1)."""
    for m in s.having("tally", "units"):
        if 0 <= m.start - n.end <= UNIT_GAP and not any(n.end <= o.start < m.start for o in s.numbers):
            return True
    return False


def _forces_after(doc: Doc, s: Sentence, n: Number) -> bool:
    """'59 soldiers', '56 soldats américains', '2,500 troops': the number counts people of the forces."""
    if any(0 <= f.start - n.end <= FORCES_GAP for f in s.having("cue", "forces")):
        return True
    for m, actor in sentence_actors(doc, s):
        # "56 soldats américains" (forces), "59 Américains" (the state's people, right after)
        gap = FORCES_GAP if actor.type == "state_force" else 0
        if actor.type in ("state", "state_force") and 0 <= m.start - n.end <= gap:
            return True
    return False


def _country_items(doc: Doc, s: Sentence) -> list[tuple[Number, str]]:
    """(number, country) pairs where exactly one country follows the number before the next one."""
    numbers = [n for n in _counts(s) if not _forces_after(doc, s, n)]
    countries = [(m, doc.gazetteer.get(m.value("place"))) for m in s.having("place")]
    countries = [(m, site) for m, site in countries if site.precision == "country" and site.country is not None]
    items = []
    for k, n in enumerate(numbers):
        limit = numbers[k + 1].start if k + 1 < len(numbers) else s.end
        after = [str(site.country) for m, site in countries if n.end <= m.start < min(limit, n.end + COUNTRY_GAP)]
        if len(after) == 1:
            items.append((n, after[0]))
    seen: set[str] = set()
    return [(n, c) for n, c in items if not (c in seen or seen.add(c))]  # type: ignore[func-returns-value]


# --- casualties ---------------------------------------------------------------------------------

def _casualty_counts(doc: Doc, s: Sentence) -> list[TallyDraft]:
    """'59 soldiers wounded', 'killing three': each number near a killed/injured word, rivals of one
    another ('56 soldiers were wounded in 46 attacks': the model tells which one counts people)."""
    out = []
    numbers = [n for n in _counts(s) if not _year(doc, n)]
    for metric in ("injured", "killed"):
        for cue in s.having("cue", metric)[:1]:
            for n in numbers:
                before, after = cue.start - n.end, n.start - cue.end
                if not (0 <= before <= CASUALTY_GAP or 0 <= after <= CASUALTY_GAP):
                    continue
                draft = _draft(metric, n, s, "casualties")
                draft.span = (min(n.start, cue.start), max(n.end, cue.end))
                draft.rivals = (s.index, cue.start)
                draft.cue_gap = min(abs(before), abs(after))
                draft.readings.add("before_cue" if before >= 0 else "after_cue")
                out.append(draft)
    return out


def _readings(doc: Doc, s: Sentence, draft: TallyDraft, tells_event: int) -> set[str]:
    """What the tally model weighs: how the count is given and what bounds it. Cue classes and
    structure only, never a word."""
    n = draft.number
    f = {f"kind:{draft.kind}", f"metric:{draft.metric}", f"size:{_size(draft.count)}",
         f"{draft.metric}&size:{_size(draft.count)}", *draft.readings}
    if draft.cue_gap is not None:
        f.add(f"cue_gap:{_size(draft.cue_gap)}")
    for key in ("since", "between", "until", "period", "many", "series"):
        if s.has("tally", key):
            f.add(f"cue:{key}")
    for key in ("confirm", "claim", "intercept", "threat", "future", "hypothetical"):
        if s.has("cue", key):
            f.add(f"cue:{key}")
    if s.tells_none():  # 'no casualties', 'no one was injured', 'nobody was killed' alike
        f.add("cue:no_casualties")
    if draft.qualifier is not None:
        f.add("qualified")
    if draft.breakdown is not None:
        f.add("breakdown")
    if draft.since is not None:
        f.add("since_date")
    if draft.as_of_stated:
        f.add("as_of_stated")
    if draft.metric != "attacks" and _forces_after(doc, s, n):  # "59 soldiers"; not "2 attacks on the forces"
        f.add("forces")
    if _has_unit_after(s, n):
        f.add("units_after")
    if tells_event:
        f.add("tells_event")
    if any(d.precision == "day" and d.value for d in s.dates if not (d.start <= n.start < d.end)):
        f.add("dated_day")
    if s.has("trigger"):
        f.add("trigger")
    if s.index == 0:
        f.add("first_sentence")
    if draft.reported_by is not None:
        f.add("reporter")
    if draft.kind == "ordinal" and _bounded(s, draft, ("since", "period")):
        f.add("ordinal&bounded")  # "the seventh attack since ..." counts; "a second attack" alone does not
    if draft.count <= SMALL_COUNT:  # "nine attacks since 4 January" is a tally; "four drones" alone rarely
        f.add("small&bounded" if _bounded(s, draft, PERIOD_CUES) else "small&unbounded")
    return f


def _bounded(s: Sentence, draft: TallyDraft, cues: tuple[str, ...]) -> bool:
    """A start date read for the count, or one of the tally ``cues`` in its sentence, bounds its period."""
    return draft.since is not None or any(s.has("tally", key) for key in cues)


def _size(count: int) -> str:
    for edge in (1, 3, 9, 30, 100):
        if count <= edge:
            return f"<={edge}"
    return ">100"


# --- shared fields ------------------------------------------------------------------------------

def _fill_common(doc: Doc, s: Sentence, draft: TallyDraft, number: Number) -> None:
    _set_qualifier(s, draft, number)
    _set_window(doc, s, draft)
    _set_reporter(doc, s, draft)


def _set_qualifier(s: Sentence, draft: TallyDraft, number: Number) -> None:
    for m in s.having("tally"):
        key = m.value("tally")
        if key in QUALIFIERS and 0 <= number.start - m.end <= QUALIFIER_GAP:
            draft.qualifier = key
            draft.evidence["qualifier"] = (m.start, m.end)


def _set_window(doc: Doc, s: Sentence, draft: TallyDraft) -> None:
    """since / as_of from 'since 17 October', 'between 17 and 30 October', 'as of Thursday', else the
    statement's own date or the publication day."""
    cues = {m.end: m.value("tally") for m in s.having("tally") if m.value("tally") in ("since", "between", "until")}
    after = [m.start for m in s.having("tally", "since")]  # postpositions: "17 Ekim'den bu yana"
    bounded = [d for d in s.dates if d.value is not None]
    free = []
    for d in bounded:
        cue = next((cues[c] for c in cues if 0 <= d.start - c <= SINCE_GAP
                    and not any(c <= o.start < d.start for o in s.numbers + s.dates)), None)
        if cue is None and any(0 <= a - d.end <= 2 for a in after):
            cue = "since"
        if cue in ("since", "between") and draft.since is None:
            draft.since = d.value
            draft.evidence["since"] = (d.start, d.end)
        elif cue == "until" or (cue is None and draft.since is not None and s.has("tally", "between")):
            draft.as_of, draft.as_of_stated = d.value, True
            draft.evidence["as_of"] = (d.start, d.end)
        else:
            free.append(d)
    if draft.since is None and "between" in cues.values():
        _between_day(doc, s, draft, bounded)
    if draft.as_of is None:
        statement = next((d for d in free if d.precision == "day"), None)
        if statement is not None:
            draft.as_of, draft.as_of_stated = statement.value, True
            draft.evidence["as_of"] = (statement.start, statement.end)
        elif doc.context.anchor is not None:  # the publication day, or the day of the main news standing in
            draft.as_of = doc.context.anchor.isoformat()


def _between_day(doc: Doc, s: Sentence, draft: TallyDraft, bounded: list) -> None:  # type: ignore[type-arg]
    """'entre le 17 et le 30 octobre': the first day borrows the month of the second date."""
    start = next(m.end for m in s.having("tally") if m.value("tally") == "between")
    first = next((n for n in s.numbers if 0 <= n.start - start <= 2 and 1 <= n.value <= 31), None)
    end = next((d for d in bounded if d.precision == "day" and first is not None and d.start > first.end), None)
    if first is None or end is None or end.value is None:
        return
    draft.since = f"{end.value[:8]}{first.value:02d}"
    draft.as_of, draft.as_of_stated = end.value, True
    draft.evidence["since"] = (first.start, first.end)
    draft.evidence["as_of"] = (end.start, end.end)


def _set_reporter(doc: Doc, s: Sentence, draft: TallyDraft) -> None:
    """Who said it: a source named in the sentence, else the last one named just before; an official
    source ("the Pentagon") before a state, and never a country named as a place."""
    for sentence in reversed(doc.sentences[max(0, s.index - REPORTER_SENTENCES):s.index + 1]):
        sources = []
        for m, actor in sentence_actors(doc, sentence):
            if actor.type in SOURCE_TYPES:
                sources.append((m, actor))
        if sources:
            m, actor = min(reversed(sources), key=lambda ma: SOURCE_TYPES.index(ma[1].type))
            draft.reported_by = actor.name
            draft.evidence["reported_by"] = (m.start, m.end)
            return


def _merge_or_add(drafts: list[TallyDraft], draft: TallyDraft) -> None:
    """The same count restated (or its breakdown stated apart) is one tally with the richest fields."""
    for earlier in drafts:
        if earlier.metric == draft.metric and earlier.count == draft.count:
            if draft.as_of_stated and not earlier.as_of_stated:
                earlier.as_of, earlier.as_of_stated = draft.as_of, True
            for name in ("qualifier", "breakdown", "since", "as_of", "reported_by"):
                if getattr(earlier, name) is None and getattr(draft, name) is not None:
                    setattr(earlier, name, getattr(draft, name))
                    if name in draft.evidence:
                        earlier.evidence[name] = draft.evidence[name]
            return
    drafts.append(draft)
