"""What an institution's offer covers in ESCO, where it falls short, and where it overlaps with others.

>>> offer = offered_credentials(catalogue)                                        # doctest: +SKIP
>>> report = offer_coverage(offer, taxonomy, institution="Hogeschool Deltastad")  # doctest: +SKIP
>>> [o.label for o in report.occupations][:3]                                     # doctest: +SKIP
>>> [(o.label, o.missing_essential) for o in report.sector_gaps["ict"]][:3]       # doctest: +SKIP
>>> [(p.a_title, p.b_title, p.similarity) for p in overlap(offer, taxonomy)]      # doctest: +SKIP

An offer *covers* a skill when one of its credentials teaches it (at a confidence of at least
``min_confidence``); the skill earns that credential's confidence, the best one where several teach
it (1 for issuer-asserted and confirmed skills). Only skills the credentials teach count: the
partial credit that :mod:`skillmatch.gaps` gives a learner for a neighbouring skill is left out,
since an offer is judged on what it teaches, and an institution should not read a skill as covered
because a broader one is. An occupation's coverage weighs its skills as :mod:`skillmatch.gaps` does
(``ESSENTIAL_WEIGHT``, ``OPTIONAL_WEIGHT``), so the same numbers mean the same for learners and
institutions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from skillmatch.domain import OfferedCredential
from skillmatch.errors import InputError
from skillmatch.gaps import OccupationMatrix, occupation_matrix
from skillmatch.taxonomy import ConceptKind, Taxonomy

if TYPE_CHECKING:
    from scipy import sparse

#: Shortage sectors as ISCO-08 group codes; an occupation belongs to a sector when its ISCO group
#: (``Concept.isco_group``, a 4-digit code in ESCO v1.1.1) starts with one of them. Checked against
#: the ISCO group concepts of ESCO v1.1.1 (their ``code`` and label):
#:
#: - ict: ISCO's own ICT groups: 133 ICT service managers, 2434 ICT sales professionals,
#:   25 ICT professionals, 35 information and communications technicians (107 occupations).
#: - health care: 1342 health services managers, 22 health professionals, 32 health associate
#:   professionals, 532 personal care workers in health services (119). Not all of 53: its other
#:   half, 531, is child care workers and teachers' aides.
#: - education: 1345 education managers, 23 teaching professionals, 5312 teachers' aides (146).
#: - technical trades: 7 craft and related trades workers (building, metal, electrical, ...) and 31
#:   science and engineering associate professionals (technicians, supervisors, process control) (656).
SECTORS: dict[str, tuple[str, ...]] = {
    "ict": ("133", "2434", "25", "35"),
    "health care": ("1342", "22", "32", "532"),
    "education": ("1345", "23", "5312"),
    "technical trades": ("7", "31"),
}

#: How many shared skills an overlap's reason names before it says how many more there are.
_REASON_SKILLS = 5
# Similarities are sums of float confidences; a pair exactly at the threshold must not drop out.
_EPSILON = 1e-9


@dataclass(frozen=True)
class OccupationCoverage:
    """How much of one occupation an offer teaches."""

    occupation: str
    label: str
    essential_covered: int
    essential_total: int
    #: Σ weight × credit over the occupation's skills / Σ weight (essential above optional).
    coverage: float
    #: Essential skills no credential teaches, as (uri, label), by label.
    missing_essential: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict:
        return {"occupation": self.occupation, "label": self.label, "essential_covered": self.essential_covered,
                "essential_total": self.essential_total, "coverage": round(self.coverage, 4),
                "missing_essential": [{"uri": uri, "label": label} for uri, label in self.missing_essential]}


@dataclass(frozen=True)
class OfferCoverage:
    """An offer against ESCO: the skills it teaches, by group and pillar, the occupations it covers
    best, and per sector (and for the chosen occupations) the gaps, lowest coverage first."""

    institution: str | None
    credentials: int
    #: Skill URI -> number of credentials teaching it, most taught first.
    skills: dict[str, int]
    #: Skill group label -> number of covered skills below it (each skill once per label: ESCO
    #: repeats some ISCED-F labels on two levels). The pillars are counted apart.
    skill_groups: dict[str, int]
    #: Pillar label (skills, knowledge, ...) -> number of covered skills; a skill under two pillars
    #: counts in both, so the sum can exceed ``len(skills)``.
    pillars: dict[str, int]
    #: The best covered occupations, at most ``top``, with coverage above 0.
    occupations: tuple[OccupationCoverage, ...]
    #: Sector -> every occupation of the sector, lowest coverage first.
    sector_gaps: dict[str, tuple[OccupationCoverage, ...]]
    #: The occupations asked for by URI, lowest coverage first.
    chosen: tuple[OccupationCoverage, ...] = ()

    def to_dict(self) -> dict:
        return {
            "institution": self.institution, "credentials": self.credentials, "skills": self.skills,
            "skill_groups": self.skill_groups, "pillars": self.pillars,
            "occupations": [o.to_dict() for o in self.occupations],
            "sector_gaps": {sector: [o.to_dict() for o in items] for sector, items in self.sector_gaps.items()},
            "chosen": [o.to_dict() for o in self.chosen],
        }


@dataclass(frozen=True)
class Overlap:
    """Two credentials that teach largely the same skills: a candidate for mutual recognition."""

    a: str
    b: str
    a_title: str
    b_title: str
    a_issuer: str | None
    b_issuer: str | None
    #: Weighted Jaccard of the two credentials' skill confidences, in (0, 1].
    similarity: float
    #: Skills both teach, as (uri, label), the most surely shared first.
    shared: tuple[tuple[str, str], ...]
    reason: str

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "a_title": self.a_title, "b_title": self.b_title,
                "a_issuer": self.a_issuer, "b_issuer": self.b_issuer, "similarity": round(self.similarity, 4),
                "shared": [{"uri": uri, "label": label} for uri, label in self.shared], "reason": self.reason}


def offer_coverage(offer: Sequence[OfferedCredential], taxonomy: Taxonomy, *, institution: str | None = None,
                   sectors: Sequence[str] = tuple(SECTORS), occupations: Sequence[str] = (), top: int = 20,
                   min_confidence: float = 0.0) -> OfferCoverage:
    """The coverage of an offer: its skills, skill groups and pillars, the ``top`` occupations it
    covers best, and the gaps against the occupations of ``sectors`` (keys of :data:`SECTORS`) and
    against ``occupations`` (URIs).

    Every occupation is scored at once (one sparse matrix–vector product); only the reported ones
    are explained. ``institution`` keeps the credentials that issuer issued (so a whole catalogue
    can be passed); a skill taught below ``min_confidence`` does not count, and URIs of concepts
    that are not skills (an issuer may align a credential to an occupation) are left out.

    Raises InputError for an unknown sector (naming the sectors), an institution that issued none
    of the offer, or an out-of-range option; UnknownConceptError for a URI the taxonomy lacks.
    """
    unknown = [s for s in sectors if s not in SECTORS]
    if unknown:
        raise InputError(f"unknown sector(s): {', '.join(map(repr, unknown))}; "
                         f"the sectors are {', '.join(map(repr, SECTORS))}")
    if top < 0:
        raise InputError(f"top must be 0 or more, not {top}")
    if not 0.0 <= min_confidence <= 1.0:
        raise InputError(f"min_confidence must lie in [0, 1], not {min_confidence}")
    for uri in occupations:
        concept = taxonomy.get(uri)
        if concept.kind is not ConceptKind.OCCUPATION:
            raise InputError(f"{uri!r} is an ESCO {concept.kind.value} ({concept.label()!r}), not an occupation")
    credentials = [c for c in offer if institution is None or c.issuer == institution]
    if institution is not None and not credentials:
        issuers = sorted({c.issuer for c in offer if c.issuer})
        raise InputError(f"no credential of the offer is issued by {institution!r}; its issuers are "
                         f"{', '.join(map(repr, issuers)) or 'not named'}")

    matrix = occupation_matrix(taxonomy)
    credit = np.zeros(len(matrix.skills_))
    taught: dict[str, int] = {}
    for credential in credentials:
        for uri, confidence in credential.skills.items():
            if confidence <= 0.0 or confidence < min_confidence or not _is_skill(uri, taxonomy):
                continue
            taught[uri] = taught.get(uri, 0) + 1
            column = matrix.skill_index_[uri]
            credit[column] = max(credit[column], confidence)

    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(matrix.total_weight_ > 0, (matrix.weights_ @ credit) / matrix.total_weight_, 0.0)
    covered = matrix.essential_ @ (credit > 0.0).astype(float)
    labels = np.asarray(matrix.labels_)

    def explain(rows: Sequence[int]) -> tuple[OccupationCoverage, ...]:
        return tuple(_occupation_coverage(matrix, int(r), coverage, covered, credit, taxonomy) for r in rows)

    def lowest_first(rows: Sequence[int]) -> tuple[OccupationCoverage, ...]:
        rows = np.asarray(rows, dtype=int)
        return explain(rows[np.lexsort((labels[rows], coverage[rows]))])

    best = [int(r) for r in np.lexsort((labels, -coverage))[:top] if coverage[r] > 0.0]
    isco = [taxonomy.get(uri).isco_group for uri in matrix.occupations_]
    sector_gaps = {sector: lowest_first([r for r, code in enumerate(isco) if code.startswith(SECTORS[sector])])
                   for sector in sectors}
    row_of = {uri: row for row, uri in enumerate(matrix.occupations_)}
    chosen = lowest_first([row_of[uri] for uri in dict.fromkeys(occupations)])

    groups, pillars = _groups(taught, taxonomy)
    return OfferCoverage(
        institution=institution, credentials=len(credentials),
        skills=dict(sorted(taught.items(), key=lambda item: (-item[1], taxonomy.get(item[0]).label("en")))),
        skill_groups=groups, pillars=pillars, occupations=explain(best), sector_gaps=sector_gaps,
        chosen=chosen,
    )


def _is_skill(uri: str, taxonomy: Taxonomy) -> bool:
    return taxonomy.get(uri).kind is ConceptKind.SKILL


def _occupation_coverage(matrix: OccupationMatrix, row: int, coverage: np.ndarray, covered: np.ndarray,
                         credit: np.ndarray, taxonomy: Taxonomy) -> OccupationCoverage:
    start, end = matrix.essential_.indptr[row], matrix.essential_.indptr[row + 1]
    missing = sorted(((matrix.skills_[c], taxonomy.get(matrix.skills_[c]).label("en"))
                      for c in matrix.essential_.indices[start:end].tolist() if credit[c] <= 0.0),
                     key=lambda item: (item[1], item[0]))
    return OccupationCoverage(occupation=matrix.occupations_[row], label=matrix.labels_[row],
                              essential_covered=int(covered[row]), essential_total=int(end - start),
                              coverage=float(coverage[row]), missing_essential=tuple(missing))


def _groups(taught: dict[str, int], taxonomy: Taxonomy) -> tuple[dict[str, int], dict[str, int]]:
    """Covered skills per skill group label and per pillar, most covered first."""
    groups: dict[str, set[str]] = {}
    pillars: dict[str, int] = {}
    for uri in taught:
        tops = [p for p in taxonomy.pillars(uri) if p.uri != uri]
        for label in {p.label("en") for p in tops} or {"other"}:
            pillars[label] = pillars.get(label, 0) + 1
        top_uris = {p.uri for p in tops}
        for ancestor in taxonomy.ancestors(uri):
            if ancestor.kind is ConceptKind.SKILL_GROUP and ancestor.uri not in top_uris:
                groups.setdefault(ancestor.label("en"), set()).add(uri)
    by_count = sorted(((label, len(skills)) for label, skills in groups.items()), key=lambda item: (-item[1], item[0]))
    return dict(by_count), dict(sorted(pillars.items(), key=lambda item: (-item[1], item[0])))


def overlap(offer: Sequence[OfferedCredential], taxonomy: Taxonomy, *, min_similarity: float = 0.3,
            across_institutions: bool = True) -> list[Overlap]:
    """Pairs of credentials that teach largely the same skills, most similar first.

    Similarity is the weighted Jaccard of the skill confidences, Σ min(a, b) / Σ max(a, b) over all
    skills: the share of what either teaches that both teach, 1 for the same skills at the same
    confidence. Only pairs that share a skill are ever formed (per skill, from the credentials that
    teach it), so the cost follows the shared skills rather than the square of the offer.
    With ``across_institutions`` a pair needs two different issuers (an unnamed issuer may be any).

    Raises InputError for ``min_similarity`` outside (0, 1]; UnknownConceptError for a URI the
    taxonomy lacks.
    """
    if not 0.0 < min_similarity <= 1.0:
        raise InputError(f"min_similarity must lie in (0, 1], not {min_similarity}")
    from scipy import sparse  # here: a service's start needs no overlap

    credentials = list(offer)
    columns: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, credential in enumerate(credentials):
        for uri, confidence in credential.skills.items():
            if confidence > 0.0 and _is_skill(uri, taxonomy):
                rows.append(row)
                cols.append(columns.setdefault(uri, len(columns)))
                values.append(confidence)
    taught = sparse.csc_matrix((values, (rows, cols)), shape=(len(credentials), len(columns)), dtype=float)
    taught.sum_duplicates()

    pair_a, pair_b, minima = [], [], []
    for column in range(taught.shape[1]):
        start, end = taught.indptr[column], taught.indptr[column + 1]
        members, confidence = taught.indices[start:end], taught.data[start:end]
        first, second = np.triu_indices(len(members), 1)
        pair_a.append(members[first])
        pair_b.append(members[second])
        minima.append(np.minimum(confidence[first], confidence[second]))
    n = len(credentials)
    shared = sparse.coo_matrix((np.concatenate(minima or [np.zeros(0)]),
                                (np.concatenate(pair_a or [np.zeros(0, int)]),
                                 np.concatenate(pair_b or [np.zeros(0, int)]))), shape=(n, n)).tocsr()
    shared.sum_duplicates()
    weight = np.asarray(taught.sum(axis=1)).ravel()

    by_credential = taught.tocsr()
    uris = list(columns)
    found = []
    pairs = shared.tocoo()
    for a, b, both in zip(pairs.row.tolist(), pairs.col.tolist(), pairs.data.tolist(), strict=True):
        similarity = both / (weight[a] + weight[b] - both)
        first, second = credentials[a], credentials[b]
        if similarity + _EPSILON < min_similarity:
            continue
        if across_institutions and first.issuer is not None and first.issuer == second.issuer:
            continue
        found.append(_overlap(first, second, min(similarity, 1.0), _row(by_credential, a), _row(by_credential, b),
                              uris, taxonomy))
    found.sort(key=lambda o: (-o.similarity, o.a, o.b))
    return found


def _row(matrix: sparse.csr_matrix, row: int) -> dict[int, float]:
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return dict(zip(matrix.indices[start:end].tolist(), matrix.data[start:end].tolist(), strict=True))


def _overlap(first: OfferedCredential, second: OfferedCredential, similarity: float, a: dict[int, float],
             b: dict[int, float], uris: list[str], taxonomy: Taxonomy) -> Overlap:
    both = sorted(((uris[c], taxonomy.get(uris[c]).label("en"), min(a[c], b[c])) for c in a.keys() & b.keys()),
                  key=lambda item: (-item[2], item[1]))
    shared = tuple((uri, label) for uri, label, _ in both)
    named = ", ".join(f"'{label}'" for _, label in shared[:_REASON_SKILLS])
    if len(shared) > _REASON_SKILLS:
        named += f" and {len(shared) - _REASON_SKILLS} more"
    union = len(a.keys() | b.keys())
    reason = (f"both teach {len(shared)} of the {union} skills either teaches ({named}); "
              f"weighted Jaccard {similarity:.2f}")
    return Overlap(a=first.id, b=second.id, a_title=first.title, b_title=second.title, a_issuer=first.issuer,
                   b_issuer=second.issuer, similarity=similarity, shared=shared, reason=reason)
