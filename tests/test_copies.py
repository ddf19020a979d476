"""Copies are one source: the same text, or nearly, stored under a second id is kept, linked to the report
it copies, and not counted again behind an incident (n_reports, the API, the exports); and an incident's
sources link to their stored text, a .txt report's id ("/" in it) included (every id: test_fuzz.py)."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from test_store import EXAMPLES, db_url, downgraded  # noqa: F401  (db_url is a fixture)

from osintrack import pipeline
from osintrack.copies import NEAR, sketch
from osintrack.ingest import read_reports
from osintrack.store import dump_tables, open_engine
from osintrack.store import schema as s
from osintrack.store.query import all_incidents
from osintrack.web import create_app

EXAMPLE_REPORTS = list(read_reports(EXAMPLES))
TOWER = next(r for r in EXAMPLE_REPORTS if r.id == "txt/de-2024-01-29-tower-22")


def _near_copy(text: str) -> str:
    """A syndicated copy: another site's headline and credit line around the same story."""
    return f"EILMELDUNG \u2014 {text}\n\nMit Material von Agenturen; bearbeitet von der Redaktion."


def _copies_file(path: Path) -> Path:
    lines = [{"id": "wire/exact", "published": TOWER.published, "lang": TOWER.lang, "url": "https://a.example/1",
              "text": TOWER.text},
             {"id": "wire/near", "published": TOWER.published, "lang": TOWER.lang, "url": "https://b.example/2",
              "text": _near_copy(TOWER.text)}]
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def _tower(url: str) -> dict[str, object]:
    return next(i for i in all_incidents(open_engine(url)) if i["site"] == "Tower 22")


# --- the sketch --------------------------------------------------------------------------------------------

def test_sketch_tells_copies_from_reports_in_their_own_words() -> None:
    mine = sketch(TOWER.text)
    assert mine.similarity(sketch(TOWER.text)) == 1.0
    assert mine.similarity(sketch(_near_copy(TOWER.text))) >= NEAR
    own_words = max(sketch(a.text).similarity(sketch(b.text)) for a, b in itertools.combinations(EXAMPLE_REPORTS, 2))
    assert own_words < 0.3, "two example reports written apart look like copies"


def test_sketch_is_the_same_on_every_machine() -> None:
    """Sketches are stored: a change of hashing would lose every stored original (this pins it)."""
    values = sketch("Two drones struck the base on Monday night, officials said. Nobody was hurt and the damage "
                    "was small, a spokesman added later in the day.").values
    assert values[:8] == (0xFFFFFFFF, 4197473630, 0xFFFFFFFF, 2001714526, 0xFFFFFFFF, 1528589066, 0xFFFFFFFF,
                          0xFFFFFFFF)
    assert sum(v != 0xFFFFFFFF for v in values) == 20  # 21 shingles, one pair in a bin


# --- the store ---------------------------------------------------------------------------------------------

def test_a_copy_is_linked_to_its_original_and_not_counted_again(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    pipeline.ingest_paths([EXAMPLES], db_url, workers=1)
    before = _tower(db_url)
    stats = pipeline.ingest_paths([_copies_file(tmp_path / "copies.jsonl")], db_url, workers=1)
    assert stats.stored == 2 and stats.copies == 2
    with open_engine(db_url).connect() as conn:
        links = dict(conn.execute(select(s.reports.c.id, s.reports.c.copy_of)
                                  .where(s.reports.c.copy_of.is_not(None))).tuples().all())
    assert links == {"wire/exact": TOWER.id, "wire/near": TOWER.id}
    after = _tower(db_url)
    assert after["id"] == before["id"] and after["n_reports"] == before["n_reports"]
    assert after["n_mentions"] == before["n_mentions"] + 2  # both copies' events joined the incident

    detail = TestClient(create_app(db_url)).get(f"/api/incidents/{after['id']}").json()
    said = {src["report_id"]: src for src in detail["sources"]}
    assert said["wire/exact"]["copy_of"] == TOWER.id and said["wire/exact"]["copy_similarity"] == 1.0
    assert said["wire/near"]["copy_of"] == TOWER.id and said["wire/near"]["copy_similarity"] >= NEAR
    assert said[TOWER.id]["copy_of"] is None
    assert detail["fused"]["sources"] == after["n_reports"] and detail["fused"]["copies"] == ["wire/exact", "wire/near"]


def test_copies_in_one_batch_and_in_the_exports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    copies = _copies_file(tmp_path / "copies.jsonl")
    pipeline.ingest_paths([EXAMPLES, copies], url, workers=1, batch_size=1000)
    from click.testing import CliRunner

    from osintrack.cli import main

    out = CliRunner().invoke(main, ["export", "--format", "csv", "--db", url]).stdout
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["site"] == "Tower 22")
    assert int(row["sources"]) == _tower(url)["n_reports"] and "wire/exact" in row["copies"]
    acled = CliRunner().invoke(main, ["export", "--format", "acled", "--db", url]).stdout
    assert "copy/copies of them" in acled


def test_a_store_before_copies_links_them_when_migrated(tmp_path: Path) -> None:
    """Revision 0004 on a store of revision 0003: the copies it holds are linked as ingest would link them,
    and the incidents they are in fused again."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    pipeline.ingest_paths([EXAMPLES, _copies_file(tmp_path / "copies.jsonl")], url, workers=1)
    engine = open_engine(url)
    expected = dump_tables(engine)
    with downgraded(engine, "0003") as conn:
        # as before copies were told apart: the copies counted among the incident's reports
        conn.execute(s.incidents.update().where(s.incidents.c.site == "Tower 22").values(n_reports=99))
    engine.dispose()
    assert dump_tables(open_engine(url)) == expected


# --- every stored id comes back -----------------------------------------------------------------------------

def test_the_sources_of_an_incident_link_to_their_stored_text(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    pipeline.ingest_paths([EXAMPLES], url, workers=1)
    client = TestClient(create_app(url))
    detail = client.get(f"/api/incidents/{_tower(url)['id']}").json()
    source = next(src for src in detail["sources"] if src["report_id"] == TOWER.id)
    assert client.get(source["report"]).json()["text"] == TOWER.text  # a .txt report: its id holds "/"
    assert client.get(f"/api/reports/{TOWER.id}").json()["id"] == TOWER.id
