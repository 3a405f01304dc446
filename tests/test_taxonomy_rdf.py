"""SKOS export and import with rdflib: what goes out as Turtle or JSON-LD comes back the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillmatch.errors import TaxonomySourceError
from skillmatch.taxonomy import Taxonomy, build_taxonomy, export_rdf, load_taxonomy, read_skos

NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"


def _sample(tax: Taxonomy) -> Taxonomy:
    """Thirty occupations, every skill they need, and the hierarchy above all of them."""
    occupations = sorted(c.uri for c in tax.occupations)[:30] + [NURSE]
    keep = set(occupations)
    for occ in occupations:
        keep.update(s.uri for s in tax.skills_of(occ))
    for uri in list(keep):
        keep.update(a.uri for a in tax.ancestors(uri))
    return tax.subset(keep)


def _canonical(tax: Taxonomy) -> dict:
    """What must survive a round trip; RDF has no order, so lists become sets."""
    return {
        uri: (c.kind, c.preferred, {k: set(v) for k, v in c.alternative.items()},
              {k: set(v) for k, v in c.hidden.items()}, c.description, set(c.broader), c.code,
              c.skill_type, c.reuse_level, c.isco_group)
        for uri, c in tax.concepts.items()
    }


@pytest.mark.parametrize(("fmt", "suffix"), [("turtle", ".ttl"), ("json-ld", ".jsonld")])
def test_round_trip(merged: Taxonomy, tmp_path: Path, fmt: str, suffix: str) -> None:
    sample = _sample(merged)
    assert len(sample.occupations) >= 31 and len(sample.skills) > 300  # broader occupations come along
    assert sample.occupation_skills and any("nl" in c.preferred for c in sample.skills)
    path = export_rdf(sample, tmp_path / f"sample{suffix}", fmt=fmt)
    back = read_skos([(path, fmt)])
    assert set(back.concepts) == set(sample.concepts)
    assert _canonical(back) == _canonical(sample)
    assert set(back.occupation_skills) == set(sample.occupation_skills)
    assert set(back.skill_relations) == set(sample.skill_relations)
    assert back.collections == sample.collections
    assert back.meta.release == "v1.1.1"
    assert back.meta.languages == ("en", "nl")
    assert back.summary()["labels_per_language"] == sample.summary()["labels_per_language"]


def test_collection_subset_exports_and_builds_a_store(official: Taxonomy, tmp_path: Path) -> None:
    green = official.subset(official.collections["green"])
    path = export_rdf(green, tmp_path / "green.ttl")
    text = path.read_text()
    assert "esco:Skill" in text and "This service uses the ESCO classification" in text
    report = build_taxonomy([path], tmp_path / "data")
    tax = load_taxonomy(report.path)
    assert len(tax.skills) == 570
    assert tax.collections["green"] == frozenset(green.concepts)
    assert tax.meta.release == "v1.1.1"


def test_esco_node_literal_descriptions_and_untyped_groups(tmp_path: Path) -> None:
    """ESCO's own SKOS writes descriptions as esco:NodeLiteral nodes; groups may be untyped."""
    ttl = tmp_path / "esco.ttl"
    ttl.write_text("""
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix esco: <http://data.europa.eu/esco/model#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<http://data.europa.eu/esco/skill/a> a skos:Concept, esco:Skill ;
    skos:prefLabel "use Python"@en, "Python gebruiken"@nl ;
    skos:altLabel "program in Python"@en ;
    skos:broader <http://data.europa.eu/esco/skill/g> ;
    esco:skillType <http://data.europa.eu/esco/skill-type/skill> ;
    dcterms:description [ a esco:NodeLiteral ; esco:language "en" ; esco:nodeLiteral "Write Python." ] .
<http://data.europa.eu/esco/skill/g> a skos:Concept ; skos:prefLabel "programming"@en .
<http://data.europa.eu/esco/occupation/o> a skos:Concept, esco:Occupation ;
    skos:prefLabel "developer"@en ; esco:hasEssentialSkill <http://data.europa.eu/esco/skill/a> .
""")
    tax = read_skos([(ttl, "turtle")])
    skill = tax.get("http://data.europa.eu/esco/skill/a")
    assert skill.description == {"en": "Write Python."}
    assert skill.preferred == {"en": "use Python", "nl": "Python gebruiken"}
    assert skill.skill_type == "skill/competence"
    assert tax.get("http://data.europa.eu/esco/skill/g").kind.value == "skill-group"
    assert [s.uri for s in tax.skills_of("http://data.europa.eu/esco/occupation/o", "essential")] == [skill.uri]


def test_bad_rdf(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("<http://x> <http://y> .")
    with pytest.raises(TaxonomySourceError, match="broken.ttl: not valid turtle RDF"):
        read_skos([(bad, "turtle")])
    empty = tmp_path / "empty.ttl"
    empty.write_text("<http://x> <http://y> <http://z> .")
    with pytest.raises(TaxonomySourceError, match="no skos:Concept with an ESCO URI"):
        read_skos([(empty, "turtle")])
