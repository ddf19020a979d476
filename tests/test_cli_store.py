"""``osintrack ingest / incidents / explain / tallies / export`` over the bundled examples, on SQLite and
PostgreSQL (the ``db_url`` fixture of test_store.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_store import EXAMPLES, db_url, make_corpus  # noqa: F401  (db_url is a fixture)

from osintrack.cli import main
from osintrack.ingest import read_reports


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def stored(db_url: str) -> str:  # noqa: F811
    result = run("ingest", EXAMPLES, "--db", db_url, "--batch-size", "5")
    assert result.exit_code == 0, result.output
    assert "14 reports stored in 3 batches" in result.stdout and "0 already stored" in result.stdout
    return db_url


def incident_lines(output: str) -> list[list[str]]:
    lines = output.splitlines()
    assert lines[0].split()[:4] == ["incident", "date", "country", "site"]
    return [line.split() for line in lines[2:] if line.startswith("inc-")]


def test_ingest_twice_stores_nothing_new(stored: str) -> None:
    result = run("ingest", EXAMPLES, "--db", stored)
    assert result.exit_code == 0, result.output
    assert "0 reports stored in 0 batches" in result.stdout and "14 already stored" in result.stdout


def test_ingest_bad_input_names_file_and_line_and_keeps_earlier_batches(db_url: str,  # noqa: F811
                                                                        tmp_path: Path) -> None:
    bad = make_corpus(tmp_path / "bad.jsonl", 1, bad_at=9)
    result = run("ingest", bad, "--db", db_url, "--batch-size", "4")
    assert result.exit_code != 0
    assert f"{bad}:9: not valid JSON" in result.output
    listed = run("incidents", "--db", db_url)
    assert listed.exit_code == 0, listed.output
    assert incident_lines(listed.stdout)  # the first two batches (8 reports) are stored
    resumed = run("ingest", bad, "--db", db_url, "--batch-size", "4", "--skip-bad")
    assert resumed.exit_code == 0, resumed.output
    assert "5 reports stored" in resumed.stdout and "8 already stored" in resumed.stdout
    assert "skipped 1 record: 1 bad_json" in resumed.stderr


def test_incidents_lists_and_filters(stored: str) -> None:
    result = run("incidents", "--db", stored)
    assert result.exit_code == 0, result.output
    rows = incident_lines(result.stdout)
    dates = [row[1] for row in rows]
    assert dates == sorted(dates) and len(rows) >= 12  # extraction quality itself is gated in test_examples.py
    # the English and Arabic reports of the 2023-10-17 Ain al-Asad attack are one incident of two reports
    asad = [row for row in rows if row[1] == "2023-10-17" and "Ain" in row]
    assert len(asad) == 1 and asad[0][-1] == "2"
    assert result.stdout.rstrip().endswith(f"{len(rows)} incidents")

    jordan = incident_lines(run("incidents", "--db", stored, "--country", "jo").stdout)
    assert jordan and all(row[2] == "JO" for row in jordan)
    window = incident_lines(run("incidents", "--db", stored, "--since", "2024-01", "--until", "2024-01-31").stdout)
    assert window and all(row[1].startswith("2024-01") for row in window)
    drones = incident_lines(run("incidents", "--db", stored, "--weapon", "drone", "--site", "ASAD").stdout)
    assert drones and all("drone" in row for row in drones)
    assert len(incident_lines(run("incidents", "--db", stored, "--limit", "3").stdout)) == 3
    strikes = incident_lines(run("incidents", "--db", stored, "--type", "air_strike").stdout)
    assert strikes and all("air_strike" in row for row in strikes) and len(strikes) < len(rows)
    arabic = incident_lines(run("incidents", "--db", stored, "--lang", "ar").stdout)
    assert asad[0] in arabic and len(arabic) < len(rows)  # the 2023-10-17 attack has an Arabic report
    none = run("incidents", "--db", stored, "--actor", "nobody at all")
    assert none.exit_code == 0 and "(none)" in none.stdout and "0 incidents" in none.stdout


def test_explain_shows_fields_sources_and_decisions(stored: str) -> None:
    rows = incident_lines(run("incidents", "--db", stored, "--since", "2023-10-17", "--until", "2023-10-17",
                              "--site", "asad").stdout)
    assert len(rows) == 1
    result = run("explain", rows[0][0], "--db", stored)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"INCIDENT {rows[0][0]}")
    assert "Fused fields" in out and "2023-10-17 (day)" in out and "Ain al-Asad Air Base" in out
    assert "Sources (2)" in out
    assert "ex-en-2023-10-19-asad-tanf#0  [en]" in out and "ex-ar-2023-10-17-asad-claim#0  [ar]" in out
    assert "https://example.org/" in out
    assert "Merge decisions (2)" in out and "open: opened:" in out and "join: joined" in out

    missing = run("explain", "inc-nope", "--db", stored)
    assert missing.exit_code != 0 and "no incident 'inc-nope'" in missing.output


def test_tallies_compares_official_counts_with_the_store(stored: str) -> None:
    result = run("tallies", "--db", stored)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "Pentagon" in lines  # one block per reporter
    lines = lines[lines.index("Pentagon"):]
    attacks = next(line.split() for line in lines if line.split()[:1] == ["attacks"])
    assert attacks[1:4] == ["2023-10-17", "2023-11-21", "66"]
    gap = next(cell for cell in attacks if cell.startswith("+"))
    assert int(gap) == 66 - int(attacks[4])  # gap: official minus stored
    assert any(line.split()[:2] == ["IQ", "32"] for line in lines)  # per-country breakdown


def test_export_jsonl_carries_incident_ids(stored: str, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run("export", "--format", "jsonl", "-o", out, "--db", stored)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == [r.id for r in read_reports(EXAMPLES)]
    events = [e for x in lines for e in x["events"]]
    assert events and all(e["incident"].startswith("inc-") for e in events)
    assert all(isinstance(e["evidence"], dict) and "start" in e["evidence"] for e in events)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "acled"])
def test_export_incident_formats(stored: str, fmt: str) -> None:
    result = run("export", "--format", fmt, "--db", stored)
    assert result.exit_code == 0, result.output
    n_incidents = len(incident_lines(run("incidents", "--db", stored).stdout))
    if fmt == "geojson":
        features = json.loads(result.stdout)["features"]
        assert 0 < len(features) <= n_incidents
    else:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert 0 < len(rows) <= n_incidents
    assert f"as {fmt}" in result.stderr


def test_export_parquet_needs_a_file(stored: str, tmp_path: Path) -> None:
    assert run("export", "--format", "parquet", "--db", stored).exit_code != 0
    pytest.importorskip("pyarrow", reason="Parquet export needs pyarrow (the dev extra installs it)")
    out = tmp_path / "incidents.parquet"
    result = run("export", "--format", "parquet", "-o", out, "--db", stored)
    assert result.exit_code == 0, result.output
    import pyarrow.parquet as pq

    assert pq.read_table(out).num_rows == len(incident_lines(run("incidents", "--db", stored).stdout))


def test_a_bad_database_url_is_a_clean_error(tmp_path: Path) -> None:
    result = run("incidents", "--db", "mysql://x@localhost/db")
    assert result.exit_code != 0 and "unsupported database 'mysql'" in result.output
    assert "Traceback" not in result.output
