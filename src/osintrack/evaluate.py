"""Score extractor output against gold, exactly as the "Scoring" section of the corpus FORMAT.md says.

Inputs are records in FORMAT.md's shape (``{"id", "events", "tallies"}``); ``score`` returns a
JSON-ready dict, ``render`` prints it as tables, ``diagnose``/``render_diagnosis`` list what went
wrong per report. The rules (which pairs may match, which field values are right) live in
``scoring_rules``, the one-to-one matching in ``assignment``, the tables in ``evaluate_render``;
this module matches, counts and reports.

Judgement calls the text of FORMAT.md leaves open, decided here once:
- precision/recall/F1 with nothing gold and nothing predicted are 1.0 (nothing to find, nothing
  wrongly found); with predictions but no gold, recall is 0.0, as is precision with gold but no
  predictions;
- a field accuracy with no counted pair is ``None`` (no evidence either way);
- predicted reports whose id is not in gold are not scored, only counted in a warning;
- incidents are scored over matched pairs whose gold event takes part in gold grouping (a named
  place and a day); gold events without those cannot be grouped, so they say nothing of clustering.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .assignment import match_pairs
from .errors import InputError
from .evaluate_render import render, render_diagnosis
from .scoring_rules import (
    EVENT_FIELDS,
    TALLY_FIELDS,
    event_field_checks,
    event_pair_cost,
    events_compatible,
    incident_clusters,
    optional_event,
    tallies_compatible,
    tally_field_checks,
    tally_pair_cost,
    validate_record,
)

Record = Mapping[str, Any]

__all__ = ["compare", "diagnose", "load_jsonl", "prf", "render", "render_diagnosis", "score"]

# --- reading ------------------------------------------------------------------------------------


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSON Lines file; InputError names ``file:line`` of the first bad one."""
    name = str(path)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=name, reason="unreadable") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8: {exc.reason}", path=name, reason="bad_encoding") from exc
    records: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _parse_line(line, name, number)
        rid = record["id"]
        if rid in first_line:
            raise InputError(f"duplicate id {rid!r} (first on line {first_line[rid]})", path=name,
                             line=number, field="id", reason="duplicate_id")
        first_line[rid] = number
        records.append(record)
    return records


def _parse_line(line: str, name: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=name, line=number,
                         reason="bad_json") from exc
    problem = validate_record(record)
    if problem is not None:
        raise InputError(problem, path=name, line=number, reason="bad_record")
    return dict(record)


# --- per-report comparison ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportComparison:
    """How one report's prediction lines up with its gold: index pairs and the leftovers."""

    id: str
    lang: str
    gold: Record
    pred: Record
    event_pairs: list[tuple[int, int]]  # pairs whose gold event counts (optional ones excluded)
    tally_pairs: list[tuple[int, int]]
    optional: frozenset[int] = frozenset()  # gold events that are optional background mentions
    excused: frozenset[int] = frozenset()  # predicted events matched to an optional gold event

    def events(self, side: str) -> list[Record]:
        return list((self.gold if side == "gold" else self.pred).get("events") or ())

    def tallies(self, side: str) -> list[Record]:
        return list((self.gold if side == "gold" else self.pred).get("tallies") or ())

    def unmatched(self, kind: str, side: str) -> list[int]:
        items = self.events(side) if kind == "events" else self.tallies(side)
        pairs = self.event_pairs if kind == "events" else self.tally_pairs
        taken = {pair[0 if side == "gold" else 1] for pair in pairs}
        if kind == "events":
            taken |= self.optional if side == "gold" else self.excused
        return [i for i in range(len(items)) if i not in taken]

    def counted_events(self, side: str) -> int:
        """Events that count: gold less its optional ones, predictions less those matched to them."""
        return len(self.events(side)) - len(self.optional if side == "gold" else self.excused)


