"""The shape every evidence channel has, and the evidence they give together.

A channel scores (text, concept) candidate pairs on one kind of evidence: the text's cosine with
the concept's labels, with its description, their character n-grams, and so on. The matcher fits
each channel once (on the taxonomy and the stored :class:`~skillmatch.matching.artefacts.Artefacts`),
then hands it the texts a chunk at a time with their candidate pairs. Adding a channel is one
module with a class of this shape and one entry in ``skillmatch.matching.matcher.CHANNELS``; its
weight comes from the tuned settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from skillmatch.matching.artefacts import Artefacts
from skillmatch.matching.settings import Weights
from skillmatch.taxonomy import ConceptKind


@dataclass(frozen=True)
class Chunk:
    """A few texts being matched, in every form a channel may need them. A Dutch text's English
    gloss is a row of its own (``skillmatch.matching.gloss``)."""

    kind: ConceptKind
    texts: list[str]
    #: The encoder's vectors of the texts, before the kind's query adapter.
    encoded: np.ndarray
    #: The vectors the kind's index is searched with (after the adapter).
    queries: np.ndarray
    #: (texts x forms): each text's cosine with every surface form of the kind's dense index.
    similarities: np.ndarray
    #: Per row: an original text (not a gloss) that reads as Dutch.
    dutch: np.ndarray


class Channel(Protocol):
    #: The channel's name in the tuned weights.
    name: ClassVar[str]
    #: The kinds of concept it scores.
    kinds: ClassVar[frozenset[ConceptKind]]
    #: Whether a Dutch text's score is the mean of its two readings (else the gloss rows get 0).
    blended: ClassVar[bool]

    def fit(self, kind: ConceptKind, artefacts: Artefacts) -> Channel:
        """Take what the channel scores with from the stored artefacts (no scoring yet)."""

    def score(self, chunk: Chunk, pairs: np.ndarray) -> np.ndarray:
        """One float32 score per (chunk row, concept id) pair of ``pairs``."""

    def describe(self) -> dict[str, Any]:
        """What decides the channel's scores (settings, fingerprints of what it reads): part of
        the matcher's fingerprint, so a change of it makes stored mappings stale."""


@dataclass(frozen=True)
class Evidence:
    """The evidence for a batch of texts: per channel, a (texts x concepts) array that is 0
    except on each text's candidates."""

    #: The texts' query vectors (after the adapter), for the decision's "nearest label".
    queries: np.ndarray
    channels: Mapping[str, np.ndarray]
    #: How many concepts of the kind there are (the arrays' width).
    concepts: int

    def __getitem__(self, channel: str) -> np.ndarray:
        return self.channels[channel]

    def combine(self, weights: Weights) -> np.ndarray:
        """The weighted sum of the channels, added in the channels' order (a channel missing
        here counts 0); channels at weight 0 are skipped: tune.py combines hundreds of settings."""
        scores: np.ndarray | None = None
        for name, values in self.channels.items():
            weight = weights[name]
            if not weight:
                continue
            if scores is None:
                scores = weight * values
            else:
                scores += weight * values
        return scores if scores is not None else np.zeros((len(self.queries), self.concepts), dtype=np.float32)
