"""Thin click commands over ``osintrack.pipeline``; user errors become ClickException, never a traceback."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from . import pipeline
from .errors import OsintrackError
from .interrupts import Interrupted
from .model import Event, Extraction, Tally
from .scale import default_workers


class _Commands(click.Group):
    """The command group: an interrupt (``interrupts.Interrupted``) ends any command with one line and
    the exit status a shell expects (130 for SIGINT, 143 for SIGTERM), never a traceback. A command that
    changes something says what it committed, and how to resume (``_when_interrupted``)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Interrupted as exc:
            say = ctx.meta.get(_SAY_WHEN_INTERRUPTED, lambda: "stopped before it changed anything")
            click.echo(f"interrupted ({exc.name}): {say()}", err=True)
            sys.exit(exc.status)


_SAY_WHEN_INTERRUPTED = "osintrack.interrupted"


def _when_interrupted(say: Callable[[], str]) -> None:
    """What the running command says if it is interrupted from now on."""
    click.get_current_context().meta[_SAY_WHEN_INTERRUPTED] = say


@click.group(cls=_Commands)
@click.version_option(package_name="osintrack")
def main() -> None:
    """osintrack: news reports about armed violence in, coded incidents with evidence out."""


# --- extract (owned by the ingest work) ---

def _max_report_option(func: Callable[..., None]) -> Callable[..., None]:
    from .ingest import MAX_REPORT_BYTES

    return click.option("--max-report-mb", "max_report_mb", type=click.FloatRange(min=0, min_open=True),
                        default=MAX_REPORT_BYTES / 1e6, show_default=True, envvar="OSINTRACK_MAX_REPORT_MB",
                        help="The largest report read, in MB (10^6 bytes; also $OSINTRACK_MAX_REPORT_MB): a larger "
                             "one is a bad record (too_large), refused before it is read whole.")(func)


@main.command()
@click.argument("inputs", nargs=-1, required=True)  # str: a URL (s3://...) is no local Path
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON lines to this file (atomically) instead of standard output.")
@click.option("--skip-bad", is_flag=True,
              help="Skip records that cannot be read, count them by reason, and go on.")
@click.option("--table", is_flag=True,
              help="Print a summary table on standard output (instead of JSON lines unless -o is given).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that extract in parallel (default: all cores); the output is the same for any number.")
@click.option("--engine", type=click.Choice(("local", "dask")), default="local", show_default=True,
              help="dask: one task per shard of the input on a Dask cluster, Parquet files written to the -o "
                   "directory.")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="With --engine dask: the scheduler of a running cluster (default: a local cluster of --workers).")
@_max_report_option
def extract(inputs: tuple[str, ...], output: Path | None, skip_bad: bool, table: bool, workers: int | None,
            engine: str, scheduler: str | None, max_report_mb: float) -> None:
    """Extract events and tallies from INPUT files or directories.

    Inputs: .jsonl / .jsonl.gz articles (FORMAT.md), UTF-8 .txt (optional first line
    "date YYYY-MM[-DD]"), .csv with a text column, .html pages, Parquet with the article columns,
    directories of them, glob patterns, or fsspec URLs (s3://..., gs://..., file://...).
    Writes one JSON line per report, in input order.
    """
    max_bytes = int(max_report_mb * 1e6)
    if engine == "dask":
        _extract_dask(inputs, output, skip_bad, table, workers, scheduler, max_bytes)
        return
    if scheduler is not None:
        raise click.UsageError("--scheduler goes with --engine dask")
    skips = pipeline.SkipCounter()
    kept: list[Extraction] = []
    out = output if output is not None else None if table else sys.stdout
    # the bar goes to stderr, and only for a person watching: logs and pipes stay clean
    _when_interrupted(lambda: _unfinished(output))
    with tqdm(desc="extract", unit=" reports", file=sys.stderr, disable=not sys.stderr.isatty()) as bar, \
            _user_errors():
        count = pipeline.extract_paths(inputs, out, skip_bad=skip_bad, skips=skips,
                                       observe=kept.append if table else None, progress=bar.update,
                                       workers=workers or default_workers(), max_bytes=max_bytes)
    if table:
        click.echo(_summary_table(kept))
    _say_what_was_read(inputs, count, skips)


