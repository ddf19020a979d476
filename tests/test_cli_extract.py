"""``osintrack extract``: one JSON line per report in input order, clean errors, atomic output, table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from osintrack import ingest, pipeline
from osintrack.cli import main
from osintrack.model import Event, Evidence, Extraction, Report, Tally

GOLDEN = Path(__file__).parent / "golden" / "ingest"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture(autouse=True)
def no_language_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "available_languages", lambda: [])


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["extract", *map(str, args)])


def ids_of(lines: str) -> list[str]:
    return [json.loads(line)["id"] for line in lines.splitlines() if line]


def write_jsonl(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_writes_one_line_per_report_in_input_order() -> None:
    result = run(GOLDEN / "txt", GOLDEN / "reports.jsonl", GOLDEN / "reports.csv")
    assert result.exit_code == 0, result.output
    assert ids_of(result.stdout) == ["alpha", "gamma", "nested/beta", "g-001", "g-002", "g-003",
                                     "c-1", "reports:3", "c-3"]
    for line in result.stdout.splitlines():
        data = json.loads(line)
        assert set(data) >= {"id", "events", "tallies"}
    assert result.stderr == ""  # no progress bar when stderr is not a terminal, no skips


def test_output_is_utf8_not_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "extract_report", fake_extract)
    out = tmp_path / "out.jsonl"
    assert run(GOLDEN / "reports.jsonl", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "Résistance" in text and "\\u00e9" not in text


def test_malformed_line_fails_cleanly(tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", json.dumps({"id": "a", "text": "one"}),
                      json.dumps({"id": "b", "text": "two"}), "{not json")
    result = run(bad)
    assert result.exit_code != 0
    assert f"{bad}:3" in result.stderr and "bad_json" not in result.stderr  # a message, not a code
    assert "not valid JSON" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_missing_input_fails_cleanly(tmp_path: Path) -> None:
    result = run(tmp_path / "absent.jsonl")
    assert result.exit_code != 0 and "no such file" in result.stderr
    assert isinstance(result.exception, SystemExit)


def test_skip_bad_prints_the_summary(tmp_path: Path) -> None:
    mixed = write_jsonl(tmp_path / "mixed.jsonl", json.dumps({"id": "a", "text": "kept"}), "{x", "{y",
                        json.dumps({"id": "b", "text": ""}), json.dumps({"id": "c", "text": "kept too"}))
    result = run(mixed, "--skip-bad")
    assert result.exit_code == 0
    assert ids_of(result.stdout) == ["a", "c"]
    assert "skipped 3 records: 2 bad_json, 1 empty_text" in result.stderr
    assert f"{mixed}:2:" in result.stderr  # an example, so the user can find the bad lines


def test_output_file_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run(GOLDEN / "reports.jsonl", "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    assert ids_of(out.read_text(encoding="utf-8")) == ["g-001", "g-002", "g-003"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no temporary file left


def test_failed_run_leaves_no_partial_output(tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", json.dumps({"id": "a", "text": "one"}), "{broken")
    out = tmp_path / "out.jsonl"
    out.write_text("previous complete run\n")
    result = run(GOLDEN / "reports.jsonl", bad, "-o", out)
    assert result.exit_code != 0 and f"{bad}:2" in result.stderr
    assert out.read_text() == "previous complete run\n"  # untouched, not half overwritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "out.jsonl"]


def test_output_appears_only_when_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous complete run\n")
    seen_during_run: list[str] = []

    def watching(report: Report) -> Extraction:
        seen_during_run.append(out.read_text())
        return Extraction(id=report.id)

    monkeypatch.setattr(pipeline, "extract_report", watching)
    assert run(GOLDEN / "reports.jsonl", "-o", out).exit_code == 0
    assert seen_during_run == ["previous complete run\n"] * 3
    assert ids_of(out.read_text()) == ["g-001", "g-002", "g-003"]


def test_interrupted_run_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def interrupted(report: Report) -> Extraction:
        calls.append(report.id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return Extraction(id=report.id)

    monkeypatch.setattr(pipeline, "extract_report", interrupted)
    out = tmp_path / "out.jsonl"
    result = run(GOLDEN / "reports.jsonl", "-o", out)
    assert result.exit_code != 0
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_fails_cleanly(tmp_path: Path) -> None:
    result = run(GOLDEN / "reports.jsonl", "-o", tmp_path / "no" / "such" / "dir" / "out.jsonl")
    assert result.exit_code != 0 and "cannot write output" in result.stderr
    assert isinstance(result.exception, SystemExit)


# --- table ----------------------------------------------------------------------------------------

def fake_extract(report: Report) -> Extraction:
    """Two events and a tally for g-001, nothing elsewhere: enough to check the table's cells."""
    if report.id != "g-001":
        return Extraction(id=report.id, lang=report.lang)
    span = Evidence("Two rockets landed", 0, 18)
    events = (Event("attack", date="2024-03-01", country="SY", site="Example Airfield", weapon="rocket",
                    actor="Islamic Résistance", claimed_by="Islamic Résistance", killed=0, evidence=span),
              Event("air_strike", date="2024-02", country="IQ", admin1="Anbar", weapon="aircraft",
                    injured=12, evidence=span))
    tallies = (Tally("attacks", 66, qualifier="more_than", since="2023-10-17", reported_by="Pentagon",
                     evidence=span),)
    return Extraction(id=report.id, events=events, tallies=tallies)


