"""Finding ESCO files: official download zips, folders of CSV files (plain or gzipped), RDF files.

ESCO is distributed as one zip per language (``ESCO dataset - v1.1.1 - classification - en -
csv.zip``) plus a language-independent zip of relations; mirrors unpack them into folders, often
gzipped and often without the ``_en`` suffix. This module turns any of those layouts into a flat
list of :class:`SourceFile` objects that know their ESCO file name, language and release, and
decides which of them make up one taxonomy build.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skillmatch.errors import ConfigurationError, TaxonomySourceError

#: Files every base release must provide, and what they hold.
REQUIRED_FILES = {
    "skills": "skills and knowledge concepts",
    "occupations": "occupations",
    "occupationSkillRelations": "essential/optional skills per occupation",
    "skillGroups": "skill groups of the skill hierarchy",
    "skillsHierarchy": "the skill hierarchy's levels",
    "broaderRelationsSkillPillar": "broader links of skills and skill groups",
    "ISCOGroups": "ISCO-08 groups",
}
OPTIONAL_FILES = ("broaderRelationsOccPillar", "skillSkillRelations")
COLLECTION_FILES = {
    "digitalSkillsCollection": "digital",
    "digCompSkillsCollection": "digcomp",
    "greenSkillsCollection": "green",
    "transversalSkillsCollection": "transversal",
    "languageSkillsCollection": "language",
    "researchSkillsCollection": "research",
    "researchOccupationsCollection": "research",
}
#: Files that carry labels, and so can add a language to a taxonomy.
LABEL_FILES = ("skills", "occupations", "skillGroups", "ISCOGroups", "skillsHierarchy", *COLLECTION_FILES)
KNOWN_FILES = {name.lower(): name for name in (*REQUIRED_FILES, *OPTIONAL_FILES, *COLLECTION_FILES)}

# The 28 languages ESCO is published in (ISO 639-1).
ESCO_LANGUAGES = frozenset(
    "ar bg cs da de el en es et fi fr ga hr hu is it lt lv mt nl no pl pt ro sk sl sv uk".split()
)
RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".owl": "xml", ".xml": "xml",
                ".jsonld": "json-ld", ".n3": "n3"}

_CSV_NAME = re.compile(r"^(?P<name>[A-Za-z]+?)(?:_(?P<lang>[a-z]{2}))?\.csv(?:\.gz)?$", re.IGNORECASE)
_ZIP_LANG = re.compile(r" - (?P<lang>[a-z]{2}) - ", re.IGNORECASE)
_RELEASE = re.compile(r"(?<![\d.])v?(?P<version>\d+\.\d+(?:\.\d+)?)(?![\d.])", re.IGNORECASE)
DOWNLOAD_HINT = (
    "Download the ESCO classification as CSV from the ESCO portal "
    "(https://esco.ec.europa.eu/en/use-esco/download), then pass the zip or its folder with "
    "--source PATH or set SKILLMATCH_ESCO=PATH."
)


@dataclass(frozen=True)
class SourceFile:
    """One ESCO CSV file, wherever it lives (plain, gzipped, or inside a zip)."""

    name: str
    lang: str | None
    release: str | None
    path: Path
    member: str | None = None

    @property
    def location(self) -> str:
        return f"{self.path}::{self.member}" if self.member else str(self.path)

    def read_bytes(self) -> bytes:
        """The file's bytes, decompressed; damaged containers become a TaxonomySourceError."""
        try:
            if self.member is not None:
                with zipfile.ZipFile(self.path) as archive:
                    data = archive.read(self.member)
            else:
                data = self.path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
        except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
            raise TaxonomySourceError(f"cannot read the file: {exc}", file=self.location) from exc
        return data


@dataclass
class SourceSet:
    """The files chosen for one build: the base release and extra-language label files."""

    release: str
    base_lang: str
    files: dict[str, SourceFile]
    collections: list[SourceFile]
    label_files: list[SourceFile]
    languages: tuple[str, ...]
    containers: list[Path] = field(default_factory=list)
    rdf_files: list[tuple[Path, str]] = field(default_factory=list)

    def fingerprint(self, extra: str = "") -> str:
        """A hash of every container's bytes plus the build options, to detect stale stores."""
        digest = hashlib.sha256(extra.encode())
        digest.update(",".join(self.languages).encode())
        for path in sorted(set(self.containers)):
            digest.update(path.name.encode())
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        return digest.hexdigest()


