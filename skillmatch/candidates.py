"""Rank candidates for a role: the passports whose skills cover an ESCO occupation, a job title or a
vacancy best, each with the skills that matched, their evidence, and the essential skills missing.

>>> index = CandidateIndex().fit({"ada": profile_from_passport(passport)}, taxonomy)  # doctest: +SKIP
>>> role = role_from_occupation(developer_uri, taxonomy)                             # doctest: +SKIP
>>> [(m.candidate, round(m.score, 2)) for m in index.rank(role, top=5)]              # doctest: +SKIP

A role weighs each skill it asks for (``ESSENTIAL_WEIGHT`` or ``OPTIONAL_WEIGHT`` as in
:mod:`skillmatch.gaps`); a candidate holds each skill at a credit, its confidence (1 where the
issuer asserted it or the institution confirmed it). A candidate's score is the weighted coverage
of the role, Σ weight × credit / Σ weight, in [0, 1]. Unlike :func:`skillmatch.gaps.occupation_gap`
the credit keeps the confidence, so between two candidates with the same skills the one whose
skills are better proven ranks first; and only the skills themselves count, not neighbouring ones
(partial credit would need a candidate-side expansion or over-count a candidate holding several
neighbours of one skill; ``occupation_gap`` gives it for the one candidate a recruiter opens).

Scale: every candidate is scored with one sparse matrix–vector product over a candidates x skills
CSR matrix (float32 credits, int32 skill columns: 8 bytes per held skill, about 240 MB for a
million passports of 30 skills), and only the ``top`` are sorted and explained
(``benchmarks/candidates.py`` measures it). Beyond one machine's memory or a second per query, the
rows shard by candidate across processes (each ranks its shard; the top-k lists merge); a
skill-major (CSC) copy turns a query into a walk over the posting lists of the role's few dozen
skills only; and candidates who lack most essential skills can be pruned before scoring.
"""

from __future__ import annotations

import json
import math
import warnings
import zipfile
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from skillmatch import __version__
from skillmatch.domain import HeldSkill, SkillProfile
from skillmatch.errors import InputError, SkillmatchError, StoreError, UnknownConceptError
from skillmatch.gaps import ESSENTIAL_WEIGHT, OPTIONAL_WEIGHT
from skillmatch.taxonomy import ConceptKind, Taxonomy

# scipy is imported where a matrix is made: the service, which imports this module for roles,
# starts 0.15 s sooner without it.
if TYPE_CHECKING:
    from scipy import sparse

#: Version of the saved index layout; :meth:`CandidateIndex.load` refuses another.
INDEX_FORMAT = 1
# Credits are stored as float32 (seven significant digits); reported to six decimals, a confidence
# of 0.8 reads back as 0.8 rather than 0.800000011920929.
_DIGITS = 6


@dataclass(frozen=True)
class Role:
    """What an employer asks for: skill URI -> weight, the skills that are essential, and the ESCO
    occupation it was built from (None for a hand-made role)."""

    label: str
    skills: dict[str, float]
    essential: frozenset[str]
    occupation: str | None = None


@dataclass(frozen=True)
class CandidateMatch:
    """One ranked candidate: the score and what explains it."""

    candidate: str
    score: float
    #: The role's skills the candidate holds, as (uri, label, credit), heaviest in the role first.
    matched: tuple[tuple[str, str, float], ...]
    #: The role's essential skills the candidate lacks, as (uri, label), by label.
    missing_essential: tuple[tuple[str, str], ...]
    #: Matched skill URI -> the evidence for it (the credentials), where the profile gave any.
    evidence: dict[str, tuple[str, ...]]

    def to_dict(self) -> dict:
        return {
            "candidate": self.candidate, "score": round(self.score, 4),
            "matched": [{"uri": uri, "label": label, "credit": round(credit, 4),
                         "evidence": list(self.evidence.get(uri, ()))} for uri, label, credit in self.matched],
            "missing_essential": [{"uri": uri, "label": label} for uri, label in self.missing_essential],
        }


