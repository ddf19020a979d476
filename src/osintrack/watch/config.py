"""What to follow and how: ``sources.yaml`` read and checked against ``data/sources.schema.json``.

An error names the file, the line and the key, and says what is allowed (the schema's words), as the
language packs' checks do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .. import __version__
from ..errors import OsintrackError

DEFAULT_INTERVAL = 900  # seconds: GDELT's pace; a daily tracker needs far less
USER_AGENT = f"osintrack/{__version__} (news incident tracker; polite feed reader)"


class SourcesError(OsintrackError):
    """A sources file that cannot be read or breaks its schema."""

    code = "bad_sources"


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How the poller talks to servers (the ``http`` section of sources.yaml)."""

    user_agent: str = USER_AGENT
    delay: float = 1.0  # seconds between two requests to one host
    timeout: float = 20.0  # seconds for a whole request, connection to last byte
    retries: int = 2
    backoff: float = 2.0  # seconds before the first retry
    max_bytes: int = 10_000_000
    connections: int = 16


@dataclass(frozen=True, slots=True)
class Source:
    """One feed or sitemap to follow."""

    url: str
    name: str | None = None
    lang: str | None = None
    interval: int = DEFAULT_INTERVAL


@dataclass(frozen=True, slots=True)
class WatchConfig:
    sources: tuple[Source, ...] = ()
    http: HttpSettings = field(default_factory=HttpSettings)


@cache
def _validator() -> Any:
    import jsonschema_rs

    schema = json.loads(resources.files("osintrack").joinpath("data/sources.schema.json").read_text("utf-8"))
    return jsonschema_rs.validator_for(schema)


def load_config(path: str | Path | None, urls: Sequence[str] = (), *, interval: int | None = None) -> WatchConfig:
    """The sources of ``path`` (a sources.yaml, or None) followed by ``urls`` given on the command line,
    each URL once. ``interval`` replaces the file's default interval (not a source's own)."""
    data: dict[str, Any] = {"sources": []}
    if path is not None:
        data = read_sources_file(Path(path))
    defaults = data.get("defaults") or {}
    default_interval = interval or defaults.get("interval") or DEFAULT_INTERVAL
    sources = [Source(url=s["url"].strip(), name=s.get("name"), lang=s.get("lang") or defaults.get("lang"),
                      interval=s.get("interval") or default_interval) for s in data["sources"]]
    for url in urls:
        checked = check_value({"sources": [{"url": url}]}, f"command line URL {url!r}")
        sources.append(Source(url=checked["sources"][0]["url"], lang=defaults.get("lang"), interval=default_interval))
    http = HttpSettings(**(data.get("http") or {}))
    return WatchConfig(sources=tuple(_first_of_each(sources)), http=http)


def _first_of_each(sources: Iterable[Source]) -> list[Source]:
    seen: dict[str, Source] = {}
    for source in sources:
        seen.setdefault(source.url, source)
    return list(seen.values())


def read_sources_file(path: Path) -> dict[str, Any]:
    """The checked content of a sources file; ``SourcesError`` names the line and key that break the schema."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"cannot read the sources file: {exc}", path=str(path)) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourcesError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", path=str(path),
                           line=mark.line + 1 if mark is not None else None) from exc
    return check_value(data, str(path), node)


def check_value(data: Any, where: str, node: yaml.Node | None = None) -> dict[str, Any]:
    """``data`` if it matches the schema, else ``SourcesError`` for its first problem."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.instance_path)))
    if not errors:
        return dict(data)
    first = errors[0]
    keys = list(first.instance_path)
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    raise SourcesError(f"{first.message}{more}", path=where, line=_line_of(node, keys),
                       field=".".join(map(str, keys)) or None,
                       hint="see docs/watch.md and src/osintrack/data/sources.schema.json")


def _line_of(node: yaml.Node | None, keys: Sequence[str | int]) -> int | None:
    """The line (from 1) of the YAML node at ``keys``, or of the deepest one found."""
    if node is None:
        return None
    for key in keys:
        child = _child(node, key)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None

