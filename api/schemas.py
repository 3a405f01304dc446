"""Request and response models of the API: one family per resource (``XBase`` for what every
view shares, ``XCreate`` for what a client sends, ``XPublic`` for what it gets back), lists as
:class:`Page` (``{data, count}``), errors as :class:`Problem`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from skillmatch.outcomes import MAX_TEXT_CHARS
from skillmatch.store.accounts import MAX_IDENTIFIER_CHARS, MAX_IDENTIFIERS, Role, Scope

T = TypeVar("T")


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("empty text: there is nothing to match")
    return text


#: A text to match: not blank, at most the matcher's limit.
MatchText = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS, json_schema_extra={"pattern": r"\S"}),
                      AfterValidator(_not_blank)]
#: A text of a matching request: not blank; how many and how long is the service's budget
#: (``SKILLMATCH_MATCH_*``, which the routes check within the matcher's limit).
BudgetedText = Annotated[str, Field(min_length=1, json_schema_extra={"pattern": r"\S"}), AfterValidator(_not_blank)]


class HealthPublic(BaseModel):
    status: Literal["ok"] = "ok"
    matcher: Literal["loading", "ready", "failed"]
    process: int = Field(description="The worker process that answered.")


class Page(BaseModel, Generic[T]):
    """One page of a list: its items and how many there are in all."""

    data: list[T]
    count: int


class ValidationIssue(BaseModel):
    loc: str = Field(description="Where: 'body.texts.2', 'query.limit', ...")
    msg: str
    type: str


class Problem(BaseModel):
    """An error (RFC 9457)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ValidationIssue] | None = Field(default=None, description="Each invalid field (422 only).")


class ConceptRef(BaseModel):
    uri: str
    label: str


# -- taxonomy ---------------------------------------------------------------------------------


class ConceptBase(BaseModel):
    uri: str
    kind: str
    label: str


class ConceptPublic(ConceptBase):
    """One ESCO concept with its labels in every loaded language and its place in ESCO."""

    preferred: dict[str, str]
    alternative: dict[str, list[str]]
    description: dict[str, str]
    code: str
    broader: list[ConceptRef]
    narrower: list[ConceptRef]
    skill_type: str | None = None
    reuse_level: str | None = None
    isco_group: str | None = None
    pillars: list[str] = Field(default_factory=list, description="For a skill: the top of its hierarchy.")
    collections: list[str] = Field(default_factory=list)
    essential_skills: list[ConceptRef] | None = Field(default=None, description="For an occupation.")
    optional_skills: list[ConceptRef] | None = Field(default=None, description="For an occupation.")


class SearchHitPublic(ConceptBase):
    lang: str
    matched: str = Field(description="The label that matched, in ``lang``.")
    score: float


# -- matching ---------------------------------------------------------------------------------


class MatchCreate(BaseModel):
    """Texts to map: learning outcomes or outcome blocks (skills), job titles or vacancies (occupations)."""

    texts: list[BudgetedText] = Field(min_length=1, description=(
        "1 or more texts, within the service's budget of texts, characters per text, characters in all and (for "
        "skills) learning outcomes in all; a request over it is refused before any matching (422, 413)"))
    top_k: int = Field(default=10, ge=1, le=100)


class MatchPublic(ConceptRef):
    score: float
    confidence: float
    status: Literal["linked", "suggested"]
    matched: str
    matched_lang: str
    form: str
    outcome: str | None = None
    #: The phrase of the outcome the concept was read in (None: the text as written).
    reading: str | None = None
    #: Near-duplicate siblings ranked below it for the same outcome, kept as its alternatives.
    alternatives: list[ConceptRef] = []


class TextMatches(BaseModel):
    text: str
    matches: list[MatchPublic]


# -- catalogue --------------------------------------------------------------------------------


class ReviewBase(BaseModel):
    skill_uri: str
    decision: Literal["confirmed", "rejected"]
    note: str | None = Field(default=None, max_length=2000)


class ReviewCreate(ReviewBase):
    """An institution's decision on one skill of one of its credentials."""


class ReviewPublic(ReviewBase):
    reviewer: str | None
    decided_at: datetime


class AwardCreate(BaseModel):
    """An institution's confirmation that it awarded one of its credentials to a learner."""

    award_id: str = Field(min_length=1, max_length=512, description="The id the award states: its Open Badges "
                                                                     "assertion id or its credential id.")
    recipient: str = Field(min_length=1, max_length=512, description="Whom it was awarded to: the learner's "
                                                                      "e-mail address or DID.")


