"""Every error as ``application/problem+json`` (RFC 9457): ``type``, ``title``, ``status``,
``detail`` (what was wrong, in words) and ``instance`` (the path asked for).

skillmatch's own errors map onto statuses in one table (:data:`STATUSES`); HTTP errors raised by
the routes, by routing (unknown paths) and by request validation get the same shape, so a client
handles one error format.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.schemas import Problem
from skillmatch.errors import (
    CredentialError,
    DuplicateError,
    InputError,
    MatcherUnavailableError,
    SkillmatchError,
    StoreError,
    UnknownConceptError,
    VerificationError,
)
from skillmatch.store.accounts import AccountStateError

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Where the problem types live; each type is this plus a slug (``.../problems/unknown-concept``).
PROBLEM_BASE = "https://w3id.org/skillmatch/problems/"

#: skillmatch errors by status, most specific class first.
STATUSES: tuple[tuple[type[SkillmatchError], int, str], ...] = (
    (UnknownConceptError, 404, "unknown-concept"),
    (VerificationError, 422, "credential-not-verified"),
    (CredentialError, 422, "invalid-credential"),
    (DuplicateError, 409, "conflict"),
    (AccountStateError, 409, "conflict"),
    (InputError, 422, "invalid-input"),
    (StoreError, 503, "store-unavailable"),
    (MatcherUnavailableError, 503, "matcher-unavailable"),
)
_SLUGS = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
          405: "method-not-allowed", 409: "conflict", 413: "request-too-large", 422: "invalid-input",
          429: "too-many-requests", 503: "unavailable"}

log = logging.getLogger("skillmatch.api")


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route may answer with."""
    return {status: {"model": Problem, "description": HTTPStatus(status).phrase} for status in statuses}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(status: int, detail: str, *, instance: str, slug: str | None = None,
            headers: dict[str, str] | None = None, **extensions: Any) -> ProblemResponse:
    """One problem document as a response."""
    slug = slug or _SLUGS.get(status)
    body = {"type": PROBLEM_BASE + slug if slug else "about:blank", "title": HTTPStatus(status).phrase,
            "status": status, "detail": detail, "instance": instance, **extensions}
    return ProblemResponse(jsonable_encoder(body), status_code=status, headers=headers)


def _http_error(request: Request, exc: HTTPException) -> ProblemResponse:
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return _validation_error(request, _undecodable(exc.__cause__))
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    # Starlette's routing raises these with the bare status phrase; say what was asked for.
    if exc.status_code == 404 and detail == HTTPStatus.NOT_FOUND.phrase:
        detail = f"no such path: {request.method} {request.url.path} (the API's paths are listed at /docs)"
    elif exc.status_code == 405 and detail == HTTPStatus.METHOD_NOT_ALLOWED.phrase:
        allowed = (exc.headers or {}).get("Allow", "")
        detail = f"{request.method} is not allowed on {request.url.path}" + (f"; use {allowed}" if allowed else "")
    return problem(exc.status_code, detail, instance=request.url.path, headers=exc.headers)


def _validation_error(request: Request, exc: RequestValidationError) -> ProblemResponse:
    issues = [{"loc": ".".join(str(part) for part in error["loc"]), "msg": error["msg"], "type": error["type"]}
              for error in exc.errors()]
    detail = "; ".join(f"{issue['loc']}: {issue['msg']}" for issue in issues) or "the request is not valid"
    return problem(422, detail, instance=request.url.path, slug="validation", errors=issues)


def _undecodable(exc: UnicodeDecodeError) -> RequestValidationError:
    """FastAPI answers a JSON body that is not UTF-8 as a bare 400; it is an invalid body, and the
    byte where decoding stopped is where it is invalid (as FastAPI places JSON syntax errors)."""
    return RequestValidationError([{"type": "unicode_decode", "loc": ("body", exc.start),
                                    "msg": f"not valid UTF-8 ({exc.reason} at byte {exc.start}); send text as UTF-8"}])


def _skillmatch_error(request: Request, exc: SkillmatchError) -> ProblemResponse:
    for kind, status, slug in STATUSES:
        if isinstance(exc, kind):
            return problem(status, str(exc), instance=request.url.path, slug=slug)
    log.error("unhandled skillmatch error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, f"the service cannot answer: {exc}", instance=request.url.path, slug="server-error")


def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "an unexpected error occurred; it was logged", instance=request.url.path,
                   slug="server-error")


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem document, and say so in its OpenAPI schema."""
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(SkillmatchError, _skillmatch_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # FastAPI documents every response body as application/json; errors are problem+json.
            for path in default_openapi().get("paths", {}).values():
                for operation in path.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if status[0] in "45" and "application/json" in content:
                            content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
