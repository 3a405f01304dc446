"""A learner's skills passport: every ESCO skill their credentials prove, with the evidence, and
the credentials themselves. Built by :func:`skillmatch.passport.build_passport`; plain data here.

A skill is *proven* by a verified credential of the holder's own when its issuer asserted it, the
institution confirmed it, or the matcher linked it with a confidence above the threshold; by a
credential that could not be verified, or was issued to someone else, it is only *claimed*; below
the threshold, the skill is *suggested*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from skillmatch.credentials.model import Endorsement, LearnerRecord, Verification
from skillmatch.domain.links import Decision, Origin

#: The evidence states that prove a skill: only a verified credential's links.
PROVING = frozenset({"issuer", "confirmed", "linked"})
#: Where skillmatch's own passport terms live in JSON-LD; skills are ESCO URIs, labels SKOS.
VOCABULARY = "https://w3id.org/skillmatch/passport#"


@dataclass(frozen=True)
class Evidence:
    """Why one credential proves one skill."""

    credential_id: str | None
    credential: str
    issuer: str | None
    origin: Origin
    #: issuer, confirmed, linked (the three that prove the skill), claimed (one of those three,
    #: from a credential that is not verified) or suggested.
    state: str
    confidence: float | None
    outcome: str | None
    matched: str | None
    reviewed: Decision | None
    verified: bool
    issued_on: datetime | None
    #: The phrase of the outcome the skill was read in, and the siblings kept as its alternatives.
    reading: str | None = None
    alternatives: tuple[tuple[str, str], ...] = ()


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
        return any(e.state in PROVING for e in self.evidence)

    @property
    def claimed(self) -> bool:
        """Not proven, but a credential that could not be verified says it would be."""
        return not self.proven and any(e.state == "claimed" for e in self.evidence)

    @property
    def confidence(self) -> float:
        """1 where an issuer asserted the skill or an institution confirmed it, else the matcher's
        best; a proven skill's confidence comes from the evidence that proves it."""
        counted = [e for e in self.evidence if e.state in PROVING] or self.evidence
        return max((1.0 if e.origin == "issuer" or e.reviewed == "confirmed" else e.confidence or 0.0)
                   for e in counted)


@dataclass(frozen=True)
class HolderBinding:
    """Whether a held credential was issued to the learner holding it: ``bound`` is None where
    nobody checked (the learner's own files), False for another's credential or one naming no
    recipient, which then proves nothing."""

    bound: bool | None
    reason: str


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
    #: Its learning outcomes as stated, in order.
    outcomes: tuple[str, ...] = ()
    holder: HolderBinding = HolderBinding(None, "the holder was not checked")
    #: Whether the institution holding it in its catalogue confirmed this award (which proves its
    #: skills as a verified signature would).
    award_confirmed: bool = False
    #: Third parties vouching for it, its achievement or its issuer (they prove no skill).
    endorsements: tuple[Endorsement, ...] = ()
    #: The learner record (CLR 2.0) it came in: the record's issuer and associations.
    record: LearnerRecord | None = None


@dataclass(frozen=True)
class OutcomeProof:
    """What one learning outcome of a held credential proves, and what it only suggests (the
    institution's review queue); ``outcome`` is None for what the issuer aligned to the credential
    as a whole."""

    outcome: str | None
    proves: tuple[tuple[PassportSkill, Evidence], ...]
    suggests: tuple[tuple[PassportSkill, Evidence], ...]
    #: What it would prove if its credential were verified.
    claims: tuple[tuple[PassportSkill, Evidence], ...] = ()


