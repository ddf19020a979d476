"""The extraction engine on reports written for these tests: golden cases, evidence spans, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from golden_io import load_cases

from osintrack.extract import extract_report
from osintrack.model import Extraction, Report

GOLDEN = Path(__file__).parent / "golden" / "extract" / "cases.yaml"
EVENT_FIELDS = ("event_type", "date", "date_precision", "country", "site", "geo_precision", "weapon", "actor",
                "claimed_by", "killed", "injured", "intercepted")
TALLY_FIELDS = ("metric", "count", "qualifier", "breakdown", "since", "as_of")
CASES = load_cases(GOLDEN)


def run(case: dict[str, Any]) -> Extraction:
    return extract_report(Report(id=case["name"], text=case["text"], published=case.get("published"),
                                 lang=case.get("lang")))


def summary(extraction: Extraction) -> dict[str, Any]:
    return {"events": [{k: e.to_json()[k] for k in EVENT_FIELDS} for e in extraction.events],
            "tallies": [{k: t.to_json()[k] for k in TALLY_FIELDS} for t in extraction.tallies]}


def test_golden_cases(update_golden: bool) -> None:
    if update_golden:
        header = GOLDEN.read_text(encoding="utf-8").split("\n- name:")[0]
        import yaml

        for case in CASES:
            case["expect"] = summary(run(case))
        GOLDEN.write_text(header.rstrip("\n") + "\n" + yaml.safe_dump(
            CASES, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
        return
    wrong = [f"{case['name']}:\n  expected {case.get('expect')}\n  got      {summary(run(case))}"
             for case in CASES if summary(run(case)) != case.get("expect")]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_every_evidence_span_is_cut_from_the_original_text(case: dict[str, Any]) -> None:
    extraction = run(case)
    for record in (*extraction.events, *extraction.tallies):
        spans = [record.evidence, *record.field_evidence.values()]
        for span in spans:
            assert span is not None
            assert case["text"][span.start:span.end] == span.text


def test_json_round_trip_is_lossless() -> None:
    for case in CASES:
        extraction = run(case)
        assert Extraction.from_json(extraction.to_json()) == extraction


def test_reports_about_no_incident_come_out_empty() -> None:
    quiet = [c for c in CASES if c["name"] in ("a threat is no event", "a parliamentary vote is no event",
                                                 "another war's toll is not coded")]
    assert len(quiet) == 3
    for case in quiet:
        assert run(case).events == () and run(case).tallies == ()


def test_offsets_survive_removed_characters() -> None:
    # tashkeel and tatweel vanish from the matching form but evidence must still index the original
    text = "أعلنت المقاومةُ الإسلاميـة في العراق استهدافَ قاعدة عين الأسد بطائرة مسيّرة يوم السبت."
    extraction = extract_report(Report("tashkeel", text, "2023-10-22", "ar"))
    assert [e.site for e in extraction.events] == ["Ain al-Asad Air Base"]
    event = extraction.events[0]
    for span in (event.evidence, *event.field_evidence.values()):
        assert span is not None and text[span.start:span.end] == span.text
    assert event.field_evidence["site"].text == "قاعدة عين الأسد"


@pytest.mark.parametrize("text, confirmer", [
    ("Militants fired three rockets at Ain al-Asad air base in Iraq on Tuesday, the Pentagon said.", "Pentagon"),
    ("Drones attacked the Tanf garrison in Syria on Monday, CENTCOM said in a statement.", "CENTCOM"),
])
def test_the_confirmer_is_who_speaks_not_where(text: str, confirmer: str) -> None:
    """A country named as the place ('in Iraq') is not the source of the statement beside it."""
    events = extract_report(Report(id="c", text=text, published="2023-11-22", lang="en")).events
    assert [e.confirmed_by for e in events] == [confirmer]


def test_a_group_that_says_it_attacked_claims_the_attacks_the_report_tells() -> None:
    """'X said its fighters attacked ...' is a claim even without the word, for attacks told later."""
    text = ("The Islamic Resistance in Iraq said on Sunday that its fighters had attacked several US bases. "
            "Drones struck Ain al-Asad air base in western Iraq on Saturday, a US official said.")
    events = extract_report(Report(id="s", text=text, published="2024-01-08", lang="en")).events
    assert [(e.site, e.actor, e.claimed_by) for e in events] == [
        ("Ain al-Asad Air Base", "Islamic Resistance in Iraq", "Islamic Resistance in Iraq")]


def test_a_claim_that_tells_no_attack_covers_the_attacks_told_before_it() -> None:
    """'... claimed responsibility for the incident' looks back: the attack told after it is not claimed."""
    text = ("Drones attacked the US base at the al-Omar oil field in eastern Syria on Tuesday. "
            "Rockets also hit the US base at al-Shaddadi in Hasakah province. "
            "The Islamic Resistance in Iraq claimed responsibility for the incident. "
            "On Monday morning, the US base at the Conoco gas field in Deir ez-Zor was attacked with a drone.")
    events = extract_report(Report("claim-back", text, "2023-10-24", "en")).events
    group = "Islamic Resistance in Iraq"
    assert [(e.site, e.actor, e.claimed_by) for e in events] == [
        ("Al-Omar oil field", group, group), ("Al-Shaddadi", group, group), ("Conoco gas field", group, None)]


def test_a_group_quoted_without_an_attack_claims_nothing() -> None:
    text = ("The Islamic Resistance in Iraq said it would go on with its campaign. "
            "Drones struck Ain al-Asad air base in western Iraq on Saturday, a US official said.")
    events = extract_report(Report(id="q", text=text, published="2024-01-08", lang="en")).events
    assert [(e.site, e.claimed_by) for e in events] == [("Ain al-Asad Air Base", None)]


def test_crawl_header_keywords_name_the_attack_the_body_tells() -> None:
    """A crawl header's keywords ('Tower 22') and the body's coarser, dated account ('a base in
    north-eastern Jordan on Sunday') are one event, placed at the named site."""
    text = (" date 2024-01-29 Jordan drone attack Tower 22\n"
            "A drone attack on a small base in north-eastern Jordan killed three US soldiers on Sunday. "
            "The outpost, known as Tower 22, lies near the Syrian border.")
    events = extract_report(Report(id="h", text=text, published="2024-01-29", lang="en")).events
    assert [(e.site, e.date, e.weapon) for e in events] == [("Tower 22", "2024-01-28", "drone")]
    evidence = events[0].evidence
    assert evidence is not None and evidence.start > text.index("\n")  # the body's words, not the header's


def test_an_unknown_spelling_beside_a_facility_word_is_looked_up() -> None:
    """'the base of Kherab al Jir': no alias spells it so, but the words beside a facility word are
    looked up by spelling keys (Gazetteer.fuzzy) and name the airfield."""
    text = "Rockets struck the base of Kherab al Jir in north-eastern Syria on Monday, a monitor said."
    events = extract_report(Report(id="f", text=text, published="2023-11-14", lang="en")).events
    assert [(e.site, e.date) for e in events] == [("Rmeilan Landing Zone", "2023-11-13")]  # alias Kharab al-Jir
    assert events[0].field_evidence["site"].text == "Kherab al Jir"


def test_a_crawl_header_is_evidence_only_where_the_body_says_nothing() -> None:
    """The header's keywords name the attack; every span comes from the body that tells it."""
    text = (" date 2023-10-20 Ain al-Asad drone attack\n"
            "Two drones struck Ain al-Asad air base in western Iraq on Thursday, a US official said.")
    event, = extract_report(Report(id="k", text=text, published="2023-10-20", lang="en")).events
    body = text.index("\n")
    assert event.evidence is not None and event.evidence.start > body
    assert all(span.start > body for span in event.field_evidence.values()), event.field_evidence


def test_a_count_naming_no_place_is_read_as_such() -> None:
    """The count sentence borrows the base named before it (a candidate at the base on Tuesday): its
    features say that no place of its own backs it and that it counts attacks since a day."""
    from osintrack.extract.candidates import event_candidates, mentions
    from osintrack.extract.document import read_doc
    from osintrack.extract.features import candidate_features

    text = ("Two rockets struck Ain al-Asad air base in western Iraq on Thursday night, a US official said. "
            "US forces have been attacked 66 times since 17 October, a Pentagon spokeswoman said on Tuesday.")
    doc = read_doc(Report("count", text, "2023-11-24", "en"))
    candidates = event_candidates(mentions(doc))
    borrowed = [c for c in candidates if all(m.site_source != "text" for m, _ in c.support)]
    told = [c for c in candidates if c not in borrowed]
    assert borrowed and told
    assert all({"unplaced&since", "unplaced&counted"} <= candidate_features(doc, c, candidates) for c in borrowed)
    assert not any(f.startswith("unplaced&") for c in told for f in candidate_features(doc, c, candidates))


def test_type_features_place_an_official_source_beside_the_trigger() -> None:
    """'killed in a drone strike in Baghdad on the orders of the US president': the president is an
    official source, read on its side of the trigger like a state or an armed group."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc
    from osintrack.extract.features import type_features

    text = "A militia commander was killed in a drone strike in Baghdad on Friday, on the orders of the US president."
    doc = read_doc(Report("orders", text, "2024-01-06", "en"))
    found = [m for m in mentions(doc) if m.site is not None and m.site.name == "Baghdad"]
    assert found
    assert any(f.startswith("official_after:") for f in type_features(doc, found[0]))


def test_the_cause_of_a_retaliation_keeps_its_day_and_its_toll() -> None:
    """'struck ... on Friday in retaliation for the drone attack on Sunday that killed three': the
    strikes' places get Friday and no toll; the attack's place gets Sunday and the three dead."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc

    text = ("US bombers struck dozens of militia targets in Iraq and Syria late on Friday in retaliation for "
            "the drone attack on Sunday that killed three US soldiers at a base in Jordan.")
    doc = read_doc(Report("cause", text, "2024-02-03", "en"))
    by_place = {m.site.name: m for m in mentions(doc) if m.site is not None}
    for struck in ("Iraq", "Syria"):
        m = by_place[struck]
        assert {o.value for o in m.dates if o.source == "sentence"} == {"2024-02-02"}
        assert m.facts.killed is None
    jordan = by_place["Jordan"]
    assert "2024-01-28" in {o.value for o in jordan.dates}
    assert jordan.facts.killed == 3


def test_a_place_listed_beside_an_event_taken_is_an_event_too() -> None:
    """'drones struck the bases at al-Shaddadi, al-Tanf and Rukban': one verb, an incident at each place.
    A list member whose own probability is under the threshold (but over half of it) is taken beside
    the member taken; a place reading as weakly outside the list is not."""
    from osintrack.extract.candidates import event_candidates, mentions
    from osintrack.extract.classifier import shipped_models
    from osintrack.extract.decide import select
    from osintrack.extract.document import read_doc

    text = ("On Sunday, drones struck the US bases at al-Shaddadi, al-Tanf and Rukban, the group said. "
            "Later on Sunday a rocket fell near Erbil.")
    doc = read_doc(Report("list", text, "2024-01-23", "en"))
    candidates = [c for c in event_candidates(mentions(doc)) if c.date.value == "2024-01-21"]
    names = [c.site.name for c in candidates]
    assert {"Al-Tanf Garrison", "Erbil"} <= set(names), names
    strong = names.index("Al-Tanf Garrison")
    probabilities = [0.9 if k == strong else 0.25 for k in range(len(candidates))]
    taken = {d.site.name for d in select(doc, candidates, probabilities, shipped_models(), 0.4)}
    assert "Al-Tanf Garrison" in taken and "Erbil" not in taken
    assert len(taken & {"Al-Shaddadi", "Al-Shaddadi base", "Rukban"}) == 2, taken


@pytest.mark.parametrize(("text", "killed", "injured"), [
    ("No one was injured when the rocket hit the base.", None, 0),
    ("The guards escaped unhurt after the rocket attack on the base.", None, 0),
    ("Three soldiers died in the attack on the base; nobody else was hurt.", 3, 0),
    ("The drone hit the base and nobody was killed.", 0, None),
    ("Two guards were wounded in the attack on the base, but no one was killed.", 0, 2),
    ("The rocket attack on the base caused no casualties.", 0, 0),
])
def test_no_injuries_zeroes_the_injured_and_no_deaths_the_killed(text: str, killed: int | None,
                                                               injured: int | None) -> None:
    """The corpus's rule: 'no casualties' gives 0 killed and 0 injured, 'no one was injured' (or 'unhurt')
    0 injured only, 'nobody was killed' 0 killed only: each where the sentence gives that field no number."""
    from osintrack.extract.candidates import casualties
    from osintrack.extract.document import read_doc

    doc = read_doc(Report("none", text, "2024-01-06", "en"))
    (s,) = doc.sentences
    found = {name: value for name, _, value in casualties(doc, s)}
    assert (found.get("killed"), found.get("injured")) == (killed, injured)
    assert casualties(doc, s) is casualties(doc, s)  # read once per sentence: every trigger and draft asks


def test_an_event_told_with_no_injuries_keeps_its_killed_unknown() -> None:
    """'No one was injured' in a sentence of its own: the event gets 0 injured and no killed figure."""
    text = ("Two rockets struck the Ain al-Asad air base in western Iraq on Monday, officials said. "
            "No one was injured.")
    events = extract_report(Report("uninjured", text, "2024-01-16", "en")).events
    assert events
    assert all((e.killed, e.injured) == (None, 0) for e in events)


def test_a_day_named_in_another_paragraph_does_not_date_the_next_one() -> None:
    """A photo caption's day ('... during a protest in Baghdad, December 31, 2019') ends its paragraph;
    an undated sentence of the next paragraph takes the publication week, not that day. Within one
    paragraph the day named just before still carries."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc

    caption = "A man holds a flag during a protest in Baghdad, Iraq December 31, 2019."
    attack = "Drones also attacked US troops at the Ain al-Asad air base, the official said."
    for between, expected in (("\n\n", {"2023-11-17"}), (" ", {"2019-12-31"})):
        doc = read_doc(Report("caption", caption + between + attack, "2023-11-17", "en"))
        found = [m for m in mentions(doc) if m.site is not None and m.site.name == "Ain al-Asad Air Base"]
        assert found
        assert {o.value for m in found for o in m.dates} == expected


def test_the_actors_of_a_retaliation_did_not_act_in_its_cause() -> None:
    """'The US struck militias in Iraq in retaliation for the drone attack on a base in Jordan': the
    attack in Jordan is read as the cause, without the state and group of the main clause beside it."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc
    from osintrack.extract.features import type_features

    text = ("The United States struck Kataib Hezbollah in Iraq on Friday in retaliation for the drone attack "
            "that killed three soldiers at a base in Jordan.")
    doc = read_doc(Report("cause-type", text, "2024-02-03", "en"))
    by_place = {m.site.name: type_features(doc, m) for m in mentions(doc) if m.site is not None}
    assert "trigger_in_cause" in by_place["Jordan"]
    assert not any(f.startswith(("state_before", "group_before")) for f in by_place["Jordan"])
    assert "trigger_in_cause" not in by_place["Iraq"]


def test_a_sentence_ends_at_a_stop_but_not_inside_an_acronym() -> None:
    """'EE.UU.' and 'U.K.' hold periods that end no sentence; a stop with no space after it ('Irak.Sebelum',
    as scraped pages glue paragraphs) still does."""
    from osintrack.extract.document import read_doc

    text = "Tres militares murieron en el ataque contra la base de EE.UU. en Jordania. Dijo el U.K. ayer.Irak.Luego"
    doc = read_doc(Report("acronym", text, "2024-02-01", "es"))
    assert [doc.evidence(s.start, s.end).text for s in doc.sentences] == [
        "Tres militares murieron en el ataque contra la base de EE.UU. en Jordania", "Dijo el U.K. ayer",
        "Irak", "Luego"]


@pytest.mark.parametrize(("lang", "text", "killed", "injured"), [
    ("en", "The attack killed three soldiers and wounded 12 others.", 3, 12),
    ("pt", "A incursão contra a base matou pelo menos três militares e feriu outros 12.", 3, 12),
    ("en", "Three soldiers were killed and 12 wounded.", 3, 12),
    ("en", "The strike killed three and injured four.", 3, 4),
    ("pt", "Um ataque de drones do mesmo grupo matou três soldados e feriu outros 12.", 3, 12),
    ("en", "A drone attack killed three soldiers and wounded 34.", 3, 34),
    ("en", "One soldier was killed and two wounded.", 1, 2),
    ("en", "Four US soldiers and two Iraqi guards were wounded.", None, 6),
    ("de", "Ein Kommandeur und zwei weitere Mitglieder der Miliz wurden getötet.", 3, None),
    # 'and' is glued to the next word in Arabic: the 3 is the injuries' count, the 2 the deaths'
    ("ar", "أسفر القصف عن مقتل 2 وإصابة 3 من الحراس.", 2, 3),
    # Arabic duals count two by themselves, the casualty word itself ('قتيلين', two dead) too
    ("ar", "أصيب جنديان أمريكيان في الهجوم.", None, 2),
    ("ar", "أسفر القصف عن مقتل شخصين وإصابة أربعة.", 2, 4),
    ("ar", "أسفر القصف عن سقوط قتيلين.", 2, None),
])
def test_a_count_after_one_casualty_word_is_not_the_next_ones_subject(lang: str, text: str, killed: int | None,
                                                                       injured: int | None) -> None:
    """'killed three soldiers and wounded 12 others': 'three soldiers' is the object of 'killed', not the
    subject of 'wounded', which counts the 12 after it. 'A drone attack killed three': 'a' ('um', 'un')
    before the verb is an article where a count follows the verb, not a toll of one. Counts joined by
    'and' in one subject add up ('four US soldiers and two Iraqi guards were wounded': 6)."""
    from osintrack.extract.candidates import casualties
    from osintrack.extract.document import read_doc

    doc = read_doc(Report("tolls", text, "2024-01-06", lang))
    found = {name: value for name, _, value in casualties(doc, doc.sentences[0])}
    assert (found.get("killed"), found.get("injured")) == (killed, injured)


def test_digits_of_a_date_a_path_or_a_time_are_no_count() -> None:
    """A crawl header's '2023-12-26', a link's '/2023/12/25/' and '12:30' had been read as counts (tallies
    of 26 and 25 attacks); a count written alone, '34-year-old' or '1,200' still is one."""
    from osintrack.extract.document import read_doc

    text = (" date 2023-12-26 Following attacks that injured three US troops.\n"
            "https://www.example.org/2023/12/25/politics/strikes-iraq/index.html\n"
            "At 12:30 a 34-year-old soldier and 1,200 others were hurt.")
    doc = read_doc(Report("codes", text, "2023-12-26", "en"))
    assert [n.value for s in doc.sentences for n in s.numbers] == [3, 34, 1200]


def test_a_german_ordinal_date_ends_no_sentence() -> None:
    """'am 18. Oktober': the ordinal's full stop is part of the date, so the day and the attack it dates
    stay in one sentence; '18.' before a word that is no month still ends one."""
    from osintrack.extract.document import read_doc

    text = ("Soldaten wurden am 18. Oktober verletzt, als Drohnen den Stützpunkt angriffen. Es waren 18. "
            "Dann kam nichts.")
    doc = read_doc(Report("ordinal", text, "2023-10-20", "de"))
    sentences = [(doc.evidence(s.start, s.end).text, [d.value for d in s.dates]) for s in doc.sentences]
    assert sentences == [
        ("Soldaten wurden am 18. Oktober verletzt, als Drohnen den Stützpunkt angriffen", ["2023-10-18"]),
        ("Es waren 18", []), ("Dann kam nichts", [])]


def test_a_toll_at_a_place_is_a_candidate_without_a_trigger_word() -> None:
    """'Fifteen soldiers were injured at al-Tanf': no trigger word and no weapon, yet the sentence tells
    an incident at a place by its toll; a sentence with neither a toll nor a trigger tells none."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc

    text = "Fifteen American soldiers were injured at al-Tanf in Syria. Troops are stationed at Ain al-Asad."
    doc = read_doc(Report("toll-anchor", text, "2023-10-25", "en"))
    found = {(m.sentence.index, m.site.name, m.facts.injured) for m in mentions(doc) if m.site is not None}
    assert (0, "Al-Tanf Garrison", 15) in found
    assert not any(k == 1 for k, _, _ in found)


def test_a_geonames_town_is_found_by_a_spelling_of_its_name_without_the_article() -> None:
    """GeoNames lists 'Al Qayyarah' and 'Qayyarah' but not 'Qayyara': the name without its article is
    varied like the name itself."""
    from osintrack.extract.document import read_doc

    doc = read_doc(Report("qayyara", "Des roquettes ont visé la base de Qayyara.", "2019-11-10", "fr"))
    places = [m.values("place") for m in doc.matches if "place" in m.kinds()]
    assert places == [["iq-al-qayyarah"]]


def test_a_place_named_once_is_one_incident_whatever_days_its_context_offers() -> None:
    """'On Monday, 23 October, a drone attacked al-Tanf. Days ago, rockets targeted Ain al-Asad': each
    place is one event, al-Tanf on the day its sentence names and Ain al-Asad in the week the report
    gives it; neither is also an event on the other day its context or the publication date offers."""
    text = ("On Monday, 23 October, a drone attacked the al-Tanf garrison in Syria. Days ago, rockets targeted "
            "Ain al-Asad air base in Iraq, which hosts US troops.")
    found = extract_report(Report("one-mention", text, "2023-11-10", "en"))
    assert [(e.site, e.date, e.date_precision) for e in found.events] == [
        ("Al-Tanf Garrison", "2023-10-23", "day"), ("Ain al-Asad Air Base", "2023-11-10", "week")]


def test_the_place_of_a_cause_is_not_typed_by_the_retaliation_that_names_it() -> None:
    """'US strikes hit militias in Iraq in retaliation for the deaths of three soldiers in Jordan': Jordan
    is governed by the main clause's trigger but told in the cause, so what that clause says (a state
    acted) is weighed apart for it ('cause:'), while Iraq's readings are the strike's own."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc
    from osintrack.extract.features import type_features

    text = "US strikes hit militias in Iraq on Friday in retaliation for the deaths of three soldiers in Jordan."
    doc = read_doc(Report("cause-place", text, "2024-02-03", "en"))
    by_place = {m.site.name: type_features(doc, m) for m in mentions(doc) if m.site is not None}
    assert "cause:state_agent" in by_place["Jordan"] and "state_agent" not in by_place["Jordan"]
    assert {"in_cause", "prec:country"} <= by_place["Jordan"]
    assert "state_agent" in by_place["Iraq"] and not any(f.startswith("cause:") for f in by_place["Iraq"])


