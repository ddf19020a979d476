"""Readers: files and directories of news reports in, ``Report`` records out, streaming, in input order.

Supported inputs (see ``SUPPORTED``): FORMAT.md article lines (``.jsonl``, ``.jsonl.gz``), UTF-8
``.txt`` files, ``.csv`` with a ``text`` column, ``.html``/``.htm`` pages, Parquet files with the article
columns, and directories of them; local paths, glob patterns or fsspec URLs (``osintrack.sources``).
Every record is checked here so that later stages can trust it; a record that cannot be used raises
``InputError`` with a reason code, or is counted in a ``SkipCounter`` and skipped when asked to.

Report text is kept exactly as read (only a UTF-8 byte order mark is dropped): evidence offsets
computed by later stages index ``Report.text``, which must equal the source decoded.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError, OsintrackError
from .language import available_languages, detect_language
from .model import Report
from .sources import FileRef, find_files, kind_of, size_of

_HINT = "supported inputs: .jsonl, .jsonl.gz (FORMAT.md articles), .txt (UTF-8), .csv (with a 'text' " \
        "column), .html/.htm, .parquet (article columns), or a directory of them"
_PARQUET_BATCH = 1024  # rows decoded at a time: a large Parquet file never sits in memory whole

# ``[ ]date YYYY-MM[-DD] [keywords]`` as a first line: how crawled reports carry their date.
_HEADER = re.compile(r" ?date (\d{4}-\d{2}(?:-\d{2})?)(?=[ \t\r\n]|\Z)")
_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")
_SNIFF_BYTES = 8192
# The largest report read: its line (.jsonl, .jsonl.gz), file (.txt, .html) or text (.csv, .parquet). A larger
# one is refused before it is read whole (README, "Limits"); --max-report-mb or $OSINTRACK_MAX_REPORT_MB.
MAX_REPORT_BYTES = 10_000_000
_DRAIN = 1 << 20  # an oversized line is read past in pieces of this size


@dataclass(slots=True)
class SkipCounter:
    """Records skipped because they could not be used, counted by reason code; and records kept whose
    language was replaced (a code osintrack has no pack for, read as the language detected)."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # the first few messages, to show the user
    max_examples: int = 3
    languages: Counter[tuple[str, str | None]] = field(default_factory=Counter)  # (given, detected or None)

    def add(self, error: InputError) -> None:
        self.counts[error.reason] += 1
        if len(self.examples) < self.max_examples:
            self.examples.append(str(error))

    def replaced(self, given: str, detected: str | None) -> None:
        self.languages[(given, detected)] += 1

    def languages_summary(self) -> str:
        """E.g. ``2 reports named a language osintrack has no pack for, and were read in the language
        detected: 'zz' as en (2)``."""
        n = sum(self.languages.values())
        parts = ", ".join(f"{given!r} as {found or 'none (no pack fits)'} ({count})"
                          for (given, found), count in sorted(self.languages.items(), key=lambda i: (-i[1], i[0])))
        return (f"{n} report{'s' if n != 1 else ''} named a language osintrack has no pack for, and "
                f"{'were' if n != 1 else 'was'} read in the language detected: {parts}")

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """E.g. ``skipped 3 records: 2 bad_json, 1 empty_text``."""
        noun = "record" if self.total == 1 else "records"
        ordered = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))  # most frequent first
        parts = ", ".join(f"{n} {reason}" for reason, n in ordered)
        return f"skipped {self.total} {noun}" + (f": {parts}" if parts else "")


@dataclass(slots=True)
class _Raw:
    """A record as a reader found it, before the checks every format shares."""

    id: str
    text: str
    path: str
    line: int | None = None
    published: str | None = None
    lang: str | None = None
    url: str | None = None


Item = _Raw | InputError  # readers yield record-level errors so that reading can go on after them


def read_reports(paths: Sequence[str | Path] | str | Path, *, skip_bad: bool = False,
                 skips: SkipCounter | None = None, max_bytes: int = MAX_REPORT_BYTES) -> Iterator[Report]:
    """Reports from ``paths`` (files, directories, glob patterns or fsspec URLs), in input order,
    checked and with a language.

    A bad record raises ``InputError`` naming file and line; with ``skip_bad`` it is counted in
    ``skips`` by reason and reading goes on with the next record (or the next file, when the file
    itself cannot be read). A path that does not exist always raises, before anything is read: it is
    a mistake in the command, not in the data. A report over ``max_bytes`` is a bad record
    (``too_large``), found before it is read whole.
    """
    return read_files(find_files(paths), skip_bad=skip_bad, skips=skips, max_bytes=max_bytes)


