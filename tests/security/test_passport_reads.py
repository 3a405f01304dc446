"""A passport read does no matching: a held credential's skills are mapped once, when it is added
(within the matching budget), and only mapped again after the matcher changed. Before, every read
of a passport, a gap or an employer's candidate ranking mapped every uncatalogued credential again
(46-51 s for a learner holding 20 credentials of 60 outcomes)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from skillmatch.matching import Matcher
from tests.conftest import SAMPLES
from tests.security.conftest import make, service

SIGNED = SAMPLES / "wallet" / "ob3-fhr-smart-grid-monitoring.json"
UNSIGNED = SAMPLES / "wallet" / "edc-hsv-circulaire-economie.json"


def with_outcomes(n: int, length: int = 80) -> dict:
    """The unsigned sample credential, stating ``n`` learning outcomes of ``length`` characters."""
    credential = json.loads(UNSIGNED.read_text(encoding="utf-8"))
    credential["id"] = f"urn:uuid:outcomes-{n}-{length}"
    text = ("De student analyseert materiaalstromen en stelt verbeteringen voor met de R-ladder " * 60)[:length]
    claim = credential["credentialSubject"]["hasClaim"]
    claim = claim[0] if isinstance(claim, list) else claim
    spec = claim["specifiedBy"]
    spec["learningOutcome"] = [{"id": f"urn:lo:{i}", "type": "LearningOutcome",
                                "title": {"nl": f"{text} ({i})"}} for i in range(n)]
    return credential


class Counting:
    """Counts the matcher's outcome matching, the costly step of a passport."""

    def __init__(self, matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = matcher.match_outcomes_batch

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(matcher, "match_outcomes_batch", counted)


def test_a_passport_read_maps_nothing(tmp_path: Path, esco_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    with service(tmp_path, esco_matcher) as api:
        daan = make(api, "daan", "learner")
        counting = Counting(esco_matcher, monkeypatch)
        for path in (SIGNED, UNSIGNED):
            assert api.post("/v1/passports/me/credentials", json=json.loads(path.read_text(encoding="utf-8")),
                            headers=daan.headers).status_code == 201
        assert counting.calls == 2  # once per credential, when it is added
        passport = api.get("/v1/passports/me", headers=daan.headers).json()
        assert len(passport["credentials"]) == 2 and passport["claimed"]
        api.get("/v1/passports/me/gap", params={"occupation": "energy analyst"}, headers=daan.headers)
        assert counting.calls == 2
        # After a change of the matcher, a read maps each credential again, once, and stores it.
        accounts = api.app.state.services.accounts
        for held in accounts.held(daan.id):
            accounts.remap_held(held.id, held.links, "an older matcher")
        again = api.get("/v1/passports/me", headers=daan.headers).json()
        assert counting.calls == 4 and again["claimed"] == passport["claimed"]
        api.get("/v1/passports/me", headers=daan.headers)
        assert counting.calls == 4


@pytest.mark.parametrize(("outcomes", "length", "limit"), [
    (201, 80, "SKILLMATCH_MATCH_MAX_OUTCOMES"),
    (2, 4_500, "SKILLMATCH_MATCH_MAX_TEXT_CHARS"),
    (150, 180, "SKILLMATCH_MATCH_MAX_CHARS"),
])
def test_a_credential_over_the_matching_budget_is_refused_at_once(tmp_path: Path, esco_matcher: Matcher,
                                                                  outcomes: int, length: int, limit: str) -> None:
    with service(tmp_path, esco_matcher) as api:
        daan = make(api, "daan", "learner")
        started = time.perf_counter()
        response = api.post("/v1/passports/me/credentials", json=with_outcomes(outcomes, length),
                            headers=daan.headers)
        assert response.status_code == 413 and limit in response.json()["detail"]
        assert time.perf_counter() - started < 1.0
        assert api.get("/v1/passports/me", headers=daan.headers).json()["credentials"] == []


def test_an_institution_s_credential_over_the_matching_budget_is_refused_at_once(tmp_path: Path,
                                                                                 esco_matcher: Matcher) -> None:
    with service(tmp_path, esco_matcher) as api:
        admin = make(api, "admin", "admin")
        started = time.perf_counter()
        response = api.post("/v1/catalogue/credentials", headers=admin.headers,
                            json=with_outcomes(201)["credentialSubject"]["hasClaim"][0]["specifiedBy"]
                            | {"type": "LearningAchievementSpecification"})
        assert response.status_code == 413 and "SKILLMATCH_MATCH_MAX_OUTCOMES" in response.json()["detail"]
        assert time.perf_counter() - started < 1.0
        assert api.get("/v1/catalogue/credentials", headers=admin.headers).json()["count"] == 0
