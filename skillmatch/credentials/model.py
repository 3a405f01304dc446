"""One typed model for every credential format skillmatch reads.

An :class:`Achievement` is what a credential certifies (an Open Badges 2.0 BadgeClass, an Open
Badges 3.0 Achievement, an ELM learning-achievement specification or qualification); a
:class:`Credential` is what a learner holds (an OB2 Assertion, an OB3 OpenBadgeCredential, an ELM
European Digital Credential). The readers and writers beside this module translate from and to
the formats; nothing here does I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from skillmatch.taxonomy.model import ESCO_BASE

#: ECTS users' guide: one credit is 25 to 30 hours of work; the middle is used for comparisons.
HOURS_PER_ECTS = 28


class CredentialFormat(StrEnum):
    OB2 = "ob2"
    OB3 = "ob3"
    ELM = "elm"


@dataclass(frozen=True, slots=True)
class Alignment:
    """A link from a credential (or one of its outcomes) to a framework concept, usually ESCO."""

    uri: str
    name: str
    framework: str | None = "ESCO"
    code: str | None = None
    description: str | None = None

    @property
    def is_esco(self) -> bool:
        return self.uri.startswith(ESCO_BASE)


@dataclass(frozen=True, slots=True)
class LearningOutcome:
    """One learning outcome; ``translations`` maps a language to the text (``lang`` included) and
    ``alignments`` are the ESCO links its issuer made (ELM ``relatedESCOSkill``)."""

    text: str
    lang: str | None = None
    translations: dict[str, str] = field(default_factory=dict)
    alignments: tuple[Alignment, ...] = ()


@dataclass(frozen=True, slots=True)
class Issuer:
    id: str | None = None
    name: str | None = None
    country: str | None = None
    identifier: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """How learning is assessed; ``grade`` is only known on an award (a :class:`Credential`)."""

    type: str | None = None
    supervised: bool | None = None
    id_verified: bool | None = None
    grade_required: bool | None = None
    grade: str | None = None


@dataclass(frozen=True, slots=True)
class Achievement:
    """What a credential certifies, in any format.

    ``title`` maps a language to the title (``"und"`` when the language is unknown). ``hours`` is
    the study load the issuer states; it is never derived from ``ects`` (see
    :attr:`workload_hours`). ``outcome_text`` keeps an outcome block as issued, ``outcomes`` the
    single outcomes split from it. ``alignments`` are the issuer's own badge-level links. ``extra``
    keeps edubadges fields without a place in the model, so that writing back loses nothing.
    """

    id: str | None
    format: CredentialFormat
    title: dict[str, str]
    description: str | None = None
    issuer: Issuer = Issuer()
    language: str | None = None
    eqf_level: int | None = None
    nlqf_level: int | None = None
    ects: float | None = None
    hours: float | None = None
    outcomes: tuple[LearningOutcome, ...] = ()
    outcome_text: str | None = None
    assessment: Assessment = Assessment()
    participation: str | None = None
    quality_assurance: str | None = None
    stackable: bool | None = None
    prerequisites: str | None = None
    kind: str | None = None
    program_identifier: str | None = None
    alignments: tuple[Alignment, ...] = ()
    criteria: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The title in English, else Dutch, else any language."""
        return self.title.get("en") or self.title.get("nl") or next(iter(self.title.values()), "")

    @property
    def own_title(self) -> str:
        """The title in the achievement's own language, else :attr:`name` (for single-title formats)."""
        return self.title.get(self.language or "") or self.name

    @property
    def workload_hours(self) -> float | None:
        """The stated study load, else the ECTS credits at 28 hours each (for comparisons only)."""
        if self.hours is not None:
            return self.hours
        return self.ects * HOURS_PER_ECTS if self.ects is not None else None


@dataclass(frozen=True, slots=True)
class Verification:
    """Whether a credential's signature or proof was checked against a trusted issuer key.

    Three outcomes, which the whole product respects: *verified* (signed by a key the trust list
    gives for its issuer, over exactly this content), *unverifiable* (no proof, a proof type that
    is not checked, an issuer or key the trust list does not know) and *rejected*: a proof that
    fails, an unsigned JWT (``alg: none``), or a trusted issuer's credential carrying a proof that
    cannot be checked (a downgrade). A rejected credential raises
    :class:`~skillmatch.errors.VerificationError` and is never held; only a verified one proves
    skills, an unverifiable one only claims them.

    ``method`` is ``"vc-jwt"``, ``"eddsa-jcs-2022"``, ``"hosted"`` or None; ``reason`` says in
    words why the status is what it is.
    """

    status: Literal["verified", "unverifiable"]
    method: str | None = None
    key_id: str | None = None
    reason: str = ""

    @property
    def verified(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom a credential was issued to, as the issuer identified them: an e-mail address or a DID,
    in clear or (Open Badges) as ``sha256$`` + the hex SHA-256 of the identifier and ``salt``."""

    identity: str
    hashed: bool = False
    salt: str = ""

    def matches(self, identifier: str) -> bool:
        """Whether ``identifier`` (an e-mail address, compared without case, or a DID) is this recipient."""
        identifier = identifier.strip()
        if not self.hashed:
            return self.identity.strip().lower() == identifier.lower()
        algorithm, _, digest = self.identity.partition("$")
        if algorithm.lower() not in {"sha256", "md5"} or not digest:
            return False
        # An issuer hashes the address as it stored it; e-mail addresses are stored in lower case.
        return any(hashlib.new(algorithm.lower(), (candidate + self.salt).encode()).hexdigest() == digest.lower()
                   for candidate in dict.fromkeys((identifier, identifier.lower())))


@dataclass(frozen=True, slots=True)
class Endorsement:
    """A third party vouching for a credential, an achievement or an issuer (Open Badges 3.0
    EndorsementCredential): ``subject`` is the id of what it endorses. It proves no skill; it is
    shown with the credential it names, verified or not as its own proof allows."""

    id: str | None
    endorser: Issuer
    subject: str
    comment: str | None = None
    issued_on: datetime | None = None
    verification: Verification = Verification("unverifiable", reason="not checked")


@dataclass(frozen=True, slots=True)
class Association:
    """A link a Comprehensive Learner Record states between two of its achievements, by their ids
    (``kind``: isParentOf, isPartOf, precedes, ...)."""

    kind: str
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class LearnerRecord:
    """The Comprehensive Learner Record (CLR 2.0) a held credential came in: who issued the record,
    and the associations it states between its achievements."""

    id: str | None
    name: str | None
    issuer: Issuer
    issued_on: datetime | None = None
    associations: tuple[Association, ...] = ()


@dataclass(frozen=True, slots=True)
class Credential:
    """An award held by a learner: the achievement, who earned it, when, and from whom."""

    id: str | None
    format: CredentialFormat
    achievement: Achievement
    learner: str | None = None
    issued_on: datetime | None = None
    expires: datetime | None = None
    issuer: Issuer = Issuer()
    verification: Verification = Verification("unverifiable", reason="not checked")
    #: Whom it was issued to, where it says so (what binds it to the learner holding it).
    recipient: Recipient | None = None
    #: Endorsements of it, its achievement or its issuer: embedded, or given beside it.
    endorsements: tuple[Endorsement, ...] = ()
    #: The learner record it came in, for a credential read from a CLR.
    record: LearnerRecord | None = None