def _extract_dask(inputs: tuple[str, ...], output: Path | None, skip_bad: bool, table: bool, workers: int | None,
                  scheduler: str | None, max_bytes: int) -> None:
    if output is None:
        raise click.UsageError("--engine dask writes Parquet files: give a directory with -o")
    if table:
        raise click.UsageError("--table goes with the local engine")
    from .dask_engine import extract_dask

    skips = pipeline.SkipCounter()
    _when_interrupted(lambda: _unfinished(output))
    with tqdm(desc="extract", unit=" reports", file=sys.stderr, disable=not sys.stderr.isatty()) as bar:
        with _user_errors():
            result = extract_dask(inputs, output, scheduler=scheduler, workers=workers, skip_bad=skip_bad,
                                  skips=skips, progress=bar.update, max_bytes=max_bytes)
    click.echo(f"{result.out}: {result.reports} reports ({result.events} events, {result.tallies} tallies) "
               f"in {result.partitions} Parquet files", err=True)
    _say_what_was_read(inputs, result.reports, skips)


def _say_what_was_read(inputs: Sequence[str], reports: int, skips: pipeline.SkipCounter) -> None:
    """On standard error: the records skipped, by reason, with examples; the reports read in a language
    other than the one they named; and that nothing was read, when nothing was."""
    if reports == 0 and skips.total == 0:
        click.echo(f"nothing was read: no report in {', '.join(inputs)}", err=True)
    if skips.total:
        click.echo(skips.summary(), err=True)
        for example in skips.examples:
            click.echo(f"  e.g. {example}", err=True)
    if skips.languages:
        click.echo(skips.languages_summary(), err=True)


def _unfinished(output: Path | None) -> str:
    if output is None:
        return "what standard output received is incomplete; run the command again"
    return f"nothing was written to {output} (it is written whole at the end); run the command again"


_EVENT_COLUMNS = ("report", "date", "place", "type", "weapon", "actor", "claimed by", "killed", "injured")
_TALLY_COLUMNS = ("report", "metric", "count", "since", "as of", "reported by")
_NUMERIC = frozenset({"killed", "injured", "count", "reports"})
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

_CORPUS_HELP = "The shared corpus: a folder of sets, each with articles.jsonl and gold.jsonl."


def _sets(value: str | None) -> list[str] | None:
    return [name.strip() for name in value.split(",") if name.strip()] if value else None


@main.command()
@click.option("--gold", type=click.Path(dir_okay=False, path_type=Path),
              help="Gold JSON lines (FORMAT.md): {id, events, tallies} per report.")
@click.option("--pred", type=click.Path(dir_okay=False, path_type=Path),
              help="Predicted JSON lines, as `osintrack extract` writes them.")
@click.option("--articles", type=click.Path(dir_okay=False, path_type=Path),
              help="The articles the predictions came from; their `lang` splits the scores per language, their "
                   "`published` makes undated background events optional.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON object.")
@click.option("--errors", is_flag=True,
              help="Also list, per report, missed and spurious events and tallies and wrong fields.")
@click.option("--folds", type=click.IntRange(min=2), default=None,
              help="Instead of --gold/--pred: grouped K-fold cross-validation of the extractor over the corpus, "
                   "every learned part fitted on the other folds, beside the full-fit score.")
@click.option("--repeats", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --folds: repeat with other splits and average.")
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=str(Path("..", "shared", "corpus")),
              show_default=True, help="With --folds: " + _CORPUS_HELP)
