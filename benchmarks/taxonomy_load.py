"""Taxonomy store speed: build from the official ESCO zips (and with Dutch merged), load, look up.

    .venv/bin/python benchmarks/taxonomy_load.py [--source ../shared/esco] [--repeat 5]

Prints one line per measurement; the figures go into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from skillmatch.taxonomy import build_taxonomy, load_taxonomy

REPO = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(name: str, source: Path, data_dir: Path, repeat: int) -> None:
    build_s, report = timed(lambda: build_taxonomy([source], data_dir, force=True), 1)
    size_mb = report.path.stat().st_size / 1e6
    load_s, tax = timed(lambda: load_taxonomy(report.path), repeat)
    skip_s, _ = timed(lambda: build_taxonomy([source], data_dir), repeat)
    search_cold, _ = timed(lambda: tax.search("verpleegkundige"), 1)
    search_warm, _ = timed(lambda: tax.search("project management"), repeat)
    print(f"{name}: build {build_s:.2f} s, store {size_mb:.1f} MB, load {load_s:.3f} s (median of {repeat}), "
          f"up-to-date check {skip_s:.3f} s, label search cold {search_cold:.3f} s / "
          f"warm {search_warm * 1000:.1f} ms, {len(tax.skills)} skills")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=REPO.parent / "shared" / "esco")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        measure("official zips (en)", args.source / "official", Path(tmp) / "official", args.repeat)
        measure("all of ESCO source (en+nl)", args.source, Path(tmp) / "all", args.repeat)
        info = [sys.executable, "-m", "skillmatch.cli", "taxonomy", "info", "--json",
                "--data-dir", str(Path(tmp) / "all")]
        cli_s, _ = timed(lambda: subprocess.run(info, check=True, capture_output=True), args.repeat)
        print(f"`skillmatch taxonomy info --json` wall time, process start to exit: {cli_s:.2f} s (median)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak_mb:.0f} MB")

if __name__ == "__main__":
    main()
