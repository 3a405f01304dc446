"""The taxonomy as plain objects: concepts, their relations, and the queries the engine needs.

Everything here is independent of where the data came from (CSV, RDF, the built store); the
readers at the edges produce these objects and the rest of skillmatch only ever sees them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Literal

from skillmatch.errors import UnknownConceptError

ESCO_BASE = "http://data.europa.eu/esco/"


class ConceptKind(StrEnum):
    SKILL = "skill"
    OCCUPATION = "occupation"
    SKILL_GROUP = "skill-group"
    ISCO_GROUP = "isco-group"


RelationType = Literal["essential", "optional"]
COLLECTIONS = ("digital", "digcomp", "green", "transversal", "language", "research")


@dataclass(slots=True)
class Concept:
    """One ESCO concept with its labels in every loaded language.

    ``preferred``/``description`` map a language code to one text; ``alternative`` and
    ``hidden`` map it to a tuple of texts. ``broader`` lists broader concepts (skill groups or
    skills for a skill, ISCO groups or occupations for an occupation).
    """

    uri: str
    kind: ConceptKind
    preferred: dict[str, str] = field(default_factory=dict)
    alternative: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hidden: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    broader: tuple[str, ...] = ()
    code: str = ""
    skill_type: str = ""
    reuse_level: str = ""
    isco_group: str = ""

    def label(self, lang: str = "en") -> str:
        """The preferred label in ``lang``, falling back to English, then to any language."""
        return (
            self.preferred.get(lang)
            or self.preferred.get("en")
            or next(iter(self.preferred.values()), self.uri)
        )

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.preferred)

    def surface_forms(self, lang: str | None = None) -> Iterator[tuple[str, str, str]]:
        """Yield ``(lang, kind, text)`` for every label, preferred first."""
        for kind, values in (("preferred", self.preferred), ("alternative", self.alternative),
                             ("hidden", self.hidden)):
            for label_lang, texts in values.items():
                if lang is not None and label_lang != lang:
                    continue
                for text in (texts,) if isinstance(texts, str) else texts:
                    yield label_lang, kind, text


@dataclass(frozen=True, slots=True)
class OccupationSkill:
    occupation: str
    skill: str
    relation: RelationType


@dataclass(frozen=True, slots=True)
class SkillRelation:
    """A skill–skill link from ESCO's skillSkillRelations (``relation`` is essential or optional)."""

    skill: str
    related: str
    relation: str


@dataclass(frozen=True, slots=True)
class TaxonomyMeta:
    """Where a taxonomy came from: release, languages, the source fingerprint and build notes."""

    release: str = "unknown"
    languages: tuple[str, ...] = ("en",)
    fingerprint: str = ""
    built_at: str = ""
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchHit:
    uri: str
    kind: ConceptKind
    label: str
    lang: str
    matched: str
    score: float