class AwardPublic(BaseModel):
    credential_id: str
    award_id: str
    confirmed_at: datetime


class CredentialBase(BaseModel):
    id: str
    title: str
    format: str
    issuer: str | None
    country: str | None
    eqf_level: int | None
    ects: float | None
    language: str | None
    mapped: bool = Field(description="Whether the current matcher mapped its learning outcomes.")


class CredentialSummary(CredentialBase):
    skills: int = Field(description="Accepted skills: issuer-made, confirmed, or linked and not rejected.")
    suggested: int


class CredentialSkillPublic(ConceptRef):
    state: Literal["issuer", "confirmed", "linked", "suggested", "rejected"]
    origin: Literal["issuer", "inferred"]
    confidence: float | None
    outcome: str | None
    matched: str | None
    review: ReviewPublic | None


class EUElementPublic(BaseModel):
    key: str
    label: str
    mandatory: bool
    status: str
    value: str | None


class CredentialPublic(CredentialBase):
    """A catalogue credential with each of its ESCO skills and the EU 2022 element check."""

    skills: list[CredentialSkillPublic]
    eu_elements: list[EUElementPublic]
    eu_missing: list[str]


class ImportPublic(BaseModel):
    outcome: Literal["added", "updated", "unchanged"]
    credential: CredentialPublic
    warnings: list[str]


class ExportedCredential(BaseModel):
    id: str
    title: str
    document: dict[str, Any]


class ExportPublic(Page[ExportedCredential]):
    format: Literal["ob2", "ob3", "elm"]


class OccupationCoveragePublic(BaseModel):
    occupation: str
    label: str
    essential_covered: int
    essential_total: int
    coverage: float
    missing_essential: list[ConceptRef]


class CoveragePublic(BaseModel):
    institution: str | None
    credentials: int
    skills: dict[str, int]
    skill_groups: dict[str, int]
    pillars: dict[str, int]
    occupations: list[OccupationCoveragePublic]
    sector_gaps: dict[str, list[OccupationCoveragePublic]]
    chosen: list[OccupationCoveragePublic]


class OverlapPublic(BaseModel):
    a: str
    b: str
    a_title: str
    b_title: str
    a_issuer: str | None
    b_issuer: str | None
    similarity: float
    shared: list[ConceptRef]
    reason: str


# -- passports --------------------------------------------------------------------------------


class VerificationPublic(BaseModel):
    status: Literal["verified", "unverifiable"]
    method: str | None
    key_id: str | None
    reason: str


class HolderBindingPublic(BaseModel):
    bound: bool | None = Field(description="Whether the credential was issued to one of the holder's registered "
                                           "identifiers; false: it proves nothing.")
    reason: str


class OutcomeSkillPublic(ConceptRef):
    state: str = Field(description="issuer, confirmed or linked (proven), claimed (the same from a credential "
                                   "that is not verified), or suggested.")
    confidence: float | None
    reading: str | None = Field(description="The phrase of the outcome the skill was read in.")
    alternatives: list[ConceptRef] = Field(description="Near-duplicate siblings ranked below it.")


class OutcomeProofPublic(BaseModel):
    outcome: str | None = Field(description="The learning outcome; null for what the issuer aligned to the "
                                            "credential as a whole.")
    proves: list[OutcomeSkillPublic]
    claims: list[OutcomeSkillPublic] = Field(description="What it would prove if its credential were verified.")
    suggests: list[OutcomeSkillPublic] = Field(description="Not proven: for the institution's review.")


class EndorsementStatus(BaseModel):
    status: Literal["verified", "unverifiable"]
    reason: str


class EndorsementPublic(BaseModel):
    id: str | None
    endorser: str | None
    subject: str = Field(description="The id of the credential, achievement or issuer it endorses.")
    comment: str | None
    issued_on: datetime | None
    verification: EndorsementStatus


class AssociationPublic(BaseModel):
    kind: str = Field(description="isParentOf, isPartOf, precedes, ...")
    source: str
    target: str


class LearnerRecordPublic(BaseModel):
    id: str | None
    name: str | None
    issuer: str | None
    associations: list[AssociationPublic]


