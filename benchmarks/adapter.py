"""Held-out quality of the query adapter, by 2-fold cross-fitting on the development sets.

    .venv/bin/python benchmarks/adapter.py [--gold-dir ../shared/benchmarks] [--limit N]

The product fits its adapters on every development item, so its own figures on those items
(benchmarks/quality.py) are in-sample. Here every gold file is cut into two halves (fixed seed);
an adapter fitted on ESCO's own pairs plus the first halves of all files is measured on the
second halves, and the other way round, and each item is scored by the adapter that never saw it.
Printed per file: the headline metric (RP@5 for skill sentences, MRR for Dutch phrases and
occupations) with no adapter, with an adapter fitted on ESCO's pairs only, and cross-fitted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.metrics import evaluate, headline, load_gold  # noqa: E402
from benchmarks.tune import calibrate, collect, rank  # noqa: E402
from skillmatch.adapter import LabelledText  # noqa: E402
from skillmatch.cli.common import load_matcher  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER  # noqa: E402
from skillmatch.matcher import Calibration, Matcher  # noqa: E402
from skillmatch.taxonomy import ConceptKind  # noqa: E402


def halves(items: list[dict], seed: int = 0) -> tuple[list[dict], list[dict]]:
    first = set(np.random.default_rng(seed).permutation(len(items))[: len(items) // 2].tolist())
    return [it for i, it in enumerate(items) if i in first], [it for i, it in enumerate(items) if i not in first]


def labelled(items: list[dict]) -> list[LabelledText]:
    return [LabelledText(item["text"], tuple(item["gold"])) for item in items]


def score(matcher: Matcher, kind: ConceptKind, items: list[dict]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Each item's top 11 concepts with their scores (the 11th gives the 10th its lead)."""
    weights = matcher.settings.skills if kind is ConceptKind.SKILL else matcher.settings.occupations
    return rank(collect(matcher, kind, items), weights, matcher.indexes_[kind].uris_, top_k=11)


def cross_fitted(matcher: Matcher, gold: dict[str, tuple[ConceptKind, list[dict]]]
                 ) -> tuple[dict[str, dict[str, float]], dict[ConceptKind, Calibration]]:
    """Per file: metrics with no adapter, the ESCO-only adapter, and the cross-fitted one; and per
    kind, the confidence calibration fitted on the cross-fitted scores (what unseen text gets)."""
    split = {name: halves(items) for name, (_kind, items) in gold.items()}
    rankings: dict[str, dict[str, dict[str, tuple[list[str], np.ndarray]]]] = {name: {} for name in gold}
    calibrations = {}
    for kind in (ConceptKind.SKILL, ConceptKind.OCCUPATION):
        names = [name for name, (k, _items) in gold.items() if k is kind]
        if not names:
            continue
        dense = matcher.indexes_[kind]
        variants = {"none": None, "esco": matcher.fit_adapter(dense, [])}
        for held_out in (0, 1):
            train = [text for name in names for text in labelled(split[name][1 - held_out])]
            variants[f"fold{held_out}"] = matcher.fit_adapter(dense, train)
        for name in names:
            items = gold[name][1]
            for variant in ("none", "esco"):
                adapter = variants[variant]
                if adapter is None:
                    matcher.adapters_.pop(kind, None)
                else:
                    matcher.adapters_[kind] = adapter
                rankings[name][variant] = score(matcher, kind, items)
            crossed = {}
            for held_out in (0, 1):
                matcher.adapters_[kind] = variants[f"fold{held_out}"]
                crossed.update(score(matcher, kind, split[name][held_out]))
            rankings[name]["cross-fitted"] = crossed
        matcher.adapters_.pop(kind, None)
        calibrations[kind] = calibrate(
            kind, {item_id: found for name in names for item_id, found in rankings[name]["cross-fitted"].items()},
            {item["id"]: set(item["gold"]) for name in names for item in gold[name][1]})
    figures = {name: {variant: evaluate({item_id: found[0][:10] for item_id, found in ranked.items()},
                                        gold[name][1])[headline(name)]
                      for variant, ranked in by.items()}
               for name, by in rankings.items()}
    return figures, calibrations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold-dir", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--limit", type=int, help="first N items of each file (a quick run)")
    parser.add_argument("--json", type=Path, help="also write the figures and calibrations here")
    args = parser.parse_args()
    started = time.perf_counter()
    matcher = load_matcher(None, DEFAULT_ENCODER)
    gold = {}
    for path in sorted(args.gold_dir.glob("*.jsonl")):
        kind = ConceptKind.SKILL if path.name.startswith("skills_") else ConceptKind.OCCUPATION
        gold[path.stem] = (kind, load_gold(path)[: args.limit])
    figures, calibrations = cross_fitted(matcher, gold)
    print("| file | metric | no adapter | ESCO pairs only | cross-fitted (ESCO + other half) |")
    print("|---|---|---|---|---|")
    for name, by in figures.items():
        print(f"| {name} | {headline(name)} | {by['none']:.3f} | {by['esco']:.3f} | **{by['cross-fitted']:.3f}** |")
    for kind, calibration in calibrations.items():
        print(f"{kind.value} calibration on cross-fitted scores: {calibration}")
    if args.json:
        args.json.write_text(json.dumps({"files": figures, "calibrations": {
            kind.value: asdict(calibration) for kind, calibration in calibrations.items()}}, indent=2))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
