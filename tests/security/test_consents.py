"""An employer's candidates are the learners whose consent it accepted: a learner consents on their
own, so without acceptance anyone could push profiles into an employer's ranking. The employer
lists, accepts and declines the consents given to it; a deactivated learner's consents no longer
count, and no consent goes to a deactivated employer. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skillmatch.matching import Matcher
from tests.conftest import SAMPLES, Caller, problem
from tests.security.conftest import make, service

SOLAR = SAMPLES / "wallet" / "assertion-rll-zonnepanelen-installeren.json"


@pytest.fixture
def api(store_url: str | None, tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    with service(tmp_path, esco_matcher, database_url=store_url) as client:
        yield client


def with_badge(api: TestClient, learner: Caller) -> Caller:
    """The learner, holding the solar badge: an OB 2.0 assertion, so its skills are claimed."""
    response = api.post("/v1/passports/me/credentials", json=json.loads(SOLAR.read_text(encoding="utf-8")),
                        headers=learner.headers)
    assert response.status_code == 201, response.text
    return learner


def role_of(api: TestClient, learner: Caller, matcher: Matcher) -> dict:
    """A role the learner's claimed skills rank for."""
    skill = api.get("/v1/passports/me", headers=learner.headers).json()["claimed"][0]["uri"]
    return {"role": matcher.taxonomy.occupations_for(skill)[0].uri, "kind": "occupation", "include_claimed": True}


def ranked(api: TestClient, employer: Caller, role: dict) -> set[str]:
    response = api.post("/v1/candidates", json=role, headers=employer.headers)
    assert response.status_code == 200, response.text
    return {candidate["learner_id"] for candidate in response.json()["data"]}


def consent(api: TestClient, learner: Caller, employer: Caller, *scope: str) -> dict:
    response = api.put(f"/v1/passports/me/consents/{employer.id}", json={"scope": list(scope or ["skills"])},
                       headers=learner.headers)
    assert response.status_code == 200, response.text
    return response.json()