@click.option("--sets", help="With --folds: comma-separated sets of the corpus (default: all).")
def evaluate(gold: Path | None, pred: Path | None, articles: Path | None, as_json: bool, errors: bool,
             folds: int | None, repeats: int, corpus: Path, sets: str | None) -> None:
    """Score predictions against gold as the corpus FORMAT.md specifies.

    Prints event precision/recall/F1 overall and per language, field accuracy over matched events,
    tallies, and incident clustering when predictions carry incident ids. With --folds K, scores the
    extractor itself by grouped K-fold cross-validation over the corpus (an estimate of how it does on
    reports it has never seen) beside the score of the shipped way of training (on every report).
    """
    import json

    if folds is not None:
        if gold is not None or pred is not None:
            raise click.UsageError("--folds scores the extractor on the corpus: leave out --gold and --pred")
        _cross_validate(folds, repeats, corpus, _sets(sets), as_json)
        return
    if gold is None or pred is None:
        raise click.UsageError("give --gold and --pred (or --folds K to cross-validate the extractor)")
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


def _cross_validate(k: int, repeats: int, corpus: Path, sets: list[str] | None, as_json: bool) -> None:
    import json

    from .corpus import load_corpus
    from .crossval import cross_validate, render_estimate

    with _user_errors():
        samples = load_corpus(corpus, sets)
        with tqdm(total=k * repeats, desc="folds", unit=" folds", file=sys.stderr,
                  disable=not sys.stderr.isatty()) as bar:
            summary = cross_validate(samples, k, repeats, progress=bar.update).summary()
    summary["reports"] = len(samples)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{len(samples)} reports of {corpus}")
    click.echo(render_estimate(summary))


@main.command()
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=str(Path("..", "shared", "corpus")),
              show_default=True, help=_CORPUS_HELP)
@click.option("--sets", help="Comma-separated sets of the corpus to train on (default: all).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the models (default: the file osintrack ships and uses).")
def train(corpus: Path, sets: str | None, output: Path | None) -> None:
    """Fit the extractor's learned decisions on the corpus's gold coding and write them.

    Deterministic: the same corpus gives the same file. Needs scikit-learn
    (pip install 'osintrack[train]').
    """
    from .corpus import load_corpus
    from .extract.classifier import dump_models, shipped_model_path
    from .extract.training import prepare
    from .extract.training import train as fit_models

    target = output or shipped_model_path()
    with _user_errors():
        samples = load_corpus(corpus, _sets(sets))
        prepared = [prepare(s.report, s.gold)
                    for s in tqdm(samples, desc="read", unit=" reports", file=sys.stderr,
                                  disable=not sys.stderr.isatty())]
        names = sorted({s.set for s in samples}, key=[s.set for s in samples].index)
        models = fit_models(prepared, about={"sets": names})
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_models(models), encoding="utf-8")
    click.echo(f"trained on {len(samples)} reports ({', '.join(names)}): {models.about['examples']['event']} "
               f"candidates, {models.about['examples']['event_type']} typed events, event threshold "
               f"{models.threshold}; wrote {target}")


# --- the incident store: ingest, incidents, explain, tallies, export (owned by the store work) ---

_DB_HELP = ("Database URL: sqlite:///FILE (default sqlite:///osintrack.db) or postgresql://USER@HOST:PORT/DB; "
            "also from $OSINTRACK_DB.")


def _db_option(func: Callable[..., None]) -> Callable[..., None]:
    return click.option("--db", "db", default=pipeline.DEFAULT_DB, envvar="OSINTRACK_DB", show_default=True,
                        help=_DB_HELP)(func)


def _shown_url(db: str) -> str:
    from .store import display_url

    return display_url(db)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except OsintrackError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.argument("inputs", nargs=-1, required=True)  # str: a URL (s3://...) is no local Path
@_db_option
@click.option("--batch-size", default=pipeline.DEFAULT_BATCH_SIZE, show_default=True, type=click.IntRange(min=1),
              help="Reports per transaction: a killed run loses at most one batch, and resumes after it.")
@click.option("--skip-bad", is_flag=True,
              help="Skip records that cannot be read, count them by reason, and go on.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that extract batches ahead of the one writer (default: all cores); "
                   "the database is the same for any number.")