def compare_report(rid: str, lang: str, gold: Record, pred: Record,
                   published: str | None = None) -> ReportComparison:
    """Match events (maximum matching, closest pairs) and tallies (same metric and count) one-to-one.
    Among maximum matchings, pairs with an optional gold event are taken only where no counted gold
    event is left for the prediction."""
    gold_events, pred_events = gold.get("events") or (), pred.get("events") or ()
    optional = frozenset(i for i, g in enumerate(gold_events) if optional_event(g, published))
    event_costs = [[event_pair_cost(g, p) if events_compatible(g, p) else None for p in pred_events]
                   for g in gold_events]
    required_total = sum(c for i, row in enumerate(event_costs) if i not in optional for c in row if c is not None)
    for i in optional:  # dearer than every counted pair together, cheaper than losing a pair
        event_costs[i] = [None if c is None else c + 1.0 + required_total for c in event_costs[i]]
    pairs = match_pairs(event_costs)
    gold_tallies, pred_tallies = gold.get("tallies") or (), pred.get("tallies") or ()
    tally_costs = [[tally_pair_cost(g, p) if tallies_compatible(g, p) else None for p in pred_tallies]
                   for g in gold_tallies]
    return ReportComparison(rid, lang, gold, pred, [(g, p) for g, p in pairs if g not in optional],
                            match_pairs(tally_costs), optional,
                            frozenset(p for g, p in pairs if g in optional))


def compare(gold: Sequence[Record], pred: Sequence[Record],
            articles: Sequence[Record] | None = None) -> tuple[list[ReportComparison], list[str]]:
    """One comparison per gold report (a report missing from ``pred`` is an empty prediction), and
    the ids of predicted reports that gold does not have."""
    gold_by_id = _index(gold, "gold")
    pred_by_id = _index(pred, "pred")
    langs = {str(a["id"]): str(a["lang"]) for a in articles or () if a.get("id") and a.get("lang")}
    published = {str(a["id"]): a.get("published") for a in articles or () if a.get("id")}
    comparisons = []
    for rid, gold_record in gold_by_id.items():
        pred_record = pred_by_id.get(rid, {})
        lang = langs.get(rid) or str(pred_record.get("lang") or "unknown")  # articles, prediction, unknown
        comparisons.append(compare_report(rid, lang, gold_record, pred_record, published.get(rid)))
    return comparisons, [rid for rid in pred_by_id if rid not in gold_by_id]


def _index(records: Sequence[Record], side: str) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for position, record in enumerate(records):
        problem = validate_record(record)
        if problem is not None:
            raise InputError(f"{side} record {position + 1}: {problem}", reason="bad_record")
        rid = str(record["id"])
        if rid in out:
            raise InputError(f"{side} has id {rid!r} twice", field="id", reason="duplicate_id")
        out[rid] = record
    return out


# --- scoring ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Counts:
    n_gold: int = 0
    n_pred: int = 0
    tp: int = 0

    def add(self, n_gold: int, n_pred: int, tp: int) -> None:
        self.n_gold += n_gold
        self.n_pred += n_pred
        self.tp += tp

    def to_json(self) -> dict[str, Any]:
        return {"n_gold": self.n_gold, "n_pred": self.n_pred, "tp": self.tp,
                **prf(self.tp, self.n_pred, self.n_gold)}


@dataclass(slots=True)
class _Accuracy:
    counted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    correct: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, checks: Mapping[str, bool]) -> None:
        for name, ok in checks.items():
            self.counted[name] += 1
            self.correct[name] += int(ok)

    def to_json(self, names: Sequence[str]) -> dict[str, Any]:
        return {name: {"n": self.counted[name], "correct": self.correct[name],
                       "accuracy": _ratio(self.correct[name], self.counted[name])} for name in names}


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    """Precision, recall and F1; nothing gold and nothing predicted is a perfect 1.0."""
    if n_pred == 0 and n_gold == 0:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def score(gold: Sequence[Record], pred: Sequence[Record],
          articles: Sequence[Record] | None = None) -> dict[str, Any]:
    """Scores of ``pred`` against ``gold`` as a JSON-ready dict (see ``render`` for a reading)."""
    comparisons, unknown_ids = compare(gold, pred, articles)
    events, tallies = _Counts(), _Counts()
    by_lang: dict[str, _Counts] = defaultdict(_Counts)
    fields, tally_fields = _Accuracy(), _Accuracy()
    for c in comparisons:
        counts = (c.counted_events("gold"), c.counted_events("pred"), len(c.event_pairs))
        events.add(*counts)
        by_lang[c.lang].add(*counts)
        tallies.add(len(c.tallies("gold")), len(c.tallies("pred")), len(c.tally_pairs))
        for gi, pi in c.event_pairs:
            fields.add(event_field_checks(c.events("gold")[gi], c.events("pred")[pi]))
        for gi, pi in c.tally_pairs:
            tally_fields.add(tally_field_checks(c.tallies("gold")[gi], c.tallies("pred")[pi]))
    out: dict[str, Any] = {
        "reports": {"gold": len(comparisons), "pred": len(pred),
                    "missing_pred": sum(1 for c in comparisons if "id" not in c.pred),
                    "unknown_pred": len(unknown_ids),
                    "optional_gold_events": sum(len(c.optional) for c in comparisons),
                    "excused_pred_events": sum(len(c.excused) for c in comparisons)},
        "events": events.to_json(),
        "events_by_language": {lang: by_lang[lang].to_json() for lang in sorted(by_lang)},
        "fields": fields.to_json(EVENT_FIELDS),
        "tallies": tallies.to_json(),
        "tally_fields": tally_fields.to_json(TALLY_FIELDS),
        "warnings": _warnings(unknown_ids, _undated_without_articles(comparisons, articles)),
    }
    if any("incident" in e for p in pred for e in p.get("events") or ()):
        out["incidents"] = score_incidents(comparisons)
    return out


