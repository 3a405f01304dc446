"""A catalogue re-mapped on Ray (``skillmatch.batch.remap``), on SQLite and PostgreSQL: the same
links as one process, reviews kept, a dead worker's group mapped again, a stopped run resumed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import update

from skillmatch.batch.mapping import MatcherSpec
from skillmatch.batch.remap import CredentialMapper, remap_on_ray
from skillmatch.catalogue import Catalogue
from skillmatch.config import Settings
from skillmatch.errors import SkillmatchError
from skillmatch.matching import Matcher
from skillmatch.store import CatalogueStore
from skillmatch.store.tables import CredentialRow
from tests.conftest import SAMPLES

DATAVIS = "https://api.edubadges.example/public/badges/k3_v5B16hK4O13aY58kXUe"


# On PostgreSQL, the catalogue a cluster's workers share (the single-process re-mapping is tested
# on both databases in tests/test_catalogue.py).
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_remap_on_ray_keeps_reviews_and_resumes_after_a_stop(store: CatalogueStore, esco_matcher: Matcher,
                                                              ray_local: None, tmp_path: Path) -> None:
    catalogue = Catalogue(store, esco_matcher)
    catalogue.import_paths([SAMPLES / "catalogue"])
    rejected = next(s.link.skill_uri for s in catalogue.skills(DATAVIS) if s.link.origin == "inferred")
    catalogue.review(DATAVIS, rejected, "rejected", reviewer="exam board")
    mapped_here = {record.id: record.links for record in store.credentials()}
    with store.engine.begin() as connection:  # as if an older matcher had mapped them all
        connection.execute(update(CredentialRow).values(mapped_with="an older matcher"))
    ids = store.stale(esco_matcher.fingerprint_)
    spec = MatcherSpec(Settings().data_dir)

    class FailsOnTheLastGroup(CredentialMapper):
        def links(self, records):
            if ids[-1] in {r.id for r in records}:
                raise RuntimeError("the database went away")
            return super().links(records)

    with pytest.raises(SkillmatchError, match="run it again"):
        remap_on_ray(store, spec, workers=2, mapper=FailsOnTheLastGroup)
    left = store.stale(esco_matcher.fingerprint_)
    assert 0 < len(left) < len(ids) and ids[-1] in left

    marker = tmp_path / "died"

    class DiesOnce(CredentialMapper):
        def links(self, records):
            if not marker.exists():
                marker.touch()
                os._exit(1)
            return super().links(records)

    assert sorted(remap_on_ray(store, spec, workers=2, mapper=DiesOnce)) == left
    assert marker.exists() and store.stale(esco_matcher.fingerprint_) == []
    assert {record.id: record.links for record in store.credentials()} == mapped_here
    assert {s.link.skill_uri: s.state for s in catalogue.skills(DATAVIS)}[rejected] == "rejected"
    assert store.get(DATAVIS).reviews[rejected].reviewer == "exam board"