class HeldCredentialPublic(BaseModel):
    """A credential as the passport reads it."""

    held_id: str = Field(description="Its id in the passport (for DELETE).")
    id: str | None
    achievement_id: str | None
    title: str
    issuer: str | None
    country: str | None
    format: str
    eqf_level: int | None
    ects: float | None
    hours: float | None
    issued_on: datetime | None
    expires: datetime | None
    verification: VerificationPublic
    eu_missing: list[str]
    skills: int
    outcomes: list[OutcomeProofPublic] | None = Field(
        None, description="What each learning outcome proves (to an employer only with the 'evidence' scope).")
    holder: HolderBindingPublic
    award_confirmed: bool = Field(description="Whether the institution holding it in its catalogue confirmed "
                                              "this award to its recipient (it then proves skills unsigned).")
    endorsements: list[EndorsementPublic] = Field(
        [], description="Third parties vouching for it, its achievement or its issuer (they prove no skill).")
    record: LearnerRecordPublic | None = Field(
        None, description="The CLR 2.0 learner record it came in: the record's issuer and associations.")


class HeldCredentialCreated(BaseModel):
    held_id: str
    credential_id: str | None
    title: str
    format: str
    verification: VerificationPublic
    added_at: datetime
    included: list[HeldCredentialCreated] = Field(
        [], description="The other credentials of the same upload (a CLR 2.0 learner record holds several).")


class EvidencePublic(BaseModel):
    credential_id: str | None
    credential: str
    issuer: str | None
    origin: Literal["issuer", "inferred"]
    state: str
    confidence: float | None
    outcome: str | None
    reading: str | None = None
    alternatives: list[ConceptRef] = []
    matched: str | None
    reviewed: Literal["confirmed", "rejected"] | None
    verified: bool
    issued_on: datetime | None


class SkillBase(ConceptRef):
    pillar: str
    group: str | None
    confidence: float


class PassportSkillPublic(SkillBase):
    evidence: list[EvidencePublic]


class RejectedCredential(BaseModel):
    held_id: str
    title: str
    status: Literal["rejected"] = "rejected"
    problem: str


class PassportPublic(BaseModel):
    """A learner's skills passport: the skills its verified credentials prove, with their evidence,
    by pillar; the skills credentials that could not be verified claim; and each outcome's best
    suggestion that is not proven."""

    learner_id: str
    learner: str | None = Field(description="The holder as the credentials name them.")
    generated_at: datetime
    total_ects: float
    total_hours: float
    credentials: list[HeldCredentialPublic]
    skills: list[PassportSkillPublic] = Field(description="Proven: by verified credentials.")
    claimed: list[PassportSkillPublic] = Field(description="Claimed by credentials that could not be verified "
                                                           "(their verification says why); never proven.")
    suggested: list[PassportSkillPublic]
    by_pillar: dict[str, list[str]]
    rejected: list[RejectedCredential] = Field(description="Held credentials that no longer read or verify.")
    warnings: list[str] = Field(description="What the passport could not use, in words (an issuer's alignment "
                                            "to a URI the loaded ESCO release lacks).")


class SharedSkill(SkillBase):
    evidence: list[EvidencePublic] | None = Field(description="Only when the consent includes 'evidence'.")


class SharedPassportPublic(BaseModel):
    """What an employer sees of a passport: only the consented scope."""

    learner_id: str
    name: str
    scope: list[Scope]
    generated_at: datetime
    skills: list[SharedSkill] | None = Field(description="Only when the consent includes 'skills': proven by "
                                                         "verified credentials.")
    claimed: list[SharedSkill] | None = Field(description="Only when the consent includes 'skills': claimed by "
                                                          "credentials that could not be verified, never proven.")
    credentials: list[HeldCredentialPublic] | None = Field(
        description="Only when the consent includes 'credentials'.")


class SkillGapPublic(ConceptRef):
    relation: Literal["essential", "optional"]
    status: Literal["held", "partial", "missing"]
    credit: float
    via: str | None
    via_kind: str | None
    reason: str
    evidence: list[str]


class GapPublic(BaseModel):
    occupation: str
    label: str
    coverage: float
    essential_coverage: float
    held: int
    partial: int
    missing: int
    missing_essential: int
    skills: list[SkillGapPublic]
    read_as: str | None = Field(default=None, description="How a job title was read as an ESCO occupation.")


class FitPublic(BaseModel):
    occupation: str
    label: str
    coverage: float
    essential_coverage: float
    held: int
    partial: int
    missing_essential: int
    via: list[str]
    coverage_after: float | None
    reason: str


