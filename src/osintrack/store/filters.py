"""``IncidentFilter``: what an incident listing selects on, as one SQL condition. Its values are checked
by ``osintrack.filtering`` (``IncidentFilter.checked``), for the command line and the HTTP API alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from ..filtering import RULES, check
from . import schema as s

Values = str | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """What ``osintrack incidents`` and the API select on; None means any, several values mean any of
    them. Dates compare as ISO strings. Build it from a person's values with ``checked``."""

    country: Values = None
    since: str | None = None
    until: str | None = None
    actor: str | None = None
    site: str | None = None
    weapon: Values = None
    status: Values = None
    event_type: Values = None
    lang: Values = None  # one of the reports' languages

    @classmethod
    def checked(cls, **values: str | Iterable[str] | None) -> IncidentFilter:
        """The filter of ``values`` (by filter name; a sequence, possibly empty, where several are taken),
        each checked (``FilterError`` for the first that does not fit); country codes upper-cased."""
        out: dict[str, Any] = {}
        for name, value in values.items():
            if name not in RULES:
                raise TypeError(f"no incident filter {name!r}")
            if value is None:
                continue
            if isinstance(value, str):
                out[name] = check(name, value)
                continue
            if not RULES[name].many:
                raise TypeError(f"the filter {name!r} takes one value")
            found = tuple(check(name, v) for v in value)
            if found:
                out[name] = found
        if "country" in out:
            out["country"] = tuple(c.upper() for c in _many(out["country"]))
        return cls(**out)

    def countries(self) -> tuple[str, ...]:
        """The country codes asked for (none: any)."""
        return tuple(code.upper() for code in _many(self.country)) if self.country else ()

    def where(self, conn: Connection) -> ColumnElement[bool]:
        """The filter as one SQL condition; ``conn`` looks up which stored names hold a part asked for."""
        c = s.incidents.c
        clauses: list[ColumnElement[bool]] = []
        if self.country:
            clauses.append(c.country.in_(self.countries()))
        if self.since:
            clauses.append(c.date >= self.since)
        if self.until:  # "2023-11" as until keeps every day of November
            clauses.append(or_(c.date <= self.until, c.date.like(f"{self.until}%")))
        for column, value in ((c.actor, self.actor), (c.site, self.site)):
            if value:
                clauses.append(column.in_(_names_containing(conn, column, value)))
        for column, values in ((c.weapon, self.weapon), (c.status, self.status), (c.event_type, self.event_type)):
            if values:
                clauses.append(column.in_(_many(values)))
        if self.lang:  # languages is "ar,en": match a whole code
            langs = (literal(",") + c.languages + literal(","))
            clauses.append(or_(*(langs.contains(f",{code},", autoescape=True) for code in _many(self.lang))))
        return and_(True, *clauses)


ANY = IncidentFilter()  # no filter


def _many(values: str | tuple[str, ...]) -> tuple[str, ...]:
    return (values,) if isinstance(values, str) else values


def _names_containing(conn: Connection, column: ColumnElement[str], part: str) -> list[str]:
    """The stored names that contain ``part`` in any case: the few distinct names (read from the
    column's index) are matched here, with Unicode case folding, rather than every row in SQL."""
    wanted = part.casefold()
    names = conn.execute(select(column).where(column.is_not(None)).distinct()).scalars()
    return [name for name in names if wanted in name.casefold()]
