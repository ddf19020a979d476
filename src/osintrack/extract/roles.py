"""Who acted in an event, who claimed it and who confirmed it; and so, whether it was an air strike.

A state striking is an air strike, a group attacking is an attack. Reports rarely say so plainly:
the acting state stands right before a strike word ("US strikes"), right after it in languages whose
modifiers follow the noun ("frappe américaine"), or is the subject shortly before it ("US forces
conducted strikes"); a state's forces after "on"/"against" or beside a casualty word were hit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..actors import Actor
from ..lexicon import Match
from .document import Doc, Sentence

STATE_TYPES = frozenset({"state", "state_force"})
GROUP_TYPES = frozenset({"armed_group", "umbrella", "generic"})
GROUP_RANK = {"armed_group": 0, "umbrella": 1, "generic": 2}  # a named faction before a loose label
AGAINST_WINDOW = 3
AGENT_WINDOW = 7  # "US forces conducted ... strikes": a forces mention this close before a strike word acts
ADJECTIVE_WINDOW = 2  # "frappe américaine", "serangan AS": a state right after the trigger acts
LIGHT_WORD = 3
BY_AFTER_PASSIVE = 2  # 'attacked by', 'struck on Sunday by': the agent of a passive follows this close
NEGATED_CLAIM_GAP = 2  # 'no group has claimed': a negation this close before a claim word denies it
GROUP_WINDOW = 15  # a group named further from the trigger belongs to another clause
CLAIM_WINDOW = 12  # "X, a group of ..., claimed": the claimant stands this close to the claim word

Mention = tuple[Match, "Actor"]


@dataclass(slots=True)
class Roles:
    """Who a trigger's sentence says acted, claimed and confirmed, and what the wording makes of it."""

    event_type: str = "attack"  # a state striking is an air strike; a group attacking is an attack
    typed: bool = False  # the sentence says who acted or how
    actor: str | None = None
    target: str | None = None
    claimed_by: str | None = None
    confirmed_by: str | None = None
    state_agent: bool = False
    agent_state: str | None = None  # actor id of the state that acted, where one did
    group_agent: bool = False
    victim: bool = False  # a state's forces were hit
    claimed: bool = False
    denied: bool = False
    evidence: dict[str, tuple[int, int]] = field(default_factory=dict)


def read_roles(doc: Doc, s: Sentence, trigger: Match, live: list[Match], weapon: tuple[str, tuple[int, int] | None],
               ) -> Roles:
    """Who acted, and hence the type: a state striking is an air strike; a group attacking is an attack."""
    roles = Roles()
    strike_kind = trigger.value("trigger") in ("strike", "air_strike")
    if weapon[0] == "aircraft" or trigger.value("trigger") == "air_strike":
        roles.event_type, roles.typed = "air_strike", True
    state_agents, groups, victims, targets = _roles(doc, s, trigger)
    for other in live:  # "AS menyerang ... di selatan Bagdad dalam serangan": the clause's other trigger
        if other is not trigger and not state_agents and not victims and not groups:
            state_agents = _roles(doc, s, other)[0]
    roles.target = targets[0] if targets else None
    roles.denied = s.has("cue", "deny")
    claims = _claims_made(doc, s)
    roles.claimed = bool(claims) and not roles.denied
    roles.victim = bool(victims)
    group_agents = [(m, a) for m, a in groups if m.start < trigger.start or roles.claimed]
    roles.state_agent, roles.group_agent = bool(state_agents), bool(group_agents)
    if state_agents and (roles.event_type == "air_strike" or strike_kind or not roles.claimed):
        m, actor = min(state_agents, key=lambda ma: abs(ma[0].start - trigger.start))
        roles.event_type, roles.typed = "air_strike", True
        root = doc.actors.root(actor.id)
        roles.actor, roles.agent_state = root.name, root.id
        roles.evidence["actor"] = (m.start, m.end)
        if groups:
            roles.target = groups[0][1].name
    elif roles.event_type == "air_strike" or (strike_kind and not group_agents and not victims):
        roles.event_type, roles.typed = "air_strike", True
        if groups:
            roles.target = groups[0][1].name
    elif groups and not roles.denied:  # "X denied any role in the attack": X is no actor
        m, actor = min(groups, key=lambda ma: (GROUP_RANK[ma[1].type], abs(ma[0].start - trigger.start)))
        # a group named after the trigger may be its target ("the headquarters of X"): untyped
        roles.actor, roles.typed = actor.name, bool(group_agents)
        roles.evidence["actor"] = (m.start, m.end)
        if roles.claimed:
            claim = claims[0]
            m, actor = min(groups, key=lambda ma: (GROUP_RANK[ma[1].type], ma[0].start > claim.start,
                                                   abs(ma[0].start - claim.start)))
            roles.claimed_by = actor.name
            roles.evidence["claimed_by"] = (claim.start, claim.end)
    elif victims or roles.claimed:
        roles.typed = True
    if roles.event_type == "air_strike" and roles.actor is None:
        _set_armed_state(doc, s, roles, weapon[1])
    confirmer = _confirmer(doc, s)
    if confirmer is not None:
        roles.confirmed_by, roles.evidence["confirmed_by"] = confirmer
    return roles


