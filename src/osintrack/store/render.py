"""Plain-text views of stored records for the command line."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .read import Explanation

_WIDTH = 100


def render_explanation(found: Explanation) -> str:
    """The incident's fused fields (each value with the mentions that gave it, and any value other
    sources gave instead), its sources with their evidence, and every merge decision with its reason."""
    fused = found.fused
    lines = [f"INCIDENT {found.id}"]
    summary = [(name, fused.get(name)) for name in ("event_type", "status", "sources", "outlets", "languages")]
    lines.append("  " + "   ".join(f"{name}: {_plain(value)}" for name, value in summary if value is not None))
    if fused.get("status_by"):
        lines.append(f"  {fused.get('status')} by: {', '.join(map(str, fused['status_by']))}")
    lines += ["", "Fused fields (value  <- mentions that gave it)"]
    fields = fused.get("fields")
    if isinstance(fields, Mapping):
        for name, prov in fields.items():
            lines.extend(_field_lines(name, prov))
    else:
        lines.extend(f"  {name:<13} {_plain(value)}" for name, value in fused.items())
    lines += ["", f"Sources ({len(found.sources)})"]
    for source in found.sources:
        lines.append(f"  {source.report_id}#{source.idx}  [{source.lang or '-'}]  {source.published or '-'}  "
                     f"{source.url or '(no url)'}")
        if source.copy_of:
            lines.append(f"      a copy of {source.copy_of} (similarity {source.copy_similarity:.2f}): "
                         "one source with it")
        if source.evidence:
            lines.append(f"      \u201c{_short(source.evidence)}\u201d")
    lines += ["", f"Merge decisions ({len(found.decisions)})"]
    for decision in found.decisions:
        lines.append(f"  #{decision.seq}  {decision.mention_key}  {decision.action}: {decision.reason}")
    return "\n".join(lines) + "\n"


def _field_lines(name: str, prov: Any) -> list[str]:
    if not isinstance(prov, Mapping) or "value" not in prov:
        return [f"  {name:<13} {_plain(prov)}"]
    values = [v for v in prov.get("values") or () if isinstance(v, list | tuple) and len(v) == 2]
    chosen: list[str] = next((keys for value, keys in values if value == prov["value"]), [])
    lines = [f"  {name:<13} {_show(prov['value'])}" + (f"  <- {', '.join(chosen)}" if chosen else "")]
    for value, keys in values:
        if value != prov["value"]:
            lines.append(f"  {'':<13} also said: {_show(value)}  <- {', '.join(keys)}")
    return lines


def _show(value: Any) -> str:
    """A fused value for a person: dates and places in words, the rest as they are."""
    if isinstance(value, Mapping) and "date" in value:
        return f"{value['date']} ({value.get('date_precision') or 'day'})"
    if isinstance(value, Mapping) and "geo_precision" in value:
        names = ", ".join(str(value[k]) for k in ("site", "admin1", "country") if value.get(k))
        point = f"{value['lat']:.2f}, {value['lon']:.2f}; " if value.get("lat") is not None \
            and value.get("lon") is not None else ""
        return f"{names or '-'} ({point}{value['geo_precision']})"
    return _plain(value)


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return ", ".join(value) or "-"
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _WIDTH else flat[: _WIDTH - 1] + "\u2026"


_TALLY_COLUMNS = ("metric", "since", "as of", "official", "stored", "gap", "countries", "report")


def render_tallies(rows: Sequence[Mapping[str, Any]]) -> str:
    """Per reporter, each official count over time beside what the store holds for the same window and
    countries and the gap; by country where the tally breaks down; and the change between successive
    statements (``interval``) beside the incidents stored in between."""
    if not rows:
        return "(no tallies stored)\n"
    by_reporter: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_reporter.setdefault(row.get("reported_by") or "(unattributed)", []).append(row)
    lines: list[str] = []
    for reporter in sorted(by_reporter, key=str.casefold):
        ordered = sorted(by_reporter[reporter], key=lambda r: (r["metric"], r.get("as_of") or "", r["report_id"]))
        table: list[tuple[str, ...]] = []
        for row in ordered:
            official = _QUALIFIERS.get(row.get("qualifier") or "", "") + str(row["count"])
            table.append((row["metric"], row.get("since") or "-", row.get("as_of") or "-", official,
                          _stored_cell(row), f"{row['gap']:+d}", ", ".join(row.get("countries") or ()) or "-",
                          row["report_id"]))
            for country, split in (row.get("by_country") or {}).items():
                table.append(("", "", f"  {country}", str(split["official"]), str(split["stored"]),
                              f"{split['gap']:+d}", "", ""))
            interval = row.get("interval")
            if interval:
                table.append(("", interval["from"], interval["to"] or "-", f"{interval['official_delta']:+d}",
                              _stored_cell(interval), f"{interval['gap']:+d}", "(change since the last count)",
                              ""))
        lines += [reporter, _table(_TALLY_COLUMNS, table), ""]
    lines.append("stored: attack incidents (or their killed/injured figures) wholly inside the window and countries;"
                 " ?N: N more straddle the window's edges; gap: official minus stored")
    return "\n".join(lines) + "\n"


_QUALIFIERS = {"more_than": ">", "at_least": ">=", "about": "~", "at_most": "<="}


def _stored_cell(row: Mapping[str, Any]) -> str:
    text = str(row["stored"])
    if row.get("uncertain"):
        text += f" ?{row['uncertain']}"
    return text


def _table(columns: Sequence[str], rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  " + "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in rows)])
