"""Resolution cut into blocks of country and time gives exactly the decisions of one Resolver
(osintrack.partition): random mentions built to hit every rule near block edges, stored incidents,
and the bundled examples. Dask runs the same tasks in tests/test_scale.py."""

from __future__ import annotations

import datetime as dt
import pickle
import random
from collections.abc import Sequence
from typing import Any

import pytest

from osintrack import partition
from osintrack.model import Event
from osintrack.partition import Parts, resolve_in_parts
from osintrack.resolve import Mention, Resolver

# a few places, two of them close across a border, with provinces
SITES = [("Ain al-Asad", 33.80, 42.44, "IQ", "Anbar"), ("Erbil Air Base", 36.24, 43.96, "IQ", "Erbil"),
         ("Harir", 36.54, 44.35, "IQ", "Erbil"), ("Al-Tanf", 33.50, 38.66, "SY", "Homs"),
         ("Conoco", 35.20, 40.30, "SY", "Deir ez-Zor"), ("Green Village", 35.17, 40.40, "SY", "Deir ez-Zor"),
         ("Tower 22", 33.30, 38.70, "JO", "Mafraq"), ("Al-Qaim", 34.37, 41.09, "IQ", "Anbar"),
         ("Al-Bukamal", 34.45, 40.92, "SY", "Deir ez-Zor")]
FIRST_DAY = dt.date(2023, 10, 1).toordinal()


def random_event(rng: random.Random, days: int) -> Event:
    kind = rng.choice(["attack", "attack", "air_strike"])
    day = dt.date.fromordinal(FIRST_DAY + rng.randint(0, days))
    precision = rng.choices(["day", "week", "month", None], [70, 10, 10, 10])[0]
    date = None if precision is None else day.isoformat()[:7] if precision == "month" else day.isoformat()
    name, lat, lon, country, province = rng.choice(SITES)
    place = rng.choices(["site", "town", "region", "country", "no country", "nowhere"], [50, 15, 10, 15, 4, 6])[0]
    near = rng.uniform(-0.3, 0.3)
    if place == "site":
        return Event(kind, date=date, date_precision=precision, country=country, site=name, lat=lat, lon=lon,
                     geo_precision="site", admin1=province if rng.random() < 0.5 else None)
    if place == "town":
        return Event(kind, date=date, date_precision=precision, country=country, lat=lat + near, lon=lon - near,
                     geo_precision="town")
    if place == "region":
        return Event(kind, date=date, date_precision=precision, country=country, admin1=province,
                     lat=lat if rng.random() < 0.5 else None, lon=lon, geo_precision="region")
    if place == "country":
        return Event(kind, date=date, date_precision=precision, country=country, geo_precision="country")
    if place == "no country":
        return Event(kind, date=date, date_precision=precision, site=name if rng.random() < 0.5 else None,
                     lat=lat + near, lon=lon + near, geo_precision="town")
    return Event(kind, date=date, date_precision=precision)


def random_mentions(seed: int, reports: int, days: int) -> list[Mention]:
    rng = random.Random(seed)
    return [Mention(f"r{seed}-{r}#{i}", f"r{seed}-{r}", random_event(rng, days))
            for r in range(reports) for i in range(rng.choice([1, 1, 1, 2, 3]))]


def serial(mentions: list[Mention], known: Sequence[tuple[str, list[Mention]]] = ()) -> list[Any]:
    resolver = Resolver(known)
    return [resolver.add(m) for m in mentions]


@pytest.mark.parametrize("seed", range(12))
def test_blocks_give_the_decisions_of_one_resolver(seed: int) -> None:
    # dense (many edges, chains, mentions placed by country only) and sparse (mostly inside blocks)
    mentions = random_mentions(seed, 300, 60 if seed % 3 == 0 else 700)
    parts = Parts()
    assert resolve_in_parts(mentions, parts=parts) == serial(mentions)
    assert parts.fallback is None and parts.blocks > 3
    assert parts.resolved_in_blocks + parts.resolved_in_groups == len(mentions)


