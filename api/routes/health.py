"""Whether this worker process answers, and whether its matcher has loaded: for a readiness probe
or a load balancer, so without a token. It says nothing about any principal or their data."""

from __future__ import annotations

import os

from fastapi import APIRouter

from api.deps import ServicesDep
from api.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic)
async def health(services: ServicesDep) -> HealthPublic:
    """``matcher``: ``loading`` (stored passports, gaps and taxonomy reads are answered; matching
    waits), ``ready`` or ``failed`` (matching answers 503 with the reason). ``process``: the worker
    process that answered, as each worker loads its own matcher."""
    return HealthPublic(matcher=services.loading.state, process=os.getpid())