def table_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_table_replaces_json_without_output_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "extract_report", fake_extract)
    result = run(GOLDEN / "reports.jsonl", "--table")
    assert result.exit_code == 0
    assert "{" not in result.stdout
    lines = table_lines(result.stdout)
    header = lines[1].split()
    assert header[:4] == ["report", "date", "place", "type"] and header[-2:] == ["killed", "injured"]
    first = next(line for line in lines if "Example Airfield" in line)
    assert first.startswith("g-001") and "2024-03-01" in first and "rocket" in first
    assert "Example Airfield, SY" in first and first.split()[-2:] == ["0", "-"]
    second = next(line for line in lines if "Anbar, IQ" in line)
    assert "air_strike" in second and second.split()[-2:] == ["-", "12"]
    tally = next(line for line in lines if "Pentagon" in line)
    assert ">66" in tally and "2023-10-17" in tally
    assert "3 reports, 2 events, 1 tallies; 2 reports without events" in result.stdout


def test_table_with_output_file_prints_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "extract_report", fake_extract)
    out = tmp_path / "out.jsonl"
    result = run(GOLDEN / "reports.jsonl", "--table", "-o", out)
    assert result.exit_code == 0
    assert "Example Airfield" in result.stdout
    lines = out.read_text(encoding="utf-8").splitlines()
    assert ids_of("\n".join(lines)) == ["g-001", "g-002", "g-003"]
    assert json.loads(lines[0])["events"][0]["site"] == "Example Airfield"


def test_table_columns_align(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "extract_report", fake_extract)
    result = run(GOLDEN / "reports.jsonl", "--table")
    lines = table_lines(result.stdout)
    header, rule = lines[1], lines[2]
    assert set(rule) <= {"-", " "}
    # every column of the rule starts where its heading starts
    starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
    assert [header[i - 1] if i else " " for i in starts] == [" "] * len(starts)
    assert header.index("place") in starts and header.index("weapon") in starts


# --- the shared corpus ----------------------------------------------------------------------------

@pytest.mark.parametrize("subset", ["seeds", "dev"])
def test_shared_corpus_one_line_per_article(subset: str, tmp_path: Path) -> None:
    articles = CORPUS / subset / "articles.jsonl"
    if not articles.is_file():
        pytest.skip(f"shared corpus not found at {articles}")
    expected = [json.loads(line)["id"] for line in articles.read_text(encoding="utf-8").splitlines() if line]
    out = tmp_path / "out.jsonl"
    result = run(articles, "-o", out)
    assert result.exit_code == 0, result.output
    assert ids_of(out.read_text(encoding="utf-8")) == expected
