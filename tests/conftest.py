"""Shared pytest options and fixtures.

``--update-golden`` rewrites golden files from the current output instead of comparing with them;
it is the only way a golden expectation changes (STYLE.md, convention 6). Review the diff after.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files from the current output instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files."""
    return bool(request.config.getoption("--update-golden"))
