"""Readers: every format read with its text kept exactly, bad input named by file and line, skips counted."""

from __future__ import annotations

import csv
import gzip
import json
import time
from pathlib import Path

import pytest

from osintrack import ingest
from osintrack.errors import InputError
from osintrack.ingest import SkipCounter, read_reports
from osintrack.model import Report

GOLDEN = Path(__file__).parent / "golden" / "ingest"


def read(*paths: str | Path, **kwargs: object) -> list[Report]:
    return list(read_reports(list(paths), **kwargs))  # type: ignore[arg-type]


def error_of(*paths: str | Path) -> InputError:
    with pytest.raises(InputError) as info:
        read(*paths)
    return info.value


def char_offset(data: bytes, phrase: str) -> int:
    """Where ``phrase`` starts in the decoded text, found through its bytes in the file."""
    at = data.index(phrase.encode("utf-8"))
    return len(data[:at].decode("utf-8"))


@pytest.fixture(autouse=True)
def no_language_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Detection is tested on its own; elsewhere a report without lang keeps None."""
    monkeypatch.setattr(ingest, "available_languages", lambda: [])


# --- formats --------------------------------------------------------------------------------------

def test_jsonl_fields_order_and_blank_lines() -> None:
    reports = read(GOLDEN / "reports.jsonl")
    assert [r.id for r in reports] == ["g-001", "g-002", "g-003"]
    first = reports[0]
    assert (first.url, first.published, first.lang) == ("https://example.org/news/1", "2024-03-02", "en")
    # the blank second line is skipped silently but still counted in line numbers
    assert [r.origin for r in reports] == [f"{GOLDEN / 'reports.jsonl'}:{n}" for n in (1, 3, 4)]


def test_jsonl_text_kept_exactly() -> None:
    lines = [json.loads(x) for x in (GOLDEN / "reports.jsonl").read_text("utf-8").splitlines() if x]
    reports = read(GOLDEN / "reports.jsonl")
    assert [r.text for r in reports] == [x["text"] for x in lines]
    french = reports[1].text
    start = french.index("visée")
    assert french[start:start + 5] == "visée"  # one character per accented letter, as in the source


def test_jsonl_published_null_takes_the_header_date() -> None:
    reports = read(GOLDEN / "reports.jsonl")
    assert reports[1].published == "2024-03"
    assert reports[1].text.startswith(" date 2024-03 ")  # the header stays part of the text


def test_jsonl_gz_reads_like_plain() -> None:
    plain = read(GOLDEN / "reports.jsonl")
    packed = read(GOLDEN / "reports.jsonl.gz")
    assert [(r.id, r.text, r.published, r.lang) for r in packed] == [
        (r.id, r.text, r.published, r.lang) for r in plain]


def test_txt_directory_ids_headers_and_bytes() -> None:
    folder = GOLDEN / "txt"
    reports = read(folder)
    assert [r.id for r in reports] == ["alpha", "gamma", "nested/beta"]  # sorted; notes.md ignored
    by_id = {r.id: r for r in reports}
    assert by_id["alpha"].published == "2024-02-11"
    assert by_id["nested/beta"].published == "2024-02"  # header without the leading space
    assert by_id["gamma"].published is None
    for report_id, report in by_id.items():
        data = (folder / f"{report_id}.txt").read_bytes()
        assert report.text == data.decode("utf-8")  # header and CRLF kept byte for byte
    beta = (folder / "nested" / "beta.txt").read_bytes()
    at = char_offset(beta, "attacked several times")
    assert by_id["nested/beta"].text[at:at + 22] == "attacked several times"


def test_txt_file_given_directly_uses_its_stem() -> None:
    (report,) = read(GOLDEN / "txt" / "alpha.txt")
    assert report.id == "alpha"


def test_csv_columns_default_id_and_multiline_text() -> None:
    path = GOLDEN / "reports.csv"
    reports = read(path)
    assert [r.id for r in reports] == ["c-1", "reports:3", "c-3"]  # default id names the record's line
    assert [r.published for r in reports] == ["2024-01-15", "2024-01", None]
    assert reports[0].url == "https://example.org/c1" and reports[1].url is None
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [r.text for r in reports] == [row["text"] for row in rows]
    assert '"attack"' in reports[1].text and "\n" in reports[1].text


def test_html_text_date_and_no_scripts() -> None:
    (report,) = read(GOLDEN / "page.html")
    assert report.id == "page"
    assert report.published == "2024-04-09"
    assert "shot down a drone approaching a coastal naval base" in report.text
    assert "no one was injured" in report.text
    assert report.text.startswith("Drone downed near coastal base")
    for leaked in ("SECRET_TRACKER_TOKEN", "STYLE_TOKEN", "loadAds", "color: red", "READER_COMMENT_TOKEN"):
        assert leaked not in report.text


def test_html_headline_kept_when_the_body_lacks_it(tmp_path: Path) -> None:
    page = tmp_path / "story.htm"
    paragraph = "Militants fired mortar rounds at a police station on the edge of town late on Saturday."
    body = f"<p>{paragraph} {paragraph}</p><p>Two officers were lightly wounded, a spokesman said.</p>"
    page.write_text(f"<html><head><title>Police station shelled</title></head><body><main>{body}</main>"
                    "</body></html>", encoding="utf-8")
    (report,) = read(page)
    assert report.id == "story" and report.published is None
    assert report.text.startswith("Police station shelled\n\nMilitants fired mortar rounds")


def test_html_without_text_is_empty(tmp_path: Path) -> None:
    page = tmp_path / "blank.html"
    page.write_text("<html><head><script>var only = 'code';</script></head><body></body></html>")
    error = error_of(page)
    assert error.reason == "empty" and str(page) in str(error)


def test_mixed_inputs_keep_input_order() -> None:
    reports = read(GOLDEN / "reports.csv", GOLDEN / "txt", GOLDEN / "reports.jsonl", GOLDEN / "page.html")
    assert [r.id for r in reports] == ["c-1", "reports:3", "c-3", "alpha", "gamma", "nested/beta",
                                       "g-001", "g-002", "g-003", "page"]


def test_reading_is_lazy(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "ok", "text": "fine"}) + "\n{broken\n")
    stream = read_reports([path])
    assert next(stream).id == "ok"  # the first report arrives before the bad line is read
    with pytest.raises(InputError):
        next(stream)


# --- validation -----------------------------------------------------------------------------------

def write_jsonl(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", json.dumps({"id": "a", "text": "one"}),
                       json.dumps({"id": "b", "text": "two"}), '{"id": "c", "text": ')
    error = error_of(path)
    assert (error.reason, error.path, error.line) == ("bad_json", str(path), 3)
    assert str(error).startswith(f"{path}:3: ")


@pytest.mark.parametrize(("record", "reason", "field"), [
    ({"text": "no id here"}, "missing_id", "id"),
    ({"id": "x"}, "missing_text", "text"),
    ({"id": "x", "text": 42}, "bad_field", "text"),
    ({"id": "x", "text": "   \n\t "}, "empty_text", "text"),
    ({"id": "x", "text": "t", "published": "23/11/2023"}, "bad_date", "published"),
    ({"id": "x", "text": "t", "published": "2023-02-30"}, "bad_date", "published"),
    ({"id": "x", "text": "t", "url": 7}, "bad_field", "url"),
])
def test_bad_records_have_reasons(tmp_path: Path, record: dict[str, object], reason: str, field: str) -> None:
    error = error_of(write_jsonl(tmp_path / "r.jsonl", json.dumps(record)))
    assert (error.reason, error.field, error.line) == (reason, field, 1)


def test_a_line_that_is_not_an_object(tmp_path: Path) -> None:
    error = error_of(write_jsonl(tmp_path / "r.jsonl", '["id", "text"]'))
    assert error.reason == "bad_record"


def test_invalid_utf8_txt_names_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"first line\nsecond line with caf" + b"\xe9 au lait\n")
    error = error_of(path)
    assert error.reason == "encoding" and error.line == 2
    assert "byte 31" in str(error)  # 0-based: 11 + 20 bytes before it and str(path) in str(error)


def test_invalid_utf8_in_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "caf\xe9"}\n')
    error = error_of(path)
    assert (error.reason, error.line) == ("encoding", 2)


def test_empty_txt(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("\n  \n")
    assert error_of(path).reason == "empty_text"


def test_header_with_impossible_date(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(" date 2024-13 notes\nSomething happened.\n")
    assert error_of(path).reason == "bad_date"


def test_binary_and_unsupported_files(tmp_path: Path) -> None:
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    fake_text = tmp_path / "dump.txt"
    fake_text.write_bytes(b"some words\x00\x01\x02 more")
    notes = tmp_path / "notes.docx"
    notes.write_text("plain words, but not a format osintrack reads")
    for path, reason in ((image, "binary"), (fake_text, "binary"), (notes, "unsupported")):
        error = error_of(path)
        assert error.reason == reason and str(path) in str(error)
        assert error.hint is not None and ".jsonl" in error.hint


def test_missing_path_fails_even_when_skipping(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read(tmp_path / "nowhere.jsonl", skip_bad=True)
    assert info.value.reason == "not_found"


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    one = write_jsonl(tmp_path / "one.jsonl", json.dumps({"id": "same", "text": "first"}))
    two = write_jsonl(tmp_path / "two.jsonl", json.dumps({"id": "other", "text": "x"}),
                      json.dumps({"id": "same", "text": "second"}))
    error = error_of(one, two)
    assert (error.reason, error.path, error.line) == ("duplicate_id", str(two), 2)
    assert f"{one}:1" in str(error)  # where the first one was read


def test_broken_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    lines = "".join(json.dumps({"id": str(n), "text": "some text"}) + "\n" for n in range(200))
    path.write_bytes(gzip.compress(lines.encode())[:120])  # cut mid-stream
    assert error_of(path).reason == "bad_gzip"


def test_csv_without_text_column(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,body\n1,hello\n")
    error = error_of(path)
    assert (error.reason, error.line) == ("bad_csv", 1)


def test_csv_errors_name_the_record_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b'text,published\n"fine, first",2024-01-01\n"two\nlines",2024-01-02\n'
                     b'too,many,cells\ncaf\xe9,2024-01-03\n"stray\nquote"x,2024-01-04\nlast one,\n')
    skips = SkipCounter(max_examples=5)
    reports = read(path, skip_bad=True, skips=skips)
    assert [r.id for r in reports] == ["r:2", "r:3", "r:9"]
    assert reports[1].text == "two\nlines"
    assert skips.counts == {"bad_csv": 2, "encoding": 1}
    assert [e.split(": ")[0] for e in skips.examples] == [f"{path}:{n}" for n in (5, 6, 7)]
    error = error_of(path)
    assert (error.reason, error.line) == ("bad_csv", 5)


def test_csv_unclosed_quote_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('text\n"closed"\n"never closed\nso the rest\nwould be swallowed\n')
    error = error_of(path)
    assert (error.reason, error.line) == ("bad_csv", 3)


# --- large input ----------------------------------------------------------------------------------

def test_five_megabyte_report_in_every_text_format(tmp_path: Path) -> None:
    body = "A patrol reported shelling near the river crossing; é ü ك. " * 90_000  # about 5.5 MB
    (tmp_path / "big.txt").write_text(" date 2024-05-01\n" + body, encoding="utf-8")
    write_jsonl(tmp_path / "big.jsonl", json.dumps({"id": "j", "text": body}, ensure_ascii=False))
    with (tmp_path / "big.csv").open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([["text"], [body]])
    started = time.perf_counter()
    reports = read(tmp_path / "big.txt", tmp_path / "big.jsonl", tmp_path / "big.csv")
    assert time.perf_counter() - started < 20  # linear reading takes well under a second
    assert len(body.encode()) > 5_000_000
    assert reports[0].text == " date 2024-05-01\n" + body and reports[0].published == "2024-05-01"
    assert reports[1].text == body and reports[2].text == body


# --- skipping -------------------------------------------------------------------------------------

def test_skip_bad_counts_by_reason_and_goes_on(tmp_path: Path) -> None:
    jsonl = write_jsonl(tmp_path / "mixed.jsonl",
                        json.dumps({"id": "a", "text": "good one"}), "{nope", "not json either",
                        json.dumps({"id": "b", "text": "  "}), json.dumps({"id": "a", "text": "again"}),
                        json.dumps({"id": "c", "text": "good two"}))
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01")
    skips = SkipCounter()
    reports = read(jsonl, binary, GOLDEN / "txt" / "gamma.txt", skip_bad=True, skips=skips)
    assert [r.id for r in reports] == ["a", "c", "gamma"]
    assert skips.counts == {"bad_json": 2, "empty_text": 1, "duplicate_id": 1, "binary": 1}
    assert skips.summary() == "skipped 5 records: 2 bad_json, 1 binary, 1 duplicate_id, 1 empty_text"
    assert len(skips.examples) == 3 and skips.examples[0].startswith(f"{jsonl}:2:")


def test_skip_counter_summary_singular() -> None:
    skips = SkipCounter()
    skips.add(InputError("x", reason="empty_text"))
    assert skips.summary() == "skipped 1 record: 1 empty_text"


def test_without_skip_bad_the_first_error_propagates(tmp_path: Path) -> None:
    jsonl = write_jsonl(tmp_path / "r.jsonl", json.dumps({"id": "a", "text": "t"}), json.dumps({"id": "b"}),
                        "{nope")
    assert error_of(jsonl).reason == "missing_text"


# --- language -------------------------------------------------------------------------------------

def test_language_detected_only_when_missing_and_only_for_packs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "available_languages", lambda: ["en", "fr"])
    guesses = {"bonjour": "fr", "hello": "en", "hallo": "de"}  # de: detected but no pack
    seen: list[str] = []

    def fake_detect(text: str) -> str | None:
        seen.append(text)
        return guesses[text]

    monkeypatch.setattr(ingest, "detect_language", fake_detect)
    path = write_jsonl(tmp_path / "r.jsonl", *(json.dumps({"id": t, "text": t}) for t in guesses),
                       json.dumps({"id": "given", "text": "hello", "lang": "FR"}))
    assert [r.lang for r in read(path)] == ["fr", "en", None, "fr"]
    assert seen == ["bonjour", "hello", "hallo"]  # a record that names a language osintrack reads is trusted


def test_language_not_detected_without_packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(text: str) -> str | None:
        raise AssertionError("lingua cannot be built over zero languages")

    monkeypatch.setattr(ingest, "detect_language", must_not_run)
    path = write_jsonl(tmp_path / "r.jsonl", json.dumps({"id": "x", "text": "words"}))
    assert read(path)[0].lang is None


def test_real_detection_when_packs_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from osintrack.language import available_languages

    monkeypatch.setattr(ingest, "available_languages", available_languages)
    if not {"en", "fr"} <= set(available_languages()):
        pytest.skip("the en and fr language packs are not written yet")
    path = write_jsonl(tmp_path / "r.jsonl", json.dumps(
        {"id": "x", "text": "Les forces armées ont indiqué qu'un drone avait été abattu près de la base."}))
    assert read(path)[0].lang == "fr"


def test_one_bare_path_is_one_input() -> None:
    assert [r.id for r in read_reports(str(GOLDEN / "reports.jsonl"))] == ["g-001", "g-002", "g-003"]
    assert [r.id for r in read_reports(GOLDEN / "txt")] == ["alpha", "gamma", "nested/beta"]
