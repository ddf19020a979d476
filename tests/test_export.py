"""Writers of resolved data (osintrack.export): every format parses back. Inputs are invented."""

from __future__ import annotations

import builtins
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from osintrack.errors import OsintrackError
from osintrack.export import (
    ACLED_COLUMNS,
    INCIDENT_COLUMNS,
    ExportResult,
    acled_types,
    write_acled,
    write_csv,
    write_geojson,
    write_jsonl,
    write_parquet,
)
from osintrack.fusion import Fused, fuse
from osintrack.model import Event, Extraction
from osintrack.resolve import Mention, attach_incidents, outlet_of


def _mention(key: str, url: str | None = None, **fields: Any) -> Mention:
    base: dict[str, Any] = {"event_type": "attack", "date": "2023-11-23", "date_precision": "day", "country": "IQ",
                            "site": "Base One", "lat": 33.8, "lon": 42.44, "geo_precision": "site"}
    return Mention(key, key.split("#")[0], Event(**{**base, **fields}), "en", url, outlet_of(url))


def _incidents() -> list[Fused]:
    return [
        fuse("inc-000000000001", [_mention("a#0", "https://one.example/1", killed=6, weapon="drone",
                                           actor="US forces", target="Group One"),
                                  _mention("b#0", "https://two.example/2", killed=7, weapon="drone")]),
        fuse("inc-000000000002", [_mention("c#0", date="2023-12", date_precision="month", weapon="rocket",
                                           site=None, lat=None, lon=None, geo_precision="country", country="SY",
                                           claimed_by="Group One", actor="Group Two")]),
        fuse("inc-000000000003", [_mention("d#0", date="2023-12-05", date_precision="week", weapon="unknown",
                                           event_type="air_strike", geo_precision="region", site=None,
                                           admin1="Province One")]),
        fuse("inc-000000000004", [_mention("e#0", date=None, date_precision=None)]),
    ]


def test_jsonl_carries_incident_ids(tmp_path: Path) -> None:
    extraction = Extraction("a", (_mention("a#0").event, _mention("a#1").event), ())
    target = tmp_path / "out.jsonl"
    result = write_jsonl([attach_incidents(extraction, {"a#0": "inc-1", "a#1": "inc-2"})], target)
    assert result == ExportResult(1)
    [line] = target.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert [e["incident"] for e in record["events"]] == ["inc-1", "inc-2"]
    assert Extraction.from_json(record).events[0].incident == "inc-1"


def test_csv_header_and_rows() -> None:
    stream = io.StringIO()
    assert write_csv(_incidents(), stream).written == 4
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert tuple(rows[0]) == INCIDENT_COLUMNS
    assert rows[0]["killed"] == "6" and rows[0]["mentions"] == "a#0; b#0"
    assert rows[0]["conflicts"] == "killed: 6 (a#0) | 7 (b#0)"
    assert rows[0]["outlets"] == "2" and rows[3]["date"] == ""


def test_geojson_omits_incidents_without_coordinates(tmp_path: Path) -> None:
    target = tmp_path / "incidents.geojson"
    result = write_geojson(_incidents(), target)
    assert (result.written, result.omitted, result.omitted_reason) == (3, 1, "no coordinates")
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [42.44, 33.8]}
    assert feature["id"] == "inc-000000000001" and feature["properties"]["mentions"] == ["a#0", "b#0"]


def test_parquet_reads_back(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is in the dev and parquet extras")
    target = tmp_path / "incidents.parquet"
    assert write_parquet(_incidents(), target).written == 4
    table = pq.read_table(target)
    assert tuple(table.column_names) == INCIDENT_COLUMNS
    rows = table.to_pylist()
    assert rows[0]["killed"] == 6 and rows[0]["mentions"] == ["a#0", "b#0"] and rows[0]["lat"] == 33.8
    assert rows[1]["lat"] is None and rows[3]["date"] is None


def test_parquet_without_pyarrow_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pyarrow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(OsintrackError, match="pyarrow") as info:
        write_parquet(_incidents(), io.BytesIO())
    assert "pip install 'osintrack[parquet]'" in str(info.value)


def test_acled_columns_and_codes() -> None:
    stream = io.StringIO()
    result = write_acled(_incidents(), stream, timestamp=1700000000)
    assert (result.written, result.omitted, result.omitted_reason) == (3, 1, "no date")
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert tuple(rows[0]) == ACLED_COLUMNS
    day, month, week = rows
    assert [r["time_precision"] for r in rows] == ["1", "3", "2"]
    assert (day["event_date"], day["year"], month["event_date"]) == ("2023-11-23", "2023", "2023-12-15")
    assert (day["country"], day["iso"], month["country"]) == ("Iraq", "368", "Syria")
    assert day["event_id_cnty"] == "IRQ000000000001"
    assert [r["geo_precision"] for r in rows] == ["1", "3", "2"]
    assert (day["event_type"], day["sub_event_type"]) == ("Explosions/Remote violence", "Air/drone strike")
    assert month["sub_event_type"] == "Shelling/artillery/missile attack"
    assert week["sub_event_type"] == "Air/drone strike"  # an air strike, whatever the weapon
    assert day["fatalities"] == "6" and "killed disputed" in day["tags"]
    assert (day["actor1"], day["inter1"], day["actor2"], day["inter2"]) == ("US forces", "8", "Group One", "")
    assert (month["actor1"], month["assoc_actor_1"]) == ("Group Two", "Group One")
    assert day["source"] == "one.example; two.example" and day["timestamp"] == "1700000000"
    assert "6 or 7" in day["notes"]


def test_acled_type_mapping() -> None:
    assert acled_types("attack", "ied") == ("Explosions/Remote violence", "Remote explosive/landmine/IED")
    assert acled_types("attack", "small_arms") == ("Battles", "Armed clash")
    assert acled_types("attack", "unknown") == ("Explosions/Remote violence", "")


def test_path_output_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "incidents.csv"
    target.write_text("old\n", encoding="utf-8")

    def broken() -> Any:
        yield _incidents()[0]
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_csv(broken(), target)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["incidents.csv"]
