"""The learned decisions at run time: linear models over sparse features, read from a small JSON file.

``osintrack train`` fits them on the shared corpus's gold coding (``osintrack.extract.training``,
scikit-learn) and writes ``data/model/extract.json``; here they are only applied, in plain Python,
so extraction needs neither scikit-learn nor NumPy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any

from ..errors import DataError

MODEL_FILE = "extract.json"


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Logistic regression: one weight vector per class (a single one for a yes/no decision)."""

    classes: tuple[str, ...]
    weights: Mapping[str, tuple[float, ...]]  # feature -> one weight per row
    bias: tuple[float, ...]
    single: Mapping[str, float] = field(init=False, repr=False, compare=False)  # a yes/no model's weights

    def __post_init__(self) -> None:
        object.__setattr__(self, "single", {k: v[0] for k, v in self.weights.items()} if len(self.bias) == 1 else {})

    def proba(self, features: Iterable[str]) -> dict[str, float]:
        """The probability of each class, given the names of the indicator features that hold."""
        weights = self.weights
        if len(self.bias) == 1:  # binary: one score for the second class
            # fsum: exact whatever the order a set yields its names in (hash seeds differ between processes)
            score = self.bias[0] + math.fsum(map(self.single.get, features, repeat(0.0)))
            p = 1.0 / (1.0 + math.exp(-max(min(score, 700.0), -700.0)))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        rows = [weights[name] for name in features if name in weights]
        scores = [math.fsum([b, *(row[k] for row in rows)]) for k, b in enumerate(self.bias)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "bias": list(self.bias),
                "weights": {k: list(v) for k, v in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        return cls(tuple(data["classes"]), {k: tuple(v) for k, v in data["weights"].items()}, tuple(data["bias"]))


@dataclass(frozen=True, slots=True)
class Models:
    """Every learned decision of the extractor, and how they were made."""

    event: LinearModel  # no / yes: a candidate place and day is an incident the report says happened
    event_type: LinearModel  # attack / air_strike
    tally: LinearModel  # no / yes: a count is a tally the theatre tracks
    threshold: float  # the probability from which a candidate is taken as an event
    tally_threshold: float  # ... and a count as a tally
    about: Mapping[str, Any]  # what the models were trained on

    def to_json(self) -> dict[str, Any]:
        return {"about": dict(self.about), "event": self.event.to_json(), "event_type": self.event_type.to_json(),
                "tally": self.tally.to_json(), "threshold": self.threshold, "tally_threshold": self.tally_threshold}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Models:
        return cls(LinearModel.from_json(data["event"]), LinearModel.from_json(data["event_type"]),
                   LinearModel.from_json(data["tally"]), float(data["threshold"]), float(data["tally_threshold"]),
                   data.get("about") or {})


def shipped_model_path() -> Path:
    return Path(str(resources.files("osintrack") / "data" / "model" / MODEL_FILE))


@cache
def shipped_models() -> Models:
    """The models shipped with osintrack; DataError says how to rebuild a missing or broken file."""
    return load_models(shipped_model_path())


def load_models(path: str | Path) -> Models:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Models.from_json(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"cannot read the extraction model: {exc}", path=str(path),
                        hint="rebuild it with `osintrack train` (needs ../shared/corpus and scikit-learn)") from exc


def dump_models(models: Models) -> str:
    """The JSON text of ``models``: sorted, rounded, one line per feature, so that a rebuild diffs cleanly."""
    return json.dumps(models.to_json(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def rounded(values: Sequence[float]) -> tuple[float, ...]:
    return tuple(round(float(v), 5) for v in values)