class FitsPublic(BaseModel):
    now: list[FitPublic]
    reachable: list[FitPublic] = Field(description="Occupations one or two catalogue credentials away.")


class OfferedCredentialPublic(BaseModel):
    id: str
    title: str
    issuer: str | None
    eqf_level: int | None
    ects: float | None
    hours: float | None
    language: str | None
    format: str
    stackable: bool | None


class RecommendationPublic(BaseModel):
    credential: OfferedCredentialPublic
    covers: list[SkillGapPublic]
    gain: float
    coverage_before: float
    coverage_after: float
    remaining_essential: int
    score: float
    reasons: list[str]


class ExcludedCredential(BaseModel):
    id: str
    reason: str


class PathwayStepPublic(BaseModel):
    number: int
    eqf_level: int | None
    reason: str
    credentials: list[str]


class PlanPublic(BaseModel):
    target: GapPublic
    recommendations: list[RecommendationPublic]
    excluded: list[ExcludedCredential]
    coverage_after: float
    ects: float
    summary: str
    pathway: list[PathwayStepPublic]


class ConsentBase(BaseModel):
    scope: list[Scope] = Field(min_length=1, description="What the employer may see; 'evidence' needs 'skills'.")


class ConsentCreate(ConsentBase):
    pass


class ConsentPublic(ConsentBase):
    """A consent as the learner who gave it sees it."""

    employer_id: str
    employer: str
    granted_at: datetime
    revoked_at: datetime | None
    standing: bool
    accepted_at: datetime | None = Field(description="When the employer accepted it: only then does the employer "
                                                     "rank you among its candidates.")
    accepted: bool = Field(description="Standing, and accepted by the employer.")


class ReceivedConsentPublic(ConsentBase):
    """A standing consent as the employer it was given to sees it."""

    learner_id: str
    learner: str
    granted_at: datetime
    accepted_at: datetime | None
    accepted: bool = Field(description="Whether you accepted it: only accepted consents rank their learner "
                                       "among your candidates.")


# -- employers --------------------------------------------------------------------------------


class CandidatesCreate(BaseModel):
    """A role to rank the consenting learners for."""

    role: MatchText = Field(description="An ESCO occupation URI, a job title or a vacancy text, as ``kind`` says.")
    kind: Literal["occupation", "title", "vacancy"] = "title"
    top: int = Field(default=20, ge=1, le=100)
    include_claimed: bool = Field(default=False, description="Also count skills that credentials which could not "
                                                             "be verified claim (default: proven skills only).")


class CandidateSkill(ConceptRef):
    credit: float
    evidence: list[str] | None = Field(description="Only when the learner's consent includes 'evidence'.")


class CandidatePublic(BaseModel):
    learner_id: str
    name: str
    score: float
    matched: list[CandidateSkill]
    missing_essential: list[ConceptRef]


class CandidatesPublic(Page[CandidatePublic]):
    role: str = Field(description="The role ranked for, and how a title or vacancy was read.")
    occupation: str | None


# -- principals -------------------------------------------------------------------------------


#: Whom a credential may be issued to: an e-mail address, a DID or another URL.
Identifier = Annotated[str, Field(min_length=1, max_length=MAX_IDENTIFIER_CHARS)]
_IDENTIFIERS = ("For a learner: the e-mail addresses and DIDs an admin checked are theirs (e-mail addresses in "
                "lower case). A credential issued to someone else is refused from their passport.")


class PrincipalBase(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    institution: str | None = Field(default=None, max_length=500,
                                    description="For an institution: the issuer name its credentials carry.")
    identifiers: list[Identifier] = Field(default_factory=list, max_length=MAX_IDENTIFIERS, description=_IDENTIFIERS)


class PrincipalCreate(PrincipalBase):
    pass


class PrincipalPublic(PrincipalBase):
    id: str
    created_at: datetime
    deactivated_at: datetime | None = Field(default=None, description="When an admin deactivated it: its token "
                                                                      "no longer works. Null while active.")


class PrincipalIdentifiersUpdate(BaseModel):
    identifiers: list[Identifier] = Field(
        max_length=MAX_IDENTIFIERS, description=_IDENTIFIERS + " Replaces those registered; [] removes them.")


class PrincipalCreated(PrincipalPublic):
    token: str = Field(description="The API token, shown this once: only its hash is stored.")
