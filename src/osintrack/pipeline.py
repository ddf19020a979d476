"""The one library API: compose the stages. CLI, HTTP API and Dask runner call these and nothing else."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .errors import OsintrackError
from .extract import extract_report
from .ingest import SUPPORTED, SkipCounter, read_reports
from .model import Extraction, Report
from .scale import chunked, extract_batch, extract_parallel, map_batches

if TYPE_CHECKING:
    from .store import IngestSession

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
                  workers: int = 1) -> int:
    """Read ``paths``, extract every report and write FORMAT.md's extractor lines to ``out``.

    ``out`` is a file path (written atomically), an open text stream, or None to write nothing (the
    caller only ``observe``s). Returns the number of reports extracted. Skipped records are counted in
    ``skips`` when ``skip_bad``; otherwise the first ``InputError`` propagates and a path ``out`` is
    left as it was. ``workers`` processes extract in parallel (``osintrack.scale``); the output is the
    same whatever their number.
    """
    reports = read_reports(paths, skip_bad=skip_bad, skips=skips)
    extractions = extract_reports(reports) if workers == 1 else extract_parallel(reports, workers,
                                                                                  local=_extract_here)
    if observe is not None:
        extractions = _observed(extractions, observe)
    if out is None:
        return sum(1 for _ in extractions)
    return write_extractions(extractions, out)


def _extract_here(reports: list[Report]) -> list[Extraction]:
    """A batch extracted in this process (through this module's ``extract_report``, as tests expect)."""
    return [extract_report(r) for r in reports]


def write_extractions(extractions: Iterable[Extraction], out: str | Path | TextIO) -> int:
    """One JSON line per extraction; a path is written through a temporary file renamed at the end,
    so an interrupted run never leaves a partial file that looks complete."""
    if isinstance(out, str | Path):
        with _atomic_text(Path(out)) as stream:
            return _write_lines(extractions, stream, str(out))
    return _write_lines(extractions, out, getattr(out, "name", "<stream>"))


def _observed(extractions: Iterable[Extraction],
              observe: Callable[[Extraction], None]) -> Iterator[Extraction]:
    for extraction in extractions:
        observe(extraction)
        yield extraction


def _write_lines(extractions: Iterable[Extraction], stream: TextIO, name: str) -> int:
    count = 0
    for extraction in extractions:
        line = json.dumps(extraction.to_json(), ensure_ascii=False) + "\n"
        with _output_errors(name):
            stream.write(line)
        count += 1
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
    incidents_touched: int = 0


def ingest_paths(paths: Sequence[str | Path] | str | Path, db_url: str = DEFAULT_DB, *,
                 batch_size: int = DEFAULT_BATCH_SIZE, skip_bad: bool = False, skips: SkipCounter | None = None,
                 progress: Callable[[IngestStats], None] | None = None, workers: int = 1) -> IngestStats:
    """Read ``paths``, extract, resolve into incidents and store into ``db_url``, batch by batch.

    Each batch of ``batch_size`` new reports is extracted, resolved and written in one transaction.
    Reports already stored under the same id with the same content are skipped, so a run that was
    killed resumes where it stopped and a repeated run changes nothing; a stored id with other content
    raises ``ReportConflict``. An ``InputError`` (without ``skip_bad``) stops the run after the batches
    before the bad record were committed. ``progress`` is called after every record read and batch.

    ``workers`` processes extract batches ahead of the writer (``osintrack.scale``); resolution and
    writing stay in this process, batch after batch in input order, so the database is the same
    whatever their number, and so are the kill and resume guarantees.
    """
    return ingest_reports(read_reports(paths, skip_bad=skip_bad, skips=skips), db_url, batch_size=batch_size,
                          progress=progress, workers=workers)


def ingest_reports(reports: Iterable[Report], db_url: str = DEFAULT_DB, *, batch_size: int = DEFAULT_BATCH_SIZE,
                   progress: Callable[[IngestStats], None] | None = None, workers: int = 1) -> IngestStats:
    """``ingest_paths`` for reports already read (the HTTP API's ingest endpoint): same batches, same
    resume and conflict rules."""
    from .store import IngestSession

    if batch_size < 1:
        raise OsintrackError(f"the batch size must be at least 1, not {batch_size}")
    stats = IngestStats()
    session = IngestSession.open(db_url)
    try:
        batches = chunked(_new_reports(session, reports, stats, progress), batch_size, flush_on_error=False)
        for batch, extractions in map_batches(extract_batch, batches, workers, local=_extract_here):
            _commit(session, batch, extractions, stats)
            if progress is not None:
                progress(stats)
    finally:
        session.close()
    return stats


def _new_reports(session: IngestSession, reports: Iterable[Report], stats: IngestStats,
                 progress: Callable[[IngestStats], None] | None) -> Iterator[Report]:
    """The reports not stored yet, counting every report read and those already stored."""
    for report in reports:
        stats.read += 1
        if session.is_stored(report):
            stats.known += 1
        else:
            yield report
        if progress is not None:
            progress(stats)


def _commit(session: IngestSession, reports: list[Report], extractions: list[Extraction],
            stats: IngestStats) -> None:
    touched = session.commit_batch(reports, extractions)
    stats.stored += len(reports)
    stats.events += sum(len(x.events) for x in extractions)
    stats.tallies += sum(len(x.tallies) for x in extractions)
    stats.batches += 1
    stats.incidents_touched += touched