def default_source(configured: Path | None = None) -> Path:
    """The configured source (``$SKILLMATCH_ESCO``), else ``../shared/esco`` beside the working
    directory or beside this checkout."""
    if configured is not None:
        path = Path(configured).expanduser()
        if not path.exists():
            raise ConfigurationError(f"SKILLMATCH_ESCO={configured} does not exist. {DOWNLOAD_HINT}")
        return path
    checkout = Path(__file__).resolve().parents[2]
    for candidate in (Path.cwd().parent / "shared" / "esco", checkout.parent / "shared" / "esco"):
        if candidate.is_dir():
            return candidate
    raise ConfigurationError(f"No ESCO source found (looked at $SKILLMATCH_ESCO and ../shared/esco). {DOWNLOAD_HINT}")


def _release_of(parts: Iterable[str]) -> str | None:
    for part in parts:
        match = _RELEASE.search(part)
        if match:
            return "v" + match["version"]
    return None


def _lang_of_path(parts: Sequence[str]) -> str | None:
    for part in reversed(parts):
        match = _ZIP_LANG.search(part)
        if match and match["lang"].lower() in ESCO_LANGUAGES:
            return match["lang"].lower()
        if part.lower() in ESCO_LANGUAGES:
            return part.lower()
    return None


def _classify(filename: str, context: Sequence[str], path: Path, member: str | None) -> SourceFile | None:
    match = _CSV_NAME.match(filename)
    if not match or match["name"].lower() not in KNOWN_FILES:
        return None
    name = KNOWN_FILES[match["name"].lower()]
    lang = (match["lang"] or "").lower() or _lang_of_path(context)
    return SourceFile(name, lang, _release_of(reversed(context)), path, member)