@pytest.mark.parametrize(("text", "reading"), [
    ("There have been nine attacks on US forces since 4 January.", "small&bounded"),
    ("Officials said there were four attacks on US forces.", "small&unbounded"),
])
def test_a_small_count_is_read_with_whether_a_period_bounds_it(text: str, reading: str) -> None:
    """'nine attacks since 4 January' counts a period, as tallies do; 'four attacks' with nothing bounding
    them mostly counts one incident's parts. The tally model weighs which it is."""
    from collections import Counter

    from osintrack.extract.document import read_doc
    from osintrack.extract.tallies import tally_candidates

    doc = read_doc(Report("small-count", text, "2024-01-20", "en"))
    readings = [t.readings for t in tally_candidates(doc, Counter(), frozenset())]
    assert readings and all(reading in r for r in readings)
    assert not any({"small&bounded", "small&unbounded"} <= r for r in readings)


def test_a_country_near_a_precise_place_only_situates_it() -> None:
    """'Tower 22, north-east Jordan, near the Syrian border' (Malay): Syria only situates the base the
    sentence names, as 'south of Baghdad' does a town; it is no place of its own for the attack."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc

    text = "Serangan dron membunuh tiga tentera di Tower 22, timur laut Jordan, berhampiran sempadan Syria."
    doc = read_doc(Report("near-country", text, "2024-01-29", "ms"))
    located = {m.site.name: m.place.locator for m in mentions(doc) if m.place is not None and m.site is not None}
    assert located == {"Tower 22": False, "northeastern Jordan": True, "Syria": True}


def test_a_country_after_near_only_situates_however_far_the_precise_place() -> None:
    """'Tower 22, a remote military base in north-east Jordan near the Syrian border' (Malay): eleven
    words lie between the base and Syria, and a facility word; the country still only situates."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc

    text = ("Serangan dron membunuh tiga tentera di Tower 22, sebuah pangkalan tentera yang terpencil di "
            "timur laut Jordan berhampiran sempadan Syria.")
    doc = read_doc(Report("near-country-far", text, "2024-01-29", "ms"))
    located = {m.site.name: m.place.locator for m in mentions(doc) if m.place is not None and m.site is not None}
    assert located["Tower 22"] is False and located["Syria"] is True


