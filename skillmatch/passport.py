"""A learner's skills passport: every ESCO skill their credentials prove, with the evidence.

>>> passport = build_passport(credentials, matcher, catalogue=store)   # doctest: +SKIP
>>> [skill.label for skill in passport.skills][:3]                      # doctest: +SKIP

For each held credential the skills come from the institution's catalogue when it holds that
credential's achievement, mapped by the same matcher (so the institution's reviews count), and
are otherwise mapped on the spot from the credential's learning outcomes. A skill is *proven* by a
credential when its issuer asserted it, the institution confirmed it, or the matcher linked it
with a confidence above the threshold. Below the threshold, each learning outcome's best skill is
kept as a *suggestion* (shown apart, never counted as proven); rejected skills are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from skillmatch.catalogue import CredentialSkill, best_suggestions, credential_skills, inferred_link, outcome_texts
from skillmatch.credentials import Achievement, Credential, Verification, check_elements
from skillmatch.errors import UnknownConceptError
from skillmatch.matcher import Matcher
from skillmatch.store import CatalogueStore, Decision, Origin, SkillLink
from skillmatch.taxonomy import ConceptKind, Taxonomy

#: Where skillmatch's own passport terms live in JSON-LD; skills are ESCO URIs, labels SKOS.
VOCABULARY = "https://w3id.org/skillmatch/passport#"


@dataclass(frozen=True)
class Evidence:
    """Why one credential proves one skill."""

    credential_id: str | None
    credential: str
    issuer: str | None
    origin: Origin
    #: issuer, confirmed, linked (all three prove the skill) or suggested.
    state: str
    confidence: float | None
    outcome: str | None
    matched: str | None
    reviewed: Decision | None
    verified: bool
    issued_on: datetime | None


@dataclass(frozen=True)
class PassportSkill:
    uri: str
    label: str
    #: The top of ESCO's skill hierarchy above the skill (skills, knowledge, transversal, language).
    pillar: str
    #: The nearest ESCO skill group above the skill.
    group: str | None
    evidence: tuple[Evidence, ...]

    @property
    def proven(self) -> bool:
        return any(e.state != "suggested" for e in self.evidence)

    @property
    def confidence(self) -> float:
        """1 where an issuer asserted the skill or an institution confirmed it, else the matcher's best."""
        return max((1.0 if e.origin == "issuer" or e.reviewed == "confirmed" else e.confidence or 0.0)
                   for e in self.evidence)


@dataclass(frozen=True)
class HeldCredential:
    id: str | None
    #: The id of what it certifies (the badge class, achievement or specification).
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
    verification: Verification
    #: Mandatory elements of the EU 2022 Recommendation that the credential does not state.
    eu_missing: tuple[str, ...]
    skills: int


