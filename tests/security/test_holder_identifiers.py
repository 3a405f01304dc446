"""Holder identifiers: the e-mail addresses and DIDs an admin checked are a learner's. Only an
admin registers them, only for learners, normalised and each for one learner; a credential issued
to someone else is refused from the passport of a learner who has them, and one the learner holds
proves skills only if it was issued to one of them. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skillmatch.matching import Matcher
from skillmatch.store.accounts import MAX_IDENTIFIER_CHARS, MAX_IDENTIFIERS
from tests.conftest import SAMPLES, Caller, problem
from tests.security.conftest import make, service

DAAN = ["daan.verhoeven@example.com", "did:example:d4an5v3rh03v3n7f3a"]  # the sample learner (samples README)
WALLET = SAMPLES / "wallet"
#: The sample wallet's OB 2.0 assertions that embed their badge (and name their recipient, hashed).
ASSERTIONS = ("assertion-hds-python-voor-data-analyse.json", "assertion-rll-elektrische-installaties.json",
              "assertion-rll-zonnepanelen-installeren.json", "assertion-uvn-energy-transition.json")
#: Signed, to Daan's DID and to his hashed e-mail address.
SIGNED = ("ob3-fhr-smart-grid-monitoring.json", "ob3-hds-energiedata-analyseren.jwt")


@pytest.fixture
def api(store_url: str | None, tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    with service(tmp_path, esco_matcher, database_url=store_url) as client:
        yield client


def learner(api: TestClient, name: str, identifiers: list[str]) -> Caller:
    principal, token = api.app.state.services.accounts.create_principal(name, "learner", identifiers=identifiers)
    return Caller(principal.id, token)


def upload(api: TestClient, caller: Caller, name: str):
    text = (WALLET / name).read_text(encoding="utf-8")
    body = {"jwt": text.strip()} if name.endswith(".jwt") else json.loads(text)
    return api.post("/v1/passports/me/credentials", json=body, headers=caller.headers)


def identifiers(api: TestClient, caller: Caller) -> list[str]:
    return api.get("/v1/principals/me", headers=caller.headers).json()["identifiers"]


def test_the_admin_registers_a_learner_s_identifiers_normalised(api: TestClient) -> None:
    admin = make(api, "admin", "admin")
    created = api.post("/v1/principals", headers=admin.headers, json={
        "name": "daan", "role": "learner",
        "identifiers": ["  Daan.Verhoeven@Example.COM ", DAAN[1], "daan.verhoeven@example.com"]})
    assert created.status_code == 201, created.text
    assert created.json()["identifiers"] == DAAN
    daan = Caller(created.json()["id"], created.json()["token"])
    assert identifiers(api, daan) == DAAN
    # Replaced as a whole; a DID or URL keeps its case, only e-mail addresses ignore it.
    path = f"/v1/principals/{daan.id}/identifiers"
    replaced = api.put(path, headers=admin.headers, json={"identifiers": ["did:example:D4AN", "Daan@Example.org"]})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["identifiers"] == ["daan@example.org", "did:example:D4AN"] == identifiers(api, daan)
    listed = {p["id"]: p for p in api.get("/v1/principals", headers=admin.headers).json()["data"]}
    assert listed[daan.id]["identifiers"] == ["daan@example.org", "did:example:D4AN"]
    assert listed[admin.id]["identifiers"] == []
    assert api.put(path, headers=admin.headers, json={"identifiers": []}).json()["identifiers"] == []
    problem(api.put(f"/v1/principals/{uuid.uuid4()}/identifiers", headers=admin.headers,
                    json={"identifiers": DAAN}), 404)


def test_a_learner_cannot_register_identifiers_of_its_own(api: TestClient) -> None:
    make(api, "admin", "admin")
    daan = learner(api, "daan", [])
    for path in (f"/v1/principals/{daan.id}/identifiers", "/v1/principals/me/identifiers"):
        refused = problem(api.put(path, headers=daan.headers, json={"identifiers": DAAN}), 403)
        assert "needs the role admin" in refused["detail"]
    problem(api.post("/v1/principals", headers=daan.headers,
                     json={"name": "daan 2", "role": "learner", "identifiers": DAAN}), 403)
    assert identifiers(api, daan) == []


@pytest.mark.parametrize(("value", "message"), [
    ("", "at least 1 character"),
    ("   ", f"an identifier is 1 to {MAX_IDENTIFIER_CHARS} characters"),
    ("x" * (MAX_IDENTIFIER_CHARS + 1), f"at most {MAX_IDENTIFIER_CHARS} characters"),
    ("daan", "'daan' is not an identifier"),
    ("daan verhoeven@example.com", "is not an identifier"),
    ("did:example: d4an", "is not an identifier"),
])
def test_a_bad_identifier_is_refused_with_the_reason(api: TestClient, value: str, message: str) -> None:
    admin, daan = make(api, "admin", "admin"), learner(api, "daan", DAAN)
    refused = problem(api.put(f"/v1/principals/{daan.id}/identifiers", headers=admin.headers,
                              json={"identifiers": ["eva@example.com", value]}), 422)
    assert message in refused["detail"]
    assert identifiers(api, daan) == DAAN


def test_identifiers_are_for_learners_only_and_each_for_one_learner(api: TestClient) -> None:
    admin, acme = make(api, "admin", "admin"), make(api, "acme", "employer")
    daan, eva = learner(api, "daan", DAAN), learner(api, "eva", [])
    refused = problem(api.put(f"/v1/principals/{acme.id}/identifiers", headers=admin.headers,
                              json={"identifiers": ["hr@acme.example"]}), 422)
    assert "only learners have identifiers" in refused["detail"] and refused["detail"].endswith("not an employer")
    problem(api.post("/v1/principals", headers=admin.headers,
                     json={"name": "x", "role": "institution", "institution": "X", "identifiers": ["x@x.example"]}),
            422)
    # Daan's address in other letters is still Daan's: Eva cannot have it too.
    taken = problem(api.put(f"/v1/principals/{eva.id}/identifiers", headers=admin.headers,
                            json={"identifiers": ["DAAN.Verhoeven@example.com"]}), 409)
    assert "registered for another learner" in taken["detail"] and identifiers(api, eva) == []
    assert api.put(f"/v1/principals/{daan.id}/identifiers", headers=admin.headers,
                   json={"identifiers": DAAN}).json()["identifiers"] == DAAN
    too_many = [f"daan{i}@example.com" for i in range(MAX_IDENTIFIERS + 1)]
    problem(api.put(f"/v1/principals/{daan.id}/identifiers", headers=admin.headers,
                    json={"identifiers": too_many}), 422)


def test_a_credential_issued_to_someone_else_is_refused(api: TestClient) -> None:
    eva = learner(api, "eva", ["eva@example.com", "did:example:eva"])
    for name in (*ASSERTIONS, *SIGNED):
        refused = problem(upload(api, eva, name), 422)
        assert "this credential was issued to someone else" in refused["detail"], name
        assert "sha256" not in refused["detail"] and DAAN[1] not in refused["detail"]  # whom it was issued to
    assert api.get("/v1/passports/me", headers=eva.headers).json()["credentials"] == []

    daan = learner(api, "daan", DAAN)
    assert [upload(api, daan, name).status_code for name in (*ASSERTIONS, *SIGNED)] == [201] * 6


def test_only_credentials_issued_to_the_holder_prove(api: TestClient) -> None:
    daan, sam = learner(api, "daan", DAAN), learner(api, "sam", [])
    for caller in (daan, sam):
        assert [upload(api, caller, name).status_code for name in SIGNED] == [201, 201]
    own = api.get("/v1/passports/me", headers=daan.headers).json()
    assert own["skills"] and all(c["verification"]["status"] == "verified" for c in own["credentials"])
    # Without a registered identifier nothing binds a credential to Sam: the signatures are fine,
    # the skills only claimed.
    unbound = api.get("/v1/passports/me", headers=sam.headers).json()
    assert unbound["skills"] == [] and {s["uri"] for s in unbound["claimed"]} >= {s["uri"] for s in own["skills"]}
