"""Interrupts on real processes: SIGINT and SIGTERM at random moments, sent to `osintrack ingest` and
`osintrack extract` (one worker, two workers, `--engine dask`), to the process alone or, as a terminal's
Ctrl-C does, to its whole process group.

Every interrupted run must end within 10 seconds with exit status 130 (SIGINT) or 143 (SIGTERM), print
one line (what was committed, how to resume) and no traceback, and leave no process of its group
behind. Ingest runs are chained: the same command is run again on the same database, interrupted again,
..., until a run completes; the database it ends with must be the uninterrupted run's, table by table.
An interrupted extract leaves no output file, and the next run writes the uninterrupted run's bytes.

CI runs a modest number: ``OSINTRACK_INTERRUPTS`` per configuration (default 4, so 20 interrupts over
the five configurations). More, locally, with a seed of your choice (printed when a trial fails):

    OSINTRACK_INTERRUPTS=25 OSINTRACK_INTERRUPT_SEED=11 .venv/bin/python -m pytest tests/test_interrupts.py
"""

from __future__ import annotations

import gzip
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from osintrack import pipeline
from osintrack.store import dump_tables, open_engine

REPO = Path(__file__).resolve().parents[1]
OSINTRACK = [sys.executable, "-m", "osintrack"]
INTERRUPTS = int(os.environ.get("OSINTRACK_INTERRUPTS", "4"))
SEED = int(os.environ.get("OSINTRACK_INTERRUPT_SEED", str(random.SystemRandom().randrange(1 << 20))))
REPORTS = 1500  # about 1.3 MB of article lines: enough that two workers start a pool in extract and ingest
BATCH = 100
EXIT_WITHIN_S = 10.0
EARLIEST_S = 0.25  # before this the interpreter itself starts, and signals meet Python's own defaults
MAX_RUNS = 40  # a chain that never completes is a failure, not an endless test

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir() or not hasattr(os, "killpg"),
                                reason="needs POSIX process groups and /proc to watch processes")


@dataclass(frozen=True)
class Config:
    command: str
    workers: int
    engine: str = "local"
    latest_s: float = 6.0  # signals are sent between EARLIEST_S and this many seconds after the start

    @property
    def name(self) -> str:
        return f"{self.command}-{self.engine}-{self.workers}"