@pytest.mark.parametrize("text", [
    "Drones struck Ain al-Asad air base, then a base near Erbil airport.",
    "Drones struck Ain al-Asad on Monday, then hit the base near Erbil airport.",
])
def test_a_place_near_an_unnamed_facility_situates_that_facility(text: str) -> None:
    """'..., then a base near Erbil airport': 'near Erbil airport' situates the base named by a facility
    word just before it, not Ain al-Asad named earlier; Erbil is a place of its own, not a locator."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc

    doc = read_doc(Report("near-facility", text, "2024-01-29", "en"))
    located = {m.site.name: m.place.locator for m in mentions(doc) if m.place is not None and m.site is not None}
    assert located == {"Ain al-Asad Air Base": False, "Erbil Air Base": False}


@pytest.mark.parametrize(("lang", "text", "count"), [
    ("tr", "Üslere 17 Ekim'den bu yana 60 silahlı saldırı düzenlendi.", 60),
    ("fa", "از ۱۷ اکتبر تاکنون ۳۸ مورد حمله به پایگاه‌های آمریکا انجام شده است.", 38),
])
def test_a_count_before_an_attack_phrase_ending_in_a_count_word_is_a_tally_candidate(lang: str, text: str,
                                                                                    count: int) -> None:
    """'60 silahlı saldırı' (60 armed attacks): the pack's trigger phrase ends in the count word, which
    the lexicon would otherwise read only as part of the trigger."""
    from collections import Counter

    from osintrack.extract.document import read_doc
    from osintrack.extract.tallies import tally_candidates

    doc = read_doc(Report("counting-trigger", text, "2023-11-07", lang))
    assert [(t.metric, t.count) for t in tally_candidates(doc, Counter(), frozenset())] == [("attacks", count)]


def test_a_place_that_only_situates_another_restates_it_however_likely() -> None:
    """'Harir air base, near Erbil airport': even where the model finds Erbil airport the likelier
    event, it only situates Harir, so it restates Harir's event rather than standing in for it."""
    from osintrack.extract.candidates import event_candidates, mentions
    from osintrack.extract.classifier import shipped_models
    from osintrack.extract.decide import select
    from osintrack.extract.document import read_doc

    text = "The group said it targeted the Harir air base, near Erbil airport, with a drone on Friday."
    doc = read_doc(Report("situates", text, "2024-01-06", "en"))
    candidates = [c for c in event_candidates(mentions(doc)) if c.date.value == "2024-01-05"]
    assert {c.site.name for c in candidates} == {"Harir Air Base", "Erbil Air Base"}
    probabilities = [0.9 if c.site.name == "Erbil Air Base" else 0.8 for c in candidates]
    drafts = select(doc, candidates, probabilities, shipped_models(), 0.4)
    assert [d.site.name for d in drafts] == ["Harir Air Base"]


