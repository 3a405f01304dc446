"""The batch jobs' tests share one Ray cluster, stopped once they have run (package scope): left
running for the rest of the suite, its processes took cores from every later test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="package")
def ray_local() -> Iterator[None]:
    """A Ray cluster on this machine: 2 CPUs, loopback only, no dashboard, no usage statistics;
    skipped where Ray is not installed (the ``distributed`` extra)."""
    pytest.importorskip("ray")
    from skillmatch.batch.cluster import ray_cluster

    with ray_cluster(None, workers=2):
        yield