CONFIGS = [Config("ingest", 1), Config("ingest", 2), Config("ingest", 2, "dask", 9.0),
           Config("extract", 2, latest_s=3.0), Config("extract", 2, "dask", 5.0)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``REPORTS`` reports varied from the examples (benchmarks/generate_corpus.py), as one plain .jsonl."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate_corpus import generate

    folder = tmp_path_factory.mktemp("interrupts")
    generate(folder / "shards", REPORTS, REPORTS)
    path = folder / "articles.jsonl"
    with gzip.open(folder / "shards" / "shard-00000.jsonl.gz", "rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    return path


@pytest.fixture(scope="module")
def uninterrupted(corpus: Path) -> dict[str, str]:
    """The uninterrupted runs' results: the database (as ``dump_tables``) and the extractor lines."""
    db = f"sqlite:///{corpus.parent / 'uninterrupted.db'}"
    pipeline.ingest_paths(corpus, db, batch_size=BATCH, workers=1)
    lines = corpus.parent / "uninterrupted.jsonl"
    pipeline.extract_paths(corpus, lines, workers=1)
    return {"db": db, "lines": str(lines)}


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH")) if p)
    return env


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    signalled: signal.Signals | None  # None: the run ended before the signal was due
    exit_s: float  # from the signal to the end of the process


def _run_and_interrupt(args: list[str], rng: random.Random, latest_s: float,
                       done: Callable[[str, str], bool]) -> Run:
    """Start ``osintrack ARGS`` in a process group of its own; at a random moment send SIGINT or SIGTERM to
    the process or to the whole group; wait for it to end.

    A signal that comes once the run has done its work and said so (``done(stdout, stderr)``), while the
    interpreter exits, ends the process as the signal's default action does: that run counts as one that
    ended before the signal."""
    sig = rng.choice([signal.SIGINT, signal.SIGTERM])
    whole_group = rng.random() < 0.5
    due = rng.uniform(EARLIEST_S, latest_s)
    child = subprocess.Popen([*OSINTRACK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=_child_env(), start_new_session=True)
    try:
        try:
            out, err = child.communicate(timeout=due)
            print(f"{args[0]}: ended (status {child.returncode}) before its signal was due at {due:.2f} s")
            return Run(child.returncode, out, err, None, 0.0)
        except subprocess.TimeoutExpired:
            pass
        sent = time.monotonic()
        if whole_group:
            os.killpg(child.pid, sig)
        else:
            os.kill(child.pid, sig)
        try:
            out, err = child.communicate(timeout=EXIT_WITHIN_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{' '.join(args)}: still running {EXIT_WITHIN_S:.0f} s after {sig.name} "
                        f"({'group' if whole_group else 'process'}, sent at {due:.2f} s; seed {SEED})")
        took = time.monotonic() - sent
        print(f"{args[0]}: {sig.name} to the {'group' if whole_group else 'process'} at {due:.2f} s; ended "
              f"{took:.2f} s later with status {child.returncode}")  # shown by pytest when a trial fails
        if child.returncode in (0, -sig) and done(out, err):  # it had finished, or was exiting
            return Run(0, out, err, None, took)
        return Run(child.returncode, out, err, sig, took)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        _wait_group_gone(child.pid)


def _group_members(pgid: int) -> list[str]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(f"{entry.name} {stat[:stat.rindex(')') + 1]}")
    return members


def _wait_group_gone(pgid: int) -> None:
    deadline = time.monotonic() + EXIT_WITHIN_S
    while (left := _group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        os.killpg(pgid, signal.SIGKILL)
        pytest.fail(f"processes left behind by an interrupted run: {left} (seed {SEED})")


# What a run interrupted while the interpreter still imports prints (on a busy machine, up to about half
# a second): the command has not yet said what it would store or write, and it has changed nothing.
EARLY = "stopped before it changed anything"


def _check_interrupted(run: Run, what: str) -> str:
    """The one line an interrupted run prints; fails unless the run ended as it must."""
    assert run.signalled is not None
    context = f"{what}, {run.signalled.name} after which it took {run.exit_s:.2f} s (seed {SEED}):\n{run.stderr}"
    assert "Traceback" not in run.stderr and "Error" not in run.stderr, context
    assert run.returncode == 128 + run.signalled, context
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"interrupted ({run.signalled.name})"), context
    return lines[0]


def _stored(db: str) -> int:
    """Reports in the chain's SQLite store; 0 before it holds any (a run interrupted while it created the
    store leaves the file without tables: reading commands refuse it, the next ingest completes it)."""
    path = Path(db.removeprefix("sqlite:///"))
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path)) as conn:
        if conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'reports'").fetchone()[0] == 0:
            return 0
        return int(conn.execute("SELECT count(*) FROM reports").fetchone()[0])


def _ingest_chains(config: Config, corpus: Path, reference: str, tmp_path: Path, rng: random.Random) -> Iterator[str]:
    """Chains of interrupted ingests, each resumed until it completes, until ``INTERRUPTS`` interrupts were
    sent; yields what each interrupt printed."""
    sent, chain = 0, 0
    expected = dump_tables(open_engine(reference))
    while sent < INTERRUPTS:
        chain += 1
        db = f"sqlite:///{tmp_path / f'chain-{chain}.db'}"
        args = ["ingest", str(corpus), "--db", db, "--batch-size", str(BATCH), "--workers", str(config.workers),
                "--engine", config.engine]
        for _ in range(MAX_RUNS):
            if sent >= INTERRUPTS:  # enough: the chain ends with a run left alone
                done = subprocess.run([*OSINTRACK, *args], capture_output=True, text=True, env=_child_env(),
                                      check=False)
                assert done.returncode == 0, done.stderr
                break
            before = _stored(db)
            run = _run_and_interrupt(args, rng, config.latest_s, lambda out, _: "already stored" in out)
            if run.signalled is None:
                assert run.returncode == 0, run.stderr
                break
            sent += 1
            line = _check_interrupted(run, f"ingest {config.name}")
            after = _stored(db)
            early = line.endswith(EARLY) and after == before
            assert early or f"{after - before} reports of this run are stored" in line, line
            assert after % BATCH == 0, f"a partial batch was committed: {after} reports"
            yield line
        else:
            pytest.fail(f"ingest {config.name} never completed in {MAX_RUNS} runs (seed {SEED})")
        resumed = dump_tables(open_engine(db))
        for table, rows in expected.items():
            assert resumed[table] == rows, f"table {table} differs after interrupts and resume (seed {SEED})"


def _extract_trials(config: Config, corpus: Path, reference: str, tmp_path: Path,
                    rng: random.Random) -> Iterator[str]:
    out = tmp_path / ("out" if config.engine == "dask" else "out.jsonl")
    args = ["extract", str(corpus), "-o", str(out), "--workers", str(config.workers), "--engine", config.engine]
    sent = 0
    for _ in range(MAX_RUNS):
        if sent >= INTERRUPTS:
            break
        run = _run_and_interrupt(args, rng, config.latest_s, lambda _, err: out.exists() and (
            config.engine != "dask" or "Parquet files" in err))
        if run.signalled is None:
            assert run.returncode == 0, run.stderr
            shutil.rmtree(out) if out.is_dir() else out.unlink()
            continue
        sent += 1
        line = _check_interrupted(run, f"extract {config.name}")
        assert not out.exists(), f"an interrupted extract left {out}"
        assert [p.name for p in tmp_path.iterdir()] == [], "an interrupted extract left a partial file"
        yield line
    assert sent >= INTERRUPTS, f"extract {config.name}: only {sent} runs were interrupted (seed {SEED})"
    finished = subprocess.run([*OSINTRACK, *args], capture_output=True, text=True, env=_child_env(), check=False)
    assert finished.returncode == 0, finished.stderr
    if config.engine == "dask":
        from osintrack.dask_engine import read_lines

        written = "".join(line + "\n" for line in read_lines(out))
    else:
        written = out.read_text(encoding="utf-8")
    assert written == Path(reference).read_text(encoding="utf-8")


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.name)
def test_random_interrupts_stop_cleanly_and_resume_to_the_uninterrupted_result(
        config: Config, corpus: Path, uninterrupted: dict[str, str], tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-{config.name}")
    if config.command == "ingest":
        lines = list(_ingest_chains(config, corpus, uninterrupted["db"], tmp_path, rng))
    else:
        lines = list(_extract_trials(config, corpus, uninterrupted["lines"], tmp_path, rng))
    assert len(lines) >= INTERRUPTS
    resume = "resume" if config.command == "ingest" else "run the command again"
    assert all(re.search(resume, line) or line.endswith(EARLY) for line in lines), lines
