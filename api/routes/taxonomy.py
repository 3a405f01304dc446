"""ESCO lookup: one concept by URI, and label search in any language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentPrincipal, PageDep, TaxonomyDep
from api.errors import documented
from api.schemas import ConceptPublic, ConceptRef, Page, SearchHitPublic
from skillmatch.taxonomy import ConceptKind, Taxonomy
from skillmatch.taxonomy.model import ESCO_BASE

router = APIRouter(prefix="/taxonomy", tags=["taxonomy"])

Lang = Annotated[str, Query(min_length=2, max_length=16, description="Language of the labels (falls back to en).")]


@router.get("/concepts/{uri:path}", response_model=ConceptPublic, responses=documented(404))
def get_concept(uri: str, taxonomy: TaxonomyDep, _principal: CurrentPrincipal, lang: Lang = "en") -> ConceptPublic:
    """One ESCO concept by its URI, or by the URI's part after ``http://data.europa.eu/esco/``
    (``skill/<uuid>``): labels in every loaded language, hierarchy, and an occupation's skills."""
    concept = taxonomy.get(uri if uri.startswith(("http://", "https://")) else ESCO_BASE + uri)
    view = ConceptPublic(
        uri=concept.uri, kind=concept.kind.value, label=concept.label(lang), preferred=concept.preferred,
        alternative={k: list(v) for k, v in concept.alternative.items()}, description=concept.description,
        code=concept.code, broader=_refs(taxonomy, concept.broader, lang),
        narrower=_refs(taxonomy, [c.uri for c in taxonomy.narrower(concept.uri)], lang),
        skill_type=concept.skill_type or None, reuse_level=concept.reuse_level or None,
        isco_group=concept.isco_group or None, collections=taxonomy.collections_of(concept.uri))
    if concept.kind is ConceptKind.SKILL:
        view.pillars = [p.label(lang) for p in taxonomy.pillars(concept.uri) if p.uri != concept.uri]
    if concept.kind is ConceptKind.OCCUPATION:
        view.essential_skills = _refs(taxonomy, [s.uri for s in taxonomy.skills_of(concept.uri, "essential")], lang)
        view.optional_skills = _refs(taxonomy, [s.uri for s in taxonomy.skills_of(concept.uri, "optional")], lang)
    return view


@router.get("/search", response_model=Page[SearchHitPublic])
def search(
    q: Annotated[str, Query(min_length=1, max_length=500, description="Words of a label, in any language.")],
    taxonomy: TaxonomyDep,
    _principal: CurrentPrincipal,
    page: PageDep,
    kind: Annotated[list[ConceptKind] | None, Query(description="Only these kinds (repeatable).")] = None,
    lang: Annotated[str | None, Query(min_length=2, max_length=16, description="Only labels in this language.")]
    = None,
) -> Page[SearchHitPublic]:
    """Concepts by label: exact label first, then labels starting with the words, then labels
    holding all of them (the last word may be a prefix)."""
    hits = taxonomy.search(q, lang=lang, kinds=kind, limit=len(taxonomy))
    return Page(data=[SearchHitPublic(uri=h.uri, kind=h.kind.value, label=h.label, lang=h.lang, matched=h.matched,
                                      score=round(h.score, 3)) for h in page.of(hits)],
                count=len(hits))


def _refs(taxonomy: Taxonomy, uris: Iterable[str], lang: str) -> list[ConceptRef]:
    return sorted((ConceptRef(uri=uri, label=taxonomy.get(uri).label(lang)) for uri in uris if uri in taxonomy),
                  key=lambda ref: ref.label)