@pytest.mark.parametrize("seed", range(100, 106))
def test_blocks_with_stored_incidents_give_the_decisions_of_one_resolver(seed: int) -> None:
    mentions = random_mentions(seed, 400, 500)
    cut = len(mentions) // 3
    first = Resolver()
    first.add_all(mentions[:cut])
    known = list(first.incidents().items())
    assert resolve_in_parts(mentions[cut:], known) == serial(mentions[cut:], known)


def test_the_sparse_case_resolves_most_mentions_inside_blocks() -> None:
    rng = random.Random(7)
    mentions = [Mention(f"r{i}#0", f"r{i}", Event("attack", date=dt.date.fromordinal(FIRST_DAY + rng.randint(0, 900))
                                                  .isoformat(), date_precision="day", country=site[3], site=site[0],
                                                  lat=site[1], lon=site[2], geo_precision="site"))
                for i in range(400) for site in [rng.choice(SITES)]]
    parts = Parts()
    assert resolve_in_parts(mentions, parts=parts) == serial(mentions)
    assert parts.resolved_in_blocks > 0.8 * len(mentions)


def test_repeated_keys_and_colliding_ids_fall_back_to_one_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    mentions = random_mentions(3, 60, 300)
    parts = Parts()
    doubled = [*mentions, mentions[5]]
    assert resolve_in_parts(doubled, parts=parts) == serial(doubled)
    assert parts.fallback == "a mention key repeats"
    # every incident gets one id: the fallback keeps exactly what one resolver does with a collision
    monkeypatch.setattr("osintrack.resolve.incident_id_for", lambda mention: "inc-same")
    parts = Parts()
    assert resolve_in_parts(mentions, parts=parts) == serial(mentions)
    assert parts.fallback == "an incident id was opened twice"


def test_tasks_travel_between_processes() -> None:
    mentions = random_mentions(5, 50, 200)
    captured: list[Any] = []

    def run(func: Any, tasks: list[Any]) -> list[Any]:
        tasks = [pickle.loads(pickle.dumps(t)) for t in tasks]
        results = [pickle.loads(pickle.dumps(func(t))) for t in tasks]
        captured.append(func)
        return results

    assert resolve_in_parts(mentions, run=run) == serial(mentions)
    assert captured == [partition.resolve_block, partition.resolve_group]


def across_an_edge(first: dict[str, Any], second: dict[str, Any]) -> list[Mention]:
    """Two mentions a day apart whose blocks differ: the first's days end in one block, the second's
    start in the next."""
    edge = (FIRST_DAY // partition.BLOCK_DAYS + 3) * partition.BLOCK_DAYS  # the first day of a block
    days = [dt.date.fromordinal(edge).isoformat(), dt.date.fromordinal(edge + 1).isoformat()]
    return [Mention(f"edge-{i}#0", f"edge-{i}", Event("attack", date=day, date_precision="day", **fields))
            for i, (day, fields) in enumerate(zip(days, (first, second), strict=True))]


@pytest.mark.parametrize("first, second", [
    ({"country": "IQ", "site": "Ain al-Asad", "geo_precision": "site"},  # a site name, no coordinates
     {"country": "IQ", "site": "ain al asad", "geo_precision": "site"}),
    ({"country": "IQ", "admin1": "Anbar", "geo_precision": "region"},  # a province name
     {"country": "IQ", "admin1": "Anbar", "lat": 33.4, "lon": 43.3, "geo_precision": "region"}),
    ({"country": "IQ", "geo_precision": "country"},  # a country, and a place in it
     {"country": "IQ", "lat": 33.3, "lon": 44.4, "geo_precision": "town"}),
    ({"lat": 15.0, "lon": 41.5, "geo_precision": "region"},  # coordinates within range
     {"lat": 15.3, "lon": 41.6, "geo_precision": "town"}),
])
def test_each_link_across_a_block_edge(first: dict[str, Any], second: dict[str, Any]) -> None:
    mentions = across_an_edge(first, second)
    expected = serial(mentions)
    assert not expected[1].created, "the second mention joins the first: the case tests a real link"
    for ordered in (mentions, mentions[::-1]):
        parts = Parts()
        assert resolve_in_parts(ordered, parts=parts) == serial(ordered)
        assert parts.blocks == 2 and parts.resolved_in_groups == 2
