"""Report -> events and tallies with evidence, as stages that flow down.

``document`` reads a report once (normalised text, tokens, sentences, numbers, dates, and the
mentions of triggers, places, actors, weapons and cues the language pack, gazetteer and actors
file give); ``candidates`` pairs every place a violent sentence names with the dates it allows;
``decide`` lets the learned models (``classifier``, trained by ``training``) say which candidates
tell incidents, on which day, of which type, and groups them into events; ``tallies`` reads the
counts. Nothing here names a word of any language: that knowledge lives in ``data/``.
"""

from __future__ import annotations

from collections import Counter

from ..model import Extraction, Report
from .candidates import event_tolls, mentions
from .classifier import Models, shipped_models
from .decide import decide_events, decide_tallies
from .document import language_lexicon, read_doc, report_language, sentence_around
from .tallies import tally_candidates

__all__ = ["extract_report", "language_lexicon", "read_doc", "report_language", "sentence_around"]


def extract_report(report: Report, models: Models | None = None) -> Extraction:
    """Events and tallies one report states, each field backed by a span of ``report.text``.
    ``models``: the learned decisions to use (default: the ones shipped with osintrack)."""
    models = models or shipped_models()
    doc = read_doc(report)
    found = mentions(doc)
    drafts = decide_events(doc, found, models)
    told = Counter(k for d in drafts for k in d.sentences())
    tolls = event_tolls(c for d in drafts for c in (d.candidate, *d.restated))
    tallies = decide_tallies(doc, tally_candidates(doc, told, tolls), models)
    return Extraction(id=report.id, events=tuple(d.to_event(doc) for d in drafts), tallies=tuple(tallies),
                      lang=doc.pack.code)
