"""The taxonomy the matcher opens: read a concept at a time, and whole once more is asked of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillmatch.errors import UnknownConceptError
from skillmatch.matching.lazy_taxonomy import LazyTaxonomy
from skillmatch.taxonomy import load_taxonomy
from tests.conftest import OCC, S


def test_single_concepts_are_read_without_the_whole_store(built: Path) -> None:
    path = built / "taxonomy.sqlite"
    whole, lazy = load_taxonomy(path), LazyTaxonomy(path)
    assert lazy.meta == whole.meta
    assert lazy.get(S + "care") == whole.get(S + "care") and lazy.get(OCC + "dev").label() == "software developer"
    with pytest.raises(UnknownConceptError):
        lazy.get(S + "nothing")
    assert not lazy.loaded
    # Anything else loads the whole store, and then answers as the loaded taxonomy does.
    assert len(lazy) == len(whole) and lazy.loaded
    assert [c.uri for c in lazy.skills] == [c.uri for c in whole.skills]
    assert lazy.skills_of(OCC + "nurse") == whole.skills_of(OCC + "nurse")
    assert S + "py" in lazy and lazy.get(S + "py") == whole.get(S + "py")


def test_the_whole_store_is_loaded_after_many_single_reads(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LazyTaxonomy, "SINGLE_READS", 2)
    lazy = LazyTaxonomy(built / "taxonomy.sqlite")
    lazy.get(S + "py")
    lazy.get(S + "care")
    assert not lazy.loaded
    assert lazy.get(S + "team").label() == "work in teams" and lazy.loaded


def test_a_missing_attribute_is_still_missing(built: Path) -> None:
    lazy = LazyTaxonomy(built / "taxonomy.sqlite")
    with pytest.raises(AttributeError):
        lazy.no_such_thing  # noqa: B018
    assert not lazy.loaded
