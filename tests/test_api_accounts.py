"""The API's account store (principals, hashed tokens, held credentials, consents) on SQLite and on
PostgreSQL, through the ``store`` fixture (tests/conftest.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, select, text

from skillmatch.domain import SkillLink
from skillmatch.errors import DuplicateError, InputError
from skillmatch.store import CatalogueStore, database_url
from skillmatch.store.accounts import AccountStore, hash_token
from skillmatch.store.catalogue import MIGRATIONS


@pytest.fixture
def accounts(store: CatalogueStore) -> AccountStore:
    return AccountStore(store.engine)


def database_text(store: CatalogueStore) -> str:
    """Every value of every table, as one text to search."""
    found = []
    with store.engine.connect() as connection:
        for table in inspect(store.engine).get_table_names():
            found.extend(str(row) for row in connection.execute(text(f'SELECT * FROM "{table}"')))
    return "\n".join(found)


def test_migration_adds_the_account_tables(store: CatalogueStore) -> None:
    assert {"principal", "held_credential", "consent"} <= store.tables()
    with store.engine.connect() as connection:
        # The accounts came with 0002; later migrations build on it.
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) >= "0002"


def stored_at(revision: str, store_url: str | None, tmp_path: Path, *rows: str) -> Config:
    """A database migrated to ``revision`` with ``rows`` (SQL inserts) in it; the Alembic config to
    migrate it further with."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(database_url(store_url, tmp_path))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        for row in rows:
            connection.execute(text(row))
    engine.dispose()
    return config


def principal_row(id_: str, name: str, token: str, role: str = "learner") -> str:
    return ("INSERT INTO principal (id, name, role, token_hash, created_at) "
            f"VALUES ('{id_}', '{name}', '{role}', '{hash_token(token)}', '2026-01-01')")


HELD_ROW = ("INSERT INTO held_credential (id, learner_id, document, title, added_at) "
            "VALUES ('h1', 'p1', '{}', 'Wondzorg', '2026-01-01')")


def test_upgrading_keeps_the_principals_active_and_downgrading_keeps_their_records(store_url: str | None,
                                                                                   tmp_path: Path) -> None:
    """0004 adds the principals' deactivation: those made before it stay active, with their token;
    going back to 0003 drops the column in place, so no held credential cascades away with it."""
    config = stored_at("0003", store_url, tmp_path, principal_row("p1", "Daan", "t" * 43), HELD_ROW)
    store = CatalogueStore.open(store_url, tmp_path)
    try:
        accounts = AccountStore(store.engine)
        daan = accounts.authenticate("t" * 43)
        assert daan is not None and daan.name == "Daan" and daan.deactivated_at is None
        accounts.deactivate("p1")
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
            # Read as the 0003 schema has it (the code's tables are those of the newest migration).
            assert connection.execute(text("SELECT title FROM held_credential")).all() == [("Wondzorg",)]
    finally:
        store.close()


def test_upgrading_leaves_consents_unaccepted_and_downgrading_keeps_them(store_url: str | None,
                                                                         tmp_path: Path) -> None:
    """0005 adds the employers' acceptance of consents and the learners' identifiers: a consent
    given before it waits for the employer; going back to 0004 drops both in place, so the
    consents and held credentials stay."""
    config = stored_at("0004", store_url, tmp_path, principal_row("p1", "Daan", "p1" * 22),
                       principal_row("p2", "Acme", "p2" * 22, role="employer"), HELD_ROW,
                       """INSERT INTO consent (learner_id, employer_id, scope, granted_at)
                          VALUES ('p1', 'p2', '["skills"]', '2026-01-01')""")
    store = CatalogueStore.open(store_url, tmp_path)
    try:
        accounts = AccountStore(store.engine)
        [consent] = accounts.consents_to("p2")
        assert consent.scope == ("skills",) and consent.standing and not consent.accepted
        assert accounts.consents_to("p2", accepted=True) == [] and accounts.identifiers("p1") == ()
        accounts.accept_consent("p2", "p1")
        accounts.register_identifiers("p1", ["daan@example.com"])
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
            assert connection.execute(text("SELECT learner_id, employer_id FROM consent")).all() == [("p1", "p2")]
            assert connection.execute(text("SELECT title FROM held_credential")).all() == [("Wondzorg",)]
        assert "holder_identifier" not in inspect(store.engine).get_table_names()
    finally:
        store.close()


def test_upgrading_leaves_held_credentials_unmapped_and_downgrading_keeps_them(store_url: str | None,
                                                                              tmp_path: Path) -> None:
    """0006 stores a held credential's skills with it: one held before has none (the first read of
    the passport maps it); going back to 0005 drops them in place and keeps the credential."""
    config = stored_at("0005", store_url, tmp_path, principal_row("p1", "Daan", "p1" * 22), HELD_ROW)
    store = CatalogueStore.open(store_url, tmp_path)
    try:
        accounts = AccountStore(store.engine)
        [held] = accounts.held("p1")
        assert held.mapped_with is None and held.links == ()
        link = SkillLink("http://data.europa.eu/esco/skill/x", "treat wounds", "inferred", confidence=0.7,
                         status="linked", outcome="Wonden verzorgen", alternatives=("http://data.europa.eu/esco/skill/y",))
        accounts.remap_held("h1", [link], "fingerprint")
        [held] = accounts.held("p1")
        assert held.links == (link,) and held.mapped_with == "fingerprint"
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
            assert connection.execute(text("SELECT title FROM held_credential")).all() == [("Wondzorg",)]
    finally:
        store.close()


