"""Speed of map-skills on credential-sized inputs, ours against the peer, in one run.

    .venv/bin/python benchmarks/speed.py [--items 100] [--repeat 3]

Inputs: outcome blocks of six consecutive SkillSkape development sentences (about 130 words,
the size of a microcredential's learning outcomes). For each engine, in a fresh process:

- cold start: process start to the first result for one block, indexes already built;
- throughput: blocks per second over ``--items`` blocks, after loading and one warm-up batch
  of 32 other blocks (which loads what a first large request loads: our batch engine);
- peak memory (max RSS) of that process.

Each is measured ``--repeat`` times, the engines taking turns; medians are printed, and the
throughput ratio of each round.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

GOLD = REPO.parent / "shared" / "benchmarks" / "skills_skillskape_dev.jsonl"


def blocks(n: int) -> list[str]:
    sentences = [json.loads(line)["text"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [" ".join(sentences[i : i + 6]) for i in range(0, 6 * n, 6)]


def worker(engine: str, n: int) -> None:
    """Runs in its own process: load, map one block (cold start), then time ``n`` blocks."""
    started = time.perf_counter()
    texts = blocks(n + 32)
    warm_up, texts = texts[n:], texts[:n]
    if engine == "ours":
        from skillmatch.config import Settings
        from skillmatch.encoder import DEFAULT_ENCODER
        from skillmatch.matching import open_matcher

        settings = Settings()
        matcher = open_matcher(settings.data_dir, DEFAULT_ENCODER, training_data=settings.training_data)
        run = matcher.match_skills_batch
        run(texts[:1], top_k=10)
    else:
        from benchmarks.peer import Peer

        peer = Peer()

        def run(batch: list[str], top_k: int) -> object:
            return peer.rank_skills(batch, top_k)

        run(texts[:1], top_k=10)
    first = time.perf_counter() - started
    run(warm_up, top_k=10)
    started = time.perf_counter()
    for i in range(0, n, 32):
        run(texts[i : i + 32], top_k=10)
    seconds = time.perf_counter() - started
    print(json.dumps({"in_process_first_result_s": first, "items": n, "seconds": seconds,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def cold_start(engine: str) -> float:
    """Process start to first result, as a user sees it: the CLI for ours, Python for the peer."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "one.jsonl"
        source.write_text(json.dumps({"id": "1", "text": blocks(1)[0]}) + "\n", encoding="utf-8")
        if engine == "ours":
            command = [str(Path(sys.executable).parent / "skillmatch"), "map-skills", "--input", str(source),
                       "--output", str(Path(tmp) / "out.jsonl")]
        else:
            command = [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                       "from benchmarks.peer import Peer; from benchmarks.speed import blocks; "
                       "Peer().rank_skills(blocks(1), 10)", str(REPO)]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", choices=("ours", "peer"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.items)
        return
    print(f"machine: {platform.machine()}, python {platform.python_version()}, {args.items} blocks of 6 sentences")
    print("| engine | cold start s (median) | blocks/s | outcomes/s | peak memory MB |")
    print("|---|---|---|---|---|")
    from skillmatch.outcomes import split_outcomes

    outcomes = sum(len(split_outcomes(b)) for b in blocks(args.items))
    colds: dict[str, list[float]] = {"ours": [], "peer": []}
    rates: dict[str, list[float]] = {"ours": [], "peer": []}
    memory: dict[str, float] = {}
    # Alternated, and the median taken: on a shared 2-core machine one engine's single run can
    # land in a slow minute that the other's does not.
    for _ in range(args.repeat):
        for engine in ("ours", "peer"):
            colds[engine].append(cold_start(engine))
            result = subprocess.run([sys.executable, __file__, "--worker", engine, "--items", str(args.items)],
                                    check=True, capture_output=True, text=True)
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            rates[engine].append(figures["items"] / figures["seconds"])
            memory[engine] = max(memory.get(engine, 0.0), figures["max_rss_mb"])
    for engine in ("ours", "peer"):
        rate = statistics.median(rates[engine])
        print(f"| {engine} | {statistics.median(colds[engine]):.2f} | {rate:.2f} | "
              f"{rate * outcomes / args.items:.1f} | {memory[engine]:.0f} |", flush=True)
    ratios = [ours / peer for ours, peer in zip(rates["ours"], rates["peer"], strict=True)]
    print(f"throughput ours/peer per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.2f}")

if __name__ == "__main__":
    main()
