"""A learner's skills passport: every ESCO skill their credentials prove, with the evidence.

>>> passport = build_passport(credentials, matcher, catalogue=store)   # doctest: +SKIP
>>> [skill.label for skill in passport.skills][:3]                      # doctest: +SKIP

For each held credential the skills come from the institution's catalogue when it holds that
credential's achievement, mapped by the same matcher (so the institution's reviews count), and
are otherwise mapped on the spot from the credential's learning outcomes. A skill is *proven* by a
verified credential when its issuer asserted it, the institution confirmed it, or the matcher
linked it with a confidence above the threshold; the same skill of a credential that could not be
verified is only *claimed* (anyone can write a badge in a university's name), shown with the
reason — unless the institution that holds the credential in its catalogue confirmed the award
(edubadges' hosted assertions carry no signature to check). Given the holder's identifiers, a
credential must also have been issued to one of them (its recipient): another learner's
credential, or one that names no recipient, only claims.
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
from skillmatch.matching import Matcher
from skillmatch.store import CatalogueStore
from skillmatch.taxonomy import ConceptKind, Taxonomy


def build_passport(credentials: Sequence[Credential], matcher: Matcher, *,
                   catalogue: CatalogueStore | None = None, holder: Collection[str] | None = None,
                   mapped: Sequence[Sequence[SkillLink] | None] | None = None) -> Passport:
    """The passport of one learner from the credentials they hold (any mix of formats).
    ``holder``: the learner's verified identifiers (e-mail addresses, DIDs); None when whoever
    builds the passport vouches that the credentials are the learner's (``passport build`` on
    one's own files). ``mapped``: per credential, its skills as :func:`credential_links` gave
    them when it was stored (None: map it now); the catalogue's mapping wins over them."""
    taxonomy = matcher.taxonomy
    stored = {}
    if catalogue is not None:
        ids = [c.achievement.id for c in credentials if c.achievement.id]
        stored = {r.id: r for r in catalogue.credentials(ids) if r.mapped_with == matcher.fingerprint_}
    unmapped = [i for i, c in enumerate(credentials)
                if c.achievement.id not in stored and (mapped is None or mapped[i] is None)]
    links = {i: credential_links(credentials[i], matcher) for i in unmapped}
    awarded = catalogue.confirmed_awards((c.achievement.id, c.id) for c in credentials
                                         if c.achievement.id and c.id) if catalogue is not None else {}
    warnings: list[str] = []
    for credential in credentials:
        _links, unknown = issuer_links(credential.achievement, taxonomy)
        warnings.extend(f"{credential.achievement.name}: {warning}" for warning in unknown)

    evidence: dict[str, list[Evidence]] = {}
    held = []
    for i, credential in enumerate(credentials):
        achievement = credential.achievement
        record = stored.get(achievement.id)
        if record is not None:
            skills = credential_skills(record)
        else:
            own = links[i] if i in links else mapped[i] if mapped is not None else None
            skills = [CredentialSkill(link) for link in own or ()]
        accepted = [s for s in skills if s.accepted]
        binding = holder_binding(credential, holder)
        # A confirmed award counts only in the hands it was awarded to: a copy naming another
        # recipient is not what the institution confirmed.
        awardee = awarded.get((achievement.id, credential.id))
        confirmed = awardee is not None and credential.recipient is not None and credential.recipient.matches(awardee)
        verified = (credential.verification.verified or confirmed) and binding.bound is not False
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
        held.append(_held(credential, len(accepted) if verified else 0, binding, confirmed))
    skills = [_passport_skill(uri, items, taxonomy) for uri, items in evidence.items()]
    skills.sort(key=lambda s: (not s.proven, -s.confidence, s.label))
    learners = [c.learner for c in credentials if c.learner]
    return Passport(learner=learners[0] if learners else None, credentials=tuple(held), skills=tuple(skills),
                    generated_at=datetime.now(UTC), warnings=tuple(warnings))


def credential_links(credential: Credential, matcher: Matcher) -> tuple[SkillLink, ...]:
    """A credential's ESCO skills when no catalogue maps it: its issuer's alignments (see
    :func:`skillmatch.catalogue.issuer_links`) and what the matcher finds in its learning outcomes
    (each outcome's best at least), where the issuer did not assert the skill. The costly step of a
    passport: done once, when a credential is stored. Each credential is mapped on its own, so its
    skills do not depend on the wallet it is in (the encoder's numbers shift with its batch)."""
    taxonomy = matcher.taxonomy
    issuer, _unknown = issuer_links(credential.achievement, taxonomy)
    block = outcome_texts(credential.achievement)
    matches = matcher.match_outcomes_batch([block], every_outcome=True)[0] if block else []
    asserted = {link.skill_uri for link in issuer}
    return (*issuer, *(inferred_link(m, taxonomy) for m in matches if m.uri not in asserted))


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


def _held(credential: Credential, skills: int, binding: HolderBinding, confirmed: bool) -> HeldCredential:
    achievement = credential.achievement
    missing = check_elements(credential).missing
    return HeldCredential(
        id=credential.id, achievement_id=achievement.id, title=achievement.name,
        issuer=credential.issuer.name or achievement.issuer.name,
        country=credential.issuer.country or achievement.issuer.country, format=credential.format.value,
        eqf_level=achievement.eqf_level, ects=achievement.ects, hours=achievement.hours,
        issued_on=credential.issued_on, expires=credential.expires, verification=credential.verification,
        eu_missing=missing, skills=skills, outcomes=tuple(outcome_texts(achievement)), holder=binding,
        award_confirmed=confirmed, endorsements=credential.endorsements, record=credential.record,
    )
