"""``benchmarks/batch.py --quick``: one process against Ray, the sizing table and sharded ranking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, require_esco


def test_quick_batch_benchmark_reports_every_figure(esco_matcher: object, tmp_path: Path) -> None:
    require_esco()
    pytest.importorskip("ray")
    out = tmp_path / "batch.json"
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "batch.py"), "--quick", "--json", str(out)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())
    mapping = figures["mapping"]
    assert mapping["outcomes"] == 128 and mapping["ray_items_per_s"] > 0 and mapping["single_items_per_s"] > 0
    # Two shards: the first actor ready may map both while the other is still loading.
    assert 1 <= len(mapping["actor_peak_rss_mb"]) <= 2 and all(mb > 100 for mb in mapping["actor_peak_rss_mb"])
    assert [row["workload"] for row in figures["sizing"]] == ["1 M outcomes", "10 M vacancies", "re-map 1 M passports"]
    assert all(row["machine_hours"] > 0 for row in figures["sizing"])
    assert figures["ranking"]["same_top20"] == figures["ranking"]["queries"] == 10
    assert "per actor" in result.stdout and "same top 20 for 10 of 10 roles" in result.stdout
