"""Skills in the context of the occupations a text is near.

A learning outcome or a competence phrase often names its field more clearly than its skill:
*Goudsmidswerk, zilverwerk* is far from every English skill label but close to the Dutch
occupation labels *goudsmid* and *zilversmid*, whose ESCO profiles list the skills meant. So
each text is also matched to the preferred labels, in every language, of the occupations (all
have Dutch labels; 17% of skills do), and a candidate skill is lifted by how far the nearest of
the text's ``occupations`` nearest occupations that needs it (essential or optional) lies above
the last of them:

    lift(text, skill) = max(score(text, o) for o in nearest(text) if skill in profile(o)) - score(text, last)

and 0 where none of them needs it. Measured on cross-fitted development halves in
benchmarks/RESULTS.md; matching against every occupation form (alternative labels and
descriptions too) gained a little more on the Dutch phrases but cost as much time as the skill
match itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from skillmatch.index import ConceptIndex, _expand, _grouped
from skillmatch.matching.artefacts import Artefacts
from skillmatch.matching.channel import Chunk
from skillmatch.taxonomy import ConceptKind, Taxonomy


class OccupationContext:
    """Per text, the lift of every skill from the text's nearest occupations' profiles.

    >>> context = OccupationContext(10).fit(taxonomy, skill_index, occupation_index)  # doctest: +SKIP
    >>> lift = context.lift(occupation_queries)   # (texts x skills), >= 0           # doctest: +SKIP
    """

    def __init__(self, occupations: int = 10) -> None:
        self.occupations = occupations

    def fit(self, taxonomy: Taxonomy, skills: ConceptIndex, occupations: ConceptIndex, *,
            profiles: np.ndarray | None = None) -> OccupationContext:
        """``profiles``: what :func:`profile_pairs` gives for these, where kept from before."""
        entries = occupations.entries_
        preferred = entries.forms == "preferred"
        order = np.argsort(entries.concepts[preferred], kind="stable")
        self.owners_ = entries.concepts[preferred][order]
        self.forms_ = np.ascontiguousarray(occupations.matrix_[entries.texts[preferred][order]])
        self.starts_ = np.flatnonzero(np.r_[True, np.diff(self.owners_) != 0])
        pairs = profile_pairs(taxonomy, skills, occupations) if profiles is None else profiles
        self.profiles_ = _grouped(pairs[:, 0], pairs[:, 1], len(occupations.uris_))
        self.n_occupations_, self.n_skills_ = len(occupations.uris_), len(skills.uris_)
        return self

    def occupation_scores(self, queries: np.ndarray) -> np.ndarray:
        """(texts x occupations): the best cosine with any of an occupation's preferred labels."""
        scores = np.full((len(queries), self.n_occupations_), -1.0, dtype=np.float32)
        scores[:, self.owners_[self.starts_]] = np.maximum.reduceat(queries @ self.forms_.T, self.starts_, axis=1)
        return scores

    def lift(self, queries: np.ndarray) -> np.ndarray:
        """(texts x skills) lifts for ``queries`` as the occupation matcher encodes them."""
        scores = self.occupation_scores(queries)
        m = min(self.occupations, scores.shape[1])
        nearest = np.argpartition(-scores, m - 1, axis=1)[:, :m]
        near_scores = np.take_along_axis(scores, nearest, axis=1)
        above = near_scores - near_scores.min(axis=1, keepdims=True)
        skills, counts = _expand(*self.profiles_, nearest.ravel())
        rows = np.repeat(np.repeat(np.arange(len(queries)), m), counts)
        lifted = np.zeros((len(queries), self.n_skills_), dtype=np.float32)
        np.maximum.at(lifted, (rows, skills), np.repeat(above.ravel(), counts))
        return lifted


def profile_pairs(taxonomy: Taxonomy, skills: ConceptIndex, occupations: ConceptIndex) -> np.ndarray:
    """(occupation id, skill id) for each skill an occupation needs, essential and optional alike."""
    skill_of = {uri: cid for cid, uri in enumerate(skills.uris_)}
    return np.array([(oid, skill_of[skill.uri]) for oid, uri in enumerate(occupations.uris_)
                     for skill in taxonomy.skills_of(uri) if skill.uri in skill_of], dtype=np.int64).reshape(-1, 2)


class ContextChannel:
    """The occupation context as an evidence channel of skills: the lift of each candidate."""

    name = "context"
    kinds = frozenset({ConceptKind.SKILL})
    blended = True

    def fit(self, kind: ConceptKind, artefacts: Artefacts) -> ContextChannel:
        skills, occupations = artefacts.dense[ConceptKind.SKILL], artefacts.dense[ConceptKind.OCCUPATION]
        self.fingerprints_ = [skills.fingerprint_, occupations.fingerprint_]
        # Both indexes' fingerprints include the taxonomy's.
        profiles = artefacts.derived(
            artefacts.data_dir / "index" / artefacts.encoder.name / "context-profiles.npz", self.fingerprints_,
            lambda: {"pairs": profile_pairs(artefacts.taxonomy, skills, occupations)})["pairs"]
        self.context_ = OccupationContext(artefacts.settings.context_occupations).fit(
            artefacts.taxonomy, skills, occupations, profiles=profiles)
        # Read at scoring time: tune.py swaps in adapters that never saw the items it scores.
        self.adapters_ = artefacts.adapters
        return self

    def score(self, chunk: Chunk, pairs: np.ndarray) -> np.ndarray:
        occupation = self.adapters_.get(ConceptKind.OCCUPATION)
        lift = self.context_.lift(occupation.transform(chunk.encoded) if occupation else chunk.encoded)
        return lift[pairs[:, 0], pairs[:, 1]]

    def describe(self) -> dict[str, Any]:
        return {"occupations": self.context_.occupations, "indexes": self.fingerprints_}
