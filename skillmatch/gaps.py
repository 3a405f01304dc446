"""How far a learner's skills are from an ESCO occupation, and which occupations fit them.

>>> profile = skillmatch.domain.profile_from_passport(passport)            # doctest: +SKIP
>>> gap = occupation_gap(profile, occupation_uri, taxonomy)                 # doctest: +SKIP
>>> [s.reason for s in gap.missing_essential][:1]                           # doctest: +SKIP
>>> now, reachable = occupation_fit(profile, taxonomy, offer=offered)       # doctest: +SKIP

A required skill is *held* when the profile proves it, *partly held* when the profile proves a
skill next to it in ESCO (a narrower or broader skill one step away in the skill hierarchy, or a
skill–skill relation), and otherwise *missing*. Coverage weighs each of the occupation's skills by
whether ESCO marks it essential or optional, and counts the credit each earned.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from skillmatch.domain import HeldSkill, OfferedCredential, SkillProfile
from skillmatch.errors import InputError
from skillmatch.taxonomy import ConceptKind, Taxonomy

if TYPE_CHECKING:
    from scipy import sparse

# ESCO occupations list about 22 essential and 20 optional skills (v1.1.1 means). Optional skills
# are those an employer *may* ask for, and any one job needs only a few of them; at 0.3 they make
# about a fifth of an occupation's weight, so holding every essential skill gives ~0.78, and for
# all but 78 of the 3,007 occupations all optional skills together weigh less than the essential ones.
ESSENTIAL_WEIGHT = 1.0
OPTIONAL_WEIGHT = 0.3

# Credit for a required skill the profile does not hold, from a held skill next to it in ESCO.
# - narrower (held "Python", required "computer programming"): the held skill proves the required
#   one in at least one concrete form; the rest of its breadth is unproven.
# - broader (held "computer programming", required "Python"): a foundation for the required skill,
#   not proof of it; kept low because ESCO's general skills have many narrower ones ("think
#   critically" has 189) and would otherwise lift every occupation that needs any of them.
# - related (an ESCO skill–skill relation, mostly a skill and the knowledge it uses, e.g. "perform
#   data mining" and "data mining"): knowing about something is the weakest evidence of doing it.
# Only one step is followed: ESCO's hierarchy runs six skills deep, and credit through a chain of
# links would be hard to explain and easy to inflate. Links never add up: the best one counts.
PARTIAL_CREDIT: dict[str, float] = {"narrower": 0.75, "broader": 0.4, "related": 0.3}

_WEIGHTS = {"essential": ESSENTIAL_WEIGHT, "optional": OPTIONAL_WEIGHT}
_STATUS_ORDER = {"held": 0, "partial": 1, "missing": 2}
_MISSING_REASON = "no credential proves it or a related skill"
# Below this a coverage gain is floating-point noise, not a reason to recommend a credential.
_EPSILON = 1e-9


@dataclass(frozen=True)
class SkillGap:
    """One skill an occupation needs, and how far the profile covers it.

    A held skill earns credit 1 whatever its confidence: a profile holds proven skills only, and
    the proof threshold already weighed the confidence. A partly held skill earns
    ``PARTIAL_CREDIT[via_kind]`` from the held skill ``via``, likewise not scaled by confidence.
    (Credentials not yet held are another matter: see :func:`occupation_fit`.)
    """

    uri: str
    label: str
    relation: Literal["essential", "optional"]
    status: Literal["held", "partial", "missing"]
    credit: float
    via: str | None = None
    via_kind: str | None = None
    reason: str = ""
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"uri": self.uri, "label": self.label, "relation": self.relation, "status": self.status,
                "credit": round(self.credit, 4), "via": self.via, "via_kind": self.via_kind,
                "reason": self.reason, "evidence": list(self.evidence)}


@dataclass(frozen=True)
class Gap:
    """A profile against one occupation: every skill it needs, essential ones first, each held,
    partly held (most credit first) or missing, and the weighted coverage (see ``ESSENTIAL_WEIGHT``)."""

    occupation: str
    label: str
    skills: tuple[SkillGap, ...]
    coverage: float
    #: Mean credit over the essential skills; 1 when the occupation lists none.
    essential_coverage: float

    @property
    def held(self) -> list[SkillGap]:
        return [s for s in self.skills if s.status == "held"]

    @property
    def partial(self) -> list[SkillGap]:
        return [s for s in self.skills if s.status == "partial"]

    @property
    def missing(self) -> list[SkillGap]:
        return [s for s in self.skills if s.status == "missing"]

    @property
    def missing_essential(self) -> list[SkillGap]:
        return [s for s in self.skills if s.status == "missing" and s.relation == "essential"]

    def to_dict(self) -> dict:
        return {
            "occupation": self.occupation, "label": self.label,
            "coverage": round(self.coverage, 4), "essential_coverage": round(self.essential_coverage, 4),
            "held": len(self.held), "partial": len(self.partial), "missing": len(self.missing),
            "missing_essential": len(self.missing_essential),
            "skills": [s.to_dict() for s in self.skills],
        }


@dataclass(frozen=True)
class Fit:
    """How well a profile fits one occupation now, and what the catalogue could add."""

    occupation: str
    label: str
    coverage: float
    essential_coverage: float
    held: int
    partial: int
    missing_essential: int
    #: Catalogue credentials (ids) that would bring it closest, in the order chosen.
    via: tuple[str, ...] = ()
    #: The coverage with the ``via`` credentials; None when no catalogue was given.
    coverage_after: float | None = None
    reason: str = ""

    def to_dict(self) -> dict:
        return {"occupation": self.occupation, "label": self.label, "coverage": round(self.coverage, 4),
                "essential_coverage": round(self.essential_coverage, 4), "held": self.held,
                "partial": self.partial, "missing_essential": self.missing_essential, "via": list(self.via),
                "coverage_after": None if self.coverage_after is None else round(self.coverage_after, 4),
                "reason": self.reason}


# -- profiles ---------------------------------------------------------------------------------


def profile_from_skills(skills: Mapping[str, float], taxonomy: Taxonomy, evidence: str = "") -> SkillProfile:
    """A profile from skill URIs and confidences (a candidate's skills, a catalogue credential's),
    all with the same ``evidence`` sentence. Raises UnknownConceptError for a URI the taxonomy lacks
    and InputError for one that is not a skill or a confidence outside [0, 1]."""
    profile: SkillProfile = {}
    for uri, confidence in skills.items():
        concept = taxonomy.get(uri)
        if concept.kind is not ConceptKind.SKILL:
            raise InputError(f"{uri!r} is an ESCO {concept.kind.value} ({concept.label()!r}), not a skill")
        if not 0.0 <= confidence <= 1.0:
            raise InputError(f"the confidence of {concept.label()!r} is {confidence}; it must lie in [0, 1]")
        profile[uri] = HeldSkill(uri, concept.label("en"), float(confidence), (evidence,) if evidence else ())
    return profile


# -- credit through the skill graph -----------------------------------------------------------

_LINKS: weakref.WeakKeyDictionary[Taxonomy, dict[str, tuple[tuple[str, str], ...]]] = weakref.WeakKeyDictionary()


def skill_links(taxonomy: Taxonomy) -> dict[str, tuple[tuple[str, str], ...]]:
    """For each skill, the skills it gives partial credit to and how: ``(target, kind)``, where
    ``kind`` says what the held skill is to the target. Built once per taxonomy."""
    cached = _LINKS.get(taxonomy)
    if cached is not None:
        return cached
    skills = {c.uri for c in taxonomy.skills}
    links: dict[str, dict[str, str]] = {}

    def add(held: str, target: str, kind: str) -> None:
        if held == target:
            return
        known = links.setdefault(held, {}).get(target)
        if known is None or PARTIAL_CREDIT[kind] > PARTIAL_CREDIT[known]:
            links[held][target] = kind

    for concept in taxonomy.skills:
        for parent in concept.broader:
            if parent in skills:
                add(concept.uri, parent, "narrower")
                add(parent, concept.uri, "broader")
    for rel in taxonomy.skill_relations:
        if rel.skill in skills and rel.related in skills:
            add(rel.skill, rel.related, "related")
            add(rel.related, rel.skill, "related")
    built = {held: tuple(sorted(targets.items())) for held, targets in links.items()}
    _LINKS[taxonomy] = built
    return built


def prepare(taxonomy: Taxonomy) -> None:
    """Build what every gap reads: the skill links and the taxonomy's occupation profiles (built on
    its first look-up). A service does it once its taxonomy has loaded, so that no first gap waits
    for them (about a third of a second under load)."""
    skill_links(taxonomy)
    for occupation in taxonomy.occupations[:1]:
        taxonomy.skills_of(occupation.uri)


def skill_credits(strengths: Mapping[str, float], links: Mapping[str, tuple[tuple[str, str], ...]]
             ) -> dict[str, tuple[float, str, str | None]]:
    """Credit per skill from held skills of the given strength: ``uri -> (credit, via, kind)``,
    ``kind`` None when the skill itself is held. The best credit wins; ties go to the held skill
    whose URI sorts first, so explanations do not depend on dict order."""
    best: dict[str, tuple[float, str, str | None]] = {}

    def offer(target: str, credit: float, via: str, kind: str | None) -> None:
        if credit > _EPSILON and (target not in best or credit > best[target][0]):
            best[target] = (credit, via, kind)

    for uri in sorted(strengths):
        offer(uri, strengths[uri], uri, None)
    for uri in sorted(strengths):
        for target, kind in links.get(uri, ()):
            offer(target, strengths[uri] * PARTIAL_CREDIT[kind], uri, kind)
    return best


# -- gap to one occupation --------------------------------------------------------------------


def occupation_gap(profile: SkillProfile, occupation: str, taxonomy: Taxonomy) -> Gap:
    """Every skill ``occupation`` needs, held, partly held or missing for ``profile``, with the
    evidence or the reason, and the weighted coverage.

    Raises UnknownConceptError for a URI the taxonomy lacks and InputError for one that is not an
    occupation.
    """
    concept = taxonomy.get(occupation)
    if concept.kind is not ConceptKind.OCCUPATION:
        raise InputError(f"{occupation!r} is an ESCO {concept.kind.value} ({concept.label()!r}), not an occupation")
    credits = skill_credits(dict.fromkeys(profile, 1.0), skill_links(taxonomy))
    relations: tuple[Literal["essential", "optional"], ...] = ("essential", "optional")
    gaps = [_skill_gap(skill.uri, skill.label("en"), relation, credits.get(skill.uri), profile)
            for relation in relations for skill in taxonomy.skills_of(occupation, relation)]
    gaps.sort(key=lambda g: (g.relation != "essential", _STATUS_ORDER[g.status], -g.credit, g.label, g.uri))
    weight = sum(_WEIGHTS[g.relation] for g in gaps)
    essential = [g for g in gaps if g.relation == "essential"]
    return Gap(
        occupation=occupation, label=concept.label("en"), skills=tuple(gaps),
        coverage=sum(_WEIGHTS[g.relation] * g.credit for g in gaps) / weight if weight else 0.0,
        essential_coverage=sum(g.credit for g in essential) / len(essential) if essential else 1.0,
    )


def _skill_gap(uri: str, label: str, relation: Literal["essential", "optional"],
               credit: tuple[float, str, str | None] | None, profile: SkillProfile) -> SkillGap:
    if credit is None:
        return SkillGap(uri, label, relation, "missing", 0.0, reason=_MISSING_REASON)
    _, via, kind = credit
    held = profile[via]
    if kind is None:
        reason = "proven by " + "; ".join(held.evidence) if held.evidence else "held in the profile"
        return SkillGap(uri, label, relation, "held", 1.0, reason=reason, evidence=held.evidence)
    return SkillGap(uri, label, relation, "partial", PARTIAL_CREDIT[kind], via=via, via_kind=kind,
                    reason=_partial_reason(held.label, label, kind), evidence=held.evidence)


def _partial_reason(held: str, required: str, kind: str) -> str:
    if kind == "narrower":
        return f"you hold '{held}', a narrower skill of '{required}'"
    if kind == "broader":
        return f"you hold '{held}', a broader skill than '{required}'"
    return f"you hold '{held}', a skill ESCO relates to '{required}'"


# -- fit over all occupations -----------------------------------------------------------------


class OccupationMatrix:
    """Every occupation's skills as sparse matrices, so a profile is scored against all ESCO
    occupations with a few matrix–vector products.

    >>> matrix = OccupationMatrix().fit(taxonomy)                           # doctest: +SKIP
    >>> coverage = matrix.score(matrix.credit_vector(profile))["coverage"]  # doctest: +SKIP

    Attributes (after ``fit``): ``skills_`` and ``occupations_`` (URIs in column and row order),
    ``skill_index_``, ``weights_`` (occupations x skills, ``ESSENTIAL_WEIGHT``/``OPTIONAL_WEIGHT``),
    ``essential_`` and ``required_`` (0/1), ``links_`` (see :func:`skill_links`).
    """

    def fit(self, taxonomy: Taxonomy) -> OccupationMatrix:
        # Imported here: a service's start (its first passport read) needs no occupation fit.
        from scipy import sparse

        self.skills_ = [c.uri for c in taxonomy.skills]
        self.skill_index_ = {uri: i for i, uri in enumerate(self.skills_)}
        occupations = taxonomy.occupations
        self.occupations_ = [o.uri for o in occupations]
        self.labels_ = [o.label("en") for o in occupations]
        shape = (len(self.occupations_), len(self.skills_))
        matrices = {}
        for relation in ("essential", "optional"):
            rows, cols = [], []
            for row, occupation in enumerate(occupations):
                for skill in taxonomy.skills_of(occupation.uri, relation):
                    rows.append(row)
                    cols.append(self.skill_index_[skill.uri])
            matrices[relation] = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
        self.essential_ = matrices["essential"]
        self.required_ = (matrices["essential"] + matrices["optional"]).tocsr()
        self.weights_ = (ESSENTIAL_WEIGHT * matrices["essential"] + OPTIONAL_WEIGHT * matrices["optional"]).tocsr()
        self.total_weight_ = np.asarray(self.weights_.sum(axis=1)).ravel()
        self.n_essential_ = np.asarray(self.essential_.sum(axis=1)).ravel()
        self.links_ = skill_links(taxonomy)
        return self

    def credit_vector(self, strengths: Mapping[str, float]) -> np.ndarray:
        """Credit per skill column from held skills of the given strength (1 for a profile)."""
        vector = np.zeros(len(self.skills_))
        for uri, (credit, _, _) in skill_credits(strengths, self.links_).items():
            column = self.skill_index_.get(uri)
            if column is not None:
                vector[column] = credit
        return vector

    def offer_matrix(self, offer: Sequence[OfferedCredential]) -> sparse.csr_matrix:
        """Credits per skill column for each offered credential (rows), its skills counted at their
        confidence; skills of another ESCO release are left out."""
        from scipy import sparse

        rows, cols, data = [], [], []
        for row, credential in enumerate(offer):
            known = {uri: c for uri, c in credential.skills.items() if uri in self.skill_index_}
            for uri, (credit, _, _) in skill_credits(known, self.links_).items():
                rows.append(row)
                cols.append(self.skill_index_[uri])
                data.append(credit)
        return sparse.csr_matrix((data, (rows, cols)), shape=(len(offer), len(self.skills_)))

    def score(self, credits: np.ndarray) -> dict[str, np.ndarray]:
        """Per occupation: coverage, essential coverage and counts of held, partly held and
        missing essential skills, for a credit vector from :meth:`credit_vector`."""
        held = (credits >= 1.0).astype(float)
        partial = ((credits > 0.0) & (credits < 1.0)).astype(float)
        total, n_essential = self.total_weight_, self.n_essential_
        essential_held = self.essential_ @ held
        essential_partial = self.essential_ @ partial
        with np.errstate(invalid="ignore", divide="ignore"):
            coverage = np.where(total > 0, (self.weights_ @ credits) / total, 0.0)
            essential = np.where(n_essential > 0, (self.essential_ @ credits) / n_essential, 1.0)
        return {
            "coverage": coverage, "essential_coverage": essential,
            "held": self.required_ @ held, "partial": self.required_ @ partial,
            "essential_held": essential_held, "essential_partial": essential_partial,
            "missing_essential": n_essential - essential_held - essential_partial,
        }

    def greedy(self, row: int, credits: np.ndarray, offered: sparse.csc_matrix, steps: int
               ) -> tuple[list[int], float]:
        """The offered credentials (row numbers), at most ``steps``, that one after the other
        raise the coverage of occupation ``row`` most, and the coverage they reach."""
        start, end = self.weights_.indptr[row], self.weights_.indptr[row + 1]
        columns, weights = self.weights_.indices[start:end], self.weights_.data[start:end]
        current = credits[columns]
        gives = offered[:, columns].toarray()
        chosen: list[int] = []
        for _ in range(steps):
            gains = (np.maximum(gives, current) - current) @ weights
            best = int(np.argmax(gains)) if len(gains) else 0
            if not len(gains) or gains[best] <= _EPSILON:
                break
            chosen.append(best)
            current = np.maximum(current, gives[best])
        total = self.total_weight_[row]
        return chosen, float(current @ weights / total) if total else 0.0


_MATRICES: weakref.WeakKeyDictionary[Taxonomy, OccupationMatrix] = weakref.WeakKeyDictionary()


def occupation_matrix(taxonomy: Taxonomy) -> OccupationMatrix:
    """The fitted :class:`OccupationMatrix` of ``taxonomy``, built on first use and kept while the
    taxonomy lives."""
    matrix = _MATRICES.get(taxonomy)
    if matrix is None:
        matrix = _MATRICES[taxonomy] = OccupationMatrix().fit(taxonomy)
    return matrix


def occupation_fit(profile: SkillProfile, taxonomy: Taxonomy, *, offer: Sequence[OfferedCredential] = (),
                   held: Collection[str] = (), top: int = 20, steps: int = 2) -> tuple[list[Fit], list[Fit]]:
    """Rank every ESCO occupation for ``profile``.

    Returns the ``top`` occupations that fit now (coverage above 0, best first) and, given an
    ``offer``, the ``top`` other occupations that at most ``steps`` of its credentials would lift
    above the weakest current fit, best coverage-after first. Credentials are chosen greedily per
    occupation (the one that raises coverage most, then the next), their skills counted at their
    confidence; the fits now also get the credentials that would bring them closest. The
    credentials the learner holds (``held``, by id) are never among them.
    """
    if top < 1:
        raise InputError(f"top must be at least 1, not {top}")
    if steps < 0:
        raise InputError(f"steps must be 0 or more, not {steps}")
    # A held credential whose skills the profile lacks (not verified, or only suggested) would
    # otherwise look like the cheapest way to them.
    offer = [credential for credential in offer if credential.id not in held]
    matrix = occupation_matrix(taxonomy)
    credits = matrix.credit_vector(dict.fromkeys(profile, 1.0))
    scores = matrix.score(credits)
    coverage = scores["coverage"]
    order = np.lexsort((np.asarray(matrix.labels_), -scores["essential_coverage"], -coverage))
    now_rows = [int(r) for r in order[:top] if coverage[r] > _EPSILON]
    if not offer or steps == 0:
        return [_fit(matrix, scores, r, offer) for r in now_rows], []

    offered = matrix.offer_matrix(offer)
    offered_csc = offered.tocsc()
    after = {r: matrix.greedy(r, credits, offered_csc, steps) for r in now_rows}
    # Upper bound on what `steps` credentials can add to each occupation: each step gains at most
    # the best single credential's gain from today's profile (gains only shrink as credits grow).
    gain = offered.copy()
    gain.data = np.maximum(gain.data - credits[gain.indices], 0.0)
    one_step = (matrix.weights_ @ gain.T).max(axis=1).toarray().ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        bound = coverage + steps * np.where(matrix.total_weight_ > 0, one_step / matrix.total_weight_, 0.0)
    floor = min((coverage[r] for r in now_rows), default=0.0)
    current = set(now_rows)
    reachable: list[tuple[float, int]] = []
    for row in np.argsort(-bound, kind="stable"):
        row = int(row)
        if bound[row] <= floor + _EPSILON or (len(reachable) >= top and bound[row] <= reachable[-1][0]):
            break
        if row in current or one_step[row] <= _EPSILON:
            continue
        chosen, reached = matrix.greedy(row, credits, offered_csc, steps)
        if reached > floor + _EPSILON:
            after[row] = (chosen, reached)
            reachable.append((reached, row))
            reachable.sort(key=lambda item: (-item[0], matrix.labels_[item[1]]))
            del reachable[top:]
    return ([_fit(matrix, scores, r, offer, after.get(r)) for r in now_rows],
            [_fit(matrix, scores, r, offer, after[r]) for _, r in reachable])


def _fit(matrix: OccupationMatrix, scores: dict[str, np.ndarray], row: int, offer: Sequence[OfferedCredential],
         after: tuple[list[int], float] | None = None) -> Fit:
    coverage = float(scores["coverage"][row])
    essential = int(matrix.n_essential_[row])
    held = int(scores["essential_held"][row])
    partly = int(scores["essential_partial"][row])
    reason = f"holds {held} of {essential} essential skills"
    if partly:
        reason += f" and {partly} more partly"
    reason += f"; coverage {coverage:.2f}"
    via: tuple[str, ...] = ()
    reached = None
    if after is not None:
        chosen, reached = after
        via = tuple(offer[k].id for k in chosen)
        if chosen:
            titles = [f"'{offer[k].title}'" for k in chosen]
            names = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]
            count = {1: "one credential", 2: "two credentials"}.get(len(chosen), f"{len(chosen)} credentials")
            reason += f"; {count} away: {names} would raise coverage from {coverage:.2f} to {reached:.2f}"
    elif offer:
        reached = coverage
    return Fit(occupation=matrix.occupations_[row], label=matrix.labels_[row], coverage=coverage,
               essential_coverage=float(scores["essential_coverage"][row]), held=int(scores["held"][row]),
               partial=int(scores["partial"][row]), missing_essential=int(scores["missing_essential"][row]),
               via=via, coverage_after=reached, reason=reason)
