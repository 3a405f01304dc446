"""The API's accounts, in the catalogue's database: principals and their API tokens, the identifiers
registered for learners, the credentials learners hold, and learners' consents to employers.

A token is ``secrets.token_urlsafe(32)``, shown once when the principal is created or its token
rotated; only its SHA-256 is stored, so neither the database nor a backup of it holds a usable
token. A deactivated principal keeps its records but its token no longer works, and a deactivated
learner's consents no longer count. A consent puts a learner among an employer's candidates only
once the employer accepted it, so no one can push profiles into an employer's ranking. Like the
catalogue store, this one deals in plain records, every write is one transaction, and database
errors come out as :mod:`skillmatch.errors`.

>>> accounts = AccountStore(CatalogueStore.open(None, data_dir).engine)           # doctest: +SKIP
>>> learner, token = accounts.create_principal("Daan Verhoeven", "learner")       # doctest: +SKIP
>>> accounts.authenticate(token) == learner                                       # doctest: +SKIP
True
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import Connection, Engine, Row, bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from skillmatch.domain import SkillLink
from skillmatch.errors import DuplicateError, InputError, with_article
from skillmatch.store.catalogue import _utc, link_columns, link_from_columns, revisions_in
from skillmatch.store.tables import ConsentRow, HeldCredentialRow, HolderIdentifierRow, PassportRow, PrincipalRow
from skillmatch.store.transaction import reading, transaction

Role = Literal["learner", "employer", "institution", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
#: What a consent may open to an employer: the proven skills, the evidence behind each one, and
#: the held credentials themselves. Evidence is evidence *for* skills, so it needs "skills".
Scope = Literal["skills", "evidence", "credentials"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
#: Shortest token accepted when a caller brings its own (the bootstrap admin's token file).
MIN_TOKEN_CHARS = 32
#: Longest identifier (its column's width), and most identifiers a learner has: every credential
#: uploaded is checked against each one.
MAX_IDENTIFIER_CHARS = 512
MAX_IDENTIFIERS = 20
_EMAIL = re.compile(r"[^@:/\s]+@[^@/\s]+\.[^@/\s]+")
#: A DID or another absolute URI: a scheme (RFC 3986), a colon, and something after it.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


class AccountStateError(InputError):
    """A change that a principal's standing forbids: deactivating the last active admin, or a new
    token for a deactivated principal."""


@dataclass(frozen=True)
class Principal:
    """Who calls the API. ``institution`` is the issuer name an institution owns in the catalogue;
    ``deactivated_at`` is when an admin took the principal's access away; ``identifiers`` are the
    e-mail addresses and DIDs an admin registered for a learner, sorted."""

    id: str
    name: str
    role: Role
    institution: str | None
    created_at: datetime
    deactivated_at: datetime | None = None
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeldDocument:
    """A credential as a learner uploaded it: JSON text or a compact VC-JWT, and its ESCO skills
    as mapped when it was added (``links``; empty where the catalogue maps the credential) by the
    matcher ``mapped_with`` names (None: not mapped yet)."""

    id: str
    learner_id: str
    credential_id: str | None
    document: str
    title: str
    added_at: datetime
    links: tuple[SkillLink, ...] = ()
    mapped_with: str | None = None
    #: Its signature check as the trust list ``verified_with`` (a fingerprint) gave it: a
    #: verification's fields, or ``{"rejected": why}``; None: not checked yet.
    verification: dict | None = None
    verified_with: str | None = None


@dataclass(frozen=True)
class PassportStamp:
    """A stored passport's digest and what it is compared with: the inputs as they stand now."""

    inputs: str
    #: The fingerprint of the matcher it was built with.
    matcher: str
    identifiers: tuple[str, ...]
    #: ``(id, mapped_with, verified_with)`` of each held credential (:meth:`AccountStore.held_stamps`).
    held: list[tuple[str, str | None, str | None]]
    #: The revision of each catalogue credential it looked up that the catalogue holds.
    revisions: dict[str, int]


@dataclass(frozen=True)
class StoredPassport:
    """A learner's passport as last built, and the digest of the inputs it was built from."""

    learner_id: str
    version: int
    inputs: str
    #: The fingerprint of the matcher it was built with.
    matcher: str
    #: The catalogue credentials it looked up (held or not): their revisions are among its inputs.
    catalogue_ids: tuple[str, ...]
    built_at: datetime
    passport: dict
    #: The JSON the API answers with.
    public: str


