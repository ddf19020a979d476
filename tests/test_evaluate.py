"""The scoring rules of FORMAT.md, pinned one by one on invented records (no corpus text here)."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from osintrack import scoring_rules
from osintrack.assignment import match_pairs
from osintrack.errors import InputError
from osintrack.evaluate import (
    bcubed,
    compare,
    diagnose,
    load_jsonl,
    pairwise,
    render,
    render_diagnosis,
    score,
)

KM_PER_DEGREE = 6371.0088 * math.pi / 180  # along the equator


def east(km: float) -> float:
    """Longitude of a point ``km`` east of (0, 0) on the equator."""
    return km / KM_PER_DEGREE


def ev(**fields: Any) -> dict[str, Any]:
    """An invented gold-shaped event at the imaginary Camp Alpha, on 2030-05-10."""
    base: dict[str, Any] = {
        "date": "2030-05-10", "date_precision": "day", "country": "XA", "admin1": "North Province",
        "site": "Camp Alpha", "lat": 0.0, "lon": 0.0, "geo_precision": "site", "event_type": "attack",
        "weapon": "drone", "actor": "Example Brigade", "target": "garrison", "claimed_by": None,
        "confirmed_by": None, "killed": None, "injured": None, "intercepted": None,
        "evidence": "an invented sentence",
    }
    return base | fields


def report(rid: str, events: list[dict[str, Any]] | None = None,
           tallies: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "events": events or [], "tallies": tallies or [], **extra}


def matches(gold_event: dict[str, Any], pred_event: dict[str, Any]) -> bool:
    result = score([report("r", [gold_event])], [report("r", [pred_event])])
    return bool(result["events"]["tp"] == 1)


# --- matching rules -----------------------------------------------------------------------------


def test_type_must_agree() -> None:
    assert matches(ev(), ev())
    assert not matches(ev(), ev(event_type="air_strike"))


@pytest.mark.parametrize("precision", ["site", "town"])
def test_site_and_town_within_20_km(precision: str) -> None:
    gold = ev(geo_precision=precision)
    assert matches(gold, ev(site="Elsewhere", lon=east(19.99)))
    assert not matches(gold, ev(site="Elsewhere", lon=east(21)))


def test_site_same_name_matches_without_coordinates() -> None:
    gold = ev(site="Camp Élan-Nord")
    assert matches(gold, ev(site="camp elan nord", lat=None, lon=None))
    assert not matches(gold, ev(site="Camp Other", lat=None, lon=None))
    assert matches(gold, ev(site="CAMP ÉLAN NORD", lon=east(50)))  # the name alone is enough


def test_region_within_100_km_or_same_admin1() -> None:
    gold = ev(geo_precision="region", site=None)
    assert matches(gold, ev(admin1="Other", lon=east(99)))
    assert not matches(gold, ev(admin1="Other", lon=east(101)))
    assert matches(gold, ev(admin1="north province", lat=None, lon=None))
    assert not matches(gold, ev(admin1=None, lat=None, lon=None))


def test_country_precision_wants_same_country_only() -> None:
    gold = ev(geo_precision="country", site=None, admin1=None)  # coordinates present, yet country rule
    assert matches(gold, ev(site=None, lon=east(900)))
    assert not matches(gold, ev(country="XB"))
    assert matches(ev(geo_precision="country", site=None, lat=None, lon=None), ev(country="xa"))


def test_gold_lacking_what_its_rule_needs_falls_back_to_country() -> None:
    gold = ev(geo_precision="region", site="north of somewhere", admin1=None, lat=None, lon=None)
    assert matches(gold, ev(site=None, admin1=None, lat=None, lon=None))
    assert not matches(gold, ev(country="XB"))


def test_gold_without_place_matches_anywhere() -> None:
    gold = ev(country=None, admin1=None, site=None, lat=None, lon=None, geo_precision=None)
    assert matches(gold, ev(country="XZ", lon=east(3000)))
    assert matches(gold, ev(country=None, site=None, lat=None, lon=None))


@pytest.mark.parametrize(("precision", "inside", "outside"), [("day", "2030-05-11", "2030-05-12"),
                                                               ("day", "2030-05-09", "2030-05-08"),
                                                               ("week", "2030-05-17", "2030-05-18"),
                                                               ("week", "2030-05-03", "2030-05-02")])
def test_day_and_week_windows(precision: str, inside: str, outside: str) -> None:
    gold = ev(date_precision=precision)
    assert matches(gold, ev(date=inside))
    assert not matches(gold, ev(date=outside))


def test_month_precision_wants_same_month() -> None:
    gold = ev(date="2030-05", date_precision="month")
    assert matches(gold, ev(date="2030-05-31"))
    assert matches(gold, ev(date="2030-05", date_precision="month"))
    assert not matches(gold, ev(date="2030-06-01"))
    assert not matches(gold, ev(date=None, date_precision=None))


def test_prediction_without_a_day_never_matches_a_gold_day() -> None:
    for precision in ("day", "week"):
        gold = ev(date_precision=precision)
        assert not matches(gold, ev(date="2030-05", date_precision="month"))
        assert not matches(gold, ev(date_precision="month"))  # a full date, but only the month claimed
        assert not matches(gold, ev(date=None, date_precision=None))


def test_gold_without_date_matches_any_date() -> None:
    gold = ev(date=None, date_precision=None)
    assert matches(gold, ev(date="1999-01-01"))
    assert matches(gold, ev(date=None, date_precision=None))


def test_matching_is_maximum_before_closest() -> None:
    # p0 is compatible with both gold events, p1 only with g0: the only way to match both is g0-p1, g1-p0
    gold = [ev(date="2030-05-10"), ev(date="2030-05-12")]
    pred = [ev(date="2030-05-11"), ev(date="2030-05-09")]
    comparisons, _ = compare([report("r", gold)], [report("r", pred)])
    assert sorted(comparisons[0].event_pairs) == [(0, 1), (1, 0)]


def test_closest_pairs_preferred() -> None:
    gold = [ev(site="Camp West", lon=0.0, killed=1), ev(site="Camp East", lon=east(10), killed=2)]
    pred = [ev(site="Post A", lon=east(9), killed=2), ev(site="Post B", lon=east(1), killed=1)]
    comparisons, _ = compare([report("r", gold)], [report("r", pred)])
    assert sorted(comparisons[0].event_pairs) == [(0, 1), (1, 0)]
    result = score([report("r", gold)], [report("r", pred)])
    assert result["fields"]["killed"] == {"n": 2, "correct": 2, "accuracy": 1.0}


def test_closeness_outweighs_field_agreement() -> None:
    gold = [ev(site="Camp West", lon=0.0, killed=1), ev(site="Camp East", lon=east(10), killed=2)]
    pred = [ev(site="Post A", lon=east(1), killed=2), ev(site="Post B", lon=east(9), killed=1)]
    comparisons, _ = compare([report("r", gold)], [report("r", pred)])
    assert sorted(comparisons[0].event_pairs) == [(0, 0), (1, 1)]


def test_closer_date_preferred() -> None:
    gold = [ev(date="2030-05-10", injured=3), ev(date="2030-05-11", injured=4)]
    pred = [ev(date="2030-05-11", injured=4), ev(date="2030-05-10", injured=3)]
    comparisons, _ = compare([report("r", gold)], [report("r", pred)])
    assert sorted(comparisons[0].event_pairs) == [(0, 1), (1, 0)]


def test_one_to_one() -> None:
    result = score([report("r", [ev()])], [report("r", [ev(), ev()])])
    assert result["events"] | {} == {"n_gold": 1, "n_pred": 2, "tp": 1, "precision": 0.5, "recall": 1.0,
                                     "f1": pytest.approx(2 / 3)}


def test_match_pairs_is_maximum_then_cheapest() -> None:
    rng = random.Random(7)
    for _ in range(400):
        rows, cols = rng.randint(1, 4), rng.randint(1, 4)
        costs = [[rng.choice([0.0, 0.5, 1.0, 2.5, None, None]) for _ in range(cols)] for _ in range(rows)]
        got = match_pairs(costs)
        assert len({j for _, j in got}) == len(got) == len({i for i, _ in got})
        assert (len(got), sum(costs[i][j] or 0.0 for i, j in got)) == pytest.approx(_best(costs))


def _best(costs: list[list[float | None]]) -> tuple[int, float]:
    """Brute force: the most pairs, then the least cost."""
    best = (0, 0.0)
    cols = range(len(costs[0]))
    for perm in itertools.permutations([*cols, *([None] * len(costs))], len(costs)):
        pairs = [(i, j) for i, j in enumerate(perm) if j is not None and costs[i][j] is not None]
        if len({j for _, j in pairs}) < len(pairs):
            continue
        total = sum(costs[i][j] or 0.0 for i, j in pairs)
        if len(pairs) > best[0] or (len(pairs) == best[0] and total < best[1]):
            best = (len(pairs), total)
    return best


# --- sets and languages -------------------------------------------------------------------------


def test_micro_average_and_language_split() -> None:
    gold = [report("a", [ev(), ev(event_type="air_strike")]), report("b", [ev()]), report("c", [ev()])]
    pred = [report("a", [ev()]), report("b", [ev(), ev(country="XB", site=None, lat=None, lon=None)],
                                        lang="zz"),
            report("c", [ev()])]
    articles = [{"id": "a", "lang": "xx"}, {"id": "b", "lang": "yy"}]
    result = score(gold, pred, articles)
    assert result["events"] | {} == {"n_gold": 4, "n_pred": 4, "tp": 3, "precision": 0.75, "recall": 0.75,
                                     "f1": 0.75}
    by_lang = result["events_by_language"]
    assert set(by_lang) == {"xx", "yy", "unknown"}
    assert (by_lang["xx"]["tp"], by_lang["xx"]["recall"]) == (1, 0.5)
    assert (by_lang["yy"]["tp"], by_lang["yy"]["precision"]) == (1, 0.5)
    assert score(gold, pred)["events_by_language"].keys() == {"unknown", "zz"}  # pred lang without articles


def test_missing_and_unknown_reports() -> None:
    gold = [report("a", [ev()]), report("b", [ev()])]
    result = score(gold, [report("a", [ev()]), report("stray", [ev()])])
    assert result["reports"] == {"gold": 2, "pred": 2, "missing_pred": 1, "unknown_pred": 1,
                                 "optional_gold_events": 0, "excused_pred_events": 0}
    assert (result["events"]["n_pred"], result["events"]["recall"]) == (1, 0.5)
    assert "stray" in result["warnings"][0]


def test_nothing_gold_nothing_predicted_is_perfect() -> None:
    assert score([report("quiet")], [report("quiet")])["events"]["f1"] == 1.0
    assert score([report("quiet")], [report("quiet", [ev()])])["events"]["precision"] == 0.0


# --- field accuracy -----------------------------------------------------------------------------


def fields_of(gold_event: dict[str, Any], pred_event: dict[str, Any]) -> dict[str, bool]:
    result = score([report("r", [gold_event])], [report("r", [pred_event])])
    assert result["events"]["tp"] == 1
    return {name: row["correct"] == 1 for name, row in result["fields"].items() if row["n"]}


def test_date_field() -> None:
    assert fields_of(ev(), ev())["date"]
    assert not fields_of(ev(), ev(date="2030-05-11"))["date"]  # matched (within a day) yet not exact
    assert fields_of(ev(date_precision="week"), ev(date="2030-05-13"))["date"]
    assert not fields_of(ev(date_precision="week"), ev(date="2030-05-14"))["date"]
    assert fields_of(ev(date="2030-05", date_precision="month"), ev(date="2030-05-20"))["date"]
    assert fields_of(ev(date=None, date_precision=None), ev(date=None, date_precision=None))["date"]
    assert not fields_of(ev(date=None, date_precision=None), ev())["date"]  # null gold wants null


def test_place_field_within_10_km_or_same_site() -> None:
    assert fields_of(ev(), ev(site="Nearby", lon=east(9.9)))["place"]
    assert not fields_of(ev(), ev(site="Nearby", lon=east(11)))["place"]
    assert fields_of(ev(), ev(lat=None, lon=None))["place"]


def test_place_field_at_country_precision_wants_the_same_country() -> None:
    gold = ev(geo_precision="country", site=None, admin1=None, lat=None, lon=None)
    assert fields_of(gold, ev(site="Anywhere", lon=east(400)))["place"]  # counted, and right by country alone
    assert not scoring_rules.place_correct(gold, ev(country="XB"))
    assert "place" not in fields_of(ev(geo_precision=None, country=None, admin1=None, site=None, lat=None,
                                          lon=None), ev())


def test_place_field_at_region_precision_also_right_with_the_same_admin1() -> None:
    gold = ev(geo_precision="region", site=None)
    assert fields_of(gold, ev(site="Town in it", lon=east(60)))["place"]  # admin1 agrees
    assert not fields_of(gold, ev(site="Town in it", admin1="Other", lon=east(60)))["place"]
    assert fields_of(gold, ev(admin1="Other", lon=east(9)))["place"]


def test_intercepted_false_and_null_are_one_answer() -> None:
    assert fields_of(ev(intercepted=False), ev(intercepted=None))["intercepted"]
    assert fields_of(ev(intercepted=False), ev(intercepted=False))["intercepted"]
    assert not fields_of(ev(intercepted=False), ev(intercepted=True))["intercepted"]
    assert not fields_of(ev(intercepted=True), ev(intercepted=None))["intercepted"]
    assert "intercepted" not in fields_of(ev(intercepted=None), ev(intercepted=True))


def test_claimed_by_counted_on_every_pair() -> None:
    assert fields_of(ev(), ev())["claimed_by"]  # both empty: right
    assert not fields_of(ev(), ev(claimed_by="Example Brigade"))["claimed_by"]
    assert not fields_of(ev(claimed_by="Example Brigade"), ev())["claimed_by"]
    assert fields_of(ev(claimed_by="Kata'ib Example"), ev(claimed_by="KATAIB  example"))["claimed_by"]


def test_actor_counted_where_gold_has_one() -> None:
    assert "actor" not in fields_of(ev(actor=None), ev())
    assert fields_of(ev(actor="Example Brigade"), ev(actor="example brigade"))["actor"]
    assert not fields_of(ev(), ev(actor=None))["actor"]


def test_actor_aliases_use_the_actor_table() -> None:
    # FORMAT.md: aliases and the many "Iran-backed" wordings count as one actor
    assert fields_of(ev(actor="Kata'ib Hezbollah"), ev(actor="Kataib Hezbollah"))["actor"]
    assert fields_of(ev(actor="Iran-backed militants"), ev(actor="Iran-aligned militia groups"))["actor"]
    assert not fields_of(ev(actor="Iran-backed militants"), ev(actor="Kataib Hezbollah"))["actor"]


def test_weapon_and_numbers() -> None:
    assert fields_of(ev(weapon="unknown"), ev(weapon=None))["weapon"]  # an absent weapon is unknown
    assert not fields_of(ev(), ev(weapon="rocket"))["weapon"]
    checks = fields_of(ev(killed=0, injured=2), ev(killed=None, injured=2))
    assert (checks["killed"], checks["injured"]) == (False, True)
    assert not fields_of(ev(killed=1), ev(killed=True))["killed"]  # True is no number
    assert "killed" not in fields_of(ev(), ev(killed=3))


# --- tallies ------------------------------------------------------------------------------------


def tally(**fields: Any) -> dict[str, Any]:
    base = {"metric": "attacks", "count": 12, "breakdown": {"XA": 5, "XB": 7}, "since": "2030-01-01",
            "as_of": "2030-02-01", "reported_by": "an invented ministry", "evidence": "invented"}
    return base | fields


def test_tallies_match_on_metric_and_count() -> None:
    gold = [report("r", tallies=[tally(), tally(metric="injured", count=4, breakdown=None, since=None)])]
    pred = [report("r", tallies=[tally(since="2030-01-02", breakdown={"xa": 5, "XB": 7}),
                                 tally(metric="injured", count=5), tally(metric="killed", count=4)])]
    result = score(gold, pred)
    assert (result["tallies"]["tp"], result["tallies"]["n_pred"], result["tallies"]["n_gold"]) == (1, 3, 2)
    assert result["tally_fields"]["since"] == {"n": 1, "correct": 0, "accuracy": 0.0}
    assert result["tally_fields"]["breakdown"] == {"n": 1, "correct": 1, "accuracy": 1.0}
    assert result["tally_fields"]["as_of"]["accuracy"] == 1.0


def test_a_tally_count_may_equal_the_sum_of_its_breakdown() -> None:
    gold = [report("r", tallies=[tally(count=70, breakdown={"XA": 32, "XB": 34})])]
    assert score(gold, [report("r", tallies=[tally(count=66)])])["tallies"]["tp"] == 1
    assert score(gold, [report("r", tallies=[tally(count=70)])])["tallies"]["tp"] == 1
    assert score(gold, [report("r", tallies=[tally(count=68)])])["tallies"]["tp"] == 0
    no_breakdown = [report("r", tallies=[tally(count=70, breakdown=None)])]
    assert score(no_breakdown, [report("r", tallies=[tally(count=66)])])["tallies"]["tp"] == 0


def test_tally_pairs_prefer_agreeing_fields() -> None:
    gold = [report("r", tallies=[tally(as_of="2030-02-01"), tally(as_of="2030-03-01")])]
    pred = [report("r", tallies=[tally(as_of="2030-03-01"), tally(as_of="2030-02-01")])]
    assert score(gold, pred)["tally_fields"]["as_of"]["accuracy"] == 1.0


# --- incidents ----------------------------------------------------------------------------------


def test_bcubed_and_pairwise_by_hand() -> None:
    # gold {a b c} {d e}; predicted {a b} {c d} {e}
    gold_ids, pred_ids = ["1", "1", "1", "2", "2"], ["x", "x", "y", "y", "z"]
    b = bcubed(gold_ids, pred_ids)
    assert (b["precision"], b["recall"], b["f1"]) == pytest.approx((4 / 5, 8 / 15, 0.64))
    p = pairwise(gold_ids, pred_ids)  # gold pairs ab ac bc de; predicted ab cd
    assert (p["n_gold_pairs"], p["n_pred_pairs"], p["tp"]) == (4, 2, 1)
    assert (p["precision"], p["recall"], p["f1"]) == pytest.approx((1 / 2, 1 / 4, 1 / 3))


def test_incidents_across_reports() -> None:
    # gold: a, b, c are one incident at Camp Alpha (b by name, c 20 km off); d, e one at Camp Beta
    beta = {"site": "Camp Beta", "lat": 1.0, "lon": 1.0}
    outskirts = {"site": "Alpha outskirts", "lon": east(20)}
    gold_events = [ev(), ev(lat=None, lon=None), ev(**outskirts), ev(**beta), ev(**beta)]
    pred_events = [ev(incident="x"), ev(lat=None, lon=None, incident="x"), ev(**outskirts, incident="y"),
                   ev(**beta, incident="y"), ev(**beta)]
    gold = [report(f"r{i}", [e]) for i, e in enumerate(gold_events)]
    pred = [report(f"r{i}", [e]) for i, e in enumerate(pred_events)]
    incidents = score(gold, pred)["incidents"]
    assert incidents["n_events"] == 5
    assert (incidents["bcubed"]["precision"], incidents["bcubed"]["f1"]) == pytest.approx((0.8, 0.64))
    assert incidents["pairwise"]["f1"] == pytest.approx(1 / 3)


def test_incident_grouping_rules() -> None:
    events = [ev(), ev(site="Other", lon=east(24.9)), ev(site="Far", lon=east(60)), ev(date="2030-05-11"),
              ev(event_type="air_strike"), ev(date_precision="week"), ev(site=None)]
    clusters = scoring_rules.incident_clusters(events)
    assert clusters[0] == clusters[1]
    assert len({clusters[0], clusters[2], clusters[3], clusters[4]}) == 4
    assert clusters[5:] == [None, None]  # no known day / no named place: not grouped


def test_incidents_only_when_predicted() -> None:
    assert "incidents" not in score([report("r", [ev()])], [report("r", [ev()])])


# --- predict gold, predict nothing --------------------------------------------------------------


def invented_set() -> list[dict[str, Any]]:
    return [
        report("r1", [ev(claimed_by="Example Brigade", killed=2), ev(date="2030-05", date_precision="month",
                                                                     site="Camp Beta", lat=1.0, lon=1.0)],
               [tally(), tally(metric="injured", count=3, breakdown=None)]),
        report("r2", [ev(date=None, date_precision=None, geo_precision="country", site=None, lat=None,
                         lon=None, intercepted=True)]),
        report("r3"),
    ]


def all_rates(result: dict[str, Any]) -> list[float | None]:
    rates = [row[k] for row in [result["events"], result["tallies"], *result["events_by_language"].values()]
             for k in ("precision", "recall", "f1")]
    rates += [row["accuracy"] for row in [*result["fields"].values(), *result["tally_fields"].values()]
              if row["n"]]
    return rates


def test_predict_gold_is_perfect() -> None:
    gold = invented_set()
    result = score(gold, gold, [{"id": "r1", "lang": "xx"}])
    assert all(rate == 1.0 for rate in all_rates(result))
    assert diagnose(gold, gold) == []
    with_incidents = [report(r["id"], [e | {"incident": f"{r['id']}-{i}"} for i, e in enumerate(r["events"])],
                             r["tallies"]) for r in gold]
    incidents = score(gold, with_incidents)["incidents"]
    assert incidents["bcubed"]["f1"] == incidents["pairwise"]["f1"] == 1.0


def test_predict_nothing() -> None:
    result = score(invented_set(), [])
    assert result["events"]["f1"] == result["tallies"]["f1"] == 0.0
    assert all(row["accuracy"] is None for row in result["fields"].values())
    assert "Events" in render(result)


def test_diagnose_lists_missed_spurious_and_wrong() -> None:
    gold = [report("r", [ev(), ev(event_type="air_strike", evidence="an invented strike")])]
    long_evidence = {"text": "x" * 200, "start": 0, "end": 200}
    pred = [report("r", [ev(killed=1, weapon="rocket"),
                         ev(country="XB", site="Camp Gamma", lat=5.0, evidence=long_evidence)])]
    (entry,) = diagnose(gold, pred)
    assert [e["event_type"] for e in entry["missed"]] == ["air_strike"]
    (spurious,) = entry["spurious"]
    assert spurious["place"].startswith("Camp Gamma") and spurious["evidence"].endswith("...")
    assert entry["wrong_fields"] == [{"gold": 0, "pred": 0,
                                      "fields": {"weapon": {"gold": "drone", "pred": "rocket"}}}]
    text = render_diagnosis([entry])
    assert "missed" in text and "spurious" in text and "an invented strike" in text


# --- reading and the command --------------------------------------------------------------------


def write_lines(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_load_jsonl_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "events": []}\n\n{"id": "b", "events": [\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:3: not valid JSON"):
        load_jsonl(bad)
    write_lines(bad, [report("a"), report("a")])
    with pytest.raises(InputError, match=r"bad\.jsonl:2: duplicate id 'a'"):
        load_jsonl(bad)
    write_lines(bad, [report("a", [ev(date="2030-13-01")])])
    with pytest.raises(InputError, match=r"bad\.jsonl:1: event 1 of report 'a': 'date' must be"):
        load_jsonl(bad)
    write_lines(bad, [{"events": []}])
    with pytest.raises(InputError, match=r"bad\.jsonl:1: record has no string 'id'"):
        load_jsonl(bad)
    with pytest.raises(InputError, match=r"missing\.jsonl: cannot read"):
        load_jsonl(tmp_path / "missing.jsonl")


def test_cli_json_and_errors(tmp_path: Path) -> None:
    from osintrack.cli import main

    gold = write_lines(tmp_path / "gold.jsonl", invented_set())
    pred = write_lines(tmp_path / "pred.jsonl", [report("r1", [ev()])])
    articles = write_lines(tmp_path / "articles.jsonl", [{"id": "r1", "lang": "xx", "text": "invented"}])
    runner = CliRunner()
    result = runner.invoke(main, ["evaluate", "--gold", str(gold), "--pred", str(pred), "--articles",
                                  str(articles), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["events"]["tp"] == 1 and "xx" in scores["events_by_language"]
    result = runner.invoke(main, ["evaluate", "--gold", str(gold), "--pred", str(pred), "--errors"])
    assert result.exit_code == 0, result.output
    assert "Events" in result.output and "missed" in result.output


def test_cli_bad_file_names_file_and_line(tmp_path: Path) -> None:
    from osintrack.cli import main

    gold = write_lines(tmp_path / "gold.jsonl", invented_set())
    pred = tmp_path / "pred.jsonl"
    pred.write_text('{"id": "r1"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "--gold", str(gold), "--pred", str(pred)])
    assert result.exit_code != 0
    assert f"{pred}:2" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, InputError)  # became a ClickException


# --- optional background events -------------------------------------------------------------------


BACKGROUND = {"date": None, "date_precision": None}


def test_an_undated_gold_event_of_a_dated_report_is_optional() -> None:
    gold = [report("r", [ev(), ev(site="Camp Beta", lon=east(300), **BACKGROUND)])]
    articles = [{"id": "r", "lang": "xx", "published": "2030-05-12"}]
    left_out = score(gold, [report("r", [ev()])], articles)["events"]
    assert (left_out["n_gold"], left_out["n_pred"], left_out["tp"], left_out["f1"]) == (1, 1, 1, 1.0)
    both = score(gold, [report("r", [ev(), ev(site="Camp Beta", lon=east(300))])], articles)
    assert (both["events"]["n_pred"], both["events"]["tp"], both["events"]["f1"]) == (1, 1, 1.0)
    assert both["reports"]["excused_pred_events"] == 1
    assert diagnose(gold, [report("r", [ev()])], articles) == []


def test_an_undated_gold_event_is_required_without_a_publication_date() -> None:
    gold = [report("r", [ev(**BACKGROUND)])]
    undated = score(gold, [report("r")], [{"id": "r", "lang": "xx", "published": None}])["events"]
    assert (undated["n_gold"], undated["tp"]) == (1, 0)
    without_articles = score(gold, [report("r")])
    assert without_articles["events"]["n_gold"] == 1
    assert any("null date" in w for w in without_articles["warnings"])


def test_a_prediction_goes_to_a_counted_gold_event_before_an_optional_one() -> None:
    # the prediction is compatible with both; the optional one must not take it from the counted one
    gold = [report("r", [ev(site=None, lon=east(5), **BACKGROUND), ev()])]
    result = score(gold, [report("r", [ev()])], [{"id": "r", "lang": "xx", "published": "2030-05-12"}])
    assert (result["events"]["tp"], result["events"]["n_gold"], result["events"]["n_pred"]) == (1, 1, 1)

