"""Candidate ranking over shards held by Ray actors (``skillmatch.batch.ranking``): the same top k
as one index, ties included."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from skillmatch.batch.ranking import ShardedCandidateIndex
from skillmatch.candidates import CandidateIndex, role_from_occupation
from skillmatch.errors import InputError
from skillmatch.matching import Matcher

NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"


def test_sharded_ranking_equals_the_single_index(esco_matcher: Matcher, ray_local: None, tmp_path: Path) -> None:
    taxonomy = esco_matcher.taxonomy
    role = role_from_occupation(NURSE, taxonomy)
    asked, everything = sorted(role.skills), [s.uri for s in taxonomy.skills]
    draw = random.Random(7)
    # Coarse confidences, so that many candidates tie and the tie order is tested too.
    profiles = [(f"p{i:05d}", {uri: draw.choice([0.5, 0.75, 1.0])
                               for uri in draw.sample(asked, draw.randint(0, 8)) + draw.sample(everything, 3)})
                for i in range(3_000)]
    single = CandidateIndex().fit(profiles, taxonomy)
    single.rows(2_000, 3_000).save(tmp_path / "last")
    shards = [single.rows(0, 700), single.rows(700, 2_000), tmp_path / "last"]
    with ShardedCandidateIndex(num_cpus=0.5).fit(shards) as sharded:
        assert sharded.sizes_ == [700, 1_300, 1_000]
        for top in (1, 20, 500):
            assert sharded.rank(role, top=top) == single.rank(role, top=top)
        with pytest.raises(InputError, match="top must be at least 1"):
            sharded.rank(role, top=0)
