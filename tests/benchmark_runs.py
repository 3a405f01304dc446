"""The small benchmark runs that ``tests/test_benchmarks.py`` checks, started with the session.

Each run is a script of ``benchmarks/`` in a process of its own. The three that fit adapters and
encode go one after another (each keeps both cores busy; two at a time took about three times as
long each); speed.py, mostly process starts, goes beside them. They start when the session does,
at the lowest priority, so they use what the other tests leave of the cores (those take about
1.2 of the 2), and the benchmark tests run last (``conftest``) and wait for what is left of them.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

#: The module whose tests check the runs.
MODULE = "tests.test_benchmarks"
REPO = Path(__file__).resolve().parents[1]
#: The runs by the fixture each test asks for: the script and its arguments, longest first
#: ("{out}" is the runs' folder). Their adapters take 100 gradient steps instead of the shipped
#: 400: a fit is then 4 s rather than 17 (tune.py 58 s instead of 150).
RUNS = {
    "adapter_run": ["adapter.py", "--limit", "100", "--adapter-steps", "100", "--json", "{out}/adapter.json"],
    "tuning_run": ["tune.py", "--limit", "60", "--seeds", "2", "--adapter-steps", "100", "--json", "{out}/tune.json",
                   "--save", "{out}/matching-settings.json"],
    "quality_run": ["quality.py", "--json", "{out}/quality.json", "--limit", "100"],
    "speed_run": ["speed.py", "--items", "8", "--sentences", "40", "--repeat", "2"],
}
#: The runs that go beside the others.
BESIDE = {"speed_run"}


def script(*args: str) -> list[str]:
    return [sys.executable, str(REPO / "benchmarks" / args[0]), *args[1:]]


@dataclass
class Runs:
    """The runs the session's selected tests ask for, under way; ``out`` holds what they write."""

    out: Path
    started: dict[str, Future[subprocess.CompletedProcess[str]]]
    pools: tuple[ThreadPoolExecutor, ThreadPoolExecutor]

    @classmethod
    def start(cls, wanted: list[str], out: Path) -> Runs:
        pools = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="benchmark-runs"),
                 ThreadPoolExecutor(max_workers=1, thread_name_prefix="benchmark-runs-beside"))
        return cls(out, {name: pools[name in BESIDE].submit(
            subprocess.run, ["nice", "-n", "19", *script(*(arg.format(out=out) for arg in RUNS[name]))],
            capture_output=True, text=True) for name in wanted}, pools)

    def result(self, name: str) -> subprocess.CompletedProcess[str]:
        return self.started[name].result()

    def stop(self) -> None:
        for pool in self.pools:
            pool.shutdown(cancel_futures=True)