def test_a_day_no_mention_points_to_is_no_event() -> None:
    """'In recent weeks ..., after a drone strike on a base in Jordan in late January': the sentence's
    date nearest Jordan is late January; the recent weeks are another clause's, so Jordan in the
    publication week is a candidate that no mention points to, and is never taken."""
    from osintrack.extract.candidates import event_candidates, mentions
    from osintrack.extract.classifier import shipped_models
    from osintrack.extract.decide import score_candidates
    from osintrack.extract.document import read_doc

    text = ("In recent weeks, armed groups have resumed rocket attacks on bases in Iraq, after a drone strike on a "
            "base in Jordan in late January that killed three American soldiers.")
    doc = read_doc(Report("preferred-day", text, "2024-08-06", "en"))
    candidates = event_candidates(mentions(doc))
    scored = {(c.site.name, c.date.value): (c.preference, p)
              for c, p in zip(candidates, score_candidates(doc, candidates, shipped_models()), strict=True)}
    assert scored[("Jordan", "2024-08-06")] == ("none", 0.0)
    assert scored[("Jordan", "2024-01")][0] == "all" and scored[("Jordan", "2024-01")][1] > 0.0


@pytest.mark.parametrize(("text", "preferred"), [
    ("On 5 January drones struck Ain al-Asad.", {"2024-01-05"}),  # the sentence's own day, not the context's
    ("Drones struck Ain al-Asad on 5 January and again on 7 January.", {"2024-01-05", "2024-01-07"}),  # enumerated
    ("Drones struck Ain al-Asad.", {"2024-01-10"}),  # no date in the sentence: the publication week
])
def test_a_mention_points_to_its_sentence_day_else_its_fallback(text: str, preferred: set[str]) -> None:
    from osintrack.extract.candidates import mentions, prefers
    from osintrack.extract.document import read_doc

    doc = read_doc(Report("prefers", text, "2024-01-10", "en"))
    found = [m for m in mentions(doc) if m.site is not None and m.site.name == "Ain al-Asad Air Base"]
    assert found
    assert {o.value for m in found for o in m.dates if prefers(m, o)} == preferred


