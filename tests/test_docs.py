"""Every command and option of the CLI is documented in the README (datasette's habit)."""

from __future__ import annotations

from pathlib import Path

import click

from osintrack.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_in_the_readme() -> None:
    missing = []
    for name, command in main.commands.items():
        if f"osintrack {name}" not in README:
            missing.append(f"command {name}")
        for param in command.params:
            if isinstance(param, click.Option):
                if not any(opt in README for opt in param.opts):
                    missing.append(f"{name} {'/'.join(param.opts)}")
    assert not missing, f"not documented in README.md: {missing}"
