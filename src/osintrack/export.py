"""Writers of resolved data: FORMAT.md's extractor lines with incident ids, and fused incidents as
CSV, GeoJSON, Parquet and ACLED-style CSV. Writers take plain records and write to a path
(atomically: a temporary file renamed at the end) or to an open stream; each returns how many
records it wrote and how many it left out, with why.

The ACLED mapping (types, precision codes, interaction codes) is explained in docs/resolution.md.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO, cast

from .actors import load_actors
from .errors import OsintrackError
from .fusion import Fused
from .model import Extraction

__all__ = ["ACLED_COLUMNS", "INCIDENT_COLUMNS", "ExportResult", "acled_row", "acled_types", "incident_row",
           "write_acled",
           "write_csv", "write_geojson", "write_jsonl", "write_parquet"]

Out = str | Path | TextIO


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What a writer did: records written, records left out and why (e.g. no coordinates)."""

    written: int
    omitted: int = 0
    omitted_reason: str | None = None


INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id", "event_type", "date", "date_precision", "country", "admin1", "site", "lat", "lon",
    "geo_precision", "weapon", "actor", "target", "claimed_by", "confirmed_by", "killed", "injured",
    "intercepted", "status", "status_by", "sources", "outlets", "outlet_names", "languages", "conflicts",
    "mentions", "copies")
_LIST_COLUMNS = ("status_by", "outlet_names", "languages", "mentions", "copies")


# --- FORMAT.md lines ----------------------------------------------------------------------------


def write_jsonl(extractions: Iterable[Extraction], out: Out) -> ExportResult:
    """FORMAT.md's extractor output, one line per report; events carry ``incident`` where set (see
    ``resolve.attach_incidents``), which is the form the corpus scoring reads resolution from."""
    written = 0
    with _text_out(out) as stream:
        for extraction in extractions:
            stream.write(json.dumps(extraction.to_json(), ensure_ascii=False) + "\n")
            written += 1
    return ExportResult(written)


# --- fused incidents ----------------------------------------------------------------------------


def incident_row(incident: Fused) -> dict[str, Any]:
    """One flat record per incident (``INCIDENT_COLUMNS``); list columns stay lists here."""
    data = incident.to_json()
    row = {name: data.get(name) for name in INCIDENT_COLUMNS}
    row["conflicts"] = _conflicts_text(incident)
    return row


def _conflicts_text(incident: Fused) -> str:
    """Disagreeing values with the mentions that gave them: "killed: 6 (a#0, b#1) | 7 (c#0)"."""
    parts = []
    for name, prov in incident.conflicts().items():
        said = " | ".join(f"{_plain(value)} ({', '.join(keys)})" for value, keys in prov.values)
        parts.append(f"{name}: {said}")
    return "; ".join(parts)


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):  # a date or a place: its most telling parts
        keys = ("date", "date_precision") if "date" in value else ("site", "admin1", "country")
        return "/".join(str(value[k]) for k in keys if value.get(k) is not None)
    return str(value)


