"""Mistakes are loud, never a silent empty answer: a typo in --db, a store that does not exist, a filter
value out of range (the command line and the API refuse it with one message), a driver osintrack does not
use, an empty input, a language without a pack, a repeated query parameter. And the counts a run prints
say what they mean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from test_store import EXAMPLES

from osintrack import pipeline
from osintrack.cli import main
from osintrack.store import open_engine
from osintrack.store.query import all_incidents, get_report
from osintrack.web import create_app

READ_ONLY = [["incidents"], ["export", "--format", "csv"], ["tallies"], ["explain", "inc-000000000000"],
             ["serve", "--port", "0"]]


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` returns instead of serving: a store it opens wrongly must fail the test, not hang it."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('mistakes') / 'store.db'}"
    pipeline.ingest_paths([EXAMPLES], url, workers=1)
    return url


# --- the store named by --db ------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["ingest", str(EXAMPLES)], *READ_ONLY], ids=lambda c: c[0])
def test_a_db_that_is_not_a_url_is_refused_and_creates_nothing(command: list[str], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*command, "--db", "not a url")
    assert result.exit_code == 1 and "not a database URL: 'not a url'" in result.output, result.output
    assert "sqlite:///not a url" in result.output  # what to write instead
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: c[0])
def test_read_only_commands_never_create_a_store(command: list[str], tmp_path: Path) -> None:
    typo = tmp_path / "stroe.db"
    result = run(*command, "--db", f"sqlite:///{typo}")
    assert result.exit_code == 1, result.output
    assert f"{typo}: no such store" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_osintrack_tables_is_no_store(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    result = run("incidents", "--db", f"sqlite:///{other}")
    assert result.exit_code == 1 and "holds no osintrack store" in result.output
    assert [row[0] for row in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")] == ["t"]


def test_ingest_creates_a_store_and_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    first = run("ingest", EXAMPLES, "--db", url)
    assert first.exit_code == 0 and f"{url} (a new store):" in first.stdout
    again = run("ingest", EXAMPLES, "--db", url)
    assert again.exit_code == 0 and "a new store" not in again.stdout


@pytest.mark.parametrize("driver", ["postgresql+psycopg2", "postgresql+asyncpg", "sqlite+aiosqlite"])
def test_a_driver_osintrack_does_not_use_is_named_with_what_to_write(driver: str) -> None:
    result = run("incidents", "--db", f"{driver}://user:secret@localhost/db")
    assert result.exit_code == 1 and "Traceback" not in result.output and "secret" not in result.output
    backend = driver.split("+")[0]
    assert f"not {driver.split('+')[1]}" in result.output and f"leave the driver out: {backend}://" in result.output


# --- the filters of incidents: one check for the command line and the API ------------------------------

@pytest.mark.parametrize("option,param,value,allowed", [
    ("--since", "since", "yesterday", "YYYY-MM-DD"),
    ("--since", "since", "2024-13-01", "YYYY-MM-DD"),
    ("--until", "until", "29 Jan 2024", "YYYY-MM-DD"),
    ("--status", "status", "foo", "confirmed, claimed, reported"),
    ("--country", "country", "Iraq", "ISO 3166-1 alpha-2"),
    ("--type", "event_type", "bombing", "attack, air_strike"),
    ("--weapon", "weapon", "tank", "drone, rocket"),
    ("--lang", "lang", "Arabic", "ISO 639-1"),
])
def test_a_filter_value_out_of_range_is_refused_by_the_cli_and_the_api_alike(
        store: str, option: str, param: str, value: str, allowed: str) -> None:
    result = run("incidents", "--db", store, option, value)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output and allowed in result.output
    answer = TestClient(create_app(store)).get("/api/incidents", params={param: value})
    assert answer.status_code == 422
    detail = answer.json()["detail"][0]
    assert detail["loc"] == ["query", param] and detail["msg"] in result.output  # the very same message


def test_filters_taking_several_values_match_any(store: str) -> None:
    engine = open_engine(store)
    by_country = {c: len([i for i in all_incidents(engine) if i["country"] == c]) for c in ("IQ", "SY")}
    both = run("incidents", "--db", store, "--country", "IQ", "--country", "sy")
    assert both.exit_code == 0 and f"{by_country['IQ'] + by_country['SY']} incidents" in both.stdout
    client = TestClient(create_app(store))
    assert client.get("/api/incidents?country=IQ&country=SY").json()["total"] == sum(by_country.values())
    assert client.get("/api/stats?country=IQ&country=SY").json()["total"] == sum(by_country.values())


@pytest.mark.parametrize("query,name", [("sort=date&sort=-date", "sort"), ("limit=1&limit=2", "limit"),
                                        ("since=2023-11-01&since=2024-01-01", "since")])
def test_a_parameter_that_takes_one_value_is_refused_when_repeated(store: str, query: str, name: str) -> None:
    answer = TestClient(create_app(store)).get(f"/api/incidents?{query}")
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", name]


# --- input that holds nothing, or names a language without a pack ------------------------------------

@pytest.mark.parametrize("command", ["extract", "ingest"])
def test_an_empty_input_says_that_nothing_was_read(command: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    extra = ["--db", f"sqlite:///{tmp_path / 's.db'}"] if command == "ingest" else []
    result = run(command, empty, *extra)
    assert result.exit_code == 0 and f"nothing was read: no report in {empty}" in result.stderr


# Written for this test: one German report that names a language code osintrack has no pack for.
UNKNOWN_LANGUAGE = {"id": "zz-1", "lang": "zz", "published": "2024-01-29",
                    "text": "Drei Soldaten wurden bei einem Drohnenangriff auf den Stützpunkt Tower 22 in "
                            "Jordanien am Sonntag getötet, teilte das Pentagon mit."}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_language_without_a_pack_is_detected_counted_and_shown(tmp_path: Path, workers: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from osintrack import scale

    monkeypatch.setattr(scale, "POOL_MIN_BYTES", 0)  # two workers read their own shards, even of a small file
    path = tmp_path / "zz.jsonl"
    lines = [UNKNOWN_LANGUAGE, {**UNKNOWN_LANGUAGE, "id": "zz-2", "lang": "DE"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    result = run("extract", path, "--workers", workers)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["lang"] for line in result.stdout.splitlines()] == ["de", "de"]
    assert "1 report named a language osintrack has no pack for" in result.stderr and "'zz' as de (1)" in result.stderr
    url = f"sqlite:///{tmp_path / 's.db'}"
    stored = run("ingest", path, "--db", url)
    assert "'zz' as de (1)" in stored.stderr
    found = get_report(open_engine(url), "zz-1")
    assert found is not None and found.lang == "de"


def test_the_api_reads_a_language_without_a_pack_as_detected(tmp_path: Path) -> None:
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'w.db'}", write_token="t" * 16))
    done = client.post("/api/reports", json=[UNKNOWN_LANGUAGE], headers={"Authorization": f"Bearer {'t' * 16}"})
    assert done.status_code == 200 and done.json()["languages_detected"] == 1
    assert client.get("/api/report", params={"id": "zz-1"}).json()["lang"] == "de"


# --- what the counts of a run mean ----------------------------------------------------------------------

def test_ingest_counts_incidents_not_incidents_touched(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    result = run("ingest", EXAMPLES, "--db", url, "--batch-size", "3")
    total = len(all_incidents(open_engine(url)))
    assert result.exit_code == 0 and f"; {total} incidents in the store, {total} of them new" in result.stdout
    assert "touched" not in result.stdout
    again = run("ingest", EXAMPLES, "--db", url)
    assert f"; {total} incidents in the store, 0 of them new" in again.stdout


def test_the_incidents_table_shows_killed_and_injured(store: str) -> None:
    result = run("incidents", "--db", store, "--site", "Tower 22")
    header = result.stdout.splitlines()[0].split()
    assert header[-3:] == ["killed", "injured", "reports"]
    row = next(line.split() for line in result.stdout.splitlines() if line.startswith("inc-"))
    killed = {i["killed"] for i in all_incidents(open_engine(store)) if i["site"] == "Tower 22"}
    assert killed == {3} and row[-3] == "3"


def test_head_of_the_dashboard_answers_like_get(store: str) -> None:
    client = TestClient(create_app(store))
    head, get = client.head("/"), client.get("/")
    assert head.status_code == get.status_code == 200 and head.headers["content-type"] == get.headers["content-type"]
    assert head.content == b""