def _warnings(unknown_ids: Sequence[str], undated: int) -> list[str]:
    out = []
    if unknown_ids:
        shown = ", ".join(unknown_ids[:5]) + (", ..." if len(unknown_ids) > 5 else "")
        out.append(f"{len(unknown_ids)} predicted report(s) not in gold, not scored: {shown}")
    if undated:
        out.append(f"{undated} gold event(s) with a null date scored as required: without --articles the "
                   "publication dates are unknown, so background mentions cannot be told apart")
    return out


def _undated_without_articles(comparisons: Sequence[ReportComparison], articles: Sequence[Record] | None) -> int:
    if articles:
        return 0
    return sum(1 for c in comparisons for e in c.events("gold") if e.get("date") is None)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- incidents ----------------------------------------------------------------------------------


def score_incidents(comparisons: Sequence[ReportComparison]) -> dict[str, Any]:
    """B-cubed and pairwise P/R/F1 of the predicted ``incident`` ids of matched events, against gold
    events grouped across reports (same day, same type, within 25 km or the same site)."""
    gold_events = [(c.id, i, e) for c in comparisons for i, e in enumerate(c.events("gold"))]
    clusters = incident_clusters([e for _, _, e in gold_events])
    gold_cluster = {(rid, i): cluster for (rid, i, _), cluster in zip(gold_events, clusters, strict=True)}
    gold_ids: list[int] = []
    pred_ids: list[str] = []
    for c in comparisons:
        for gi, pi in c.event_pairs:
            cluster = gold_cluster[(c.id, gi)]
            if cluster is None:
                continue
            gold_ids.append(cluster)
            incident = c.events("pred")[pi].get("incident")
            pred_ids.append(str(incident) if incident is not None else f"\x00{c.id}#{pi}")
    return {"n_events": len(gold_ids), "bcubed": bcubed(gold_ids, pred_ids),
            "pairwise": pairwise(gold_ids, pred_ids)}


