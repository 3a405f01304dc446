"""What an employer may do with learners' passports: review the consents given to it, read a
passport whose holder consents, within the consented scope, and rank the learners whose consent
it accepted for a role.

A learner consents on their own, but ranks among an employer's candidates only once the employer
accepted: otherwise anyone could push profiles into its ranking. Reading one passport needs no
acceptance, as the employer chooses to read it. Without a standing consent (or with one of a
deactivated learner) a passport is answered as missing (404), never as forbidden, so an employer
cannot tell a learner's id from a made-up one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from api.deps import AccountsDep, CurrentEmployer, PageDep, ServicesDep, rate_limited
from api.errors import documented
from api.schemas import (
    CandidatePublic,
    CandidatesCreate,
    CandidateSkill,
    CandidatesPublic,
    ConceptRef,
    HeldCredentialPublic,
    Page,
    PassportPublic,
    PassportSkillPublic,
    ReceivedConsentPublic,
    SharedPassportPublic,
    SharedSkill,
)
from skillmatch.candidates import CandidateIndex
from skillmatch.service import resolve_role
from skillmatch.store.accounts import Consent

router = APIRouter(tags=["employers"], responses=documented(403))


@router.get("/passports/{learner_id}", response_model=SharedPassportPublic, responses=documented(404))
def shared_passport(learner_id: str, employer: CurrentEmployer, services: ServicesDep) -> SharedPassportPublic:
    """A learner's passport as far as their consent to you reaches: "skills" gives the proven
    skills, "evidence" adds the evidence for each, "credentials" the credentials held."""
    consent = services.accounts.consent(learner_id, employer.id)
    if consent is None:
        raise HTTPException(404, f"no passport {learner_id!r} is shared with you")
    public = PassportPublic.model_validate_json(services.passports.read(learner_id).public)
    skills = claimed = None
    if "skills" in consent.scope:
        def shared(held: list[PassportSkillPublic]) -> list[SharedSkill]:
            return [SharedSkill(**skill.model_dump(exclude={"evidence"}),
                                evidence=skill.evidence if "evidence" in consent.scope else None) for skill in held]
        skills, claimed = shared(public.skills), shared(public.claimed)
    return SharedPassportPublic(learner_id=learner_id, name=consent.learner_name, scope=list(consent.scope),
                                generated_at=public.generated_at, skills=skills, claimed=claimed,
                                credentials=_credentials(public.credentials, consent.scope))


def _credentials(held: list[HeldCredentialPublic], scope: Sequence[str]) -> list[HeldCredentialPublic] | None:
    """The held credentials under a consent: their outcome-by-outcome proof is evidence."""
    if "credentials" not in scope:
        return None
    return held if "evidence" in scope else [c.model_copy(update={"outcomes": None}) for c in held]


@router.post("/candidates", response_model=CandidatesPublic, dependencies=[Depends(rate_limited)],
             responses=documented(404, 413, 429))
def candidates(body: CandidatesCreate, employer: CurrentEmployer, services: ServicesDep) -> CandidatesPublic:
    """Rank the learners who consent to you seeing their skills, and whose consent you accepted,
    for a role (an ESCO occupation, a job title or a vacancy text), on their proven skills
    (``include_claimed`` adds the skills that credentials which could not be verified claim): each
    with the skills that matched, the evidence where they consented to it, and the essential
    skills they lack."""
    matcher = services.matcher
    role = resolve_role(body.role, matcher, kind=body.kind)
    consents = [c for c in services.accounts.consents_to(employer.id, accepted=True) if "skills" in c.scope]
    profiles = {c.learner_id: services.passports.read(c.learner_id).passport.profile(evidence="evidence" in c.scope,
                                                                               claimed=body.include_claimed)
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


@router.get("/consents", response_model=Page[ReceivedConsentPublic])
def list_consents(employer: CurrentEmployer, accounts: AccountsDep, page: PageDep,
                  accepted: Annotated[bool | None, Query(description="Only the consents you accepted (true) "
                                                                     "or have yet to (false).")] = None,
                  ) -> Page[ReceivedConsentPublic]:
    """The standing consents learners gave you, oldest first: accept one to rank its learner
    among your candidates, or decline it."""
    consents = accounts.consents_to(employer.id, accepted=accepted)
    return Page(data=[_received(c) for c in page.of(consents)], count=len(consents))


@router.post("/consents/{learner_id}/accept", response_model=ReceivedConsentPublic, responses=documented(404))
def accept_consent(learner_id: str, employer: CurrentEmployer, accounts: AccountsDep) -> ReceivedConsentPublic:
    """Accept a learner's consent: from now on the learner ranks among your candidates, until
    they revoke it. A change of its scope keeps it accepted; granted again after a revocation,
    it needs accepting again."""
    consent = accounts.accept_consent(employer.id, learner_id)
    if consent is None:
        raise HTTPException(404, f"no standing consent of {learner_id!r} to you")
    return _received(consent)


@router.post("/consents/{learner_id}/decline", status_code=204, responses=documented(404))
def decline_consent(learner_id: str, employer: CurrentEmployer, accounts: AccountsDep) -> Response:
    """Decline a learner's consent, accepted or not: it is revoked, and the learner sees it so.
    The learner may grant it again, which needs your acceptance again."""
    if accounts.decline_consent(employer.id, learner_id) is None:
        raise HTTPException(404, f"no standing consent of {learner_id!r} to you")
    return Response(status_code=204)


def _received(consent: Consent) -> ReceivedConsentPublic:
    return ReceivedConsentPublic(learner_id=consent.learner_id, learner=consent.learner_name,
                                 scope=list(consent.scope), granted_at=consent.granted_at,
                                 accepted_at=consent.accepted_at, accepted=consent.accepted)
