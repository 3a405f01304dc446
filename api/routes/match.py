"""Mapping text to ESCO: learning outcomes to skills, job titles and vacancies to occupations.

Both routes are rate-limited per principal and hold a request to the service's budget (see
:class:`api.config.ApiSettings`), checked before any matching."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import BudgetDep, CostlyCaller, ServicesDep
from api.errors import documented
from api.schemas import MatchCreate, MatchPublic, Page, Problem, TextMatches
from skillmatch.matching import Match

_BUDGET: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "Over the budget of a request: more characters in all than "
                                           "SKILLMATCH_MATCH_MAX_CHARS, more learning outcomes than "
                                           "SKILLMATCH_MATCH_MAX_OUTCOMES (skills), or a body over "
                                           "SKILLMATCH_MAX_REQUEST_BYTES; the detail names the limit"},
    422: {"model": Problem, "description": "An invalid field, naming it: among others more texts than "
                                           "SKILLMATCH_MATCH_MAX_TEXTS, or a text longer than "
                                           "SKILLMATCH_MATCH_MAX_TEXT_CHARS"},
}

router = APIRouter(prefix="/match", tags=["matching"], responses={**_BUDGET, **documented(429)})


@router.post("/skills", response_model=Page[TextMatches])
def match_skills(body: MatchCreate, services: ServicesDep, budget: BudgetDep, _caller: CostlyCaller,
                 ) -> Page[TextMatches]:
    """The ESCO skills of each text, best first. A text is an outcome block: it is split into single
    outcomes, each matched on its own, and every skill names the outcome that gave it."""
    return _page(body.texts, services.matching.outcomes(budget.outcomes(body.texts), top_k=body.top_k))


@router.post("/occupations", response_model=Page[TextMatches])
def match_occupations(body: MatchCreate, services: ServicesDep, budget: BudgetDep, _caller: CostlyCaller,
                      ) -> Page[TextMatches]:
    """The ESCO occupations of each text (a job title, or a vacancy whose first line is its title)."""
    budget.check(body.texts)
    return _page(body.texts, services.matching.occupations(body.texts, top_k=body.top_k))


def _page(texts: list[str], ranked: list[list[Match]]) -> Page[TextMatches]:
    return Page(data=[TextMatches(text=text, matches=[MatchPublic(**match.to_dict()) for match in matches])
                      for text, matches in zip(texts, ranked, strict=True)],
                count=len(texts))
