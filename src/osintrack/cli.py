"""Thin click commands over ``osintrack.pipeline``; user errors become ClickException, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click
from tqdm import tqdm

from . import pipeline
from .errors import OsintrackError
from .model import Event, Extraction, Tally


@click.group()
@click.version_option(package_name="osintrack")
def main() -> None:
    """osintrack: news reports about armed violence in, coded incidents with evidence out."""


# --- extract (owned by the ingest work) ---

@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON lines to this file (atomically) instead of standard output.")
@click.option("--skip-bad", is_flag=True,
              help="Skip records that cannot be read, count them by reason, and go on.")
@click.option("--table", is_flag=True,
              help="Print a summary table on standard output (instead of JSON lines unless -o is given).")
def extract(inputs: tuple[Path, ...], output: Path | None, skip_bad: bool, table: bool) -> None:
    """Extract events and tallies from INPUT files or directories.

    Inputs: .jsonl / .jsonl.gz articles (FORMAT.md), UTF-8 .txt (optional first line
    "date YYYY-MM[-DD]"), .csv with a text column, .html pages, or directories of them.
    Writes one JSON line per report, in input order.
    """
    skips = pipeline.SkipCounter()
    kept: list[Extraction] = []
    out = output if output is not None else None if table else sys.stdout
    # the bar goes to stderr, and only for a person watching: logs and pipes stay clean
    with tqdm(desc="extract", unit=" reports", file=sys.stderr, disable=not sys.stderr.isatty()) as bar:
        def observe(extraction: Extraction) -> None:
            bar.update()
            if table:
                kept.append(extraction)

        try:
            pipeline.extract_paths(inputs, out, skip_bad=skip_bad, skips=skips, observe=observe)
        except OsintrackError as exc:
            raise click.ClickException(str(exc)) from exc
    if table:
        click.echo(_summary_table(kept))
    if skips.total:
        click.echo(skips.summary(), err=True)
        for example in skips.examples:
            click.echo(f"  e.g. {example}", err=True)


_EVENT_COLUMNS = ("report", "date", "place", "type", "weapon", "actor", "claimed by", "killed", "injured")
_TALLY_COLUMNS = ("report", "metric", "count", "since", "as of", "reported by")
_NUMERIC = frozenset({"killed", "injured", "count"})
_QUALIFIERS = {"more_than": ">", "at_least": ">=", "about": "~", "at_most": "<="}
_CELL_WIDTH = 32


def _summary_table(extractions: Sequence[Extraction]) -> str:
    events = [_event_row(x.id, e) for x in extractions for e in x.events]
    tallies = [_tally_row(x.id, t) for x in extractions for t in x.tallies]
    silent = sum(1 for x in extractions if not x.events)
    footer = (f"{len(extractions)} reports, {len(events)} events, {len(tallies)} tallies; "
              f"{silent} reports without events")
    return "\n".join(["EVENTS", _grid(_EVENT_COLUMNS, events), "", "TALLIES", _grid(_TALLY_COLUMNS, tallies),
                      "", footer])


def _event_row(report: str, e: Event) -> tuple[str, ...]:
    place = ", ".join(p for p in (e.site or e.admin1, e.country) if p)
    kind = e.event_type + (" (intercepted)" if e.intercepted else "")
    return tuple(_cell(v) for v in (report, e.date, place, kind, e.weapon, e.actor, e.claimed_by, e.killed,
                                    e.injured))


def _tally_row(report: str, t: Tally) -> tuple[str, ...]:
    count = _QUALIFIERS.get(t.qualifier or "", "") + str(t.count)
    return tuple(_cell(v) for v in (report, t.metric, count, t.since, t.as_of, t.reported_by))


def _cell(value: object) -> str:
    text = "-" if value is None or value == "" else " ".join(str(value).split())
    return text if len(text) <= _CELL_WIDTH else text[: _CELL_WIDTH - 1] + "…"


def _grid(columns: Sequence[str], rows: Sequence[tuple[str, ...]]) -> str:
    if not rows:
        return "(none)"
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.rjust(w) if name in _NUMERIC else cell.ljust(w)
                         for cell, w, name in zip(cells, widths, columns, strict=True)).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in rows)])



# --- evaluate (owned by the evaluation work) ---

@main.command()
@click.option("--gold", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Gold JSON lines (FORMAT.md): {id, events, tallies} per report.")
@click.option("--pred", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Predicted JSON lines, as `osintrack extract` writes them.")
@click.option("--articles", type=click.Path(dir_okay=False, path_type=Path),
              help="The articles the predictions came from; their `lang` splits the scores per language.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON object.")
@click.option("--errors", is_flag=True,
              help="Also list, per report, missed and spurious events and tallies and wrong fields.")
def evaluate(gold: Path, pred: Path, articles: Path | None, as_json: bool, errors: bool) -> None:
    """Score predictions against gold as the corpus FORMAT.md specifies.

    Prints event precision/recall/F1 overall and per language, field accuracy over matched events,
    tallies, and incident clustering when predictions carry incident ids.
    """
    import json

    from .evaluate import diagnose, load_jsonl, render, render_diagnosis, score

    try:
        gold_records, pred_records = load_jsonl(gold), load_jsonl(pred)
        article_records = load_jsonl(articles) if articles is not None else None
        scores = score(gold_records, pred_records, article_records)
        diagnosis = diagnose(gold_records, pred_records, article_records) if errors else None
    except OsintrackError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        if diagnosis is not None:
            scores["diagnosis"] = diagnosis
        click.echo(json.dumps(scores, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(render(scores), nl=False)
    if diagnosis is not None:
        click.echo("\nErrors per report\n")
        click.echo(render_diagnosis(diagnosis), nl=False)
