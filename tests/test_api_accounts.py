"""The API's account store (principals, hashed tokens, held credentials, consents) on SQLite and on
PostgreSQL, through the ``store`` fixture (tests/conftest.py)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import inspect, select, text

from skillmatch.errors import DuplicateError, InputError
from skillmatch.store import CatalogueStore
from skillmatch.store.accounts import AccountStore


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
    with pytest.raises(InputError, match="exists as a employer"):
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


def test_accounts_go_with_their_principal(store: CatalogueStore, accounts: AccountStore) -> None:
    from skillmatch.store.tables import PrincipalRow

    daan, _ = accounts.create_principal("Daan", "learner")
    acme, _ = accounts.create_principal("Acme", "employer")
    accounts.add_held(daan.id, document="{}", title="x")
    accounts.grant_consent(daan.id, acme.id, ["skills"])
    with store.engine.begin() as connection:
        connection.execute(PrincipalRow.__table__.delete().where(PrincipalRow.id == daan.id))
        assert connection.execute(select(text("count(*)")).select_from(text("held_credential"))).scalar() == 0
        assert connection.execute(select(text("count(*)")).select_from(text("consent"))).scalar() == 0
