"""Fuzzing with generated input (hypothesis): every reader (.jsonl, .jsonl.gz, .csv, .txt, .html,
.parquet) and the HTTP API's parameters. A reader raises nothing but ``InputError`` (and nothing at all
when bad records are skipped), reading a file in workers' shards keeps what reading it whole keeps, the
command line prints no traceback, ingesting it loses nothing already stored, and the API answers every
request without a server error. Sized for CI (a few hundred cases, under a minute); more locally with
``--hypothesis-seed`` or a larger ``FUZZ_EXAMPLES``."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_store import EXAMPLES

from osintrack import pipeline
from osintrack.cli import main
from osintrack.errors import InputError
from osintrack.ingest import SkipCounter, read_reports
from osintrack.model import Report
from osintrack.shards import Merger, plan_shards, run_shard
from osintrack.sources import find_files
from osintrack.store import dump_tables, open_engine
from osintrack.web import create_app

EXAMPLES_PER_TEST = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES_PER_TEST, deadline=None, derandomize="FUZZ_RANDOM" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# --- what goes into files ---------------------------------------------------------------------------------

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5),
                                                                                              inner, max_size=3),
                       max_leaves=6)
_WORDS = st.sampled_from(["Two", "drones", "struck", "Ain al-Asad", "air base", "in", "Iraq", "on", "Monday",
                          "2024-01-28", "صواريخ", "Tower 22", "killed", "3", "\u200f", "é", "\n", ".", ",", '"',
                          "\r\n", "\t", "<p>", "&amp;", "\x00", "\ufeff"])
_TEXT = st.lists(_WORDS, max_size=30).map(" ".join) | st.text(max_size=200)
_RECORD = st.fixed_dictionaries(
    {}, optional={"id": st.one_of(st.text(max_size=12), st.integers(), _VALUES), "text": st.one_of(_TEXT, _VALUES),
                  "published": st.one_of(st.sampled_from(["2024-01-29", "2024-02", "2024-13-01", ""]), _VALUES),
                  "lang": st.one_of(st.sampled_from(["en", "ar", "zz", "EN", ""]), _VALUES),
                  "url": st.one_of(st.sampled_from(["https://a.example/x", "javascript:x()"]), _VALUES)})
_LINE = st.one_of(_RECORD.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass")),
                  st.binary(max_size=80), _TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
_LINES = st.lists(_LINE, max_size=12).map(lambda lines: b"\n".join(line.replace(b"\n", b" ") for line in lines))


def _read(path: Path, **kwargs: Any) -> list[str]:
    """The ids a reader keeps; fails the test on any exception other than InputError."""
    try:
        return [r.id for r in read_reports([path], **kwargs)]
    except InputError:
        return ["<stopped>"]


def _check_reader(path: Path) -> list[str]:
    """Reading never raises but InputError; with bad records skipped it never raises; what it keeps then is
    what it keeps without skipping, up to the first bad record."""
    strict = _read(path)
    skips = SkipCounter()
    kept = [r.id for r in read_reports([path], skip_bad=True, skips=skips)]
    if strict and strict[-1] == "<stopped>":
        assert kept[:len(strict) - 1] == strict[:-1] and skips.total > 0
    else:
        assert kept == strict
    return kept


def _fresh(suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="osintrack-fuzz-"))
    return folder / f"in{suffix}"


# --- readers -------------------------------------------------------------------------------------------

@FUZZ
@given(data=_LINES)
def test_jsonl(data: bytes) -> None:
    path = _fresh(".jsonl")
    path.write_bytes(data)
    kept = _check_reader(path)
    merger, shard_ids = Merger(skip_bad=True), []  # workers' byte-range shards, 7 bytes each: the same records
    for shard in plan_shards(find_files([path]), shard_bytes=7, shard_rows=2, read_gzip=True):
        result = run_shard(shard, skip_bad=True)
        shard_ids += [result.ids[i] for i in merger.accept(result)[0]]
    assert shard_ids == kept


@FUZZ
@given(data=_LINES, cut=st.integers(min_value=0, max_value=40))
def test_jsonl_gz(data: bytes, cut: int) -> None:
    path = _fresh(".jsonl.gz")
    packed = gzip.compress(data)
    path.write_bytes(packed[:len(packed) - cut] if cut % 3 == 0 else packed)  # some streams broken off
    _check_reader(path)


@FUZZ
@given(rows=st.lists(st.lists(_TEXT, min_size=0, max_size=4), max_size=8),
       header=st.sampled_from(["id,text,lang", "text", "text,published,url", "title,body", ""]),
       raw=st.binary(max_size=40))
def test_csv(rows: list[list[str]], header: str, raw: bytes) -> None:
    import csv
    import io

    table = io.StringIO()
    csv.writer(table).writerows(rows)
    path = _fresh(".csv")
    path.write_bytes(header.encode() + b"\n" + table.getvalue().encode("utf-8", "surrogatepass") + raw)
    _check_reader(path)


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), _TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))),
       header=st.sampled_from(["", " date 2024-01-29 kw\n", "date 2024-13-45\n", " date 2024-01\n"]))
def test_txt(data: bytes, header: str) -> None:
    path = _fresh(".txt")
    path.write_bytes(header.encode() + data)
    _check_reader(path)


_HTML = st.lists(st.one_of(_TEXT, st.sampled_from(["<html>", "<body>", "<p>", "</p>", "<script>x=1</script>",
                                                    "<title>T</title>", "<meta name='date' content='2024-01-29'>",
                                                    "<article>", "</div>", "<!--", "<![CDATA["])), max_size=20)


@settings(FUZZ, max_examples=max(10, EXAMPLES_PER_TEST // 2))
@given(parts=_HTML, raw=st.binary(max_size=30))
def test_html(parts: list[str], raw: bytes) -> None:
    path = _fresh(".html")
    path.write_bytes("".join(parts).encode("utf-8", "surrogatepass") + raw)
    _check_reader(path)


@FUZZ
@given(columns=st.dictionaries(st.sampled_from(["id", "text", "published", "lang", "url", "other"]),
                               st.sampled_from(["string", "int", "null", "binary", "float", "list"]), max_size=5),
       rows=st.integers(min_value=0, max_value=4), seed=st.integers(0, 1000))
def test_parquet(columns: dict[str, str], rows: int, seed: int) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    values = {"string": lambda i: f"Two drones struck Erbil air base {seed}-{i}", "int": lambda i: seed + i,
              "null": lambda i: None, "binary": lambda i: bytes([i % 256]) * 3, "float": lambda i: seed / (i + 1),
              "list": lambda i: [f"x{i}"]}
    path = _fresh(".parquet")
    pq.write_table(pa.table({name: [values[kind](i) for i in range(rows)] for name, kind in columns.items()}
                            or {"empty": pa.array([], pa.int64())}), path)
    _check_reader(path)


@settings(FUZZ, max_examples=max(10, EXAMPLES_PER_TEST // 2))
@given(data=_LINES)
def test_the_command_line_prints_no_traceback(data: bytes) -> None:
    path = _fresh(".jsonl")
    path.write_bytes(data)
    for args in (["extract", str(path)], ["extract", str(path), "--skip-bad", "--table"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 1) and not isinstance(result.exception, Exception | KeyboardInterrupt), \
            (args, result.output, result.exception)
        assert "Traceback" not in result.output


# --- the store loses nothing --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def filled_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the example reports (a SQLite file: each example ingests into a copy of it)."""
    path = tmp_path_factory.mktemp("fuzz") / "store.db"
    pipeline.ingest_paths([EXAMPLES], f"sqlite:///{path}", workers=1)
    open_engine(f"sqlite:///{path}").dispose()
    return path


