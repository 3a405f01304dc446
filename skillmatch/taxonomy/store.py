"""The built taxonomy: one SQLite file, written once, swapped in atomically, loaded fast.

Parsing the ESCO CSVs takes seconds; loading the built store takes a fraction of that, so every
command but ``taxonomy build`` reads the store. The file records the fingerprint of the sources
and options it was built from, so an unchanged source is never rebuilt and a changed one always is.
SQLite (through the standard library, not an ORM) is used as a single-file container: it is
atomic to replace, can answer ``taxonomy show`` without loading everything, and cannot execute
code on load as a pickle could.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from skillmatch import __version__
from skillmatch.errors import StoreError, TaxonomyNotBuiltError
from skillmatch.taxonomy.esco_csv import Progress, read_sources
from skillmatch.taxonomy.model import (
    Concept,
    ConceptKind,
    OccupationSkill,
    SkillRelation,
    Taxonomy,
    TaxonomyMeta,
)
from skillmatch.taxonomy.sources import select

STORE_FORMAT = 1
STORE_NAME = "taxonomy.sqlite"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE concept (
    uri TEXT PRIMARY KEY, kind TEXT NOT NULL, code TEXT, skill_type TEXT, reuse_level TEXT,
    isco_group TEXT, broader TEXT NOT NULL, labels TEXT NOT NULL
);
CREATE TABLE occupation_skill (occupation TEXT NOT NULL, skill TEXT NOT NULL, relation TEXT NOT NULL);
CREATE TABLE skill_relation (skill TEXT NOT NULL, related TEXT NOT NULL, relation TEXT NOT NULL);
CREATE TABLE collection (name TEXT NOT NULL, uri TEXT NOT NULL);
"""


@dataclass(frozen=True)
class BuildReport:
    path: Path
    rebuilt: bool
    fingerprint: str
    warnings: tuple[str, ...]


def store_path(data_dir: Path) -> Path:
    return Path(data_dir) / STORE_NAME


def write_store(taxonomy: Taxonomy, path: Path) -> None:
    """Write ``taxonomy`` to ``path`` atomically: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        con = sqlite3.connect(tmp)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.executescript(_SCHEMA)
            meta = taxonomy.meta
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("format", str(STORE_FORMAT)),
                    ("skillmatch_version", __version__),
                    ("release", meta.release),
                    ("languages", json.dumps(list(meta.languages))),
                    ("fingerprint", meta.fingerprint),
                    ("built_at", meta.built_at),
                    ("sources", json.dumps(list(meta.sources))),
                    ("warnings", json.dumps(list(meta.warnings))),
                ],
            )
            con.executemany(
                "INSERT INTO concept VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        c.uri, c.kind.value, c.code, c.skill_type, c.reuse_level, c.isco_group,
                        json.dumps(c.broader),
                        json.dumps({"p": c.preferred, "a": c.alternative, "h": c.hidden, "d": c.description},
                                   ensure_ascii=False),
                    )
                    for c in taxonomy.concepts.values()
                ),
            )
            con.executemany(
                "INSERT INTO occupation_skill VALUES (?, ?, ?)",
                ((r.occupation, r.skill, r.relation) for r in taxonomy.occupation_skills),
            )
            con.executemany(
                "INSERT INTO skill_relation VALUES (?, ?, ?)",
                ((r.skill, r.related, r.relation) for r in taxonomy.skill_relations),
            )
            con.executemany(
                "INSERT INTO collection VALUES (?, ?)",
                ((name, uri) for name, members in taxonomy.collections.items() for uri in sorted(members)),
            )
            con.commit()
        finally:
            con.close()
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise TaxonomyNotBuiltError(
            f"No taxonomy store at {path}. Build it first: skillmatch taxonomy build [--source PATH]"
        )
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def read_meta(path: Path) -> TaxonomyMeta:
    """The store's metadata, without loading the concepts."""
    con = _connect(path)
    try:
        return _meta(con, path)
    finally:
        con.close()


