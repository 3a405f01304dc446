"""Held-out quality of the query adapter, by 2-fold cross-fitting on the development sets.

    .venv/bin/python benchmarks/adapter.py [--gold-dir ../shared/benchmarks] [--limit N]

The product fits its adapters on every development item, so its own figures on those items
(benchmarks/quality.py) are in-sample. Here every gold file is cut into two halves (fixed seed);
an adapter fitted on ESCO's own pairs plus the first halves of all files is measured on the
second halves, and the other way round, and each item is scored by the adapter that never saw it.
Printed per file: the headline metric (RP@5 for skill sentences, MRR for Dutch phrases and
occupations) with no adapter, with an adapter fitted on ESCO's pairs only, and cross-fitted, all
with the matcher's weights. The weights and the calibration are fitted on the same cross-fitted
evidence by benchmarks/tune.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.metrics import evaluate, headline, load_gold  # noqa: E402
from benchmarks.tune import collect, cross_fitted, rank, rank_halves  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER  # noqa: E402
from skillmatch.matching import Matcher, open_matcher  # noqa: E402
from skillmatch.taxonomy import ConceptKind  # noqa: E402


def score(matcher: Matcher, kind: ConceptKind, items: list[dict]) -> dict[str, list[str]]:
    """Each item's top 10 concepts."""
    return {item_id: found[0] for item_id, found in
            rank(collect(matcher, kind, items), matcher.weights(kind), matcher.indexes_[kind].uris_).items()}


def compare(matcher: Matcher, gold: dict[str, tuple[ConceptKind, list[dict]]], *,
            steps: int | None = None) -> dict[str, dict[str, float]]:
    """Per file, the headline metric with no adapter, the ESCO-only adapter, and cross-fitted
    (adapters fitted with ``steps`` gradient steps, default the shipped settings')."""
    rankings: dict[str, dict[str, dict[str, list[str]]]] = {name: {} for name in gold}
    for kind in (ConceptKind.SKILL, ConceptKind.OCCUPATION):
        files = {name: items for name, (k, items) in gold.items() if k is kind}
        if not files:
            continue
        for variant, adapter in (("none", None), ("esco", matcher.fit_adapter(kind, [], steps=steps))):
            if adapter is None:
                matcher.adapters_.pop(kind, None)
            else:
                matcher.adapters_[kind] = adapter
            for name, items in files.items():
                rankings[name][variant] = score(matcher, kind, items)
        weights, uris = matcher.weights(kind), matcher.indexes_[kind].uris_
        for name, parts in cross_fitted(matcher, kind, files, steps=steps).items():
            rankings[name]["cross-fitted"] = {item_id: found[0] for item_id, found in
                                              rank_halves(parts, weights, uris).items()}
    return {name: {variant: evaluate(ranked, gold[name][1])[headline(name)] for variant, ranked in by.items()}
            for name, by in rankings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold-dir", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--limit", type=int, help="first N items of each file (a quick run)")
    parser.add_argument("--adapter-steps", type=int,
                        help="gradient steps of each adapter fit (default: the shipped settings'; fewer make "
                             "a quick run)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    started = time.perf_counter()
    settings = Settings()
    matcher = open_matcher(settings.data_dir, DEFAULT_ENCODER, training_data=settings.training_data)
    gold = {}
    # The skill and occupation gold sets (the learning outcomes are measured by quality.py).
    for kind, prefix in ((ConceptKind.SKILL, "skills_"), (ConceptKind.OCCUPATION, "occupations_")):
        for path in sorted(args.gold_dir.glob(f"{prefix}*.jsonl")):
            gold[path.stem] = (kind, load_gold(path)[: args.limit])
    figures = compare(matcher, gold, steps=args.adapter_steps)
    print("| file | metric | no adapter | ESCO pairs only | cross-fitted (ESCO + other half) |")
    print("|---|---|---|---|---|")
    for name, by in figures.items():
        print(f"| {name} | {headline(name)} | {by['none']:.3f} | {by['esco']:.3f} | **{by['cross-fitted']:.3f}** |")
    if args.json:
        args.json.write_text(json.dumps({"files": figures}, indent=2))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