@dataclass(frozen=True)
class Consent:
    """A learner's consent to an employer; ``accepted_at`` is when the employer accepted it."""

    learner_id: str
    learner_name: str
    employer_id: str
    employer_name: str
    scope: tuple[Scope, ...]
    granted_at: datetime
    revoked_at: datetime | None = None
    accepted_at: datetime | None = None

    @property
    def standing(self) -> bool:
        return self.revoked_at is None

    @property
    def accepted(self) -> bool:
        return self.standing and self.accepted_at is not None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token. A plain SHA-256 suffices: tokens are 256 random bits, so there
    is nothing to guess that a slow hash would protect."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccountStore:
    """Accounts on the catalogue's engine (whose migrations create these tables too):

    >>> accounts = AccountStore(CatalogueStore.open(url, data_dir).engine)   # doctest: +SKIP
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def _session(self) -> AbstractContextManager[Session]:
        return transaction(self._sessions, "account", conflicts="conflicts with a record written at the same time")

    # -- principals ---------------------------------------------------------------------------

    def create_principal(self, name: str, role: Role, *, institution: str | None = None,
                         identifiers: Iterable[str] = (), token: str | None = None) -> tuple[Principal, str]:
        """A new principal and its token (generated unless given). The token is not stored, only
        its hash: hand it over now, it cannot be shown again. ``identifiers`` are a learner's, as
        :meth:`register_identifiers` takes them."""
        name = _check_name(name)
        institution = _check_institution(role, institution)
        wanted = _check_identifiers(role, identifiers)
        token = _check_token(token) if token is not None else new_token()
        with self._session() as session:
            if session.scalar(select(PrincipalRow.id).where(PrincipalRow.name == name)) is not None:
                raise DuplicateError(f"a principal named {name!r} exists already; names are unique")
            row = PrincipalRow(id=str(uuid.uuid4()), name=name, role=role, institution=institution,
                               token_hash=hash_token(token), created_at=datetime.now(UTC))
            session.add(row)
            _register(session, row, wanted)
            return _principal(row, row.identifiers), token

    def ensure_admin(self, name: str, token: str) -> Principal:
        """The admin ``name`` with ``token`` as its token: created if missing, its token replaced
        if it had another one (so rotating the token is writing a new one where it is read from).
        A deactivated admin stays deactivated: starting the service must not undo an admin's decision."""
        name = _check_name(name)
        token = _check_token(token)
        with self._session() as session:
            row = session.scalar(select(PrincipalRow).where(PrincipalRow.name == name))
            if row is None:
                row = PrincipalRow(id=str(uuid.uuid4()), name=name, role="admin", institution=None,
                                   created_at=datetime.now(UTC))
                session.add(row)
            elif row.role != "admin":
                raise InputError(f"the principal {name!r} exists as {with_article(row.role)}, not an admin; "
                                 "choose another name for the admin")
            elif row.deactivated_at is not None:
                raise AccountStateError(f"the admin {name!r} was deactivated, so its token file no longer gives "
                                        "access; start without it and let another admin make the principals")
            row.token_hash = hash_token(token)
            session.flush()
            return _principal(row, row.identifiers)

    def authenticate(self, token: str) -> Principal | None:
        """The active principal whose token this is, or None."""
        digest = hash_token(token)
        with reading(self.engine, "account") as connection:
            row = connection.execute(_BY_TOKEN, {"digest": digest}).first()
            if row is None or not hmac.compare_digest(row.token_hash, digest) or row.deactivated_at is not None:
                return None
            return _principal(row, _identifiers(connection, row.id))

    def rotate_token(self, principal_id: str) -> tuple[Principal, str] | None:
        """A new token for an active principal, replacing its old one (which stops working at
        once); None when there is no such principal. Hand the token over now, as at creation."""
        token = new_token()
        with self._session() as session:
            row = session.get(PrincipalRow, principal_id)
            if row is None:
                return None
            if row.deactivated_at is not None:
                raise AccountStateError(f"the principal {row.name!r} is deactivated: it gets no new token")
            row.token_hash = hash_token(token)
            session.flush()
            return _principal(row, row.identifiers), token

    def deactivate(self, principal_id: str) -> Principal | None:
        """Take a principal's access away: its token stops working, its records stay (a learner's
        passport and consents, an institution's catalogue). None when there is no such principal;
        deactivating one again changes nothing. The last active admin cannot be deactivated, or
        no one could make or manage principals any more."""
        with self._session() as session:
            row = session.get(PrincipalRow, principal_id)
            if row is None:
                return None
            if row.deactivated_at is None:
                if row.role == "admin":
                    # Locked, so two admins deactivating each other at once cannot both succeed.
                    admins = session.scalars(select(PrincipalRow.id).where(
                        PrincipalRow.role == "admin", PrincipalRow.deactivated_at.is_(None)).with_for_update()).all()
                    if admins == [row.id]:
                        raise AccountStateError(f"{row.name!r} is the last active admin; make another admin "
                                                "before deactivating this one")
                row.deactivated_at = datetime.now(UTC)
                session.flush()
            return _principal(row, row.identifiers)

    def register_identifiers(self, learner_id: str, identifiers: Iterable[str]) -> Principal | None:
        """Replace the identifiers of a learner with ``identifiers``: e-mail addresses (kept in lower
        case) and DIDs or other URLs, which an admin checked are the learner's. A credential issued
        to someone else is then refused from their passport. None when there is no such principal;
        an identifier registered for another learner is a DuplicateError."""
        with self._session() as session:
            row = session.get(PrincipalRow, learner_id)
            if row is None:
                return None
            _register(session, row, _check_identifiers(row.role, identifiers))
            return _principal(row, row.identifiers)

    def identifiers(self, learner_id: str) -> tuple[str, ...]:
        """The identifiers registered for a learner, sorted."""
        with reading(self.engine, "account") as connection:
            return _identifiers(connection, learner_id)

    def principal(self, principal_id: str) -> Principal | None:
        with self._session() as session:
            row = session.get(PrincipalRow, principal_id)
            return None if row is None else _principal(row, row.identifiers)

    def principals(self, *, role: Role | None = None, offset: int = 0,
                   limit: int | None = None) -> tuple[list[Principal], int]:
        """One page of the principals (oldest first) and how many there are in all."""
        with self._session() as session:
            query = select(PrincipalRow)
            counting = select(func.count()).select_from(PrincipalRow)
            if role is not None:
                query = query.where(PrincipalRow.role == role)
                counting = counting.where(PrincipalRow.role == role)
            rows = session.scalars(query.order_by(PrincipalRow.created_at, PrincipalRow.id)
                                   .offset(offset).limit(limit))
            return [_principal(row, row.identifiers) for row in rows], int(session.scalar(counting) or 0)

    # -- held credentials ---------------------------------------------------------------------

    def add_held(self, learner_id: str, *, document: str, title: str, credential_id: str | None = None,
                 links: Sequence[SkillLink] = (), mapped_with: str | None = None,
                 verification: dict | None = None, verified_with: str | None = None) -> HeldDocument:
        """Keep a credential in a learner's passport, with its skills as ``mapped_with`` mapped them
        and its signature check as the trust list ``verified_with`` gave it; the same credential
        (by its id) only once."""
        with self._session() as session:
            _learner(session, learner_id)
            if credential_id is not None and session.scalar(
                    select(HeldCredentialRow.id).where(HeldCredentialRow.learner_id == learner_id,
                                                       HeldCredentialRow.credential_id == credential_id)):
                raise DuplicateError(f"the credential {credential_id} is in the passport already")
            row = HeldCredentialRow(id=str(uuid.uuid4()), learner_id=learner_id, credential_id=credential_id,
                                    document=document, title=title, added_at=datetime.now(UTC),
                                    links=[link_columns(link) for link in links], mapped_with=mapped_with,
                                    verification=verification, verified_with=verified_with)
            session.add(row)
            session.flush()
            return _held(row)

    def remap_held(self, held_id: str, links: Sequence[SkillLink], mapped_with: str) -> None:
        """Replace a held credential's skills with those another matcher mapped (after a change of
        the matcher made the stored ones stale); a credential removed meanwhile is left alone."""
        with self._session() as session:
            row = session.get(HeldCredentialRow, held_id)
            if row is not None:
                row.links, row.mapped_with = [link_columns(link) for link in links], mapped_with

    def keep_verification(self, held_id: str, verification: dict, verified_with: str) -> None:
        """Store a held credential's signature check made against the trust list ``verified_with``."""
        with self._session() as session:
            row = session.get(HeldCredentialRow, held_id)
            if row is not None:
                row.verification, row.verified_with = verification, verified_with

    def held_stamps(self, learner_id: str) -> list[tuple[str, str | None, str | None]]:
        """``(id, mapped_with, verified_with)`` of a learner's credentials in the order they were
        added: what a stored passport checks its held credentials by, without their documents."""
        with reading(self.engine, "account") as connection:
            return _held_stamps(connection, learner_id)

    def held(self, learner_id: str) -> list[HeldDocument]:
        """A learner's credentials, in the order they were added."""
        with self._session() as session:
            rows = session.scalars(select(HeldCredentialRow).where(HeldCredentialRow.learner_id == learner_id)
                                   .order_by(HeldCredentialRow.added_at, HeldCredentialRow.id))
            return [_held(row) for row in rows]

    def remove_held(self, learner_id: str, held_id: str) -> bool:
        """Remove a credential from a learner's passport; False when that learner holds no such one."""
        with self._session() as session:
            row = session.get(HeldCredentialRow, held_id)
            if row is None or row.learner_id != learner_id:
                return False
            session.delete(row)
            return True

    # -- stored passports ---------------------------------------------------------------------

    def passport_stamp(self, learner_id: str) -> PassportStamp | None:
        """What a learner's stored passport is checked by, read on one connection (one round of
        the pool rather than four): None where none is stored."""
        with reading(self.engine, "account") as connection:
            row = connection.execute(_STAMP, {"learner": learner_id}).first()
            if row is None:
                return None
            return PassportStamp(row.inputs, row.matcher, _identifiers(connection, learner_id),
                                 _held_stamps(connection, learner_id), revisions_in(connection, row.catalogue_ids))

    def stored_passport(self, learner_id: str) -> StoredPassport | None:
        with self._session() as session:
            row = session.get(PassportRow, learner_id)
            return _stored(row) if row is not None else None

    def store_passport(self, learner_id: str, *, inputs: str, matcher: str, catalogue_ids: Sequence[str],
                       passport: dict, public: str) -> StoredPassport:
        """Keep a learner's newly built passport in place of the last one, one version on."""
        try:
            return self._store_passport(learner_id, inputs, matcher, catalogue_ids, passport, public)
        except DuplicateError:
            # Another worker stored this learner's first passport at the same moment (each builds
            # on its first read): now there is a row to write over.
            return self._store_passport(learner_id, inputs, matcher, catalogue_ids, passport, public)

    def _store_passport(self, learner_id: str, inputs: str, matcher: str, catalogue_ids: Sequence[str],
                        passport: dict, public: str) -> StoredPassport:
        with self._session() as session:
            row = session.get(PassportRow, learner_id, with_for_update=True)
            if row is None:
                _learner(session, learner_id)
                row = PassportRow(learner_id=learner_id, version=0)
                session.add(row)
            row.version += 1
            row.inputs, row.matcher, row.catalogue_ids = inputs, matcher, list(catalogue_ids)
            row.passport, row.public = passport, public
            row.built_at = datetime.now(UTC)
            session.flush()
            return _stored(row)

    # -- consents -----------------------------------------------------------------------------

    def grant_consent(self, learner_id: str, employer_id: str, scope: Iterable[str]) -> Consent:
        """Let ``employer_id`` see ``scope`` of the learner's passport, replacing an earlier consent
        (standing or revoked) to the same employer. A standing consent the employer accepted stays
        accepted when its scope changes; a new one, or one granted again after it was revoked,
        waits for the employer's acceptance."""
        wanted = _check_scope(scope)
        with self._session() as session:
            learner = _learner(session, learner_id)
            employer = session.get(PrincipalRow, employer_id)
            if employer is None or employer.role != "employer" or employer.deactivated_at is not None:
                raise InputError(f"no employer {employer_id!r}: consent is given to active employers only")
            row = session.get(ConsentRow, (learner_id, employer_id))
            if row is None:
                row = ConsentRow(learner_id=learner_id, employer_id=employer_id, learner=learner, employer=employer)
                session.add(row)
            elif row.revoked_at is not None:
                row.accepted_at = None
            row.scope, row.granted_at, row.revoked_at = list(wanted), datetime.now(UTC), None
            session.flush()
            return _consent(row)

    def revoke_consent(self, learner_id: str, employer_id: str) -> Consent | None:
        """Withdraw a standing consent; None when there is none to withdraw."""
        with self._session() as session:
            row = session.get(ConsentRow, (learner_id, employer_id))
            if row is None or row.revoked_at is not None:
                return None
            row.revoked_at = datetime.now(UTC)
            session.flush()
            return _consent(row)

    def accept_consent(self, employer_id: str, learner_id: str) -> Consent | None:
        """The employer accepts a learner's standing consent, which puts the learner among its
        candidates; accepting it again keeps the first acceptance. None when there is no standing
        consent of an active learner to accept."""
        with self._session() as session:
            row = _standing(session, learner_id, employer_id)
            if row is None:
                return None
            if row.accepted_at is None:
                row.accepted_at = datetime.now(UTC)
                session.flush()
            return _consent(row)

    def decline_consent(self, employer_id: str, learner_id: str) -> Consent | None:
        """The employer declines a learner's standing consent, accepted or not: it is revoked, as
        if the learner had withdrawn it, and the learner sees it so. None when there is no standing
        consent of an active learner to decline."""
        with self._session() as session:
            row = _standing(session, learner_id, employer_id)
            if row is None:
                return None
            row.revoked_at = datetime.now(UTC)
            session.flush()
            return _consent(row)

    def consent(self, learner_id: str, employer_id: str) -> Consent | None:
        """The standing consent of an active learner to an employer, or None."""
        with self._session() as session:
            row = _standing(session, learner_id, employer_id)
            return None if row is None else _consent(row)

    def consents(self, learner_id: str) -> list[Consent]:
        """Every consent a learner gave, standing or revoked, newest first."""
        with self._session() as session:
            rows = session.scalars(select(ConsentRow).where(ConsentRow.learner_id == learner_id)
                                   .order_by(ConsentRow.granted_at.desc(), ConsentRow.employer_id))
            return [_consent(row) for row in rows]

    def consents_to(self, employer_id: str, *, accepted: bool | None = None) -> list[Consent]:
        """The standing consents of active learners to an employer, oldest first: all of them, or
        only the ones it accepted (``accepted=True``) or has yet to (``accepted=False``)."""
        with self._session() as session:
            query = (select(ConsentRow).join(ConsentRow.learner)
                     .where(ConsentRow.employer_id == employer_id, ConsentRow.revoked_at.is_(None),
                            PrincipalRow.deactivated_at.is_(None)))
            if accepted is not None:
                query = query.where(ConsentRow.accepted_at.is_not(None) if accepted
                                    else ConsentRow.accepted_at.is_(None))
            rows = session.scalars(query.order_by(ConsentRow.granted_at, ConsentRow.learner_id))
            return [_consent(row) for row in rows]