def test_upgrading_adds_award_confirmations_and_downgrading_keeps_the_rest(store_url: str | None,
                                                                           tmp_path: Path) -> None:
    """0007 adds the institutions' confirmations of awards; going back to 0006 drops them alone."""
    config = stored_at("0006", store_url, tmp_path, principal_row("p1", "Daan", "p1" * 22), HELD_ROW)
    store = CatalogueStore.open(store_url, tmp_path)
    try:
        assert "award" in inspect(store.engine).get_table_names()
        assert store.confirmed_awards([("urn:badge", "urn:award")]) == {}
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
            assert connection.execute(text("SELECT title FROM held_credential")).all() == [("Wondzorg",)]
        assert "award" not in inspect(store.engine).get_table_names()
    finally:
        store.close()


def test_tokens_are_stored_only_as_their_hash(store: CatalogueStore, accounts: AccountStore) -> None:
    learner, token = accounts.create_principal("Daan Verhoeven", "learner")
    assert len(token) >= 43 and accounts.authenticate(token) == learner
    assert accounts.authenticate(token + "x") is None and accounts.authenticate("") is None
    stored = database_text(store)
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_principals_have_unique_names_and_a_known_role(accounts: AccountStore) -> None:
    institution, _ = accounts.create_principal("  Hogeschool   Deltastad ", "institution",
                                               institution="Hogeschool Deltastad")
    assert institution.name == "Hogeschool Deltastad" and institution.institution == "Hogeschool Deltastad"
    with pytest.raises(DuplicateError, match="exists already"):
        accounts.create_principal("Hogeschool Deltastad", "employer")
    with pytest.raises(InputError, match="unknown role 'teacher'"):
        accounts.create_principal("Anna", "teacher")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="needs its institution"):
        accounts.create_principal("ROC", "institution")
    with pytest.raises(InputError, match="only institution principals"):
        accounts.create_principal("Acme", "employer", institution="ROC Lek en Linge")
    with pytest.raises(InputError, match="1 to 200"):
        accounts.create_principal("   ", "learner")
    page, count = accounts.principals(role="institution")
    assert count == 1 and page == [institution]


def test_the_bootstrap_admin_is_created_once_and_its_token_replaced(accounts: AccountStore) -> None:
    first, second = "a" * 43, "b" * 43
    admin = accounts.ensure_admin("admin", first)
    assert admin.role == "admin" and accounts.authenticate(first) == admin
    again = accounts.ensure_admin("admin", second)
    assert again.id == admin.id and accounts.authenticate(first) is None and accounts.authenticate(second) == again
    with pytest.raises(InputError, match="at least 32 characters"):
        accounts.ensure_admin("admin", "short")
    accounts.create_principal("Acme", "employer")
    with pytest.raises(InputError, match="exists as an employer"):
        accounts.ensure_admin("Acme", first)


def test_held_credentials_belong_to_their_learner(accounts: AccountStore) -> None:
    daan, _ = accounts.create_principal("Daan", "learner")
    eva, _ = accounts.create_principal("Eva", "learner")
    employer, _ = accounts.create_principal("Acme", "employer")
    held = accounts.add_held(daan.id, document='{"type": "Assertion"}', title="Data Visualisation",
                             credential_id="https://edu.example/assertions/1")
    assert accounts.held(daan.id) == [held] and accounts.held(eva.id) == []
    with pytest.raises(DuplicateError, match="in the passport already"):
        accounts.add_held(daan.id, document="{}", title="again", credential_id="https://edu.example/assertions/1")
    # Another learner may hold a credential with the same id (a copy is theirs to explain).
    accounts.add_held(eva.id, document="{}", title="copy", credential_id="https://edu.example/assertions/1")
    with pytest.raises(InputError, match="no learner"):
        accounts.add_held(employer.id, document="{}", title="x")
    assert not accounts.remove_held(eva.id, held.id) and accounts.held(daan.id) == [held]
    assert accounts.remove_held(daan.id, held.id) and accounts.held(daan.id) == []


