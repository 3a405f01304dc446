"""Read ESCO's CSV distribution (v1.1.x and v1.2.x) into a :class:`Taxonomy`.

The reader is strict where the data would otherwise be silently wrong (missing files or columns,
bytes that are not UTF-8, malformed quoting, conflicting duplicates) and lenient, with a counted
warning, where skipping is right (a relation to a concept the release does not define, an exact
duplicate row).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skillmatch.errors import TaxonomySourceError, with_article
from skillmatch.taxonomy.model import (
    Concept,
    ConceptKind,
    OccupationSkill,
    SkillRelation,
    Taxonomy,
    TaxonomyMeta,
)
from skillmatch.taxonomy.sources import COLLECTION_FILES, SourceFile, SourceSet, select

#: Columns each file must have; other columns are ignored, so ESCO may add columns freely.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "skills": ("conceptUri", "preferredLabel", "altLabels", "description", "skillType", "reuseLevel"),
    "occupations": ("conceptUri", "preferredLabel", "altLabels", "description", "iscoGroup", "code"),
    "skillGroups": ("conceptUri", "preferredLabel", "altLabels", "description", "code"),
    "ISCOGroups": ("conceptUri", "code", "preferredLabel", "altLabels", "description"),
    "occupationSkillRelations": ("occupationUri", "relationType", "skillUri"),
    "broaderRelationsSkillPillar": ("conceptUri", "broaderUri"),
    "broaderRelationsOccPillar": ("conceptUri", "broaderUri"),
    "skillSkillRelations": ("originalSkillUri", "relationType", "relatedSkillUri"),
    "skillsHierarchy": ("Level 0 URI", "Level 0 preferred term"),
    **{name: ("conceptUri", "preferredLabel") for name in COLLECTION_FILES},
}
KIND_OF_FILE = {
    "skills": ConceptKind.SKILL,
    "occupations": ConceptKind.OCCUPATION,
    "skillGroups": ConceptKind.SKILL_GROUP,
    "ISCOGroups": ConceptKind.ISCO_GROUP,
}
ISCO_URI = "http://data.europa.eu/esco/isco/C{code}"
RELATION_TYPES = ("essential", "optional")

Progress = Callable[[str], None]


@dataclass
class Warnings:
    """Problems that were skipped, counted per kind with the first place each was seen."""

    counts: Counter[str] = field(default_factory=Counter)
    first: dict[str, str] = field(default_factory=dict)

    def add(self, problem: str, file: str, row: int | None = None) -> None:
        self.counts[problem] += 1
        self.first.setdefault(problem, f"{file}, line {row}" if row else file)

    def lines(self) -> tuple[str, ...]:
        return tuple(f"{n} x {problem} (first at {self.first[problem]})" for problem, n in self.counts.items())


def rows(source: SourceFile) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each record, checking encoding, quoting and required columns.

    ``line`` is the physical line the record starts on (the header is line 1).
    """
    data = source.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TaxonomySourceError(
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8; "
            "ESCO files are UTF-8, re-export or re-download the file",
            file=source.location,
            row=line,
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
        required = REQUIRED_COLUMNS[source.name]
        if not any(header):
            raise TaxonomySourceError(
                f"the file is empty; expected a header with {', '.join(required)}", file=source.location, row=1
            )
        absent = [c for c in required if c not in header]
        if absent:
            raise TaxonomySourceError(
                f"missing column(s) {', '.join(absent)} in the header of {source.name} "
                f"(found: {', '.join(header)})",
                file=source.location,
                row=1,
            )
        columns = {name: i for i, name in enumerate(header) if name}
        start = reader.line_num + 1
        for fields in reader:
            line, start = start, reader.line_num + 1
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                raise TaxonomySourceError(
                    f"{len(fields)} fields where the header has {len(header)}; is a field's quoting broken?",
                    file=source.location,
                    row=line,
                )
            yield line, {name: fields[i].strip() if i < len(fields) else "" for name, i in columns.items()}
    except csv.Error as exc:
        raise TaxonomySourceError(f"malformed CSV: {exc}", file=source.location, row=reader.line_num) from exc


def split_labels(value: str) -> tuple[str, ...]:
    """ESCO separates alternative labels by newlines (older mirrors by ' | ')."""
    parts = value.replace(" | ", "\n").split("\n")
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _check_uri(uri: str, column: str, source: SourceFile, line: int) -> str:
    if not uri.startswith(("http://", "https://")):
        shown = f"'{uri}'" if uri else "empty"
        raise TaxonomySourceError(f"{column} is {shown}, not a concept URI", file=source.location, row=line)
    return uri


class _Reader:
    """Accumulates concepts and relations from the files of one :class:`SourceSet`."""

    def __init__(self, sources: SourceSet, progress: Progress | None) -> None:
        self.sources = sources
        self.progress = progress or (lambda _msg: None)
        self.concepts: dict[str, Concept] = {}
        self.broader: dict[str, dict[str, None]] = {}
        self.warnings = Warnings()

    def _deduplicated(self, source: SourceFile) -> Iterator[tuple[int, dict[str, str]]]:
        """Rows with duplicate URIs resolved: identical copies and older versions are skipped."""
        seen: dict[str, tuple[int, dict[str, str]]] = {}
        for line, row in rows(source):
            uri = _check_uri(row["conceptUri"], "conceptUri", source, line)
            if uri in seen:
                first_line, first = seen[uri]
                if first == row:
                    self.warnings.add(f"identical duplicate row skipped in {source.name}", source.location, line)
                    continue
                kept_date, new_date = first.get("modifiedDate", ""), row.get("modifiedDate", "")
                if not (kept_date and new_date):
                    raise TaxonomySourceError(
                        f"duplicate URI {uri} (also at line {first_line}) with different content",
                        file=source.location,
                        row=line,
                    )
                self.warnings.add(
                    f"duplicate URI in {source.name}, kept the most recently modified row", source.location, line
                )
                if new_date <= kept_date:
                    continue
            seen[uri] = (line, row)
        yield from seen.values()

    def read_concepts(self, source: SourceFile, kind: ConceptKind, lang: str) -> None:
        for _line, row in self._deduplicated(source):
            concept = self.concepts.setdefault(row["conceptUri"], Concept(row["conceptUri"], kind))
            if concept.kind != kind:
                raise TaxonomySourceError(
                    f"{concept.uri} is {with_article(concept.kind.value)} elsewhere but listed in {source.name}",
                    file=source.location,
                )
            _add_labels(concept, lang, row)
            if kind is ConceptKind.SKILL:
                concept.skill_type = row["skillType"]
                concept.reuse_level = row["reuseLevel"]
            elif kind is ConceptKind.OCCUPATION:
                concept.code = row["code"]
                concept.isco_group = row["iscoGroup"]
            else:
                concept.code = row["code"]

    def read_hierarchy(self, source: SourceFile, lang: str, *, structure: bool) -> None:
        """skillsHierarchy rows are paths Level 0 > 1 > 2 > 3; each node is a skill group."""
        for line, row in rows(source):
            parent = None
            for level in range(4):
                uri = row.get(f"Level {level} URI", "")
                if not uri:
                    break
                _check_uri(uri, f"Level {level} URI", source, line)
                term = row.get(f"Level {level} preferred term", "")
                if structure:
                    node = self.concepts.setdefault(uri, Concept(uri, ConceptKind.SKILL_GROUP))
                    node.code = node.code or row.get(f"Level {level} code", "")
                    if parent:
                        self.broader.setdefault(uri, {})[parent] = None
                else:
                    node = self.concepts.get(uri)
                    if node is None:
                        self.warnings.add("label for a concept the base release lacks", source.location, line)
                        break
                if term:
                    node.preferred.setdefault(lang, term)
                parent = uri
            deepest = self.concepts.get(parent) if parent else None
            if deepest is not None and row.get("Description"):
                deepest.description.setdefault(lang, row["Description"])

    def read_labels(self, source: SourceFile) -> None:
        """Labels in another language, for concepts the base release defines."""
        assert source.lang is not None
        for line, row in self._deduplicated(source):
            concept = self.concepts.get(row["conceptUri"])
            if concept is None:
                self.warnings.add(
                    f"{source.lang} label for a concept the {self.sources.release} release lacks",
                    source.location,
                    line,
                )
                continue
            _add_labels(concept, source.lang, row)

    def read_broader(self, source: SourceFile) -> None:
        for line, row in rows(source):
            uri = _check_uri(row["conceptUri"], "conceptUri", source, line)
            parent = _check_uri(row["broaderUri"], "broaderUri", source, line)
            if uri not in self.concepts or parent not in self.concepts:
                self.warnings.add("broader link to or from an unknown concept skipped", source.location, line)
                continue
            self.broader.setdefault(uri, {})[parent] = None

    def read_occupation_skills(self, source: SourceFile) -> list[OccupationSkill]:
        relations = []
        for line, row in rows(source):
            occupation = _check_uri(row["occupationUri"], "occupationUri", source, line)
            skill = _check_uri(row["skillUri"], "skillUri", source, line)
            relation = row["relationType"].lower()
            if relation not in RELATION_TYPES:
                raise TaxonomySourceError(
                    f"relationType is '{row['relationType']}', expected essential or optional",
                    file=source.location,
                    row=line,
                )
            # Kept as published (the release's own counts include them); counted so it is visible.
            if occupation not in self.concepts or skill not in self.concepts:
                self.warnings.add("occupation-skill relation to an unknown concept", source.location, line)
            relations.append(OccupationSkill(occupation, skill, relation))  # type: ignore[arg-type]
        return relations

    def read_skill_relations(self, source: SourceFile) -> list[SkillRelation]:
        relations = []
        for line, row in rows(source):
            skill = _check_uri(row["originalSkillUri"], "originalSkillUri", source, line)
            related = _check_uri(row["relatedSkillUri"], "relatedSkillUri", source, line)
            if skill not in self.concepts or related not in self.concepts:
                self.warnings.add("skill-skill relation to an unknown concept", source.location, line)
            relations.append(SkillRelation(skill, related, row["relationType"].lower()))
        return relations

    def read_collection(self, source: SourceFile) -> list[str]:
        members = []
        for line, row in rows(source):
            uri = _check_uri(row["conceptUri"], "conceptUri", source, line)
            if uri not in self.concepts:
                self.warnings.add(f"{source.name} member the release lacks skipped", source.location, line)
                continue
            members.append(uri)
        return members

    def read(self) -> Taxonomy:
        src, lang = self.sources.files, self.sources.base_lang
        for name, kind in KIND_OF_FILE.items():
            self.progress(f"reading {name}")
            self.read_concepts(src[name], kind, lang)
        self.progress("reading skill hierarchy")
        self.read_hierarchy(src["skillsHierarchy"], lang, structure=True)
        self.read_broader(src["broaderRelationsSkillPillar"])
        if "broaderRelationsOccPillar" in src:
            self.read_broader(src["broaderRelationsOccPillar"])
        else:
            self.warnings.add("no broaderRelationsOccPillar file: occupations linked via iscoGroup", "sources")
        for concept in self.concepts.values():
            if concept.kind is ConceptKind.OCCUPATION and concept.uri not in self.broader and concept.isco_group:
                isco = ISCO_URI.format(code=concept.isco_group)
                if isco in self.concepts:
                    self.broader[concept.uri] = {isco: None}
        self.progress("reading occupation-skill relations")
        occupation_skills = self.read_occupation_skills(src["occupationSkillRelations"])
        skill_relations = []
        if "skillSkillRelations" in src:
            skill_relations = self.read_skill_relations(src["skillSkillRelations"])
        collections: dict[str, list[str]] = {}
        for source in self.sources.collections:
            collections.setdefault(COLLECTION_FILES[source.name], []).extend(self.read_collection(source))
        for source in self.sources.label_files:
            self.progress(f"merging {source.lang} labels from {source.name} ({source.release})")
            if source.name == "skillsHierarchy":
                self.read_hierarchy(source, source.lang or "", structure=False)
            else:
                self.read_labels(source)
        for uri, parents in self.broader.items():
            self.concepts[uri].broader = tuple(parents)
        meta = TaxonomyMeta(
            release=self.sources.release,
            languages=self.sources.languages,
            sources=tuple(
                dict.fromkeys(
                    s.location
                    for s in (*src.values(), *self.sources.collections, *self.sources.label_files)
                )
            ),
            warnings=self.warnings.lines(),
        )
        return Taxonomy(
            self.concepts.values(),
            occupation_skills=occupation_skills,
            skill_relations=skill_relations,
            collections=collections,
            meta=meta,
        )


def _add_labels(concept: Concept, lang: str, row: dict[str, str]) -> None:
    """Add one row's labels in ``lang``; a language already filled by an earlier file wins."""
    if row.get("preferredLabel"):
        concept.preferred.setdefault(lang, row["preferredLabel"])
    alternative = split_labels(row.get("altLabels", ""))
    if alternative:
        concept.alternative.setdefault(lang, alternative)
    hidden = split_labels(row.get("hiddenLabels", ""))
    if hidden:
        concept.hidden.setdefault(lang, hidden)
    if row.get("description"):
        concept.description.setdefault(lang, row["description"])


def read_sources(sources: SourceSet, *, progress: Progress | None = None) -> Taxonomy:
    """Read the files of an already selected :class:`SourceSet`."""
    return _Reader(sources, progress).read()


def read_esco(
    paths: Sequence[str | Path],
    *,
    release: str | None = None,
    languages: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Taxonomy:
    """Read ESCO CSV files (official zips, folders, gzipped or plain) into a :class:`Taxonomy`.

    >>> tax = read_esco(["../shared/esco/official"])  # doctest: +SKIP
    >>> len(tax.skills)  # doctest: +SKIP
    13896
    """
    return read_sources(select([Path(p) for p in paths], release=release, languages=languages),
                        progress=progress)
