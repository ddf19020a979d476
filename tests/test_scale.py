"""Scale-out gives the same bytes as one worker: the local process pool (extract and ingest) and Dask
(a LocalCluster of two in-process workers, started once for this module), over the bundled examples
and, when it is present, the shared corpus."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from osintrack import pipeline, scale
from osintrack.cli import main
from osintrack.errors import InputError
from osintrack.ingest import read_reports
from osintrack.store import dump_tables, open_engine

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "reports"
CORPUS = REPO.parent / "shared" / "corpus"
CORPUS_FILES = [CORPUS / name / "articles.jsonl" for name in ("seeds", "dev")]
NO_CORPUS = f"the shared corpus is absent ({CORPUS}): only the bundled examples are checked"

distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed (pip install -e '.[dev]')")


def inputs(which: str) -> list[Path]:
    if which == "corpus":
        if not all(f.is_file() for f in CORPUS_FILES):
            pytest.skip(NO_CORPUS)
        return CORPUS_FILES
    return [EXAMPLES]


def one_worker(paths: list[Path]) -> str:
    out = io.StringIO()
    pipeline.extract_paths(paths, out, workers=1)
    return out.getvalue()


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    dask_client = distributed.Client(cluster)
    try:
        yield dask_client
    finally:
        dask_client.close()
        cluster.close()


# --- the local process pool -----------------------------------------------------------------------

@pytest.mark.parametrize("which", ["examples", "corpus"])
def test_two_workers_give_the_bytes_of_one(which: str) -> None:
    paths = inputs(which)
    expected = one_worker(paths)
    reports = list(read_reports(paths))
    # small batches and no threshold, so that the pool really runs and results cross processes
    lines = [json.dumps(x.to_json(), ensure_ascii=False) + "\n"
             for x in scale.extract_parallel(reports, workers=2, batch=3, min_items=0)]
    assert "".join(lines) == expected


def test_cli_extract_workers_2_equals_workers_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scale, "POOL_MIN_ITEMS", 0)
    monkeypatch.setattr(scale, "DEFAULT_BATCH", 4)
    outs = {}
    for n in ("1", "2"):
        out = tmp_path / f"w{n}.jsonl"
        result = CliRunner().invoke(main, ["extract", str(EXAMPLES), "-o", str(out), "--workers", n])
        assert result.exit_code == 0, result.output
        outs[n] = out.read_bytes()
    assert outs["1"] == outs["2"] and outs["1"].count(b"\n") == 14


def test_a_bad_record_stops_the_pool_after_the_reports_before_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = (EXAMPLES / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:7], "{not json", *lines[7:]]) + "\n", encoding="utf-8")
    done: list[str] = []
    with pytest.raises(InputError, match=r"bad\.jsonl:8: not valid JSON"):
        for extraction in scale.extract_parallel(read_reports([bad]), workers=2, batch=2, min_items=0):
            done.append(extraction.id)
    assert done == [json.loads(line)["id"] for line in lines[:7]]


_KILLED_PARENT = """
import multiprocessing, sys
from osintrack import scale
from osintrack.ingest import read_reports
reports = list(read_reports([sys.argv[1]])) * 400
for i, _ in enumerate(scale.extract_parallel(reports, workers=2, batch=2, min_items=0)):
    if i == 0:
        print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
        input()  # wait here, with the pool running, until killed