@dataclass(frozen=True)
class Passport:
    learner: str | None
    credentials: tuple[HeldCredential, ...]
    skills: tuple[PassportSkill, ...]
    generated_at: datetime
    #: What the passport could not use, in words: issuer alignments to URIs the loaded ESCO lacks.
    warnings: tuple[str, ...] = ()

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
    def claimed(self) -> list[PassportSkill]:
        return [s for s in self.skills if s.claimed]

    @property
    def suggested(self) -> list[PassportSkill]:
        return [s for s in self.skills if not s.proven and not s.claimed]

    def by_credential(self) -> list[tuple[HeldCredential, tuple[OutcomeProof, ...]]]:
        """Each held credential with what each of its outcomes proves: the evidence turned round,
        from skill -> credentials to credential -> outcome -> skills. Outcomes that prove and
        suggest nothing are listed too, so a reader sees what the engine could not place."""
        found: dict[tuple, dict[str | None, list[tuple[PassportSkill, Evidence]]]] = {}
        for skill in self.skills:
            for e in skill.evidence:
                found.setdefault((e.credential_id, e.credential, e.issued_on), {}).setdefault(
                    e.outcome, []).append((skill, e))
        result = []
        for held in self.credentials:
            by_outcome = found.get((held.id, held.title, held.issued_on), {})
            order = [None, *held.outcomes, *(o for o in by_outcome if o is not None and o not in held.outcomes)]
            proofs = []
            for outcome in dict.fromkeys(order):
                items = sorted(by_outcome.get(outcome, []), key=lambda item: -(item[1].confidence or 1.0))
                if outcome is None and not items:
                    continue
                proofs.append(OutcomeProof(outcome, tuple(i for i in items if i[1].state in PROVING),
                                           tuple(i for i in items if i[1].state == "suggested"),
                                           tuple(i for i in items if i[1].state == "claimed")))
            result.append((held, tuple(proofs)))
        return result

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
            "credentials": [{**_held_dict(c), "outcomes": [_proof_dict(p) for p in proofs]}
                            for c, proofs in self.by_credential()],
            "skills": [_skill_dict(s) for s in self.proven],
            "claimed": [_skill_dict(s) for s in self.claimed],
            "suggested": [_skill_dict(s) for s in self.suggested],
            "by_pillar": {pillar: [s.uri for s in skills] for pillar, skills in self.by_pillar().items()},
            "warnings": list(self.warnings),
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
        "holder": {"bound": c.holder.bound, "reason": c.holder.reason}, "award_confirmed": c.award_confirmed,
        "endorsements": [{"id": e.id, "endorser": e.endorser.name or e.endorser.id, "subject": e.subject,
                          "comment": e.comment, "issued_on": e.issued_on.isoformat() if e.issued_on else None,
                          "verification": {"status": e.verification.status, "reason": e.verification.reason}}
                         for e in c.endorsements],
        "record": None if c.record is None else {
            "id": c.record.id, "name": c.record.name, "issuer": c.record.issuer.name or c.record.issuer.id,
            "associations": [{"kind": a.kind, "source": a.source, "target": a.target}
                             for a in c.record.associations]},
    }


def _proof_dict(proof: OutcomeProof) -> dict:
    def item(skill: PassportSkill, e: Evidence) -> dict:
        return {"uri": skill.uri, "label": skill.label, "state": e.state,
                "confidence": None if e.confidence is None else round(e.confidence, 4), "reading": e.reading,
                "alternatives": [{"uri": uri, "label": label} for uri, label in e.alternatives]}
    return {"outcome": proof.outcome, "proves": [item(*i) for i in proof.proves],
            "claims": [item(*i) for i in proof.claims], "suggests": [item(*i) for i in proof.suggests]}


def _skill_dict(s: PassportSkill) -> dict:
    return {
        "uri": s.uri, "label": s.label, "pillar": s.pillar, "group": s.group, "confidence": round(s.confidence, 4),
        "evidence": [{"credential_id": e.credential_id, "credential": e.credential, "issuer": e.issuer,
                      "origin": e.origin, "state": e.state,
                      "confidence": None if e.confidence is None else round(e.confidence, 4),
                      "outcome": e.outcome, "reading": e.reading,
                      "alternatives": [{"uri": uri, "label": label} for uri, label in e.alternatives],
                      "matched": e.matched, "reviewed": e.reviewed, "verified": e.verified,
                      "issued_on": e.issued_on.isoformat() if e.issued_on else None}
                     for e in s.evidence],
    }
