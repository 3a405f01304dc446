"""Lexical channel: character n-gram overlap (TF-IDF cosine) between a text and the concept's best
label: exact tool names and Dutch compounds, which embeddings blur."""

from __future__ import annotations

from typing import Any

import numpy as np

from skillmatch.index import LexicalIndex
from skillmatch.matching.artefacts import Artefacts
from skillmatch.matching.channel import Chunk
from skillmatch.taxonomy import ConceptKind


class LexicalChannel:
    name = "lexical"
    kinds = frozenset({ConceptKind.SKILL, ConceptKind.OCCUPATION})
    blended = True

    def fit(self, kind: ConceptKind, artefacts: Artefacts) -> LexicalChannel:
        self.index_: LexicalIndex = artefacts.lexical[kind]
        self.fingerprint_ = artefacts.dense[kind].fingerprint_
        return self

    def score(self, chunk: Chunk, pairs: np.ndarray) -> np.ndarray:
        return self.index_.pair_scores(chunk.texts, pairs)

    def describe(self) -> dict[str, Any]:
        # Built from the dense index's forms, so that index's fingerprint says what it holds.
        return {"forms": self.fingerprint_, "ngrams": list(LexicalIndex.NGRAMS)}