def _check_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name or len(name) > 200:
        raise InputError("a principal's name is 1 to 200 characters")
    return name


def _check_institution(role: str, institution: str | None) -> str | None:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
    institution = " ".join(institution.split()) if institution else None
    if role == "institution" and not institution:
        raise InputError("an institution principal needs its institution: the issuer name its credentials carry")
    if role != "institution" and institution:
        raise InputError(f"only institution principals own an institution, not {with_article(role)}")
    return institution


def _check_token(token: str) -> str:
    token = token.strip()
    if len(token) < MIN_TOKEN_CHARS:
        raise InputError(f"an API token needs at least {MIN_TOKEN_CHARS} characters "
                         "(python -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)")
    return token


def _check_identifiers(role: str, identifiers: Iterable[str]) -> tuple[str, ...]:
    """The identifiers trimmed, e-mail addresses in lower case (as issuers hash them), sorted and
    without repeats."""
    given = [str(identifier).strip() for identifier in identifiers]
    if given and role != "learner":
        raise InputError(f"only learners have identifiers (credentials are issued to them), not {with_article(role)}")
    checked = set()
    for identifier in given:
        if not identifier or len(identifier) > MAX_IDENTIFIER_CHARS:
            raise InputError(f"an identifier is 1 to {MAX_IDENTIFIER_CHARS} characters")
        if _EMAIL.fullmatch(identifier):
            identifier = identifier.lower()
        elif not _URI.fullmatch(identifier):
            raise InputError(f"{identifier!r} is not an identifier: register an e-mail address "
                             "(name@example.com), a DID (did:example:123) or another URL")
        checked.add(identifier)
    if len(checked) > MAX_IDENTIFIERS:
        raise InputError(f"a learner has at most {MAX_IDENTIFIERS} identifiers")
    return tuple(sorted(checked))


