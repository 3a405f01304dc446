"""The ESCO taxonomy: reading it (CSV, RDF), storing it, and querying it."""

from skillmatch.taxonomy.esco_csv import read_esco
from skillmatch.taxonomy.model import (
    Concept,
    ConceptKind,
    OccupationSkill,
    SearchHit,
    SkillRelation,
    Taxonomy,
    TaxonomyMeta,
)
from skillmatch.taxonomy.sources import default_source
from skillmatch.taxonomy.store import BuildReport, build_taxonomy, load_taxonomy, store_path

__all__ = [
    "BuildReport",
    "Concept",
    "ConceptKind",
    "OccupationSkill",
    "SearchHit",
    "SkillRelation",
    "Taxonomy",
    "TaxonomyMeta",
    "build_taxonomy",
    "default_source",
    "export_rdf",
    "load_taxonomy",
    "read_esco",
    "read_skos",
    "store_path",
]


def __getattr__(name: str):
    # RDF's two functions load rdflib, which nothing else needs: a service or a command starts
    # without it (a tenth of the imports of a service's start).
    if name in ("export_rdf", "read_skos"):
        from skillmatch.taxonomy import rdf

        return getattr(rdf, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
