"""Principals: an admin creates them (and hands each its token, shown once), registers the
identifiers of learners, rotates tokens and deactivates principals; anyone sees who they are and
rotates their own token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from api.deps import AccountsDep, CurrentAdmin, CurrentPrincipal, PageDep
from api.errors import documented
from api.schemas import Page, PrincipalCreate, PrincipalCreated, PrincipalIdentifiersUpdate, PrincipalPublic
from skillmatch.store.accounts import AccountStore, Principal, Role

router = APIRouter(prefix="/principals", tags=["principals"])


def not_stored(response: Response) -> None:
    """An answer carrying a token is kept by no cache or proxy on its way."""
    response.headers["Cache-Control"] = "no-store"


@router.post("", response_model=PrincipalCreated, status_code=201, dependencies=[Depends(not_stored)],
             responses=documented(403, 409, 413))
def create_principal(body: PrincipalCreate, _admin: CurrentAdmin, accounts: AccountsDep) -> PrincipalCreated:
    """A new learner, employer, institution or admin, with its API token. The token is in this
    answer only: the service keeps its hash, so hand it over now. A learner's ``identifiers`` are
    those you checked are theirs (see ``PUT /principals/{id}/identifiers``)."""
    principal, token = accounts.create_principal(body.name, body.role, institution=body.institution,
                                                 identifiers=body.identifiers)
    return PrincipalCreated(**_public(principal).model_dump(), token=token)


@router.get("", response_model=Page[PrincipalPublic], responses=documented(403))
def list_principals(_admin: CurrentAdmin, accounts: AccountsDep, page: PageDep,
                    role: Annotated[Role | None, Query(description="Only this role.")] = None,
                    ) -> Page[PrincipalPublic]:
    """The principals, oldest first, deactivated ones included."""
    principals, count = accounts.principals(role=role, offset=page.offset, limit=page.limit)
    return Page(data=[_public(p) for p in principals], count=count)


@router.get("/me", response_model=PrincipalPublic)
def who_am_i(principal: CurrentPrincipal) -> PrincipalPublic:
    """The principal the token belongs to."""
    return _public(principal)


@router.post("/me/token", response_model=PrincipalCreated, dependencies=[Depends(not_stored)])
def rotate_own_token(principal: CurrentPrincipal, accounts: AccountsDep) -> PrincipalCreated:
    """A new token for the caller, shown this once; the token this request carried stops working."""
    return _rotated(principal.id, accounts)


@router.post("/{principal_id}/token", response_model=PrincipalCreated, dependencies=[Depends(not_stored)],
             responses=documented(403, 404, 409))
def rotate_token(principal_id: str, _admin: CurrentAdmin, accounts: AccountsDep) -> PrincipalCreated:
    """A new token for a principal (one whose token leaked, or was lost), shown this once; its
    old token stops working. A deactivated principal gets none (409)."""
    return _rotated(principal_id, accounts)


@router.put("/{principal_id}/identifiers", response_model=PrincipalPublic, responses=documented(403, 404, 409))
def register_identifiers(principal_id: str, body: PrincipalIdentifiersUpdate, _admin: CurrentAdmin,
                         accounts: AccountsDep) -> PrincipalPublic:
    """Replace a learner's identifiers: the e-mail addresses and DIDs you checked, out of band,
    are theirs. A learner cannot register its own, or it could claim anyone's credentials. Once
    a learner has identifiers, a credential naming its recipient is added to the passport only
    if it was issued to one of them. Only learners have identifiers (422); one identifier
    belongs to one learner (409)."""
    principal = accounts.register_identifiers(principal_id, body.identifiers)
    if principal is None:
        raise HTTPException(404, f"no principal {principal_id!r}")
    return _public(principal)


@router.post("/{principal_id}/deactivate", response_model=PrincipalPublic, responses=documented(403, 404, 409))
def deactivate(principal_id: str, _admin: CurrentAdmin, accounts: AccountsDep) -> PrincipalPublic:
    """Take a principal's access away: its token stops working at once, while what it made stays
    (a learner's passport and consents, an institution's catalogue). Doing it again changes
    nothing. The last active admin cannot be deactivated (409)."""
    principal = accounts.deactivate(principal_id)
    if principal is None:
        raise HTTPException(404, f"no principal {principal_id!r}")
    return _public(principal)


def _rotated(principal_id: str, accounts: AccountStore) -> PrincipalCreated:
    rotated = accounts.rotate_token(principal_id)
    if rotated is None:
        raise HTTPException(404, f"no principal {principal_id!r}")
    principal, token = rotated
    return PrincipalCreated(**_public(principal).model_dump(), token=token)


def _public(principal: Principal) -> PrincipalPublic:
    return PrincipalPublic(id=principal.id, name=principal.name, role=principal.role,
                           institution=principal.institution, identifiers=list(principal.identifiers),
                           created_at=principal.created_at, deactivated_at=principal.deactivated_at)
