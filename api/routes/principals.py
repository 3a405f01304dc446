"""Principals: an admin creates them (and hands each its token, shown once); anyone sees who they are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AccountsDep, CurrentAdmin, CurrentPrincipal, PageDep
from api.errors import documented
from api.schemas import Page, PrincipalCreate, PrincipalCreated, PrincipalPublic
from skillmatch.store.accounts import Principal, Role

router = APIRouter(prefix="/principals", tags=["principals"])


@router.post("", response_model=PrincipalCreated, status_code=201, responses=documented(403, 409, 413))
def create_principal(body: PrincipalCreate, _admin: CurrentAdmin, accounts: AccountsDep) -> PrincipalCreated:
    """A new learner, employer, institution or admin, with its API token. The token is in this
    answer only: the service keeps its hash, so hand it over now."""
    principal, token = accounts.create_principal(body.name, body.role, institution=body.institution)
    return PrincipalCreated(**_public(principal).model_dump(), token=token)


@router.get("", response_model=Page[PrincipalPublic], responses=documented(403))
def list_principals(_admin: CurrentAdmin, accounts: AccountsDep, page: PageDep,
                    role: Annotated[Role | None, Query(description="Only this role.")] = None,
                    ) -> Page[PrincipalPublic]:
    """The principals, oldest first."""
    principals, count = accounts.principals(role=role, offset=page.offset, limit=page.limit)
    return Page(data=[_public(p) for p in principals], count=count)


@router.get("/me", response_model=PrincipalPublic)
def who_am_i(principal: CurrentPrincipal) -> PrincipalPublic:
    """The principal the token belongs to."""
    return _public(principal)


def _public(principal: Principal) -> PrincipalPublic:
    return PrincipalPublic(id=principal.id, name=principal.name, role=principal.role,
                           institution=principal.institution, created_at=principal.created_at)