def role_from_occupation(uri: str, taxonomy: Taxonomy) -> Role:
    """The role of an ESCO occupation: its essential and optional skills at their weights.

    Raises UnknownConceptError for a URI the taxonomy lacks, InputError for one that is not an occupation.
    """
    concept = taxonomy.get(uri)
    if concept.kind is not ConceptKind.OCCUPATION:
        raise InputError(f"{uri!r} is an ESCO {concept.kind.value} ({concept.label()!r}), not an occupation")
    essential = [s.uri for s in taxonomy.skills_of(uri, "essential")]
    skills = dict.fromkeys(essential, ESSENTIAL_WEIGHT)
    skills.update(dict.fromkeys((s.uri for s in taxonomy.skills_of(uri, "optional")), OPTIONAL_WEIGHT))
    return Role(label=concept.label("en"), skills=skills, essential=frozenset(essential), occupation=uri)


Profiles = Mapping[str, SkillProfile] | Iterable[tuple[str, Mapping[str, float]]]


class CandidateIndex:
    """Candidates' skills as one sparse matrix, ranked for a role in one matrix–vector product.

    Consent is the caller's to enforce: the index ranks exactly the profiles it was fitted on, so
    fit it only on the passports whose holders agreed to be found (the API does).

    >>> index = CandidateIndex().fit([("c1", {python_uri: 0.9})], taxonomy)  # doctest: +SKIP
    >>> index.rank(role_from_occupation(developer_uri, taxonomy))[0].candidate  # doctest: +SKIP
    'c1'

    Attributes (after ``fit`` or ``load``): ``candidates_`` (ids, row order), ``skills_`` and
    ``skill_labels_`` (the taxonomy's skill URIs and English labels, column order),
    ``skill_index_`` (URI -> column), ``matrix_`` (CSR candidates x skills, float32 credits) and
    ``evidence_`` (candidate -> skill URI -> evidence, for profiles that carry evidence).
    """

    def fit(self, profiles: Profiles, taxonomy: Taxonomy) -> CandidateIndex:
        """Index ``profiles``: a mapping of candidate id to :data:`SkillProfile` (from
        :func:`skillmatch.domain.profile_from_passport`, with evidence), or (id, {skill URI:
        confidence}) pairs, which may be a generator so that a million profiles never sit in memory
        as dictionaries.

        Raises InputError for a repeated candidate id, a URI that is not a skill, or a confidence
        outside [0, 1]; UnknownConceptError for a URI the taxonomy lacks.
        """
        skills = [c.uri for c in taxonomy.skills]
        column = {uri: i for i, uri in enumerate(skills)}
        candidates: list[str] = []
        evidence: dict[str, dict[str, tuple[str, ...]]] = {}
        # array.array keeps 4 bytes per held skill while reading; Python lists would keep 8 plus objects.
        indptr, columns, values = array("q", [0]), array("i"), array("f")
        for candidate, held in profiles.items() if isinstance(profiles, Mapping) else profiles:
            candidates.append(candidate)
            if isinstance(next(iter(held.values()), None), HeldSkill):
                for uri, skill in held.items():
                    if uri not in column:
                        raise _not_a_skill(uri, taxonomy)
                    columns.append(column[uri])
                    values.append(skill.confidence)
                    if skill.evidence:
                        evidence.setdefault(candidate, {})[uri] = tuple(skill.evidence)
            else:
                try:
                    columns.extend(map(column.__getitem__, held))
                except KeyError as exc:
                    raise _not_a_skill(exc.args[0], taxonomy) from None
                try:
                    values.extend(held.values())
                except TypeError as exc:
                    raise InputError(f"candidate {candidate!r}: confidences must be numbers ({exc})") from None
            indptr.append(len(columns))

        if len(set(candidates)) != len(candidates):
            repeated = next(c for c, count in Counter(candidates).items() if count > 1)
            raise InputError(f"candidate {repeated!r} is given twice; each candidate needs one profile")
        data = np.frombuffer(values, dtype=np.float32)
        bad = np.flatnonzero(~((data >= 0.0) & (data <= 1.0)))
        if len(bad):
            row = int(np.searchsorted(np.frombuffer(indptr, dtype=np.int64), bad[0], side="right")) - 1
            label = taxonomy.get(skills[columns[bad[0]]]).label("en")
            raise InputError(f"candidate {candidates[row]!r}: the confidence of {label!r} is {data[bad[0]]}; "
                             "it must lie in [0, 1]")
        from scipy import sparse

        matrix = sparse.csr_matrix((data, np.frombuffer(columns, dtype=np.int32), np.frombuffer(indptr, np.int64)),
                                   shape=(len(candidates), len(skills)))
        matrix.eliminate_zeros()
        self._set(candidates, skills, [c.label("en") for c in taxonomy.skills], matrix, evidence)
        return self

    def _set(self, candidates: list[str], skills: list[str], labels: list[str], matrix: sparse.csr_matrix,
             evidence: dict[str, dict[str, tuple[str, ...]]]) -> None:
        self.candidates_ = candidates
        self.skills_ = skills
        self.skill_labels_ = labels
        self.skill_index_ = {uri: i for i, uri in enumerate(skills)}
        self.matrix_ = matrix
        self.evidence_ = evidence

    def rows(self, start: int, stop: int) -> CandidateIndex:
        """The candidates ``start:stop`` (in fitting order) as an index of their own: a shard."""
        self._check_fitted()
        part = self.candidates_[start:stop]
        shard = CandidateIndex()
        shard._set(part, self.skills_, self.skill_labels_, self.matrix_[start:stop],
                   {c: self.evidence_[c] for c in part if c in self.evidence_})
        return shard

    def _check_fitted(self) -> None:
        if not hasattr(self, "matrix_"):
            raise RuntimeError("CandidateIndex is not fitted; call fit(profiles, taxonomy) or load(folder) first")

    # -- ranking ------------------------------------------------------------------------------

    def rank(self, role: Role, *, top: int = 20) -> list[CandidateMatch]:
        """The ``top`` candidates with the highest weighted coverage of ``role`` (above 0), best first
        (ties in fitting order), each with its matched skills, evidence and missing essentials.

        Only the candidates the index was fitted on are ranked: consent is enforced by whoever
        fits it. Raises InputError for a role without positive weights or ``top`` below 1, and
        UnknownConceptError for a role skill that is not a skill of the index's taxonomy.
        """
        self._check_fitted()
        if top < 1:
            raise InputError(f"top must be at least 1, not {top}")
        vector = np.zeros(len(self.skills_), dtype=np.float32)
        for uri, weight in role.skills.items():
            if uri not in self.skill_index_:
                raise UnknownConceptError(uri)
            if not (math.isfinite(weight) and weight >= 0.0):
                raise InputError(f"the weight of {uri!r} in role {role.label!r} is {weight}; it must be 0 or more")
            vector[self.skill_index_[uri]] = weight
        for uri in role.essential:
            if uri not in self.skill_index_:
                raise UnknownConceptError(uri)
        total = float(vector.sum(dtype=np.float64))
        if total <= 0.0:
            raise InputError(f"role {role.label!r} weighs no skill above 0; there is nothing to rank on")
        scores = self.matrix_ @ vector
        k = min(top, int(np.count_nonzero(scores)))
        if k == 0:
            return []
        # argpartition keeps an arbitrary few of the candidates tied with the k-th: take them all,
        # so that ties go in fitting order (and a shard of the index ranks as the whole does).
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        best = np.flatnonzero(scores >= kth)
        best = best[np.lexsort((best, -scores[best]))][:k]
        return [self._explain(int(row), float(scores[row]) / total, role, vector) for row in best]

    def _explain(self, row: int, score: float, role: Role, vector: np.ndarray) -> CandidateMatch:
        start, end = self.matrix_.indptr[row], self.matrix_.indptr[row + 1]
        held = dict(zip(self.matrix_.indices[start:end].tolist(), self.matrix_.data[start:end].tolist(),
                        strict=True))
        matched = sorted(((c, round(credit, _DIGITS)) for c, credit in held.items() if vector[c] > 0.0),
                         key=lambda item: (-vector[item[0]], -item[1], self.skill_labels_[item[0]]))
        missing = sorted((self.skill_labels_[c], self.skills_[c]) for c in map(self.skill_index_.get, role.essential)
                         if c not in held)
        candidate = self.candidates_[row]
        own = self.evidence_.get(candidate, {})
        return CandidateMatch(
            candidate=candidate, score=score,
            matched=tuple((self.skills_[c], self.skill_labels_[c], credit) for c, credit in matched),
            missing_essential=tuple((uri, label) for label, uri in missing),
            evidence={self.skills_[c]: own[self.skills_[c]] for c, _ in matched if self.skills_[c] in own},
        )

    # -- persistence --------------------------------------------------------------------------

    def save(self, folder: Path | str) -> None:
        """Write ``matrix.npz`` (the sparse matrix) and ``candidates.json`` (ids, skills, evidence,
        the format and skillmatch version) to ``folder``."""
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        from scipy import sparse

        sparse.save_npz(folder / "matrix.npz", self.matrix_, compressed=False)
        meta = {"format": INDEX_FORMAT, "skillmatch_version": __version__, "candidates": self.candidates_,
                "skills": self.skills_, "skill_labels": self.skill_labels_,
                "evidence": self.evidence_}
        (folder / "candidates.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    def load(self, folder: Path | str) -> CandidateIndex:
        """Read an index :meth:`save` wrote. Raises StoreError when it is missing, damaged or of
        another format; warns when another skillmatch version saved it."""
        from scipy import sparse

        folder = Path(folder)
        try:
            meta = json.loads((folder / "candidates.json").read_text(encoding="utf-8"))
            matrix = sparse.load_npz(folder / "matrix.npz").tocsr()
            fields = meta["format"], meta["candidates"], meta["skills"], meta["skill_labels"], meta["evidence"]
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise StoreError(f"the candidate index at {folder} is unreadable ({exc}); fit and save it again") from exc
        saved_format, candidates, skills, labels, evidence = fields
        if saved_format != INDEX_FORMAT:
            raise StoreError(f"the candidate index at {folder} has format {saved_format}; this skillmatch reads "
                             f"format {INDEX_FORMAT}: fit and save it again")
        if matrix.shape != (len(candidates), len(skills)) or len(labels) != len(skills):
            raise StoreError(f"the candidate index at {folder} is damaged: its matrix is {matrix.shape} for "
                             f"{len(candidates)} candidates and {len(skills)} skills")
        if meta.get("skillmatch_version") != __version__:
            warnings.warn(f"the candidate index at {folder} was saved by skillmatch {meta.get('skillmatch_version')}"
                          f" and is read by {__version__}; fit it again if ranking looks wrong", stacklevel=2)
        self._set(candidates, skills, labels, matrix.astype(np.float32, copy=False),
                  {c: {uri: tuple(e) for uri, e in by_skill.items()} for c, by_skill in evidence.items()})
        return self


def rank_candidates(profiles: Profiles, role: Role, taxonomy: Taxonomy, *, top: int = 20) -> list[CandidateMatch]:
    """One-off ranking: :meth:`CandidateIndex.fit` then :meth:`CandidateIndex.rank`."""
    return CandidateIndex().fit(profiles, taxonomy).rank(role, top=top)


def _not_a_skill(uri: str, taxonomy: Taxonomy) -> SkillmatchError:
    """The error for a profile URI that is no skill column: unknown, or another kind of concept."""
    if uri not in taxonomy:
        return UnknownConceptError(uri)
    concept = taxonomy.get(uri)
    return InputError(f"{uri!r} is an ESCO {concept.kind.value} ({concept.label()!r}), not a skill")
