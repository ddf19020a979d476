"""Reading, comparing and rewriting golden case files (a YAML list of mappings with ``expect``).

Default mode compares; ``pytest --update-golden`` rewrites ``expect`` of every case from the current
output and keeps the rest of each case as written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

Case = dict[str, Any]


def load_cases(path: Path) -> list[Case]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(cases, list) or not all(isinstance(c, dict) and "text" in c for c in cases):
        raise ValueError(f"{path}: a golden file is a list of mappings, each with a 'text'")
    return cases


def check_golden(path: Path, header: str, compute: Callable[[Case], list[Any]], update: bool) -> None:
    """Compare ``compute(case)`` with each case's ``expect``; with ``update``, rewrite them instead."""
    cases = load_cases(path)
    found = [compute(case) for case in cases]
    if update:
        for case, got in zip(cases, found, strict=True):
            case["expect"] = got
        body = yaml.safe_dump(cases, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None)
        path.write_text(header.rstrip("\n") + "\n" + body, encoding="utf-8")
        return
    wrong = [f"{case['text']!r}\n    expected {case.get('expect')}\n    got      {got}"
             for case, got in zip(cases, found, strict=True) if got != case.get("expect")]
    assert not wrong, f"{path.name}: {len(wrong)} case(s) differ (pytest --update-golden rewrites):\n" \
        + "\n".join(wrong)
