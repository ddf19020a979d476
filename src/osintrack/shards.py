"""The input cut into shards that workers read themselves, the work done on one shard, and the merge.

A shard is a piece of the input that one task reads, checks, extracts and encodes on its own, so that
the process that hands out the work does almost nothing (docs/scale.md):

* ``lines``: a byte range of a plain ``.jsonl`` file. The shard owns the lines that *start* in its
  range: the worker seeks and aligns on line starts itself; the parent reads nothing. Its line
  numbers count from the shard's first line; the merge turns them into the file's.
* ``chunk``: lines of a ``.jsonl.gz`` file, read by the parent (a gzip stream cannot be entered in
  the middle) and carried in the shard.
* ``rows``: a range of rows of a Parquet file (the parent reads only the footer).
* ``file``: one file read whole: CSV (a record may span lines), gzip on Dask, and anything else.
* ``files``: consecutive ``.txt`` / ``.html`` files, one report each.
* ``failed``: a file that cannot be read at all: its error, in its place in the input.

``run_shard`` is what a worker does with a shard: read, check (language detection included) and
extract every record, in order, noting each bad record and where it stood. ``Merger`` takes shard
results in input order and decides, as one pass over the whole input would, which records are kept:
report ids seen before are duplicates, the first bad record stops the run unless bad records are
skipped, and skipped records are counted in input order.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import InputError
from .ingest import (
    MAX_REPORT_BYTES,
    SkipCounter,
    binary_lines,
    check_record,
    file_items,
    jsonl_item,
    parquet_items,
    parquet_rows,
    read_line,
    replaced_language,
    too_large,
)
from .language import available_languages
from .model import Extraction, Report
from .sources import FileRef, kind_of, locate, size_of
from .windows import extract_report

__all__ = ["Merger", "Shard", "ShardResult", "encoded_shard", "plan_shards", "run_shard", "shard_items"]

_ERROR_FIELDS = ("message", "path", "line", "field", "hint", "reason")
_ONE_REPORT_KINDS = (".txt", ".html", ".htm")


@dataclass(frozen=True, slots=True)
class Shard:
    """One piece of the input for one task; plain data, so that it travels between processes."""

    index: int  # place in input order
    kind: str  # lines, chunk, rows, file, files, failed
    file: str = ""  # a local path or a URL
    base: str = ""  # the base of the ids of the file's records
    start: int = 0  # lines: first byte; rows: rows before the first; chunk: number of the first line
    end: int = 0  # lines: end byte (exclusive); rows: last row
    lines: tuple[bytes, ...] = ()  # chunk: the raw lines
    files: tuple[tuple[str, str], ...] = ()  # files: (file, base) of each
    error: dict[str, Any] | None = None  # failed: the InputError's fields
    max_bytes: int = MAX_REPORT_BYTES  # the largest report read (ingest.read_reports)


@dataclass(slots=True)
class ShardResult:
    """What a worker did with a shard: per kept record its id, where it was read, its event and tally
    counts and (local engine) its extractor line; and every bad record with its place among them."""

    index: int
    file: str
    numbered_in_shard: bool = False  # line numbers count from the shard's first line (``lines`` shards)
    line_count: int = 0  # lines the shard spans, to number the next shard of the file
    ids: list[str] = field(default_factory=list)
    where: list[tuple[str, int | None]] = field(default_factory=list)
    counts: list[tuple[int, int]] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    errors: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (records before it, fields)
    languages: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # place: (given, detected)


def error_fields(exc: InputError) -> dict[str, Any]:
    return {name: getattr(exc, name) for name in _ERROR_FIELDS}


def error_from(fields: dict[str, Any], line_offset: int = 0) -> InputError:
    data = dict(fields)
    if data.get("line") is not None:
        data["line"] += line_offset
    return InputError(data.pop("message"), **data)


# --- planning (the parent) ---------------------------------------------------------------------------

def plan_shards(files: Iterable[tuple[FileRef, str]], *, shard_bytes: int, shard_rows: int, read_gzip: bool,
                max_bytes: int = MAX_REPORT_BYTES) -> Iterator[Shard]:
    """Shards of about ``shard_bytes`` bytes or ``shard_rows`` records over ``files``, in input order, whose
    reports over ``max_bytes`` are bad records (``too_large``).

    ``read_gzip``: cut ``.jsonl.gz`` files into ``chunk`` shards read here (the local pool); without it
    a gzip file is one ``file`` shard, read by its worker (Dask, where workers are elsewhere)."""
    for shard in _planned(files, shard_bytes, shard_rows, read_gzip, max_bytes):
        yield shard if shard.max_bytes == max_bytes else replace(shard, max_bytes=max_bytes)


def _planned(files: Iterable[tuple[FileRef, str]], shard_bytes: int, shard_rows: int, read_gzip: bool,
             max_bytes: int) -> Iterator[Shard]:
    index = itertools.count()
    group: list[tuple[str, str]] = []
    for file, base in files:
        kind = kind_of(file.name)
        if kind in _ONE_REPORT_KINDS:
            group.append((str(file), base))
            if len(group) >= max(1, shard_rows // 10):  # a page costs more than a line of JSON
                yield Shard(next(index), "files", files=tuple(group))
                group = []
            continue
        if group:
            yield Shard(next(index), "files", files=tuple(group))
            group = []
        if kind == ".jsonl":
            yield from _byte_ranges(file, base, shard_bytes, index)
        elif kind == ".jsonl.gz" and read_gzip:
            yield from _gzip_chunks(file, base, shard_bytes, shard_rows, index, max_bytes)
        elif kind == ".parquet":
            yield from _row_ranges(file, base, shard_rows, index)
        else:
            yield Shard(next(index), "file", str(file), base)
    if group:
        yield Shard(next(index), "files", files=tuple(group))


def _byte_ranges(file: FileRef, base: str, shard_bytes: int, index: Iterator[int]) -> Iterator[Shard]:
    size = size_of(file)
    if size is None:  # its reader says why it cannot be read
        yield Shard(next(index), "file", str(file), base)
        return
    for start in range(0, max(size, 1), shard_bytes):
        yield Shard(next(index), "lines", str(file), base, start, min(size, start + shard_bytes))


def _gzip_chunks(file: FileRef, base: str, shard_bytes: int, shard_rows: int,
                 index: Iterator[int], max_bytes: int) -> Iterator[Shard]:
    lines: list[bytes] = []
    first, size = 1, 0
    try:
        for number, raw in binary_lines(file, gz=True, max_bytes=max_bytes):
            if isinstance(raw, int):  # a line over the limit: the lines before it, then its error, in place
                if lines:
                    yield Shard(next(index), "chunk", str(file), base, first, lines=tuple(lines))
                error = too_large(raw, max_bytes, path=str(file), line=number)
                yield Shard(next(index), "failed", str(file), base, error=error_fields(error))
                first, size, lines = number + 1, 0, []
                continue
            lines.append(raw)
            size += len(raw)
            if len(lines) >= shard_rows or size >= shard_bytes:
                yield Shard(next(index), "chunk", str(file), base, first, lines=tuple(lines))
                first, size, lines = number + 1, 0, []
    except InputError as exc:  # a broken stream: the lines before it, then the error
        if lines:
            yield Shard(next(index), "chunk", str(file), base, first, lines=tuple(lines))
        yield Shard(next(index), "failed", str(file), base, error=error_fields(exc))
        return
    if lines:
        yield Shard(next(index), "chunk", str(file), base, first, lines=tuple(lines))


def _row_ranges(file: FileRef, base: str, shard_rows: int, index: Iterator[int]) -> Iterator[Shard]:
    rows = parquet_rows(file)
    if rows == 0:  # empty, or unreadable: its reader says which
        yield Shard(next(index), "file", str(file), base)
        return
    for start in range(0, rows, shard_rows):
        yield Shard(next(index), "rows", str(file), base, start, min(rows, start + shard_rows))


# --- a worker ------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Span:
    lines: int = 0


def shard_items(shard: Shard, span: _Span | None = None) -> Iterator[Any]:
    """The records of one shard (``ingest.Item``: a record or an ``InputError``), in order."""
    if shard.kind == "lines":
        yield from _range_items(shard, span if span is not None else _Span())
    elif shard.kind == "chunk":
        for number, raw in enumerate(shard.lines, shard.start):
            if raw.strip():
                yield jsonl_item(raw, shard.file, number, first=number == 1)
    elif shard.kind == "rows":
        try:
            yield from parquet_items(locate(shard.file), shard.base, shard.start, shard.end,
                                     max_bytes=shard.max_bytes)
        except InputError as exc:
            yield exc
    elif shard.kind == "file":
        yield from file_items(locate(shard.file), shard.base, shard.max_bytes)
    elif shard.kind == "files":
        for file, base in shard.files:
            yield from file_items(locate(file), base, shard.max_bytes)
    elif shard.kind == "failed":
        assert shard.error is not None
        yield error_from(shard.error)
    else:
        raise ValueError(f"unknown shard kind {shard.kind!r}")


def _range_items(shard: Shard, span: _Span) -> Iterator[Any]:
    file = locate(shard.file)
    number = 0
    try:
        with file.open("rb") as stream:
            if shard.start > 0:
                stream.seek(shard.start - 1)
                read_line(stream, shard.max_bytes)  # the line that starts before this shard is the one before's
            position = stream.tell()
            while position < shard.end:
                raw = read_line(stream, shard.max_bytes)
                if not raw:
                    break
                number += 1
                if isinstance(raw, int):
                    position = stream.tell()
                    yield too_large(raw, shard.max_bytes, path=shard.file, line=number)
                    continue
                position += len(raw)
                if raw.strip():
                    yield jsonl_item(raw, shard.file, number, first=shard.start == 0 and number == 1)
    except OSError as exc:
        yield InputError(f"cannot read: {exc.strerror or exc}", path=shard.file, reason="unreadable")
    span.lines = number


def run_shard(shard: Shard, skip_bad: bool,
              keep: Callable[[Report, Extraction], None] | None = None) -> ShardResult:
    """Read, check and extract every record of ``shard``, in order; ``keep`` gets every good one.

    A bad record is noted with its place; without ``skip_bad`` the shard stops there (the run stops at
    the first bad record in input order, and nothing after it is needed)."""
    result = ShardResult(shard.index, shard.file, numbered_in_shard=shard.kind == "lines")
    packs = frozenset(available_languages())
    span = _Span()
    for item in shard_items(shard, span):
        try:
            report = check_record(item, packs)
        except InputError as exc:
            result.errors.append((len(result.ids), error_fields(exc)))
            if not skip_bad:
                break
            continue
        extraction = extract_report(report)
        given = replaced_language(item, report)
        if given is not None:
            result.languages[len(result.ids)] = (given, report.lang)
        result.ids.append(report.id)
        result.where.append((item.path, item.line))
        result.counts.append((len(extraction.events), len(extraction.tallies)))
        if keep is not None:
            keep(report, extraction)
    result.line_count = span.lines
    return result


def encoded_shard(shard: Shard, skip_bad: bool) -> ShardResult:
    """``run_shard`` with each report's extractor line (as ``osintrack extract`` writes it) in ``output``."""
    output: list[str] = []

    def keep(_: Report, extraction: Extraction) -> None:
        output.append(json.dumps(extraction.to_json(), ensure_ascii=False) + "\n")

    result = run_shard(shard, skip_bad, keep)
    result.output = output
    return result


