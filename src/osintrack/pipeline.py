"""The one library API: compose the stages. CLI, HTTP API and Dask runner call these and nothing else."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .errors import OsintrackError
from .ingest import MAX_REPORT_BYTES, SkipCounter, language, read_files, read_reports
from .interrupts import deferred
from .language import available_languages
from .model import Extraction, Report
from .resolve import Decision
from .scale import chunked, extract_batch, extract_sharded, map_batches, worth_a_pool
from .sources import SUPPORTED, find_files
from .windows import extract_report

if TYPE_CHECKING:
    from .store import BatchHook, IngestSession

__all__ = ["SUPPORTED", "IngestStats", "SkipCounter", "extract_paths", "extract_reports", "ingest_paths",
           "ingest_reports", "read_reports", "write_extractions"]


def extract_reports(reports: Iterable[Report]) -> Iterator[Extraction]:
    """One Extraction per report, in input order."""
    for report in reports:
        yield extract_report(report)


def extract_paths(paths: Sequence[str | Path] | str | Path, out: str | Path | TextIO | None, *,
                  skip_bad: bool = False,
                  skips: SkipCounter | None = None,
                  observe: Callable[[Extraction], None] | None = None,
                  workers: int = 1,
                  progress: Callable[[int], None] | None = None,
                  max_bytes: int = MAX_REPORT_BYTES) -> int:
    """Read ``paths``, extract every report and write FORMAT.md's extractor lines to ``out``.

    ``paths``: files, directories, glob patterns or fsspec URLs (``osintrack.sources``). ``out`` is a
    file path (written atomically), an open text stream, or None to write nothing (the caller only
    ``observe``s). Returns the number of reports extracted. Skipped records are counted in ``skips``
    when ``skip_bad``; otherwise the first ``InputError`` propagates and a path ``out`` is left as it
    was. ``progress`` is called with a number of reports done, as they are done.

    ``workers`` processes extract in parallel (``scale.extract_sharded``: each reads its own shards and
    sends back finished lines) once the input is large enough to repay starting them; the output is the
    same bytes whatever their number. With one worker everything runs in this process. ``observe``
    wants ``Extraction`` records: with several workers they are decoded again from the lines.
    A report over ``max_bytes`` is a bad record (``too_large``), refused before it is read whole.
    """
    files = find_files(paths)
    if workers > 1 and worth_a_pool(files):
        # closed on the way out, whatever the way: an interrupt or an error stops the workers at once
        with closing(extract_sharded(files, workers, skip_bad=skip_bad, skips=skips, max_bytes=max_bytes)) as sharded:
            chunks: Iterable[list[str]] = sharded
            if observe is not None or progress is not None:
                chunks = _observed_chunks(chunks, observe, progress)
            if out is None:
                return sum(len(chunk) for chunk in chunks)
            return _write_to(out, lambda stream, name: _write_chunks(chunks, stream, name))
    extractions: Iterable[Extraction] = extract_reports(read_files(files, skip_bad=skip_bad, skips=skips,
                                                                   max_bytes=max_bytes))
    if observe is not None or progress is not None:
        extractions = _observed(extractions, observe, progress)
    if out is None:
        return sum(1 for _ in extractions)
    return write_extractions(extractions, out)


def _extract_here(reports: list[Report]) -> list[Extraction]:
    """A batch extracted in this process (through this module's ``extract_report``, as tests expect)."""
    return [extract_report(r) for r in reports]


def write_extractions(extractions: Iterable[Extraction], out: str | Path | TextIO) -> int:
    """One JSON line per extraction; a path is written through a temporary file renamed at the end,
    so an interrupted run never leaves a partial file that looks complete."""
    return _write_to(out, lambda stream, name: _write_lines(extractions, stream, name))


def _write_to(out: str | Path | TextIO, write: Callable[[TextIO, str], int]) -> int:
    if isinstance(out, str | Path):
        with _atomic_text(Path(out)) as stream:
            return write(stream, str(out))
    return write(out, getattr(out, "name", "<stream>"))


def _observed(extractions: Iterable[Extraction], observe: Callable[[Extraction], None] | None,
              progress: Callable[[int], None] | None) -> Iterator[Extraction]:
    for extraction in extractions:
        if observe is not None:
            observe(extraction)
        if progress is not None:
            progress(1)
        yield extraction


def _observed_chunks(chunks: Iterable[list[str]], observe: Callable[[Extraction], None] | None,
                     progress: Callable[[int], None] | None) -> Iterator[list[str]]:
    for chunk in chunks:
        if observe is not None:
            for line in chunk:
                observe(Extraction.from_json(json.loads(line)))
        if progress is not None:
            progress(len(chunk))
        yield chunk


def _write_lines(extractions: Iterable[Extraction], stream: TextIO, name: str) -> int:
    count = 0
    for extraction in extractions:
        line = json.dumps(extraction.to_json(), ensure_ascii=False) + "\n"
        with _output_errors(name):
            stream.write(line)
        count += 1
    return count


def _write_chunks(chunks: Iterable[list[str]], stream: TextIO, name: str) -> int:
    count = 0
    for chunk in chunks:
        with _output_errors(name):
            stream.write("".join(chunk))
        count += len(chunk)
    return count


@contextmanager
def _atomic_text(target: Path) -> Iterator[TextIO]:
    # os.open with mode 0o666 lets the umask decide permissions, as a plain open() would
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    with _output_errors(str(target)):
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
            with _output_errors(str(target)):
                stream.flush()
                os.fsync(stream.fileno())
        with _output_errors(str(target)):
            os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)  # an interrupted or failed run leaves no partial file behind
        raise


