"""Attacks on "proven": forged, downgraded, stripped credentials sent to the service as a learner
would. None may yield a proven skill or a verified mark; an employer ranking candidates counts
proven skills only, so a forgery cannot make its holder the top candidate."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skillmatch.matching import Matcher
from tests.conftest import SAMPLES
from tests.security.conftest import make, service
from tests.test_credentials_proof import unsigned_jwt

DAAN = ("daan.verhoeven@example.com", "did:example:d4an5v3rh03v3n7f3a")  # whom the samples were issued to
SIGNED = SAMPLES / "wallet" / "ob3-fhr-smart-grid-monitoring.json"  # eddsa-jcs-2022, trusted issuer
SIGNED_JWT = SAMPLES / "wallet" / "ob3-hds-energiedata-analyseren.jwt"  # VC-JWT, trusted issuer
ENERGY_ASSESSOR = "http://data.europa.eu/esco/occupation/c7f5cab7-7cfb-47d7-890c-6b9c00a9eaaf"


@pytest.fixture
def api(tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    with service(tmp_path, esco_matcher) as client:
        yield client


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def forged_energy_auditing(skills: list[str]) -> dict:
    """The trusted Fachhochschule's signed credential, renamed "Energy auditing", aligned to
    ``skills`` and with its proof gone: what a forger makes of a real credential."""
    forged = json.loads(SIGNED.read_text(encoding="utf-8"))
    del forged["proof"]
    achievement = forged["credentialSubject"]["achievement"]
    achievement["name"] = "Energy auditing"
    achievement["alignment"] = [{"type": ["Alignment"], "targetType": "ext:ESCOAlignment", "targetUrl": uri,
                                 "targetName": "energy", "targetFramework": "ESCO"} for uri in skills]
    return forged


def test_an_unsigned_jwt_in_a_trusted_institution_s_name_is_refused(api: TestClient) -> None:
    learner = make(api, "mallory", "learner").headers
    token = unsigned_jwt(jwt_claims(SIGNED_JWT.read_text(encoding="utf-8").strip()))
    response = api.post("/v1/passports/me/credentials", json={"jwt": token}, headers=learner)
    assert response.status_code == 422 and "not signed" in response.json()["detail"]
    assert api.get("/v1/passports/me", headers=learner).json()["credentials"] == []


def test_an_altered_credential_with_a_switched_cryptosuite_is_refused(api: TestClient) -> None:
    learner = make(api, "mallory", "learner").headers
    altered = json.loads(SIGNED.read_text(encoding="utf-8"))
    altered["credentialSubject"]["achievement"]["name"] = "Energy auditing"
    altered["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    response = api.post("/v1/passports/me/credentials", json=altered, headers=learner)
    assert response.status_code == 422 and "downgraded proof is refused" in response.json()["detail"]
    # the same change under the original suite fails its signature
    altered["proof"]["cryptosuite"] = "eddsa-jcs-2022"
    response = api.post("/v1/passports/me/credentials", json=altered, headers=learner)
    assert response.status_code == 422 and "altered" in response.json()["detail"]
    assert api.get("/v1/passports/me", headers=learner).json()["credentials"] == []


def test_a_stripped_proof_proves_nothing_and_its_skills_are_only_claimed(api: TestClient) -> None:
    learner = make(api, "mallory", "learner").headers
    genuine = json.loads(SIGNED.read_text(encoding="utf-8"))
    stripped = copy.deepcopy(genuine)
    del stripped["proof"]
    created = api.post("/v1/passports/me/credentials", json=stripped, headers=learner)
    assert created.status_code == 201 and created.json()["verification"]["status"] == "unverifiable"
    passport = api.get("/v1/passports/me", headers=learner).json()
    assert passport["skills"] == [] and passport["by_pillar"] == {}
    aligned = {a["targetUrl"] for a in genuine["credentialSubject"]["achievement"]["alignment"]}
    assert aligned <= {s["uri"] for s in passport["claimed"]}
    held = passport["credentials"][0]
    assert held["skills"] == 0 and held["verification"]["reason"] == "the credential carries no proof"
    assert all(not o["proves"] for o in held["outcomes"]) and any(o["claims"] for o in held["outcomes"])
    # The genuine credential, signed, proves what the stripped one only claims.
    holder = make(api, "daan", "learner", identifiers=DAAN).headers
    assert api.post("/v1/passports/me/credentials", json=genuine, headers=holder).status_code == 201
    passport = api.get("/v1/passports/me", headers=holder).json()
    assert aligned <= {s["uri"] for s in passport["skills"]}


def test_a_forged_credential_does_not_make_its_holder_the_top_candidate(api: TestClient,
                                                                       esco_matcher: Matcher) -> None:
    essential = [s.uri for s in esco_matcher.taxonomy.skills_of(ENERGY_ASSESSOR, "essential")]
    forger, holder, acme = (make(api, "mallory", "learner"), make(api, "daan", "learner", identifiers=DAAN),
                            make(api, "acme", "employer"))
    (mallory, as_mallory), (daan, as_daan), (employer, as_employer) = (
        (caller.id, caller.headers) for caller in (forger, holder, acme))
    assert api.post("/v1/passports/me/credentials", json=forged_energy_auditing(essential),
                    headers=as_mallory).status_code == 201
    for path in (SIGNED, SIGNED_JWT):
        text = path.read_text(encoding="utf-8")
        body = {"jwt": text.strip()} if path.suffix == ".jwt" else json.loads(text)
        assert api.post("/v1/passports/me/credentials", json=body, headers=as_daan).status_code == 201
    for learner, headers in ((mallory, as_mallory), (daan, as_daan)):
        api.put(f"/v1/passports/me/consents/{employer}", json={"scope": ["skills", "evidence", "credentials"]},
                headers=headers)
        api.post(f"/v1/consents/{learner}/accept", headers=as_employer)
    ranked = api.post("/v1/candidates", json={"role": ENERGY_ASSESSOR, "kind": "occupation"},
                      headers=as_employer).json()["data"]
    scores = {c["learner_id"]: c["score"] for c in ranked}
    assert scores[daan] > scores.get(mallory, 0.0)
    # The employer sees the forgery for what it is: claimed, with the credential's verification.
    shared = api.get(f"/v1/passports/{mallory}", headers=as_employer).json()
    assert shared["skills"] == [] and set(essential) <= {s["uri"] for s in shared["claimed"]}
    assert shared["credentials"][0]["verification"]["status"] == "unverifiable"
    # Asked to, the ranking counts claims too, and the forgery then wins: which is why it is not the default.
    with_claims = api.post("/v1/candidates", json={"role": ENERGY_ASSESSOR, "kind": "occupation",
                                                  "include_claimed": True}, headers=as_employer).json()["data"]
    assert with_claims[0]["learner_id"] == mallory
