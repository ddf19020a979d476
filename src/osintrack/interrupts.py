"""Ctrl-C (SIGINT) and SIGTERM stop a run cleanly, at any moment, within seconds.

The command line runs inside ``handled()`` (``osintrack.__main__``): the first SIGINT or SIGTERM raises
``Interrupted`` in the main thread. It is a ``KeyboardInterrupt``, so no ``except Exception`` swallows it,
and it unwinds every stage as any error does: the open transaction rolls back, worker processes are
stopped, a partial output file is removed. The command then prints one line saying what was committed
and how to resume, and exits with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). A second
signal during that clean-up ends the process at once (nothing half-written survives it either: a batch
is one transaction, an output file is renamed into place only when complete).

Worker processes (the local pool, the processes of a local Dask cluster) are started under
``children_ignore_sigint()``: they inherit SIGINT blocked, so that a Ctrl-C, which a terminal sends to
every process of the foreground group, reaches the parent only, which stops them (Python's own
``multiprocessing.resource_tracker`` is started the same way).

``deferred()`` holds a signal back while a short block runs: a batch's commit and the counts that
report it, so that the line printed after an interrupt is exact.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import resource_tracker
from types import FrameType
from typing import NoReturn

__all__ = ["Interrupted", "children_ignore_sigint", "deferred", "handled", "on_interrupt"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGINT or SIGTERM; ``status`` is the exit status a shell expects (130, 143)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(self.name)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def status(self) -> int:
        return 128 + self.signum


@dataclass(slots=True)
class _State:
    installed: bool = False
    raised: bool = False  # the first signal was turned into Interrupted: the next one ends the process
    deferring: int = 0
    pending: int | None = None
    hooks: list[Callable[[], None]] = field(default_factory=list)


_state = _State()


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    if _state.raised:
        os._exit(128 + signum)  # a second signal: the person (or supervisor) will not wait for the clean-up
    if _state.deferring:
        _state.pending = signum
        return
    _interrupt(signum)


def _interrupt(signum: int) -> NoReturn:
    _state.raised = True
    for hook in reversed(_state.hooks):
        hook()
    raise Interrupted(signum)


@contextmanager
def on_interrupt(hook: Callable[[], None]) -> Iterator[None]:
    """Within the block, ``hook()`` runs when a signal is turned into ``Interrupted``, before it is raised
    (e.g. to quiet a library's threads, which would otherwise log what the unwinding cancels)."""
    _state.hooks.append(hook)
    try:
        yield
    finally:
        _state.hooks.remove(hook)


@contextmanager
def handled() -> Iterator[None]:
    """Within the block (main thread only), SIGINT and SIGTERM raise ``Interrupted``.

    After it the process ends: a signal then finds nothing to stop and ends the process as the signal's
    default action does (Python's own SIGINT handler, put back, would print a traceback)."""
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)
    _state.installed, _state.raised, _state.deferring, _state.pending = True, False, 0, None
    try:
        yield
    finally:
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        _state.installed = False


@contextmanager
def deferred() -> Iterator[None]:
    """A signal that arrives within the block is raised when the block ends (main thread; elsewhere, and
    outside ``handled()``, the block simply runs)."""
    if not _state.installed or threading.current_thread() is not threading.main_thread():
        yield
        return
    _state.deferring += 1
    try:
        yield
    finally:
        _state.deferring -= 1
        if not _state.deferring and _state.pending is not None:
            signum, _state.pending = _state.pending, None
            _interrupt(signum)


@contextmanager
def children_ignore_sigint() -> Iterator[None]:
    """Processes started within the block (by this thread, or by threads it starts) never see SIGINT.

    SIGINT is blocked in this thread meanwhile: a Ctrl-C that comes then stays pending and is handled
    when the block ends (or at once by another thread of this process), never lost."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: no process groups either
        yield
        return
    # multiprocessing starts its resource tracker on first need with SIGINT blocked, then *unblocks* it
    # (not restores): started now, it cannot undo the block below
    resource_tracker.ensure_running()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
