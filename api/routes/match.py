"""Mapping text to ESCO: learning outcomes to skills, job titles and vacancies to occupations."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPrincipal, MatcherDep
from api.errors import documented
from api.schemas import MatchCreate, MatchPublic, Page, TextMatches
from skillmatch.matching import Match

router = APIRouter(prefix="/match", tags=["matching"], responses=documented(413))


@router.post("/skills", response_model=Page[TextMatches])
def match_skills(body: MatchCreate, matcher: MatcherDep, _principal: CurrentPrincipal) -> Page[TextMatches]:
    """The ESCO skills of each text, best first. A text is an outcome block: it is split into single
    outcomes, each matched on its own, and every skill names the outcome that gave it."""
    return _page(body.texts, matcher.match_skills_batch(body.texts, top_k=body.top_k))


@router.post("/occupations", response_model=Page[TextMatches])
def match_occupations(body: MatchCreate, matcher: MatcherDep, _principal: CurrentPrincipal) -> Page[TextMatches]:
    """The ESCO occupations of each text (a job title, or a vacancy whose first line is its title)."""
    return _page(body.texts, matcher.match_occupations_batch(body.texts, top_k=body.top_k))


def _page(texts: list[str], ranked: list[list[Match]]) -> Page[TextMatches]:
    return Page(data=[TextMatches(text=text, matches=[MatchPublic(**match.to_dict()) for match in matches])
                      for text, matches in zip(texts, ranked, strict=True)],
                count=len(texts))
