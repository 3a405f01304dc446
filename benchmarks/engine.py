"""What the int8 engine costs in quality: every dev file's headline figure with e5-small (int8
onnxruntime for queries and stored forms alike: the product) and e5-small-st (the same converted
model in torch fp32, with its own index), query adapters off so that only the engine differs.

    .venv/bin/python benchmarks/engine.py [--gold-dir ../shared/benchmarks] [--limit N]

The first run builds the fp32 index beside the product's (about 18 minutes on two cores without
native bf16); later runs load it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.metrics import evaluate, headline, load_gold  # noqa: E402
from benchmarks.tune import collect, rank  # noqa: E402
from skillmatch.cli.common import load_matcher  # noqa: E402
from skillmatch.taxonomy import ConceptKind  # noqa: E402

ENGINES = {"int8 onnxruntime": "e5-small", "torch fp32": "e5-small-st"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold-dir", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    matchers = {label: load_matcher(None, name) for label, name in ENGINES.items()}
    for matcher in matchers.values():
        matcher.adapters_.clear()
    print("| file | metric | " + " | ".join(matchers) + " | seconds |")
    print("|---|---|" + "---|" * len(matchers) + "---|")
    for path in sorted(args.gold_dir.glob("*.jsonl")):
        kind = ConceptKind.SKILL if path.name.startswith("skills_") else ConceptKind.OCCUPATION
        items = load_gold(path)[: args.limit]
        figures, seconds = [], []
        for matcher in matchers.values():
            weights = matcher.settings.skills if kind is ConceptKind.SKILL else matcher.settings.occupations
            started = time.perf_counter()
            ranked = rank(collect(matcher, kind, items), weights, matcher.indexes_[kind].uris_)
            top = {item_id: found[0] for item_id, found in ranked.items()}
            figures.append(evaluate(top, items)[headline(path.name)])
            seconds.append(time.perf_counter() - started)
        print(f"| {path.stem} | {headline(path.name)} | " + " | ".join(f"{f:.3f}" for f in figures)
              + " | " + " / ".join(f"{s:.0f}" for s in seconds) + " |", flush=True)


if __name__ == "__main__":
    main()
