"""An honest estimate: grouped k-fold cross-validation of the extractor over a gold-coded corpus.

Each report falls in one fold. For each fold, everything the extractor learns (the models' weights;
the thresholds are constants) is fitted on the other folds only, and the fold's reports are
extracted with it. The predictions of all folds are scored together with FORMAT.md's rules, beside
the score of the models fitted on everything (the "full-fit" score, which flatters the extractor). A
gap between the two says the engine fits the corpus rather than the language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import mean
from typing import Any

from .corpus import Sample
from .evaluate import score
from .extract import extract_report
from .extract.classifier import Models
from .extract.training import Prepared, folds, prepare, train


@dataclass(frozen=True, slots=True)
class Estimate:
    """Scores of the k-fold predictions (one per repeat) and of the full fit."""

    folds: int
    repeats: list[dict[str, Any]]
    full_fit: dict[str, Any]
    sets: dict[str, tuple[int, dict[str, Any], list[dict[str, Any]]]]  # set -> (reports, full fit, k-fold runs)

    def summary(self) -> dict[str, Any]:
        """The numbers the README and the gate report: event and tally F1, per language, fields."""
        out: dict[str, Any] = {"folds": self.folds, "repeats": len(self.repeats),
                               "full_fit": _headline(self.full_fit),
                               "kfold": {k: mean(_headline(r)[k] for r in self.repeats)
                                         for k in _headline(self.full_fit)}}
        languages = sorted(self.full_fit["events_by_language"])
        out["languages"] = {lang: {"n_gold": self.full_fit["events_by_language"][lang]["n_gold"],
                                   "full_fit": self.full_fit["events_by_language"][lang]["f1"],
                                   "kfold": mean(r["events_by_language"][lang]["f1"] for r in self.repeats)}
                            for lang in languages}
        out["fields"] = {name: {"full_fit": self.full_fit["fields"][name]["accuracy"],
                                "kfold": _mean_or_none([r["fields"][name]["accuracy"] for r in self.repeats])}
                         for name in self.full_fit["fields"]}
        out["sets"] = {name: {"reports": n, "full_fit": _headline(full),
                              "kfold": {k: mean(_headline(r)[k] for r in runs) for k in _headline(full)}}
                       for name, (n, full, runs) in self.sets.items()}
        return out


def _headline(scores: dict[str, Any]) -> dict[str, float]:
    return {"event_f1": scores["events"]["f1"], "event_precision": scores["events"]["precision"],
            "event_recall": scores["events"]["recall"], "tally_f1": scores["tallies"]["f1"]}


def _mean_or_none(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return mean(known) if known else None


def cross_validate(samples: Sequence[Sample], k: int = 5, repeats: int = 1, seed: int = 0,
                   progress: Callable[[int], object] | None = None) -> Estimate:
    """Grouped k-fold over ``samples`` (``repeats`` times, with other splits), and the full fit."""
    prepared = [prepare(s.report, s.gold) for s in samples]
    runs: list[dict[str, dict[str, Any]]] = []
    for repeat in range(repeats):
        predicted: dict[str, dict[str, Any]] = {}
        for held_out, rest in folds(prepared, k, seed + repeat):
            _predict(held_out, train(rest), predicted)
            if progress is not None:
                progress(1)
        runs.append(predicted)
    full: dict[str, dict[str, Any]] = {}
    _predict(prepared, train(prepared), full)

    def scored(part: Sequence[Sample], predicted: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return score([s.gold for s in part], [predicted[s.report.id] for s in part], [s.article for s in part])

    names = list(dict.fromkeys(s.set for s in samples))
    by_set = {name: [s for s in samples if s.set == name] for name in names}
    return Estimate(k, [scored(samples, r) for r in runs], scored(samples, full),
                    {name: (len(part), scored(part, full), [scored(part, r) for r in runs])
                     for name, part in by_set.items()})


def _predict(prepared: Sequence[Prepared], models: Models, into: dict[str, dict[str, Any]]) -> None:
    for p in prepared:
        into[p.report.id] = extract_report(p.report, models).to_json()


def render_estimate(summary: dict[str, Any]) -> str:
    """The k-fold estimate beside the full-fit score, overall and per language."""
    head, full = summary["kfold"], summary["full_fit"]
    lines = [f"Grouped {summary['folds']}-fold cross-validation by report ({summary['repeats']} repeat(s)), "
             "beside the models fitted on every report",
             f"{'':<20}{'full fit':>10}{'k-fold':>10}{'gap':>8}"]
    for name, label in (("event_f1", "event F1"), ("event_precision", "event P"), ("event_recall", "event R"),
                        ("tally_f1", "tally F1")):
        lines.append(f"  {label:<18}{full[name]:>10.3f}{head[name]:>10.3f}{full[name] - head[name]:>8.3f}")
    if len(summary.get("sets", {})) > 1:
        lines += ["", f"{'by set':<20}{'reports':>7}{'event F1 full / k-fold':>26}{'tally F1 full / k-fold':>26}"]
        for name, row in summary["sets"].items():
            full_fit, kfold = row["full_fit"], row["kfold"]
            lines.append(f"  {name:<18}{row['reports']:>7}{full_fit['event_f1']:>16.3f} / {kfold['event_f1']:.3f}"
                         f"{full_fit['tally_f1']:>16.3f} / {kfold['tally_f1']:.3f}")
    lines += ["", f"{'event F1 by language':<20}{'n gold':>7}{'full fit':>10}{'k-fold':>10}"]
    for lang, row in summary["languages"].items():
        lines.append(f"  {lang:<18}{row['n_gold']:>7}{row['full_fit']:>10.3f}{row['kfold']:>10.3f}")
    lines += ["", f"{'field accuracy':<20}{'full fit':>10}{'k-fold':>10}"]
    for name, row in summary["fields"].items():
        cells = [f"{v:>10.3f}" if v is not None else f"{'n/a':>10}" for v in (row["full_fit"], row["kfold"])]
        lines.append(f"  {name:<18}{''.join(cells)}")
    return "\n".join(lines)