def _rows(tables: dict[str, list[Any]]) -> dict[str, set[str]]:
    return {name: {json.dumps(row, default=str, sort_keys=True) for row in rows} for name, rows in tables.items()}


@settings(FUZZ, max_examples=max(10, EXAMPLES_PER_TEST // 2))
@given(data=_LINES)
def test_ingesting_fuzz_loses_nothing_stored(filled_store: Path, data: bytes) -> None:
    import shutil

    path = _fresh(".jsonl")
    path.write_bytes(data)
    db = path.with_name("store.db")
    shutil.copy(filled_store, db)
    url = f"sqlite:///{db}"
    before = _rows(dump_tables(open_engine(url)))
    kept = set(_check_reader(path)) - {"<stopped>"}
    if kept & {json.loads(row)[0] for row in before["reports"]}:  # a stored id with other content: refused whole
        return
    pipeline.ingest_paths([path], url, skip_bad=True, workers=1)
    after = _rows(dump_tables(open_engine(url)))
    assert kept <= {json.loads(row)[0] for row in after["reports"]}
    for table in set(before) - {"incidents", "incident_fused"}:  # incidents are fused anew as sources join
        assert before[table] <= after[table], f"rows of {table} were lost or changed"


# --- the HTTP API --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def api(filled_store: Path) -> TestClient:
    return TestClient(create_app(f"sqlite:///{filled_store}"), raise_server_exceptions=False)


_NAMES = st.sampled_from(["country", "since", "until", "actor", "site", "weapon", "status", "event_type", "lang",
                          "sort", "limit", "offset", "id", "x", ""])
_PARAM_VALUES = st.one_of(st.text(max_size=30), st.sampled_from(["IQ", "sy", "2024-01", "2023-13-01", "-1", "1e9",
                                                                 "drone", "date", "-n_reports", "%00", "\x00", "ar"]))
_PATHS = st.sampled_from(["/api/incidents", "/api/incidents.geojson", "/api/stats", "/api/tallies", "/api/report",
                          "/api/reports/", "/api/incidents/", "/", "/api/config"])


@settings(FUZZ, max_examples=EXAMPLES_PER_TEST * 3)
@given(path=_PATHS, params=st.lists(st.tuples(_NAMES, _PARAM_VALUES), max_size=6),
       tail=st.text(max_size=20))
def test_the_api_answers_every_request_without_a_server_error(api: TestClient, path: str,
                                                               params: list[tuple[str, str]], tail: str) -> None:
    target = path + (quote(tail, safe="") if path.endswith("/") and path != "/" else "")
    answer = api.get(target, params=params)
    assert answer.status_code < 500, (target, params, answer.text[:300])
    if target.startswith("/api/"):
        answer.json()  # every answer of the API is JSON, errors included


@pytest.fixture(scope="module")
def odd_ids_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('ids') / 's.db'}"


@settings(FUZZ, max_examples=max(10, EXAMPLES_PER_TEST // 2))
@given(report_id=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40))
def test_every_stored_report_id_round_trips_through_the_api(odd_ids_store: str, report_id: str) -> None:
    text = f"Report {report_id!r}: rockets hit Erbil air base on Tuesday, officials said."
    pipeline.ingest_reports([Report(id=report_id, text=text, lang="en", published="2024-01-02")], odd_ids_store)
    client = TestClient(create_app(odd_ids_store))
    by_query = client.get("/api/report", params={"id": report_id})
    assert by_query.status_code == 200 and by_query.json()["id"] == report_id
    if not any(part in (".", "..") for part in report_id.split("/")):  # URLs resolve dot segments away
        by_path = client.get(f"/api/reports/{quote(report_id, safe='')}")
        assert by_path.status_code == 200 and by_path.json()["id"] == report_id


_ONE_VALUE = {"since": ["2023-11-01", "2024-01"], "until": ["2023-12-31", "2024-02"], "actor": ["resistance", "houthi"],
              "site": ["base", "asad"], "sort": ["date", "-killed"], "limit": ["5", "10"], "offset": ["0", "3"]}
_SEVERAL = {"country": ["IQ", "SY", "JO", "YE"], "weapon": ["drone", "rocket", "missile", "aircraft"],
            "status": ["confirmed", "claimed", "reported"], "event_type": ["attack", "air_strike"]}


@settings(FUZZ, max_examples=max(10, EXAMPLES_PER_TEST // 2))
@given(name=st.sampled_from(sorted(_ONE_VALUE) + sorted(_SEVERAL)), picks=st.tuples(st.integers(0, 3),
                                                                                   st.integers(0, 3)))
def test_a_repeated_parameter_is_honoured_or_refused_never_cut(api: TestClient, name: str,
                                                               picks: tuple[int, int]) -> None:
    """Given twice, a parameter that takes several values keeps incidents with any of them; one that takes
    one value is refused: never is one of the two silently dropped."""
    values = (_SEVERAL.get(name) or _ONE_VALUE[name])
    first, second = values[picks[0] % len(values)], values[picks[1] % len(values)]
    both = api.get("/api/incidents", params=[(name, first), (name, second), ("limit", "1000")]
                   if name != "limit" else [(name, first), (name, second)])
    if name in _ONE_VALUE:
        assert both.status_code == 422 and both.json()["detail"][0]["loc"] == ["query", name]
        return
    alone = [api.get("/api/incidents", params={name: v, "limit": "1000"}).json()["total"]
             for v in dict.fromkeys((first, second))]
    assert both.status_code == 200 and both.json()["total"] == sum(alone)