def test_consents_are_granted_replaced_and_revoked(accounts: AccountStore) -> None:
    daan, _ = accounts.create_principal("Daan", "learner")
    acme, _ = accounts.create_principal("Acme", "employer")
    other, _ = accounts.create_principal("Other", "employer")
    consent = accounts.grant_consent(daan.id, acme.id, ["evidence", "skills"])
    assert consent.scope == ("skills", "evidence") and consent.standing
    assert (consent.learner_name, consent.employer_name) == ("Daan", "Acme")
    assert accounts.consent(daan.id, acme.id) == consent and accounts.consent(daan.id, other.id) is None
    assert accounts.consents_to(acme.id) == [consent] and accounts.consents_to(other.id) == []
    revoked = accounts.revoke_consent(daan.id, acme.id)
    assert revoked is not None and not revoked.standing
    assert accounts.consent(daan.id, acme.id) is None and accounts.consents_to(acme.id) == []
    assert accounts.revoke_consent(daan.id, acme.id) is None
    assert [c.revoked_at for c in accounts.consents(daan.id)] == [revoked.revoked_at]
    again = accounts.grant_consent(daan.id, acme.id, ["credentials"])
    assert again.standing and again.scope == ("credentials",) and len(accounts.consents(daan.id)) == 1

    for scope, problem in (([], "needs a scope"), (["skills", "grades"], "unknown consent scope 'grades'"),
                           (["evidence"], "needs 'skills' too")):
        with pytest.raises(InputError, match=problem):
            accounts.grant_consent(daan.id, other.id, scope)
    with pytest.raises(InputError, match="employers only"):
        accounts.grant_consent(daan.id, daan.id, ["skills"])
    with pytest.raises(InputError, match="no learner"):
        accounts.grant_consent(acme.id, other.id, ["skills"])


def test_a_consent_counts_once_its_employer_accepted_it(accounts: AccountStore) -> None:
    daan, _ = accounts.create_principal("Daan", "learner")
    acme, _ = accounts.create_principal("Acme", "employer")
    assert not accounts.grant_consent(daan.id, acme.id, ["skills"]).accepted
    assert accounts.consents_to(acme.id, accepted=True) == []
    assert len(accounts.consents_to(acme.id, accepted=False)) == 1
    accepted = accounts.accept_consent(acme.id, daan.id)
    assert accepted is not None and accepted.accepted and accepted.accepted_at is not None
    assert accounts.accept_consent(acme.id, daan.id) == accepted  # the first acceptance stays
    # A new scope keeps the acceptance; granted again after a revocation, it waits again.
    assert accounts.grant_consent(daan.id, acme.id, ["skills", "evidence"]).accepted_at == accepted.accepted_at
    accounts.revoke_consent(daan.id, acme.id)
    assert accounts.accept_consent(acme.id, daan.id) is None
    assert not accounts.grant_consent(daan.id, acme.id, ["skills"]).accepted
    # Declining revokes it; a deactivated learner's consents no longer count.
    declined = accounts.decline_consent(acme.id, daan.id)
    assert declined is not None and not declined.standing and accounts.consent(daan.id, acme.id) is None
    assert accounts.decline_consent(acme.id, daan.id) is None
    accounts.grant_consent(daan.id, acme.id, ["skills"])
    accounts.accept_consent(acme.id, daan.id)
    accounts.deactivate(daan.id)
    assert accounts.consent(daan.id, acme.id) is None and accounts.consents_to(acme.id) == []
    assert accounts.accept_consent(acme.id, daan.id) is None and accounts.decline_consent(acme.id, daan.id) is None


def test_no_consent_goes_to_a_deactivated_employer(accounts: AccountStore) -> None:
    daan, _ = accounts.create_principal("Daan", "learner")
    acme, _ = accounts.create_principal("Acme", "employer")
    accounts.deactivate(acme.id)
    with pytest.raises(InputError, match="active employers only"):
        accounts.grant_consent(daan.id, acme.id, ["skills"])


def test_accounts_go_with_their_principal(store: CatalogueStore, accounts: AccountStore) -> None:
    from skillmatch.store.tables import PrincipalRow

    daan, _ = accounts.create_principal("Daan", "learner")
    acme, _ = accounts.create_principal("Acme", "employer")
    accounts.add_held(daan.id, document="{}", title="x")
    accounts.grant_consent(daan.id, acme.id, ["skills"])
    accounts.register_identifiers(daan.id, ["daan@example.com"])
    with store.engine.begin() as connection:
        connection.execute(PrincipalRow.__table__.delete().where(PrincipalRow.id == daan.id))
        for table in ("held_credential", "consent", "holder_identifier"):
            assert connection.execute(select(text("count(*)")).select_from(text(table))).scalar() == 0, table


def test_two_workers_storing_a_first_passport_at_once_both_succeed(
        store: CatalogueStore, accounts: AccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker builds a learner's passport on its first read; when two do so together, both
    find no stored one and insert. The second insert must become an update, not a 409."""
    from sqlalchemy.orm import Session

    from skillmatch.store.tables import PassportRow

    daan, _ = accounts.create_principal("Daan", "learner")
    other_worker = AccountStore(store.engine)
    looked, raced = Session.get, []

    def get_while_another_worker_stores(session, entity, ident, **options):
        found = looked(session, entity, ident, **options)
        if entity is PassportRow and not raced:
            raced.append(True)
            other_worker._store_passport(daan.id, "theirs", "m", [], {}, "{}")
        return found

    monkeypatch.setattr(Session, "get", get_while_another_worker_stores)
    stored = accounts.store_passport(daan.id, inputs="ours", matcher="m", catalogue_ids=[], passport={}, public="{}")
    assert (stored.inputs, stored.version) == ("ours", 2)
    assert accounts.stored_passport(daan.id).inputs == "ours"
