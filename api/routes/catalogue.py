"""An institution's catalogue: import credentials (mapped to ESCO on import), list and read them,
review their skills, export them enriched, and see what the offer covers and where it overlaps.

An institution principal works on its own credentials only: those whose issuer is its institution.
Another institution's credential is answered as if it did not exist (404), so ids cannot be probed;
an admin works on the whole catalogue.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response

from api.deps import BudgetDep, CatalogueDep, CurrentInstitution, MatcherDep, PageDep, StoreDep, rate_limited
from api.errors import documented
from api.schemas import (
    AwardCreate,
    AwardPublic,
    CoveragePublic,
    CredentialPublic,
    CredentialSkillPublic,
    CredentialSummary,
    EUElementPublic,
    ExportedCredential,
    ExportPublic,
    ImportPublic,
    OverlapPublic,
    Page,
    ReviewCreate,
    ReviewPublic,
)
from skillmatch.catalogue import Catalogue, enriched, offered_credentials, outcome_texts, read_document
from skillmatch.coverage import SECTORS, offer_coverage, overlap
from skillmatch.credentials import CredentialFormat, check_elements
from skillmatch.domain import CredentialSkill, Review, credential_skills, tally
from skillmatch.errors import CredentialError
from skillmatch.store import CatalogueStore, CredentialRecord
from skillmatch.store.accounts import Principal

router = APIRouter(prefix="/catalogue", tags=["catalogue"], responses=documented(403))

CredentialDocument = Annotated[dict[str, Any], Body(
    description="A credential document: an Open Badges 2.0 BadgeClass, an Open Badges 3.0 Achievement, an ELM "
                "specification, or a credential holding one (its achievement is imported).")]


@router.post("/credentials", response_model=ImportPublic, status_code=201, dependencies=[Depends(rate_limited)],
             responses={200: {"model": ImportPublic, "description": "Updated or unchanged"},
                        **documented(413, 429)})
def import_credential(document: CredentialDocument, principal: CurrentInstitution, catalogue: CatalogueDep,
                      response: Response, budget: BudgetDep) -> ImportPublic:
    """Import (or update) one of the institution's credentials and map its learning outcomes to
    ESCO skills (within the matching budget, 413). 201 when it is new, 200 when it was there
    already; reviews made earlier stay."""
    achievement = read_document(document, source="the request body")
    budget.credential(outcome_texts(achievement))
    if not achievement.id:
        raise CredentialError("the credential has no id, so it cannot be told apart in the catalogue",
                              source="the request body", field="id")
    if principal.role != "admin" and achievement.issuer.name != principal.institution:
        raise HTTPException(403, f"the credential's issuer is {achievement.issuer.name!r}; you may import only "
                                 f"credentials issued by {principal.institution!r}")
    existing = catalogue.store.credentials([achievement.id])
    if existing and not _owns(principal, existing[0]):
        raise HTTPException(403, f"the id {achievement.id} is taken by a credential of another institution")
    report = catalogue.import_achievements([achievement], source=f"uploaded by {principal.name}")
    outcome: Literal["added", "updated", "unchanged"] = (
        "added" if report.added else "updated" if report.updated else "unchanged")
    if outcome != "added":
        response.status_code = 200
    return ImportPublic(outcome=outcome, credential=_public(catalogue, catalogue.store.get(achievement.id)),
                        warnings=[problem for _id, problem in report.warnings])


@router.get("/credentials", response_model=Page[CredentialSummary])
def list_credentials(principal: CurrentInstitution, store: StoreDep, page: PageDep) -> Page[CredentialSummary]:
    """The institution's credentials (an admin's: all), by id, with their skill counts."""
    records = _own_records(principal, store)
    return Page(data=[_summary(record) for record in page.of(records)], count=len(records))


@router.get("/credentials/{credential_id:path}", response_model=CredentialPublic, responses=documented(404))
def get_credential(credential_id: str, principal: CurrentInstitution, catalogue: CatalogueDep) -> CredentialPublic:
    """One credential: each ESCO skill with its state, evidence and review, and the EU 2022 check."""
    return _public(catalogue, _own_record(principal, catalogue.store, credential_id))


@router.put("/credentials/{credential_id:path}/reviews", response_model=ReviewPublic,
            responses=documented(404, 413))
def review_skill(credential_id: str, body: ReviewCreate, principal: CurrentInstitution,
                 catalogue: CatalogueDep) -> ReviewPublic:
    """Confirm or reject one skill of a credential. The decision is the institution's: it survives
    every re-mapping and wins over it."""
    record = _own_record(principal, catalogue.store, credential_id)
    if body.skill_uri not in {skill.link.skill_uri for skill in credential_skills(record)}:
        raise HTTPException(422, f"{body.skill_uri} is not a skill of {credential_id}; its skills are listed at "
                                 f"GET /v1/catalogue/credentials/{credential_id}")
    review = catalogue.review(record.id, body.skill_uri, body.decision, reviewer=principal.name, note=body.note)
    return _review(review)


@router.put("/credentials/{credential_id:path}/awards", response_model=AwardPublic,
            responses=documented(404, 413))
def confirm_award(credential_id: str, body: AwardCreate, principal: CurrentInstitution,
                  store: StoreDep) -> AwardPublic:
    """Confirm that you awarded this credential to a learner (its award id and recipient): the
    award then proves its skills in that learner's passport though it carries no signature
    skillmatch can check, as edubadges' hosted assertions do not."""
    record = _own_record(principal, store, credential_id)
    confirmed_at = store.confirm_award(record.id, body.award_id, body.recipient, confirmed_by=principal.name)
    return AwardPublic(credential_id=record.id, award_id=body.award_id.strip(), confirmed_at=confirmed_at)