def normalise(text: str) -> str:
    """Case- and accent-insensitive form used for label search ("Één" -> "een")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


_TOKEN = re.compile(r"\w+")


class Taxonomy:
    """An in-memory ESCO taxonomy: concepts by URI plus the relations between them.

    Build one with :func:`skillmatch.taxonomy.read_esco` or load a built store with
    :func:`skillmatch.taxonomy.load_taxonomy`.

    >>> tax = Taxonomy([Concept("u:1", ConceptKind.SKILL, preferred={"en": "use Python"})])
    >>> tax.get("u:1").label()
    'use Python'
    """

    def __init__(
        self,
        concepts: Iterable[Concept],
        *,
        occupation_skills: Iterable[OccupationSkill] = (),
        skill_relations: Iterable[SkillRelation] = (),
        collections: Mapping[str, Iterable[str]] | None = None,
        meta: TaxonomyMeta | None = None,
    ) -> None:
        self.concepts: dict[str, Concept] = {c.uri: c for c in concepts}
        self.occupation_skills: tuple[OccupationSkill, ...] = tuple(occupation_skills)
        self.skill_relations: tuple[SkillRelation, ...] = tuple(skill_relations)
        self.collections: dict[str, frozenset[str]] = {
            name: frozenset(uris) for name, uris in (collections or {}).items()
        }
        self.meta = meta or TaxonomyMeta()

    # -- lookup -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, uri: object) -> bool:
        return uri in self.concepts

    def get(self, uri: str) -> Concept:
        try:
            return self.concepts[uri]
        except KeyError:
            raise UnknownConceptError(uri) from None

    def of_kind(self, kind: ConceptKind) -> list[Concept]:
        return self._by_kind.get(kind, [])

    @property
    def skills(self) -> list[Concept]:
        return self.of_kind(ConceptKind.SKILL)

    @property
    def occupations(self) -> list[Concept]:
        return self.of_kind(ConceptKind.OCCUPATION)

    @cached_property
    def _by_kind(self) -> dict[ConceptKind, list[Concept]]:
        groups: dict[ConceptKind, list[Concept]] = defaultdict(list)
        for concept in self.concepts.values():
            groups[concept.kind].append(concept)
        return dict(groups)

    # -- hierarchy ----------------------------------------------------------------------------

    @cached_property
    def _narrower(self) -> dict[str, tuple[str, ...]]:
        children: dict[str, list[str]] = defaultdict(list)
        for concept in self.concepts.values():
            for parent in concept.broader:
                children[parent].append(concept.uri)
        return {uri: tuple(kids) for uri, kids in children.items()}

    def broader(self, uri: str) -> list[Concept]:
        return [self.concepts[b] for b in self.get(uri).broader if b in self.concepts]

    def narrower(self, uri: str) -> list[Concept]:
        self.get(uri)
        return [self.concepts[n] for n in self._narrower.get(uri, ())]

    def ancestors(self, uri: str) -> list[Concept]:
        """All broader concepts, nearest first, each once (ESCO's skill hierarchy is a DAG)."""
        seen: dict[str, None] = {}
        frontier = list(self.get(uri).broader)
        while frontier:
            nxt: list[str] = []
            for parent in frontier:
                if parent in seen or parent not in self.concepts:
                    continue
                seen[parent] = None
                nxt.extend(self.concepts[parent].broader)
            frontier = nxt
        return [self.concepts[u] for u in seen]

    def pillars(self, uri: str) -> list[Concept]:
        """The top concepts of the hierarchy above ``uri`` (skills: S, K, T or L; occupations: ISCO major group)."""
        concept = self.get(uri)
        if not any(b in self.concepts for b in concept.broader):
            return [concept]
        return [a for a in self.ancestors(uri) if not any(b in self.concepts for b in a.broader)]

    # -- occupation profiles ------------------------------------------------------------------

    @cached_property
    def _profiles(self) -> dict[str, dict[str, RelationType]]:
        profiles: dict[str, dict[str, RelationType]] = defaultdict(dict)
        for rel in self.occupation_skills:
            if rel.occupation in self.concepts and rel.skill in self.concepts:
                # Source lists occasionally carry a pair as both; essential is the stronger claim.
                if profiles[rel.occupation].get(rel.skill) != "essential":
                    profiles[rel.occupation][rel.skill] = rel.relation
        return dict(profiles)

    def skills_of(self, occupation: str, relation: RelationType | None = None) -> list[Concept]:
        """Skills an occupation needs, optionally only its essential or optional ones."""
        self.get(occupation)
        profile = self._profiles.get(occupation, {})
        return [self.concepts[s] for s, r in profile.items() if relation is None or r == relation]

    def relation(self, occupation: str, skill: str) -> RelationType | None:
        return self._profiles.get(occupation, {}).get(skill)

    @cached_property
    def _occupations_by_skill(self) -> dict[str, tuple[str, ...]]:
        index: dict[str, list[str]] = defaultdict(list)
        for occupation, profile in self._profiles.items():
            for skill in profile:
                index[skill].append(occupation)
        return {s: tuple(o) for s, o in index.items()}

    def occupations_for(self, skill: str) -> list[Concept]:
        self.get(skill)
        return [self.concepts[o] for o in self._occupations_by_skill.get(skill, ())]

    def related_skills(self, skill: str) -> list[tuple[Concept, str]]:
        self.get(skill)
        return [
            (self.concepts[r.related], r.relation)
            for r in self.skill_relations
            if r.skill == skill and r.related in self.concepts
        ]

    def collections_of(self, uri: str) -> list[str]:
        return sorted(name for name, members in self.collections.items() if uri in members)

    # -- search -------------------------------------------------------------------------------

    @cached_property
    def _token_index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = defaultdict(list)
        for i, (_uri, _lang, _kind, _text, norm) in enumerate(self._labels):
            for token in set(_TOKEN.findall(norm)):
                index[token].append(i)
        return dict(index)

    @cached_property
    def _labels(self) -> list[tuple[str, str, str, str, str]]:
        return [
            (c.uri, lang, kind, text, normalise(text))
            for c in self.concepts.values()
            for lang, kind, text in c.surface_forms()
        ]

    def search(
        self,
        text: str,
        *,
        lang: str | None = None,
        kinds: Iterable[ConceptKind] | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        """Label search in any language: exact label, then labels starting with the words, then
        labels containing all the words, then labels where the last word is only a prefix.

        This is lexical lookup for people browsing the taxonomy; semantic matching of free
        text lives in :mod:`skillmatch.matching`.
        """
        query = normalise(text)
        tokens = _TOKEN.findall(query)
        if not tokens:
            return []
        wanted = set(kinds) if kinds is not None else None
        postings = [set(self._token_index.get(t, ())) for t in tokens[:-1]]
        # The last word may still be typed: accept any indexed word it prefixes.
        last = tokens[-1]
        postings.append({i for tok, ids in self._token_index.items() if tok.startswith(last) for i in ids})
        candidates = set.intersection(*postings)
        best: dict[str, SearchHit] = {}
        for i in candidates:
            uri, label_lang, kind, label, norm = self._labels[i]
            concept = self.concepts[uri]
            if (lang is not None and label_lang != lang) or (wanted is not None and concept.kind not in wanted):
                continue
            whole_words = set(tokens) <= set(_TOKEN.findall(norm))
            if norm == query:
                score = 1.0
            elif whole_words:
                score = 0.8 if norm.startswith(query + " ") else 0.6
            else:  # the last word only matched as a prefix
                score = 0.4
            score += 0.1 if kind == "preferred" else 0.0
            score -= min(len(norm), 200) / 2000  # shorter labels are the more specific answer
            hit = best.get(uri)
            if hit is None or score > hit.score:
                best[uri] = SearchHit(uri, concept.kind, concept.label(label_lang), label_lang, label, score)
        return sorted(best.values(), key=lambda h: (-h.score, h.label))[:limit]

    # -- subsets and summary ------------------------------------------------------------------

    def subset(self, uris: Iterable[str]) -> Taxonomy:
        """The concepts ``uris`` and the relations among them, e.g. one collection for export."""
        keep = {u for u in uris}
        for uri in keep:
            self.get(uri)
        return Taxonomy(
            (self.concepts[u] for u in sorted(keep)),
            occupation_skills=(r for r in self.occupation_skills if r.occupation in keep and r.skill in keep),
            skill_relations=(r for r in self.skill_relations if r.skill in keep and r.related in keep),
            collections={n: m & keep for n, m in self.collections.items() if m & keep},
            meta=self.meta,
        )

    def summary(self) -> dict[str, object]:
        """Counts a person (or ``taxonomy info --json``) checks a build against."""
        relations = self.occupation_skills
        essential = sum(1 for r in relations if r.relation == "essential")
        unresolved = sum(
            1 for r in relations if r.occupation not in self.concepts or r.skill not in self.concepts
        )
        languages: dict[str, dict[str, int]] = {}
        for lang in self.meta.languages:
            languages[lang] = {
                kind.value: sum(1 for c in self.of_kind(kind) if lang in c.preferred)
                for kind in ConceptKind
            }
        return {
            "release": self.meta.release,
            "languages": list(self.meta.languages),
            "fingerprint": self.meta.fingerprint,
            "built_at": self.meta.built_at,
            "sources": list(self.meta.sources),
            "skills": len(self.skills),
            "skill_types": _count(c.skill_type or "(none)" for c in self.skills),
            "occupations": len(self.occupations),
            "skill_groups": len(self.of_kind(ConceptKind.SKILL_GROUP)),
            "isco_groups": len(self.of_kind(ConceptKind.ISCO_GROUP)),
            "occupation_skill_relations": {
                "total": len(relations),
                "essential": essential,
                "optional": len(relations) - essential,
                "unresolved": unresolved,
            },
            "skill_skill_relations": len(self.skill_relations),
            "broader_links": sum(len(c.broader) for c in self.concepts.values()),
            "pillars": {
                c.code or c.uri: c.label() for c in self.of_kind(ConceptKind.SKILL_GROUP) if not c.broader
            },
            "collections": {name: len(members) for name, members in sorted(self.collections.items())},
            "labels_per_language": languages,
            "warnings": list(self.meta.warnings),
        }


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for v in values:
        counts[v] += 1
    return dict(sorted(counts.items()))