@click.option("--engine", type=click.Choice(("local", "dask")), default="local", show_default=True,
              help="dask: extract and resolve (cut into blocks of time, joined at their edges) on a Dask cluster; "
                   "the database is the one a local run gives.")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="With --engine dask: the scheduler of a running cluster (default: a local cluster of --workers).")
@_max_report_option
def ingest(inputs: tuple[str, ...], db: str, batch_size: int, skip_bad: bool, workers: int | None, engine: str,
           scheduler: str | None, max_report_mb: float) -> None:
    """Extract INPUT files or directories and store reports, events, tallies and incidents in --db.

    Reports already stored (same id, same content) are skipped: running again after an interruption
    resumes, and running twice changes nothing. Each batch commits in one transaction.
    """
    stats = pipeline.IngestStats()  # filled in as the run goes: after an interrupt it says what was committed
    _when_interrupted(lambda: f"{stats.stored} reports of this run are stored in {_shown_url(db)}, in "
                              f"{stats.batches} whole batches; run the same command again to resume (stored "
                              "reports are skipped)")
    if scheduler is not None and engine != "dask":
        raise click.UsageError("--scheduler goes with --engine dask")
    skips = pipeline.SkipCounter()
    with tqdm(desc="ingest", unit=" reports", file=sys.stderr, disable=not sys.stderr.isatty()) as bar:
        committed = [-1]  # batches shown in the bar's counts

        def progress(now: pipeline.IngestStats) -> None:
            if now.batches != committed[0]:  # the counts change with each commit
                committed[0] = now.batches
                bar.set_postfix(stored=now.stored, known=now.known, events=now.events, refresh=False)
            bar.update(now.read - bar.n)  # tqdm itself limits how often it redraws

        with _user_errors():
            pipeline.ingest_paths(inputs, db, batch_size=batch_size, skip_bad=skip_bad, skips=skips,
                                  progress=progress, workers=workers or default_workers(), engine=engine,
                                  scheduler=scheduler, stats=stats, max_bytes=int(max_report_mb * 1e6))
    batches = f"{stats.batches} batch{'' if stats.batches == 1 else 'es'}"
    click.echo(f"{_shown_url(db)}{' (a new store)' if stats.new_store else ''}: {stats.stored} reports stored in "
               f"{batches} ({stats.events} events, {stats.tallies} tallies; {stats.copies} copies of an earlier "
               f"report), {stats.known} already stored; "
               f"{stats.incidents} incidents in the store, {stats.incidents_new} of them new")
    _say_what_was_read(inputs, stats.read, skips)


_INCIDENT_COLUMNS = ("incident", "date", "country", "site", "type", "weapon", "actor", "status", "killed", "injured",
                     "reports")
_FILTER_OPTIONS = {"event_type": "--type"}  # an incident filter's option, where it is not --NAME