@contextmanager
def _output_errors(name: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise OsintrackError(f"cannot write output: {exc.strerror or exc}", path=name) from exc


# --- the incident store (issue 3) ---------------------------------------------------------------

DEFAULT_DB = "sqlite:///osintrack.db"
DEFAULT_BATCH_SIZE = 500  # larger batches re-fuse busy incidents less often; one transaction each


@dataclass(slots=True)
class IngestStats:
    """What one ``ingest_paths`` run did; ``skips`` counts unreadable records when ``skip_bad``."""

    read: int = 0  # reports read from the inputs
    stored: int = 0  # of them, newly stored
    known: int = 0  # of them, already stored with the same content (skipped)
    events: int = 0
    tallies: int = 0
    batches: int = 0
    incidents_new: int = 0  # incidents the run opened
    incidents: int = 0  # incidents in the store after the last batch the run committed
    new_store: bool = False  # the run created the store
    languages_detected: int = 0  # reports whose language had no pack, read in the one detected
    copies: int = 0  # of the reports stored, those that copy a report before them (osintrack.copies)


def ingest_paths(paths: Sequence[str | Path] | str | Path, db_url: str = DEFAULT_DB, *,
                 batch_size: int = DEFAULT_BATCH_SIZE, skip_bad: bool = False, skips: SkipCounter | None = None,
                 progress: Callable[[IngestStats], None] | None = None, workers: int = 1,
                 engine: str = "local", scheduler: str | None = None, client: Any = None,
                 stats: IngestStats | None = None, max_bytes: int = MAX_REPORT_BYTES) -> IngestStats:
    """Read ``paths``, extract, resolve into incidents and store into ``db_url``, batch by batch.

    Each batch of ``batch_size`` new reports is extracted, resolved and written in one transaction.
    Reports already stored under the same id with the same content are skipped, so a run that was
    killed resumes where it stopped and a repeated run changes nothing; a stored id with other content
    raises ``ReportConflict``. An ``InputError`` (without ``skip_bad``) stops the run after the batches
    before the bad record were committed. ``progress`` is called after every record read and batch.
    ``stats``, when given, is filled in as the run goes: after an interrupt (``interrupts.Interrupted``)
    it still says what was committed.

    ``workers`` processes extract batches ahead of the writer (``osintrack.scale``); resolution and
    writing stay in this process, batch after batch in input order, so the database is the same
    whatever their number, and so are the kill and resume guarantees.

    ``engine="dask"`` extracts the batches and resolves (``dask_engine.resolve_dask``, cut into blocks
    of time, joined at their edges) on a Dask cluster: ``client``, or one on ``scheduler``, or a local one of
    ``workers`` processes. This process reads, then writes the same batches with the same decisions:
    the database is the one a local run gives. It holds every new report and its extraction until
    they are written.
    """
    reports = read_reports(paths, skip_bad=skip_bad, skips=skips, max_bytes=max_bytes)
    if engine == "dask":
        return _ingest_dask(reports, db_url, batch_size=batch_size, progress=progress, workers=workers,
                            scheduler=scheduler, client=client, stats=stats)
    if engine != "local":
        raise OsintrackError(f"unknown engine {engine!r}", hint="local or dask")
    return ingest_reports(reports, db_url, batch_size=batch_size, progress=progress, workers=workers, stats=stats)


def ingest_reports(reports: Iterable[Report], db_url: str = DEFAULT_DB, *, batch_size: int = DEFAULT_BATCH_SIZE,
                   progress: Callable[[IngestStats], None] | None = None, workers: int = 1,
                   stats: IngestStats | None = None, with_batch: BatchHook | None = None,
                   extracted: Callable[[list[Report]], list[Extraction]] | None = None) -> IngestStats:
    """``ingest_paths`` for reports already read (the HTTP API's ingest endpoint, ``osintrack watch``): same
    batches, same resume and conflict rules. ``with_batch(connection, reports)`` writes more rows of each
    batch's new reports inside its transaction (``osintrack watch``: the articles they came from).
    ``extracted(batch)`` gives the batch's extractions where the caller made them already (``osintrack
    watch``'s page readers): then ``workers`` is not used."""
    from .store import IngestSession

    if batch_size < 1:
        raise OsintrackError(f"the batch size must be at least 1, not {batch_size}")
    stats = stats if stats is not None else IngestStats()
    session = IngestSession.open(db_url)
    stats.new_store, stats.incidents = session.created, session.incident_count
    try:
        batches = chunked(_new_reports(session, reports, stats, progress), batch_size, flush_on_error=False)
        results = (((batch, extracted(batch)) for batch in batches) if extracted is not None
                   else map_batches(extract_batch, batches, workers, local=_extract_here))
        with closing(results):
            for batch, extractions in results:
                _commit(session, batch, extractions, stats, also=with_batch)
                if progress is not None:
                    progress(stats)
    finally:
        session.close()
    return stats


def _ingest_dask(reports: Iterable[Report], db_url: str, *, batch_size: int,
                 progress: Callable[[IngestStats], None] | None, workers: int, scheduler: str | None,
                 client: Any, stats: IngestStats | None) -> IngestStats:
    from .dask_engine import dask_client, resolve_dask
    from .store import IngestSession
    from .store.resolution import mention_for

    if batch_size < 1:
        raise OsintrackError(f"the batch size must be at least 1, not {batch_size}")
    stats = stats if stats is not None else IngestStats()
    session = IngestSession.open(db_url)
    stats.new_store, stats.incidents = session.created, session.incident_count
    try:
        batches: list[list[Report]] = []
        error: Exception | None = None
        try:  # a bad record stops the run after the whole batches before it, as a local run does
            batches.extend(chunked(_new_reports(session, reports, stats, progress), batch_size,
                                   flush_on_error=False))
        except Exception as exc:
            error = exc
        with dask_client(client, scheduler, workers) as connected:
            futures = connected.map(extract_batch, batches, pure=False) if batches else []
            extracted: list[list[Extraction]] = connected.gather(futures)
            mentions = [mention_for(report, idx, event)
                        for batch, extractions in zip(batches, extracted, strict=True)
                        for report, extraction in zip(batch, extractions, strict=True)
                        for idx, event in enumerate(extraction.events)]
            decisions = resolve_dask(mentions, session.known_incidents(), client=connected)
        decided = {mention.key: decision for mention, decision in zip(mentions, decisions, strict=True)}
        for batch, extractions in zip(batches, extracted, strict=True):
            _commit(session, batch, extractions, stats, decided)
            if progress is not None:
                progress(stats)
        if error is not None:
            raise error
    finally:
        session.close()
    return stats


def _new_reports(session: IngestSession, reports: Iterable[Report], stats: IngestStats,
                 progress: Callable[[IngestStats], None] | None) -> Iterator[Report]:
    """The reports not stored yet, counting every report read and those already stored. A report that
    names a language without a pack (only the HTTP API's come here so, readers settle it) is read in the
    language detected, and counted."""
    packs = frozenset(available_languages())
    for report in reports:
        stats.read += 1
        if report.lang is not None and report.lang not in packs:
            stats.languages_detected += 1
            report = replace(report, lang=language(report.lang, report.text, packs))
        if session.is_stored(report):
            stats.known += 1
        else:
            yield report
        if progress is not None:
            progress(stats)


def _commit(session: IngestSession, reports: list[Report], extractions: list[Extraction],
            stats: IngestStats, decided: Mapping[str, Decision] | None = None, also: BatchHook | None = None) -> None:
    # an interrupt waits for the commit and its counts: what the run says it stored is what it stored
    with deferred():
        opened = session.commit_batch(reports, extractions, decided, also)
        stats.stored += len(reports)
        stats.events += sum(len(x.events) for x in extractions)
        stats.tallies += sum(len(x.tallies) for x in extractions)
        stats.batches += 1
        stats.incidents_new += opened
        stats.copies += session.last_copies
        stats.incidents = session.incident_count