def read_files(files: Iterable[tuple[FileRef, str]], *, skip_bad: bool = False,
               skips: SkipCounter | None = None, max_bytes: int = MAX_REPORT_BYTES) -> Iterator[Report]:
    """``read_reports`` over files already found (``sources.find_files``)."""
    counter = skips if skips is not None else SkipCounter()
    packs = frozenset(available_languages())
    seen: dict[str, str] = {}
    for file, base in files:
        for item in file_items(file, base, max_bytes):
            try:
                report = accept_record(item, packs, seen)
            except InputError as exc:
                if not skip_bad:
                    raise
                counter.add(exc)
                continue
            given = replaced_language(item, report)
            if given is not None:
                counter.replaced(given, report.lang)
            yield report


def accept_record(item: Item, packs: frozenset[str], seen: dict[str, str]) -> Report:
    """``check_record``, and a report id read before is an error."""
    report = check_record(item, packs)
    assert isinstance(item, _Raw)
    if report.id in seen:
        raise InputError(f"duplicate report id {report.id!r} (first read at {seen[report.id]})",
                         path=item.path, line=item.line, reason="duplicate_id",
                         hint="report ids must be unique within one run")
    seen[report.id] = report.origin or item.path
    return report


def check_record(item: Item, packs: frozenset[str]) -> Report:
    """The report of a record that passes the checks every format shares; else its ``InputError``.

    Language detection (for records without ``lang``) is done here, over ``packs``."""
    if isinstance(item, InputError):
        raise item
    return _finish(item, packs)


# --- the checks every format shares -------------------------------------------------------------

def _finish(raw: _Raw, packs: frozenset[str]) -> Report:
    where: dict[str, Any] = {"path": raw.path, "line": raw.line}
    if not raw.text or raw.text.isspace():  # isspace, not strip: no copy of a multi-megabyte text
        raise InputError("the report has no text", reason="empty_text", field="text", **where)
    published = raw.published
    if published is not None and not _valid_date(published):
        raise InputError(f"published must be YYYY-MM-DD or YYYY-MM, not {published!r}", reason="bad_date",
                         field="published", **where)
    if published is None:
        published = _header_date(raw.text, where)
    origin = raw.path if raw.line is None else f"{raw.path}:{raw.line}"
    return Report(id=raw.id, text=raw.text, published=published, lang=language(raw.lang, raw.text, packs),
                  url=raw.url or None, origin=origin)


def language(given: str | None, text: str, packs: frozenset[str]) -> str | None:
    """A report's language: the code it gives (in lower case) when osintrack has a pack for it, else the
    language detected among the packs. A code without a pack ("zz", or a language not covered yet) would
    otherwise be read with the fallback pack, silently (``replaced_language`` tells it happened)."""
    lang = given.strip().lower() if given else None
    if lang and (lang in packs or not packs):
        return lang
    return _detect(text, packs)


def replaced_language(item: Item, report: Report) -> str | None:
    """The language ``item`` gave when ``report`` is read in another one (``language``), else None."""
    given = item.lang.strip().lower() if isinstance(item, _Raw) and item.lang else None
    return given if given and given != report.lang else None


def _valid_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value if len(value) == 10 else value + "-01")
    except ValueError:
        return False
    return True


def _header_date(text: str, where: Mapping[str, Any]) -> str | None:
    """The date of a ``[ ]date YYYY-MM[-DD] ...`` first line, if the text has one."""
    match = _HEADER.match(text)
    if match is None:
        return None
    if not _valid_date(match.group(1)):
        raise InputError(f"the date header names no real date: {match.group(1)!r}", reason="bad_date",
                         field="published", **where)
    return match.group(1)


def _detect(text: str, packs: frozenset[str]) -> str | None:
    # lingua cannot be built over zero languages, and a language without a pack is of no use downstream
    if not packs:
        return None
    found = detect_language(text)
    return found if found in packs else None


# --- files and directories ----------------------------------------------------------------------

