"""Scale-out gives the same bytes as one worker: the local process pool (extract and ingest) and Dask
(a LocalCluster of two in-process workers, started once for this module), over the bundled examples
and, when it is present, the shared corpus; inputs by path, glob, Parquet and fsspec URL."""

from __future__ import annotations

import csv
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

from osintrack import dask_engine, pipeline, scale
from osintrack.cli import main
from osintrack.errors import InputError, OsintrackError
from osintrack.ingest import read_reports
from osintrack.sources import find_files
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

def test_two_workers_give_the_bytes_of_one() -> None:  # reports already read, as ingest hands them out
    paths = inputs("examples")
    expected = one_worker(paths)
    reports = list(read_reports(paths))
    # small batches and no threshold, so that the pool really runs and results cross processes
    lines = [json.dumps(x.to_json(), ensure_ascii=False) + "\n"
             for x in scale.extract_parallel(reports, workers=2, batch=3, min_items=0)]
    assert "".join(lines) == expected


def sharded(paths: list[Any], **kwargs: Any) -> str:
    """``extract_sharded`` over small shards (a few reports each), so that many cross processes."""
    kwargs = {"shard_bytes": 3000, "shard_rows": 3, **kwargs}
    return "".join("".join(chunk) for chunk in scale.extract_sharded(find_files(paths), 2, **kwargs))


def test_workers_reading_their_own_shards_give_the_bytes_of_one() -> None:
    paths = inputs("corpus")
    assert sharded(paths) == one_worker(paths)


def test_shards_of_gzip_csv_txt_and_parquet_give_the_bytes_of_one(tmp_path: Path) -> None:
    src = mixed_inputs(tmp_path)
    expected = one_worker([src])
    assert expected.count("\n") == 14
    assert sharded([src]) == expected
    assert sharded([src], shard_bytes=1 << 20, shard_rows=500) == expected


