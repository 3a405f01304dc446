"""The catalogue store on SQLite and on PostgreSQL: the same tests, one code path.

The ``store`` fixture (tests/conftest.py) runs each test on both; PostgreSQL where the session
finds or starts a server (tests/services.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from skillmatch.domain import SkillLink
from skillmatch.errors import ConfigurationError, InputError, StoreError
from skillmatch.store import CatalogueStore, CredentialRecord, database_url
from skillmatch.store.tables import Base

SKILL = "http://data.europa.eu/esco/skill/"


def record(identifier: str = "https://edu.example/bc/1", content: str = "v1", **changes) -> CredentialRecord:
    values = dict(id=identifier, format="ob2", title="Data visualisation", document={"name": "Data", "v": content},
                  content_hash=f"hash-{content}", issuer_name="Hogeschool", eqf_level=6, ects=5.0,
                  links=(SkillLink(SKILL + "a", "issuer skill", "issuer"),))
    values.update(changes)
    return CredentialRecord(**values)


def inferred(*uris: str) -> list[SkillLink]:
    return [SkillLink(SKILL + u, f"skill {u}", "inferred", confidence=0.6, status="linked", outcome="o",
                      matched="m", matched_lang="en", form="preferred") for u in uris]


def test_schema_is_migrated_and_matches_the_tables(store: CatalogueStore) -> None:
    assert {"credential", "skill_link", "review", "alembic_version"} <= store.tables()
    live = inspect(store.engine)
    for table in Base.metadata.sorted_tables:
        assert {c["name"] for c in live.get_columns(table.name)} == set(table.columns.keys())
    # Opening again runs no migration twice.
    CatalogueStore.open(str(store.engine.url.render_as_string(hide_password=False)), Path("/nonexistent")).close()


def test_upsert_reports_added_unchanged_and_updated(store: CatalogueStore) -> None:
    assert store.upsert(record()) == "added"
    assert store.upsert(record()) == "unchanged"
    assert store.upsert(record(content="v2")) == "updated"
    stored = store.get("https://edu.example/bc/1")
    assert stored.document == {"name": "Data", "v": "v2"} and stored.eqf_level == 6 and stored.ects == 5.0
    assert [link.origin for link in stored.links] == ["issuer"]


def test_remapping_replaces_inferred_links_and_keeps_reviews(store: CatalogueStore) -> None:
    store.upsert(record())
    assert store.stale("fp1") == ["https://edu.example/bc/1"]
    store.replace_inferred("https://edu.example/bc/1", inferred("b", "c"), "fp1")
    assert store.stale("fp1") == [] and store.stale("fp2") == ["https://edu.example/bc/1"]
    assert store.stale("fp1", every=True) == ["https://edu.example/bc/1"]
    store.review("https://edu.example/bc/1", SKILL + "c", "rejected", reviewer="Anna", note="not taught")
    store.review("https://edu.example/bc/1", SKILL + "b", "confirmed")
    store.replace_inferred("https://edu.example/bc/1", inferred("d"), "fp2")
    stored = store.get("https://edu.example/bc/1")
    assert {(link.skill_uri, link.origin) for link in stored.links} == {(SKILL + "a", "issuer"),
                                                                        (SKILL + "d", "inferred")}
    assert stored.reviews[SKILL + "c"].decision == "rejected" and stored.reviews[SKILL + "c"].reviewer == "Anna"
    assert stored.reviews[SKILL + "b"].decision == "confirmed"
    # A changed document is re-mapped; the reviews stay.
    store.upsert(record(content="v2"))
    assert store.stale("fp2") == ["https://edu.example/bc/1"]
    assert set(store.get("https://edu.example/bc/1").reviews) == {SKILL + "b", SKILL + "c"}


def test_a_failed_write_changes_nothing(store: CatalogueStore) -> None:
    store.upsert(record())
    store.replace_inferred("https://edu.example/bc/1", inferred("b"), "fp1")
    before = store.get("https://edu.example/bc/1")
    with pytest.raises(StoreError):
        # The same skill twice violates the unique constraint halfway through the write.
        store.replace_inferred("https://edu.example/bc/1", inferred("x", "x"), "fp2")
    assert store.get("https://edu.example/bc/1") == before


def test_bad_requests(store: CatalogueStore) -> None:
    with pytest.raises(InputError, match="no credential"):
        store.get("https://edu.example/none")
    with pytest.raises(InputError, match="no credential"):
        store.review("https://edu.example/none", SKILL + "a", "confirmed")
    store.upsert(record())
    with pytest.raises(InputError, match="confirmed' or 'rejected"):
        store.review("https://edu.example/bc/1", SKILL + "a", "maybe")  # type: ignore[arg-type]


def test_database_urls(tmp_path: Path) -> None:
    assert database_url(None, tmp_path) == f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    assert database_url("postgresql://u:p@h/db", tmp_path) == "postgresql+psycopg://u:p@h/db"
    with pytest.raises(ConfigurationError, match="not a database URL"):
        database_url("no url at all", tmp_path)
    with pytest.raises(ConfigurationError, match="cannot use the database"):
        CatalogueStore.open("oracle+nodriver://x/y", tmp_path)


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the catalogue database"):
        CatalogueStore.open("postgresql://nobody:wrong@127.0.0.1:1/none", tmp_path)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "catalogue.sqlite").write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StoreError, match="cannot open the catalogue database"):
        CatalogueStore.open(None, tmp_path)
    assert (tmp_path / "catalogue.sqlite").read_bytes() == b"this is not SQLite" * 100


def test_links_keep_their_reading_and_alternatives(store: CatalogueStore) -> None:
    store.upsert(record())
    link = SkillLink(SKILL + "b", "assess wounds", "inferred", confidence=0.7, status="linked",
                     outcome="De beroepskracht beoordeelt wonden.", reading="wonden beoordelen",
                     alternatives=(SKILL + "c", SKILL + "d"))
    store.replace_inferred("https://edu.example/bc/1", [link], "fp1")
    stored = [found for found in store.get("https://edu.example/bc/1").links if found.origin == "inferred"]
    assert stored == [link]


def test_upgrading_a_catalogue_of_the_previous_schema_keeps_its_links(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from skillmatch.store.catalogue import MIGRATIONS

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(text(
            "INSERT INTO credential (id, format, title, document, content_hash, imported_at, updated_at) "
            "VALUES ('c1', 'ob2', 'Wondzorg', '{}', 'h', '2026-01-01', '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO skill_link (credential_id, skill_uri, label, origin, confidence, status) "
            f"VALUES ('c1', '{SKILL}b', 'assess wounds', 'inferred', 0.7, 'linked')"))
    engine.dispose()
    store = CatalogueStore.open(url, tmp_path)
    try:
        [link] = store.get("c1").links
        assert (link.skill_uri, link.label, link.reading, link.alternatives) == (SKILL + "b", "assess wounds", None, ())
    finally:
        store.close()


def test_a_remapping_that_finds_the_same_links_keeps_the_revision(store: CatalogueStore) -> None:
    """Passports are rebuilt when a credential they hold changes revision: a re-mapping (a new
    matcher, or --force) that finds the links it had must not rebuild them all."""
    uri = "https://edu.example/bc/1"
    store.upsert(record())
    store.replace_inferred(uri, inferred("b", "c"), "fp1")
    [before] = store.revisions([uri]).values()
    store.replace_inferred(uri, inferred("b", "c"), "fp2")
    assert store.revisions([uri]) == {uri: before} and store.stale("fp2") == []
    store.replace_inferred(uri, inferred("b"), "fp3")
    assert store.revisions([uri]) == {uri: before + 1} and store.stale("fp3") == []
    assert [link.skill_uri for link in store.get(uri).links if link.origin == "inferred"] == [SKILL + "b"]
