"""Quality on the external gold sets: our engine, through its command line, side by side with the peer.

    .venv/bin/python benchmarks/quality.py [--gold-dir ../shared/benchmarks] [--limit N] [--only SUBSTRING]
                                           [--engine ours|peer|both] [--json PATH]

For each skills_*.jsonl / occupations_*.jsonl file in the gold folder, runs
``skillmatch map-skills|map-occupations --input IN --output OUT --top-k 10`` and the peer
(benchmarks/peer.py) on the same items, then prints one Markdown table row per file with RP@5,
RP@10, MRR, acc@1 and R@10 of each engine and its wall time on that file. Our time includes the
process start and model loading; the peer's one-off model load and entity encoding are printed
apart. The learning outcomes (learning_outcomes_*.jsonl, mapped with ``map-skills``) get a table
of their own, per language, with the metrics of the gold groups (group R@5, top1, with link, link
precision, link group R; benchmarks/metrics.py) and a bootstrap 95% interval of group R@5 and
top1: what our engine marks "linked", and what the peer's own extraction (its threshold) returns.
The figures go into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[1]
# Run as a script, only benchmarks/ itself is on the path; the package imports need the repo root.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.metrics import METRICS, OUTCOME_METRICS, bootstrap, evaluate, evaluate_outcomes, load_gold  # noqa: E402

if TYPE_CHECKING:
    from benchmarks.peer import Kind, Peer

TOP_K = 10
COMMANDS: dict[str, str] = {"skills": "map-skills", "occupations": "map-occupations"}
ENGINES = ("ours", "peer")
OUTCOMES = "learning_outcomes_"
#: The outcome metrics whose spread is reported.
SPREAD = ("group R@5", "top1")


@dataclass
class Result:
    """One engine on one file: its figures, or why there are none."""

    seconds: float
    figures: dict[str, float] | None = None
    error: str | None = None
    #: Learning outcomes: per language ("all", "nl", "en"), the outcome metrics and their spread.
    outcomes: dict[str, dict[str, object]] | None = None


def kind_of(path: Path) -> Kind | None:
    """The task of a gold file, from its name; None for files that are not gold sets. Learning
    outcomes are mapped to skills."""
    if path.suffix != ".jsonl":
        return None
    if path.name.startswith(OUTCOMES):
        return "skills"
    for kind in COMMANDS:
        if path.name.startswith(f"{kind}_"):
            return kind
    return None


def outcome_figures(found: dict[str, list[tuple[str, bool]]], items: list[dict]) -> dict[str, dict[str, object]]:
    """The outcome metrics on all items and per language, with the spread of ``SPREAD``."""
    figures = {}
    for lang in ("all", *sorted({item.get("lang") or "?" for item in items})):
        subset = [item for item in items if lang == "all" or (item.get("lang") or "?") == lang]
        figures[lang] = {**evaluate_outcomes(found, subset),
                         "spread": {metric: bootstrap(found, subset, metric) for metric in SPREAD}}
    return figures


def run_ours(items: list[dict], kind: Kind, workdir: Path) -> Result:
    """Our engine through its command line contract, one process for the whole file."""
    exe = Path(sys.executable).parent / "skillmatch"
    if not exe.is_file():
        return Result(0.0, error=f"{exe} not found")
    src, dst = workdir / f"{kind}-in.jsonl", workdir / f"{kind}-out.jsonl"
    dst.unlink(missing_ok=True)
    with open(src, "w", encoding="utf-8") as f:
        for item in items:
            # The gold stays out of the engine's input.
            f.write(json.dumps({"id": item["id"], "text": item["text"], "lang": item.get("lang")}) + "\n")
    cmd = [str(exe), COMMANDS[kind], "--input", str(src), "--output", str(dst), "--top-k", str(TOP_K)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        return Result(seconds, error=f"`skillmatch {COMMANDS[kind]}` exited {proc.returncode}: {_last_message(proc)}")
    try:
        found = {}
        with open(dst, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    found[row["id"]] = [(hit["uri"], hit["status"] == "linked") for hit in row[kind]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Result(seconds, error=f"unreadable output {dst}: {type(exc).__name__}: {exc}")
    ranked = {item_id: [uri for uri, _ in hits] for item_id, hits in found.items()}
    outcomes = outcome_figures(found, items) if all("gold_groups" in item for item in items) else None
    return Result(seconds, figures=evaluate(ranked, items), outcomes=outcomes)


def _last_message(proc: subprocess.CompletedProcess[str]) -> str:
    """The last meaningful line a failed command printed, without rich's box drawing."""
    for line in reversed((proc.stderr + proc.stdout).splitlines()):
        text = line.strip(" │╭╮╰╯─")
        if any(c.isalnum() for c in text):
            return text
    return "no message"


