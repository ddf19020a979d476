"""The ``osintrack`` command (and ``python -m osintrack``): the CLI, run so that Ctrl-C and SIGTERM stop it
cleanly from its first instruction on (``osintrack.interrupts``), imports included."""

from __future__ import annotations

import sys

from .interrupts import Interrupted, handled


def main() -> None:
    with handled():
        try:
            from .cli import main as cli  # imported inside: an interrupt during the imports is one too

            cli(prog_name="osintrack")
        except Interrupted as exc:  # before a command started: nothing was done
            print(f"interrupted ({exc.name}): stopped before it changed anything", file=sys.stderr)
            sys.exit(exc.status)


if __name__ == "__main__":
    main()
