"""A learner's own passport (``/passports/me``): the credentials they hold, the skills those prove,
the gap to a role, the roles that fit, the next credentials to take, and their consents to employers.

Only a learner's own token reaches these paths, and they name no learner: there is no id to guess.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import (
    AccountsDep,
    BudgetDep,
    CatalogueDep,
    CurrentLearner,
    PageDep,
    PassportsDep,
    Services,
    ServicesDep,
    rate_limited,
)
from api.errors import documented
from api.schemas import (
    ConsentCreate,
    ConsentPublic,
    FitsPublic,
    GapPublic,
    HeldCredentialCreated,
    Page,
    PassportPublic,
    PathwayStepPublic,
    PlanPublic,
    VerificationPublic,
)
from api.wallet import upload_text
from skillmatch.catalogue import offered_credentials, outcome_texts
from skillmatch.credentials import Verification
from skillmatch.errors import CredentialError, DuplicateError
from skillmatch.gaps import occupation_fit, occupation_gap
from skillmatch.passport import credential_links
from skillmatch.recommend import pathway, recommend
from skillmatch.service import StoredLearnerPassport, learner_constraints, read_held, resolve_occupation
from skillmatch.store.accounts import Consent

router = APIRouter(prefix="/passports/me", tags=["passports"], responses=documented(403))

Occupation = Annotated[str, Query(min_length=1, max_length=500,
                                  description="An ESCO occupation URI, or a job title in any language (read as "
                                              "the nearest occupation, which the answer names).")]
UploadedCredential = Annotated[dict[str, Any], Body(
    description='A held credential: an Open Badges 2.0 Assertion (Blockcerts v2 too), an Open Badges 3.0 '
                'credential, a CLR 2.0 learner record or a European Digital Credential (unsigned, sealed as a JWS '
                'or in its upload wrapper) as a JSON object, or {"jwt": "<compact VC-JWT>"}.')]


@router.post("/credentials", response_model=HeldCredentialCreated, status_code=201,
             dependencies=[Depends(rate_limited)], responses=documented(409, 413, 429))
def add_credential(body: UploadedCredential, learner: CurrentLearner, services: ServicesDep,
                   budget: BudgetDep) -> HeldCredentialCreated:
    """Add a credential to the passport. A signed one is verified against the trust list: one
    altered after signing is refused (422) with the reason. Once an admin registered your
    identifiers, a credential naming its recipient must have been issued to one of them (422).
    Its skills are mapped now, once (its learning outcomes within the matching budget, 413). A
    learner record (CLR 2.0) adds each credential it holds: the first is answered, the others in
    ``included``."""
    text = upload_text(body)
    source = "the uploaded credential"
    credentials = read_held(text, source=source, store=services.store, trust=services.trust)
    for credential in credentials:
        recipient = credential.recipient
        if recipient is not None and learner.identifiers and not any(map(recipient.matches, learner.identifiers)):
            raise CredentialError("this credential was issued to someone else: its recipient does not match any "
                                  "identifier registered for you", source=source, field="recipient")
    budget.credential([outcome for c in credentials for outcome in outcome_texts(c.achievement)])
    added: list[HeldCredentialCreated] = []
    try:
        for credential in credentials:
            held = services.accounts.add_held(learner.id, document=text, title=credential.achievement.name,
                                              credential_id=credential.id,
                                              links=credential_links(credential, services.matcher),
                                              mapped_with=services.matcher.fingerprint_,
                                              verification=asdict(credential.verification),
                                              verified_with=services.passports.trust_fingerprint)
            added.append(HeldCredentialCreated(held_id=held.id, credential_id=held.credential_id, title=held.title,
                                               format=credential.format.value,
                                               verification=_verification(credential.verification),
                                               added_at=held.added_at))
    except DuplicateError:
        # A learner record is added whole or not at all.
        for done in added:
            services.accounts.remove_held(learner.id, done.held_id)
        raise
    return added[0].model_copy(update={"included": added[1:]})


@router.get("", response_model=PassportPublic, responses={304: {"description": "Unchanged since the ETag given"}})
async def get_passport(learner: CurrentLearner, passports: PassportsDep,
                       if_none_match: Annotated[str | None, Header(description="The ETag of the passport you hold: "
                                                                              "304 while it is current.")] = None,
                       ) -> Response:
    """The passport: every ESCO skill the held credentials prove, by pillar, with the evidence;
    below it each outcome's best suggestion that is not proven. It is built when what it is made
    of changes (a credential added or removed, a review, a re-mapping, a new trust list) and read
    as stored; its ETag names that version."""
    # The passport this process holds is checked on the event loop (a few indexed reads, shorter
    # than a hop to the thread pool); loading the stored one or building it runs on the pool.
    stored = passports.current(learner.id) or await run_in_threadpool(passports.read, learner.id)
    etag = f'"{stored.inputs}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and etag in {tag.strip() for tag in if_none_match.split(",")} | {"*"}:
        return Response(status_code=304, headers=headers)
    return Response(stored.public, media_type="application/json", headers=headers)


@router.delete("/credentials/{held_id}", status_code=204, responses=documented(404))
def remove_credential(held_id: str, learner: CurrentLearner, accounts: AccountsDep) -> Response:
    """Remove a credential from the passport."""
    if not accounts.remove_held(learner.id, held_id):
        raise HTTPException(404, f"no credential {held_id!r} in your passport")
    return Response(status_code=204)


@router.get("/export", response_class=JSONResponse,
            responses={200: {"content": {"application/json": {"schema": {"type": "object"}},
                                         "application/ld+json": {"schema": {"type": "object"}}},
                             "description": "The passport as JSON, or as JSON-LD (ESCO URIs, SKOS labels)"}})
def export_passport(learner: CurrentLearner, passports: PassportsDep,
                    fmt: Annotated[Literal["json", "jsonld"], Query(alias="format")] = "json") -> JSONResponse:
    """The passport as a file: ``json`` as ``skillmatch passport build --json`` writes it (so
    ``skillmatch candidates`` reads it), or ``jsonld``."""
    passport = passports.read(learner.id).passport.passport
    if fmt == "jsonld":
        return JSONResponse(passport.to_jsonld(), media_type="application/ld+json",
                            headers={"Content-Disposition": 'attachment; filename="passport.jsonld"'})
    return JSONResponse(passport.to_dict(), headers={"Content-Disposition": 'attachment; filename="passport.json"'})


@router.get("/gap", response_model=GapPublic, responses=documented(404))
async def gap(occupation: Occupation, learner: CurrentLearner, services: ServicesDep) -> Response:
    """What an occupation needs that the passport does not prove yet: each essential and optional
    skill held, partly held (through a related skill) or missing, with the reason. Worked out
    once per version of the passport and occupation asked."""
    passports = services.passports
    stored = passports.current(learner.id) or await run_in_threadpool(passports.read, learner.id)
    question = ("gap", occupation)
    known = stored.answers.get(question)
    if known is None:
        # A job title is read through the matcher, which may still be loading: off the event loop.
        known = await run_in_threadpool(stored.answer, question, lambda: _gap(occupation, stored, services))
    return Response(known, media_type="application/json")


def _gap(occupation: str, stored: StoredLearnerPassport, services: Services) -> str:
    target = resolve_occupation(occupation, services.loading)
    result = occupation_gap(stored.passport.profile(), target.uri, services.taxonomy)
    return GapPublic.model_validate({**result.to_dict(), "read_as": target.read_as}).model_dump_json()


@router.get("/fit", response_model=FitsPublic)
def fit(learner: CurrentLearner, services: ServicesDep, catalogue: CatalogueDep,
        top: Annotated[int, Query(ge=1, le=100, description="Occupations to list in each part.")] = 10,
        ) -> FitsPublic:
    """The ESCO occupations the passport fits now, and those one or two catalogue credentials away."""
    wallet = services.passports.read(learner.id).passport
    offer = offered_credentials(catalogue)
    held = {c.achievement_id for c in wallet.passport.credentials if c.achievement_id}
    now, reachable = occupation_fit(wallet.profile(), services.taxonomy, offer=offer, top=top, held=held)
    return FitsPublic.model_validate({"now": [f.to_dict() for f in now],
                                      "reachable": [f.to_dict() for f in reachable]})


@router.get("/recommendations", response_model=PlanPublic, responses=documented(404))
def recommendations(
    occupation: Occupation,
    learner: CurrentLearner,
    services: ServicesDep,
    catalogue: CatalogueDep,
    max_ects: Annotated[float | None, Query(gt=0, le=1000, description="ECTS budget of the plan.")] = None,
    max_eqf: Annotated[int | None, Query(ge=1, le=8, description="Highest EQF level to consider.")] = None,
    lang: Annotated[list[str] | None, Query(description="Languages of instruction (repeatable).")] = None,
    limit: Annotated[int, Query(ge=1, le=20, description="Credentials to recommend at most.")] = 5,
) -> PlanPublic:
    """The catalogue credentials that close the gap to an occupation, best first, each with the
    missing skills it covers and why it ranks where it does, and the plan as a pathway."""
    target = resolve_occupation(occupation, services.loading)
    wallet = services.passports.read(learner.id).passport
    profile = wallet.profile()
    offer = offered_credentials(catalogue)
    constraints = learner_constraints(wallet.passport, max_ects=max_ects, max_eqf=max_eqf, languages=lang)
    taxonomy = services.taxonomy
    plan = recommend(profile, target.uri, offer, taxonomy, constraints=constraints, limit=limit)
    steps = pathway(profile, target.uri, offer, taxonomy, constraints=constraints)
    data = plan.to_dict()
    data["target"]["read_as"] = target.read_as
    data["pathway"] = [PathwayStepPublic(number=s.number, eqf_level=s.eqf_level, reason=s.reason,
                                         credentials=[r.credential.id for r in s.recommendations]) for s in steps]
    return PlanPublic.model_validate(data)


@router.put("/consents/{employer_id}", response_model=ConsentPublic, responses=documented(404, 413))
def grant_consent(employer_id: str, body: ConsentCreate, learner: CurrentLearner,
                  accounts: AccountsDep) -> ConsentPublic:
    """Let an employer see part of the passport (``scope``), until revoked; it ranks you for its
    roles once it accepted. Granting again replaces the scope, and keeps a standing consent
    accepted; after a revocation, the employer accepts it anew."""
    employer = accounts.principal(employer_id)
    if employer is None or employer.role != "employer" or employer.deactivated_at is not None:
        raise HTTPException(404, f"no employer {employer_id!r}")
    return _consent(accounts.grant_consent(learner.id, employer_id, body.scope))


@router.delete("/consents/{employer_id}", status_code=204, responses=documented(404))
def revoke_consent(employer_id: str, learner: CurrentLearner, accounts: AccountsDep) -> Response:
    """Withdraw a consent: from now on the employer neither sees the passport nor ranks it."""
    if accounts.revoke_consent(learner.id, employer_id) is None:
        raise HTTPException(404, f"no standing consent to {employer_id!r}")
    return Response(status_code=204)


@router.get("/consents", response_model=Page[ConsentPublic])
def list_consents(learner: CurrentLearner, accounts: AccountsDep, page: PageDep) -> Page[ConsentPublic]:
    """Every consent given, standing or revoked (by you, or declined by the employer), newest
    first, with whether the employer accepted it."""
    consents = accounts.consents(learner.id)
    return Page(data=[_consent(c) for c in page.of(consents)], count=len(consents))


def _verification(verification: Verification) -> VerificationPublic:
    return VerificationPublic(status=verification.status, method=verification.method, key_id=verification.key_id,
                              reason=verification.reason)


def _consent(consent: Consent) -> ConsentPublic:
    return ConsentPublic(employer_id=consent.employer_id, employer=consent.employer_name, scope=list(consent.scope),
                         granted_at=consent.granted_at, revoked_at=consent.revoked_at, standing=consent.standing,
                         accepted_at=consent.accepted_at, accepted=consent.accepted)

