"""Who may do what, rule by rule: authentication, roles, a learner's own passport, employers and
consent (scope, revocation, candidate ranking), institutions and their own catalogue; with guessed
ids and with other principals' tokens. On SQLite and PostgreSQL (the ``store_url`` fixture)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from api.config import ApiSettings
from api.main import create_app
from skillmatch.matching import Matcher
from tests.conftest import SAMPLES, Caller, problem

SOLAR = SAMPLES / "wallet" / "assertion-rll-zonnepanelen-installeren.json"
DATAVIS_CLASS = SAMPLES / "catalogue" / "hds-data-visualisation.json"
WELDING_CLASS = SAMPLES / "catalogue" / "rll-lassen-mig-mag.json"


@pytest.fixture
def api(store_url: str | None, tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    # Unlimited: rules are checked here with more ranking calls than a burst allows (tests/security
    # checks the rate limit).
    settings = ApiSettings(data_dir=tmp_path, database_url=store_url, trust_list=SAMPLES / "trust.json",
                           rate_limit_per_minute=0)
    with TestClient(create_app(settings, matcher=esco_matcher)) as client:
        yield client


@pytest.fixture
def people(api: TestClient) -> dict[str, Caller]:
    """One principal per part: an admin, two learners, two employers, two institutions."""
    accounts = api.app.state.services.accounts
    made = {}
    for name, role, institution in (("admin", "admin", None), ("daan", "learner", None), ("eva", "learner", None),
                                    ("acme", "employer", None), ("globex", "employer", None),
                                    ("deltastad", "institution", "Hogeschool Deltastad"),
                                    ("roc", "institution", "ROC Lek en Linge")):
        principal, token = accounts.create_principal(name, role, institution=institution)
        made[name] = Caller(principal.id, token)
    return made


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def add_badge(api: TestClient, learner: Caller, path: Path = SOLAR) -> str:
    response = api.post("/v1/passports/me/credentials", json=load(path), headers=learner.headers)
    assert response.status_code == 201, response.text
    return response.json()["held_id"]


# -- authentication and roles -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/passports/me", "/v1/taxonomy/search?q=python", "/v1/principals",
                                  "/v1/catalogue/credentials", f"/v1/passports/{uuid.uuid4()}"])
def test_no_token_or_a_wrong_one_is_401(api: TestClient, people: dict[str, Caller], path: str) -> None:
    missing = problem(api.get(path), 401)
    assert missing["detail"].startswith("no API token") and api.get(path).headers["WWW-Authenticate"] == "Bearer"
    for header in (f"Bearer {people['daan'].token}x", "Bearer " + "A" * 43, f"Basic {people['daan'].token}"):
        response = api.get(path, headers={"Authorization": header})
        problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("caller", "method", "path", "needed"), [
    ("daan", "POST", "/v1/principals", "admin"),
    ("acme", "GET", "/v1/principals", "admin"),
    ("acme", "GET", "/v1/passports/me", "learner"),
    ("deltastad", "PUT", "/v1/passports/me/consents/x", "learner"),
    ("daan", "POST", "/v1/candidates", "employer"),
    ("daan", "GET", "/v1/consents", "employer"),
    ("admin", "POST", "/v1/consents/{eva}/accept", "employer"),
    ("acme", "PUT", "/v1/principals/{eva}/identifiers", "admin"),
    ("daan", "GET", "/v1/passports/{eva}", "employer"),
    ("admin", "GET", "/v1/passports/{eva}", "employer"),
    ("daan", "GET", "/v1/catalogue/credentials", "institution or admin"),
    ("acme", "POST", "/v1/catalogue/credentials", "institution or admin"),
])
def test_a_wrong_role_is_403_naming_the_role_needed(api: TestClient, people: dict[str, Caller], caller: str,
                                                    method: str, path: str, needed: str) -> None:
    body = {"name": "x", "role": "learner"} if path == "/v1/principals" else {"role": "nurse", "scope": ["skills"]}
    response = api.request(method, path.format(eva=people["eva"].id), json=body, headers=people[caller].headers)
    assert f"needs the role {needed};" in problem(response, 403)["detail"]


def test_the_admin_creates_principals_whose_tokens_are_stored_hashed(api: TestClient,
                                                                     people: dict[str, Caller]) -> None:
    admin = people["admin"].headers
    created = api.post("/v1/principals", json={"name": "Hogeschool Zuiderpoort", "role": "institution",
                                               "institution": "Hogeschool Zuiderpoort"}, headers=admin)
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    me = api.get("/v1/principals/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {k: v for k, v in created.json().items() if k != "token"}
    assert "token" not in api.get("/v1/principals", headers=admin).json()["data"][0]
    problem(api.post("/v1/principals", json={"name": "Hogeschool Zuiderpoort", "role": "employer"},
                     headers=admin), 409)
    assert "needs its institution" in problem(
        api.post("/v1/principals", json={"name": "HZ", "role": "institution"}, headers=admin), 422)["detail"]
    # No token, not even the admin's, is in the database: only its SHA-256.
    engine = api.app.state.services.store.engine
    with engine.connect() as connection:
        stored = "\n".join(str(row) for table in inspect(engine).get_table_names()
                           for row in connection.execute(text(f'SELECT * FROM "{table}"')))
    for secret in [token, *(caller.token for caller in people.values())]:
        assert secret not in stored


# -- learners: their own passport only --------------------------------------------------------


def test_a_learner_reads_and_changes_only_their_own_passport(api: TestClient, people: dict[str, Caller]) -> None:
    daan, eva, acme = people["daan"], people["eva"], people["acme"]
    held = add_badge(api, daan)
    mine = api.get("/v1/passports/me", headers=daan.headers).json()
    assert mine["learner_id"] == daan.id and [c["held_id"] for c in mine["credentials"]] == [held]
    theirs = api.get("/v1/passports/me", headers=eva.headers).json()
    assert theirs["learner_id"] == eva.id and theirs["credentials"] == [] and theirs["skills"] == []
    # Eva's token on Daan's credential: as if it did not exist, and it stays.
    problem(api.delete(f"/v1/passports/me/credentials/{held}", headers=eva.headers), 404)
    problem(api.delete(f"/v1/passports/me/credentials/{uuid.uuid4()}", headers=daan.headers), 404)
    # A learner's token on the employers' path to another passport: not a learner's path at all.
    problem(api.get(f"/v1/passports/{daan.id}", headers=eva.headers), 403)
    # Eva's consents are her own: granting one does not open Daan's passport.
    assert api.put(f"/v1/passports/me/consents/{acme.id}", json={"scope": ["skills"]},
                   headers=eva.headers).status_code == 200
    problem(api.get(f"/v1/passports/{daan.id}", headers=acme.headers), 404)
    assert api.get("/v1/passports/me/consents", headers=daan.headers).json() == {"data": [], "count": 0}
    assert api.delete(f"/v1/passports/me/credentials/{held}", headers=daan.headers).status_code == 204
    assert api.get("/v1/passports/me", headers=daan.headers).json()["credentials"] == []


# -- employers: consent decides ---------------------------------------------------------------


def test_an_employer_sees_a_passport_only_while_consented_and_only_the_scope(api: TestClient,
                                                                             people: dict[str, Caller]) -> None:
    daan, acme, globex = people["daan"], people["acme"], people["globex"]
    add_badge(api, daan)
    path = f"/v1/passports/{daan.id}"
    # Without consent a learner's id and a made-up one get the same answer: ids cannot be probed.
    unknown = problem(api.get(f"/v1/passports/{uuid.uuid4()}", headers=acme.headers), 404)
    before = problem(api.get(path, headers=acme.headers), 404)
    assert before["detail"] == unknown["detail"].replace(unknown["instance"].rsplit("/", 1)[1], daan.id)
    problem(api.get(f"/v1/passports/{people['deltastad'].id}", headers=acme.headers), 404)

    granted = api.put(f"/v1/passports/me/consents/{acme.id}", json={"scope": ["skills"]}, headers=daan.headers)
    assert granted.status_code == 200 and granted.json()["employer"] == "acme" and granted.json()["standing"]
    shared = api.get(path, headers=acme.headers).json()
    assert shared["scope"] == ["skills"] and shared["name"] == "daan" and shared["credentials"] is None
    # The solar badge is not verified (an OB 2.0 assertion): its skills are shared as claimed.
    assert shared["skills"] == [] and shared["claimed"]
    assert all(skill["evidence"] is None for skill in shared["claimed"])
    own = api.get("/v1/passports/me", headers=daan.headers).json()
    assert {s["uri"] for s in shared["claimed"]} == {s["uri"] for s in own["claimed"]}
    problem(api.get(path, headers=globex.headers), 404)  # consent is per employer

    api.put(f"/v1/passports/me/consents/{acme.id}", json={"scope": ["credentials", "evidence", "skills"]},
            headers=daan.headers)
    shared = api.get(path, headers=acme.headers).json()
    assert shared["scope"] == ["skills", "evidence", "credentials"]
    assert all(skill["evidence"] for skill in shared["claimed"])
    assert [c["title"] for c in shared["credentials"]] == ["Zonnepanelen (PV-systemen) installeren"]
    assert shared["credentials"][0]["outcomes"] == own["credentials"][0]["outcomes"] != []
    # What each outcome proves is evidence: credentials without the evidence scope come without it.
    api.put(f"/v1/passports/me/consents/{acme.id}", json={"scope": ["credentials", "skills"]}, headers=daan.headers)
    shared = api.get(path, headers=acme.headers).json()
    assert shared["credentials"][0]["title"] and shared["credentials"][0]["outcomes"] is None

    assert api.delete(f"/v1/passports/me/consents/{acme.id}", headers=daan.headers).status_code == 204
    problem(api.get(path, headers=acme.headers), 404)
    problem(api.delete(f"/v1/passports/me/consents/{acme.id}", headers=daan.headers), 404)
    listed = api.get("/v1/passports/me/consents", headers=daan.headers).json()
    assert listed["count"] == 1 and listed["data"][0]["revoked_at"] and not listed["data"][0]["standing"]
    # Consent goes to employers only, with a known scope.
    problem(api.put(f"/v1/passports/me/consents/{people['eva'].id}", json={"scope": ["skills"]},
                    headers=daan.headers), 404)
    problem(api.put(f"/v1/passports/me/consents/{uuid.uuid4()}", json={"scope": ["skills"]}, headers=daan.headers),
            404)
    assert "body.scope.0" in problem(api.put(f"/v1/passports/me/consents/{acme.id}", json={"scope": ["grades"]},
                                             headers=daan.headers), 422)["detail"]
    assert "needs 'skills' too" in problem(api.put(f"/v1/passports/me/consents/{acme.id}",
                                                   json={"scope": ["evidence"]}, headers=daan.headers), 422)["detail"]


def test_candidate_ranking_covers_only_consenting_learners(api: TestClient, people: dict[str, Caller],
                                                           esco_matcher: Matcher) -> None:
    """Each consent here is accepted by its employer (tests/security/test_consents.py: without it
    a consent ranks no one)."""
    daan, eva, acme, globex = people["daan"], people["eva"], people["acme"], people["globex"]
    add_badge(api, daan)
    add_badge(api, eva)
    # The solar badge is not verified, so its skills count only when the employer asks for claims.
    skill = api.get("/v1/passports/me", headers=daan.headers).json()["claimed"][0]["uri"]
    role = {"role": esco_matcher.taxonomy.occupations_for(skill)[0].uri, "kind": "occupation",
            "include_claimed": True}

    def ranked(employer: Caller) -> dict[str, list | None]:
        response = api.post("/v1/candidates", json=role, headers=employer.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["count"] == len(body["data"]) and body["occupation"] == role["role"]
        assert api.post("/v1/candidates", json=role | {"include_claimed": False},
                        headers=employer.headers).json()["data"] == []
        return {c["learner_id"]: [m["evidence"] for m in c["matched"]] for c in body["data"]}

    def consent(learner: Caller, employer: Caller, scope: list[str]) -> None:
        api.put(f"/v1/passports/me/consents/{employer.id}", json={"scope": scope}, headers=learner.headers)
        assert api.post(f"/v1/consents/{learner.id}/accept", headers=employer.headers).status_code == 200

    assert ranked(acme) == {}
    consent(daan, acme, ["skills", "evidence"])
    consent(eva, globex, ["skills"])
    found = ranked(acme)
    assert list(found) == [daan.id] and all(found[daan.id])
    consent(eva, acme, ["skills"])
    found = ranked(acme)
    assert set(found) == {daan.id, eva.id} and all(e is None for e in found[eva.id]) and all(found[daan.id])
    # Revoked: out of the ranking; a consent without "skills" does not put a learner in it.
    api.delete(f"/v1/passports/me/consents/{acme.id}", headers=daan.headers)
    assert list(ranked(acme)) == [eva.id]
    consent(daan, acme, ["credentials"])
    assert list(ranked(acme)) == [eva.id]
    assert list(ranked(globex)) == [eva.id]


# -- institutions: their own catalogue --------------------------------------------------------


def test_an_institution_changes_only_its_own_catalogue(api: TestClient, people: dict[str, Caller]) -> None:
    deltastad, roc, admin = people["deltastad"], people["roc"], people["admin"]
    datavis, welding = load(DATAVIS_CLASS), load(WELDING_CLASS)
    refused = problem(api.post("/v1/catalogue/credentials", json=welding, headers=deltastad.headers), 403)
    assert "'ROC Lek en Linge'" in refused["detail"] and "'Hogeschool Deltastad'" in refused["detail"]
    assert api.post("/v1/catalogue/credentials", json=datavis, headers=deltastad.headers).status_code == 201
    assert api.post("/v1/catalogue/credentials", json=welding, headers=roc.headers).status_code == 201

    listed = api.get("/v1/catalogue/credentials", headers=deltastad.headers).json()
    assert [c["id"] for c in listed["data"]] == [datavis["id"]] and listed["count"] == 1
    assert api.get("/v1/catalogue/credentials", headers=admin.headers).json()["count"] == 2
    path = f"/v1/catalogue/credentials/{welding['id']}"
    problem(api.get(path, headers=deltastad.headers), 404)
    skill = api.get(path, headers=roc.headers).json()["skills"][0]["uri"]
    review = {"skill_uri": skill, "decision": "rejected", "note": "not taught"}
    problem(api.put(f"{path}/reviews", json=review, headers=deltastad.headers), 404)
    assert all(s["review"] is None for s in api.get(path, headers=roc.headers).json()["skills"])
    # Taking over another institution's credential id under one's own name is refused too.
    spoofed = datavis | {"id": welding["id"]}
    assert "another institution" in problem(api.post("/v1/catalogue/credentials", json=spoofed,
                                                     headers=deltastad.headers), 403)["detail"]
    assert api.get(path, headers=roc.headers).json()["title"] == welding["name"]
    # The owner and an admin may review it.
    assert api.put(f"{path}/reviews", json=review, headers=roc.headers).json()["reviewer"] == "roc"
    confirmed = api.put(f"{path}/reviews", json=review | {"decision": "confirmed"}, headers=admin.headers).json()
    assert confirmed["decision"] == "confirmed" and confirmed["reviewer"] == "admin"
    # What an institution exports and what its coverage counts is its own offer.
    exported = api.get("/v1/catalogue/export", params={"format": "ob3"}, headers=deltastad.headers).json()
    assert [c["id"] for c in exported["data"]] == [datavis["id"]]
    assert api.get("/v1/catalogue/coverage", headers=deltastad.headers).json()["credentials"] == 1
    problem(api.get("/v1/catalogue/coverage", params={"institution": "ROC Lek en Linge"},
                    headers=deltastad.headers), 403)