@dataclass(frozen=True)
class Passport:
    learner: str | None
    credentials: tuple[HeldCredential, ...]
    skills: tuple[PassportSkill, ...]
    generated_at: datetime

    @property
    def total_ects(self) -> float:
        return sum(c.ects or 0.0 for c in self.credentials)

    @property
    def total_hours(self) -> float:
        """Study load in hours: stated hours, else ECTS at 28 hours."""
        return sum(c.hours if c.hours is not None else (c.ects or 0.0) * 28 for c in self.credentials)

    @property
    def proven(self) -> list[PassportSkill]:
        return [s for s in self.skills if s.proven]

    @property
    def suggested(self) -> list[PassportSkill]:
        return [s for s in self.skills if not s.proven]

    def by_pillar(self) -> dict[str, list[PassportSkill]]:
        """The proven skills by ESCO pillar."""
        groups: dict[str, list[PassportSkill]] = {}
        for skill in self.proven:
            groups.setdefault(skill.pillar, []).append(skill)
        return groups

    def to_dict(self) -> dict:
        return {
            "learner": self.learner,
            "generated_at": self.generated_at.isoformat(),
            "total_ects": self.total_ects,
            "total_hours": self.total_hours,
            "credentials": [_held_dict(c) for c in self.credentials],
            "skills": [_skill_dict(s) for s in self.proven],
            "suggested": [_skill_dict(s) for s in self.suggested],
            "by_pillar": {pillar: [s.uri for s in skills] for pillar, skills in self.by_pillar().items()},
        }

    def to_jsonld(self) -> dict:
        """The passport as JSON-LD: skills by their ESCO URI with SKOS labels, credentials and
        evidence in skillmatch's passport vocabulary (``VOCABULARY``)."""
        context = {
            "@vocab": VOCABULARY,
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "label": "skos:prefLabel",
            "generatedAt": {"@id": "generatedAt", "@type": "xsd:dateTime"},
            "issuedOn": {"@id": "issuedOn", "@type": "xsd:dateTime"},
            "confidence": {"@id": "confidence", "@type": "xsd:decimal"},
            "credential": {"@type": "@id"},
            "skills": {"@id": "skill", "@container": "@set"},
            "credentials": {"@id": "holds", "@container": "@set"},
            "evidence": {"@container": "@set"},
        }
        held = []
        for c in self.credentials:
            entry = {"@type": "HeldCredential", "title": c.title, "issuer": c.issuer, "format": c.format,
                     "eqfLevel": c.eqf_level, "ects": c.ects, "verification": c.verification.status}
            if c.id:
                entry["@id"] = c.id
            if c.issued_on:
                entry["issuedOn"] = c.issued_on.isoformat()
            held.append({k: v for k, v in entry.items() if v is not None})
        skills = []
        for s in self.skills:
            evidence = []
            for e in s.evidence:
                item = {"@type": "Evidence", "credential": e.credential_id, "origin": e.origin, "state": e.state,
                        "confidence": e.confidence, "outcome": e.outcome, "matched": e.matched,
                        "reviewed": e.reviewed, "verified": e.verified}
                evidence.append({k: v for k, v in item.items() if v is not None})
            skills.append({"@id": s.uri, "@type": "skos:Concept", "label": {"@value": s.label, "@language": "en"},
                           "pillar": s.pillar, "group": s.group, "confidence": round(s.confidence, 4),
                           "proven": s.proven, "evidence": evidence})
        document = {"@context": context, "@type": "SkillsPassport", "generatedAt": self.generated_at.isoformat(),
                    "totalEcts": self.total_ects, "credentials": held, "skills": skills}
        if self.learner:
            document["learner"] = self.learner
        return document


def build_passport(credentials: Sequence[Credential], matcher: Matcher, *,
                   catalogue: CatalogueStore | None = None) -> Passport:
    """The passport of one learner from the credentials they hold (any mix of formats)."""
    taxonomy = matcher.taxonomy
    stored = {}
    if catalogue is not None:
        ids = [c.achievement.id for c in credentials if c.achievement.id]
        stored = {r.id: r for r in catalogue.credentials(ids) if r.mapped_with == matcher.fingerprint_}
    fresh = [c for c in credentials if c.achievement.id not in stored]
    blocks = [outcome_texts(c.achievement) for c in fresh]
    mappable = [i for i, block in enumerate(blocks) if block]
    matched = dict(zip(mappable, matcher.match_outcomes_batch([blocks[i] for i in mappable]), strict=True)) \
        if mappable else {}
    fresh_skills = {id(c): _fresh_skills(c.achievement, matched.get(i, []), taxonomy) for i, c in enumerate(fresh)}

    evidence: dict[str, list[Evidence]] = {}
    held = []
    for credential in credentials:
        achievement = credential.achievement
        record = stored.get(achievement.id)
        skills = credential_skills(record) if record is not None else fresh_skills[id(credential)]
        proven = [s for s in skills if s.accepted]
        for skill in [*proven, *best_suggestions(skills)]:
            source = skill.inferred or skill.link
            evidence.setdefault(skill.link.skill_uri, []).append(Evidence(
                credential_id=credential.id, credential=achievement.name,
                issuer=(credential.issuer.name or achievement.issuer.name), origin=skill.link.origin,
                state=skill.state,
                confidence=source.confidence, outcome=source.outcome, matched=source.matched,
                reviewed=skill.review.decision if skill.review else None,
                verified=credential.verification.verified, issued_on=credential.issued_on,
            ))
        held.append(_held(credential, len(proven)))
    skills = [_passport_skill(uri, items, taxonomy) for uri, items in evidence.items()]
    skills.sort(key=lambda s: (not s.proven, -s.confidence, s.label))
    learners = [c.learner for c in credentials if c.learner]
    return Passport(learner=learners[0] if learners else None, credentials=tuple(held), skills=tuple(skills),
                    generated_at=datetime.now(UTC))


