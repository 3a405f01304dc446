"""The catalogue database's tables (SQLAlchemy ORM): the catalogue, and the API's accounts beside it.
Changes to them go with a migration in ``migrations/versions``; ``tests/test_store.py`` checks the
two agree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class CredentialRow(Base):
    """One credential of an institution's offer (a badge class, achievement or ELM specification).

    ``document`` is the document as imported, so exports are built from the issuer's own data and
    nothing is lost; the other columns are copies for queries and listings.
    """

    __tablename__ = "credential"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    format: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    issuer_id: Mapped[str | None] = mapped_column(String(512))
    issuer_name: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(64))
    eqf_level: Mapped[int | None] = mapped_column(Integer)
    ects: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(32))
    document: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(Text)
    #: Fingerprint of the matcher (taxonomy, encoder, settings) that made the inferred links.
    mapped_with: Mapped[str | None] = mapped_column(String(64))
    #: Counts every change a passport holding the credential must follow: a new document, a
    #: re-mapping, a review, a confirmed award.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    links: Mapped[list[SkillLinkRow]] = relationship(back_populates="credential", cascade="all, delete-orphan",
                                                     order_by="SkillLinkRow.id")
    reviews: Mapped[list[ReviewRow]] = relationship(back_populates="credential", cascade="all, delete-orphan")


class SkillLinkRow(Base):
    """An ESCO skill linked to a credential: asserted by its issuer, or inferred by the matcher."""

    __tablename__ = "skill_link"
    __table_args__ = (UniqueConstraint("credential_id", "skill_uri", "origin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"), index=True)
    skill_uri: Mapped[str] = mapped_column(String(256), index=True)
    label: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(Text)
    matched: Mapped[str | None] = mapped_column(Text)
    matched_lang: Mapped[str | None] = mapped_column(String(16))
    form: Mapped[str | None] = mapped_column(String(32))
    reading: Mapped[str | None] = mapped_column(Text)
    #: URIs of the near-duplicate siblings ranked below the skill for the same outcome.
    alternatives: Mapped[list[str] | None] = mapped_column(JSON)

    credential: Mapped[CredentialRow] = relationship(back_populates="links")


class ReviewRow(Base):
    """An institution's decision on one skill of one credential. Kept apart from the links, which
    re-mapping replaces, so a decision survives every re-mapping and wins over it."""

    __tablename__ = "review"

    credential_id: Mapped[str] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True)
    skill_uri: Mapped[str] = mapped_column(String(256), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16))
    reviewer: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    credential: Mapped[CredentialRow] = relationship(back_populates="reviews")


class AwardRow(Base):
    """An institution's confirmation that it awarded one of its catalogue credentials to a learner:
    the award (an Open Badges assertion, a credential) by its id. Such an award proves skills
    though it carries no signature skillmatch can check, as edubadges' hosted assertions do not."""

    __tablename__ = "award"

    credential_id: Mapped[str] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True)
    award_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    #: Whom it was awarded to (an e-mail address or DID): a copy of the award naming someone else
    #: is not what the institution confirmed.
    recipient: Mapped[str] = mapped_column(String(512))
    confirmed_by: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PrincipalRow(Base):
    """Who may call the API: a learner, an employer, an institution or an admin.

    Only the SHA-256 of the API token is kept (``token_hash``), so the database never holds a
    usable token. ``institution`` is the issuer name an institution principal owns in the catalogue
    (its credentials' ``issuer_name``); it is empty for the other roles. A principal an admin
    deactivated keeps its row (and its learner's passport, its institution's catalogue), with
    ``deactivated_at`` set; its token no longer works.
    """

    __tablename__ = "principal"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    institution: Mapped[str | None] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Loaded with their principals in one query per listing, not one per principal.
    identifiers: Mapped[list[HolderIdentifierRow]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                                  order_by="HolderIdentifierRow.identifier")


class HolderIdentifierRow(Base):
    """An identifier (an e-mail address, a DID or another URL) an admin checked belongs to a learner,
    so credentials issued to it are theirs. The identifier is the key: it belongs to one learner
    at most, or two learners could each hold what was issued to it."""

    __tablename__ = "holder_identifier"

    identifier: Mapped[str] = mapped_column(String(512), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("principal.id", ondelete="CASCADE"), index=True)


class HeldCredentialRow(Base):
    """A credential a learner added to their passport, kept as the document they uploaded (JSON
    text or a compact VC-JWT) so that the passport can be built again from it when its inputs
    change; its ESCO skills are mapped once, when it is added (``links``: a list of skill links, empty
    where the catalogue maps the credential), by the matcher ``mapped_with`` names."""

    __tablename__ = "held_credential"
    __table_args__ = (UniqueConstraint("learner_id", "credential_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("principal.id", ondelete="CASCADE"), index=True)
    #: The credential's own id (an assertion URL, a credential's ``id``), when it states one.
    credential_id: Mapped[str | None] = mapped_column(String(512))
    document: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    links: Mapped[list | None] = mapped_column(JSON)
    mapped_with: Mapped[str | None] = mapped_column(String(32))
    #: The outcome of its signature check, kept until the trust list (``verified_with``, its
    #: fingerprint) changes: a verification, or ``{"rejected": why}``.
    verification: Mapped[dict | None] = mapped_column(JSON)
    verified_with: Mapped[str | None] = mapped_column(String(64))


class PassportRow(Base):
    """A learner's passport as last built: ``passport`` the domain object (for gaps, fits,
    recommendations and rankings), ``public`` the JSON the API answers with, ``inputs`` the digest
    of everything it was built from (held credentials, the catalogue records of ``catalogue_ids``,
    the learner's identifiers, the trust list, the matcher). ``version`` counts the rebuilds."""

    __tablename__ = "passport"

    learner_id: Mapped[str] = mapped_column(ForeignKey("principal.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    inputs: Mapped[str] = mapped_column(String(64))
    #: The fingerprint of the matcher it was built with.
    matcher: Mapped[str] = mapped_column(String(32))
    catalogue_ids: Mapped[list] = mapped_column(JSON)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    passport: Mapped[dict] = mapped_column(JSON)
    public: Mapped[str] = mapped_column(Text)


class ConsentRow(Base):
    """A learner's consent that one employer may see (part of) their passport. Revoking it sets
    ``revoked_at``; granting it again clears it, so there is one row per learner and employer.
    ``accepted_at`` is when the employer accepted it, which it must before the learner is ranked
    among its candidates; granting again after a revocation clears it."""

    __tablename__ = "consent"

    learner_id: Mapped[str] = mapped_column(ForeignKey("principal.id", ondelete="CASCADE"), primary_key=True)
    employer_id: Mapped[str] = mapped_column(ForeignKey("principal.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    #: What the employer may see: a list drawn from "skills", "evidence" and "credentials".
    scope: Mapped[list] = mapped_column(JSON)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    learner: Mapped[PrincipalRow] = relationship(foreign_keys=[learner_id], lazy="joined")
    employer: Mapped[PrincipalRow] = relationship(foreign_keys=[employer_id], lazy="joined")
