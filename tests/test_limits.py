"""Bounded memory on hostile input: a report over the size limit is refused, with its file and line (or
counted as too_large and skipped), before it is read whole, in every format and with any number of
workers; under the limit, a very long report is extracted a window at a time, its evidence indexing the
whole text, in memory that does not grow with it as the extractor's own does."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_store import EXAMPLES

from osintrack.cli import main
from osintrack.errors import InputError
from osintrack.extract import extract_report as extract_whole
from osintrack.ingest import SkipCounter, read_line, read_reports
from osintrack.model import Report
from osintrack.windows import extract_report, windows

REPO = Path(__file__).resolve().parents[1]
LIMIT = 2_000  # bytes, for these tests
SMALL = "Two rockets struck the Erbil air base on Monday, the coalition said."
LARGE = "Drones were launched at a base in eastern Syria on Tuesday night. " * 100  # 6,500 bytes


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _line(report_id: str, text: str) -> str:
    return json.dumps({"id": report_id, "text": text, "lang": "en"}, ensure_ascii=False) + "\n"


def _inputs(folder: Path) -> dict[str, tuple[Path, int | None]]:
    """One file per format with a report over LIMIT, and where (line) it is; the .jsonl ones also hold a small
    report before and after it."""
    lines = _line("a", SMALL) + _line("big", LARGE) + _line("c", SMALL)
    with gzip.open(folder / "in.jsonl.gz", "wt", encoding="utf-8") as stream:
        stream.write(lines)
    table = io.StringIO()
    csv.writer(table).writerows([["id", "text"], ["a", SMALL], ["big", LARGE], ["c", SMALL]])
    return {"jsonl": (_write(folder / "in.jsonl", lines), 2), "jsonl.gz": (folder / "in.jsonl.gz", 2),
            "txt": (_write(folder / "big.txt", LARGE), None),
            "html": (_write(folder / "big.html", f"<html><body><p>{LARGE}</p></body></html>"), None),
            "csv": (_write(folder / "in.csv", table.getvalue()), 3)}


@pytest.mark.parametrize("kind", ["jsonl", "jsonl.gz", "txt", "html", "csv", "parquet"])
def test_a_report_over_the_limit_stops_the_run_naming_file_and_line(kind: str, tmp_path: Path) -> None:
    if kind == "parquet":
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        path, line = tmp_path / "in.parquet", 2
        pq.write_table(pa.table({"id": ["a", "big", "c"], "text": [SMALL, LARGE, SMALL]}), path)
    else:
        path, line = _inputs(tmp_path)[kind]
    with pytest.raises(InputError) as info:
        list(read_reports([path], max_bytes=LIMIT))
    error = info.value
    assert error.reason == "too_large" and error.path == str(path) and error.line == line
    assert "over the limit of 2,000" in str(error) and "--max-report-mb" in str(error)
    skips = SkipCounter()
    kept = [r.id for r in read_reports([path], max_bytes=LIMIT, skip_bad=True, skips=skips)]
    assert skips.counts == {"too_large": 1}
    assert kept == {"txt": [], "html": [], "csv": ["a"]}.get(kind, ["a", "c"])  # CSV: the rest is not read
    assert [r.id for r in read_reports([path], max_bytes=len(LARGE) + 200)] == (
        ["big"] if kind in ("txt", "html") else ["a", "big", "c"])


def test_an_oversized_line_is_never_held_whole() -> None:
    """Reading past a line over the limit asks the stream for pieces, never for the whole line."""
    asked: list[int] = []

    class Watched(io.BytesIO):
        def readline(self, size: int | None = -1) -> bytes:
            line = super().readline(size)
            asked.append(len(line))
            return line

    stream = Watched(b"x" * 5_000_000 + b"\nnext\n")
    assert read_line(stream, LIMIT) == 5_000_000
    assert read_line(stream, LIMIT) == b"next\n"
    assert max(asked) <= 1 << 20


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_command_line_names_the_limit_and_skips_by_reason(workers: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from osintrack import scale

    monkeypatch.setattr(scale, "POOL_MIN_BYTES", 0)  # two workers read their own shards of the small file
    path, _ = _inputs(tmp_path)["jsonl"]
    stopped = CliRunner().invoke(main, ["extract", str(path), "--workers", workers, "--max-report-mb", "0.002"])
    size = len(_line("big", LARGE).encode()) - 1
    assert stopped.exit_code == 1
    assert f"{path}:2: the report is {size:,} bytes, over the limit of 2,000" in stopped.output
    skipped = CliRunner().invoke(main, ["extract", str(path), "--workers", workers, "--max-report-mb", "0.002",
                                        "--skip-bad"])
    assert skipped.exit_code == 0 and "skipped 1 record: 1 too_large" in skipped.stderr
    assert [json.loads(line)["id"] for line in skipped.stdout.splitlines()] == ["a", "c"]
    env_limit = CliRunner().invoke(main, ["extract", str(path), "--workers", workers],
                                   env={"OSINTRACK_MAX_REPORT_MB": "0.002"})
    assert env_limit.exit_code == 1 and "too_large" not in env_limit.output and "over the limit" in env_limit.output


def test_ingest_refuses_a_report_over_the_limit_and_keeps_what_came_before(tmp_path: Path) -> None:
    path, _ = _inputs(tmp_path)["jsonl"]
    url = f"sqlite:///{tmp_path / 's.db'}"
    result = CliRunner().invoke(main, ["ingest", str(path), "--db", url, "--max-report-mb", "0.002",
                                       "--skip-bad"])
    assert result.exit_code == 0 and "2 reports stored" in result.stdout and "1 too_large" in result.stderr


# --- under the limit: windows ------------------------------------------------------------------------------

def test_windows_end_at_paragraphs_and_cover_the_text() -> None:
    text = "\n\n".join(r.text for r in read_reports(EXAMPLES))
    spans = list(windows(text, 1_000))
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert all(0 < end - start <= 1_000 for start, end in spans)
    assert all(text[end - 1] == "\n" or text[end - 2:end] == ". " for _, end in spans[:-1])


def test_a_report_under_the_window_is_extracted_as_a_whole() -> None:
    for report in read_reports(EXAMPLES):
        assert extract_report(report) == extract_whole(report)


def test_a_report_over_the_window_is_read_in_windows_with_evidence_in_the_whole_text() -> None:
    reports = [r for r in read_reports(EXAMPLES) if r.lang == "en"]
    text = "\n\n".join(r.text for r in reports)
    big = Report(id="big", text=text, published="2024-01-29", lang="en")
    windowed = extract_report(big, window=len(text) // 3)
    assert len(list(windows(text, len(text) // 3))) >= 3
    assert windowed.events and windowed.tallies
    for record in (*windowed.events, *windowed.tallies):
        spans = [record.evidence, *record.field_evidence.values()]
        assert all(span is not None and text[span.start:span.end] == span.text for span in spans)
    keys = [json.dumps({**e.to_json(), "evidence": None}, sort_keys=True) for e in windowed.events]
    assert len(keys) == len(set(keys)), "an event two windows state alike is kept once"


def test_a_long_report_is_extracted_in_memory_that_does_not_grow_like_the_text(tmp_path: Path) -> None:
    """8 MB of text: the extractor alone held about 65 MB per MB (over 500 MiB); read in windows, the
    process stays under 350 MiB (benchmarks/memory.py measures 20 MB: about 210 MiB)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from memory import OSINTRACK, peak_mib

    texts = [r.text for r in read_reports(EXAMPLES)]
    unit = "\n\n".join(texts) + "\n\n"
    path = _write(tmp_path / "big.jsonl", _line("big", unit * (8_000_000 // len(unit.encode()) + 1)))
    done = subprocess.run([*OSINTRACK, "extract", str(path), "-o", str(tmp_path / "o.jsonl"), "--workers", "1"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")},
                          check=False)
    assert done.returncode == 0, done.stderr
    assert peak_mib(done.stderr) < 350, f"peak {peak_mib(done.stderr):.0f} MiB for an 8 MB report"
