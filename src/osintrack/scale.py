"""Scale-out of extraction: a pool of local processes, or a Dask cluster over input partitions.

Only extraction runs in parallel: it is a pure function of one report (``extract_report``). Reading
stays in input order, and every result comes back in input order, so the output is the same bytes
whatever the number of workers. Resolution and the store's single writer stay in one process
(``pipeline.ingest_paths``): resolution is incremental and its ids depend on the order of mentions.

* ``map_batches`` / ``extract_parallel``: a ``ProcessPoolExecutor`` ('spawn') over batches of reports,
  a bounded number of batches in flight, results yielded in input order.
* ``extract_dask``: one partition per input file (FORMAT.md ``.jsonl``/``.jsonl.gz``, ``.csv``, ``.txt``,
  ``.html`` and Parquet with the article columns), read, extracted and written as one Parquet file by a
  Dask worker; see docs/scale.md.
"""

from __future__ import annotations

import glob
import json
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .errors import InputError, OsintrackError
from .extract import extract_report
from .ingest import SUPPORTED, Item, SkipCounter, accept_record, expand_paths, file_items, report_from_mapping
from .language import available_languages
from .model import Extraction, Report

__all__ = ["DEFAULT_BATCH", "DaskResult", "Partition", "default_workers", "extract_dask", "extract_parallel",
           "find_partitions", "map_batches"]

DEFAULT_BATCH = 200  # reports per task: large enough that pickling and scheduling stay a small cost
PARENT_POLL_S = 0.5  # how often a pool worker checks that its parent still runs
POOL_MIN_ITEMS = 1000  # fewer reports than this are extracted in-process: starting workers would cost more
PARQUET = ".parquet"

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """All local cores (``os.cpu_count()``), at least one."""
    return os.cpu_count() or 1


# --- a local process pool ---------------------------------------------------------------------------

def extract_batch(reports: Sequence[Report]) -> list[Extraction]:
    """The task a worker runs: ``extract_report`` over one batch, in order."""
    return [extract_report(report) for report in reports]


def chunked(items: Iterable[T], size: int, *, flush_on_error: bool = True) -> Iterator[list[T]]:
    """Lists of ``size`` items in order. When reading fails, the items of the unfinished list are
    yielded before the error with ``flush_on_error`` (extraction writes every report before a bad
    one), and dropped without it (ingest never commits a partial batch)."""
    if size < 1:
        raise OsintrackError(f"the batch size must be at least 1, not {size}")
    chunk: list[T] = []
    try:
        for item in items:
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
    except Exception:
        if chunk and flush_on_error:  # a bad record stops the run after the good ones before it
            yield chunk
        raise
    if chunk:
        yield chunk


def map_batches(func: Callable[[list[T]], list[R]], batches: Iterable[list[T]], workers: int, *,
                min_items: int | None = None,
                local: Callable[[list[T]], list[R]] | None = None) -> Iterator[tuple[list[T], list[R]]]:
    """``(batch, func(batch))`` for every batch, in input order, computed by ``workers`` processes.

    ``func`` must be a module-level function (it is pickled by name). A pool costs each worker a start
    and a warm-up (imports, language packs, gazetteer: about a second), so it is started only once
    ``min_items`` items (default ``POOL_MIN_ITEMS``) are waiting; a smaller input, or one worker, runs
    in this process. At most ``workers + 1`` batches are in flight, so memory stays bounded whatever
    the input size. An error raised while reading ``batches`` is raised after every batch read before
    it was yielded. ``local``, when given, replaces ``func`` for the work done in this process (it must
    compute the same thing; it need not be picklable).
    """
    if workers < 1:
        raise OsintrackError(f"the number of workers must be at least 1, not {workers}")
    here = func if local is None else local
    threshold = POOL_MIN_ITEMS if min_items is None else min_items
    source = iter(batches)
    if workers == 1:
        for batch in source:
            yield batch, here(batch)
        return
    waiting: list[list[T]] = []
    items, exhausted = 0, False
    try:
        while len(waiting) < 2 or items < threshold:
            try:
                waiting.append(next(source))
            except StopIteration:
                exhausted = True
                break
            items += len(waiting[-1])
    except Exception:
        for batch in waiting:
            yield batch, here(batch)
        raise
    if exhausted:  # the whole input is small, or fits in one batch: nothing worth sharing out
        for batch in waiting:
            yield batch, here(batch)
        return
    yield from _pooled(func, _prepend(waiting, source), workers)


