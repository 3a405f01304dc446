"""From combined scores to reported matches: rank, calibrate, decide linked or suggested.

A concept's confidence is its kind's :class:`~skillmatch.matching.settings.Calibration` of its
score and its lead over the next concept; ``confidence >= threshold`` makes it "linked". In an
outcome block the lead is measured within the outcome that gave the concept its score: skills of
different outcomes do not compete (the calibration was fitted on single sentences).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from skillmatch.index import ConceptIndex
from skillmatch.matching.settings import Calibration
from skillmatch.taxonomy import Taxonomy

Status = Literal["linked", "suggested"]


@dataclass(frozen=True)
class Match:
    """One ESCO concept matched to a text, with the evidence behind it."""

    uri: str
    label: str
    score: float
    confidence: float
    status: Status
    matched: str
    matched_lang: str
    form: str
    outcome: str | None = None

    def to_dict(self) -> dict[str, object]:
        data = {
            "uri": self.uri,
            "label": self.label,
            "score": round(self.score, 4),
            "confidence": round(self.confidence, 4),
            "status": self.status,
            "matched": self.matched,
            "matched_lang": self.matched_lang,
            "form": self.form,
        }
        if self.outcome is not None:
            data["outcome"] = self.outcome
        return data


@dataclass(frozen=True)
class Decision:
    """Ranks one kind's concepts for a text and decides each one's status."""

    index: ConceptIndex
    taxonomy: Taxonomy
    calibration: Calibration
    threshold: float

    def ranked(self, scores: np.ndarray, queries: np.ndarray, top_k: int, *,
               outcomes: Sequence[str] | None = None, rows: np.ndarray | None = None,
               per_outcome: np.ndarray | None = None) -> list[Match]:
        """Top ``top_k`` concepts of one score row. For an outcome block, ``rows`` says which
        query row (outcome) gave each concept its score and ``per_outcome`` holds the outcomes'
        own scores."""
        # Concepts that were no candidate score 0 and are never reported.
        n = min(top_k + 1, int(np.count_nonzero(scores)))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        matches = []
        for position, cid in enumerate(top[:top_k].tolist()):
            score = float(scores[cid])
            row = int(rows[cid]) if rows is not None else 0
            if per_outcome is not None:
                own = per_outcome[row]
                lower = own[own < score]
                following = float(lower.max()) if len(lower) else score
            else:
                following = float(scores[top[position + 1]]) if position + 1 < len(top) else score
            confidence = self.calibration.confidence(score, score - following)
            hit = self.index.best_label(queries[row], cid)
            concept = self.taxonomy.get(self.index.uris_[cid])
            matches.append(Match(
                uri=concept.uri,
                label=concept.label(hit.lang or "en"),
                score=score,
                confidence=confidence,
                status="linked" if confidence >= self.threshold else "suggested",
                matched=hit.text,
                matched_lang=hit.lang,
                form=hit.form,
                outcome=outcomes[row] if outcomes is not None else None,
            ))
        return matches
