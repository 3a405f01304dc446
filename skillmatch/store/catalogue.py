"""The catalogue store: an institution's credentials, their ESCO skill links and its reviews, in
SQLite (the default, a file in the data directory) or PostgreSQL, through one SQLAlchemy code path.

The store deals in plain records; parsing credentials and matching skills happen elsewhere
(``skillmatch.catalogue``). Every write is one transaction: a failed import or re-mapping leaves
the stored data as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, Engine, bindparam, create_engine, delete, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from skillmatch.domain import Decision, Review, SkillLink
from skillmatch.errors import ConfigurationError, InputError, StoreError
from skillmatch.store.tables import AwardRow, CredentialRow, ReviewRow, SkillLinkRow
from skillmatch.store.transaction import reading, transaction

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class CredentialRecord:
    """A stored credential: its source document and what describes it in listings."""

    id: str
    format: str
    title: str
    document: dict
    content_hash: str
    issuer_id: str | None = None
    issuer_name: str | None = None
    country: str | None = None
    eqf_level: int | None = None
    ects: float | None = None
    language: str | None = None
    source: str | None = None
    mapped_with: str | None = None
    links: tuple[SkillLink, ...] = ()
    reviews: dict[str, Review] = field(default_factory=dict)


def database_url(url: str | None, data_dir: Path) -> str:
    """The URL to use: ``url`` as given (``postgresql://`` means the psycopg 3 driver), else a
    SQLite file in ``data_dir``."""
    if not url:
        return f"sqlite:///{Path(data_dir) / 'catalogue.sqlite'}"
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"not a database URL: {url!r} (expected e.g. postgresql://user@host/db)") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


#: How long an SQLite writer waits for another process's write to end.
SQLITE_BUSY_S = 60.0


class CatalogueStore:
    """Open with :meth:`open`; the schema is migrated to the newest version on opening.

    >>> store = CatalogueStore.open(None, data_dir)          # doctest: +SKIP
    >>> [record.title for record in store.credentials()]      # doctest: +SKIP
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None, data_dir: Path) -> CatalogueStore:
        resolved = database_url(url, data_dir)
        if resolved.startswith("sqlite:///"):
            Path(resolved.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            # Several processes (API workers, a re-mapping) write to one SQLite file: a writer waits
            # for the one before it rather than failing with "database is locked".
            engine = create_engine(resolved, connect_args={"timeout": SQLITE_BUSY_S} if resolved.startswith("sqlite")
                                   else {})
        except (ArgumentError, NoSuchModuleError) as exc:
            raise ConfigurationError(f"cannot use the database {make_url(resolved)!r}: {exc}") from exc
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        store.migrate()
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is there already)."""
        if self._at_head():
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the catalogue database {self.engine.url!r}: {exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}") from exc

    def _at_head(self) -> bool:
        """Whether the schema is at the newest migration, asked without alembic, whose import
        costs every start of the service 0.1-0.2 s. Revision ids are the files' number prefixes."""
        head = max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))
        try:
            with self.engine.connect() as connection:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        except SQLAlchemyError:
            return False

    def close(self) -> None:
        self.engine.dispose()

    def tables(self) -> set[str]:
        return set(inspect(self.engine).get_table_names())

    def _session(self) -> AbstractContextManager[Session]:
        return transaction(self._sessions, "catalogue")

    # -- credentials --------------------------------------------------------------------------

    def upsert(self, record: CredentialRecord) -> Literal["added", "updated", "unchanged"]:
        """Store a credential's document. A changed document has its issuer links replaced by
        ``record.links`` and its ``mapped_with`` cleared, so that it is re-mapped; reviews stay."""
        now = datetime.now(UTC)
        with self._session() as session:
            row = session.get(CredentialRow, record.id)
            if row is not None and row.content_hash == record.content_hash:
                return "unchanged"
            outcome: Literal["added", "updated"] = "updated" if row is not None else "added"
            if row is None:
                row = CredentialRow(id=record.id, imported_at=now)
                session.add(row)
            for name in ("format", "title", "issuer_id", "issuer_name", "country", "eqf_level", "ects", "language",
                         "document", "content_hash", "source"):
                setattr(row, name, getattr(record, name))
            row.mapped_with = None
            row.updated_at = now
            row.revision = (row.revision or 0) + 1
            session.flush()
            # The inferred links stay until the re-mapping replaces them.
            session.execute(delete(SkillLinkRow).where(SkillLinkRow.credential_id == record.id,
                                                       SkillLinkRow.origin == "issuer"))
            session.add_all(SkillLinkRow(credential_id=record.id, **link_columns(link))
                            for link in record.links if link.origin == "issuer")
            return outcome

    def credentials(self, ids: Sequence[str] | None = None) -> list[CredentialRecord]:
        with self._session() as session:
            query = select(CredentialRow).options(selectinload(CredentialRow.links),
                                                  selectinload(CredentialRow.reviews)).order_by(CredentialRow.id)
            if ids is not None:
                query = query.where(CredentialRow.id.in_(list(ids)))
            return [_record(row) for row in session.scalars(query)]

    def get(self, credential_id: str) -> CredentialRecord:
        found = self.credentials([credential_id])
        if not found:
            raise InputError(f"no credential {credential_id!r} in the catalogue")
        return found[0]

    def revisions(self, ids: Iterable[str]) -> dict[str, int]:
        """How often each of the credentials ``ids`` the catalogue holds has changed (see
        :attr:`~skillmatch.store.tables.CredentialRow.revision`); ids it lacks are left out."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with reading(self.engine, "catalogue") as connection:
            return revisions_in(connection, wanted)

    def stale(self, fingerprint: str, *, every: bool = False) -> list[str]:
        """Ids of the credentials whose inferred links were not made by the matcher ``fingerprint``
        (with ``every``, of all: what a forced re-mapping maps)."""
        with self._session() as session:
            query = select(CredentialRow.id)
            if not every:
                query = query.where((CredentialRow.mapped_with.is_(None)) | (CredentialRow.mapped_with != fingerprint))
            return list(session.scalars(query.order_by(CredentialRow.id)))

    def replace_inferred(self, credential_id: str, links: Sequence[SkillLink], fingerprint: str) -> None:
        """Swap a credential's inferred links for ``links`` (issuer links and reviews stay). Links
        the same as before only record ``fingerprint``: the credential keeps its revision, so the
        passports that hold it stand as built (a re-mapping that changes nothing rebuilds none)."""
        inferred = [link for link in links if link.origin == "inferred"]
        with self._session() as session:
            row = session.get(CredentialRow, credential_id)
            if row is None:
                raise InputError(f"no credential {credential_id!r} in the catalogue")
            row.mapped_with = fingerprint
            if _same_links([_link(link) for link in row.links if link.origin == "inferred"], inferred):
                return
            session.execute(delete(SkillLinkRow).where(SkillLinkRow.credential_id == credential_id,
                                                       SkillLinkRow.origin == "inferred"))
            session.add_all(SkillLinkRow(credential_id=credential_id, **link_columns(link)) for link in inferred)
            row.revision += 1

    # -- reviews ------------------------------------------------------------------------------

    def review(self, credential_id: str, skill_uri: str, decision: Decision, *, reviewer: str | None = None,
               note: str | None = None) -> Review:
        if decision not in ("confirmed", "rejected"):
            raise InputError(f"a review decision is 'confirmed' or 'rejected', not {decision!r}")
        with self._session() as session:
            _catalogued(session, credential_id).revision += 1
            row = session.get(ReviewRow, (credential_id, skill_uri))
            if row is None:
                row = ReviewRow(credential_id=credential_id, skill_uri=skill_uri)
                session.add(row)
            row.decision, row.reviewer, row.note = decision, reviewer, note
            row.decided_at = datetime.now(UTC)
            return Review(skill_uri, decision, row.decided_at, reviewer, note)


    def confirm_award(self, credential_id: str, award_id: str, recipient: str, *,
                      confirmed_by: str | None = None) -> datetime:
        """Record that the institution awarded catalogue credential ``credential_id`` as
        ``award_id`` (the id the award itself states) to ``recipient`` (an e-mail address or DID);
        confirming it again keeps the first time and recipient."""
        award_id, recipient = award_id.strip(), recipient.strip()
        for what, value in (("an award id (the id the award states)", award_id),
                            ("a recipient (the learner's e-mail address or DID)", recipient)):
            if not value or len(value) > 512:
                raise InputError(f"{what} is 1 to 512 characters")
        with self._session() as session:
            credential = _catalogued(session, credential_id)
            row = session.get(AwardRow, (credential_id, award_id))
            if row is None:
                credential.revision += 1
                row = AwardRow(credential_id=credential_id, award_id=award_id, recipient=recipient,
                               confirmed_by=confirmed_by, confirmed_at=datetime.now(UTC))
                session.add(row)
            return _utc(row.confirmed_at)

    def confirmed_awards(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Of the (catalogue credential id, award id) pairs, those its institution confirmed, each
        with the recipient it confirmed."""
        wanted = set(pairs)
        if not wanted:
            return {}
        with self._session() as session:
            rows = session.execute(select(AwardRow.credential_id, AwardRow.award_id, AwardRow.recipient).where(
                AwardRow.credential_id.in_({credential for credential, _award in wanted})))
            return {(credential, award): recipient for credential, award, recipient in rows
                    if (credential, award) in wanted}


