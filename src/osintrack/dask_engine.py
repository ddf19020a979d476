"""Dask: extraction (one task per shard of the input, each written as one Parquet file), and
resolution cut into blocks (``resolve_dask``, ``partition.resolve_in_parts``).

The input is cut as the local pool cuts it (``osintrack.shards``), in larger shards: byte ranges of
``.jsonl`` files, rows of Parquet files, one task per ``.jsonl.gz`` or CSV file, groups of ``.txt`` and
``.html`` files. Workers read their shards themselves (local paths on a shared file system, or fsspec
URLs such as ``s3://``), extract them and write ``part-NNNNN.parquet``; the client then checks, in input
order and as one pass over the input would, repeated ids and bad records (``shards.Merger``).
``resolve_dask`` runs ``partition.resolve_in_parts`` with its block and group tasks on the cluster: the
decisions are exactly those of one ``Resolver`` over the same mentions. See docs/scale.md.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import OsintrackError
from .ingest import MAX_REPORT_BYTES, SkipCounter
from .interrupts import children_ignore_sigint, deferred, on_interrupt
from .model import Extraction, Report
from .partition import Parts, resolve_in_parts
from .resolve import Decision, Mention
from .shards import Merger, Shard, ShardResult, plan_shards, run_shard
from .sources import find_files

__all__ = ["DASK_SHARD_BYTES", "DASK_SHARD_ROWS", "OUTPUT_SCHEMA_FIELDS", "DaskResult", "dask_client",
           "extract_dask", "map_on", "read_lines", "resolve_dask"]

DASK_SHARD_BYTES = 32 << 20  # a Dask task: tens of seconds of work, so that scheduling costs nothing
DASK_SHARD_ROWS = 20_000
PARQUET = ".parquet"
OUTPUT_SCHEMA_FIELDS = ("id", "lang", "events", "tallies", "line")
_EVENT_FIELDS = ("date", "country", "site", "lat", "lon", "event_type", "weapon", "actor", "claimed_by", "killed",
                 "injured")


@dataclass(slots=True)
class DaskResult:
    """What ``extract_dask`` wrote: reports, events, tallies, and Parquet files under ``out``."""

    reports: int = 0
    events: int = 0
    tallies: int = 0
    partitions: int = 0
    out: str = ""


def _output_schema() -> Any:
    import pyarrow as pa

    event = pa.struct([("date", pa.string()), ("country", pa.string()), ("site", pa.string()),
                       ("lat", pa.float64()), ("lon", pa.float64()), ("event_type", pa.string()),
                       ("weapon", pa.string()), ("actor", pa.string()), ("claimed_by", pa.string()),
                       ("killed", pa.int64()), ("injured", pa.int64())])
    return pa.schema([("id", pa.string()), ("lang", pa.string()), ("events", pa.list_(event)),
                      ("tallies", pa.int64()), ("line", pa.string())])


def extraction_row(extraction: Extraction) -> dict[str, Any]:
    """One Parquet row: id, lang, the main event fields, the tally count and the extractor JSON line."""
    events = [{name: getattr(e, name) for name in _EVENT_FIELDS} for e in extraction.events]
    return {"id": extraction.id, "lang": extraction.lang, "events": events, "tallies": len(extraction.tallies),
            "line": json.dumps(extraction.to_json(), ensure_ascii=False)}


def part_name(index: int) -> str:
    return f"part-{index:05d}{PARQUET}"


def extract_partition(shard: Shard, out_dir: str, skip_bad: bool) -> ShardResult:
    """The task a Dask worker runs: read one shard, extract it, write ``part-NNNNN.parquet``.

    Nothing is written when a bad record stops the run (without ``skip_bad``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []

    def keep(_: Report, extraction: Extraction) -> None:
        rows.append(extraction_row(extraction))

    result = run_shard(shard, skip_bad, keep)
    if result.errors and not skip_bad:
        return result
    pq.write_table(pa.Table.from_pylist(rows, schema=_output_schema()), os.path.join(out_dir, part_name(shard.index)))
    return result


def extract_dask(inputs: Sequence[str | Path], out_dir: str | Path, *, scheduler: str | None = None,
                 workers: int | None = None, skip_bad: bool = False, skips: SkipCounter | None = None,
                 client: Any = None, progress: Callable[[int], None] | None = None,
                 shard_bytes: int = DASK_SHARD_BYTES, shard_rows: int = DASK_SHARD_ROWS,
                 max_bytes: int = MAX_REPORT_BYTES) -> DaskResult:
    """Extract ``inputs`` on Dask, one task per shard, into Parquet files under ``out_dir``.

    ``inputs``: files, directories, glob patterns or fsspec URLs, as ``osintrack extract`` reads them.
    ``client`` is a ``distributed.Client`` to use; else one is made for ``scheduler``
    (``tcp://HOST:PORT``), or for a LocalCluster of ``workers`` processes (default: all cores) that is
    closed at the end. ``out_dir`` is replaced as a whole at the end (written beside it first), so an
    interrupted run leaves no partial output. The rows of ``part-00000.parquet``, ``part-00001.parquet``,
    ... in file order are the reports in input order; their ``line`` column equals, line for line,
    what ``osintrack extract`` writes. ``progress`` is called with each shard's report count.
    Workers must reach the inputs (same local paths, or URLs) and ``out_dir`` under the same path.
    """
    shards = list(plan_shards(find_files(inputs), shard_bytes=shard_bytes, shard_rows=shard_rows, read_gzip=False,
                              max_bytes=max_bytes))
    target = Path(out_dir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        with dask_client(client, scheduler, workers) as connected:
            futures = connected.map(extract_partition, shards, out_dir=str(tmp), skip_bad=skip_bad, pure=False)
            if progress is not None:
                from distributed import as_completed

                for future in as_completed(futures):
                    if future.status == "finished":
                        progress(len(future.result().ids))
            results: list[ShardResult] = connected.gather(futures)
        summary = _merge(results, tmp, Merger(skip_bad, skips))
        summary.out = str(target)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        return summary
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class dask_client:  # noqa: N801 - used as a context manager, like a function
    """A given client (left open), or a new one on ``scheduler`` or on a LocalCluster of ``workers``
    processes of one thread each (closed at the end)."""

    def __init__(self, client: Any = None, scheduler: str | None = None, workers: int | None = None) -> None:
        self._given, self._scheduler, self._workers = client, scheduler, workers
        self._owned: list[Any] = []
        self._hook = ExitStack()

    def __enter__(self) -> Any:
        if self._given is not None:
            return self._given
        self._hook.enter_context(on_interrupt(_quiet))  # before the signal unwinds into the client's calls
        try:
            return self._connect()
        except BaseException as exc:  # an interrupt while the cluster starts: close what did start
            self.__exit__(type(exc))
            raise

    def _connect(self) -> Any:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise OsintrackError("the Dask engine needs dask[distributed] and pyarrow",
                                 hint="pip install 'osintrack[dask]'") from exc
        if self._scheduler is not None:
            self._owned.append(Client(self._scheduler))
        else:
            import dask

            # the workers' sampling profiler costs pure-Python tasks about 5% (benchmarks/scale_speed.py);
            # children_ignore_sigint: the cluster's loop thread, and through it every worker process, never
            # sees SIGINT (a Ctrl-C interrupts this process, which closes the cluster)
            # deferred: a cluster interrupted while it starts cannot be closed (Dask would try again at exit,
            # and fail loudly); the interrupt is raised once it has started, and it is closed then
            with dask.config.set({"distributed.worker.profile.enabled": False}), children_ignore_sigint(), \
                    deferred():
                # the scheduler serves its health routes even without a dashboard, on port 8787 unless told
                # otherwise: a free port, so that two runs at once do not collide (and warn on stderr)
                cluster = LocalCluster(n_workers=self._workers or os.cpu_count() or 1, threads_per_worker=1,
                                       processes=True, dashboard_address=None, silence_logs=logging.CRITICAL,
                                       scheduler_kwargs={"dashboard_address": ":0"})
                self._owned.append(cluster)
                self._owned.insert(0, Client(cluster))  # closed first
        return self._owned[0]

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        failed = exc_type is not None
        if failed:
            _quiet()
        try:
            with deferred():  # a cluster interrupted while it closes would be closed again at exit, loudly
                for thing in self._owned:
                    if not failed:
                        thing.close()
                        continue
                    with suppress(Exception):  # the run already ends with its own error, the one to report
                        thing.close()
        finally:
            self._hook.close()


def _quiet() -> None:
    """An interrupt or an error ends the run: what the cluster's threads log about the tasks it drops (and
    about being cancelled mid-call) is noise, not news."""
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _merge(results: list[ShardResult], tmp: Path, merger: Merger) -> DaskResult:
    """Judge the shards' records in input order: raise the first bad one, count skips, drop repeated ids."""
    summary = DaskResult(partitions=len(results))
    for result in results:
        kept, error = merger.accept(result)
        if error is not None:
            raise error
        if len(kept) < len(result.ids):
            _keep_rows(tmp / part_name(result.index), kept)
        for i in kept:
            events, tallies = result.counts[i]
            summary.reports += 1
            summary.events += events
            summary.tallies += tallies
    return summary


def _keep_rows(path: Path, rows: list[int]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    pq.write_table(table.take(pa.array(rows, pa.int64())), path)


def read_lines(out_dir: str | Path) -> Iterator[str]:
    """The extractor JSON lines of an ``extract_dask`` output, in input order."""
    import pyarrow.parquet as pq

    for file in sorted(Path(out_dir).glob(f"part-*{PARQUET}")):
        yield from pq.read_table(file, columns=["line"])["line"].to_pylist()


# --- resolution --------------------------------------------------------------------------------------

def map_on(client: Any) -> Callable[[Callable[[Any], Any], list[Any]], list[Any]]:
    """``run(func, tasks) -> [func(t) for t in tasks]``, each task on the cluster of ``client``."""
    def run(func: Callable[[Any], Any], tasks: list[Any]) -> list[Any]:
        if not tasks:
            return []
        return list(client.gather(client.map(func, tasks, pure=False)))

    return run


def resolve_dask(mentions: Sequence[Mention], known: Sequence[tuple[str, list[Mention]]] = (), *,
                 client: Any = None, scheduler: str | None = None, workers: int | None = None,
                 parts: Parts | None = None) -> list[Decision]:
    """The decision on every mention, in input order, exactly as ``Resolver(known)`` would make them,
    its blocks and groups resolved on Dask (``partition.resolve_in_parts``; client as in ``extract_dask``)."""
    with dask_client(client, scheduler, workers) as connected:
        return resolve_in_parts(mentions, known, run=map_on(connected), parts=parts)
