"""What the gazetteer knows and finds: alias and variant counts, lexicon build time, and how many gold
places of the shared corpus it names, by exact lexicon match and by fuzzy lookup.

Usage: ``python tools/gazetteer_coverage.py [--corpus DIR] [--sets seeds,dev,dev2] [--new-matches]``

- counts: rows, names and aliases of the CSV files, generated variants by script and why others
  were dropped (docs/gazetteer.md, "Generated variants");
- build: seconds to build the twelve languages' place lexicons, without and with the variants;
- coverage: the share of gold events at site or town precision whose place the lexicon names
  somewhere in the report (a place of site or town precision within 20 km of the gold point, or of
  the same name), first with the CSV names alone, then with the variants (each language's scripts,
  then every script), then adding to the first what
  ``Gazetteer.fuzzy`` answers for the words next to a facility word ("base", "قاعدة", "база"...)
  that the lexicon did not match; fuzzy answers near no gold place of their report are counted
  apart (an upper bound on its false answers: a report may name places it codes no event at);
- ``--new-matches``: every place the variants make the lexicon find in examples/reports and in the
  corpus texts that the CSV names alone did not, with the words matched, to check by eye that
  they are places (printed only: corpus text is never written to the repository).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from osintrack.gazetteer import FUZZY_PRECISIONS, Gazetteer, Site, haversine_km, load_gazetteer
from osintrack.ingest import read_reports
from osintrack.language import NormText, available_languages, load_pack, normalize
from osintrack.lexicon import Lexicon

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
NEAR_KM = 20.0
MAX_NAME_WORDS = 3  # words after or before a facility word tried as a name


def lexicons(gazetteer: Gazetteer, *, by_language: bool) -> dict[str, Lexicon]:
    out = {}
    for lang in available_languages():
        pack = load_pack(lang)
        entries = gazetteer.lexicon_entries(lang if by_language else None)
        out[lang] = Lexicon(entries, prefixes=pack.prefixes, suffixes=pack.suffixes)
    return out


def places(lexicon: Lexicon, nt: NormText, gazetteer: Gazetteer) -> list[tuple[int, int, Site]]:
    """(first token, end token, site) of every place match, each payload of a match."""
    return [(m.start, m.end, gazetteer.get(v)) for m in lexicon.match(nt) for v in m.values("place")]


def near(site: Site, event: dict) -> bool:
    if site.precision not in FUZZY_PRECISIONS:
        return False
    return site.name == event["site"] or haversine_km(site.lat, site.lon, event["lat"], event["lon"]) <= NEAR_KM


def fuzzy_answers(gazetteer: Gazetteer, nt: NormText, matched: set[int]) -> set[Site]:
    """What fuzzy lookup answers for 1-3 words just after or before a facility word, none of them
    matched by the lexicon (a stand-in for the extractor's own caller)."""
    spelling = gazetteer.spelling
    found: set[Site] = set()
    for i, form in enumerate(nt.forms):
        if form not in spelling.generic:
            continue
        for first, end in _spans_around(i, len(nt.forms)):
            if any(t in matched or nt.forms[t] in spelling.generic for t in range(first, end)):
                continue
            start, stop = nt.orig_span(first, end)
            site = gazetteer.fuzzy(nt.original[start:stop])
            if site is not None:
                found.add(site)
    return found


def _spans_around(i: int, n: int) -> Iterator[tuple[int, int]]:
    for width in range(1, MAX_NAME_WORDS + 1):
        if i + 1 + width <= n:
            yield i + 1, i + 1 + width
        if i - width >= 0:
            yield i - width, i


def coverage(corpus: Path, sets: list[str], gazetteer: Gazetteer, plain: Gazetteer) -> None:
    with_variants, without = lexicons(gazetteer, by_language=True), lexicons(plain, by_language=False)
    every_script = lexicons(gazetteer, by_language=False)
    print(f"\n{'set':6} {'gold':>5} {'CSV names':>12} {'+variants':>12} {'all scripts':>12} {'+fuzzy':>12}"
          f" {'fuzzy far':>10}")
    for part in sets:
        articles = {a["id"]: a for a in _jsonl(corpus / part / "articles.jsonl")}
        total = base = exact = everywhere = fuzzy = far = 0
        for gold in _jsonl(corpus / part / "gold.jsonl"):
            article = articles[gold["id"]]
            events = [e for e in gold["events"] if e.get("geo_precision") in FUZZY_PRECISIONS
                      and e.get("lat") is not None]
            if not events:
                continue
            lang = article["lang"] if article["lang"] in with_variants else "en"
            nt = normalize(article["text"])
            old = [s for _, _, s in places(without[lang], nt, plain)]
            new = places(with_variants[lang], nt, gazetteer)
            wide = [s for _, _, s in places(every_script[lang], nt, gazetteer)]
            matched = {t for first, end, _ in new for t in range(first, end)}
            guessed = fuzzy_answers(gazetteer, nt, matched)
            far += sum(1 for s in guessed if not any(near(s, e) for e in events))
            for event in events:
                total += 1
                base += any(near(s, event) for s in old)
                hit = any(near(s, event) for _, _, s in new)
                exact += hit
                everywhere += any(near(s, event) for s in wide)
                fuzzy += hit or any(near(s, event) for s in guessed)
        print(f"{part:6} {total:5} {_share(base, total):>12} {_share(exact, total):>12}"
              f" {_share(everywhere, total):>12} {_share(fuzzy, total):>12} {far:10}")


def new_matches(corpus: Path, sets: list[str], gazetteer: Gazetteer, plain: Gazetteer) -> None:
    with_variants, without = lexicons(gazetteer, by_language=True), lexicons(plain, by_language=False)
    texts = [(r.lang or "en", r.text) for r in read_reports([ROOT / "examples" / "reports"])]
    for part in sets:
        texts += [(a["lang"], a["text"]) for a in _jsonl(corpus / part / "articles.jsonl")]
    found: Counter[tuple[str, str]] = Counter()
    for lang, text in texts:
        lang = lang if lang in with_variants else "en"
        nt = normalize(text)
        old = {(first, end) for first, end, _ in places(without[lang], nt, plain)}
        for first, end, site in places(with_variants[lang], nt, gazetteer):
            if (first, end) not in old:
                start, stop = nt.orig_span(first, end)
                found[(site.id, text[start:stop])] += 1
    print(f"\nplaces found only through generated variants, over {len(texts)} texts:")
    for (site_id, words), count in sorted(found.items()):
        print(f"  {count:3}  {site_id:32} {words!r}")


def counts(gazetteer: Gazetteer, plain: Gazetteer) -> None:
    curated = [s for s in gazetteer if not s.notes.startswith("GeoNames ")]
    names = sum(1 + len(s.aliases) for s in gazetteer)
    print(f"rows: {len(gazetteer)} ({len(curated)} curated, {len(gazetteer) - len(curated)} from GeoNames);"
          f" names and aliases: {names}")
    by_script = Counter(v.script for vs in gazetteer.variants.values() for v in vs)
    print(f"generated variants kept: {sum(by_script.values())} ({dict(by_script)});"
          f" generation outcomes: {dict(gazetteer.variant_counts)}")
    for label, g, by_language in (("CSV names only", plain, False), ("with variants, all scripts", gazetteer, False),
                                  ("with variants, by language", gazetteer, True)):
        start = time.perf_counter()
        built = lexicons(g, by_language=by_language)
        seconds = time.perf_counter() - start
        entries = sum(len(g.lexicon_entries(lang if by_language else None)) for lang in built)
        print(f"12 place lexicons, {label}: {entries} entries, built in {seconds:.2f} s")


def _share(n: int, total: int) -> str:
    return f"{n}/{total} {n / total:.3f}" if total else "-"


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines if line.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"default: {DEFAULT_CORPUS}")
    parser.add_argument("--sets", default="seeds,dev,dev2", help="comma-separated sets (default seeds,dev,dev2)")
    parser.add_argument("--new-matches", action="store_true", help="list what only the variants find")
    args = parser.parse_args(argv)
    sets = [s for s in args.sets.split(",") if (args.corpus / s / "gold.jsonl").is_file()]
    if not sets:
        print(f"no corpus sets under {args.corpus}: give --corpus", file=sys.stderr)
        return 2
    start = time.perf_counter()
    gazetteer = load_gazetteer()
    print(f"gazetteer loaded in {time.perf_counter() - start:.2f} s (CSV files and variant generation)")
    plain = Gazetteer(gazetteer.sites.values(), gazetteer.qualifiers)
    counts(gazetteer, plain)
    coverage(args.corpus, sets, gazetteer, plain)
    if args.new_matches:
        new_matches(args.corpus, sets, gazetteer, plain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