def _fresh_skills(achievement: Achievement, matches, taxonomy: Taxonomy) -> list[CredentialSkill]:
    """A credential's skills when no catalogue holds it: the issuer's ESCO alignments (those of
    the loaded release) and the matcher's."""
    issuer = []
    for alignment in [*achievement.alignments, *(a for o in achievement.outcomes for a in o.alignments)]:
        try:
            concept = taxonomy.get(alignment.uri)
        except UnknownConceptError:
            continue
        issuer.append(CredentialSkill(SkillLink(concept.uri, concept.label("en"), "issuer")))
    asserted = {s.link.skill_uri for s in issuer}
    inferred = [CredentialSkill(inferred_link(m, taxonomy)) for m in matches if m.uri not in asserted]
    return [*issuer, *inferred]


def _passport_skill(uri: str, evidence: list[Evidence], taxonomy: Taxonomy) -> PassportSkill:
    concept = taxonomy.get(uri)
    pillars = taxonomy.pillars(uri)
    groups = [a for a in taxonomy.ancestors(uri) if a.kind is ConceptKind.SKILL_GROUP]
    return PassportSkill(uri=uri, label=concept.label("en"),
                         pillar=pillars[0].label("en") if pillars and pillars[0].uri != uri else "other",
                         group=groups[0].label("en") if groups else None, evidence=tuple(evidence))


def _held(credential: Credential, skills: int) -> HeldCredential:
    achievement = credential.achievement
    missing = check_elements(credential).missing
    return HeldCredential(
        id=credential.id, achievement_id=achievement.id, title=achievement.name,
        issuer=credential.issuer.name or achievement.issuer.name,
        country=credential.issuer.country or achievement.issuer.country, format=credential.format.value,
        eqf_level=achievement.eqf_level, ects=achievement.ects, hours=achievement.hours,
        issued_on=credential.issued_on, expires=credential.expires, verification=credential.verification,
        eu_missing=missing, skills=skills,
    )


def _held_dict(c: HeldCredential) -> dict:
    return {
        "id": c.id, "achievement_id": c.achievement_id, "title": c.title, "issuer": c.issuer, "country": c.country,
        "format": c.format,
        "eqf_level": c.eqf_level, "ects": c.ects, "hours": c.hours,
        "issued_on": c.issued_on.isoformat() if c.issued_on else None,
        "expires": c.expires.isoformat() if c.expires else None,
        "verification": {"status": c.verification.status, "method": c.verification.method,
                         "key_id": c.verification.key_id, "reason": c.verification.reason},
        "eu_missing": list(c.eu_missing), "skills": c.skills,
    }


def _skill_dict(s: PassportSkill) -> dict:
    return {
        "uri": s.uri, "label": s.label, "pillar": s.pillar, "group": s.group, "confidence": round(s.confidence, 4),
        "evidence": [{"credential_id": e.credential_id, "credential": e.credential, "issuer": e.issuer,
                      "origin": e.origin, "state": e.state,
                      "confidence": None if e.confidence is None else round(e.confidence, 4),
                      "outcome": e.outcome, "matched": e.matched, "reviewed": e.reviewed, "verified": e.verified,
                      "issued_on": e.issued_on.isoformat() if e.issued_on else None}
                     for e in s.evidence],
    }
