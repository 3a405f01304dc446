"""A learner's skills passport: every ESCO skill their credentials prove, with the evidence.

>>> passport = build_passport(credentials, matcher, catalogue=store)   # doctest: +SKIP
>>> [skill.label for skill in passport.skills][:3]                      # doctest: +SKIP

For each held credential the skills come from the institution's catalogue when it holds that
credential's achievement, mapped by the same matcher (so the institution's reviews count), and
are otherwise mapped on the spot from the credential's learning outcomes. A skill is *proven* by a
verified credential when its issuer asserted it, the institution confirmed it, or the matcher
linked it with a confidence above the threshold; the same skill of a credential that could not be
verified is only *claimed* (anyone can write a badge in a university's name), shown with the
reason. Given the holder's identifiers, a credential must also have been issued to one of them
(its recipient): another learner's credential, or one that names no recipient, only claims.
Below the threshold, each learning outcome's best skill is kept as a *suggestion* (shown apart,
never counted as proven); rejected skills are left out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from skillmatch.catalogue import inferred_link, issuer_links, outcome_texts
from skillmatch.credentials import Credential, check_elements
from skillmatch.domain import (
    CredentialSkill,
    Evidence,
    HeldCredential,
    HolderBinding,
    Passport,
    PassportSkill,
    SkillLink,
    best_suggestions,
    credential_skills,
)
from skillmatch.matching import Match, Matcher
from skillmatch.store import CatalogueStore
from skillmatch.taxonomy import ConceptKind, Taxonomy


def build_passport(credentials: Sequence[Credential], matcher: Matcher, *,
                   catalogue: CatalogueStore | None = None, holder: Collection[str] | None = None) -> Passport:
    """The passport of one learner from the credentials they hold (any mix of formats).
    ``holder``: the learner's verified identifiers (e-mail addresses, DIDs); None when whoever
    builds the passport vouches that the credentials are the learner's (``passport build`` on
    one's own files)."""
    taxonomy = matcher.taxonomy
    stored = {}
    if catalogue is not None:
        ids = [c.achievement.id for c in credentials if c.achievement.id]
        stored = {r.id: r for r in catalogue.credentials(ids) if r.mapped_with == matcher.fingerprint_}
    fresh = [c for c in credentials if c.achievement.id not in stored]
    blocks = [outcome_texts(c.achievement) for c in fresh]
    mappable = [i for i, block in enumerate(blocks) if block]
    matches = matcher.match_outcomes_batch([blocks[i] for i in mappable], every_outcome=True) if mappable else []
    matched = dict(zip(mappable, matches, strict=True))
    fresh_skills: dict[int, list[CredentialSkill]] = {}
    warnings: list[str] = []
    for i, credential in enumerate(fresh):
        links, unknown = issuer_links(credential.achievement, taxonomy)
        warnings.extend(f"{credential.achievement.name}: {warning}" for warning in unknown)
        fresh_skills[id(credential)] = _fresh_skills(links, matched.get(i, []), taxonomy)

    evidence: dict[str, list[Evidence]] = {}
    held = []
    for credential in credentials:
        achievement = credential.achievement
        record = stored.get(achievement.id)
        skills = credential_skills(record) if record is not None else fresh_skills[id(credential)]
        accepted = [s for s in skills if s.accepted]
        binding = holder_binding(credential, holder)
        verified = credential.verification.verified and binding.bound is not False
        for skill in [*accepted, *best_suggestions(skills)]:
            evidence.setdefault(skill.link.skill_uri, []).append(Evidence(
                credential_id=credential.id, credential=achievement.name,
                issuer=(credential.issuer.name or achievement.issuer.name), origin=skill.link.origin,
                state=skill.state if verified or not skill.accepted else "claimed",
                confidence=skill.evidence.confidence, outcome=skill.evidence.outcome,
                matched=skill.evidence.matched,
                reviewed=skill.review.decision if skill.review else None,
                verified=credential.verification.verified, issued_on=credential.issued_on,
                reading=skill.evidence.reading,
                alternatives=tuple((uri, taxonomy.get(uri).label("en")) for uri in skill.evidence.alternatives
                                   if uri in taxonomy),
            ))
        held.append(_held(credential, len(accepted) if verified else 0, binding))
    skills = [_passport_skill(uri, items, taxonomy) for uri, items in evidence.items()]
    skills.sort(key=lambda s: (not s.proven, -s.confidence, s.label))
    learners = [c.learner for c in credentials if c.learner]
    return Passport(learner=learners[0] if learners else None, credentials=tuple(held), skills=tuple(skills),
                    generated_at=datetime.now(UTC), warnings=tuple(warnings))


def _fresh_skills(links: Sequence[SkillLink], matches: Sequence[Match], taxonomy: Taxonomy) -> list[CredentialSkill]:
    """A credential's skills when no catalogue holds it: the issuer's links (see
    :func:`skillmatch.catalogue.issuer_links`) and the matcher's, where the issuer did not assert the skill."""
    issuer = [CredentialSkill(link) for link in links]
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


def holder_binding(credential: Credential, holder: Collection[str] | None) -> HolderBinding:
    """Whether ``credential`` was issued to the learner with the identifiers ``holder``."""
    if holder is None:
        return HolderBinding(None, "the holder was not checked")
    recipient = credential.recipient
    if recipient is None:
        return HolderBinding(False, "the credential names no recipient, so it cannot be bound to its holder")
    if not holder:
        return HolderBinding(False, "no identifier is registered for the holder, so the recipient cannot be checked")
    if any(recipient.matches(identifier) for identifier in holder):
        return HolderBinding(True, "issued to an identifier registered for the holder")
    return HolderBinding(False, "issued to someone else: the recipient matches no identifier registered for the holder")


def _held(credential: Credential, skills: int, binding: HolderBinding) -> HeldCredential:
    achievement = credential.achievement
    missing = check_elements(credential).missing
    return HeldCredential(
        id=credential.id, achievement_id=achievement.id, title=achievement.name,
        issuer=credential.issuer.name or achievement.issuer.name,
        country=credential.issuer.country or achievement.issuer.country, format=credential.format.value,
        eqf_level=achievement.eqf_level, ects=achievement.ects, hours=achievement.hours,
        issued_on=credential.issued_on, expires=credential.expires, verification=credential.verification,
        eu_missing=missing, skills=skills, outcomes=tuple(outcome_texts(achievement)), holder=binding,
    )