def _catalogued(session: Session, credential_id: str) -> CredentialRow:
    row = session.get(CredentialRow, credential_id)
    if row is None:
        raise InputError(f"no credential {credential_id!r} in the catalogue")
    return row


#: Prebuilt, so that the stored passport's check on every read skips building and caching it.
_REVISIONS = select(CredentialRow.id, CredentialRow.revision).where(
    CredentialRow.id.in_(bindparam("ids", expanding=True)))


def revisions_in(connection: Connection, ids: Sequence[str]) -> dict[str, int]:
    """:meth:`CatalogueStore.revisions` of ``ids`` on an open connection (a stored passport's
    check reads them beside its other reads)."""
    if not ids:
        return {}
    return {credential_id: revision for credential_id, revision in connection.execute(_REVISIONS, {"ids": list(ids)})}


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    # Foreign keys for the cascades; WAL so readers never block the single writer.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


_LINK_COLUMNS = ("skill_uri", "label", "origin", "confidence", "score", "status", "outcome", "matched",
                 "matched_lang", "form", "reading")


def link_columns(link: SkillLink) -> dict:
    """A skill link as the columns (or JSON object) it is stored as."""
    return {**{name: getattr(link, name) for name in _LINK_COLUMNS}, "alternatives": list(link.alternatives)}


