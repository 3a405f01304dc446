"""Fit and measure the learning-outcome decision: the confidence that a reviewer accepts a link.

    python benchmarks/outcome_decision.py [--save models/matching-settings.json]

The outcomes are the development set (``../shared/benchmarks/learning_outcomes_*.jsonl``) and the
project's own labelled ones (``benchmarks/outcomes/*.jsonl``, gold checked in ESCO v1.1.1). For each
outcome the matcher's first five skills are examples: accepted when in one of the outcome's gold
groups. A logistic regression on the skill's score, its lead over the best non-sibling, the
agreement of the outcome's readings and its place in the outcome's ranking gives the skills'
:class:`Calibration`. Everything printed is
cross-fitted (five folds by outcome): the reliability per decile of predicted confidence, and the
outcome metrics with the linked matches the decision would make, per language and per file, with
their spread.
``--phrase-shares`` compares the share of a skill's score that comes from the outcome's phrases.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.metrics import bootstrap, evaluate_outcomes  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER  # noqa: E402
from skillmatch.matching import Matcher, open_matcher  # noqa: E402
from skillmatch.matching.settings import Calibration, TunedSettings  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "benchmarks"
FOLDS = 5
CANDIDATES = 5



def outcome_files() -> list[Path]:
    return sorted(SHARED.glob("learning_outcomes_*.jsonl")) + sorted((HERE / "outcomes").glob("*.jsonl"))


def read_items(files: list[Path]) -> list[dict]:
    """The outcomes of ``files``, each with the ``file`` it came from."""
    return [{**json.loads(line), "file": file.name} for file in files
            for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]


def examples(matcher: Matcher, items: list[dict]) -> tuple[list[list], np.ndarray, np.ndarray, np.ndarray]:
    """Each outcome's first matches; the (score, lead, agreement, rank) features of its first
    CANDIDATES, whether each is accepted, and the outcome each belongs to."""
    matched = matcher.match_outcomes_batch([[item["text"]] for item in items], top_k=10)
    features, accepted, owner = [], [], []
    for i, (item, matches) in enumerate(zip(items, matched, strict=True)):
        gold = set(item["gold"])
        for position, match in enumerate(matches[:CANDIDATES]):
            features.append((match.score, match.lead, match.agreement, position))
            accepted.append(match.uri in gold)
            owner.append(i)
    return matched, np.array(features), np.array(accepted), np.array(owner)


def fit(features: np.ndarray, accepted: np.ndarray) -> Calibration:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0, max_iter=1000).fit(features, accepted)
    return Calibration(*(round(float(value), 3) for value in (model.intercept_[0], *model.coef_[0])))


def cross_fitted(features: np.ndarray, accepted: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    fold = np.random.default_rng(0).permutation(n) % FOLDS
    predicted = np.zeros(len(accepted))
    for k in range(FOLDS):
        held = fold[owner] == k
        calibration = fit(features[~held], accepted[~held])
        predicted[held] = [calibration.confidence(*row) for row in features[held]]
    return predicted


def decided(items: list[dict], matched: list[list], predicted: np.ndarray, threshold: float) -> dict:
    """Each outcome's ranking with the links the decision makes at these confidences: the
    confident ones, but never a sibling listed as an alternative of a link made before it."""
    found, at = {}, 0
    for item, matches in zip(items, matched, strict=True):
        rows, shadowed = [], set()
        for position, match in enumerate(matches):
            confident = position < CANDIDATES and predicted[at + position] >= threshold
            linked = confident and match.uri not in shadowed
            if linked:
                shadowed |= {uri for uri, _ in match.alternatives}
            rows.append((match.uri, linked))
        at += min(CANDIDATES, len(matches))
        found[item["id"]] = rows
    return found


def reliability(predicted: np.ndarray, accepted: np.ndarray) -> list[str]:
    lines = ["| predicted | n | mean predicted | observed accepted |", "|---|---|---|---|"]
    edges = np.linspace(0, 1, 11)
    for low, high in zip(edges, edges[1:], strict=False):
        inside = (predicted >= low) & ((predicted < high) if high < 1 else (predicted <= high))
        if inside.any():
            lines.append(f"| {low:.1f}–{high:.1f} | {int(inside.sum())} | {predicted[inside].mean():.3f} | "
                         f"{accepted[inside].mean():.3f} |")
    return lines


def report(items: list[dict], found: dict) -> list[str]:
    """The outcome metrics with their spread: all, per language and per file (the development
    set is written as the unseen outcomes are; our own outcomes come out easier)."""
    lines = ["| outcomes | n | group R@5 | top1 | with link | link precision | link group R |",
             "|---|---|---|---|---|---|---|"]
    files = sorted({item["file"] for item in items})
    for part in ("all", "nl", "en", *(files if len(files) > 1 else ())):
        subset = [item for item in items if part in ("all", item["lang"], item["file"])]
        figures = evaluate_outcomes(found, subset)
        cells = []
        for metric in ("group R@5", "top1", "with link", "link precision", "link group R"):
            value = figures[metric]
            spread = bootstrap(found, subset, metric)
            interval = f" [{spread[0]:.2f}–{spread[1]:.2f}]" if spread else ""
            cells.append("—" if value is None else f"{value:.3f}{interval}")
        lines.append(f"| {part} | {len(subset)} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path, help="write the fitted skill calibration into this tuned-settings file")
    parser.add_argument("--phrase-shares", type=float, nargs="*", default=[],
                        help="also rank with these phrase shares (ranking metrics only)")
    args = parser.parse_args(argv)
    settings = Settings()
    matcher = open_matcher(settings.data_dir, DEFAULT_ENCODER, training_data=settings.training_data)
    files = outcome_files()
    items = read_items(files)
    print(f"{len(items)} outcomes from {', '.join(f.name for f in files)}")
    for share in args.phrase_shares:
        shared = Matcher.__new__(Matcher)
        shared.__dict__.update(matcher.__dict__, settings=replace(matcher.settings, phrase_share=share))
        ranked = shared.match_outcomes_batch([[item["text"]] for item in items], top_k=10)
        found = {item["id"]: [(m.uri, False) for m in ms] for item, ms in zip(items, ranked, strict=True)}
        print(f"\nphrase share {share}:")
        print("\n".join(line for line in report(items, found) if "link" not in line or "outcomes" in line))
    matched, features, accepted, owner = examples(matcher, items)
    predicted = cross_fitted(features, accepted, owner, len(items))
    threshold = matcher.settings.tuned.threshold
    print(f"\ncross-fitted ({FOLDS} folds by outcome), first {CANDIDATES} skills of each outcome, "
          f"linked at confidence >= {threshold}:")
    print("\n".join(report(items, decided(items, matched, predicted, threshold))))
    print("\nreliability (cross-fitted):")
    print("\n".join(reliability(predicted, accepted)))
    calibration = fit(features, accepted)
    print(f"\nfitted on all {len(items)} outcomes: {calibration}")
    if args.save:
        tuned = TunedSettings.load(args.save)
        tuned = replace(tuned, skills=replace(tuned.skills, calibration=calibration))
        tuned.save(args.save)
        print(f"saved the skill calibration to {args.save}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
