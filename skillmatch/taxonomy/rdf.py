"""ESCO as SKOS: import ESCO's RDF distribution and export a taxonomy (or a subset) as
Turtle or JSON-LD, with rdflib.

The mapping follows ESCO's own ontology (``http://data.europa.eu/esco/model#``): concepts are
``skos:Concept`` typed ``esco:Skill`` / ``esco:Occupation`` / ``esco:ISCOGroup``, labels are
language-tagged ``skos:prefLabel``/``altLabel``/``hiddenLabel``, occupation profiles are
``esco:hasEssentialSkill``/``esco:hasOptionalSkill``. The reader also accepts ESCO's
``esco:NodeLiteral`` descriptions. Collections have no ESCO URI of their own in the CSV
distribution, so they are exported as ``skos:Collection`` nodes under a ``urn:skillmatch:`` name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import RDF, SKOS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL

from skillmatch.errors import TaxonomySourceError
from skillmatch.taxonomy.model import (
    ESCO_BASE,
    Concept,
    ConceptKind,
    OccupationSkill,
    SkillRelation,
    Taxonomy,
    TaxonomyMeta,
)

ESCO = Namespace("http://data.europa.eu/esco/model#")
SCHEME = URIRef("urn:skillmatch:taxonomy")
COLLECTION = "urn:skillmatch:collection:"
ATTRIBUTION = "This service uses the ESCO classification of the European Commission."

KIND_TYPES = {
    ConceptKind.SKILL: ESCO.Skill,
    ConceptKind.OCCUPATION: ESCO.Occupation,
    ConceptKind.ISCO_GROUP: ESCO.ISCOGroup,
    ConceptKind.SKILL_GROUP: ESCO.SkillGroup,
}
SKILL_TYPES = {"skill/competence": ESCO_BASE + "skill-type/skill", "knowledge": ESCO_BASE + "skill-type/knowledge"}
REUSE_LEVEL = ESCO_BASE + "skill-reuse-level/"
RELATIONS = {"essential": ESCO.hasEssentialSkill, "optional": ESCO.hasOptionalSkill}
JSONLD_CONTEXT = {
    "skos": str(SKOS),
    "esco": str(ESCO),
    "dcterms": str(DCTERMS),
    "owl": str(OWL),
}


def to_graph(taxonomy: Taxonomy) -> Graph:
    """The taxonomy as an RDF graph (SKOS with ESCO's ontology terms)."""
    g = Graph()
    g.bind("skos", SKOS)
    g.bind("esco", ESCO)
    g.bind("dcterms", DCTERMS)
    g.add((SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((SCHEME, OWL.versionInfo, Literal(taxonomy.meta.release)))
    g.add((SCHEME, DCTERMS.rights, Literal(ATTRIBUTION)))
    for c in taxonomy.concepts.values():
        node = URIRef(c.uri)
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, RDF.type, KIND_TYPES[c.kind]))
        g.add((node, SKOS.inScheme, SCHEME))
        for lang, text in c.preferred.items():
            g.add((node, SKOS.prefLabel, Literal(text, lang=lang)))
        for prop, values in ((SKOS.altLabel, c.alternative), (SKOS.hiddenLabel, c.hidden)):
            for lang, texts in values.items():
                for text in texts:
                    g.add((node, prop, Literal(text, lang=lang)))
        for lang, text in c.description.items():
            g.add((node, DCTERMS.description, Literal(text, lang=lang)))
        for parent in c.broader:
            g.add((node, SKOS.broader, URIRef(parent)))
        if c.code:
            g.add((node, SKOS.notation, Literal(c.code)))
        if c.skill_type:
            skill_type = SKILL_TYPES.get(c.skill_type, f"{ESCO_BASE}skill-type/{c.skill_type}")
            g.add((node, ESCO.skillType, URIRef(skill_type)))
        if c.reuse_level:
            g.add((node, ESCO.skillReuseLevel, URIRef(REUSE_LEVEL + c.reuse_level)))
        if c.isco_group:
            g.add((node, ESCO.isInISCOGroup, URIRef(f"{ESCO_BASE}isco/C{c.isco_group}")))
    for rel in taxonomy.occupation_skills:
        g.add((URIRef(rel.occupation), RELATIONS[rel.relation], URIRef(rel.skill)))
    for srel in taxonomy.skill_relations:
        prop = RELATIONS.get(srel.relation, ESCO.hasOptionalSkill)
        g.add((URIRef(srel.skill), prop, URIRef(srel.related)))
    for name, members in taxonomy.collections.items():
        coll = URIRef(COLLECTION + name)
        g.add((coll, RDF.type, SKOS.Collection))
        g.add((coll, SKOS.prefLabel, Literal(name)))
        for uri in sorted(members):
            g.add((coll, SKOS.member, URIRef(uri)))
    return g


def export_rdf(taxonomy: Taxonomy, path: Path, *, fmt: str = "turtle") -> Path:
    """Write the taxonomy as Turtle (``fmt="turtle"``) or JSON-LD (``fmt="json-ld"``)."""
    g = to_graph(taxonomy)
    if fmt == "json-ld":
        data = g.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True)
    else:
        data = g.serialize(format=fmt)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(data, encoding="utf-8")
    tmp.replace(path)
    return path


def _kind_of(g: Graph, node: URIRef, groups: set[str]) -> ConceptKind | None:
    types = set(g.objects(node, RDF.type))
    for kind, rdf_type in KIND_TYPES.items():
        if rdf_type in types:
            return kind
    # ESCO's own dumps type skill groups as esco:Skill or plain skos:Concept; the URI tells.
    uri = str(node)
    if "/isco/" in uri:
        return ConceptKind.ISCO_GROUP
    if "/occupation/" in uri:
        return ConceptKind.OCCUPATION
    if "/isced-f/" in uri or uri in groups:
        return ConceptKind.SKILL_GROUP
    if "/skill/" in uri:
        return ConceptKind.SKILL
    return None