def mixed_inputs(tmp_path: Path) -> Path:
    """The example reports as gzip, Parquet, CSV, JSON lines and text files in one folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in"
    if src.exists():
        return src
    records = [r.to_json() for r in read_reports([EXAMPLES])]
    (src / "txt").mkdir(parents=True)
    with gzip.open(src / "a.jsonl.gz", "wt", encoding="utf-8") as stream:
        stream.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records[:4])
    columns = ("id", "url", "published", "lang", "text")
    pq.write_table(pa.table({c: [r[c] for r in records[4:8]] for c in columns}), src / "b.parquet", row_group_size=2)
    with (src / "c.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        writer.writerows([r[c] for c in columns] for r in records[8:10])
    (src / "d.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[10:12]),
                                 encoding="utf-8")
    for r in records[12:]:
        (src / "txt" / f"{r['id'].rsplit('/', 1)[-1]}.txt").write_text(r["text"], encoding="utf-8")
    return src


def test_cli_extract_workers_2_equals_workers_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scale, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(scale, "SHARD_BYTES", 3000)
    monkeypatch.setattr(scale, "SHARD_ROWS", 4)
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


def test_a_bad_record_in_a_shard_is_named_by_its_line_in_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = (EXAMPLES / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:7], "", "{not json", *lines[7:]]) + "\n", encoding="utf-8")
    done: list[str] = []
    with pytest.raises(InputError, match=r"bad\.jsonl:9: not valid JSON"):
        for chunk in scale.extract_sharded(find_files([bad]), 2, shard_bytes=1500, shard_rows=2):
            done.extend(json.loads(line)["id"] for line in chunk)
    assert done == [json.loads(line)["id"] for line in lines[:7]]


def test_skipped_records_and_repeated_ids_are_counted_as_on_one_worker(tmp_path: Path) -> None:
    lines = (EXAMPLES / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text("\n".join([lines[0], "{not json", *lines[1:6], lines[2], '{"id": "x"}', *lines[6:]])
                                 + "\n", encoding="utf-8")
    with gzip.open(src / "b.jsonl.gz", "wt", encoding="utf-8") as stream:
        stream.write("\n".join([lines[3], "[1]", *lines[9:]]) + "\n")
    expected_skips = pipeline.SkipCounter()
    expected = io.StringIO()
    pipeline.extract_paths([src], expected, skip_bad=True, skips=expected_skips)
    skips = pipeline.SkipCounter()
    assert sharded([src], skip_bad=True, skips=skips) == expected.getvalue()
    assert skips.counts == expected_skips.counts == {"duplicate_id": 4, "bad_json": 1, "missing_text": 1,
                                                     "bad_record": 1}
    assert skips.examples == expected_skips.examples  # the same first messages, lines and all
    with pytest.raises(InputError) as info:
        sharded([src])
    assert str(info.value).startswith(f"{src / 'a.jsonl'}:2: not valid JSON")


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


def _pids(batch: list[int]) -> list[int]:
    return [os.getpid()] * len(batch)


def test_one_worker_apart_is_a_process_of_its_own() -> None:
    here = os.getpid()
    assert {pid for _, pids in scale.map_batches(_pids, [[1, 2], [3]], workers=1, min_items=0) for pid in pids} \
        == {here}
    apart = {pid for _, pids in scale.map_batches(_pids, [[1, 2], [3]], workers=1, min_items=0, apart=True)
             for pid in pids}
    assert len(apart) == 1 and here not in apart


def test_small_inputs_are_extracted_in_process(tmp_path: Path) -> None:
    assert not scale.worth_a_pool(find_files([EXAMPLES]))
    assert scale.worth_a_pool(find_files([EXAMPLES]), min_bytes=1000)


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
    result = dask_engine.extract_dask(paths, tmp_path / "out", client=client)
    got = "".join(line + "\n" for line in dask_engine.read_lines(tmp_path / "out"))
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
    result = dask_engine.extract_dask([str(src / "shard-*")], out, client=client)
    assert result.partitions == 4 and result.reports == len(records)
    reference = tmp_path / "all.jsonl"
    reference.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert "".join(line + "\n" for line in dask_engine.read_lines(out)) == one_worker([reference])
    table = pq.read_table(out)
    assert table.column_names == list(dask_engine.OUTPUT_SCHEMA_FIELDS)
    assert table["id"].to_pylist() == [r["id"] for r in records]
    assert sum(len(e) for e in table["events"].to_pylist()) == result.events


def test_dask_bad_record_names_file_and_line_and_writes_nothing(client: Any, tmp_path: Path) -> None:
    bad = tmp_path / "in" / "bad.jsonl"
    bad.parent.mkdir()
    lines = (EXAMPLES / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:2], "{not json", *lines[2:]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"bad\.jsonl:3: not valid JSON") as info:
        dask_engine.extract_dask([bad.parent], out, client=client)
    assert info.value.reason == "bad_json"
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["in"]  # no partial output left
    skips = pipeline.SkipCounter()
    result = dask_engine.extract_dask([bad.parent], out, client=client, skip_bad=True, skips=skips)
    assert skips.counts == {"bad_json": 1} and result.reports == len(lines)


def test_dask_duplicate_ids_across_files(client: Any, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    text = (EXAMPLES / "reports.jsonl").read_text(encoding="utf-8")
    (src / "a.jsonl").write_text(text, encoding="utf-8")
    (src / "b.jsonl").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="duplicate report id"):
        dask_engine.extract_dask([src], tmp_path / "out", client=client)
    skips = pipeline.SkipCounter()
    result = dask_engine.extract_dask([src], tmp_path / "out", client=client, skip_bad=True, skips=skips)
    assert skips.counts == {"duplicate_id": 11} and result.reports == 11
    assert len(list(dask_engine.read_lines(tmp_path / "out"))) == 11


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
    assert "".join(line + "\n" for line in dask_engine.read_lines(out)) == one_worker([EXAMPLES])


def test_a_local_cluster_takes_a_free_port_beside_another_run(tmp_path: Path) -> None:
    """Two runs at once (a second user, a second CI job): Dask's scheduler serves its HTTP routes on
    port 8787 by default, and says on stderr that it is taken; ours asks for a free port."""
    import socket

    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            taken.bind(("0.0.0.0", 8787))
            taken.listen()
        except OSError:
            pass  # in use already (another cluster of this session): the case this test makes
        run = subprocess.run([sys.executable, "-m", "osintrack", "extract", str(EXAMPLES), "--engine", "dask",
                              "--workers", "2", "-o", str(tmp_path / "out")], capture_output=True, text=True,
                             timeout=300)
    assert run.returncode == 0, run.stderr
    assert "already in use" not in run.stderr, run.stderr


# --- inputs: Parquet and fsspec URLs --------------------------------------------------------------

@pytest.fixture
def memory_inputs(tmp_path: Path) -> Iterator[str]:
    """The mixed inputs copied to fsspec's in-memory file system (one per process: workers in other
    processes do not see it), under a fresh folder; removed afterwards."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    root = f"/osintrack-test-{os.getpid()}-{time.monotonic_ns()}"
    src = mixed_inputs(tmp_path)
    for file in src.rglob("*"):
        if file.is_file():
            fs.pipe(f"{root}/{file.relative_to(src).as_posix()}", file.read_bytes())
    try:
        yield f"memory://{root}"
    finally:
        fs.rm(root, recursive=True)


