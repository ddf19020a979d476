"""One root exception; subclasses carry where the problem is and what to do about it."""

from __future__ import annotations


class OsintrackError(Exception):
    """Root of every error osintrack raises on purpose. ``str()`` is a message for a person."""

    code = "error"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        text = f"{where}{self.message}"
        if self.field is not None:
            text += f" (field {self.field!r})"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(OsintrackError):
    """A report that cannot be read: bad JSON, bad encoding, missing text, unknown format."""

    code = "bad_input"

    def __init__(self, message: str, *, reason: str = "bad_input", **kwargs: object) -> None:
        self.reason = reason  # short code used to count skips by reason
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class DataError(OsintrackError):
    """A shipped data file (language pack, gazetteer, actors) breaks its schema."""

    code = "bad_data"