def _scan_zip(path: Path) -> list[SourceFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
    except (OSError, zipfile.BadZipFile) as exc:
        raise TaxonomySourceError(f"not a readable zip archive: {exc}", file=str(path)) from exc
    found = []
    for member in members:
        pure = Path(member)
        src = _classify(pure.name, [*path.parts, *pure.parts[:-1]], path, member)
        if src:
            found.append(src)
    return found


def scan(paths: Sequence[Path]) -> tuple[list[SourceFile], list[Path], list[tuple[Path, str]]]:
    """Every ESCO CSV file under ``paths`` (zips opened, ``derived/`` folders skipped),
    the containers they came from, and any RDF files."""
    files: list[SourceFile] = []
    containers: list[Path] = []
    rdf: list[tuple[Path, str]] = []
    for root in paths:
        root = Path(root).expanduser()
        if not root.exists():
            raise ConfigurationError(f"ESCO source {root} does not exist. {DOWNLOAD_HINT}")
        if root.is_file():
            candidates = [root]
        else:
            candidates = []
            for dirpath, dirnames, filenames in os.walk(root):
                # Derived (non-official) data is only used when named explicitly.
                dirnames[:] = sorted(d for d in dirnames if d != "derived")
                candidates.extend(Path(dirpath) / f for f in sorted(filenames))
        for path in candidates:
            suffix = "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
            if path.suffix.lower() == ".zip":
                found = _scan_zip(path)
            elif suffix in RDF_SUFFIXES or suffix.removesuffix(".gz") in RDF_SUFFIXES:
                rdf.append((path, RDF_SUFFIXES[suffix.removesuffix(".gz")]))
                containers.append(path)
                continue
            else:
                src = _classify(path.name, path.parts[:-1], path, None)
                found = [src] if src else []
            if found:
                files.extend(found)
                containers.append(path)
    return files, containers, rdf


def _version_key(release: str | None) -> tuple[int, ...]:
    if not release:
        return (-1,)
    return tuple(int(p) for p in release.lstrip("v").split("."))


def select(
    paths: Sequence[Path],
    *,
    release: str | None = None,
    languages: Sequence[str] | None = None,
) -> SourceSet:
    """Choose the base release and the label files of other languages from everything found.

    The base release is ``release`` if given, else the newest release whose files include every
    required file. Other releases only contribute labels in languages the base lacks (ESCO
    concept URIs are stable across releases), newest release first.
    """
    files, containers, rdf = scan(paths)
    if rdf:
        if files:
            raise ConfigurationError("Mixing RDF and CSV sources in one build is not supported; pass one kind.")
        return SourceSet(
            release=release or "unknown", base_lang="", files={}, collections=[], label_files=[],
            languages=tuple(languages or ()), containers=containers, rdf_files=rdf,
        )
    if not files:
        shown = ", ".join(str(p) for p in paths)
        raise TaxonomySourceError(f"no ESCO CSV files found in {shown}. {DOWNLOAD_HINT}")

    by_release: dict[str | None, list[SourceFile]] = {}
    for src in files:
        by_release.setdefault(src.release, []).append(src)

    def missing(rel: str | None) -> list[str]:
        names = {s.name for s in by_release.get(rel, [])}
        return [n for n in REQUIRED_FILES if n not in names]

    if release is not None:
        wanted = release if release.startswith("v") else f"v{release}"
        if wanted not in by_release:
            known = ", ".join(sorted(str(r) for r in by_release))
            raise ConfigurationError(f"release {wanted} not found among the sources (found: {known}).")
        base = wanted
    else:
        complete = [rel for rel in by_release if not missing(rel)]
        if not complete:
            rel = max(by_release, key=_version_key)
            where = sorted({str(s.path) for s in by_release[rel]})
            raise TaxonomySourceError(
                "missing required ESCO file(s): "
                + ", ".join(f"{n} ({REQUIRED_FILES[n]})" for n in missing(rel))
                + f"; looked in {', '.join(where)}"
            )
        base = max(complete, key=_version_key)
    if missing(base):
        raise TaxonomySourceError(
            f"release {base} lacks required ESCO file(s): "
            + ", ".join(f"{n} ({REQUIRED_FILES[n]})" for n in missing(base))
        )

    base_files = by_release[base]
    skills_langs = [s.lang for s in base_files if s.name == "skills"]
    base_lang = "en" if "en" in skills_langs else (skills_langs[0] or "en")
    # One file per name for the structure: the base language's copy, else a language-independent one.
    chosen: dict[str, SourceFile] = {}
    for src in sorted(base_files, key=lambda s: (s.lang not in (base_lang, None), s.lang is not None)):
        chosen.setdefault(src.name, src)
    collections = _unique(s for s in base_files if s.name in COLLECTION_FILES and s.lang in (base_lang, None))

    available = {s.lang for s in files if s.lang and s.name in LABEL_FILES}
    available.add(base_lang)
    if languages is None:
        selected = sorted(available)
    else:
        selected = [lang.strip().lower() for lang in languages if lang.strip()]
        unknown = [lang for lang in selected if lang not in available]
        if unknown:
            raise ConfigurationError(
                f"no ESCO label files for language(s) {', '.join(unknown)} in the sources "
                f"(available: {', '.join(sorted(available))})."
            )
        if base_lang not in selected:
            raise ConfigurationError(
                f"the base release's skills file is in '{base_lang}', so --lang must include {base_lang}."
            )
    ordered_releases = [base, *sorted((r for r in by_release if r != base), key=_version_key, reverse=True)]
    label_files = _unique(
        src
        for rel in ordered_releases
        for src in sorted(by_release[rel], key=lambda s: LABEL_FILES.index(s.name) if s.name in LABEL_FILES else 99)
        if src.name in LABEL_FILES and src.lang in selected and src.lang != base_lang
    )
    used = {*(s.path for s in chosen.values()), *(s.path for s in collections), *(s.path for s in label_files)}
    return SourceSet(
        release=base or "unknown",
        base_lang=base_lang,
        files=chosen,
        collections=collections,
        label_files=label_files,
        languages=(base_lang, *[lang for lang in selected if lang != base_lang]),
        containers=[p for p in containers if p in used],
    )


def _unique(sources: Iterable[SourceFile]) -> list[SourceFile]:
    """Drop copies of the same file (same release, name and language) found in several places."""
    seen: set[tuple[str | None, str, str | None]] = set()
    kept = []
    for src in sources:
        key = (src.release, src.name, src.lang)
        if key not in seen:
            seen.add(key)
            kept.append(src)
    return kept