def write_csv(incidents: Iterable[Fused], out: Out) -> ExportResult:
    """Fused incidents as CSV with ``INCIDENT_COLUMNS``; list columns joined by "; "."""
    written = 0
    with _text_out(out) as stream:
        writer = csv.DictWriter(stream, fieldnames=INCIDENT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for incident in incidents:
            writer.writerow(_flat(incident_row(incident)))
            written += 1
    return ExportResult(written)


def _flat(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: "; ".join(v) if k in _LIST_COLUMNS else ("" if v is None else v) for k, v in row.items()}


def write_geojson(incidents: Iterable[Fused], out: Out) -> ExportResult:
    """A FeatureCollection of Points; incidents without coordinates have no place on a map and are
    left out (counted in the result)."""
    features, omitted = [], 0
    for incident in incidents:
        if incident.lat is None or incident.lon is None:
            omitted += 1
            continue
        properties = {k: v for k, v in incident_row(incident).items() if k not in ("lat", "lon")}
        features.append({"type": "Feature", "id": incident.incident_id,
                         "geometry": {"type": "Point", "coordinates": [incident.lon, incident.lat]},
                         "properties": properties})
    with _text_out(out) as stream:
        json.dump({"type": "FeatureCollection", "features": features}, stream, ensure_ascii=False)
        stream.write("\n")
    return ExportResult(len(features), omitted, "no coordinates" if omitted else None)


def write_parquet(incidents: Iterable[Fused], out: str | Path | IO[bytes]) -> ExportResult:
    """Fused incidents as a Parquet table with ``INCIDENT_COLUMNS`` (list columns as lists of strings).
    Needs the optional pyarrow: ``pip install osintrack[parquet]``."""
    try:
        import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError as exc:
        raise OsintrackError("Parquet export needs pyarrow, which is not installed",
                             hint="pip install 'osintrack[parquet]'") from exc
    rows = [incident_row(incident) for incident in incidents]
    types = {"lat": pa.float64(), "lon": pa.float64(), "killed": pa.int64(), "injured": pa.int64(),
             "intercepted": pa.bool_(), "sources": pa.int64(), "outlets": pa.int64()}
    schema = pa.schema([(name, pa.list_(pa.string()) if name in _LIST_COLUMNS else types.get(name, pa.string()))
                        for name in INCIDENT_COLUMNS])
    table = pa.Table.from_pylist(rows, schema=schema)
    if isinstance(out, str | Path):
        with _atomic(Path(out), binary=True) as stream:
            pq.write_table(table, stream)
    else:
        pq.write_table(table, out)
    return ExportResult(len(rows))


# --- ACLED --------------------------------------------------------------------------------------

ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp")

TIME_PRECISION = {"day": 1, "week": 2, "month": 3}
GEO_PRECISION = {"site": 1, "town": 1, "region": 2, "country": 3}

# ISO alpha-2 -> (English name, ISO numeric, ACLED region) for the theatre and its neighbours.
_COUNTRIES: dict[str, tuple[str, int, str]] = {
    "IQ": ("Iraq", 368, "Middle East"), "SY": ("Syria", 760, "Middle East"), "JO": ("Jordan", 400, "Middle East"),
    "LB": ("Lebanon", 422, "Middle East"), "YE": ("Yemen", 887, "Middle East"),
    "IL": ("Israel", 376, "Middle East"), "PS": ("Palestine", 275, "Middle East"),
    "IR": ("Iran", 364, "Middle East"), "TR": ("Turkey", 792, "Middle East"),
    "SA": ("Saudi Arabia", 682, "Middle East"), "KW": ("Kuwait", 414, "Middle East"),
    "BH": ("Bahrain", 48, "Middle East"), "QA": ("Qatar", 634, "Middle East"),
    "AE": ("United Arab Emirates", 784, "Middle East"), "OM": ("Oman", 512, "Middle East"),
    "EG": ("Egypt", 818, "Northern Africa"),
}
_ISO3 = {"IQ": "IRQ", "SY": "SYR", "JO": "JOR", "LB": "LBN", "YE": "YEM", "IL": "ISR", "PS": "PSE", "IR": "IRN",
         "TR": "TUR", "SA": "SAU", "KW": "KWT", "BH": "BHR", "QA": "QAT", "AE": "ARE", "OM": "OMN", "EG": "EGY"}

_REMOTE = "Explosions/Remote violence"
# (event_type, weapon) -> (ACLED event_type, sub_event_type); weapon None is any weapon.
_ACLED_TYPES: dict[tuple[str, str | None], tuple[str, str]] = {
    ("air_strike", None): (_REMOTE, "Air/drone strike"),
    ("attack", "drone"): (_REMOTE, "Air/drone strike"),
    ("attack", "aircraft"): (_REMOTE, "Air/drone strike"),
    ("attack", "rocket"): (_REMOTE, "Shelling/artillery/missile attack"),
    ("attack", "missile"): (_REMOTE, "Shelling/artillery/missile attack"),
    ("attack", "mortar"): (_REMOTE, "Shelling/artillery/missile attack"),
    ("attack", "ied"): (_REMOTE, "Remote explosive/landmine/IED"),
    ("attack", "small_arms"): ("Battles", "Armed clash"),
    # The source does not say how: the theatre's attacks are mostly remote, the sub-type is left to a person.
    ("attack", "unknown"): (_REMOTE, ""),
}


def acled_types(event_type: str, weapon: str) -> tuple[str, str]:
    """ACLED (event_type, sub_event_type) for one of ours."""
    return _ACLED_TYPES.get((event_type, None)) or _ACLED_TYPES.get((event_type, weapon)) or (_REMOTE, "")


def write_acled(incidents: Iterable[Fused], out: Out, *, timestamp: int | None = None) -> ExportResult:
    """Fused incidents in ACLED's columns and conventions (see docs/resolution.md); ACLED needs a
    date, so undated incidents are left out (counted in the result). ``timestamp`` (Unix seconds,
    default now) is ACLED's last-modified column."""
    stamp = int(time.time()) if timestamp is None else timestamp
    written = omitted = 0
    with _text_out(out) as stream:
        writer = csv.DictWriter(stream, fieldnames=ACLED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for incident in incidents:
            row = acled_row(incident, stamp)
            if row is None:
                omitted += 1
                continue
            writer.writerow(row)
            written += 1
    return ExportResult(written, omitted, "no date" if omitted else None)


def acled_row(incident: Fused, timestamp: int) -> dict[str, Any] | None:
    """One ACLED row, or None for an incident without a date."""
    if incident.date is None or incident.date_precision not in TIME_PRECISION:
        return None
    event_date = incident.date if len(incident.date) == 10 else incident.date + "-15"  # a month: its middle
    code = incident.country or ""
    name, numeric, region = _COUNTRIES.get(code, (code, None, ""))
    event_type, sub_event_type = acled_types(incident.event_type, incident.weapon)
    actor1, actor2 = incident.actor or "", incident.target or ""
    assoc = incident.claimed_by if incident.claimed_by and incident.claimed_by != incident.actor else ""
    inter1, inter2 = _inter(incident.actor, code), _inter(incident.target, code)
    return {
        "event_id_cnty": f"{_ISO3.get(code, code or 'XXX')}{incident.incident_id.removeprefix('inc-')}",
        "event_date": event_date, "year": int(event_date[:4]),
        "time_precision": TIME_PRECISION[incident.date_precision],
        "disorder_type": "Political violence", "event_type": event_type, "sub_event_type": sub_event_type,
        "actor1": actor1, "assoc_actor_1": assoc, "inter1": inter1,
        "actor2": actor2, "assoc_actor_2": "", "inter2": inter2,
        "interaction": f"{min(inter1, inter2)}{max(inter1, inter2)}" if inter1 and inter2 else "",
        "civilian_targeting": "", "iso": numeric if numeric is not None else "", "region": region,
        "country": name, "admin1": incident.admin1 or "", "admin2": "", "admin3": "",
        "location": incident.site or incident.admin1 or name,
        "latitude": "" if incident.lat is None else incident.lat,
        "longitude": "" if incident.lon is None else incident.lon,
        "geo_precision": GEO_PRECISION.get(incident.geo_precision or "country", 3),
        "source": "; ".join(incident.outlet_names), "source_scale": "",
        "notes": _notes(incident), "fatalities": incident.killed or 0, "tags": "; ".join(_tags(incident)),
        "timestamp": timestamp,
    }


def _inter(actor: str | None, country: str) -> int | str:
    """ACLED's actor type code where our actor dictionary settles it: 1 state forces acting in their
    own country, 8 state forces abroad. Whether a non-state armed group is a "rebel group" (2) or a
    "political militia" (3) is a judgement left to a person: blank."""
    if not actor:
        return ""
    known = load_actors().resolve(actor)
    if known is None or known.type not in ("state", "state_force"):
        return ""
    return 1 if known.country == country else 8


def _notes(incident: Fused) -> str:
    """A neutral sentence built from the coded fields (never from report text)."""
    place = ", ".join(p for p in (incident.site, incident.admin1, incident.country) if p)
    parts = [f"On {incident.date} ({incident.date_precision}): {incident.event_type.replace('_', ' ')}"
             f"{'' if incident.weapon == 'unknown' else ' (' + incident.weapon + ')'} at {place or 'unknown place'}."]
    if incident.actor:
        parts.append(f"Attributed to {incident.actor}.")
    if incident.target:
        parts.append(f"Target: {incident.target}.")
    if incident.claimed_by:
        parts.append(f"Claimed by {incident.claimed_by}.")
    if incident.confirmed_by:
        parts.append(f"Confirmed by {incident.confirmed_by}.")
    if incident.intercepted:
        parts.append("Reported intercepted.")
    killed = incident.fields.get("killed")
    if killed is not None and killed.conflict:
        parts.append(f"Fatalities reported differently: {' or '.join(str(v) for v, _ in killed.values)}; "
                     "the lowest is coded.")
    copies = f" and {len(incident.copies)} copy/copies of them" if incident.copies else ""
    parts.append(f"{incident.sources} source report(s){copies}, {incident.outlets} outlet(s).")
    return " ".join(parts)


def _tags(incident: Fused) -> list[str]:
    tags = [f"status: {incident.status}", f"weapon: {incident.weapon}"]
    if incident.intercepted:
        tags.append("intercepted")
    if incident.killed is None:
        tags.append("fatalities not reported")
    tags.extend(f"{name} disputed" for name in incident.conflicts())
    return tags


# --- output plumbing ----------------------------------------------------------------------------


@contextmanager
def _text_out(out: Out) -> Iterator[TextIO]:
    if isinstance(out, str | Path):
        with _atomic(Path(out), binary=False) as stream:
            yield cast(TextIO, stream)
        return
    yield out


@contextmanager
def _atomic(target: Path, *, binary: bool) -> Iterator[IO[Any]]:
    """A file at ``target`` written through a temporary sibling renamed at the end, so an interrupted
    export never leaves a partial file that looks complete."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        stream = open(tmp, "wb") if binary else open(tmp, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise OsintrackError(f"cannot write output: {exc.strerror or exc}", path=str(target)) from exc
    try:
        with stream:
            yield stream
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OsintrackError(f"cannot write output: {exc.strerror or exc}", path=str(target)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)  # an interrupted or failed export leaves no partial file behind
        raise