def bcubed(gold_ids: Sequence[Any], pred_ids: Sequence[Any]) -> dict[str, float | None]:
    """B-cubed precision/recall/F1 of item labels ``pred_ids`` against ``gold_ids`` (same order)."""
    if not gold_ids:
        return {"precision": None, "recall": None, "f1": None}
    precision = recall = 0.0
    for g, p in zip(gold_ids, pred_ids, strict=True):
        same_pred = [j for j, other in enumerate(pred_ids) if other == p]
        same_gold = [j for j, other in enumerate(gold_ids) if other == g]
        both = len(set(same_pred) & set(same_gold))
        precision += both / len(same_pred)
        recall += both / len(same_gold)
    precision, recall = precision / len(gold_ids), recall / len(gold_ids)
    return {"precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0}


def pairwise(gold_ids: Sequence[Any], pred_ids: Sequence[Any]) -> dict[str, Any]:
    """Precision/recall/F1 over pairs of items that share a label."""
    n_gold = n_pred = tp = 0
    for i in range(len(gold_ids)):
        for j in range(i + 1, len(gold_ids)):
            same_gold, same_pred = gold_ids[i] == gold_ids[j], pred_ids[i] == pred_ids[j]
            n_gold += same_gold
            n_pred += same_pred
            tp += same_gold and same_pred
    return {"n_gold_pairs": n_gold, "n_pred_pairs": n_pred, "tp": tp, **prf(tp, n_pred, n_gold)}


# --- diagnosis ----------------------------------------------------------------------------------


def diagnose(gold: Sequence[Record], pred: Sequence[Record],
             articles: Sequence[Record] | None = None) -> list[dict[str, Any]]:
    """Per report with anything wrong: unmatched gold and predicted events and tallies, and the
    fields a matched pair gets wrong."""
    comparisons, _ = compare(gold, pred, articles)
    out = []
    for c in comparisons:
        entry = _diagnose_report(c)
        if any(entry[key] for key in ("missed", "spurious", "wrong_fields", "missed_tallies",
                                      "spurious_tallies", "wrong_tally_fields")):
            out.append(entry)
    return out


def _diagnose_report(c: ReportComparison) -> dict[str, Any]:
    gold_events, pred_events = c.events("gold"), c.events("pred")
    gold_tallies, pred_tallies = c.tallies("gold"), c.tallies("pred")
    return {
        "id": c.id, "lang": c.lang,
        "missed": [event_summary(i, gold_events[i]) for i in c.unmatched("events", "gold")],
        "spurious": [event_summary(i, pred_events[i]) for i in c.unmatched("events", "pred")],
        "wrong_fields": _wrong_pairs(c.event_pairs, gold_events, pred_events, event_field_checks),
        "missed_tallies": [tally_summary(i, gold_tallies[i]) for i in c.unmatched("tallies", "gold")],
        "spurious_tallies": [tally_summary(i, pred_tallies[i]) for i in c.unmatched("tallies", "pred")],
        "wrong_tally_fields": _wrong_pairs(c.tally_pairs, gold_tallies, pred_tallies, tally_field_checks),
    }


def _wrong_pairs(pairs: Sequence[tuple[int, int]], gold: Sequence[Record], pred: Sequence[Record],
                 checks: Callable[[Record, Record], Mapping[str, bool]]) -> list[dict[str, Any]]:
    """The matched pairs that get a counted field wrong, with gold's and the prediction's values."""
    out = []
    for gi, pi in pairs:
        bad = [name for name, ok in checks(gold[gi], pred[pi]).items() if not ok]
        if bad:
            out.append({"gold": gi, "pred": pi,
                        "fields": {name: {"gold": _field_value(gold[gi], name),
                                          "pred": _field_value(pred[pi], name)} for name in bad}})
    return out


def _field_value(record: Record, name: str) -> Any:
    if name == "place":
        return {"site": record.get("site"), "lat": record.get("lat"), "lon": record.get("lon")}
    return record.get(name)


def event_summary(index: int, event: Record) -> dict[str, Any]:
    date = event.get("date")
    if date is not None and event.get("date_precision") not in (None, "day"):
        date = f"{date}/{event.get('date_precision')}"
    return {"index": index, "event_type": event.get("event_type"), "date": date,
            "place": _place_text(event), "evidence": evidence_snippet(event.get("evidence"))}


def tally_summary(index: int, tally: Record) -> dict[str, Any]:
    return {"index": index, "metric": tally.get("metric"), "count": tally.get("count"),
            "since": tally.get("since"), "as_of": tally.get("as_of"),
            "evidence": evidence_snippet(tally.get("evidence"))}


def _place_text(event: Record) -> str:
    parts = [str(event[key]) for key in ("site", "admin1", "country") if event.get(key)]
    if event.get("lat") is not None and event.get("lon") is not None:
        parts.append(f"({float(event['lat']):.2f},{float(event['lon']):.2f})")
    return ", ".join(parts) or "-"


def evidence_snippet(evidence: Any, width: int = 90) -> str:
    """The evidence text (a bare string or ``{"text": ...}``), shortened to ``width`` characters."""
    text = evidence.get("text") if isinstance(evidence, Mapping) else evidence
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 3] + "..."
