"""The load benchmark's small version: the real service under concurrent clients and during a
catalogue re-mapping, with zero errors (the full run is marked slow; RESULTS.md records it)."""

from __future__ import annotations

import pytest

from benchmarks import load


def test_quick_load_run_has_no_errors(esco_matcher) -> None:
    assert load.main(["--quick"]) == 0


@pytest.mark.slow
def test_full_load_run_has_no_errors(esco_matcher) -> None:
    assert load.main([]) == 0