def _meta(con: sqlite3.Connection, path: Path) -> TaxonomyMeta:
    try:
        meta = dict(con.execute("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{path} is not a readable skillmatch taxonomy store ({exc}). "
            "Rebuild it: skillmatch taxonomy build --force"
        ) from exc
    if meta.get("format") != str(STORE_FORMAT):
        raise StoreError(
            f"{path} has store format {meta.get('format')!r}, this skillmatch reads format {STORE_FORMAT}. "
            "Rebuild it: skillmatch taxonomy build --force"
        )
    return TaxonomyMeta(
        release=meta["release"],
        languages=tuple(json.loads(meta["languages"])),
        fingerprint=meta["fingerprint"],
        built_at=meta["built_at"],
        sources=tuple(json.loads(meta["sources"])),
        warnings=tuple(json.loads(meta["warnings"])),
    )


def _concept(row: tuple[str, ...]) -> Concept:
    uri, kind, code, skill_type, reuse_level, isco_group, broader, labels = row
    texts = json.loads(labels)
    return Concept(
        uri,
        ConceptKind(kind),
        preferred=texts["p"],
        alternative={lang: tuple(v) for lang, v in texts["a"].items()},
        hidden={lang: tuple(v) for lang, v in texts["h"].items()},
        description=texts["d"],
        broader=tuple(json.loads(broader)),
        code=code,
        skill_type=skill_type,
        reuse_level=reuse_level,
        isco_group=isco_group,
    )


def load_taxonomy(path: Path) -> Taxonomy:
    """Load a built store (see :func:`build_taxonomy`)."""
    con = _connect(path)
    try:
        meta = _meta(con, path)
        concepts = [_concept(row) for row in con.execute("SELECT * FROM concept")]
        occupation_skills = [OccupationSkill(*row) for row in con.execute("SELECT * FROM occupation_skill")]
        skill_relations = [SkillRelation(*row) for row in con.execute("SELECT * FROM skill_relation")]
        collections: dict[str, list[str]] = {}
        for name, uri in con.execute("SELECT name, uri FROM collection"):
            collections.setdefault(name, []).append(uri)
    except (sqlite3.DatabaseError, KeyError, ValueError) as exc:
        raise StoreError(f"{path} is damaged ({exc}). Rebuild it: skillmatch taxonomy build --force") from exc
    finally:
        con.close()
    return Taxonomy(
        concepts, occupation_skills=occupation_skills, skill_relations=skill_relations,
        collections=collections, meta=meta,
    )


def load_concept(path: Path, uri: str) -> Concept | None:
    """One concept straight from the store, for quick lookups that need no graph."""
    con = _connect(path)
    try:
        _meta(con, path)
        row = con.execute("SELECT * FROM concept WHERE uri = ?", (uri,)).fetchone()
    finally:
        con.close()
    return _concept(row) if row else None


def build_taxonomy(
    paths: Sequence[Path],
    data_dir: Path,
    *,
    release: str | None = None,
    languages: Sequence[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the store under ``data_dir`` from ESCO sources, unless it is already up to date."""
    sources = select(paths, release=release, languages=languages)
    fingerprint = sources.fingerprint(extra=f"store-format={STORE_FORMAT}")
    target = store_path(data_dir)
    if not force and target.exists():
        try:
            current = read_meta(target)
        except StoreError:
            current = None  # a damaged store is simply rebuilt
        if current is not None and current.fingerprint == fingerprint:
            return BuildReport(target, rebuilt=False, fingerprint=fingerprint, warnings=current.warnings)
    if sources.rdf_files:
        from skillmatch.taxonomy.rdf import read_skos  # rdflib: only an RDF release's build needs it

        taxonomy = read_skos(sources.rdf_files, languages=languages, progress=progress)
    else:
        taxonomy = read_sources(sources, progress=progress)
    meta = replace(taxonomy.meta, fingerprint=fingerprint,
                   built_at=datetime.now(UTC).isoformat(timespec="seconds"))
    taxonomy.meta = meta
    if progress:
        progress("writing store")
    write_store(taxonomy, target)
    return BuildReport(target, rebuilt=True, fingerprint=fingerprint, warnings=meta.warnings)
