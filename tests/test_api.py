"""The HTTP API over a store of the bundled example reports, on SQLite and PostgreSQL: listings agree
with the store, pages tile the list, filters filter, bad parameters get a 4xx that names them, sources
come back with their sentence and evidence spans, and writing needs the token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_store import EXAMPLES, downgraded, pg_schema

from osintrack import pipeline
from osintrack.store import IncidentFilter, list_incidents, open_engine, reconcile_tallies
from osintrack.web import create_app

TOKEN = "test-token-" + "x" * 8


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store holding the example reports, built once per backend for the module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'store.db'}"
        pipeline.ingest_paths([EXAMPLES], url, workers=1)
        yield url
        return
    with pg_schema("osintrack_api") as url:
        pipeline.ingest_paths([EXAMPLES], url, workers=1)
        yield url


@pytest.fixture(scope="module")
def client(store_url: str) -> TestClient:
    return TestClient(create_app(store_url))


def _all(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    body = client.get("/api/incidents", params={**params, "limit": 1000}).json()
    assert body["total"] == len(body["items"])
    return body["items"]


def test_listing_matches_the_store(client: TestClient, store_url: str) -> None:
    stored = list_incidents(open_engine(store_url))
    items = _all(client)
    assert len(stored) > 10
    assert [i["id"] for i in items] == [row.id for row in stored]
    assert [i["n_reports"] for i in items] == [row.n_reports for row in stored]
    assert all(isinstance(i["languages"], list) and i["languages"] for i in items)


def test_pages_tile_the_list_in_every_sort(client: TestClient) -> None:
    for sort in ("date", "-date", "-killed", "-n_reports"):
        whole = [i["id"] for i in client.get("/api/incidents", params={"sort": sort, "limit": 1000}).json()["items"]]
        paged: list[str] = []
        for offset in range(0, len(whole), 7):
            body = client.get("/api/incidents", params={"sort": sort, "limit": 7, "offset": offset}).json()
            assert (body["limit"], body["offset"], body["total"]) == (7, offset, len(whole))
            paged += [i["id"] for i in body["items"]]
        assert paged == whole, sort
    dates = [i["date"] for i in _all(client, sort="-date") if i["date"]]
    assert dates == sorted(dates, reverse=True)


def test_filters(client: TestClient, store_url: str) -> None:
    everything = _all(client)
    iraq = _all(client, country="iq")
    assert iraq and all(i["country"] == "IQ" for i in iraq)
    assert len(iraq) == len(list_incidents(open_engine(store_url), IncidentFilter(country="IQ")))
    drones = _all(client, weapon="drone")
    assert drones and all(i["weapon"] == "drone" for i in drones) and len(drones) < len(everything)
    for lang in {lang for i in everything for lang in i["languages"]}:
        chosen = _all(client, lang=lang)
        assert {i["id"] for i in chosen} == {i["id"] for i in everything if lang in i["languages"]}
    november = _all(client, since="2023-11", until="2023-11")
    assert november and all(i["date"].startswith("2023-11") for i in november)
    named = next(i for i in everything if i["actor"])
    part = named["actor"][2:9].upper()
    assert {i["id"] for i in _all(client, actor=part)} == {
        i["id"] for i in everything if i["actor"] and part.lower() in i["actor"].lower()}


@pytest.mark.parametrize("params, name", [
    ({"country": "IRQ"}, "country"), ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"),
    ({"offset": -1}, "offset"), ({"sort": "actor; drop table incidents"}, "sort"), ({"since": "2023-13"}, "since"),
    ({"weapon": "catapult"}, "weapon"), ({"status": "denied-ish"}, "status"), ({"lang": "English"}, "lang"),
    ({"actor": "a\x00b"}, "actor"),
])
def test_bad_parameters_get_a_422_naming_them(client: TestClient, params: dict[str, Any], name: str) -> None:
    response = client.get("/api/incidents", params=params)
    assert response.status_code == 422
    assert any(name in error["loc"] for error in response.json()["detail"])


def test_an_incident_with_its_sources_and_evidence(client: TestClient) -> None:
    busiest = max(_all(client), key=lambda i: i["n_reports"])
    body = client.get(f"/api/incidents/{busiest['id']}").json()
    assert body["incident"]["id"] == busiest["id"]
    assert len({s["report_id"] for s in body["sources"]}) == busiest["n_reports"] >= 2
    assert body["decisions"] and body["decisions"][0]["action"] == "open"
    assert body["fused"]["fields"]["date"]["values"]
    for source in body["sources"]:
        report = client.get(source["report"]).json()
        assert report["id"] == source["report_id"] and source["sentence"] in report["text"]
        spans = {h["field"]: source["sentence"][h["start"]:h["end"]] for h in source["highlights"]}
        assert spans["evidence"].strip(), source  # the event's own words are marked inside their sentence
        assert all(0 <= h["start"] < h["end"] <= len(source["sentence"]) for h in source["highlights"])


def test_unknown_ids_are_404(client: TestClient) -> None:
    for path in ("/api/incidents/inc-000000000000", "/api/reports/no-such-report", "/api/incidents/%00"):
        response = client.get(path)
        assert response.status_code == 404 and "no " in response.json()["detail"]


def test_reports_come_back_verbatim(client: TestClient) -> None:
    line = (EXAMPLES / "reports.jsonl").read_text(encoding="utf-8").splitlines()[0]
    original = json.loads(line)
    assert client.get(f"/api/reports/{original['id']}").json()["text"] == original["text"]


def test_geojson_has_every_matching_incident(client: TestClient) -> None:
    for params in ({}, {"country": "SY"}):
        items = {i["id"]: i for i in _all(client, **params)}
        response = client.get("/api/incidents.geojson", params=params)
        assert response.headers["content-type"].startswith("application/geo+json")
        features = response.json()["features"]
        assert [f["id"] for f in features] == list(items)
        for feature in features:
            item = items[feature["id"]]
            if item["lat"] is None:
                assert feature["geometry"] is None
            else:
                assert feature["geometry"]["coordinates"] == [item["lon"], item["lat"]]
            assert feature["properties"]["status"] == item["status"]


def test_stats_add_up(client: TestClient) -> None:
    items = _all(client)
    stats = client.get("/api/stats").json()
    assert stats["total"] == len(items)
    assert sum(stats["by_country"].values()) == sum(stats["by_weapon"].values()) == len(items)
    assert sum(day["count"] for day in stats["by_day"]) == sum(1 for i in items if i["date"])
    assert stats["first"] == min(i["date"] for i in items if i["date"])
    iraq = client.get("/api/stats", params={"country": "IQ"}).json()
    assert iraq["total"] == stats["by_country"]["IQ"] and set(iraq["by_country"]) == {"IQ"}


def test_tallies_are_the_ledger(client: TestClient, store_url: str) -> None:
    rows = client.get("/api/tallies").json()["rows"]
    assert rows and rows == json.loads(json.dumps(reconcile_tallies(open_engine(store_url))))
    syria = client.get("/api/tallies", params={"country": ["SY"]}).json()["rows"]
    assert [r["countries"] for r in syria if not r.get("by_country")] == [
        ["SY"] for r in rows if not r.get("by_country")]
    assert client.get("/api/tallies", params={"country": ["Syria"]}).status_code == 422


def test_read_only_unless_started_with_a_token(client: TestClient) -> None:
    assert client.post("/api/reports", json=[]).status_code in (404, 405)
    assert client.get("/api/config").json() == {"tiles": None, "write": False}
    assert "/api/reports" not in client.get("/api/openapi.json").json()["paths"] or \
        "post" not in client.get("/api/openapi.json").json()["paths"]["/api/reports"]


def test_ingest_endpoint_needs_the_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    writer = TestClient(create_app(url, write_token=TOKEN))
    report = {"id": "api-1", "published": "2023-11-21", "lang": "en",
              "text": "Two drones attacked Ain al-Asad air base in western Iraq on Monday, a US official said."}
    assert writer.post("/api/reports", json=[report]).status_code == 401
    assert writer.post("/api/reports", json=[report], headers={"Authorization": "Bearer wrong"}).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    done = writer.post("/api/reports", json=[report], headers=auth)
    assert done.status_code == 200 and done.json()["stored"] == 1 and done.json()["events"] >= 1
    assert writer.post("/api/reports", json=[report], headers=auth).json()["known"] == 1
    changed = writer.post("/api/reports", json=[{**report, "text": report["text"] + " More."}], headers=auth)
    assert changed.status_code == 409 and "api-1" in changed.json()["detail"]
    assert writer.post("/api/reports", json=[{"id": "x"}], headers=auth).status_code == 422
    twice = {**report, "id": "api-2"}
    assert writer.post("/api/reports", json=[twice, twice], headers=auth).json() | {"events": 0} == {
        "stored": 1, "known": 1, "events": 0, "tallies": 0, "incidents_new": 0, "incidents": 1,
        "languages_detected": 0}
    clash = writer.post("/api/reports", json=[{**twice, "id": "api-3"}, {**twice, "id": "api-3", "text": "Other."}],
                        headers=auth)
    assert clash.status_code == 409 and "api-3" in clash.json()["detail"]
    items = writer.get("/api/incidents").json()["items"]
    assert [i["site"] for i in items] == ["Ain al-Asad Air Base"]


def test_every_response_carries_a_strict_content_security_policy(client: TestClient) -> None:
    for path in ("/", "/api/incidents", "/api/incidents/nope"):
        policy = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy and "unsafe" not in policy
    assert client.get("/").headers["content-type"].startswith("text/html")


def test_openapi_describes_every_route(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/incidents", "/api/incidents.geojson", "/api/incidents/{incident_id}", "/api/reports/{report_id}",
            "/api/tallies", "/api/stats", "/api/config"} <= set(paths)
    names = {p["name"] for p in paths["/api/incidents"]["get"]["parameters"]}
    assert {"country", "since", "until", "actor", "site", "weapon", "status", "lang", "sort", "limit",
            "offset"} <= names


def test_sorts_never_sort_the_whole_table(tmp_path: Path) -> None:
    """Each sort is served by its index (SQLite's plan has no temporary B-tree): a page of a large
    store costs the page, not the store."""
    from sqlalchemy import select

    from osintrack.store import schema as s
    from osintrack.store.query import SORTS, _order

    engine = open_engine(f"sqlite:///{tmp_path / 'plan.db'}", create=True)
    for sort, where in [(sort, None) for sort in SORTS] + [("date", "IQ"), ("-date", "IQ")]:
        query = select(s.incidents.c.id).order_by(*_order(sort)).limit(100)
        if where:
            query = query.where(s.incidents.c.country == where)
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as conn:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        assert "TEMP B-TREE" not in plan and "INDEX ix_incidents_" in plan, (sort, plan)


def test_a_store_of_revision_0001_is_migrated(tmp_path: Path) -> None:
    """Going down to the first schema and up again (as opening an old store does) gives back every
    incident's summary columns and fused record."""
    from sqlalchemy import inspect, select

    from osintrack.store import schema as s
    from osintrack.store.query import all_incidents

    url = f"sqlite:///{tmp_path / 'old.db'}"
    pipeline.ingest_paths([EXAMPLES], url, workers=1)
    engine = open_engine(url)
    with engine.connect() as conn:
        fused = dict(conn.execute(select(s.incident_fused.c.id, s.incident_fused.c.fused)).all())
    summaries = all_incidents(engine)
    with downgraded(engine, "0001"):
        pass
    assert "incident_fused" not in inspect(engine).get_table_names()
    assert "fused" in {c["name"] for c in inspect(engine).get_columns("incidents")}
    engine.dispose()
    engine = open_engine(url)
    assert all_incidents(engine) == summaries and len(summaries) > 10
    with engine.connect() as conn:
        assert dict(conn.execute(select(s.incident_fused.c.id, s.incident_fused.c.fused)).all()) == fused


def test_sources_and_the_store_mark(client: TestClient, store_url: str) -> None:
    """A store no watcher wrote to follows no source; the mark is its last batch (the dashboard's cue to reload)."""
    from sqlalchemy import func, select

    from osintrack.store import schema as s

    body = client.get("/api/sources").json()
    with open_engine(store_url).connect() as conn:
        last = conn.execute(select(func.max(s.batches.c.id))).scalar_one()
    assert body["sources"] == [] and body["store"]["batch"] == last > 0 and body["store"]["committed_at"]
