"""Training and the honest estimate, on a corpus made of the repository's own example reports.

The shared corpus is what osintrack is trained on (tests/test_corpus_gate.py); these tests need
none of it: they lay the bundled examples out as a two-set corpus and drive `osintrack train` and
`osintrack evaluate --folds` on it, so the commands, their determinism and their errors are checked
wherever the tests run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from osintrack.cli import main
from osintrack.corpus import load_corpus, set_names
from osintrack.crossval import cross_validate
from osintrack.extract import extract_report
from osintrack.extract.classifier import load_models
from osintrack.extract.training import EVENT_THRESHOLD
from osintrack.model import Report

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/ as a corpus of two sets (its JSON-lines reports split in two), gold beside each."""
    root = tmp_path_factory.mktemp("corpus")
    gold = {g["id"]: g for g in map(json.loads, (EXAMPLES / "gold.jsonl").read_text(encoding="utf-8").splitlines())}
    articles = (EXAMPLES / "reports" / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    for name, part in (("one", articles[::2]), ("two", articles[1::2])):
        folder = root / name
        folder.mkdir()
        (folder / "articles.jsonl").write_text("\n".join(part) + "\n", encoding="utf-8")
        ids = [json.loads(line)["id"] for line in part]
        (folder / "gold.jsonl").write_text("\n".join(json.dumps(gold[i]) for i in ids) + "\n", encoding="utf-8")
    return root


def test_train_is_deterministic_and_its_models_extract(corpus: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for target in (first, second):
        result = runner.invoke(main, ["train", "--corpus", str(corpus), "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert "trained on 11 reports (one, two)" in result.output
    assert first.read_bytes() == second.read_bytes()
    models = load_models(first)
    assert models.about["sets"] == ["one", "two"] and models.threshold == EVENT_THRESHOLD
    text = "Two drones struck Ain al-Asad air base in western Iraq on Tuesday, the Pentagon said."
    events = extract_report(Report("t", text, "2023-10-19", "en"), models).events
    assert [(e.site, e.date) for e in events] == [("Ain al-Asad Air Base", "2023-10-17")]


def test_evaluate_folds_scores_reports_only_with_models_that_never_saw_them(corpus: Path) -> None:
    samples = load_corpus(corpus)
    assert set_names(corpus) == ["one", "two"] and len(samples) == 11
    summary = cross_validate(samples, k=2).summary()
    assert summary["folds"] == 2 and set(summary["sets"]) == {"one", "two"}
    assert 0.0 <= summary["kfold"]["event_f1"] <= 1.0 and summary["full_fit"]["event_f1"] > 0.5
    assert sum(row["reports"] for row in summary["sets"].values()) == 11
    result = CliRunner().invoke(main, ["evaluate", "--folds", "2", "--corpus", str(corpus), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kfold"] == summary["kfold"]  # the same splits, the same scores


def test_training_errors_name_what_is_wrong(tmp_path: Path, corpus: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(main, ["train", "--corpus", str(tmp_path)])
    assert empty.exit_code == 1 and "no corpus sets found" in empty.output and "--corpus" in empty.output
    unknown = runner.invoke(main, ["train", "--corpus", str(corpus), "--sets", "one,three"])
    assert unknown.exit_code == 1 and "no corpus set three" in unknown.output and "one, two" in unknown.output
    both = runner.invoke(main, ["evaluate", "--folds", "2", "--gold", "x.jsonl", "--pred", "y.jsonl"])
    assert both.exit_code == 2 and "--folds" in both.output
    neither = runner.invoke(main, ["evaluate"])
    assert neither.exit_code == 2 and "--gold and --pred" in neither.output
