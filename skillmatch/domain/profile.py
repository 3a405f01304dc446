"""A learner's skill profile: the skills they hold, each with its evidence as sentences people read.
Gap, fit and candidate ranking work on profiles, whatever the skills came from."""

from __future__ import annotations

from dataclasses import dataclass

from skillmatch.domain.passport import PROVING, Evidence, Passport


@dataclass(frozen=True)
class HeldSkill:
    """One ESCO skill a learner holds, with the evidence for it as sentences people read."""

    uri: str
    label: str
    confidence: float
    evidence: tuple[str, ...] = ()


SkillProfile = dict[str, HeldSkill]


def profile_from_passport(passport: Passport, *, claimed: bool = False) -> SkillProfile:
    """The proven skills of a passport (suggestions are left out), each with its evidence; with
    ``claimed``, the skills credentials that could not be verified claim too, their evidence saying so."""
    profile: SkillProfile = {}
    counted = PROVING | {"claimed"} if claimed else PROVING
    for skill in [*passport.proven, *(passport.claimed if claimed else ())]:
        evidence = tuple(_evidence_text(e) for e in skill.evidence if e.state in counted)
        profile[skill.uri] = HeldSkill(skill.uri, skill.label, skill.confidence, evidence)
    return profile


def _evidence_text(evidence: Evidence) -> str:
    """One piece of evidence as a sentence: the credential, and how it proves the skill."""
    source = f"{evidence.credential} ({evidence.issuer})" if evidence.issuer else evidence.credential
    if evidence.state == "claimed":
        how = "claimed by a credential that could not be verified"
    elif evidence.state == "issuer":
        how = "issuer-asserted"
    elif evidence.state == "confirmed":
        how = "confirmed by the institution"
    else:
        outcome = evidence.outcome or ""
        if len(outcome) > 80:
            outcome = outcome[:78].rsplit(" ", 1)[0].rstrip(",;:. ") + "..."
        how = f"matched to '{outcome}'" if outcome else "matched by skillmatch"
        if evidence.confidence is not None:
            how += f" (confidence {evidence.confidence:.2f})"
    return f"{source}: {how}"
