"""Time to build the whole ESCO index from nothing: taxonomy store, encoder conversion, every
label and description of every skill and occupation encoded, FAISS and n-gram indexes written,
the query engine exported to ONNX and the query adapters fitted.

    .venv/bin/python benchmarks/index_build.py [--data-dir /tmp/skillmatch-build]

Uses a fresh data directory (deleted first), so nothing comes from a cache.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from skillmatch.encoder import DEFAULT_ENCODER  # noqa: E402
from skillmatch.matching import open_matcher  # noqa: E402
from skillmatch.taxonomy import build_taxonomy  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/skillmatch-build"))
    parser.add_argument("--source", type=Path, default=REPO.parent / "shared" / "esco")
    args = parser.parse_args()
    shutil.rmtree(args.data_dir, ignore_errors=True)
    started = time.perf_counter()
    build_taxonomy([args.source], args.data_dir)
    print(f"taxonomy store: {time.perf_counter() - started:.1f} s", flush=True)
    last = [0.0]

    def progress(message: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 60 or done == total:
            last[0] = now
            print(f"  {now - started:7.1f} s  {message}: {done:,}/{total:,}", flush=True)

    open_matcher(args.data_dir, DEFAULT_ENCODER, progress=progress)
    seconds = time.perf_counter() - started
    print(f"whole index built in {seconds:.1f} s ({seconds / 60:.1f} min)")


if __name__ == "__main__":
    main()
