"""Scale-out on the local cores: a pool of processes, results in input order (docs/scale.md).

* ``extract_sharded``: ``osintrack extract --workers N``. Workers read their own shards of the input
  (``osintrack.shards``: byte ranges of ``.jsonl`` files, rows of Parquet files, ...), check, extract and
  encode them, and send back the finished extractor lines; this process only hands out shards, checks
  ids across shards and writes. The output is the same bytes whatever the number of workers.
* ``map_batches`` / ``extract_parallel``: batches of ``Report`` records already read, extracted by the
  pool (``osintrack ingest``, whose single writer needs the reports and extractions themselves).

Dask is ``osintrack.dask_engine``.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from .errors import OsintrackError
from .ingest import MAX_REPORT_BYTES, SkipCounter
from .interrupts import children_ignore_sigint
from .model import Extraction, Report
from .shards import Merger, encoded_shard, plan_shards
from .sources import FileRef, kind_of, size_of
from .windows import extract_report

__all__ = ["DEFAULT_BATCH", "POOL_MIN_BYTES", "SHARD_BYTES", "SHARD_ROWS", "default_workers", "extract_parallel",
           "extract_sharded", "map_batches", "worth_a_pool"]

DEFAULT_BATCH = 200  # reports per task: large enough that pickling and scheduling stay a small cost
PARENT_POLL_S = 0.5  # how often a pool worker checks that its parent still runs
POOL_MIN_ITEMS = 1000  # fewer reports than this are extracted in-process: starting workers would cost more
POOL_MIN_BYTES = 1 << 20  # the same for extract_sharded, in input bytes (about 1,000 reports)
GZIP_RATIO = 4  # a .jsonl.gz file holds about this many times its size in articles
SHARD_BYTES = 512 << 10  # a shard of the local pool: about 500 reports, well under a second of work
SHARD_ROWS = 500

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
                min_items: int | None = None, local: Callable[[list[T]], list[R]] | None = None,
                ahead: int | None = None, apart: bool = False) -> Generator[tuple[list[T], list[R]], None, None]:
    """``(batch, func(batch))`` for every batch, in input order, computed by ``workers`` processes.

    ``func`` must be a module-level function (it is pickled by name). A pool costs each worker a start
    and a warm-up (imports, language packs, gazetteer: about a second), so it is started only once
    ``min_items`` items (default ``POOL_MIN_ITEMS``) are waiting; a smaller input, or one worker, runs
    in this process, except that with ``apart`` even one worker is a process of its own (for a caller
    with work of its own to do meanwhile, which the batches' work would otherwise hold up). At most
    ``ahead`` (default ``workers + 1``) batches are in flight, so memory stays bounded whatever the input
    size. An error raised while reading ``batches`` is raised after every batch read before it was
    yielded. ``local``, when given, replaces ``func`` for the work done in this process (it must
    compute the same thing; it need not be picklable).
    """
    if workers < 1:
        raise OsintrackError(f"the number of workers must be at least 1, not {workers}")
    here = func if local is None else local
    threshold = POOL_MIN_ITEMS if min_items is None else min_items
    source = iter(batches)
    if workers == 1 and not apart:
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
    yield from _pooled(func, _prepend(waiting, source), workers, ahead)


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


def _pooled(func: Callable[[T], R], items: Iterator[T], workers: int,
            ahead: int | None = None) -> Iterator[tuple[T, R]]:
    """``(item, func(item))`` in input order, ``func`` run by a pool of ``workers`` processes with at most
    ``ahead`` items (default ``workers + 1``) in flight. An error raised by ``items`` is raised after the
    results of every item before it.

    The workers never see SIGINT (``interrupts.children_ignore_sigint``): a Ctrl-C interrupts this
    process, and when anything ends the run early (an interrupt, an error, the caller closing this
    generator) the workers are stopped at once rather than waited for."""
    # spawn: a fresh interpreter per worker, safe with threads in the parent and the same on every OS
    with children_ignore_sigint():
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_exit_with_parent, initargs=(os.getpid(),))
    limit = ahead if ahead is not None else workers + 1
    in_flight: deque[tuple[T, Future[R]]] = deque()
    finished = False
    try:
        error: Exception | None = None
        while True:
            try:
                item = next(items)
            except StopIteration:
                break
            except Exception as exc:  # a read error: finish what was read before it, then raise it
                error = exc
                break
            with children_ignore_sigint():  # the pool starts a worker at each of its first submits
                in_flight.append((item, pool.submit(func, item)))
            if len(in_flight) >= limit:
                done, future = in_flight.popleft()
                yield done, _result(future)
        while in_flight:
            done, future = in_flight.popleft()
            yield done, _result(future)
        finished = True
        if error is not None:
            raise error
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop_now(pool)


def _result(future: Future[R]) -> R:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise OsintrackError("a worker process ended abruptly (killed by a signal, or out of memory)",
                             hint="run the command again: it resumes; or use --workers 1") from exc


STOP_WAIT_S = 5.0  # how long stopped workers get to end before they are killed


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers without waiting for their tasks (lost work a next run redoes)."""
    # ProcessPoolExecutor has no public way to reach its processes before Python 3.14 (terminate_workers)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(STOP_WAIT_S)
        if process.is_alive():
            process.kill()
            process.join(STOP_WAIT_S)


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




# --- extract: workers read their own shards ------------------------------------------------------------

def worth_a_pool(files: Sequence[tuple[FileRef, str]], min_bytes: int | None = None) -> bool:
    """Whether ``files`` hold enough to repay starting workers: about ``min_bytes`` (default
    ``POOL_MIN_BYTES``) of articles, a gzip file counting ``GZIP_RATIO`` times its size."""
    threshold = POOL_MIN_BYTES if min_bytes is None else min_bytes
    total = 0
    for file, _ in files:
        total += (size_of(file) or 0) * (GZIP_RATIO if kind_of(file.name) == ".jsonl.gz" else 1)
        if total >= threshold:
            return True
    return total >= threshold


def extract_sharded(files: Sequence[tuple[FileRef, str]], workers: int, *, skip_bad: bool = False,
                    skips: SkipCounter | None = None, shard_bytes: int | None = None,
                    shard_rows: int | None = None,
                    max_bytes: int = MAX_REPORT_BYTES) -> Generator[list[str], None, None]:
    """The extractor lines of every report in ``files`` (``sources.find_files``), in input order, a
    list per shard, extracted by a pool of ``workers`` processes.

    Each worker reads its shard itself (``shards.plan_shards``; about ``shard_bytes`` bytes or
    ``shard_rows`` records) and returns finished lines; here only ``.jsonl.gz`` lines are read (a gzip
    stream cannot be entered in the middle), ids repeated across shards are caught and skipped records
    counted in input order (``shards.Merger``). The first bad record raises, after every line before it
    was yielded, unless ``skip_bad``. The lines are those ``pipeline.extract_paths`` writes on one worker.
    """
    if workers < 1:
        raise OsintrackError(f"the number of workers must be at least 1, not {workers}")
    merger = Merger(skip_bad, skips)
    shards = plan_shards(files, shard_bytes=shard_bytes or SHARD_BYTES, shard_rows=shard_rows or SHARD_ROWS,
                         read_gzip=True, max_bytes=max_bytes)
    task = functools.partial(encoded_shard, skip_bad=skip_bad)
    # two shards per worker in flight: a worker never waits for the parent to hand out the next one
    for _, result in _pooled(task, shards, workers, ahead=2 * workers):
        kept, error = merger.accept(result)
        yield result.output if len(kept) == len(result.output) else [result.output[i] for i in kept]
        if error is not None:
            raise error
