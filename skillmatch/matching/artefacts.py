"""The matcher's stored files: loaded where they are up to date, else built, saved and locked.

Under the data directory, per encoder: ``index/<encoder>/<kind>/`` holds the dense index of every
label and description (FAISS), its character n-gram index and the kind's query adapter;
``index/<second encoder>/skill-labels/`` the crosslingual channel's index of skill labels;
``glossary/nl-en.json`` the Dutch-English glossary. Each records the fingerprint of what it was
made from (taxonomy, encoder, settings, training data), so a stale one is rebuilt rather than
searched. Several processes may start at once: each file is built by one of them under a lock,
and the others load what it saved. What a channel derives from the taxonomy and these files is
kept beside them too (:meth:`Artefacts.derived`), so that a start need not load the taxonomy.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from functools import cached_property
from pathlib import Path

import numpy as np
from filelock import FileLock

from skillmatch.adapter import (
    AdapterSettings,
    LabelledText,
    QueryAdapter,
    files_digest,
    read_labelled,
    training_files,
    training_set,
)
from skillmatch.adapter import fingerprint as adapter_fingerprint
from skillmatch.encoder import EmbeddingCache, Encoder, load_encoder
from skillmatch.errors import StoreError
from skillmatch.glossary import ensure_glossary
from skillmatch.index import ConceptIndex, LexicalIndex
from skillmatch.matching.settings import MatchSettings
from skillmatch.taxonomy import ConceptKind, Taxonomy

Progress = Callable[[str, int, int], None]


class Artefacts:
    """What the channels of one matcher are fitted on, for both kinds of concept.

    >>> artefacts = Artefacts(taxonomy, encoder, data_dir, settings).fit(training_data)   # doctest: +SKIP
    >>> artefacts.dense[ConceptKind.SKILL].uris_[:1]                                  # doctest: +SKIP
    """

    def __init__(self, taxonomy: Taxonomy, encoder: Encoder, data_dir: Path, settings: MatchSettings, *,
                 progress: Progress | None = None, threads: int | None = None) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.data_dir = Path(data_dir)
        self.settings = settings
        self.progress = progress
        #: What the second encoder may run on (``load_encoder``).
        self.threads = threads

    def fit(self, training_data: Sequence[Path]) -> Artefacts:
        """Load or build every stored file; ``training_data``: the adapters' gold-set files or
        folders (``adapter.read_labelled``), read only where an adapter must be checked or fitted."""
        self.training_files = training_files(training_data)
        self.cache = self.encoder if isinstance(self.encoder, EmbeddingCache) else \
            EmbeddingCache(self.encoder, self.data_dir / "cache")
        self.glossary = ensure_glossary(self.taxonomy, self.data_dir / "glossary" / "nl-en.json")
        self.dense: dict[ConceptKind, ConceptIndex] = {}
        self.lexical: dict[ConceptKind, LexicalIndex] = {}
        self.adapters: dict[ConceptKind, QueryAdapter] = {}
        self.adapter_fingerprints: dict[ConceptKind, str] = {}
        for kind in (ConceptKind.SKILL, ConceptKind.OCCUPATION):
            folder = self.data_dir / "index" / self.encoder.name / kind.value
            self.dense[kind] = self._dense(kind, folder)
            self.lexical[kind] = self._lexical(self.dense[kind], folder)
            if self.settings.adapter:
                self.adapters[kind] = self._adapter(self.dense[kind], folder)
        return self

    @cached_property
    def labelled(self) -> list[LabelledText]:
        """The adapters' training texts."""
        return read_labelled(self.training_files)

    def _report(self, what: str) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            if self.progress:
                self.progress(what, done, total)

        return report

    def _dense(self, kind: ConceptKind, folder: Path) -> ConceptIndex:
        dense = ConceptIndex(kind, self.encoder, cache=self.cache, descriptions=self.settings.descriptions)
        return dense.ensure(self.taxonomy, folder, progress=self._report(f"encoding {kind.value} labels and "
                                                                         "descriptions"))

    @staticmethod
    def _lexical(dense: ConceptIndex, folder: Path) -> LexicalIndex:
        lexical = LexicalIndex(dense.kind)
        try:
            # A rebuilt dense index replaces its whole folder, so a stale n-gram index is never found.
            return lexical.load(folder, dense)
        except StoreError:
            lexical.build(dense).save(folder)
            return lexical

    def _adapter(self, dense: ConceptIndex, folder: Path) -> QueryAdapter:
        """The adapter saved beside ``dense`` if it was fitted on the same index, data and
        settings, else a new one, fitted and saved."""
        settings = self.settings.adapter or AdapterSettings()
        # The fingerprint is of the training texts and their glosses, which took a tenth of a
        # start to read and make; the adapter also records it under a digest of the files and
        # of what the glosses are made from, which is checked instead while that is unchanged.
        glossed = [self.glossary.fingerprint_, str(bool(self.settings.gloss))] if dense.kind is ConceptKind.SKILL \
            else []
        source = "|".join([dense.fingerprint_, json.dumps(asdict(settings), sort_keys=True),
                           files_digest(self.training_files), *glossed])
        path = folder / "adapter.npz"
        with FileLock(str(folder.with_name(f".{folder.name}.adapter.lock"))):
            wanted = QueryAdapter.saved_fingerprint(path, source) or adapter_fingerprint(
                dense, self.with_glosses(dense.kind, self.labelled), settings)
            self.adapter_fingerprints[dense.kind] = wanted
            try:
                adapter = QueryAdapter.load(path, wanted)
                if adapter.source != source:
                    adapter.save(path, wanted, source)
                return adapter
            except StoreError:
                pass  # missing, unreadable or fitted on other data: fit below
            report = self._report(f"fitting the {dense.kind.value} query adapter")
            report(0, 1)
            adapter = self.fit_adapter(dense.kind, self.labelled)
            adapter.save(path, wanted, source)
            report(1, 1)
        return adapter

    def fit_adapter(self, kind: ConceptKind, labelled: Sequence[LabelledText], *,
                    seed: int | None = None, steps: int | None = None) -> QueryAdapter:
        """A query adapter for ``kind``, fitted on ESCO's own pairs and ``labelled`` (not saved),
        with the settings' seed and gradient steps, or ``seed`` and ``steps``."""
        settings = self.settings.adapter or AdapterSettings()
        if seed is not None:
            settings = replace(settings, seed=seed)
        if steps is not None:
            settings = replace(settings, steps=steps)
        dense = self.dense[kind]
        pairs = training_set(dense, self.with_glosses(kind, labelled), settings)
        queries = self.encoder.encode(pairs.texts, role="query") if pairs.texts else \
            np.zeros((0, dense.matrix_.shape[1]), dtype=np.float32)
        return QueryAdapter(settings).fit(
            np.concatenate([queries, dense.matrix_[pairs.esco_forms]]),
            [*pairs.text_positives, *pairs.esco_positives],
            dense.matrix_[pairs.columns],
            np.concatenate([np.full(len(pairs.texts), -1, dtype=np.int64), pairs.esco_hidden]),
        )

    def with_glosses(self, kind: ConceptKind, labelled: Sequence[LabelledText]) -> list[LabelledText]:
        """``labelled`` and the glosses of its Dutch texts with the same concepts: the adapter then
        learns to place both readings of a text, as the matcher scores both."""
        if kind is not ConceptKind.SKILL or not self.settings.gloss:
            return list(labelled)
        glosses = self.glossary.glosses([item.text for item in labelled])
        return [*labelled, *(LabelledText(gloss, labelled[i].uris) for i, gloss in glosses.items())]

    def derived(self, path: Path, sources: Sequence[str],
                make: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """Arrays derived from the taxonomy and the stored files, kept at ``path`` with the
        fingerprints of what they were derived from (``sources``): made by ``make`` (and saved)
        where missing or derived from something else. Deriving a channel's arrays from the whole
        taxonomy took a tenth of a command's start; reading them back, milliseconds."""
        key = "|".join(sources)
        try:
            with np.load(path) as saved:
                if str(saved["sources"]) == key:
                    return {name: saved[name] for name in saved.files if name != "sources"}
        except (OSError, ValueError, KeyError):
            pass  # missing, unreadable or derived from other files: made below
        arrays = make()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, sources=np.array(key), **arrays)
        os.replace(tmp, path)
        return arrays

    def second_index(self, name: str) -> LazyIndex:
        """The skill labels (no descriptions) encoded by encoder ``name``: built now where missing or
        stale, else loaded when first asked for (117,581 labels would add half a second to every
        start, and only Dutch texts need them)."""
        encoder = load_encoder(name, self.data_dir, threads=self.threads)
        index = ConceptIndex(ConceptKind.SKILL, encoder, cache=EmbeddingCache(encoder, self.data_dir / "cache"),
                             descriptions=False)
        lazy = LazyIndex(index, self.data_dir / "index" / name / "skill-labels", self.taxonomy,
                         self.dense[ConceptKind.SKILL].uris_)
        if ConceptIndex.saved_fingerprint(lazy.folder) != lazy.fingerprint:
            lazy.load(progress=self._report(f"encoding skill labels with {name}"))
        return lazy


class LazyIndex:
    """A concept index loaded (or built) on first use, that must list the same concepts as ``uris``."""

    def __init__(self, index: ConceptIndex, folder: Path, taxonomy: Taxonomy, uris: list[str]) -> None:
        self.folder = folder
        self.fingerprint = index.fingerprint(taxonomy)
        self._index, self._taxonomy, self._uris = index, taxonomy, uris
        self.loaded: ConceptIndex | None = None

    def load(self, progress: Callable[[int, int], None] | None = None) -> ConceptIndex:
        if self.loaded is None:
            index = self._index.ensure(self._taxonomy, self.folder, progress=progress)
            if index.uris_ != self._uris:
                raise StoreError(f"the {index.encoder.name} skill index at {self.folder} does not list the "
                                 "skills of the matcher's own index")
            self.loaded = index
        return self.loaded