def _exit_with_parent(parent: int) -> None:
    """Worker start-up: end this worker when its parent is gone (killed, even with SIGKILL).

    Workers hold both ends of the pool's task queue, so they would otherwise wait for tasks forever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="osintrack-parent-watch", daemon=True).start()


def _prepend(head: list[list[T]], rest: Iterator[list[T]]) -> Iterator[list[T]]:
    yield from head
    yield from rest


def _pooled(func: Callable[[list[T]], list[R]], batches: Iterator[list[T]],
            workers: int) -> Iterator[tuple[list[T], list[R]]]:
    # spawn: a fresh interpreter per worker, safe with threads in the parent and the same on every OS
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_exit_with_parent, initargs=(os.getpid(),))
    in_flight: deque[tuple[list[T], Future[list[R]]]] = deque()
    try:
        error: Exception | None = None
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except Exception as exc:  # a read error: finish what was read before it, then raise it
                error = exc
                break
            in_flight.append((batch, pool.submit(func, batch)))
            if len(in_flight) > workers:
                done, future = in_flight.popleft()
                yield done, future.result()
        while in_flight:
            done, future = in_flight.popleft()
            yield done, future.result()
        if error is not None:
            raise error
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def extract_parallel(reports: Iterable[Report], workers: int | None = None, batch: int | None = None, *,
                     min_items: int | None = None,
                     local: Callable[[list[Report]], list[Extraction]] | None = None) -> Iterator[Extraction]:
    """One Extraction per report, in input order, extracted by ``workers`` processes (default: all cores)
    over batches of ``batch`` reports (default ``DEFAULT_BATCH``); ``min_items`` and ``local`` as in
    ``map_batches``.

    The result is the same as ``pipeline.extract_reports(reports)``, whatever the arguments.
    """
    batches = chunked(reports, batch or DEFAULT_BATCH)
    for _, extractions in map_batches(extract_batch, batches, workers or default_workers(), min_items=min_items,
                                         local=local):
        yield from extractions


# --- Dask: one partition per input file --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Partition:
    """One input file and the base of the ids of its records (its path under the input directory)."""

    index: int
    path: str
    base: str


@dataclass(slots=True)
class PartitionResult:
    """What a worker did with one partition; plain data, so that it travels between processes."""

    index: int
    path: str
    ids: list[str] = field(default_factory=list)
    counts: list[tuple[int, int]] = field(default_factory=list)  # (events, tallies) of each report
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (reason, message)
    error: dict[str, Any] | None = None  # an InputError's fields, when not skipping bad records


@dataclass(slots=True)
class DaskResult:
    """What ``extract_dask`` wrote: reports, events, tallies, and Parquet files under ``out``."""

    reports: int = 0
    events: int = 0
    tallies: int = 0
    partitions: int = 0
    out: str = ""


def find_partitions(inputs: Sequence[str | Path]) -> list[Partition]:
    """The input files in the order ``read_reports`` reads them; glob patterns are expanded, sorted.

    A directory gives every supported file under it (and Parquet files), sorted by relative path,
    hidden files excepted; a file gives itself. A path or pattern that matches nothing is an error.
    """
    found: list[tuple[str, str]] = []
    for raw in inputs:
        text = str(raw)
        matches = sorted(glob.glob(text, recursive=True)) if glob.has_magic(text) else [text]
        if not matches or not all(Path(m).exists() for m in matches):
            raise InputError("no such file or directory", path=text, reason="not_found")
        for match in matches:
            found.extend(_expand_with_parquet(Path(match)))
    return [Partition(i, path, base) for i, (path, base) in enumerate(found)]


def _expand_with_parquet(root: Path) -> list[tuple[str, str]]:
    """``ingest.expand_paths`` plus Parquet files, in the same order (by path under ``root``)."""
    if not root.is_dir():
        if _is_parquet(root):
            return [(str(root), root.name[: -len(PARQUET)])]
        return [(str(file), base) for file, base in expand_paths(root)]
    found = [(file.relative_to(root).as_posix(), str(file), base) for file, base in expand_paths(root)]
    for file in root.rglob(f"*{PARQUET}"):
        relative = file.relative_to(root).as_posix()
        if file.is_file() and not any(part.startswith(".") for part in relative.split("/")):
            found.append((relative, str(file), relative[: -len(PARQUET)]))
    return [(path, base) for _, path, base in sorted(found)]


def _is_parquet(path: Path) -> bool:
    return path.name.lower().endswith(PARQUET)


def _partition_items(part: Partition) -> Iterator[Item]:
    if not _is_parquet(Path(part.path)):
        yield from file_items(Path(part.path), part.base)
        return
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(part.path)
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        yield InputError(f"not a readable Parquet file: {exc}", path=part.path, reason="bad_parquet")
        return
    for row, data in enumerate(table.to_pylist(), 1):
        yield report_from_mapping(data, part.path, row, default_id=f"{part.base}:{row}")


OUTPUT_SCHEMA_FIELDS = ("id", "lang", "events", "tallies", "line")


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
    events = [{name: getattr(e, name) for name in ("date", "country", "site", "lat", "lon", "event_type",
                                                    "weapon", "actor", "claimed_by", "killed", "injured")}
              for e in extraction.events]
    return {"id": extraction.id, "lang": extraction.lang, "events": events, "tallies": len(extraction.tallies),
            "line": json.dumps(extraction.to_json(), ensure_ascii=False)}


def part_name(index: int) -> str:
    return f"part-{index:05d}{PARQUET}"


def extract_partition(part: Partition, out_dir: str, skip_bad: bool) -> PartitionResult:
    """The task a Dask worker runs: read one partition, extract it, write ``part-NNNNN.parquet``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    result = PartitionResult(part.index, part.path)
    packs = frozenset(available_languages())
    seen: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for item in _partition_items(part):
        try:
            report = accept_record(item, packs, seen)
        except InputError as exc:
            if not skip_bad:
                result.error = {"message": exc.message, "path": exc.path, "line": exc.line, "field": exc.field,
                                "hint": exc.hint, "reason": exc.reason}
                return result  # nothing is written: the run stops at the first bad record
            result.skipped.append((exc.reason, str(exc)))
            continue
        extraction = extract_report(report)
        rows.append(extraction_row(extraction))
        result.ids.append(report.id)
        result.counts.append((len(extraction.events), len(extraction.tallies)))
    pq.write_table(pa.Table.from_pylist(rows, schema=_output_schema()), os.path.join(out_dir, part_name(part.index)))
    return result