"""


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to watch processes")
def test_pool_workers_end_when_the_parent_is_killed() -> None:
    child = subprocess.Popen([sys.executable, "-c", _KILLED_PARENT, str(EXAMPLES / "reports.jsonl")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        pids = [int(p) for p in child.stdout.readline().split()]
        assert pids, "the pool did not start"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        deadline = time.monotonic() + 30
        while any(_running(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_running(p) for p in pids), "pool workers outlived their killed parent"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_map_batches_runs_small_inputs_in_process() -> None:
    # a lambda cannot be pickled: this passes only because no pool is started
    assert list(scale.map_batches(lambda b: [x * 2 for x in b], [[1, 2], [3]], workers=2)) == \
        [([1, 2], [2, 4]), ([3], [6])]
    with pytest.raises(pipeline.OsintrackError, match="at least 1"):
        list(scale.map_batches(scale.extract_batch, [], workers=0))


def test_ingest_with_two_workers_equals_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scale, "POOL_MIN_ITEMS", 0)
    dumps = []
    for n in ("1", "2"):
        url = f"sqlite:///{tmp_path / f'w{n}.db'}"
        result = CliRunner().invoke(main, ["ingest", str(EXAMPLES), "--db", url, "--batch-size", "3",
                                           "--workers", n])
        assert result.exit_code == 0, result.output
        assert "14 reports stored in 5 batches" in result.stdout
        dumps.append(dump_tables(open_engine(url)))  # every table, wall-clock columns excluded
    assert dumps[0].keys() == dumps[1].keys()
    for table in dumps[0]:
        assert dumps[0][table] == dumps[1][table], f"table {table} differs between 1 and 2 workers"


# --- Dask -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["examples", "corpus"])
def test_dask_gives_the_lines_of_one_worker(which: str, client: Any, tmp_path: Path) -> None:
    paths = inputs(which)
    result = scale.extract_dask(paths, tmp_path / "out", client=client)
    got = "".join(line + "\n" for line in scale.read_lines(tmp_path / "out"))
    expected = one_worker(paths)
    assert got == expected
    assert result.reports == expected.count("\n") and result.partitions == len(list((tmp_path / "out").iterdir()))


def test_dask_reads_globs_of_gzip_shards_parquet_and_csv(client: Any, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [json.loads(line) for line in (EXAMPLES / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    src = tmp_path / "in"
    src.mkdir()
    for i in range(0, 6, 3):
        with gzip.open(src / f"shard-{i // 3}.jsonl.gz", "wt", encoding="utf-8") as stream:
            stream.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records[i:i + 3])
    columns = ("id", "url", "published", "lang", "text")
    pq.write_table(pa.table({c: [r[c] for r in records[6:9]] for c in columns}), src / "shard-2.parquet")
    (src / "shard-3.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[9:]),
                                       encoding="utf-8")
    out = tmp_path / "out"
    result = scale.extract_dask([str(src / "shard-*")], out, client=client)
    assert result.partitions == 4 and result.reports == len(records)
    reference = tmp_path / "all.jsonl"
    reference.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert "".join(line + "\n" for line in scale.read_lines(out)) == one_worker([reference])
    table = pq.read_table(out)
    assert table.column_names == list(scale.OUTPUT_SCHEMA_FIELDS)
    assert table["id"].to_pylist() == [r["id"] for r in records]
    assert sum(len(e) for e in table["events"].to_pylist()) == result.events


def test_dask_bad_record_names_file_and_line_and_writes_nothing(client: Any, tmp_path: Path) -> None:
    bad = tmp_path / "in" / "bad.jsonl"
    bad.parent.mkdir()
    lines = (EXAMPLES / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:2], "{not json", *lines[2:]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"bad\.jsonl:3: not valid JSON") as info:
        scale.extract_dask([bad.parent], out, client=client)
    assert info.value.reason == "bad_json"
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["in"]  # no partial output left
    skips = pipeline.SkipCounter()
    result = scale.extract_dask([bad.parent], out, client=client, skip_bad=True, skips=skips)
    assert skips.counts == {"bad_json": 1} and result.reports == len(lines)


def test_dask_duplicate_ids_across_files(client: Any, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    text = (EXAMPLES / "reports.jsonl").read_text(encoding="utf-8")
    (src / "a.jsonl").write_text(text, encoding="utf-8")
    (src / "b.jsonl").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="duplicate report id"):
        scale.extract_dask([src], tmp_path / "out", client=client)
    skips = pipeline.SkipCounter()
    result = scale.extract_dask([src], tmp_path / "out", client=client, skip_bad=True, skips=skips)
    assert skips.counts == {"duplicate_id": 11} and result.reports == 11
    assert len(list(scale.read_lines(tmp_path / "out"))) == 11


def test_cli_dask_needs_an_output_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(EXAMPLES), "--engine", "dask"])
    assert result.exit_code == 2 and "give a directory with -o" in result.output
    result = CliRunner().invoke(main, ["extract", str(EXAMPLES), "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "--engine dask" in result.output


def test_cli_dask_on_a_scheduler(client: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["extract", str(EXAMPLES), "--engine", "dask", "--scheduler",
                                       client.scheduler.address, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "14 reports" in result.stderr
    assert "".join(line + "\n" for line in scale.read_lines(out)) == one_worker([EXAMPLES])
