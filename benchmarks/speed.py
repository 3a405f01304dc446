"""Speed of map-skills, ours against the peer, in one run.

    .venv/bin/python benchmarks/speed.py [--items 100] [--sentences 1230] [--repeat 3]

Inputs, from the SkillSkape development set: outcome blocks of six consecutive sentences (about
130 words, the size of a microcredential's learning outcomes), and the plain sentences one by one.
For each engine, each measure in a fresh process:

- cold start: process start to the first result for one block, indexes already built (ours: the
  ``skillmatch map-skills`` command on a one-line file, until its output is in place), and to
  the process's exit (the interpreter then frees what was loaded);
- blocks/s: over ``--items`` blocks in process, after loading and one warm-up batch of 32 other
  blocks (which loads what a first large request loads: our batch engine); batches of 32 blocks,
  ours through ``match_skills_stream`` as ``map-skills`` runs them;
- sentences/s, whole process: ``--sentences`` sentences from process start to exit (ours: the
  ``skillmatch map-skills`` command; the peer: Python loading it and ranking batches of 32);
- peak memory (max RSS) of the blocks process.

For ours, the time split: the matching of the sentences and of the blocks (in process), against
the encoder alone encoding the same texts in the same calls, one after the other.

Each is measured ``--repeat`` times, the engines taking turns; medians are printed, and the
ratios of each round.
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
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

GOLD = REPO.parent / "shared" / "benchmarks" / "skills_skillskape_dev.jsonl"
ENGINES = ("ours", "peer")
BATCH = 32


def sentences(n: int | None = None) -> list[str]:
    """The gold set's sentences in file order, the first ``n`` (default all)."""
    texts = [json.loads(line)["text"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts[:n]


def blocks(n: int) -> list[str]:
    texts = sentences()
    return [" ".join(texts[i : i + 6]) for i in range(0, 6 * n, 6)]


def batches(texts: Sequence[str]) -> list[list[str]]:
    return [list(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]


class RecordingEncoder:
    """Our encoder, recording the texts of each call, so that the encoder alone can be timed on
    exactly what the matching encoded, batched alike."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self.calls: list[list[str]] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.encoder, name)

    def encode(self, texts: Sequence[str], *, role: str, progress=None) -> np.ndarray:
        self.calls.append(list(texts))
        return self.encoder.encode(texts, role=role, progress=progress)

    def replay(self) -> float:
        """Seconds the encoder alone takes for the recorded calls, one after the other."""
        started = time.perf_counter()
        for texts in self.calls:
            self.encoder.encode(texts, role="query")
        return time.perf_counter() - started


def worker(engine: str, kind: str, n: int) -> None:
    """Runs in its own process: load, warm up on a batch of 32 blocks, then time ``n`` blocks or
    sentences; for ours, the encoder alone on the same calls too."""
    warm_up = blocks(n + BATCH)[-BATCH:] if kind == "blocks" else blocks(BATCH)
    texts = blocks(n) if kind == "blocks" else sentences(n)
    if engine == "ours":
        from skillmatch.config import Settings
        from skillmatch.encoder import DEFAULT_ENCODER
        from skillmatch.matching import open_matcher

        settings = Settings()
        matcher = open_matcher(settings.data_dir, DEFAULT_ENCODER, training_data=settings.training_data)
        matcher.match_skills_batch(warm_up, top_k=10)
        recorder = matcher.encoder = RecordingEncoder(matcher.encoder)
        started = time.perf_counter()
        for _ranked in matcher.match_skills_stream(batches(texts), top_k=10):
            pass
        seconds = time.perf_counter() - started
        encoder = recorder.replay()
    else:
        from benchmarks.peer import Peer

        peer = Peer()
        peer.rank_skills(warm_up, 10)
        started = time.perf_counter()
        for batch in batches(texts):
            peer.rank_skills(batch, 10)
        seconds = time.perf_counter() - started
        encoder = None
    print(json.dumps({"items": len(texts), "seconds": seconds,
                      "encoder_seconds": encoder,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def whole_process(engine: str, texts: Sequence[str]) -> tuple[float, float]:
    """Seconds from process start until the results are written (as JSONL, the top 10 skills of
    each of ``texts``), and until the process exits: the command for ours, Python for the peer."""
    with tempfile.TemporaryDirectory() as tmp:
        source, output = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        source.write_text("".join(json.dumps({"id": str(i), "text": text}) + "\n" for i, text in enumerate(texts)),
                          encoding="utf-8")
        if engine == "ours":
            command = [str(Path(sys.executable).parent / "skillmatch"), "map-skills", "--input", str(source),
                       "--output", str(output)]
        else:
            command = [sys.executable, "-c", _PEER_COMMAND, str(REPO), str(source), str(output)]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        written = None
        # Both write the results under another name and rename them into place when done.
        while process.poll() is None:
            if written is None and output.exists():
                written = time.perf_counter() - started
            time.sleep(0.005)
        exited = time.perf_counter() - started
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command, stderr=process.stderr.read())
        return written or exited, exited


# What map-skills does, done with the peer: read the JSONL, rank batches of 32, write the rankings.
_PEER_COMMAND = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from benchmarks.peer import Peer
items = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
peer = Peer()
with open(sys.argv[3] + ".tmp", "w", encoding="utf-8") as out:
    for start in range(0, len(items), 32):
        batch = items[start : start + 32]
        for item, ranked in zip(batch, peer.rank_skills([i["text"] for i in batch], 10)):
            out.write(json.dumps({"id": item["id"], "skills": [{"uri": u, "score": s} for u, s in ranked]}) + "\\n")
os.replace(sys.argv[3] + ".tmp", sys.argv[3])
"""


def cold_start(engine: str) -> tuple[float, float]:
    """Process start to the first result (one block's), and to exit, as a user sees them: the
    command for ours, Python for the peer."""
    return whole_process(engine, blocks(1))


def run_worker(engine: str, kind: str, n: int) -> dict:
    result = subprocess.run([sys.executable, __file__, "--worker", engine, "--kind", kind, "--items", str(n)],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100, help="outcome blocks timed in process")
    parser.add_argument("--sentences", type=int, default=None, help="sentences (default all 1,230)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=("blocks", "sentences"), default="blocks", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.kind, args.items)
        return
    plain = sentences(args.sentences)
    from skillmatch.outcomes import split_outcomes

    outcomes = sum(len(split_outcomes(b)) for b in blocks(args.items))
    print(f"machine: {platform.machine()}, python {platform.python_version()}; {args.items} blocks of 6 sentences "
          f"({outcomes} outcomes), {len(plain)} sentences; {args.repeat} rounds, the engines taking turns")
    colds: dict[str, list[tuple[float, float]]] = {e: [] for e in ENGINES}
    rates: dict[str, list[float]] = {e: [] for e in ENGINES}
    wholes: dict[str, list[float]] = {e: [] for e in ENGINES}
    memory: dict[str, float] = {}
    split: dict[str, list[tuple[float, float]]] = {"blocks": [], "sentences": []}
    # Alternated, and the median taken: on a shared 2-core machine one engine's single run can
    # land in a slow minute that the other's does not.
    for round_ in range(1, args.repeat + 1):
        for engine in ENGINES:
            print(f"round {round_}/{args.repeat}: {engine}", file=sys.stderr, flush=True)
            colds[engine].append(cold_start(engine))
            figures = run_worker(engine, "blocks", args.items)
            rates[engine].append(figures["items"] / figures["seconds"])
            memory[engine] = max(memory.get(engine, 0.0), figures["max_rss_mb"])
            wholes[engine].append(len(plain) / whole_process(engine, plain)[1])
            if engine == "ours":
                split["blocks"].append((figures["seconds"], figures["encoder_seconds"]))
                figures = run_worker(engine, "sentences", len(plain))
                split["sentences"].append((figures["seconds"], figures["encoder_seconds"]))
    print("| engine | cold start: first result s | cold start: exit s | blocks/s | outcomes/s | "
          "sentences/s, whole process | peak memory MB |")
    print("|---|---|---|---|---|---|---|")
    for engine in ENGINES:
        rate = statistics.median(rates[engine])
        print(f"| {engine} | {statistics.median(first for first, _exit in colds[engine]):.2f} | "
              f"{statistics.median(exit for _first, exit in colds[engine]):.2f} | {rate:.2f} | "
              f"{rate * outcomes / args.items:.1f} | {statistics.median(wholes[engine]):.1f} | "
              f"{memory[engine]:.0f} |", flush=True)
    ratios = [ours / peer for ours, peer in zip(rates["ours"], rates["peer"], strict=True)]
    print(f"throughput ours/peer per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.2f}")
    ratios = [ours / peer for ours, peer in zip(wholes["ours"], wholes["peer"], strict=True)]
    print(f"sentences/s whole process, ours/peer by round: {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.2f}")
    print(f"cold start, ours by round (first result / exit): "
          f"{', '.join(f'{first:.2f} / {exit:.2f}' for first, exit in colds['ours'])} s")
    for kind, rounds in split.items():
        pipeline = statistics.median(total for total, _encoder in rounds)
        encoder = statistics.median(encoder for _total, encoder in rounds)
        shares = ", ".join(f"{total / encoder:.2f}" for total, encoder in rounds)
        print(f"our {kind}, in process: matching {pipeline:.2f} s, the encoder alone on the same calls "
              f"{encoder:.2f} s, the rest {pipeline - encoder:.2f} s; matching/encoder by round: {shares}")


if __name__ == "__main__":
    main()
