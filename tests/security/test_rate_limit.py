"""The routes that map text are rate-limited per principal: a token bucket of ``rate_limit_burst``
calls, refilled at ``rate_limit_per_minute``; over it is 429 with ``Retry-After``."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.limits import RateLimited, RateLimiter
from skillmatch.matching import Matcher
from tests.conftest import problem
from tests.security.conftest import make, service


def test_a_principal_over_its_rate_is_told_when_to_retry(tmp_path: Path, esco_matcher: Matcher) -> None:
    with service(tmp_path, esco_matcher, rate_limit_burst=2, rate_limit_per_minute=1) as api:
        daan, eva = make(api, "daan", "learner"), make(api, "eva", "learner")
        texts = {"texts": ["data analyst"]}
        assert api.post("/v1/match/occupations", headers=daan.headers, json=texts).status_code == 200
        assert api.post("/v1/match/skills", headers=daan.headers, json=texts).status_code == 200
        refused = api.post("/v1/match/occupations", headers=daan.headers, json=texts)
        body = problem(refused, 429)
        assert body["type"].endswith("/too-many-requests")
        assert body["detail"].startswith("too many requests that map text: 2 at once and 1 a minute are allowed")
        assert 55 <= int(refused.headers["Retry-After"]) <= 60
        # The bucket is the principal's: another one is not held back, nor are the cheap routes.
        assert api.post("/v1/match/skills", headers=eva.headers, json=texts).status_code == 200
        assert api.get("/v1/principals/me", headers=daan.headers).status_code == 200
        # No token, no bucket: the 401 comes first.
        problem(api.post("/v1/match/skills", json=texts), 401)


def test_the_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=6, burst=2, clock=lambda: now[0])
    limiter.take("daan")
    limiter.take("daan")
    with pytest.raises(RateLimited) as refused:
        limiter.take("daan")
    assert refused.value.headers == {"Retry-After": "10"}
    now[0] = 5.0
    with pytest.raises(RateLimited) as refused:
        limiter.take("daan")
    assert refused.value.headers == {"Retry-After": "5"}
    now[0] = 10.0
    limiter.take("daan")
    # A long pause refills the bucket to its size, no further.
    now[0] = 1000.0
    limiter.take("daan")
    limiter.take("daan")
    with pytest.raises(RateLimited):
        limiter.take("daan")


def test_a_rate_of_zero_is_no_limit() -> None:
    limiter = RateLimiter(per_minute=0, burst=1)
    for _ in range(100):
        limiter.take("daan")
