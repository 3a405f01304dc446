"""Which concepts a text is scored on: those that own one of its nearest surface forms.

Only candidates are scored on every channel, which keeps the costly ones (n-grams, occupation
context, the second encoder) cheap; a concept that is no candidate scores 0 and is never reported.
The search runs a chunk of texts at a time, which bounds the (texts x forms) similarity matrix to
some tens of megabytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from skillmatch.index import ConceptIndex
from skillmatch.matching.channel import Chunk
from skillmatch.matching.gloss import Readings


@dataclass(frozen=True)
class CandidateSearch:
    index: ConceptIndex
    #: Nearest surface forms per text (labels or descriptions) whose concepts are candidates.
    forms: int
    #: Texts searched at once.
    chunk_size: int = 64
    #: What each search's product may run on (default: every core).
    threads: int | None = None

    def chunks(self, readings: Readings, encoded: np.ndarray,
               queries: np.ndarray) -> Iterator[tuple[np.ndarray, Chunk, np.ndarray]]:
        """Per chunk: its rows among the readings, the chunk, and its (chunk row, concept id)
        candidate pairs, sorted; a text and its gloss share their candidates."""
        local = np.empty(len(readings.texts), dtype=np.int64)  # a row's place in its chunk
        for rows in readings.chunks(self.chunk_size):
            similarities = self.index.similarities(queries[rows], threads=self.threads)
            local[rows] = np.arange(len(rows))
            pairs = self.index.candidates(similarities, self.forms,
                                          partner=local[readings.partner[rows]] if readings.glossed else None)
            chunk = Chunk(self.index.kind, [readings.texts[row] for row in rows], encoded[rows], queries[rows],
                          similarities, readings.dutch[rows])
            yield rows, chunk, pairs