def extract_dask(inputs: Sequence[str | Path], out_dir: str | Path, *, scheduler: str | None = None,
                 workers: int | None = None, skip_bad: bool = False, skips: SkipCounter | None = None,
                 client: Any = None, progress: Callable[[int], None] | None = None) -> DaskResult:
    """Extract ``inputs`` on Dask, one task per input file, into Parquet files under ``out_dir``.

    ``client`` is a ``distributed.Client`` to use; else one is made for ``scheduler``
    (``tcp://HOST:PORT``), or for a LocalCluster of ``workers`` processes (default: all cores) that is
    closed at the end. ``out_dir`` is replaced as a whole at the end (written beside it first), so an
    interrupted run leaves no partial output. The rows of ``part-00000.parquet``, ``part-00001.parquet``,
    ... in file order are the reports in input order; their ``line`` column equals, line for line,
    what ``osintrack extract`` writes. ``progress`` is called with each partition's report count.
    Workers must reach the inputs and ``out_dir`` under the same paths (a shared file system).
    """
    partitions = find_partitions(inputs)
    target = Path(out_dir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    counter = skips if skips is not None else SkipCounter()
    try:
        with _client(client, scheduler, workers) as dask_client:
            futures = dask_client.map(extract_partition, partitions, out_dir=str(tmp), skip_bad=skip_bad,
                                      pure=False)
            if progress is not None:
                from distributed import as_completed

                for future in as_completed(futures):
                    if future.status == "finished":
                        progress(len(future.result().ids))
            results: list[PartitionResult] = dask_client.gather(futures)
        summary = _check_results(results, tmp, skip_bad, counter)
        summary.out = str(target)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        return summary
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class _client:  # noqa: N801 - used as a context manager, like a function
    """A given client (left open), or a new one on ``scheduler`` or on a LocalCluster (closed at the end)."""

    def __init__(self, client: Any, scheduler: str | None, workers: int | None) -> None:
        self._given, self._scheduler, self._workers = client, scheduler, workers
        self._owned: list[Any] = []

    def __enter__(self) -> Any:
        if self._given is not None:
            return self._given
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise OsintrackError("the Dask engine needs dask[distributed] and pyarrow",
                                 hint="pip install 'osintrack[dask]'") from exc
        if self._scheduler is not None:
            client = Client(self._scheduler)
        else:
            cluster = LocalCluster(n_workers=self._workers or default_workers(), threads_per_worker=1,
                                   processes=True, dashboard_address=None)
            self._owned.append(cluster)
            client = Client(cluster)
        self._owned.insert(0, client)
        return client

    def __exit__(self, *exc: object) -> None:
        for thing in self._owned:
            thing.close()


def _check_results(results: list[PartitionResult], tmp: Path, skip_bad: bool, skips: SkipCounter) -> DaskResult:
    """Raise the first bad record in input order, count skips, and drop ids repeated across files."""
    for result in results:
        if result.error is not None:
            error = dict(result.error)
            raise InputError(error.pop("message"), **error)
    summary = DaskResult(partitions=len(results))
    first_seen: dict[str, str] = {}
    for result in results:
        for reason, message in result.skipped:
            skips.add(InputError(message, reason=reason))
        repeated = [i for i in result.ids if i in first_seen]
        if repeated:
            exc = InputError(f"duplicate report id {repeated[0]!r} (first read in {first_seen[repeated[0]]})",
                             path=result.path,
                             reason="duplicate_id", hint="report ids must be unique within one run")
            if not skip_bad:
                raise exc
            _drop_rows(tmp / part_name(result.index), set(repeated))
            for _ in repeated:
                skips.add(exc)
        for report_id, (events, tallies) in zip(result.ids, result.counts, strict=True):
            if report_id in first_seen:
                continue
            first_seen[report_id] = result.path
            summary.reports += 1
            summary.events += events
            summary.tallies += tallies
    return summary


def _drop_rows(path: Path, ids: set[str]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    keep = pc.invert(pc.is_in(table["id"], value_set=pa.array(sorted(ids), pa.string())))
    pq.write_table(table.filter(keep), path)


def read_lines(out_dir: str | Path) -> Iterator[str]:
    """The extractor JSON lines of an ``extract_dask`` output, in input order."""
    import pyarrow.parquet as pq

    for file in sorted(Path(out_dir).glob(f"part-*{PARQUET}")):
        yield from pq.read_table(file, columns=["line"])["line"].to_pylist()


SUPPORTED_DASK: tuple[str, ...] = (*SUPPORTED, PARQUET)
