"""The Ray cluster a job runs on: an existing one at an address, or one started on this machine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from skillmatch.errors import ConfigurationError


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError as exc:
        raise ConfigurationError("running on Ray needs Ray: pip install 'skillmatch[distributed]'") from exc
    return ray


@contextmanager
def ray_cluster(address: str | None = None, *, workers: int = 2) -> Iterator[None]:
    """Connected to the Ray cluster at ``address`` (``auto``, ``host:port`` or ``ray://host:port``),
    or to one started here with ``workers`` CPUs (one per worker) for as long as the job runs.

    A cluster started here listens on the loopback address only, serves no dashboard and sends no
    usage statistics: nothing of the job leaves the machine. Raises ConfigurationError when the
    cluster cannot be reached."""
    ray = import_ray()
    try:
        if address:
            ray.init(address=address, logging_level="WARNING", log_to_driver=False)
        else:
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            ray.init(num_cpus=workers, include_dashboard=False, _node_ip_address="127.0.0.1",
                     logging_level="WARNING", log_to_driver=False)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
        raise ConfigurationError(f"cannot connect to {where}: {exc}") from exc
    try:
        yield
    finally:
        ray.shutdown()
