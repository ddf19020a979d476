"""Reading the shipped YAML data files (language packs, actors, spelling rules, theatre).

Every process that extracts reads them: with PyYAML's pure-Python parser this took about two seconds
of each worker's start-up, with libyaml's a tenth of it. libyaml comes with PyYAML's wheels; where it
is missing, the pure-Python parser reads the same data.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from .errors import DataError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Traversable | Path, what: str) -> Any:
    """The data of the YAML file ``path``; a DataError naming the file (and where YAML says, its line)
    when it cannot be read or parsed. ``what`` says what the file is, for the message."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"cannot read {what}: {exc}", path=str(path)) from None