def run_peer(peer: Peer, items: list[dict], kind: Kind) -> Result:
    """The peer on the same items; its one-off loading is done first so it is not timed here."""
    peer.entities(kind)
    texts = [item["text"] for item in items]
    started = time.perf_counter()
    if kind == "skills":
        rows, extracted = peer.extract_skills(texts, TOP_K)
    else:
        rows, extracted = peer.rank_occupations(texts, TOP_K), [set() for _ in texts]
    seconds = time.perf_counter() - started
    ranked = {item["id"]: [uri for uri, _ in row] for item, row in zip(items, rows, strict=True)}
    outcomes = None
    if all("gold_groups" in item for item in items):
        # The ranking gives the matches in order; what the package itself returns counts as linked
        # (a piece's best skill may fall outside a text's top k: it is linked all the same).
        found = {}
        for item, row, chosen in zip(items, rows, extracted, strict=True):
            ranking = [uri for uri, _ in row]
            found[item["id"]] = [(uri, uri in chosen) for uri in ranking] + [(uri, True) for uri in
                                                                             sorted(chosen - set(ranking))]
        outcomes = outcome_figures(found, items)
    return Result(seconds, figures=evaluate(ranked, items), outcomes=outcomes)


def table_header(engines: list[str]) -> str:
    cells = ["file", "n"] + [f"{m} {e}" for m in (*METRICS, "s") for e in engines]
    return "| " + " | ".join(cells) + " |\n|" + "---|" * len(cells)


def table_row(name: str, n: int, results: dict[str, Result]) -> str:
    cells = [name, str(n)]
    for metric in (*METRICS, "s"):
        for result in results.values():
            if metric == "s":
                cells.append(f"{result.seconds:.1f}")
            elif result.figures is None:
                cells.append("—")
            else:
                cells.append(f"{result.figures[metric]:.3f}")
    return "| " + " | ".join(cells) + " |"


def outcome_table(name: str, results: dict[str, Result]) -> str:
    """One row per language of a learning-outcome file, the metrics of each engine side by side;
    the spread in brackets."""
    engines = [engine for engine, result in results.items() if result.outcomes]
    if not engines:
        return ""
    cells = ["outcomes", "n"] + [f"{metric} {engine}" for metric in OUTCOME_METRICS for engine in engines]
    lines = [f"{name}:", "", "| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]
    for lang, first in results[engines[0]].outcomes.items():
        row = [lang, str(first["n"])]
        for metric in OUTCOME_METRICS:
            for engine in engines:
                figures = results[engine].outcomes[lang]
                value, spread = figures[metric], figures["spread"].get(metric)
                text = "—" if value is None else f"{value:.3f}"
                row.append(text + (f" [{spread[0]:.2f}–{spread[1]:.2f}]" if spread else ""))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _origin(peer: Peer, what: str) -> str:
    if what not in peer.from_cache:
        return ""
    return " (from cache)" if peer.from_cache[what] else " (encoded)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold-dir", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--limit", type=int, help="only the first N items of each file")
    parser.add_argument("--only", help="only files whose name contains this")
    parser.add_argument("--engine", choices=("ours", "peer", "both"), default="both")
    parser.add_argument("--json", type=Path, help="also write all figures to this file")
    args = parser.parse_args()

    files = [p for p in sorted(args.gold_dir.glob("*.jsonl")) if kind_of(p) and (not args.only or args.only in p.name)]
    if not files:
        parser.error(f"no skills_*/occupations_* .jsonl files in {args.gold_dir} match")
    engines = list(ENGINES) if args.engine == "both" else [args.engine]
    peer = None
    if "peer" in engines:
        # Imported here so that `--engine ours` runs without the peer's package installed.
        from benchmarks.peer import Peer

        peer = Peer()

    report: dict[str, object] = {"gold_dir": str(args.gold_dir), "limit": args.limit, "top_k": TOP_K, "files": {}}
    errors: list[str] = []
    outcome_tables: list[str] = []
    print(table_header(engines), flush=True)
    with tempfile.TemporaryDirectory(prefix="skillmatch-quality-") as tmp:
        for path in files:
            kind = kind_of(path)
            items = load_gold(path)[: args.limit]
            results: dict[str, Result] = {}
            for engine in engines:
                if engine == "ours":
                    results[engine] = run_ours(items, kind, Path(tmp))
                else:
                    results[engine] = run_peer(peer, items, kind)
                if results[engine].error:
                    errors.append(f"{path.name}, {engine}: {results[engine].error}")
            print(table_row(path.name, len(items), results), flush=True)
            report["files"][path.name] = {"kind": kind, "n": len(items), **{e: asdict(r) for e, r in results.items()}}
            outcome_tables.append(outcome_table(path.name, results))

    for table in filter(None, outcome_tables):
        print(f"\n{table}")
    for line in errors:
        print(f"- {line}")
    if peer is not None:
        setup = ", ".join(f"{what} {seconds:.1f} s{_origin(peer, what)}" for what, seconds in peer.timings.items())
        print(f"- peer one-off loading: {setup}")
        report["peer_setup"] = {"seconds": peer.timings, "from_cache": peer.from_cache}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