def file_items(file: FileRef, base: str, max_bytes: int = MAX_REPORT_BYTES) -> Iterator[Item]:
    """The records of one file; an error that stops the whole file is yielded last."""
    kind = kind_of(file.name)
    try:
        if kind in (".jsonl", ".jsonl.gz"):
            yield from _read_jsonl(file, gz=kind == ".jsonl.gz", max_bytes=max_bytes)
        elif kind == ".txt":
            yield _read_txt(file, base, max_bytes)
        elif kind == ".csv":
            yield from _read_csv(file, base, max_bytes)
        elif kind in (".html", ".htm"):
            yield _read_html(file, base, max_bytes)
        elif kind == ".parquet":
            yield from parquet_items(file, base, max_bytes=max_bytes)
        else:
            yield _unsupported(file)
    except InputError as exc:
        yield exc


def _unsupported(file: FileRef) -> InputError:
    if _has_nul(_head(file)):
        return InputError("binary file, not a report", path=str(file), reason="binary", hint=_HINT)
    return InputError(f"unsupported file type {file.suffix or '(no extension)'!r}", path=str(file),
                      reason="unsupported", hint=_HINT)


def _head(file: FileRef) -> bytes:
    try:
        with file.open("rb") as stream:
            return stream.read(_SNIFF_BYTES)
    except OSError as exc:
        raise _unreadable(file, exc) from exc


def _read_all(file: FileRef, max_bytes: int) -> bytes:
    """A one-report file, read whole only when it is no larger than ``max_bytes``."""
    size = size_of(file)
    if size is not None and size > max_bytes:
        raise too_large(size, max_bytes, path=str(file))
    try:
        return file.read_bytes()
    except OSError as exc:
        raise _unreadable(file, exc) from exc


def too_large(size: int, max_bytes: int, **where: Any) -> InputError:
    return InputError(f"the report is {size:,} bytes, over the limit of {max_bytes:,}", reason="too_large",
                      hint="a larger report is read with a larger --max-report-mb (or $OSINTRACK_MAX_REPORT_MB): "
                           "see README, Limits", **where)


def read_line(stream: BinaryIO, max_bytes: int) -> bytes | int:
    """The next line of ``stream`` (b"" at the end); a line longer than ``max_bytes`` is read past without
    being held, and its length returned instead."""
    line = stream.readline(max_bytes + 1)
    if len(line) <= max_bytes or line.endswith(b"\n"):
        return line
    size = len(line)
    while line and not line.endswith(b"\n"):
        line = stream.readline(_DRAIN)
        size += len(line)
    return size - line.endswith(b"\n")  # the line's own length, its end left out


def _unreadable(file: FileRef, exc: OSError) -> InputError:
    return InputError(f"cannot read: {exc.strerror or exc}", path=str(file), reason="unreadable")


def _has_nul(data: bytes) -> bool:
    return b"\x00" in data


def _decode(data: bytes, file: FileRef) -> str:
    """UTF-8 text of a whole file; the error names the byte offset and line of the first bad byte."""
    if _has_nul(data):
        raise InputError("binary file (NUL bytes), not a report", path=str(file), reason="binary", hint=_HINT)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not valid UTF-8 at byte {exc.start}", path=str(file), line=line, reason="encoding",
                         hint="convert the file to UTF-8 (e.g. iconv -t UTF-8)") from exc
    return text.removeprefix("\ufeff")


# --- formats ------------------------------------------------------------------------------------

def _read_txt(file: FileRef, base: str, max_bytes: int) -> _Raw:
    return _Raw(id=base, text=_decode(_read_all(file, max_bytes), file), path=str(file))


def _read_jsonl(file: FileRef, *, gz: bool, max_bytes: int) -> Iterator[Item]:
    for number, raw in binary_lines(file, gz=gz, max_bytes=max_bytes):
        if isinstance(raw, int):
            yield too_large(raw, max_bytes, path=str(file), line=number)
        elif raw.strip():
            yield _jsonl_record(raw, file, number)


def binary_lines(file: FileRef, *, gz: bool, max_bytes: int = MAX_REPORT_BYTES) -> Iterator[tuple[int, bytes | int]]:
    """Numbered lines, read one at a time so that a large file never sits in memory; a line over
    ``max_bytes`` is given as its length (``read_line``)."""
    number = 0
    try:
        with _open_binary(file, gz=gz) as stream:
            while raw := read_line(stream, max_bytes):
                number += 1
                yield number, raw
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"broken gzip stream after line {number}: {exc}", path=str(file),
                         reason="bad_gzip") from exc
    except OSError as exc:
        raise _unreadable(file, exc) from exc


