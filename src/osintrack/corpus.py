"""The shared corpus: sets of real reports with their gold coding, read for training and evaluation.

A corpus root holds one folder per set (``seeds/``, ``dev/``, ``dev2/``, ...), each with
``articles.jsonl`` and ``gold.jsonl`` joined on ``id`` (FORMAT.md). Nothing of it is copied into the
repository: the root is found beside the checkout, or given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .evaluate import load_jsonl
from .ingest import read_reports
from .model import Report

DEFAULT_ROOT = Path("..") / "shared" / "corpus"
ORDER = ("seeds", "dev", "dev2")  # the usual sets first, others after in name order


@dataclass(frozen=True, slots=True)
class Sample:
    """One report of a set, with its gold coding and its article record (for the language and date)."""

    set: str
    report: Report
    gold: dict[str, Any]
    article: dict[str, Any]


def set_names(root: str | Path) -> list[str]:
    """The sets under ``root``: folders holding both articles.jsonl and gold.jsonl."""
    folder = Path(root)
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if (p / "articles.jsonl").is_file() and (p / "gold.jsonl").is_file()]
    return sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def load_corpus(root: str | Path, names: Sequence[str] | None = None) -> list[Sample]:
    """Every report of the named sets (default: all of them) with its gold coding, in set and file order."""
    available = set_names(root)
    if not available:
        raise InputError(f"no corpus sets found under {root} (folders with articles.jsonl and gold.jsonl)",
                         path=str(root), reason="no_corpus",
                         hint="give the shared corpus with --corpus DIR (it lives beside the checkout, "
                              "in ../shared/corpus)")
    wanted = list(names) if names else available
    missing = [n for n in wanted if n not in available]
    if missing:
        raise InputError(f"no corpus set {', '.join(missing)} under {root}", path=str(root), reason="no_corpus",
                         hint=f"sets found: {', '.join(available)}")
    samples: list[Sample] = []
    for name in wanted:
        folder = Path(root) / name
        gold = {str(g["id"]): g for g in load_jsonl(folder / "gold.jsonl")}
        articles = {str(a["id"]): a for a in load_jsonl(folder / "articles.jsonl")}
        for report in read_reports([folder / "articles.jsonl"]):
            if report.id in gold:
                samples.append(Sample(name, report, gold[report.id], articles[report.id]))
    return samples