def link_from_columns(columns: dict) -> SkillLink:
    return SkillLink(**{name: columns.get(name) for name in _LINK_COLUMNS},
                     alternatives=tuple(columns.get("alternatives") or ()))


#: Scores closer than this are the same score: the threads the matcher's products run on, and the
#: batch a credential was mapped in, move them in the seventh decimal.
SCORE_TOLERANCE = 1e-6


def _same_links(old: Sequence[SkillLink], new: Sequence[SkillLink]) -> bool:
    """Whether two link lists say the same, in the same order, up to :data:`SCORE_TOLERANCE`."""
    def close(a: float | None, b: float | None) -> bool:
        return a == b or (a is not None and b is not None and abs(a - b) <= SCORE_TOLERANCE)

    return len(old) == len(new) and all(
        replace(a, confidence=None, score=None) == replace(b, confidence=None, score=None)
        and close(a.confidence, b.confidence) and close(a.score, b.score) for a, b in zip(old, new, strict=True))


def _link(row: SkillLinkRow) -> SkillLink:
    return link_from_columns({name: getattr(row, name) for name in (*_LINK_COLUMNS, "alternatives")})


def _record(row: CredentialRow) -> CredentialRecord:
    return CredentialRecord(
        id=row.id, format=row.format, title=row.title, document=row.document, content_hash=row.content_hash,
        issuer_id=row.issuer_id, issuer_name=row.issuer_name, country=row.country, eqf_level=row.eqf_level,
        ects=row.ects, language=row.language, source=row.source, mapped_with=row.mapped_with,
        links=tuple(_link(link) for link in row.links),
        reviews={r.skill_uri: Review(r.skill_uri, r.decision, _utc(r.decided_at), r.reviewer, r.note)  # type: ignore[arg-type]
                 for r in row.reviews},
    )


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