def received(api: TestClient, employer: Caller, **params) -> dict:
    response = api.get("/v1/consents", params=params, headers=employer.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_employer_ranks_only_the_consents_it_accepted(api: TestClient, esco_matcher: Matcher) -> None:
    daan, eva = with_badge(api, make(api, "daan", "learner")), with_badge(api, make(api, "eva", "learner"))
    acme = make(api, "acme", "employer")
    role = role_of(api, daan, esco_matcher)
    assert not consent(api, daan, acme)["accepted"] and not consent(api, eva, acme)["accepted"]
    pending = received(api, acme)
    assert pending["count"] == 2 and {c["learner_id"] for c in pending["data"]} == {daan.id, eva.id}
    assert not any(c["accepted"] or c["accepted_at"] for c in pending["data"])
    assert ranked(api, acme, role) == set()
    # Reading one passport is the employer's own choice: a standing consent is enough.
    assert api.get(f"/v1/passports/{daan.id}", headers=acme.headers).status_code == 200

    response = api.post(f"/v1/consents/{daan.id}/accept", headers=acme.headers)
    assert response.status_code == 200, response.text
    accepted = response.json()
    assert accepted["accepted"] and accepted["learner"] == "daan" and accepted["scope"] == ["skills"]
    assert api.post(f"/v1/consents/{daan.id}/accept", headers=acme.headers).json() == accepted
    assert ranked(api, acme, role) == {daan.id}
    assert [c["learner_id"] for c in received(api, acme, accepted=True)["data"]] == [daan.id]
    assert [c["learner_id"] for c in received(api, acme, accepted=False)["data"]] == [eva.id]
    page = received(api, acme, offset=1, limit=1)
    assert page["count"] == 2 and len(page["data"]) == 1
    [mine] = api.get("/v1/passports/me/consents", headers=daan.headers).json()["data"]
    assert mine["accepted"] and mine["accepted_at"] == accepted["accepted_at"]

    # A new scope keeps the acceptance; revoked and granted again, the consent waits again.
    assert consent(api, daan, acme, "skills", "evidence")["accepted_at"] == accepted["accepted_at"]
    assert ranked(api, acme, role) == {daan.id}
    assert api.delete(f"/v1/passports/me/consents/{acme.id}", headers=daan.headers).status_code == 204
    again = consent(api, daan, acme)
    assert not again["accepted"] and again["accepted_at"] is None
    assert ranked(api, acme, role) == set()


def test_declining_a_consent_revokes_it(api: TestClient) -> None:
    daan, acme = make(api, "daan", "learner"), make(api, "acme", "employer")
    consent(api, daan, acme)
    api.post(f"/v1/consents/{daan.id}/accept", headers=acme.headers)
    assert api.post(f"/v1/consents/{daan.id}/decline", headers=acme.headers).status_code == 204
    [mine] = api.get("/v1/passports/me/consents", headers=daan.headers).json()["data"]
    assert not mine["standing"] and mine["revoked_at"] and not mine["accepted"]
    problem(api.get(f"/v1/passports/{daan.id}", headers=acme.headers), 404)
    assert received(api, acme) == {"data": [], "count": 0}
    problem(api.post(f"/v1/consents/{daan.id}/decline", headers=acme.headers), 404)
    problem(api.post(f"/v1/consents/{daan.id}/accept", headers=acme.headers), 404)
    # The learner may ask again: the employer decides again.
    assert not consent(api, daan, acme)["accepted"]
    assert [c["accepted"] for c in received(api, acme)["data"]] == [False]


def test_only_the_employer_a_consent_was_given_to_reviews_it(api: TestClient) -> None:
    admin, daan = make(api, "admin", "admin"), make(api, "daan", "learner")
    acme, globex = make(api, "acme", "employer"), make(api, "globex", "employer")
    consent(api, daan, acme)
    assert "needs the role employer" in problem(api.get("/v1/consents", headers=daan.headers), 403)["detail"]
    problem(api.post(f"/v1/consents/{daan.id}/accept", headers=admin.headers), 403)
    problem(api.post(f"/v1/consents/{daan.id}/decline", headers=daan.headers), 403)
    # Another employer, and an id no one consented with, get the same answer.
    other = problem(api.post(f"/v1/consents/{daan.id}/accept", headers=globex.headers), 404)
    made_up = uuid.uuid4()
    unknown = problem(api.post(f"/v1/consents/{made_up}/decline", headers=acme.headers), 404)
    assert other["detail"] == unknown["detail"].replace(str(made_up), daan.id)
    assert received(api, globex)["count"] == 0
    assert not received(api, acme)["data"][0]["accepted"]


def test_a_deactivated_learner_s_consents_no_longer_count(api: TestClient, esco_matcher: Matcher) -> None:
    admin, acme = make(api, "admin", "admin"), make(api, "acme", "employer")
    daan = with_badge(api, make(api, "daan", "learner"))
    role = role_of(api, daan, esco_matcher)
    consent(api, daan, acme, "skills", "credentials")
    api.post(f"/v1/consents/{daan.id}/accept", headers=acme.headers)
    assert ranked(api, acme, role) == {daan.id}

    assert api.post(f"/v1/principals/{daan.id}/deactivate", headers=admin.headers).status_code == 200
    assert ranked(api, acme, role) == set()
    problem(api.get(f"/v1/passports/{daan.id}", headers=acme.headers), 404)
    assert received(api, acme)["count"] == 0
    problem(api.post(f"/v1/consents/{daan.id}/accept", headers=acme.headers), 404)


def test_no_consent_goes_to_a_deactivated_employer(api: TestClient) -> None:
    admin, daan, acme = make(api, "admin", "admin"), make(api, "daan", "learner"), make(api, "acme", "employer")
    assert api.post(f"/v1/principals/{acme.id}/deactivate", headers=admin.headers).status_code == 200
    made_up = str(uuid.uuid4())
    refused = problem(api.put(f"/v1/passports/me/consents/{acme.id}", json={"scope": ["skills"]},
                              headers=daan.headers), 404)
    unknown = problem(api.put(f"/v1/passports/me/consents/{made_up}", json={"scope": ["skills"]},
                              headers=daan.headers), 404)
    assert refused["detail"] == unknown["detail"].replace(made_up, acme.id)
    assert api.get("/v1/passports/me/consents", headers=daan.headers).json()["count"] == 0