def _claims_made(doc: Doc, s: Sentence) -> list[Match]:
    """The sentence's claim words that no negation just before denies ('has not claimed', 'no group has
    claimed', 'no se ha atribuido', 'n'a pas revendiqué') and that no state speaks."""
    return _claim_words(doc, s)[0]


def _claim_words(doc: Doc, s: Sentence) -> tuple[list[Match], list[Match]]:
    """(the claims made, see ``_claims_made``; the states that speak a claim word), once per sentence:
    'the US military said it struck ...' tells what the state did, so the state is the agent
    (``_actor_roles``) and its words claim nothing."""
    found: tuple[list[Match], list[Match]] | None = s.memo.get("claim_words")  # type: ignore[assignment]
    if found is None:
        negations = s.having("cue", "negation")
        claims = s.having("cue", "claim")
        speakers = [m for m, actor in sentence_actors(doc, s)
                    if actor.type in STATE_TYPES and any(0 <= c.start - m.end <= 1 for c in claims)]
        spoken = {m.end for m in speakers}
        made = [c for c in claims if not any(0 <= c.start - n.end <= NEGATED_CLAIM_GAP for n in negations)
                and not any(0 <= c.start - end <= 1 for end in spoken)]
        found = s.memo["claim_words"] = (made, speakers)
    return found


def _set_armed_state(doc: Doc, s: Sentence, draft: Roles, span: tuple[int, int] | None) -> None:
    """'US warplanes struck ...': a state named right before the aircraft that struck flew them."""
    if span is None:
        return
    for m, actor in sentence_actors(doc, s):
        if actor.type in STATE_TYPES and 0 <= span[0] - m.end <= 1:
            draft.actor = doc.actors.root(actor.id).name
            draft.evidence["actor"] = (m.start, m.end)
            return


def _roles(doc: Doc, s: Sentence, trigger: Match) -> tuple[list[Mention], list[Mention], list[Mention], list[str]]:
    """_actor_roles, once per trigger of a sentence (every place of the sentence asks again)."""
    key = ("roles", trigger.start)
    if key not in s.memo:
        s.memo[key] = _actor_roles(doc, s, trigger, trigger.value("trigger") in ("strike", "air_strike"))
    return s.memo[key]  # type: ignore[return-value]


