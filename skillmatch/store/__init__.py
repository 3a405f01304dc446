"""Persistent stores beside the taxonomy: the credential catalogue (SQLite or PostgreSQL)."""

from skillmatch.store.catalogue import (
    CatalogueStore,
    CredentialRecord,
    Decision,
    Origin,
    Review,
    SkillLink,
    database_url,
)

__all__ = ["CatalogueStore", "CredentialRecord", "Decision", "Origin", "Review", "SkillLink", "database_url"]