def _register(session: Session, row: PrincipalRow, identifiers: tuple[str, ...]) -> None:
    """Make ``identifiers`` the principal's, refusing one another learner has."""
    taken = session.scalars(select(HolderIdentifierRow).where(HolderIdentifierRow.identifier.in_(identifiers),
                                                              HolderIdentifierRow.learner_id != row.id)).first()
    if taken is not None:
        raise DuplicateError(f"the identifier {taken.identifier!r} is registered for another learner; "
                             "an identifier belongs to one learner")
    kept = {i.identifier: i for i in row.identifiers}
    row.identifiers = [kept.get(i) or HolderIdentifierRow(identifier=i) for i in identifiers]
    session.flush()


def _check_scope(scope: Iterable[str]) -> tuple[Scope, ...]:
    wanted = set(scope)
    unknown = wanted - set(SCOPES)
    if unknown:
        raise InputError(f"unknown consent scope {', '.join(sorted(map(repr, unknown)))}; "
                         f"the scopes are {', '.join(SCOPES)}")
    if not wanted:
        raise InputError("a consent needs a scope: one or more of " + ", ".join(SCOPES))
    if "evidence" in wanted and "skills" not in wanted:
        raise InputError("'evidence' is the evidence for skills: a scope with 'evidence' needs 'skills' too")
    return tuple(s for s in SCOPES if s in wanted)