def test_local_engine_reads_parquet_on_one_and_two_workers(tmp_path: Path) -> None:
    src = mixed_inputs(tmp_path)
    parquet = src / "b.parquet"
    expected = [r.id for r in read_reports([src])][4:8]
    assert [json.loads(line)["id"] for line in one_worker([parquet]).splitlines()] == expected
    assert sharded([parquet], shard_rows=1) == one_worker([parquet])


def test_fsspec_urls_read_as_local_paths(memory_inputs: str, tmp_path: Path) -> None:
    expected = one_worker([mixed_inputs(tmp_path)])
    assert one_worker([memory_inputs]) == expected  # a folder URL
    assert one_worker([f"{memory_inputs}/*"]) == one_worker([str(tmp_path / "in" / "*")])  # a glob URL
    ids = [json.loads(line)["id"] for line in one_worker([f"{memory_inputs}/a.jsonl.gz"]).splitlines()]
    assert len(ids) == 4
    file_url = f"file://{tmp_path / 'in'}"  # file:// works with the process pool too
    assert sharded([file_url]) == expected


def test_missing_url_and_missing_driver_are_clear_errors(memory_inputs: str) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        find_files([f"{memory_inputs}/nothing.jsonl"])
    with pytest.raises(OsintrackError, match="cannot read nosuch://x"):
        find_files(["nosuch://x/a.jsonl"])
    try:
        import s3fs  # noqa: F401
    except ImportError:
        with pytest.raises(OsintrackError, match=r"needs the fsspec driver for s3://") as info:
            find_files(["s3://bucket/a.jsonl"])
        assert "s3fs" in str(info.value)


def test_dask_reads_fsspec_urls(memory_inputs: str, client: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = dask_engine.extract_dask([memory_inputs], out, client=client, shard_rows=2, shard_bytes=2000)
    assert "".join(line + "\n" for line in dask_engine.read_lines(out)) == one_worker([memory_inputs])
    assert result.reports == 14 and result.partitions > 5


def test_cli_reads_a_url(memory_inputs: str) -> None:
    result = CliRunner().invoke(main, ["extract", f"{memory_inputs}/d.jsonl", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2


# --- resolution on Dask -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def resolution_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example reports and 300 reports generated from them (benchmarks/generate_corpus.py)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate_corpus import generate

    root = tmp_path_factory.mktemp("resolution")
    generate(root / "generated", 300, 100, seed=3)
    (root / "examples").symlink_to(EXAMPLES, target_is_directory=True)
    return root


def test_resolution_on_dask_equals_one_resolver(client: Any, resolution_corpus: Path) -> None:
    from osintrack.partition import Parts
    from osintrack.resolve import Resolver, mentions_of

    mentions = [m for x in pipeline.extract_reports(read_reports([resolution_corpus])) for m in mentions_of(x)]
    local = Resolver()
    expected = [local.add(m) for m in mentions]
    parts = Parts()
    got = dask_engine.resolve_dask(mentions, client=client, parts=parts)
    assert got == expected  # every decision: incident id, opened or joined, and the reason
    members: dict[str, list[str]] = {}
    for mention, decision in zip(mentions, got, strict=True):
        members.setdefault(decision.incident_id, []).append(mention.key)
    assert members == {i: [m.key for m in ms] for i, ms in local.incidents().items()}
    assert parts.fallback is None and parts.blocks > 10 and parts.resolved_in_blocks > 0


def test_cli_ingest_on_dask_equals_a_local_ingest_and_resumes(client: Any, resolution_corpus: Path,
                                                              tmp_path: Path) -> None:
    def ingest(url: str, *args: str) -> None:
        result = CliRunner().invoke(main, ["ingest", str(resolution_corpus), *args, "--db", url, "--batch-size", "100"])
        assert result.exit_code == 0, result.output

    class Killed(Exception):
        pass

    def kill_after_two_batches(stats: pipeline.IngestStats) -> None:
        if stats.batches == 2:
            raise Killed

    urls = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in ("local", "dask", "resumed")}
    ingest(urls["local"], "--workers", "1")
    ingest(urls["dask"], "--engine", "dask", "--scheduler", client.scheduler.address)
    with pytest.raises(Killed):  # a local run killed after two batches, resumed on Dask
        pipeline.ingest_paths([str(resolution_corpus)], urls["resumed"], batch_size=100, workers=1,
                              progress=kill_after_two_batches)
    ingest(urls["resumed"], "--engine", "dask", "--scheduler", client.scheduler.address)
    dumps = {name: dump_tables(open_engine(url)) for name, url in urls.items()}
    for name in ("dask", "resumed"):
        for table in dumps["local"]:
            assert dumps[name][table] == dumps["local"][table], f"table {table} differs ({name})"