def _filter_option(name: str, help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """An ``incidents`` option for filter ``name``; ``osintrack.filtering`` checks its values, as for the API."""
    from .filtering import RULES

    rule = RULES[name]
    flag = _FILTER_OPTIONS.get(name, f"--{name}")
    text = f"{help_text}: {rule.describe()}" + ("; repeatable, for any of several" if rule.many else "") + "."
    return click.option(flag, name, multiple=rule.many, help=text)


@main.command()
@_db_option
@_filter_option("country", "Country")
@_filter_option("since", "First day")
@_filter_option("until", "Last day")
@_filter_option("actor", "Part of the actor's name, any case")
@_filter_option("site", "Part of the site's name, any case")
@_filter_option("weapon", "Weapon class")
@_filter_option("status", "Status as resolution sets it")
@_filter_option("event_type", "Event type")
@_filter_option("lang", "A language one of its reports is in")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows.")
def incidents(db: str, limit: int | None, **filters: str | tuple[str, ...] | None) -> None:
    """List stored incidents, by date."""
    from .filtering import FilterError
    from .store import IncidentFilter, list_incidents, open_engine

    try:
        where = IncidentFilter.checked(**filters)
    except FilterError as exc:
        name = exc.field or ""
        raise click.BadParameter(exc.message, param_hint=f"'{_FILTER_OPTIONS.get(name, f'--{name}')}'") from exc
    with _user_errors():
        rows = list_incidents(open_engine(db), where, limit=limit)
    cells = [tuple(_cell(v) for v in (r.id, r.date, r.country, r.site, r.event_type, r.weapon, r.actor, r.status,
                                      r.killed, r.injured, r.n_reports)) for r in rows]
    click.echo(_grid(_INCIDENT_COLUMNS, cells))
    click.echo(f"\n{len(rows)} incident{'' if len(rows) == 1 else 's'}")


@main.command()
@click.argument("incident")
@_db_option
def explain(incident: str, db: str) -> None:
    """Show INCIDENT: its fused fields with provenance, its sources and every merge decision."""
    from .store import explain as explain_incident
    from .store import open_engine
    from .store.render import render_explanation

    with _user_errors():
        found = explain_incident(open_engine(db), incident)
    if found is None:
        raise click.ClickException(f"no incident {incident!r} in {db}")
    click.echo(render_explanation(found), nl=False)


@main.command()
@_db_option
@click.option("--country", "countries", multiple=True,
              help="Count incidents in this country (repeatable) for tallies without a per-country breakdown; "
                   "default: IQ, SY, JO.")
def tallies(db: str, countries: tuple[str, ...]) -> None:
    """Compare official tallies with the stored incidents, per reporter and over time.

    Beside each reported count: the incidents stored for the same window and countries (or the sum of
    their casualty figures), the gap, and the change between a reporter's successive counts.
    """
    from .store import open_engine, reconcile_tallies
    from .store.render import render_tallies

    with _user_errors():
        rows = reconcile_tallies(open_engine(db), [c.upper() for c in countries] or None)
    click.echo(render_tallies(rows), nl=False)


_EXPORT_FORMATS = ("jsonl", "csv", "geojson", "parquet", "acled")


@main.command()
@click.option("--format", "fmt", type=click.Choice(_EXPORT_FORMATS), required=True,
              help="jsonl: FORMAT.md extractor lines per report, each event with its incident id; csv, geojson, "
                   "parquet: one record per fused incident; acled: ACLED-style CSV.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically) instead of standard output; required for parquet.")
@_db_option
def export(fmt: str, output: Path | None, db: str) -> None:
    """Write the stored reports or incidents in one of the export formats."""
    from . import export as writers
    from .store import iter_extractions, load_fused, open_engine

    if fmt == "parquet" and output is None:
        raise click.UsageError("parquet is binary: give a file with -o")
    out = output if output is not None else sys.stdout
    with _user_errors():
        engine = open_engine(db)
        if fmt == "jsonl":
            result = writers.write_jsonl((x for _, x in iter_extractions(engine)), out)
        elif fmt == "parquet":
            assert output is not None
            result = writers.write_parquet(load_fused(engine), output)
        else:
            write = {"csv": writers.write_csv, "geojson": writers.write_geojson, "acled": writers.write_acled}[fmt]
            result = write(load_fused(engine), out)
    what = "reports" if fmt == "jsonl" else "incidents"
    note = f"; {result.omitted} left out ({result.omitted_reason})" if result.omitted else ""
    click.echo(f"exported {result.written} {what} as {fmt}{note}", err=True)


# --- serve: the HTTP API and the dashboard (owned by the serve work) ---

@main.command()
@_db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the server reachable from other machines.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(min=0, max=65535), help="TCP port.")
@click.option("--write-token", envvar="OSINTRACK_WRITE_TOKEN", metavar="TOKEN",
              help="Enable POST /api/reports for requests that send 'Authorization: Bearer TOKEN' "
                   "(also from $OSINTRACK_WRITE_TOKEN); without it the server is read-only.")
@click.option("--tiles", metavar="URL",
              help="An online tile layer for the map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png "
                   "(default: country borders only, which need no network).")