def _actor_roles(doc: Doc, s: Sentence, trigger: Match,
                 strike_kind: bool) -> tuple[list[Mention], list[Mention], list[Mention], list[str]]:
    """The sentence's actor mentions as acting states, armed groups and forces that were hit, and
    the names of what was targeted."""
    forces_edges = {m.start for m in s.having("cue", "forces")} | {m.end for m in s.having("cue", "forces")}
    against = [m.end for m in s.having("cue", "against")]
    casualty_cues = [m.start for m in s.having("cue", "killed") + s.having("cue", "injured")]
    after_noun = bool((doc.pack.data.get("syntax") or {}).get("modifier_after_noun"))
    # where the pack tells its passive attack words apart, any other one is active, its subject acting,
    # unless an agent follows it ('US troops attacked by militias')
    active = bool(doc.pack.phrases("cues", "passive")) and ("cue", "passive") not in trigger.payloads \
        and not any(0 <= b.start - trigger.end <= BY_AFTER_PASSIVE for b in s.having("cue", "by"))
    weapon_tokens = {i for w in s.having("weapon") for i in range(w.start, w.end)}

    def light(start: int, end: int) -> bool:
        """Only weapon words and short function words stand between ('frappe de drone américaine')."""
        return all(i in weapon_tokens or len(doc.nt.forms[i]) <= LIGHT_WORD for i in range(start, end))

    sites = s.having("cue", "facility") + s.having("cue", "facilities")

    def owns_a_site(m: Match) -> bool:
        """'positions of the militias', 'Stellungen proiranischer Milizen', 'grupların mevzileri', 'militia
        headquarters': a group named beside a site word is whose the site is, not who acted."""
        return any((0 <= m.start - c.end <= 1 and light(c.end, m.start)) or c.start == m.end for c in sites)

    state_agents: list[Mention] = []
    groups: list[Mention] = []
    victims: list[Mention] = []
    targets: list[str] = []
    sources = [(c.start, c.end) for c in s.having("cue", "confirm")]
    speakers = _claim_words(doc, s)[1]
    for m, actor in sentence_actors(doc, s):  # a country name says where, not who
        if any(m is speaker for speaker in speakers):
            state_agents.append((m, actor))  # "the US military said it struck": it speaks of what it did
            continue
        if any(0 <= m.start - end <= 1 or 0 <= start - m.end <= 1 for start, end in sources):
            continue  # "said US officials", "the US military said": a source, neither agent nor victim
        if any(0 <= m.start - e <= AGAINST_WINDOW for e in against):
            targets.append(actor.name)
            if actor.type in STATE_TYPES:
                victims.append((m, actor))
            continue
        if actor.type in GROUP_TYPES:
            if owns_a_site(m):
                targets.append(actor.name)
            elif abs(m.start - trigger.start) <= GROUP_WINDOW:
                groups.append((m, actor))
        elif actor.type in STATE_TYPES:
            forces = m.end in forces_edges or m.start in forces_edges or actor.type == "state_force"
            if _acts(m, trigger, strike_kind, forces, active, after_noun, casualty_cues, doc.punctuated, light):
                state_agents.append((m, actor))
            elif forces:
                victims.append((m, actor))
                targets.append(actor.name)
    return state_agents, groups, victims, targets


def _acts(m: Match, trigger: Match, strike_kind: bool, forces: bool, active: bool, after_noun: bool,
          casualty_cues: list[int], punctuated: Any, between_is_light: Any) -> bool:
    """Whether a state mention is the one carrying out the trigger: right after it ('frappe
    américaine', 'serangan AS'), right before it ('AS menyerang'; forces only before an active word:
    'Militer AS menyerang', not 'pasukan AS diserang'), or, for strikes, shortly before it with no
    casualty word between ('US forces conducted strikes', not 'US troops were killed in a strike')."""
    gap_after = m.start - trigger.end
    if after_noun and (gap_after == 0 or (not forces and 0 <= gap_after <= ADJECTIVE_WINDOW
                                          and between_is_light(trigger.end, m.start))) \
            and not punctuated(trigger, m):
        return True
    if trigger.start - m.end == 0 and (active or not forces) and not punctuated(m, trigger):  # "AS menyerang"
        return True
    if not strike_kind or not 0 <= trigger.start - m.end <= AGENT_WINDOW:
        return False
    return not any(m.end <= c < trigger.start for c in casualty_cues)


def _confirmer(doc: Doc, s: Sentence) -> tuple[str, tuple[int, int]] | None:
    """_read_confirmer, once per sentence (it depends on no trigger; every trigger asks)."""
    if "confirmer" not in s.memo:
        s.memo["confirmer"] = _read_confirmer(doc, s)
    return s.memo["confirmer"]  # type: ignore[return-value]


