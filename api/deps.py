"""What the routes depend on, as typed aliases: the services opened at start-up, the calling
principal (from its bearer token) and the role a route needs, the rate limit of the routes that
map text, and the paging parameters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.config import ApiSettings
from api.limits import MatchBudget, RateLimiter
from skillmatch.catalogue import Catalogue
from skillmatch.credentials import TrustList
from skillmatch.errors import with_article
from skillmatch.matching import Matcher
from skillmatch.matching.background import BackgroundMatcher
from skillmatch.matching.queue import MatchQueue
from skillmatch.matching.remote import RemoteMatcher
from skillmatch.service import LearnerPassports
from skillmatch.store import CatalogueStore
from skillmatch.store.accounts import AccountStore, Principal, Role
from skillmatch.taxonomy import Taxonomy

T = TypeVar("T")


@dataclass(frozen=True)
class Services:
    """Opened once per process by the app's lifespan and shared by every request: the stores open
    a session per call, the matcher and trust list are read-only once loaded, and the rate limiter
    counts every principal's calls."""

    settings: ApiSettings
    store: CatalogueStore
    accounts: AccountStore
    #: The taxonomy and the matcher, loading in the background while the service answers.
    loading: BackgroundMatcher
    trust: TrustList | None
    budget: MatchBudget
    limiter: RateLimiter
    passports: LearnerPassports
    #: Matching requests, run in turn on one thread of this process; None where a matching
    #: process shared by the workers runs them (:mod:`skillmatch.matching.remote`).
    queue: MatchQueue | None

    @property
    def matching(self) -> MatchQueue | RemoteMatcher:
        """Where matching requests go: this process's queue, or the shared matching process."""
        return self.queue if self.queue is not None else self.loading.matcher  # type: ignore[return-value]

    @property
    def matcher(self) -> Matcher:
        """The matcher, once loaded (waits for it)."""
        return self.loading.matcher

    @property
    def taxonomy(self) -> Taxonomy:
        """The taxonomy, loaded before the matcher (waits for it)."""
        return self.loading.taxonomy


async def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_accounts(services: ServicesDep) -> AccountStore:
    return services.accounts


async def get_store(services: ServicesDep) -> CatalogueStore:
    return services.store


# These three may wait for the matcher loading in the background: plain functions, so the wait
# holds one thread of the pool, not the event loop that answers everything else.
def get_matcher(services: ServicesDep) -> Matcher:
    return services.matcher


def get_taxonomy(services: ServicesDep) -> Taxonomy:
    return services.taxonomy


def get_catalogue(services: ServicesDep) -> Catalogue:
    return Catalogue(services.store, services.matcher)


async def get_budget(services: ServicesDep) -> MatchBudget:
    return services.budget


async def get_passports(services: ServicesDep) -> LearnerPassports:
    return services.passports


AccountsDep = Annotated[AccountStore, Depends(get_accounts)]
PassportsDep = Annotated[LearnerPassports, Depends(get_passports)]
StoreDep = Annotated[CatalogueStore, Depends(get_store)]
MatcherDep = Annotated[Matcher, Depends(get_matcher)]
TaxonomyDep = Annotated[Taxonomy, Depends(get_taxonomy)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
BudgetDep = Annotated[MatchBudget, Depends(get_budget)]

bearer = HTTPBearer(auto_error=False, description="An API token, made by an admin (POST /v1/principals).")


async def current_principal(accounts: AccountsDep,
                            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """The principal whose token the request carries; 401 without one or with one that is not valid.
    On the event loop: the look-up is two indexed reads, shorter than a hop to the thread pool."""
    if credentials is None:
        raise HTTPException(401, "no API token: send the header 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    principal = accounts.authenticate(credentials.credentials)
    if principal is None:
        raise HTTPException(401, "the API token is not valid (unknown, mistyped, replaced by a new one, or its "
                                 "principal deactivated)",
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def requires(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only ``roles`` through (403 naming the role needed)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"this needs the role {' or '.join(roles)}; "
                                     f"your token is {with_article(principal.role)}'s")
        return principal

    return check


CurrentLearner = Annotated[Principal, Depends(requires("learner"))]
CurrentEmployer = Annotated[Principal, Depends(requires("employer"))]
#: An institution works on its own credentials; an admin on everyone's.
CurrentInstitution = Annotated[Principal, Depends(requires("institution", "admin"))]
CurrentAdmin = Annotated[Principal, Depends(requires("admin"))]


def rate_limited(principal: CurrentPrincipal, services: ServicesDep) -> Principal:
    """The caller of a route that maps text, counted against its rate limit (429 when over it).
    A route that needs a role takes this as ``dependencies=[Depends(rate_limited)]``."""
    services.limiter.take(principal.id)
    return principal


#: Any principal, on a route that maps text.
CostlyCaller = Annotated[Principal, Depends(rate_limited)]


#: The largest offset: databases store it as a signed 32-bit integer (SQLite refuses larger ones).
MAX_OFFSET = 2**31 - 1


@dataclass
class PageParams:
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="Items to skip.")
    limit: int = Query(20, ge=1, le=100, description="Items to return, 1 to 100.")

    def of(self, items: Sequence[T]) -> list[T]:
        """This page of ``items``."""
        return list(items[self.offset : self.offset + self.limit])


PageDep = Annotated[PageParams, Depends()]