def serve(db: str, host: str, port: int, write_token: str | None, tiles: str | None) -> None:
    """Serve the HTTP API (/api/..., schema at /api/openapi.json) and the dashboard (/) over --db."""
    import uvicorn

    from .store import display_url
    from .web import VENDOR, create_app

    if not (VENDOR / "leaflet.js").is_file():
        click.echo(f"warning: the dashboard's JavaScript libraries are not built ({VENDOR}); the API works, "
                   "the page at / does not. Run `make web` (needs npm) in the source tree.", err=True)
    with _user_errors():
        app = create_app(db, write_token=write_token, tiles=tiles)
    new = " (a new, empty store)" if app.state.created_store else ""
    click.echo(f"serving {display_url(db)}{new} at http://{host}:{port}/ (API schema: /api/openapi.json); "
               f"{'POST /api/reports needs the write token' if write_token else 'read-only'}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


# --- watch: follow news sources (owned by the watch work) ---

@main.command()
@click.argument("feeds", nargs=-1, metavar="[FEED_URL]...")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A sources.yaml: feeds and sitemaps with their names, languages and intervals (docs/watch.md).")
@_db_option
@click.option("--interval", type=click.IntRange(min=1), metavar="SECONDS",
              help="Seconds between two polls of a source that sets none (default: the sources file's, else 900).")
@click.option("--once", is_flag=True, help="Poll every source once, store what is new, and exit.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that read and extract a large poll's articles while this one fetches and stores (even "
                   "one is a process of its own; default: all cores); the database is the same for any number.")
@click.option("--batch-size", default=pipeline.DEFAULT_BATCH_SIZE, show_default=True, type=click.IntRange(min=1),
              help="Reports per transaction, as for ingest.")
def watch(feeds: tuple[str, ...], sources_file: Path | None, db: str, interval: int | None, once: bool,
          workers: int | None, batch_size: int) -> None:
    """Follow RSS 2.0 and Atom feeds and news sitemaps: fetch each new article and store its report in --db.

    Without --once it polls each source when it is due until interrupted (Ctrl-C, SIGTERM), then stops
    after the batch it is storing. Already stored articles are never fetched again.
    """
    import signal
    import threading

    from .watch import PollStats, load_config
    from .watch import watch as follow

    if not feeds and sources_file is None:
        raise click.UsageError("give feed URLs, or a sources file with --sources")
    with _user_errors():
        config = load_config(sources_file, feeds, interval=interval)
    stop = threading.Event()

    def interrupted(signum: int, _frame: object) -> None:
        if stop.is_set():  # asked twice: stop now
            raise KeyboardInterrupt
        click.echo(f"{signal.Signals(signum).name}: stopping after the batch being stored "
                   "(again to stop at once)", err=True)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupted)

    def report(stats: PollStats) -> None:
        click.echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {stats.line()}")
        for error in stats.errors:
            click.echo(f"  failed: {error}")

    with _user_errors():
        follow(config, db, once=once, workers=workers or default_workers(), batch_size=batch_size, stop=stop,
               report=report)


_SOURCE_COLUMNS = ("source", "kind", "last success", "next poll", "stored", "failures", "last error")


@main.command(name="sources")
@_db_option
def sources_command(db: str) -> None:
    """List the sources osintrack watch follows in --db: last success, last error, next poll, articles stored."""
    from .store import open_engine
    from .watch import source_report

    with _user_errors():
        rows = source_report(open_engine(db))
    cells = [("  sitemap " if r["parent"] else "") + (r["url"] if r["parent"] or not r["name"] else
                                                      f"{r['name']} <{r['url']}>") for r in rows]
    table = [(name, r["kind"] or "-", _when(r["last_success"]), _when(r["next_poll"]),
              str(r["articles"].get("stored", 0)), str(r["failures"]), _cell(r["last_error"])
              ) for name, r in zip(cells, rows, strict=True)]
    click.echo(_grid(_SOURCE_COLUMNS, table))
    click.echo(f"\n{len(rows)} source{'' if len(rows) == 1 else 's'}")


def _when(iso: str | None) -> str:
    return "-" if iso is None else iso.replace("T", " ").removesuffix("+00:00")
