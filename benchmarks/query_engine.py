"""What the int8 query engine costs in quality: every dev file's figures with queries encoded by
int8 onnxruntime (the product's engine) and by the converted model in torch fp32, on the same
index, with the query adapter off so that only the engine differs.

    .venv/bin/python benchmarks/query_engine.py [--gold-dir ../shared/benchmarks] [--limit N]
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
from skillmatch.config import Settings  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER, SPECS, _converted_e5, _onnx_e5  # noqa: E402
from skillmatch.taxonomy import ConceptKind  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold-dir", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    matcher = load_matcher(None, DEFAULT_ENCODER)
    matcher.adapters_.clear()
    data_dir, spec = Settings().data_dir, SPECS[DEFAULT_ENCODER]
    engines = {"int8 onnxruntime": _onnx_e5(spec, data_dir, None, int8=True),
               "torch fp32": _converted_e5(spec, data_dir, None, bf16=False)}
    print("| file | metric | " + " | ".join(engines) + " | seconds |")
    print("|---|---|" + "---|" * len(engines) + "---|")
    for path in sorted(args.gold_dir.glob("*.jsonl")):
        kind = ConceptKind.SKILL if path.name.startswith("skills_") else ConceptKind.OCCUPATION
        weights = matcher.settings.skills if kind is ConceptKind.SKILL else matcher.settings.occupations
        items = load_gold(path)[: args.limit]
        figures, seconds = [], []
        for engine in engines.values():
            matcher.encoder = engine
            started = time.perf_counter()
            ranked = rank(collect(matcher, kind, items), weights, matcher.indexes_[kind].uris_)
            top = {item_id: found[0] for item_id, found in ranked.items()}
            figures.append(evaluate(top, items)[headline(path.name)])
            seconds.append(time.perf_counter() - started)
        print(f"| {path.stem} | {headline(path.name)} | " + " | ".join(f"{f:.3f}" for f in figures)
              + " | " + " / ".join(f"{s:.0f}" for s in seconds) + " |", flush=True)


if __name__ == "__main__":
    main()