def test_a_mention_that_restated_an_event_through_its_fallback_still_tells_its_own_day() -> None:
    """The third sentence names the 5th; the day it falls back on (the 2nd, named two sentences before)
    only made it restate the attack of the 2nd. Its own day is a second incident at the base."""
    from osintrack.extract import extract_report

    text = ("Drones struck Ain al-Asad on 2 January. Rockets then hit the base again. "
            "Rockets hit Ain al-Asad on 5 January, the group said.")
    events = extract_report(Report("fallback-day", text, "2024-01-10", "en")).events
    assert [(e.date, e.site) for e in events] == [("2024-01-02", "Ain al-Asad Air Base"),
                                                   ("2024-01-05", "Ain al-Asad Air Base")]


def test_an_event_is_typed_by_the_candidate_that_dates_it() -> None:
    """A headline names the base with no day; the sentence that names the day tells the incident most
    directly, so the draft takes its date and reads the type from its words."""
    from osintrack.extract.candidates import event_candidates, mentions
    from osintrack.extract.classifier import shipped_models
    from osintrack.extract.decide import Draft, strike_log_odds
    from osintrack.extract.document import read_doc

    text = ("US air strikes follow attack on Erbil Air Base\n\n"
            "Kataib Hezbollah claimed a drone attack on US forces at Erbil Air Base on Monday morning.")
    doc = read_doc(Report("dated-type", text, "2023-12-26", "en"))
    at_base = [c for c in event_candidates(mentions(doc)) if c.site.name == "Erbil Air Base"]
    headline = next(c for c in at_base if c.date.source == "default")
    dated = next(c for c in at_base if c.date.source == "sentence")
    models = shipped_models()
    draft = Draft(headline, 0.9)
    draft.typed(doc, models)
    draft.absorb(dated)
    assert draft.date == dated.date and draft.dated_by is dated
    assert draft.typed(doc, models) == ("air_strike" if strike_log_odds(doc, dated, models) > 0 else "attack")


