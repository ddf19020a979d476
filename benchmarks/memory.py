"""Peak memory and time of one very large report, read by `osintrack extract` and `osintrack ingest`.

    .venv/bin/python benchmarks/memory.py [--mb 5 10 20] [--keep DIR]

Builds reports of the given sizes (MB of UTF-8 text) from the bundled example reports (written for this
project), each one line of a .jsonl file, and runs, each in a fresh process on one worker, `osintrack
extract` and `osintrack ingest` (into a new SQLite file) with `--max-report-mb` just above the size, then
the default limit on the largest. Prints the seconds and the peak resident memory (VmHWM, as each
process reports it at exit) of each run: the figure README's "Limits" quotes. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "reports"
# The command, run so that it prints its own peak resident memory (VmHWM) last on standard error. Not
# ru_maxrss from wait4: Linux carries a parent's peak into a child started by fork or vfork and exec.
PEAK = "osintrack-peak-KiB:"
OSINTRACK = [sys.executable, "-c", "import atexit, sys\n"
             "def peak():\n"
             "    line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
             f"    print('{PEAK}', line.split()[1], file=sys.stderr)\n"
             "atexit.register(peak)\n"
             "from osintrack.__main__ import main\n"
             "sys.argv[0] = 'osintrack'\n"
             "main()\n"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[5.0, 10.0, 20.0], help="report sizes, MB")
    parser.add_argument("--keep", type=Path, help="write the reports and outputs here (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="osintrack-memory-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{'report':>9}  {'command':<8}  {'limit MB':>8}  {'status':>6}  {'seconds':>7}  {'peak MiB':>8}  result")
        print(f"{'-' * 9}  {'-' * 8}  {'-' * 8}  {'-' * 6}  {'-' * 7}  {'-' * 8}  {'-' * 30}")
        for mb in args.mb:
            report = write_report(folder / f"report-{mb:g}mb.jsonl", mb)
            for command in ("extract", "ingest"):
                measure(command, report, folder, mb, limit=mb * 1.05 + 0.1)
        largest = max(args.mb)
        measure("extract", folder / f"report-{largest:g}mb.jsonl", folder, largest, limit=None)
    return 0


def write_report(path: Path, mb: float) -> Path:
    """One article line whose text is the example reports (all languages) one after another, over and over,
    to ``mb`` MB of UTF-8."""
    sys.path.insert(0, str(REPO / "src"))
    from osintrack.ingest import read_reports

    texts = [r.text for r in read_reports([EXAMPLES])]
    target = int(mb * 1e6)
    parts, size, k = [], 0, 0
    while size < target:
        text = texts[k % len(texts)] + "\n\n"
        parts.append(text)
        size += len(text.encode("utf-8"))
        k += 1
    record = {"id": f"large-{mb:g}mb", "published": "2024-01-29", "text": "".join(parts)}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def measure(command: str, report: Path, folder: Path, mb: float, limit: float | None) -> None:
    args = [*OSINTRACK, command, str(report), "--workers", "1"]
    if command == "extract":
        args += ["-o", str(folder / f"{report.stem}.out.jsonl")]
    else:
        db = folder / f"{report.stem}.db"
        for leftover in folder.glob(f"{db.name}*"):
            leftover.unlink()
        args += ["--db", f"sqlite:///{db}"]
    if limit is not None:
        args += ["--max-report-mb", f"{limit:g}"]
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, env=_env(), check=False)
    seconds = time.monotonic() - started
    code, out = done.returncode, done.stdout
    err = [line for line in done.stderr.splitlines() if not line.startswith(PEAK)]
    peak = peak_mib(done.stderr)
    said = ((err or [""])[0] if code else (out.strip().splitlines() or [""])[-1])[:70]
    print(f"{mb:>7g}MB  {command:<8}  {('default' if limit is None else f'{limit:g}'):>8}  {code:>6}  "
          f"{seconds:>7.1f}  {peak:>8.0f}  {said}", flush=True)


def peak_mib(stderr: str) -> float:
    """The peak resident memory a command run as ``OSINTRACK`` printed, in MiB."""
    return int(next(line for line in stderr.splitlines() if line.startswith(PEAK)).split()[1]) / 1024


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH")) if p)
    env.pop("OSINTRACK_MAX_REPORT_MB", None)
    return env


if __name__ == "__main__":
    sys.exit(main())