def _groups(g: Graph) -> set[str]:
    """Concepts that something is narrower than and that are not typed as skills."""
    return {str(o) for o in g.objects(None, SKOS.broader)} - {str(s) for s in g.subjects(RDF.type, ESCO.Skill)}


def _text(g: Graph, obj: object) -> tuple[str | None, str] | None:
    """A literal's (language, text), also for ESCO's ``esco:NodeLiteral`` blank nodes."""
    if isinstance(obj, Literal):
        return obj.language, str(obj)
    if isinstance(obj, BNode):
        value = g.value(obj, ESCO.nodeLiteral)
        lang = g.value(obj, ESCO.language)
        if value is not None:
            return (str(lang) if lang else None), str(value)
    return None


def read_skos(
    files: Sequence[tuple[Path, str]],
    *,
    languages: Sequence[str] | None = None,
    progress=None,
) -> Taxonomy:
    """Read ESCO (or skillmatch-exported) SKOS in Turtle, N-Triples, RDF/XML or JSON-LD."""
    g = Graph()
    for path, fmt in files:
        if progress:
            progress(f"parsing {path.name}")
        try:
            g.parse(path, format=fmt)
        except Exception as exc:  # rdflib raises many unrelated types for bad input
            raise TaxonomySourceError(f"not valid {fmt} RDF: {exc}", file=str(path)) from exc
    return from_graph(g, languages=languages, sources=tuple(str(p) for p, _ in files))


def from_graph(g: Graph, *, languages: Sequence[str] | None = None, sources: tuple[str, ...] = ()) -> Taxonomy:
    wanted = set(languages) if languages else None
    concepts: dict[str, Concept] = {}
    groups = _groups(g)
    for node in set(g.subjects(RDF.type, SKOS.Concept)):
        if not isinstance(node, URIRef):
            continue
        kind = _kind_of(g, node, groups)
        if kind is None:
            continue
        concepts[str(node)] = _concept(g, node, kind, wanted)
    if not concepts:
        raise TaxonomySourceError("no skos:Concept with an ESCO URI found", file=", ".join(sources) or None)
    for c in concepts.values():
        c.broader = tuple(sorted(str(o) for o in g.objects(URIRef(c.uri), SKOS.broader) if str(o) in concepts))
    occupation_skills, skill_relations = [], []
    for relation, prop in RELATIONS.items():
        for s, o in g.subject_objects(prop):
            subject = concepts.get(str(s))
            # An occupation the data does not define still relates as one (ESCO v1.1.1 has such rows).
            is_occupation = subject.kind is ConceptKind.OCCUPATION if subject else "/occupation/" in str(s)
            if is_occupation:
                occupation_skills.append(OccupationSkill(str(s), str(o), relation))  # type: ignore[arg-type]
            else:
                skill_relations.append(SkillRelation(str(s), str(o), relation))
    collections = {
        str(coll).removeprefix(COLLECTION): [str(m) for m in g.objects(coll, SKOS.member) if str(m) in concepts]
        for coll in g.subjects(RDF.type, SKOS.Collection)
    }
    release = g.value(SCHEME, OWL.versionInfo)
    found_langs = sorted({lang for c in concepts.values() for lang in c.preferred})
    meta = TaxonomyMeta(
        release=str(release) if release else "unknown",
        languages=tuple(sorted(found_langs, key=lambda lang: (lang != "en", lang))),
        sources=sources,
    )
    return Taxonomy(
        concepts.values(),
        occupation_skills=sorted(occupation_skills, key=lambda r: (r.occupation, r.skill)),
        skill_relations=sorted(skill_relations, key=lambda r: (r.skill, r.related)),
        collections=collections,
        meta=meta,
    )


def _concept(g: Graph, node: URIRef, kind: ConceptKind, wanted: set[str] | None) -> Concept:
    concept = Concept(str(node), kind)

    def labelled(prop: URIRef) -> Iterable[tuple[str, str]]:
        for obj in g.objects(node, prop):
            found = _text(g, obj)
            if found is None:
                continue
            lang, text = found
            lang = lang or "en"
            if wanted is None or lang in wanted:
                yield lang, text

    for lang, text in sorted(labelled(SKOS.prefLabel)):
        concept.preferred.setdefault(lang, text)
    for attr, prop in (("alternative", SKOS.altLabel), ("hidden", SKOS.hiddenLabel)):
        grouped: dict[str, list[str]] = {}
        for lang, text in labelled(prop):
            grouped.setdefault(lang, []).append(text)
        setattr(concept, attr, {lang: tuple(sorted(texts)) for lang, texts in grouped.items()})
    for prop in (DCTERMS.description, SKOS.definition):
        for lang, text in labelled(prop):
            concept.description.setdefault(lang, text)
    notation = g.value(node, SKOS.notation)
    concept.code = str(notation) if notation is not None else ""
    skill_type = g.value(node, ESCO.skillType)
    if skill_type is not None:
        short = str(skill_type).rsplit("/", 1)[-1]
        concept.skill_type = "skill/competence" if short == "skill" else short
    reuse = g.value(node, ESCO.skillReuseLevel)
    concept.reuse_level = str(reuse).rsplit("/", 1)[-1] if reuse is not None else ""
    isco = g.value(node, ESCO.isInISCOGroup)
    concept.isco_group = str(isco).rsplit("/C", 1)[-1] if isco is not None else ""
    return concept
