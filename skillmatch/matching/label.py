"""Label channel: a text's best cosine with any label of the concept, in any language (label-level
max pooling over the dense index of e5 embeddings)."""

from __future__ import annotations

from typing import Any

import numpy as np

from skillmatch.index import ConceptIndex
from skillmatch.matching.artefacts import Artefacts
from skillmatch.matching.channel import Chunk
from skillmatch.taxonomy import ConceptKind


class LabelChannel:
    name = "label"
    kinds = frozenset({ConceptKind.SKILL, ConceptKind.OCCUPATION})
    blended = True
    #: Which of a concept's forms are pooled.
    descriptions = False

    def fit(self, kind: ConceptKind, artefacts: Artefacts) -> LabelChannel:
        self.index_: ConceptIndex = artefacts.dense[kind]
        return self

    def score(self, chunk: Chunk, pairs: np.ndarray) -> np.ndarray:
        return self.index_.pair_scores(chunk.similarities, pairs, descriptions=self.descriptions)

    def describe(self) -> dict[str, Any]:
        return {"index": self.index_.fingerprint_}