def test_a_day_with_the_conjunction_glued_on_is_enumerated() -> None:
    """'الأربعاء والخميس' (Wednesday and Thursday): Arabic writes 'and' as a clitic of the second day,
    which the text thereby enumerates, as 'on Wednesday and Thursday' does with a word."""
    from osintrack.extract.candidates import mentions
    from osintrack.extract.document import read_doc

    text = "هاجمت طائرات مسيرة قاعدة عين الأسد الأربعاء والخميس."
    doc = read_doc(Report("glued-and-days", text, "2024-03-15", "ar"))
    options = {o.value: o.enumerated for m in mentions(doc) for o in m.dates if o.source == "sentence"}
    assert options == {"2024-03-13": True, "2024-03-14": True}


@pytest.mark.parametrize(("text", "published", "since", "as_of"), [
    # no start said, a day of the campaign: its first day (data/theatre.yaml), with no evidence span
    ("US forces have been attacked 66 times, 32 in Iraq and 34 in Syria, a Pentagon spokesman said on Tuesday.",
     "2023-11-22", "2023-10-17", "2023-11-21"),
    # the start the text gives wins
    ("US forces have been attacked 66 times since 18 October, 32 in Iraq and 34 in Syria, a Pentagon spokesman said.",
     "2023-11-22", "2023-10-18", "2023-11-22"),
    # outside the theatre's period: unknown
    ("US forces have been attacked 66 times, 32 in Iraq and 34 in Syria, a Pentagon spokesman said.",
     "2021-07-09", None, "2021-07-09"),
    # only the publication month known: the day the report dates its news stands in for the day
    ("On 21 November a drone struck al-Tanf. US forces have been attacked 66 times, 32 in Iraq and 34 in "
     "Syria, a Pentagon spokesman said.", "2023-11", "2023-10-17", "2023-11-21"),
])
def test_a_count_runs_from_the_campaign_start_where_its_report_gives_none(text: str, published: str,
                                                                          since: str | None, as_of: str) -> None:
    from osintrack.extract import extract_report

    tallies = extract_report(Report("campaign-since", text, published, "en")).tallies
    assert [(t.count, t.since, t.as_of) for t in tallies] == [(66, since, as_of)]
    assert ("since" in tallies[0].field_evidence) == (since == "2023-10-18")


@pytest.mark.parametrize(("site", "date", "precision", "known"), [
    ("tower-22", "2024-01", "month", True),  # "in late January": the month holds the attack's day
    ("jo", "2024-01-29", "day", True),  # a country holds the site: within a day
    ("jo", "2024-02-20", "week", False),  # three weeks after it
    ("muwaffaq-salti", "2024-01-28", "day", False),  # another base of the country, the same day
    ("iq", "2024-01-28", "day", False),  # another country
])
def test_a_candidate_that_retells_a_known_incident_is_read_so(site: str, date: str, precision: str,
                                                             known: bool) -> None:
    """data/theatre.yaml lists incidents reports often retell (the drone attack on Tower 22 on 28 January
    2024): a candidate agreeing with one in country, site and date has the 'known' reading."""
    from osintrack.extract.candidates import Candidate, DateOption
    from osintrack.extract.document import read_doc
    from osintrack.extract.features import candidate_features
    from osintrack.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    place = gazetteer.get(site) if site in gazetteer else gazetteer.country_site(site.upper())
    assert place is not None
    doc = read_doc(Report("known", "Nothing happened.", "2024-03-01", "en"))
    candidate = Candidate(place, DateOption(date, precision, "sentence"), [])
    assert ("known" in candidate_features(doc, candidate, [candidate])) is known


def test_a_candidate_that_retells_a_known_incident_is_typed_with_its_type() -> None:
    """'A drone attack in Baghdad' on 4 January 2024 is the US drone strike data/theatre.yaml lists for
    that day: the type model reads 'known:air_strike' beside the words; a day later nothing is known."""
    from osintrack.extract.candidates import event_candidates, mentions
    from osintrack.extract.decide import candidate_type_features
    from osintrack.extract.document import read_doc

    for published, expected in (("2024-01-04", {"known:air_strike"}), ("2024-01-09", set())):
        doc = read_doc(Report("known-type", "A drone attack hit a building in Baghdad today.", published, "en"))
        (candidate,) = [c for c in event_candidates(mentions(doc))
                        if c.site.name == "Baghdad" and c.date.source == "sentence"]
        assert {f for f in candidate_type_features(doc, candidate) if f.startswith("known:")} == expected


def test_an_attack_takes_the_weapon_the_sentence_before_names() -> None:
    """The weapon told in the sentence before an attack's, which tells no other event, is the attack's."""
    text = ("A swarm of explosive drones crossed the border overnight. Ain al-Asad air base in western Iraq came "
            "under attack on Monday, a US official said. No damage was reported.")
    events = extract_report(Report("drones-before", text, "2024-01-16", "en")).events
    assert [(e.site, e.weapon) for e in events] == [("Ain al-Asad Air Base", "drone")]
    weapon = events[0].field_evidence["weapon"]
    assert text[weapon.start:weapon.end] == "explosive drones"


def test_an_air_strike_does_not_take_the_weapon_of_the_attack_it_answered() -> None:
    text = ("US forces struck two weapons depots of Kataib Hezbollah near al-Qaim on Friday, in retaliation for "
            "the killing of three soldiers by a drone in Jordan last month.")
    events = extract_report(Report("strike-answer", text, "2024-02-03", "en")).events
    assert [(e.event_type, e.site, e.weapon) for e in events] == [("air_strike", "Al-Qaim", "unknown")]


@pytest.mark.parametrize("place", ["in Jordan", "on a base in northeastern Jordan"])
def test_a_coarse_place_and_month_that_one_known_incident_fits_are_its_site_and_day(place: str) -> None:
    text = f"Three US soldiers were killed in a drone attack {place} last month, officials said."
    events = extract_report(Report("known-place", text, "2024-02-15", "en")).events
    assert [(e.site, e.date, e.date_precision) for e in events] == [("Tower 22", "2024-01-28", "day")]
    site = events[0].field_evidence["site"]
    assert text[site.start:site.end].endswith("Jordan")  # the report's own words stay the evidence


def test_a_coarse_place_that_several_sites_of_a_known_incident_fit_stays_coarse() -> None:
    """Two bases were hit on 8 January 2020: 'a base in western Iraq' that day is neither for sure."""
    text = "Ballistic missiles struck a base hosting US troops in western Iraq on Wednesday, the Pentagon said."
    events = extract_report(Report("known-two-sites", text, "2020-01-09", "en")).events
    assert [(e.site, e.geo_precision, e.date) for e in events] == [(None, "region", "2020-01-08")]