@contextmanager
def _open_binary(file: FileRef, *, gz: bool) -> Iterator[BinaryIO]:
    with file.open("rb") as raw:
        if not gz:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            yield stream  # type: ignore[misc]


def _jsonl_record(raw: bytes, file: FileRef, line: int) -> Item:
    return jsonl_item(raw, str(file), line, first=line == 1)


def jsonl_item(raw: bytes, path: str, line: int, *, first: bool) -> Item:
    """The record of one FORMAT.md article line (``first``: the file's first line, which may start
    with a UTF-8 byte order mark)."""
    where: dict[str, Any] = {"path": path, "line": line}
    try:
        text = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        return InputError(f"not valid UTF-8 at byte {exc.start} of the line", reason="encoding", **where)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", reason="bad_json", **where)
    if not isinstance(data, dict):
        return InputError("a line must hold one JSON object (an article)", reason="bad_record", **where)
    return report_from_mapping(data, path, line, default_id=None)


def report_from_mapping(data: Mapping[str, Any], path: str, line: int, default_id: str | None) -> Item:
    where: dict[str, Any] = {"path": path, "line": line}
    report_id = data.get("id")
    if report_id is None or report_id == "":
        if default_id is None:
            return InputError("the record has no id", reason="missing_id", field="id", **where)
        report_id = default_id
    if not isinstance(report_id, str | int) or isinstance(report_id, bool):
        return InputError("id must be a string", reason="bad_field", field="id", **where)
    if "text" not in data or data["text"] is None:
        return InputError("the record has no text", reason="missing_text", field="text", **where)
    for name in ("text", "published", "lang", "url"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            return InputError(f"{name} must be a string, not {type(value).__name__}", reason="bad_field",
                              field=name, **where)
    return _Raw(id=str(report_id), text=data["text"], path=path, line=line, published=data.get("published"),
                lang=data.get("lang"), url=data.get("url"))


def _read_csv(file: FileRef, base: str, max_bytes: int) -> Iterator[Item]:
    """Rows of a CSV file with a header naming at least ``text``; lines are counted as in the file. A field
    over ``max_bytes`` characters stops the file: where the next record starts can no longer be told."""
    if _has_nul(_head(file)):
        raise InputError("binary file (NUL bytes), not a CSV", path=str(file), reason="binary", hint=_HINT)
    csv.field_size_limit(max_bytes)  # the csv module holds a field whole: refused at the limit
    bad_lines: set[int] = set()
    # strict: a stray or unclosed quote is an error, not a silent merge of the records that follow
    lines = _text_lines(binary_lines(file, gz=False, max_bytes=max_bytes), bad_lines, file, max_bytes)
    reader = csv.reader(lines, strict=True)
    header = _csv_header(reader, file)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except InputError as exc:  # a line over the limit: where the next record starts cannot be told
            yield InputError(f"{exc.message}; the rest of the file is not read", path=exc.path, line=exc.line,
                             reason=exc.reason, hint=exc.hint)
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                yield too_large(max_bytes + 1, max_bytes, path=str(file), line=start)
                return
            yield InputError(f"malformed CSV: {exc}", path=str(file), line=start, reason="bad_csv")
            continue
        if row:  # a blank line is no record
            yield _csv_record(row, header, file, base, range(start, reader.line_num + 1), bad_lines)


def _text_lines(lines: Iterator[tuple[int, bytes | int]], bad_lines: set[int], file: FileRef,
                max_bytes: int) -> Iterator[str]:
    """Decoded lines for the csv module; a line that is not UTF-8 is noted, to fail only its row. A line over
    the limit raises ``InputError`` (through the csv module, which stops there)."""
    for number, raw in lines:
        if isinstance(raw, int):
            raise too_large(raw, max_bytes, path=str(file), line=number)
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            bad_lines.add(number)
            text = raw.decode("utf-8", errors="replace")
        yield text


def _csv_header(reader: Any, file: FileRef) -> list[str]:
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise InputError(f"malformed CSV header: {exc}", path=str(file), line=1, reason="bad_csv") from exc
    if "text" not in header:
        raise InputError("the CSV header has no 'text' column", path=str(file), line=1, reason="bad_csv",
                         hint="columns: text (required), published, url, lang, id")
    return header


def _csv_record(row: list[str], header: list[str], file: FileRef, base: str, lines: range,
                bad_lines: set[int]) -> Item:
    where: dict[str, Any] = {"path": str(file), "line": lines.start}
    if any(n in bad_lines for n in lines):
        return InputError("not valid UTF-8", reason="encoding", **where)
    if len(row) != len(header):
        return InputError(f"expected {len(header)} columns as in the header, found {len(row)}",
                          reason="bad_csv", **where)
    values = dict(zip(header, row, strict=True))
    data = {name: (values.get(name) or None) for name in ("id", "published", "lang", "url")}
    data["text"] = values["text"]
    return report_from_mapping(data, str(file), lines.start, default_id=f"{base}:{lines.start}")


def _read_html(file: FileRef, base: str, max_bytes: int) -> _Raw:
    return html_record(_read_all(file, max_bytes), str(file), base)


def html_record(data: bytes, path: str, report_id: str, *, url: str | None = None, published: str | None = None,
                lang: str | None = None) -> _Raw:
    """Main text, title and date of a web page through trafilatura; scripts, styles and navigation are
    dropped. ``url`` (else the page's own) and ``lang`` are the record's; ``published`` is its date
    where the page gives none. Check the record with ``check_record``."""
    if _has_nul(data[:_SNIFF_BYTES]):
        raise InputError("binary file (NUL bytes), not HTML", path=path, reason="binary", hint=_HINT)
    import trafilatura  # imported here: it is slow to load and only HTML needs it

    # comments under an article are readers' opinions, not the report
    doc = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
    page: dict[str, Any] = {} if doc is None else doc if isinstance(doc, dict) else doc.as_dict()
    body, title = page.get("text") or "", (page.get("title") or "").strip()
    if not body.strip():
        raise InputError("no article text found in the page", path=path, reason="empty")
    # the headline often states the incident itself, so it stays part of the report
    text = body if not title or body.startswith(title) else f"{title}\n\n{body}"
    return _Raw(id=report_id, text=text, path=path, published=page.get("date") or published,
                url=url or page.get("url"), lang=lang)


def parquet_items(file: FileRef, base: str, start: int = 0, end: int | None = None, *,
                  max_bytes: int = MAX_REPORT_BYTES) -> Iterator[Item]:
    """Rows ``start`` to ``end`` (all by default) of a Parquet file with the article columns (``text``,
    and optionally ``id``, ``published``, ``lang``, ``url``). A row's "line" is its number from 1, and a
    row without an id gets ``BASE:ROW``. Rows are decoded a batch at a time (so a text over ``max_bytes``
    characters is refused once decoded: Parquet stores no length to tell it before)."""
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise OsintrackError("reading Parquet needs pyarrow", path=str(file),
                             hint="pip install 'osintrack[parquet]'") from exc
    try:
        with file.open("rb") as stream:
            parquet = pq.ParquetFile(stream)
            wanted = [c for c in ("id", "text", "published", "lang", "url") if c in parquet.schema_arrow.names]
            row = 0
            for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH, columns=wanted):
                if end is not None and row >= end:
                    break
                if row + batch.num_rows <= start:
                    row += batch.num_rows
                    continue
                for data in batch.to_pylist():
                    row += 1
                    if not (start < row and (end is None or row <= end)):
                        continue
                    text = data.get("text")
                    if isinstance(text, str) and len(text) > max_bytes:
                        yield too_large(len(text), max_bytes, path=str(file), line=row)
                    else:
                        yield report_from_mapping(data, str(file), row, default_id=f"{base}:{row}")
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise InputError(f"not a readable Parquet file: {exc}", path=str(file), reason="bad_parquet") from exc


def parquet_rows(file: FileRef) -> int:
    """How many rows a Parquet file has, from its footer (0 when it cannot be read: reading will say why)."""
    import pyarrow.parquet as pq

    try:
        with file.open("rb") as stream:
            return int(pq.ParquetFile(stream).metadata.num_rows)
    except (OSError, ValueError):
        return 0
