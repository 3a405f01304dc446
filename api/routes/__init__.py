"""The ``/v1`` API: one router per resource, combined here. Every path but ``/v1/health`` needs a
bearer token."""

from fastapi import APIRouter

from api.errors import documented
from api.routes import catalogue, employers, health, match, passports, principals, taxonomy

api_router = APIRouter(prefix="/v1", responses=documented(401, 422, 503))
api_router.include_router(health.router)
api_router.include_router(taxonomy.router)
api_router.include_router(match.router)
api_router.include_router(catalogue.router)
# /passports/me before the employers' /passports/{learner_id}, which would take "me" for an id.
api_router.include_router(passports.router)
api_router.include_router(employers.router)
api_router.include_router(principals.router)