def test_no_casualties_in_the_attacks_holds_for_every_attack_told_before() -> None:
    text = ("One-way drones were launched at Ain al-Asad air base in Iraq on 14 December, a defence official said. "
            "On 13 December, drones targeted the al-Tanf garrison in Syria. "
            "The United States has blamed groups backed by Iran. "
            "Washington has sent more air defence systems to the region. "
            "The official said the attacks caused no casualties or damage.")
    events = extract_report(Report("no-casualties-in-all", text, "2023-12-18", "en")).events
    assert [(e.site, e.killed, e.injured) for e in events] == [
        ("Ain al-Asad Air Base", 0, 0), ("Al-Tanf Garrison", 0, 0)]


@pytest.mark.parametrize("text", [
    "Drohnen griffen am Montag den Stützpunkt al-Tanf in Syrien an. Verletzt wurde bei dem Angriff niemand.",
    "Drohnen griffen am Montag die Stützpunkte al-Tanf und al-Omar in Syrien an. Am Sonntag war bereits die Basis "
    "Ain al-Assad im Irak beschossen worden. Das Pentagon bestätigte die Angriffe. Washington macht vom Iran "
    "unterstützte Milizen verantwortlich. Verletzt wurde bei den Attacken offenbar niemand."])
def test_a_negation_after_a_casualty_word_is_a_zero(text: str) -> None:
    """Where word order puts the negation last, it still says nobody was hurt, in every attack it speaks of."""
    events = extract_report(Report("negation-after", text, "2023-10-24", "de")).events
    assert events
    assert all((e.killed, e.injured) == (None, 0) for e in events)


def test_an_attack_told_without_its_actor_is_the_report_s_most_named_group_s_unclaimed() -> None:
    text = ("Washington has warned Kataib Hezbollah against further escalation. "
            "Washington holds Kataib Hezbollah responsible for most of the recent violence. "
            "The Pentagon has sent more air defence systems to the region. "
            "On Monday, rockets struck the Ain al-Asad air base in western Iraq, a US official said. "
            "No one was hurt.")
    events = extract_report(Report("report-group", text, "2024-01-16", "en")).events
    assert [(e.site, e.actor, e.claimed_by) for e in events] == [("Ain al-Asad Air Base", "Kataib Hezbollah", None)]
    actor = events[0].field_evidence["actor"]
    assert (actor.start, actor.end) == (22, 38)  # its first naming


def test_an_air_strike_takes_the_aircraft_its_sentence_names() -> None:
    text = ("US fighter jets carried out what the Pentagon called precision strikes on Friday on two depots "
            "near al-Qaim used by groups backed by Iran.")
    events = extract_report(Report("strike-aircraft", text, "2024-02-03", "en")).events
    assert [(e.event_type, e.site, e.weapon) for e in events] == [("air_strike", "Al-Qaim", "aircraft")]


@pytest.mark.parametrize(("lang", "text", "group"), [
    ("de", "US-Kampfjets haben in der Nacht zum Freitag Stellungen proiranischer Milizen im Osten Syriens "
           "bombardiert.", "Iran-backed militias"),
    ("en", "On Friday US jets bombed Kataib Hezbollah positions in eastern Syria.", "Kataib Hezbollah"),
])
def test_a_group_whose_sites_were_hit_is_not_the_one_that_acted(lang: str, text: str, group: str) -> None:
    """'Stellungen proiranischer Milizen' (the militias' positions): a group named beside a site word
    owns the site; it is the target of the strike, not its actor."""
    (event,) = extract_report(Report("owner", text, "2024-01-20", lang)).events
    assert (event.event_type, event.actor, event.target) == ("air_strike", "United States", group)


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "A rocket attack hit Ain al-Asad air base on Thursday. Kataib Hezbollah has not claimed the attack."),
    ("es", "Un ataque con cohetes alcanzó el jueves la base de Ain al Asad. El grupo Kataib Hezbolá no se ha "
           "atribuido el ataque."),
    ("fr", "Une attaque à la roquette a visé jeudi la base d'Aïn al-Assad. Le Kataëb Hezbollah n'a pas revendiqué "
           "l'attaque."),
])
def test_a_claim_word_a_negation_denies_claims_nothing(lang: str, text: str) -> None:
    (event,) = extract_report(Report("unclaimed", text, "2024-01-20", lang)).events
    assert event.claimed_by is None


@pytest.mark.parametrize(("lang", "text", "days"), [
    ("ar", "استهدفت المقاومة الإسلامية في العراق قاعدة حرير يوم الاثنين وقاعدة عين الأسد يوم الثلاثاء بطائرات مسيرة.",
     {"Harir Air Base": "2024-01-15", "Ain al-Asad Air Base": "2024-01-16"}),
    ("id", "Pangkalan Al-Tanf diserang drone pada Senin, sementara pangkalan Ain al-Asad dihantam roket pada Selasa.",
     {"Al-Tanf Garrison": "2024-01-15", "Ain al-Asad Air Base": "2024-01-16"}),
    ("ru", "В понедельник беспилотники атаковали базу Харир, а во вторник — аэропорт Эрбиля.",
     {"Harir Air Base": "2024-01-15", "Erbil Air Base": "2024-01-16"}),
])
def test_a_sentence_pairing_places_with_days_dates_each_place_by_its_own(lang: str, text: str,
                                                                         days: dict[str, str]) -> None:
    """'Harir on Monday and Ain al-Asad on Tuesday': each place takes the day on the side the sentence
    puts its days (after the places here; before them where it names a day first), not the nearest."""
    events = extract_report(Report("pairs", text, "2024-01-20", lang)).events
    assert {e.site: e.date for e in events} == days


@pytest.mark.parametrize(("lang", "text"), [
    ("id", "Pangkalan Al-Tanf diserang drone pada Senin, sementara pangkalan Ain al-Asad dihantam roket pada Selasa."),
    ("en", "Al-Tanf was hit by a drone on Monday, while Ain al-Asad air base was struck by rockets on Tuesday."),
])
def test_a_place_belongs_to_the_trigger_of_its_own_clause(lang: str, text: str) -> None:
    """A comma parts a trigger from the places of the next clause as far as a trigger after them is:
    Ain al-Asad was struck by rockets, not by the drone of the clause before it."""
    events = extract_report(Report("clauses", text, "2024-01-20", lang)).events
    assert {e.site: e.weapon for e in events} == {"Al-Tanf Garrison": "drone", "Ain al-Asad Air Base": "rocket"}


