"""Persistent stores beside the taxonomy: the credential catalogue (SQLite or PostgreSQL).

The records it stores are the domain's (:mod:`skillmatch.domain`): skill links and reviews."""

from skillmatch.store.catalogue import CatalogueStore, CredentialRecord, database_url

__all__ = ["CatalogueStore", "CredentialRecord", "database_url"]
