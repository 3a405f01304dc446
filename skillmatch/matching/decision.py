"""From combined scores to reported matches: rank, calibrate, decide linked or suggested.

A concept's confidence is its kind's :class:`~skillmatch.matching.settings.Calibration` of its
score, its lead, (skills) its agreement and its rank; ``confidence >= threshold`` makes it "linked".
Each text, and each outcome of a credential, is ranked and decided on its own.

ESCO has many near-duplicate siblings ("administer prescribed medication" / "administer
medication in emergency"): skills under the same broader skill. They are decided together: the
lead of a skill is over the best skill that is *not* its sibling, only the best of the siblings
can be linked, and the others are its ``alternatives`` (they stay in the ranking, suggested).
"""

from __future__ import annotations

from collections.abc import Mapping
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
    #: The phrase of the outcome's reading that gave the match its score (None: the text itself).
    reading: str | None = None
    #: Siblings ranked below this match for the same outcome (URI, label).
    alternatives: tuple[tuple[str, str], ...] = ()
    #: The score's lead over the best candidate that is no sibling (what the confidence reads).
    lead: float = 0.0
    #: Share of the outcome's readings whose best candidate is this concept or a sibling.
    agreement: float = 0.0

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
        data["reading"] = self.reading
        data["alternatives"] = [{"uri": uri, "label": label} for uri, label in self.alternatives]
        return data


class Families:
    """Each concept's family: the concepts directly broader than it (a skill or the narrowest
    skill group; itself where it has none), what it shares with its siblings. Read from the
    taxonomy once per concept and kept: every ranked outcome asks about the same few thousand
    concepts, a thousand times per credential batch."""

    def __init__(self, index: ConceptIndex, taxonomy: Taxonomy) -> None:
        self.index = index
        self.taxonomy = taxonomy
        self._of: dict[int, frozenset[str]] = {}

    def of(self, cid: int) -> frozenset[str]:
        family = self._of.get(cid)
        if family is None:
            concept = self.taxonomy.get(self.index.uris_[cid])
            family = self._of[cid] = frozenset(concept.broader) or frozenset({concept.uri})
        return family

    def siblings(self, a: int, b: int) -> bool:
        """Near-duplicates: one is directly broader than the other, or both share a broader concept."""
        fa, fb = self.of(a), self.of(b)
        return bool(fa & fb) or self.index.uris_[a] in fb or self.index.uris_[b] in fa


@dataclass(frozen=True)
class Decision:
    """Ranks one kind's concepts for a text and decides each one's status."""

    index: ConceptIndex
    taxonomy: Taxonomy
    calibration: Calibration
    threshold: float
    #: The kind's families, kept by the matcher across calls (a fresh cache when not given).
    families: Families | None = None

    def __post_init__(self) -> None:
        if self.families is None:
            object.__setattr__(self, "families", Families(self.index, self.taxonomy))

    def ranked(self, scores: np.ndarray, query: np.ndarray, top_k: int, *, outcome: str | None = None,
               agreement: np.ndarray | None = None, reading: Mapping[int, str] | None = None) -> list[Match]:
        """Top ``top_k`` concepts of one text's score row; for a learning ``outcome``,
        ``agreement`` (per concept) and ``reading`` (concept id -> the phrase that scored it)
        come from the outcome reader."""
        # Concepts that were no candidate score 0 and are never reported.
        n = min(top_k, int(np.count_nonzero(scores)))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")].tolist()
        neighbours = self.neighbours(scores)
        near = [float(scores[c]) for c in neighbours]
        matches, linked_families = [], set()
        for rank, cid in enumerate(top):
            score = float(scores[cid])
            family = self.family(cid)
            related = [c != cid and self.siblings(cid, c) for c in neighbours]
            rivals = [s for c, s, sibling in zip(neighbours, near, related, strict=True) if c != cid and not sibling]
            following = max(rivals) if rivals else score
            agree = float(agreement[cid]) if agreement is not None else 0.0
            confidence = self.calibration.confidence(score, score - following, agree, rank)
            below = [c for c, s, sibling in zip(neighbours, near, related, strict=True) if sibling and s <= score]
            # Only the best of a family of siblings is linked; the rest are its alternatives.
            linked = confidence >= self.threshold and not (family & linked_families)
            if linked:
                linked_families |= family
            hit = self.index.best_label(query, cid)
            concept = self.taxonomy.get(self.index.uris_[cid])
            matches.append(Match(
                uri=concept.uri,
                label=concept.label(hit.lang or "en"),
                score=score,
                confidence=confidence,
                status="linked" if linked else "suggested",
                matched=hit.text,
                matched_lang=hit.lang,
                form=hit.form,
                outcome=outcome,
                reading=reading.get(cid) if reading is not None else None,
                alternatives=tuple((self.index.uris_[c], self.taxonomy.get(self.index.uris_[c]).label("en"))
                                   for c in below[: self.ALTERNATIVES]),
                lead=score - following,
                agreement=agree,
            ))
        return matches

    #: Candidates of an outcome a match is compared with (its rivals and its siblings).
    NEIGHBOURS = 20
    #: Alternatives shown per match.
    ALTERNATIVES = 3

    def neighbours(self, own: np.ndarray) -> list[int]:
        """An outcome's NEIGHBOURS best candidates, best first."""
        n = min(self.NEIGHBOURS, int(np.count_nonzero(own)))
        if n == 0:
            return []
        near = np.argpartition(-own, n - 1)[:n]
        return near[np.argsort(-own[near], kind="stable")].tolist()

    def family(self, cid: int) -> frozenset[str]:
        """The concepts directly broader than a concept (a skill or the narrowest skill group;
        itself where it has none): what it shares with its siblings."""
        return self.families.of(cid)

    def siblings(self, a: int, b: int) -> bool:
        """Near-duplicates: one is directly broader than the other, or both share a broader concept."""
        return self.families.siblings(a, b)
