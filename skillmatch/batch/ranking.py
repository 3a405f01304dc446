"""Candidate ranking over an index held in shards by Ray actors: each shard ranks its candidates
for the role, in parallel, and the shards' top lists are merged into the top of the whole.

A shard is a slice of a :class:`~skillmatch.candidates.CandidateIndex`'s rows (``rows``), or an
index fitted and saved apart (a folder each worker can read), so no process need hold them all.
The merged ranking is the one index's: the same scores, ties in fitting order (shards in order).

>>> shards = [index.rows(i, i + 250_000) for i in range(0, 1_000_000, 250_000)]  # doctest: +SKIP
>>> with ShardedCandidateIndex().fit(shards) as sharded:                         # doctest: +SKIP
...     best = sharded.rank(role, top=20)
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from pathlib import Path

from skillmatch.batch.cluster import import_ray
from skillmatch.candidates import CandidateIndex, CandidateMatch, Role


class IndexShard:
    """A Ray actor holding one shard: an index given, or loaded from a folder where it runs."""

    def __init__(self, shard: CandidateIndex | str) -> None:
        self.index = CandidateIndex().load(shard) if isinstance(shard, str) else shard

    def rank(self, role: Role, top: int) -> list[CandidateMatch]:
        return self.index.rank(role, top=top)

    def size(self) -> int:
        return len(self.index.candidates_)


class ShardedCandidateIndex:
    """:class:`CandidateIndex` ranking over shards held by actors on the connected Ray cluster.

    ``num_cpus``: what each shard's actor reserves (a query is a short matrix product, so shards
    may share cores). Attributes after ``fit``: ``shards_`` (the actors) and ``sizes_`` (their
    candidates)."""

    def __init__(self, *, num_cpus: float = 1.0) -> None:
        self.num_cpus = num_cpus

    def fit(self, shards: Sequence[CandidateIndex | Path]) -> ShardedCandidateIndex:
        """One actor per shard: a fitted index (sent to the actor) or the folder of a saved one."""
        ray = import_ray()
        remote = ray.remote(num_cpus=self.num_cpus)(IndexShard)
        self.shards_ = [remote.remote(s if isinstance(s, CandidateIndex) else str(s)) for s in shards]
        self.sizes_ = ray.get([shard.size.remote() for shard in self.shards_])
        return self

    def rank(self, role: Role, *, top: int = 20) -> list[CandidateMatch]:
        """:meth:`CandidateIndex.rank` over all shards: each shard's best ``top``, merged."""
        ray = import_ray()
        ranked = ray.get([shard.rank.remote(role, top) for shard in self.shards_])
        # sorted() is stable: equal scores keep shard order, then each shard's row order.
        return sorted(chain.from_iterable(ranked), key=lambda match: -match.score)[:top]

    def close(self) -> None:
        ray = import_ray()
        for shard in getattr(self, "shards_", []):
            ray.kill(shard)
        self.shards_ = []

    def __enter__(self) -> ShardedCandidateIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