@router.get("/export", response_model=ExportPublic)
def export(principal: CurrentInstitution, catalogue: CatalogueDep, page: PageDep,
           fmt: Annotated[Literal["ob2", "ob3", "elm"], Query(alias="format",
                                                              description="ob2 (edubadges), ob3 or elm.")] = "ob2",
           ) -> ExportPublic:
    """The institution's credentials enriched with their accepted ESCO skills as alignments: OB 2.0
    ``alignment`` (at most 7, as edubadges accepts), OB 3.0 ``ext:ESCOAlignment`` or ELM
    ``relatedESCOSkill``."""
    records = _own_records(principal, catalogue.store)
    data = [ExportedCredential(id=record.id, title=record.title,
                               document=enriched(catalogue.achievement(record), credential_skills(record),
                                                 CredentialFormat(fmt)))
            for record in page.of(records)]
    return ExportPublic(format=fmt, data=data, count=len(records))


@router.get("/coverage", response_model=CoveragePublic)
def coverage(
    principal: CurrentInstitution,
    catalogue: CatalogueDep,
    sector: Annotated[list[str] | None, Query(description=f"Shortage sectors ({', '.join(SECTORS)}); "
                                                          "default all.")] = None,
    occupation: Annotated[list[str] | None, Query(description="ESCO occupation URIs to report gaps for.")] = None,
    top: Annotated[int, Query(ge=1, le=100, description="Occupations to list, best covered and per sector.")] = 10,
    institution: Annotated[str | None, Query(description="Admins only: one institution (default: all).")] = None,
) -> CoveragePublic:
    """Which ESCO skills, skill groups and occupations the offer covers, and each shortage sector's
    least covered occupations with their missing essential skills."""
    if principal.role != "admin":
        if institution is not None and institution != principal.institution:
            raise HTTPException(403, "an institution sees the coverage of its own offer only")
        institution = principal.institution
    result = offer_coverage(offered_credentials(catalogue), catalogue.matcher.taxonomy, institution=institution,
                            sectors=sector or tuple(SECTORS), occupations=occupation or (), top=top)
    data = result.to_dict()
    data["sector_gaps"] = {name: gaps[:top] for name, gaps in data["sector_gaps"].items()}
    return CoveragePublic.model_validate(data)


@router.get("/overlap", response_model=Page[OverlapPublic])
def overlaps(principal: CurrentInstitution, catalogue: CatalogueDep, matcher: MatcherDep, page: PageDep,
             min_similarity: Annotated[float, Query(gt=0, le=1, description=(
                 "The least weighted Jaccard similarity of two credentials' skills to list."))] = 0.3,
             ) -> Page[OverlapPublic]:
    """The institution's credentials that teach largely the same skills as another institution's
    (weighted Jaccard), most similar first: candidates for mutual recognition."""
    pairs = [p for p in overlap(offered_credentials(catalogue), matcher.taxonomy, min_similarity=min_similarity)
             if principal.role == "admin" or principal.institution in (p.a_issuer, p.b_issuer)]
    return Page(data=[OverlapPublic.model_validate(p.to_dict()) for p in page.of(pairs)], count=len(pairs))


def _owns(principal: Principal, record: CredentialRecord) -> bool:
    return principal.role == "admin" or record.issuer_name == principal.institution


def _own_records(principal: Principal, store: CatalogueStore) -> list[CredentialRecord]:
    return [record for record in store.credentials() if _owns(principal, record)]


def _own_record(principal: Principal, store: CatalogueStore, credential_id: str) -> CredentialRecord:
    found = store.credentials([credential_id])
    if not found or not _owns(principal, found[0]):
        raise HTTPException(404, f"no credential {credential_id!r} in your catalogue")
    return found[0]


def _base(record: CredentialRecord) -> dict[str, Any]:
    return {"id": record.id, "title": record.title, "format": record.format, "issuer": record.issuer_name,
            "country": record.country, "eqf_level": record.eqf_level, "ects": record.ects,
            "language": record.language, "mapped": record.mapped_with is not None}


def _summary(record: CredentialRecord) -> CredentialSummary:
    accepted, suggested = tally(credential_skills(record))
    return CredentialSummary(**_base(record), skills=accepted, suggested=suggested)


def _public(catalogue: Catalogue, record: CredentialRecord) -> CredentialPublic:
    check = check_elements(catalogue.achievement(record))
    return CredentialPublic(
        **_base(record), skills=[_skill(s) for s in credential_skills(record)],
        eu_elements=[EUElementPublic(key=e.key, label=e.label, mandatory=e.mandatory, status=e.status.value,
                                     value=e.value) for e in check],
        eu_missing=list(check.missing))


def _skill(skill: CredentialSkill) -> CredentialSkillPublic:
    return CredentialSkillPublic(uri=skill.link.skill_uri, label=skill.link.label, state=skill.state,
                                 origin=skill.link.origin, confidence=skill.confidence,
                                 outcome=skill.evidence.outcome, matched=skill.evidence.matched,
                                 review=_review(skill.review) if skill.review else None)


def _review(review: Review) -> ReviewPublic:
    return ReviewPublic(skill_uri=review.skill_uri, decision=review.decision, note=review.note,
                        reviewer=review.reviewer, decided_at=review.decided_at)
