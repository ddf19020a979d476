"""Extraction in bounded memory: a report longer than ``WINDOW`` characters is read a window at a time.

The extractor holds a few dozen bytes per character of the report it reads (the folded text, its
tokens, their offsets), about 65 MB per MB of text: a hostile 20 MB report would take over a gigabyte.
Read in windows of ``WINDOW`` characters, cut where a paragraph (else a line, else a sentence) ends,
peak memory is that of one window plus the report itself, whatever its length (benchmarks/memory.py).

No news report comes near a window (a long one is 50,000 characters): for every report under it the
result is exactly ``extract.extract_report``'s. Over it, each window is read with the language of the
first and the report's publication date; evidence offsets are shifted to index the whole text; an
event or tally that a later window states again with every field the same is kept once; an event told
across a window's edge may be missed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from .extract import extract_report as extract_whole
from .model import Event, Evidence, Extraction, Report, Tally

__all__ = ["WINDOW", "extract_report", "windows"]

WINDOW = 1_000_000  # characters
_BREAKS = ("\n\n", "\n", ". ")  # where a window ends, by preference, in its last fifth


def extract_report(report: Report, window: int = WINDOW) -> Extraction:
    """``extract.extract_report``, a window at a time when ``report`` is longer than ``window``."""
    if len(report.text) <= window:
        return extract_whole(report)
    events: dict[Any, Event] = {}
    tallies: dict[Any, Tally] = {}
    lang = report.lang
    for start, end in windows(report.text, window):
        found = extract_whole(replace(report, text=report.text[start:end], lang=lang))
        lang = found.lang  # the first window's language, detected there when the report names none
        for event in found.events:
            events.setdefault(_key(event), _shifted(event, start))
        for tally in found.tallies:
            tallies.setdefault(_key(tally), _shifted(tally, start))
    return Extraction(id=report.id, events=tuple(events.values()), tallies=tuple(tallies.values()), lang=lang)


def windows(text: str, window: int) -> Iterator[tuple[int, int]]:
    """``[start, end)`` spans that cover ``text``, each at most ``window`` long, ending at a break."""
    start = 0
    while len(text) - start > window:
        limit = start + window
        end = next((at + len(mark) for mark in _BREAKS
                    if (at := text.rfind(mark, limit - window // 5, limit - len(mark) + 1)) >= 0), limit)
        yield start, end
        start = end
    yield start, len(text)


def _key(record: Event | Tally) -> Any:
    """What a record says, its evidence left out: the same in two windows is one record."""
    data = record.to_json()
    data.pop("evidence", None)
    return repr(sorted(data.items()))


def _shifted(record: Any, offset: int) -> Any:
    if offset == 0 or record.evidence is None:
        return record
    return replace(record, evidence=_moved(record.evidence, offset),
                   field_evidence={name: _moved(span, offset) for name, span in record.field_evidence.items()})


def _moved(span: Evidence, offset: int) -> Evidence:
    return Evidence(span.text, span.start + offset, span.end + offset)
