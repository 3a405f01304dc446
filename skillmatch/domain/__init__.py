"""The plain typed objects every layer shares: a credential's skills and the links behind them,
the credentials of an offer, a learner's passport and skill profile, and the pure helpers on them.

Nothing here matches text, reads files or touches a database, so the advice modules
(:mod:`skillmatch.gaps`, :mod:`skillmatch.recommend`, :mod:`skillmatch.candidates`,
:mod:`skillmatch.coverage`) depend on these and the taxonomy only.
"""

from skillmatch.domain.credential_skill import (
    CredentialSkill,
    LinkedCredential,
    State,
    best_suggestions,
    credential_skills,
    tally,
    taught_skills,
)
from skillmatch.domain.links import Decision, Origin, Review, SkillLink
from skillmatch.domain.offer import OfferedCredential
from skillmatch.domain.passport import (
    VOCABULARY,
    Evidence,
    HeldCredential,
    HolderBinding,
    OutcomeProof,
    Passport,
    PassportSkill,
)
from skillmatch.domain.profile import HeldSkill, SkillProfile, profile_from_passport

__all__ = [
    "VOCABULARY",
    "CredentialSkill",
    "Decision",
    "Evidence",
    "HeldCredential",
    "HolderBinding",
    "OutcomeProof",
    "HeldSkill",
    "LinkedCredential",
    "OfferedCredential",
    "Origin",
    "Passport",
    "PassportSkill",
    "Review",
    "SkillLink",
    "SkillProfile",
    "State",
    "best_suggestions",
    "credential_skills",
    "profile_from_passport",
    "tally",
    "taught_skills",
]
