"""Crosslingual channel (Dutch texts, skills): the text's best cosine with any label of the skill
by a second encoder, multilingual USE, which was trained on translation pairs and so errs where
e5 and the gloss do not. English texts do without it: on English sentences it cost HOUSE and
SkillSkape 0.01-0.02 RP@5."""

from __future__ import annotations

from typing import Any

import numpy as np

from skillmatch.matching.artefacts import Artefacts, LazyIndex
from skillmatch.matching.channel import Chunk
from skillmatch.taxonomy import ConceptKind


class CrosslingualChannel:
    name = "crosslingual"
    kinds = frozenset({ConceptKind.SKILL})
    #: Scored on the text as written only: the gloss is English.
    blended = False

    def fit(self, kind: ConceptKind, artefacts: Artefacts) -> CrosslingualChannel:
        name = artefacts.settings.crosslingual_encoder
        self.index_: LazyIndex | None = artefacts.second_index(name) if name else None
        return self

    def score(self, chunk: Chunk, pairs: np.ndarray) -> np.ndarray:
        scores = np.zeros(len(pairs), dtype=np.float32)
        rows = np.flatnonzero(chunk.dutch)
        if self.index_ is None or not len(rows):
            return scores
        index = self.index_.load()
        queries = index.encoder.encode([chunk.texts[r] for r in rows], role="query")
        local = np.full(len(chunk.texts), -1, dtype=np.int64)
        local[rows] = np.arange(len(rows))
        dutch = local[pairs[:, 0]] >= 0
        scores[dutch] = index.query_pair_scores(queries, np.stack([local[pairs[dutch, 0]], pairs[dutch, 1]], axis=1))
        return scores

    def describe(self) -> dict[str, Any]:
        return {"index": self.index_.fingerprint if self.index_ else None}
