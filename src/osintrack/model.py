"""Typed, frozen records shared by every stage, with a lossless JSON form.

Field names follow ``FORMAT.md`` of the shared corpus: an extractor line is
``{"id": ..., "events": [...], "tallies": [...]}``. Evidence is an object
``{"text", "start", "end"}`` whose offsets index the report's original text;
``evidence["fields"]`` maps a field name to the span that supports that field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

DatePrecision = Literal["day", "week", "month"]
GeoPrecision = Literal["site", "town", "region", "country"]
EventType = Literal["attack", "air_strike"]
Weapon = Literal["drone", "rocket", "missile", "mortar", "ied", "small_arms", "aircraft", "unknown"]
TallyMetric = Literal["attacks", "injured", "killed"]

WEAPONS: tuple[str, ...] = ("drone", "rocket", "missile", "mortar", "ied", "small_arms", "aircraft", "unknown")
EVENT_TYPES: tuple[str, ...] = ("attack", "air_strike")


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of a report's original text: ``text == report.text[start:end]``."""

    text: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}

    @classmethod
    def from_json(cls, data: Any) -> Evidence | None:
        if data is None:
            return None
        if isinstance(data, str):  # gold files carry evidence as a bare string
            return cls(data, -1, -1)
        return cls(str(data["text"]), int(data["start"]), int(data["end"]))


@dataclass(frozen=True, slots=True)
class Report:
    """One news report as ingested; ``text`` is kept byte for byte."""

    id: str
    text: str
    published: str | None = None  # YYYY-MM-DD or YYYY-MM
    lang: str | None = None
    url: str | None = None
    origin: str | None = None  # "file:line" it was read from, for error messages

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "published": self.published, "lang": self.lang,
                "text": self.text}


@dataclass(frozen=True, slots=True)
class Event:
    """One violent incident at one place on one day, as one report states it."""

    event_type: str
    date: str | None = None
    date_precision: str | None = None
    country: str | None = None
    admin1: str | None = None
    site: str | None = None
    lat: float | None = None
    lon: float | None = None
    geo_precision: str | None = None
    weapon: str = "unknown"
    actor: str | None = None
    target: str | None = None
    claimed_by: str | None = None
    confirmed_by: str | None = None
    killed: int | None = None
    injured: int | None = None
    intercepted: bool | None = None
    evidence: Evidence | None = None
    field_evidence: Mapping[str, Evidence] = field(default_factory=dict)
    incident: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("evidence", "field_evidence", "incident"):
                continue
            out[f.name] = getattr(self, f.name)
        out["evidence"] = _evidence_json(self.evidence, self.field_evidence)
        if self.incident is not None:
            out["incident"] = self.incident
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        evidence, by_field = _evidence_from_json(data.get("evidence"))
        kwargs: dict[str, Any] = {f.name: data.get(f.name) for f in fields(cls)
                  if f.name not in ("evidence", "field_evidence") and f.name in data}
        if kwargs.get("weapon") is None:
            kwargs["weapon"] = "unknown"
        return cls(**kwargs, evidence=evidence, field_evidence=by_field)

    def with_(self, **changes: Any) -> Event:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Tally:
    """A reported cumulative or period count (attacks, injured, killed), attributed to someone."""

    metric: str
    count: int
    qualifier: str | None = None  # "more_than", "at_least", "about", "at_most"
    breakdown: Mapping[str, int] | None = None  # ISO country -> count
    since: str | None = None
    as_of: str | None = None
    reported_by: str | None = None
    evidence: Evidence | None = None
    field_evidence: Mapping[str, Evidence] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "count": self.count, "qualifier": self.qualifier,
                "breakdown": dict(self.breakdown) if self.breakdown is not None else None,
                "since": self.since, "as_of": self.as_of, "reported_by": self.reported_by,
                "evidence": _evidence_json(self.evidence, self.field_evidence)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tally:
        evidence, by_field = _evidence_from_json(data.get("evidence"))
        breakdown = data.get("breakdown")
        return cls(metric=data["metric"], count=int(data["count"]), qualifier=data.get("qualifier"),
                   breakdown=dict(breakdown) if breakdown is not None else None,
                   since=data.get("since"), as_of=data.get("as_of"), reported_by=data.get("reported_by"),
                   evidence=evidence, field_evidence=by_field)


@dataclass(frozen=True, slots=True)
class Extraction:
    """What the extractor found in one report: FORMAT.md's extractor output line."""

    id: str
    events: tuple[Event, ...] = ()
    tallies: tuple[Tally, ...] = ()
    lang: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "events": [e.to_json() for e in self.events],
                               "tallies": [t.to_json() for t in self.tallies]}
        if self.lang is not None:
            out["lang"] = self.lang
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Extraction:
        return cls(id=str(data["id"]), events=tuple(Event.from_json(e) for e in data.get("events") or ()),
                   tallies=tuple(Tally.from_json(t) for t in data.get("tallies") or ()),
                   lang=data.get("lang"))


def _evidence_json(evidence: Evidence | None, by_field: Mapping[str, Evidence]) -> dict[str, Any] | None:
    if evidence is None:
        return None
    out = evidence.to_json()
    if by_field:
        out["fields"] = {name: span.to_json() for name, span in sorted(by_field.items())}
    return out


def _evidence_from_json(data: Any) -> tuple[Evidence | None, dict[str, Evidence]]:
    if isinstance(data, Mapping):
        by_field = {name: Evidence.from_json(span) for name, span in (data.get("fields") or {}).items()}
        return Evidence.from_json(data), {k: v for k, v in by_field.items() if v is not None}
    return Evidence.from_json(data), {}