def _learner(session: Session, learner_id: str) -> PrincipalRow:
    row = session.get(PrincipalRow, learner_id)
    if row is None or row.role != "learner":
        raise InputError(f"no learner {learner_id!r}")
    return row


def _standing(session: Session, learner_id: str, employer_id: str) -> ConsentRow | None:
    """The standing consent of a learner to an employer, unless the learner was deactivated: a
    deactivated learner's consents no longer count."""
    row = session.get(ConsentRow, (learner_id, employer_id))
    if row is None or row.revoked_at is not None or row.learner.deactivated_at is not None:
        return None
    return row


def _principal(row: PrincipalRow | Row, identifiers: Iterable[str | HolderIdentifierRow]) -> Principal:
    """A principal of its row and identifiers (the rows' own, or the strings a plain read gave)."""
    return Principal(id=row.id, name=row.name, role=row.role, institution=row.institution,  # type: ignore[arg-type]
                     created_at=_utc(row.created_at),
                     deactivated_at=_utc(row.deactivated_at) if row.deactivated_at else None,
                     identifiers=tuple(i if isinstance(i, str) else i.identifier for i in identifiers))


#: The reads of every request, prebuilt (see :func:`~skillmatch.store.transaction.reading`).
_BY_TOKEN = select(PrincipalRow.__table__).where(PrincipalRow.token_hash == bindparam("digest"))
_STAMP = select(PassportRow.inputs, PassportRow.matcher, PassportRow.catalogue_ids).where(
    PassportRow.learner_id == bindparam("learner"))
