"""A credential's learning outcomes as the matcher scores and decides them.

Each outcome is a row, and so is each phrase it is read as (``reading``); a skill's score for the
outcome is its score for the outcome's own text, with ``phrase_share`` of it from its best
phrase. A credential's skills are then decided outcome by outcome and taken rank by rank.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from skillmatch.matching.decision import Decision, Match
from skillmatch.matching.gloss import Readings
from skillmatch.matching.reading import OutcomeReading


@dataclass(frozen=True)
class OutcomeBatch:
    """Credentials' outcomes as the matcher scores them: each outcome, then the phrases it is
    read as (``owner``: the outcome of each row), and those rows' readings (with glosses)."""

    blocks: Sequence[Sequence[str]]
    texts: list[str]
    owner: np.ndarray
    #: How many outcomes there are (the first rows of ``texts``).
    outcomes: int
    readings: Readings

    @classmethod
    def of(cls, blocks: Sequence[Sequence[str]], read: Sequence[OutcomeReading],
           readings: Callable[[list[str], list[str]], Readings]) -> OutcomeBatch:
        """The rows of ``blocks`` whose outcomes, in order, are ``read`` as they are; ``readings``
        makes the rows' readings of their texts and what each one's gloss is made of."""
        texts = [reading.text for reading in read]
        sources, owner = list(texts), list(range(len(texts)))
        for i, reading in enumerate(read):
            for phrase in reading.phrases:
                if not phrase.example:
                    texts.append(phrase.text)
                    sources.append(phrase.verb_first)
                    owner.append(i)
        return cls(blocks, texts, np.asarray(owner), len(read), readings(texts, sources))


@dataclass(frozen=True)
class EncodedOutcomes:
    """Credentials' outcomes read (``batch``: the rows they are scored as) and those rows encoded."""

    batch: OutcomeBatch
    vectors: np.ndarray


class PhraseReadings(Mapping[int, str]):
    """Concept id -> the phrase of an outcome's reading that scored it, for the concepts whose
    best phrase scores above the outcome's own text. Looked up lazily: a ranking asks for ten of
    an outcome's hundreds of candidates."""

    def __init__(self, combined: np.ndarray, rows: range, best: np.ndarray, own: int, texts: Sequence[str]) -> None:
        self._combined, self._rows, self._best, self._own, self._texts = combined, rows, best, own, texts

    def __getitem__(self, cid: int) -> str:
        if not self._best[cid] > self._combined[self._own, cid]:
            raise KeyError(cid)
        return self._texts[self._rows[int(np.argmax(self._combined[self._rows.start : self._rows.stop, cid]))]]

    def __iter__(self) -> Iterator[int]:
        return iter(np.flatnonzero(self._best > self._combined[self._own]).tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self._best > self._combined[self._own]))


def outcome_scores(combined: np.ndarray, batch: OutcomeBatch, share: float,
                   decision: Decision) -> tuple[np.ndarray, np.ndarray, list[PhraseReadings | None]]:
    """Per outcome of ``batch``: its skills' scores (the text's, with ``share`` from the best
    phrase; ``combined``: every row's), the agreement of its readings, and which phrase scored
    each skill."""
    n = batch.outcomes
    scores = combined[:n].copy()
    agreement = np.zeros_like(scores)
    readings: list[PhraseReadings | None] = [None] * n
    # Phrase rows follow the n outcome rows, grouped by the outcome they belong to; the outcomes
    # with phrases are done at once, their groups being consecutive.
    bounds = np.searchsorted(batch.owner[n:], np.arange(n + 1)) + n
    phrased = np.flatnonzero(bounds[1:] > bounds[:-1])
    if len(phrased):
        best = np.maximum.reduceat(combined[n:], bounds[phrased] - n, axis=0)
        scores[phrased] = (1 - share) * combined[phrased] + share * best
        for i, row in zip(phrased.tolist(), best, strict=True):
            readings[i] = PhraseReadings(combined, range(bounds[i], bounds[i + 1]), row, i, batch.texts)
    has_best, best_of = combined.any(axis=1), combined.argmax(axis=1)
    for i in range(n):
        every = [i, *range(bounds[i], bounds[i + 1])]
        bests = [int(best_of[row]) for row in every if has_best[row]]
        for cid in decision.neighbours(scores[i]):
            agreement[i, cid] = sum(b == cid or decision.siblings(b, cid) for b in bests) / len(every)
    return scores, agreement, readings


def decide_outcomes(decision: Decision, batch: OutcomeBatch, combined: np.ndarray, queries: np.ndarray, share: float,
                    top_k: int, *, every_outcome: bool = False) -> list[list[Match]]:
    """Each credential's skills, from every row's ``combined`` scores and ``queries``; with
    ``every_outcome`` a credential of more outcomes than ``top_k`` still gets each one's best."""
    scores, agreement, readings = outcome_scores(combined, batch, share, decision)
    results, start = [], 0
    for block in batch.blocks:
        results.append(block_matches(decision, block, start, scores, queries, agreement, readings,
                                     max(top_k, len(block)) if every_outcome else top_k)
                       if len(block) > 1 else
                       decision.ranked(scores[start], queries[start], top_k, agreement=agreement[start],
                                       reading=readings[start]))
        start += len(block)
    return results


def block_matches(decision: Decision, block: Sequence[str], start: int, scores: np.ndarray, queries: np.ndarray,
                  agreement: np.ndarray, readings: list[PhraseReadings | None], top_k: int) -> list[Match]:
    """A credential's ``top_k`` skills decided outcome by outcome, taken rank by rank (every
    outcome's best, then every outcome's second, ...), so no outcome is crowded out by another's
    stronger skills; a skill found by several outcomes keeps its first."""
    ranked = [decision.ranked(scores[i], queries[i], top_k, outcome=outcome, agreement=agreement[i],
                              reading=readings[i])
              for i, outcome in enumerate(block, start)]
    chosen: dict[str, Match] = {}
    for rank in range(top_k):
        for match in sorted((r[rank] for r in ranked if rank < len(r)), key=lambda m: -m.score):
            if len(chosen) < top_k:
                chosen.setdefault(match.uri, match)
    return sorted(chosen.values(), key=lambda m: (-m.score, m.uri))
