"""One credential's ESCO skills as an institution sees them: each skill's best link and review,
which together decide whether the skill is proven, only suggested, or rejected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from skillmatch.domain.links import Review, SkillLink

State = Literal["issuer", "confirmed", "linked", "suggested", "rejected"]

_RANK = {"confirmed": 0, "issuer": 0, "linked": 1, "suggested": 2, "rejected": 3}


class LinkedCredential(Protocol):
    """What :func:`credential_skills` reads of a stored credential (a catalogue ``CredentialRecord``)."""

    @property
    def links(self) -> Sequence[SkillLink]: ...

    @property
    def reviews(self) -> Mapping[str, Review]: ...


@dataclass(frozen=True)
class CredentialSkill:
    """One ESCO skill of one credential as the institution sees it: the best link (issuer-made
    before inferred) and the institution's review, which decides the state."""

    link: SkillLink
    review: Review | None = None
    #: The matcher's link too, when the issuer also asserted this skill.
    inferred: SkillLink | None = None

    @property
    def state(self) -> State:
        if self.review is not None:
            return self.review.decision
        if self.link.origin == "issuer":
            return "issuer"
        return "linked" if self.link.status == "linked" else "suggested"

    @property
    def evidence(self) -> SkillLink:
        """The link that says where the skill was found: the matcher's where it read the skill
        too (it names the outcome and the label that matched), else the issuer's."""
        return self.inferred or self.link

    @property
    def confidence(self) -> float | None:
        return self.evidence.confidence

    @property
    def accepted(self) -> bool:
        """Whether the skill is exported and counts as proven: issuer-made, confirmed, or linked
        with enough confidence, and not rejected."""
        return self.state in ("issuer", "confirmed", "linked")


def credential_skills(record: LinkedCredential) -> list[CredentialSkill]:
    """A stored credential's skills, strongest first: issuer-made and confirmed ones, then by confidence."""
    issuer = {link.skill_uri: link for link in record.links if link.origin == "issuer"}
    inferred = {link.skill_uri: link for link in record.links if link.origin == "inferred"}
    skills = []
    for uri in dict.fromkeys([*issuer, *inferred]):
        link = issuer.get(uri) or inferred[uri]
        skills.append(CredentialSkill(link, record.reviews.get(uri), inferred.get(uri) if uri in issuer else None))
    return sorted(skills, key=lambda s: (_RANK[s.state], -(s.confidence or 0.0)))


def best_suggestions(skills: Sequence[CredentialSkill]) -> list[CredentialSkill]:
    """Of the skills that are only suggested, each outcome's most confident one (if no proven
    skill came from that outcome)."""
    covered = {s.evidence.outcome for s in skills if s.accepted}
    best: dict[str | None, CredentialSkill] = {}
    for skill in skills:
        outcome = skill.evidence.outcome
        if skill.state != "suggested" or outcome in covered:
            continue
        if outcome not in best or (skill.confidence or 0) > (best[outcome].confidence or 0):
            best[outcome] = skill
    return list(best.values())


def taught_skills(skills: Sequence[CredentialSkill]) -> dict[str, float]:
    """What a credential teaches, skill URI -> confidence: its accepted skills (1 where the issuer
    asserted or the institution confirmed them) and each outcome's best suggestion."""
    return {s.link.skill_uri: 1.0 if s.state in ("issuer", "confirmed") else float(s.confidence or 0.0)
            for s in [*(s for s in skills if s.accepted), *best_suggestions(skills)]}


def tally(skills: Sequence[CredentialSkill]) -> tuple[int, int]:
    """How many of a credential's skills are accepted, and how many only suggested."""
    return sum(s.accepted for s in skills), sum(s.state == "suggested" for s in skills)