def _read_confirmer(doc: Doc, s: Sentence) -> tuple[str, tuple[int, int]] | None:
    """The official source or state that says so, and its words: the one nearest a 'said'/'confirmed'
    cue. A country name that is also a place ('in Iraq') speaks only right beside the cue ('Iraq said')."""
    cues = s.having("cue", "confirm")
    if not cues:
        return None
    found = []
    mentions = s.having("actor")
    for m in mentions:
        actor = doc.actors.get(m.value("actor"))
        if actor is None or actor.type not in ("official_source", "monitor", "state", "state_force"):
            continue
        if any(o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start for o in mentions):
            continue  # 'Iraq' inside 'Islamic Resistance in Iraq' names no one
        distance = min(max(c.start - m.end, m.start - c.end, 0) for c in cues)
        if m.value("place") is not None and distance > 1:
            continue
        found.append((distance, m.start, m, actor))
    if not found:
        return None
    _, _, m, actor = min(found, key=lambda f: (f[0], f[1]))
    return actor.name, (m.start, m.end)


def report_claimant(doc: Doc) -> tuple[str, tuple[int, int], int] | None:
    """The armed group a report says claimed an attack: attacks it tells without naming who acted
    are that group's claims ("The group claimed credit for ..."), the way an analyst reads it. Failing
    a claim word, 'X said its fighters attacked ...' claims as surely: an armed group named just before
    a 'said' word, in a sentence that tells an attack."""
    return _group_by_cue(doc, "claim", lambda m, cue: abs(m.start - cue.start) <= CLAIM_WINDOW) \
        or _group_by_cue(doc, "confirm", lambda m, cue: 0 <= cue.start - m.end <= CLAIM_WINDOW, attack_told=True)


def _group_by_cue(doc: Doc, cue_kind: str, beside: Callable[[Match, Match], bool], *,
                  attack_told: bool = False) -> tuple[str, tuple[int, int], int] | None:
    """The first armed group ``beside`` a ``cue_kind`` cue, in a sentence that denies nothing: (its
    name, its words, the sentence)."""
    for s in doc.sentences:
        cues = s.having("cue", cue_kind)  # asked first: most sentences have none
        if not cues or s.has("cue", "deny") or s.has("cue", "negation") or (attack_told and not s.has("trigger")):
            continue
        for cue in cues:
            for m, actor in sentence_actors(doc, s):
                if actor.type in ("armed_group", "umbrella") and beside(m, cue) \
                        and not _state_affiliated(doc, actor.id):
                    return actor.name, (m.start, m.end), s.index
    return None


def _state_affiliated(doc: Doc, actor_id: str) -> bool:
    """A body a state has taken in (the Popular Mobilization Forces): named as the affiliation of the
    groups that act and claim, rarely as one itself."""
    parent = doc.actors.parent(actor_id)
    return parent is not None and parent.type in STATE_TYPES


def actor_mentions(doc: Doc) -> list[tuple[int, Match, Actor, Actor]]:
    """(sentence, words, actor, its root) of every actor the report names as someone, not as a place:
    read once, for the report-wide readings."""
    found: list[tuple[int, Match, Actor, Actor]] | None = doc.memo.get("actor_mentions")
    if found is None:
        found = doc.memo["actor_mentions"] = [(s.index, m, actor, doc.actors.root(actor.id))
                                              for s in doc.sentences for m, actor in sentence_actors(doc, s)]
    return found


def sentence_actors(doc: Doc, s: Sentence) -> list[Mention]:
    """(words, actor) of every known actor the sentence names as someone, not as a place ('in Iraq'), in
    text order: looked up once per sentence, for every reading of who did, claimed or counted what."""
    found: list[Mention] | None = s.memo.get("actors")  # type: ignore[assignment]
    if found is None:
        found = s.memo["actors"] = [(m, actor) for m in s.having("actor") if m.value("place") is None
                                    and (actor := doc.actors.get(m.value("actor"))) is not None]
    return found
