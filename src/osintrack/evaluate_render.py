"""Plain-text tables for evaluation scores and the per-report error listing (no logic of their own)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_PRF_HEAD = f"{'n_gold':>7}{'n_pred':>8}{'tp':>6}{'P':>8}{'R':>8}{'F1':>8}"


def render(scores: Mapping[str, Any]) -> str:
    """Readable tables of an ``osintrack.evaluate.score`` result."""
    parts = [_events_table(scores), _fields_table("Event fields (matched pairs)", scores["fields"]),
             _tallies_table(scores)]
    if "incidents" in scores:
        parts.append(_incidents_table(scores["incidents"]))
    parts.append(_reports_line(scores))
    return "\n\n".join(parts) + "\n"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _prf_row(label: str, row: Mapping[str, Any], width: int = 14) -> str:
    return (f"  {label:<{width}}{row['n_gold']:>7}{row['n_pred']:>8}{row['tp']:>6}"
            f"{_num(row['precision']):>8}{_num(row['recall']):>8}{_num(row['f1']):>8}")


def _events_table(scores: Mapping[str, Any]) -> str:
    lines = [f"Events{'':<10}{_PRF_HEAD}", _prf_row("all", scores["events"])]
    lines += [_prf_row(lang, row) for lang, row in scores["events_by_language"].items()]
    return "\n".join(lines)


def _fields_table(title: str, fields: Mapping[str, Mapping[str, Any]]) -> str:
    lines = [f"{title:<30}{'n':>6}{'right':>7}{'accuracy':>10}"]
    for name, row in fields.items():
        lines.append(f"  {name:<28}{row['n']:>6}{row['correct']:>7}{_num(row['accuracy']):>10}")
    return "\n".join(lines)


def _tallies_table(scores: Mapping[str, Any]) -> str:
    head = f"Tallies{'':<9}{_PRF_HEAD}\n{_prf_row('all', scores['tallies'])}"
    return head + "\n" + _fields_table("Tally fields (matched tallies)", scores["tally_fields"])


def _incidents_table(incidents: Mapping[str, Any]) -> str:
    pairs = incidents["pairwise"]
    lines = [f"Incidents ({incidents['n_events']} matched events at a named place on a known day)",
             f"{'':<16}{'P':>8}{'R':>8}{'F1':>8}"]
    for name in ("bcubed", "pairwise"):
        row = incidents[name]
        lines.append(f"  {name:<14}{_num(row['precision']):>8}{_num(row['recall']):>8}{_num(row['f1']):>8}")
    lines[-1] += (f"   ({pairs['tp']} of {pairs['n_pred_pairs']} predicted pairs right, "
                  f"{pairs['n_gold_pairs']} gold pairs)")
    return "\n".join(lines)


def _reports_line(scores: Mapping[str, Any]) -> str:
    reports = scores["reports"]
    text = (f"Reports: {reports['gold']} gold, {reports['pred']} predicted, "
            f"{reports['missing_pred']} without a prediction (scored as empty)")
    if reports.get("optional_gold_events"):
        text += (f"\nOptional gold events (null date, background): {reports['optional_gold_events']}, "
                 f"of which {reports['excused_pred_events']} predicted (counted neither for nor against)")
    return "\n".join([text] + [f"WARNING: {w}" for w in scores.get("warnings", ())])


# --- diagnosis ----------------------------------------------------------------------------------


def render_diagnosis(diagnosis: Sequence[Mapping[str, Any]]) -> str:
    """Per report: missed (gold, unmatched) and spurious (predicted, unmatched) events and tallies,
    and wrong fields of matched pairs."""
    if not diagnosis:
        return "No errors: every gold event and tally matched, every matched field right.\n"
    return "\n\n".join(_report_block(entry) for entry in diagnosis) + "\n"


def _report_block(entry: Mapping[str, Any]) -> str:
    lines = [f"{entry['id']} ({entry['lang']})"]
    lines += [_event_line("missed", e) for e in entry["missed"]]
    lines += [_event_line("spurious", e) for e in entry["spurious"]]
    lines += [_wrong_line("wrong", w) for w in entry["wrong_fields"]]
    lines += [_tally_line("missed tally", t) for t in entry["missed_tallies"]]
    lines += [_tally_line("spurious tally", t) for t in entry["spurious_tallies"]]
    lines += [_wrong_line("wrong tally", w) for w in entry["wrong_tally_fields"]]
    return "\n".join(lines)


def _event_line(label: str, event: Mapping[str, Any]) -> str:
    return (f"  {label:<14} #{event['index']} {event['event_type']} {event['date'] or '-'} "
            f"@ {event['place']}\n{'':<18}\"{event['evidence']}\"")


def _tally_line(label: str, tally: Mapping[str, Any]) -> str:
    return (f"  {label:<14} #{tally['index']} {tally['metric']}={tally['count']} "
            f"since {tally['since'] or '-'} as of {tally['as_of'] or '-'}\n{'':<18}\"{tally['evidence']}\"")


def _wrong_line(label: str, wrong: Mapping[str, Any]) -> str:
    details = "; ".join(f"{name}: gold {values['gold']!r}, pred {values['pred']!r}"
                        for name, values in wrong["fields"].items())
    return f"  {label:<14} gold #{wrong['gold']} ~ pred #{wrong['pred']}: {details}"