@pytest.mark.parametrize(("lang", "text", "place"), [
    ("en", "A drone attack targeted al-Tanf on Monday; on Tuesday, two rockets landed inside the Harir base.",
     "Harir Air Base"),
    ("ar", "استهدفت طائرة مسيرة قاعدة التنف يوم الاثنين، فيما سقطت صواريخ على قاعدة عين الأسد يوم الثلاثاء.",
     "Ain al-Asad Air Base"),
])
def test_projectiles_that_fell_on_a_place_tell_their_own_attack(lang: str, text: str, place: str) -> None:
    """'two rockets landed inside the base', 'سقطت صواريخ على القاعدة': landing or falling words are
    launch words (an attack with a weapon beside them), so the place takes their weapon, not the one of
    the other attack the sentence tells."""
    events = extract_report(Report("fell", text, "2024-01-20", lang)).events
    assert {e.site: (e.weapon, e.date) for e in events}[place] == ("rocket", "2024-01-16")


@pytest.mark.parametrize(("lang", "text"), [
    ("id", "Serangan terhadap Tower 22 menewaskan tiga tentara AS dan melukai lebih dari 40 lainnya."),
    ("ar", "أسفر الهجوم على البرج 22 عن مقتل ثلاثة جنود أمريكيين وإصابة أكثر من 40 آخرين."),
])
def test_the_number_of_a_place_name_counts_nothing(lang: str, text: str) -> None:
    """'Tower 22' is a name: its 22 is neither a toll nor a tally."""
    extraction = extract_report(Report("tower", text, "2024-01-30", lang))
    assert [(e.site, e.killed, e.injured) for e in extraction.events] == [("Tower 22", 3, 40)]
    assert not extraction.tallies


def test_a_state_saying_it_struck_is_the_striker_not_a_claimant() -> None:
    """'The US military said it struck ...': a state speaking of its own strike acts; it claims nothing."""
    text = "The US military said it struck a weapons storage facility near Abu Kamal on Sunday."
    (event,) = extract_report(Report("said", text, "2024-01-20", "en")).events
    assert (event.event_type, event.actor, event.claimed_by, event.date) == \
        ("air_strike", "United States", None, "2024-01-14")


@pytest.mark.parametrize(("lang", "text", "kind", "actor"), [
    ("id", "Militer AS menyerang gudang senjata di dekat Abu Kamal pada hari Minggu.", "air_strike", "United States"),
    ("ms", "Tentera AS menyerang sebuah gudang senjata berhampiran Abu Kamal pada hari Ahad.", "air_strike",
     "United States"),
    ("id", "Pasukan AS diserang di pangkalan Ain al-Asad pada hari Minggu.", "attack", None),
])
def test_forces_right_before_an_active_attack_word_carry_it_out(lang: str, text: str, kind: str,
                                                                actor: str | None) -> None:
    """A pack that lists its passive attack words ('diserang') tells 'Militer AS menyerang' (the US
    military attacked: a US strike) from 'Pasukan AS diserang' (US forces were attacked)."""
    (event,) = extract_report(Report("voice", text, "2024-01-20", lang)).events
    assert (event.event_type, event.actor) == (kind, actor)


@pytest.mark.parametrize(("lang", "text", "kind"), [
    ("es", "El Ejército de Estados Unidos atacó el domingo un depósito de armas cerca de Abu Kamal.", "air_strike"),
    ("es", "Las tropas estadounidenses fueron atacadas el domingo en la base de Ain al Asad.", "attack"),
    ("de", "Das US-Militär griff am Sonntag ein Waffenlager nahe Abu Kamal im Osten Syriens an.", "air_strike"),
    ("pt", "O Exército dos Estados Unidos atacou no domingo um depósito de armas perto de Abu Kamal.", "air_strike"),
    ("pt", "As tropas norte-americanas foram atacadas no domingo na base de Ain al-Asad.", "attack"),
    # English past tense and passive participle are one word: 'by' after it tells the passive
    ("en", "US forces struck a militia headquarters in Jurf al-Sakhar on Sunday.", "air_strike"),
    ("en", "US forces attacked by militias at al-Tanf on Sunday suffered minor injuries.", "attack"),
])
def test_the_voice_of_the_attack_word_tells_who_acted(lang: str, text: str, kind: str) -> None:
    (event,) = extract_report(Report("voice", text, "2024-01-20", lang)).events
    assert (event.event_type, event.actor) == (kind, "United States" if kind == "air_strike" else None)


@pytest.mark.parametrize("lang", ["id", "ms"])
def test_an_ordinal_after_its_attack_word_counts_the_attacks(lang: str) -> None:
    """'serangan ke-26' (the 26th attack): digits after 'ke-' are an ordinal, and where modifiers follow
    their noun an ordinal after the attack word tallies attacks, as 'the 26th attack' does."""
    forces = {"id": "pasukan", "ms": "tentera"}[lang]
    text = f"Ini merupakan serangan ke-26 terhadap {forces} AS di Suriah sejak 17 Oktober, kata Pentagon."
    (tally,) = extract_report(Report("ordinal", text, "2024-01-20", lang)).tallies
    assert (tally.metric, tally.count, tally.since) == ("attacks", 26, "2023-10-17")


def test_a_claim_of_the_attack_names_no_place_and_claims_the_one_told_before() -> None:
    """'The group claimed the attack' speaks of the attack told before it: the attack of the day before,
    told after the claim, is not claimed by it."""
    text = ("A drone struck the al-Tanf garrison in southeastern Syria on Tuesday, lightly wounding two US service "
            "members. The Islamic Resistance in Iraq claimed the attack. A day earlier, rockets targeted Ain al-Asad "
            "air base in western Iraq.")
    events = extract_report(Report("claimed", text, "2024-01-20", "en")).events
    assert {e.site: e.claimed_by for e in events} == {"Al-Tanf Garrison": "Islamic Resistance in Iraq",
                                                       "Ain al-Asad Air Base": None}


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "US forces struck targets in Iraq on Friday. The strikes hit weapons depots near al-Qaim."),
    ("fr", "Les forces américaines ont frappé vendredi des cibles en Irak. Les frappes ont visé des dépôts d'armes "
           "près d'Al-Qaïm."),
])
def test_a_strike_word_heading_the_verb_says_what_the_verb_did(lang: str, text: str) -> None:
    """'The strikes hit ... near al-Qaim': the places the verb governs are struck by the strikes that head it."""
    events = {e.site: e for e in extract_report(Report("subject", text, "2024-01-20", lang)).events}
    assert (events["Al-Qaim"].event_type, events["Al-Qaim"].actor) == ("air_strike", "United States")
