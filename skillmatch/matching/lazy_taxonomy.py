"""The taxonomy of a built store, read as the matcher needs it.

A command's first result needs the taxonomy's fingerprint (whether the indexes are up to date) and
a few dozen of its concepts (the labels and broader concepts of the skills it reports); loading all
18,000 concepts took a fifth of ``map-skills``' start, and freeing them at its exit a tenth. So the
store is read a concept at a time, and whole once something asks for more than single concepts, or
once so many single concepts were read that reading the rest is the cheaper way.

>>> taxonomy = LazyTaxonomy(store_path(data_dir))   # doctest: +SKIP
>>> taxonomy.get(uri).label("en")                   # one row of the store   # doctest: +SKIP
>>> len(taxonomy)                                   # the whole store        # doctest: +SKIP
"""

from __future__ import annotations

import threading
from pathlib import Path

from skillmatch.errors import UnknownConceptError
from skillmatch.taxonomy import Concept, Taxonomy, load_taxonomy
from skillmatch.taxonomy.store import load_concept, read_meta

#: What ``Taxonomy.__init__`` sets from the concepts and their relations: what is loaded whole.
_WHOLE = ("concepts", "occupation_skills", "skill_relations", "collections")


class LazyTaxonomy(Taxonomy):
    """A :class:`Taxonomy` whose ``meta`` is read at once, ``get`` a concept at a time, and
    everything else (loading the whole store) on first use."""

    #: Single concepts read before the whole store is loaded instead (about a quarter of the
    #: time a whole load takes).
    SINGLE_READS = 1000

    def __init__(self, path: Path) -> None:
        # Taxonomy.__init__ is what is deferred: __getattr__ runs it on the loaded store.
        self.path = Path(path)
        self.meta = read_meta(self.path)
        self._read: dict[str, Concept] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> object:
        # Called only for attributes not set yet: the whole store's.
        if name not in _WHOLE:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self._load_whole()
        return self.__dict__[name]

    @property
    def loaded(self) -> bool:
        """Whether the whole store is loaded."""
        return "concepts" in self.__dict__

    def get(self, uri: str) -> Concept:
        if self.loaded or len(self._read) >= self.SINGLE_READS:
            return super().get(uri)
        concept = self._read.get(uri)
        if concept is None:
            concept = load_concept(self.path, uri)
            if concept is None:
                raise UnknownConceptError(uri)
            self._read[uri] = concept
        return concept

    def _load_whole(self) -> None:
        from skillmatch.matching.matcher import long_lived_loading

        with self._lock:
            if self.loaded:
                return
            with long_lived_loading():
                whole = load_taxonomy(self.path)
            # The concepts last: they say the whole store is there.
            for name in (*_WHOLE[1:], "concepts"):
                setattr(self, name, getattr(whole, name))
            self._read.clear()
