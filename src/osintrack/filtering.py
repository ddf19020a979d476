"""What each filter of an incident listing takes, and the one check of their values that the command
line (``osintrack incidents``) and the HTTP API (``/api/incidents``, ``.geojson``, ``/api/stats``,
``/api/tallies``) share; ``store.filters.IncidentFilter`` is built from checked values.

A value a filter cannot take is an error naming the filter and what it takes, never a silent empty
answer: ``--since yesterday``, ``?status=foo``. Filters that take several values (``country``,
``weapon``, ``status``, ``event_type``, ``lang``) match any of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import OsintrackError
from .model import EVENT_TYPES, WEAPONS

STATUSES: tuple[str, ...] = ("confirmed", "claimed", "reported")
DAY = r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$"
TEXT = r"^[^\x00-\x1f]*$"  # no control characters (PostgreSQL refuses NUL in text)
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class Rule:
    """What one filter takes: a pattern or a list of choices, one value or several."""

    what: str  # for messages and help: "a day, YYYY-MM-DD, or a month, YYYY-MM"
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    many: bool = False

    def describe(self) -> str:
        return f"{self.what}: {', '.join(self.choices)}" if self.choices else self.what


RULES: dict[str, Rule] = {
    "country": Rule("an ISO 3166-1 alpha-2 country code, e.g. IQ", pattern=r"^[A-Za-z]{2}$", many=True),
    "since": Rule("a day, YYYY-MM-DD, or a month, YYYY-MM", pattern=DAY),
    "until": Rule("a day, YYYY-MM-DD, or a month, YYYY-MM (the whole month)", pattern=DAY),
    "actor": Rule(f"part of a name, up to {MAX_TEXT} characters without control characters", pattern=TEXT),
    "site": Rule(f"part of a name, up to {MAX_TEXT} characters without control characters", pattern=TEXT),
    "weapon": Rule("a weapon class", choices=WEAPONS, many=True),
    "status": Rule("an incident status", choices=STATUSES, many=True),
    "event_type": Rule("an event type", choices=EVENT_TYPES, many=True),
    "lang": Rule("an ISO 639-1 language code, e.g. ar", pattern=r"^[a-z]{2,3}$", many=True),
}


class FilterError(OsintrackError):
    """A filter value out of what the filter takes; ``field`` is the filter's name."""

    code = "bad_filter"

    def __init__(self, name: str, value: str) -> None:
        self.value = value
        super().__init__(f"{value!r} is not {RULES[name].describe()}", field=name)


def check(name: str, value: str) -> str:
    """``value`` if filter ``name`` takes it; else ``FilterError``."""
    rule = RULES[name]
    if rule.choices:
        fits = value in rule.choices
    else:
        assert rule.pattern is not None
        fits = len(value) <= MAX_TEXT and re.fullmatch(rule.pattern, value) is not None
    if not fits:
        raise FilterError(name, value)
    return value