_IDENTIFIERS = select(HolderIdentifierRow.identifier).where(
    HolderIdentifierRow.learner_id == bindparam("learner")).order_by(HolderIdentifierRow.identifier)
_HELD_STAMPS = select(HeldCredentialRow.id, HeldCredentialRow.mapped_with, HeldCredentialRow.verified_with).where(
    HeldCredentialRow.learner_id == bindparam("learner")).order_by(HeldCredentialRow.added_at, HeldCredentialRow.id)


def _identifiers(connection: Connection, learner_id: str) -> tuple[str, ...]:
    return tuple(connection.execute(_IDENTIFIERS, {"learner": learner_id}).scalars())


def _held_stamps(connection: Connection, learner_id: str) -> list[tuple[str, str | None, str | None]]:
    return [tuple(row) for row in connection.execute(_HELD_STAMPS, {"learner": learner_id})]  # type: ignore[misc]


def _held(row: HeldCredentialRow) -> HeldDocument:
    return HeldDocument(id=row.id, learner_id=row.learner_id, credential_id=row.credential_id,
                        document=row.document, title=row.title, added_at=_utc(row.added_at),
                        links=tuple(link_from_columns(columns) for columns in row.links or ()),
                        mapped_with=row.mapped_with, verification=row.verification,
                        verified_with=row.verified_with)


def _stored(row: PassportRow) -> StoredPassport:
    return StoredPassport(learner_id=row.learner_id, version=row.version, inputs=row.inputs, matcher=row.matcher,
                          catalogue_ids=tuple(row.catalogue_ids), built_at=_utc(row.built_at),
                          passport=row.passport, public=row.public)


def _consent(row: ConsentRow) -> Consent:
    return Consent(learner_id=row.learner_id, learner_name=row.learner.name, employer_id=row.employer_id,
                   employer_name=row.employer.name, scope=tuple(row.scope),
                   granted_at=_utc(row.granted_at), revoked_at=_utc(row.revoked_at) if row.revoked_at else None,
                   accepted_at=_utc(row.accepted_at) if row.accepted_at else None)