# --- the merge (the parent) --------------------------------------------------------------------------

class Merger:
    """Shard results, taken in input order, judged as one pass over the whole input would judge them."""

    def __init__(self, skip_bad: bool, skips: SkipCounter | None = None) -> None:
        self.skip_bad = skip_bad
        self.skips = skips if skips is not None else SkipCounter()
        self._seen: dict[str, str] = {}  # report id -> where it was first read
        self._lines: dict[str, int] = {}  # lines of a file numbered so far, by ``lines`` shards

    def accept(self, result: ShardResult) -> tuple[list[int], InputError | None]:
        """The places (in ``result.ids``) of the records to keep, and the error that stops the run
        after them (None when none does; never one with ``skip_bad``)."""
        offset = 0
        if result.numbered_in_shard:
            offset = self._lines.get(result.file, 0)
            self._lines[result.file] = offset + result.line_count
        kept: list[int] = []
        errors = iter(result.errors)
        pending = next(errors, None)
        for i, report_id in enumerate(result.ids):
            while pending is not None and pending[0] == i:
                stop = self._bad(error_from(pending[1], offset))
                if stop is not None:
                    return kept, stop
                pending = next(errors, None)
            path, line = result.where[i]
            if line is not None:
                line += offset
            first = self._seen.get(report_id)
            if first is not None:
                stop = self._bad(InputError(f"duplicate report id {report_id!r} (first read at {first})", path=path,
                                            line=line, reason="duplicate_id",
                                            hint="report ids must be unique within one run"))
                if stop is not None:
                    return kept, stop
                continue
            self._seen[report_id] = path if line is None else f"{path}:{line}"
            kept.append(i)
            if i in result.languages:
                self.skips.replaced(*result.languages[i])
        while pending is not None:
            stop = self._bad(error_from(pending[1], offset))
            if stop is not None:
                return kept, stop
            pending = next(errors, None)
        return kept, None

    def _bad(self, exc: InputError) -> InputError | None:
        if not self.skip_bad:
            return exc
        self.skips.add(exc)
        return None
