"""What an employer may do with learners' passports: read one whose holder consents, within the
consented scope, and rank the consenting learners for a role.

Without a standing consent a passport is answered as missing (404), never as forbidden, so an
employer cannot tell a learner's id from a made-up one.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, HTTPException

from api.deps import CurrentEmployer, ServicesDep
from api.errors import documented
from api.schemas import (
    CandidatePublic,
    CandidatesCreate,
    CandidateSkill,
    CandidatesPublic,
    ConceptRef,
    HeldCredentialPublic,
    SharedPassportPublic,
    SharedSkill,
)
from api.wallet import learner_passport
from skillmatch.candidates import CandidateIndex
from skillmatch.service import resolve_role

router = APIRouter(tags=["employers"], responses=documented(403))


@router.get("/passports/{learner_id}", response_model=SharedPassportPublic, responses=documented(404))
def shared_passport(learner_id: str, employer: CurrentEmployer, services: ServicesDep) -> SharedPassportPublic:
    """A learner's passport as far as their consent to you reaches: "skills" gives the proven
    skills, "evidence" adds the evidence for each, "credentials" the credentials held."""
    consent = services.accounts.consent(learner_id, employer.id)
    if consent is None:
        raise HTTPException(404, f"no passport {learner_id!r} is shared with you")
    public = learner_passport(learner_id, services).public()
    skills = None
    if "skills" in consent.scope:
        skills = [SharedSkill(**skill.model_dump(exclude={"evidence"}),
                              evidence=skill.evidence if "evidence" in consent.scope else None)
                  for skill in public.skills]
    return SharedPassportPublic(learner_id=learner_id, name=consent.learner_name, scope=list(consent.scope),
                                generated_at=public.generated_at, skills=skills,
                                credentials=_credentials(public.credentials, consent.scope))


def _credentials(held: list[HeldCredentialPublic], scope: Sequence[str]) -> list[HeldCredentialPublic] | None:
    """The held credentials under a consent: their outcome-by-outcome proof is evidence."""
    if "credentials" not in scope:
        return None
    return held if "evidence" in scope else [c.model_copy(update={"outcomes": None}) for c in held]


@router.post("/candidates", response_model=CandidatesPublic, responses=documented(404, 413))
def candidates(body: CandidatesCreate, employer: CurrentEmployer, services: ServicesDep) -> CandidatesPublic:
    """Rank the learners who consent to you seeing their skills for a role (an ESCO occupation, a
    job title or a vacancy text), on their proven skills: each with the skills that matched, the
    evidence where they consented to it, and the essential skills they lack."""
    matcher = services.matcher
    role = resolve_role(body.role, matcher, kind=body.kind)
    consents = [c for c in services.accounts.consents_to(employer.id) if "skills" in c.scope]
    profiles = {c.learner_id: learner_passport(c.learner_id, services).profile(evidence="evidence" in c.scope)
                for c in consents}
    names = {c.learner_id: c.learner_name for c in consents}
    ranked = CandidateIndex().fit(profiles, matcher.taxonomy).rank(role, top=body.top)
    evidence = {c.learner_id for c in consents if "evidence" in c.scope}
    data = [CandidatePublic(
        learner_id=match.candidate, name=names[match.candidate], score=round(match.score, 4),
        matched=[CandidateSkill(uri=uri, label=label, credit=round(credit, 4),
                                evidence=list(match.evidence.get(uri, ())) if match.candidate in evidence else None)
                 for uri, label, credit in match.matched],
        missing_essential=[ConceptRef(uri=uri, label=label) for uri, label in match.missing_essential],
    ) for match in ranked]
    return CandidatesPublic(role=role.label, occupation=role.occupation, data=data, count=len(data))
