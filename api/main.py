"""The skillmatch HTTP service: ``create_app`` builds the FastAPI app.

Run it with ``skillmatch serve``, or with uvicorn as a factory (each worker process builds its own
app, opening the stores and loading the matcher once)::

    uvicorn --factory api.main:create_app --workers 4
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api import docs, errors
from api.config import ApiSettings
from api.deps import Services
from api.limits import BodySizeLimit, MatchBudget, RateLimiter, storable_text
from api.pages import router as pages_router
from api.routes import api_router
from api.wallet import passport_json
from skillmatch import __version__
from skillmatch.credentials import TrustList
from skillmatch.matching import Matcher
from skillmatch.matching.background import BackgroundMatcher
from skillmatch.matching.queue import STAGE_THREADS, MatchQueue
from skillmatch.service import LearnerPassports, prepare_advice
from skillmatch.store import CatalogueStore
from skillmatch.store.accounts import AccountStore

DESCRIPTION = """\
Links (micro)credentials to ESCO, the EU's taxonomy of skills and occupations.

- **taxonomy** and **matching**: look up ESCO concepts, map learning outcomes to skills and job
  titles or vacancies to occupations;
- **catalogue** (institutions): import credentials, review their ESCO skills, export them
  enriched, see what the offer covers and where it overlaps with other institutions';
- **passports** (learners): add held badges, see the skills they prove with the evidence, the gap
  to a role, the roles that fit and the next credentials to take, and consent to employers;
- **employers**: read a passport its holder shares with you, rank consenting learners for a role.

Every path but `/v1/health` needs `Authorization: Bearer <token>`; an admin creates principals and their tokens,
and may rotate a token or deactivate a principal. The routes that map text are rate-limited per
principal (429 with `Retry-After`), and a matching request has a budget of texts, characters and
learning outcomes. Errors are `application/problem+json`. This service uses the ESCO classification
of the European Commission.
"""


def create_app(settings: ApiSettings | None = None, *, matcher: Matcher | None = None,
               loading: BackgroundMatcher | None = None) -> FastAPI:
    """The app on ``settings`` (default: from the environment). A fitted ``matcher`` is used as
    given (tests share one), as is a matcher ``loading`` already; otherwise the matcher starts
    loading in the background when the app starts, and the app answers meanwhile."""
    settings = settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = CatalogueStore.open(settings.database_url, settings.data_dir)
        try:
            trust = TrustList.load(settings.trust_list) if settings.trust_list else None
            accounts = AccountStore(store.engine)
            # The service answers at once: what needs the matcher waits for it, the rest does not.
            # A matcher given (tests) is used here; else the shared matching process of `serve
            # --workers N`, which queues and batches the requests of every worker itself.
            address = settings.matcher_address if loading is None and matcher is None else None
            if address is not None:
                background = BackgroundMatcher.remote(settings.data_dir, address)
            elif loading is not None:
                background = loading
            elif matcher is not None:
                background = BackgroundMatcher.ready(matcher)
            else:
                background = BackgroundMatcher.start(settings.data_dir, settings.encoder,
                                                     training_data=settings.training_data, threads=STAGE_THREADS)
            prepare_advice(background)
            queue = None if address is not None else \
                MatchQueue(lambda: background.matcher, window_s=settings.match_batch_window_ms / 1000)
            app.state.services = Services(
                settings=settings, store=store, accounts=accounts, loading=background, trust=trust,
                passports=LearnerPassports(accounts, store, background, trust, render=passport_json),
                queue=queue,
                budget=MatchBudget(max_texts=settings.match_max_texts, max_text_chars=settings.match_max_text_chars,
                                   max_chars=settings.match_max_chars, max_outcomes=settings.match_max_outcomes),
                limiter=RateLimiter(per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst))
            yield
        finally:
            store.close()

    # Text no database can store is refused once, here, for every route that takes a body.
    app = FastAPI(title="skillmatch", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  dependencies=[Depends(storable_text)], docs_url=None, redoc_url=None)
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.include_router(api_router)
    app.include_router(pages_router)
    docs.install(app)
    return app
