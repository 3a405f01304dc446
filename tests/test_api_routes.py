"""The API's routes on the real ESCO index: taxonomy, matching, errors as problem+json, pagination,
the request size limit, verification of uploaded credentials, and one flow end to end (institution
imports, learner adds and asks, employer ranks), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.main import create_app
from skillmatch.matching import Matcher
from tests.conftest import BROKEN, SAMPLES, problem

SKILL = "http://data.europa.eu/esco/skill/"
PYTHON = SKILL + "ccd0a1d9-afda-43d9-b901-96344886e14d"
DATA_ANALYST = "http://data.europa.eu/esco/occupation/d3edb8f8-3a06-47a0-8fb9-9b212c006aa2"
CATALOGUE = SAMPLES / "catalogue"
WALLET = SAMPLES / "wallet"


@contextmanager
def client(tmp_path: Path, matcher: Matcher, **settings) -> Iterator[TestClient]:
    values = {"data_dir": tmp_path, "trust_list": SAMPLES / "trust.json"} | settings
    with TestClient(create_app(ApiSettings(**values), matcher=matcher)) as opened:
        yield opened


@pytest.fixture
def api(tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    with client(tmp_path, esco_matcher) as opened:
        yield opened


def bearer(api: TestClient, name: str, role: str, institution: str | None = None) -> dict[str, str]:
    principal, token = api.app.state.services.accounts.create_principal(name, role, institution=institution)
    return {"Authorization": f"Bearer {token}"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# -- taxonomy and matching --------------------------------------------------------------------


def test_concepts_by_uri_and_label_search(api: TestClient) -> None:
    headers = bearer(api, "reader", "employer")
    python = api.get(f"/v1/taxonomy/concepts/{PYTHON}", headers=headers, params={"lang": "nl"}).json()
    assert python["label"] == "Python (computerprogrammering)" and python["kind"] == "skill"
    assert python["preferred"]["en"] == "Python (computer programming)" and python["pillars"]
    short = api.get(f"/v1/taxonomy/concepts/skill/{PYTHON.rsplit('/', 1)[1]}", headers=headers).json()
    assert short["uri"] == PYTHON and short["label"] == "Python (computer programming)"
    analyst = api.get(f"/v1/taxonomy/concepts/{DATA_ANALYST}", headers=headers).json()
    assert analyst["label"] == "data analyst" and analyst["essential_skills"] and analyst["broader"]
    unknown = problem(api.get(f"/v1/taxonomy/concepts/{SKILL}not-a-skill", headers=headers), 404)
    assert unknown["type"].endswith("/unknown-concept") and "not-a-skill" in unknown["detail"]

    everything = api.get("/v1/taxonomy/search", params={"q": "nurse", "limit": 100}, headers=headers).json()
    assert everything["count"] > 20 and len(everything["data"]) == min(everything["count"], 100)
    second = api.get("/v1/taxonomy/search", params={"q": "nurse", "offset": 5, "limit": 5}, headers=headers).json()
    assert second["count"] == everything["count"] and second["data"] == everything["data"][5:10]
    occupations = api.get("/v1/taxonomy/search", params={"q": "verpleegkundige", "kind": "occupation", "lang": "nl"},
                          headers=headers).json()
    assert occupations["data"] and {h["kind"] for h in occupations["data"]} == {"occupation"}
    assert {h["lang"] for h in occupations["data"]} == {"nl"}


def test_match_texts_to_skills_and_occupations(api: TestClient) -> None:
    headers = bearer(api, "reader", "learner")
    skills = api.post("/v1/match/skills", headers=headers, json={
        "texts": ["De student kan:\n- data analyseren met Python\n- samenwerken in een Scrum-team"], "top_k": 5})
    assert skills.status_code == 200, skills.text
    [result] = skills.json()["data"]
    assert len(result["matches"]) == 5 and any(m["uri"] == PYTHON for m in result["matches"])
    assert all(m["outcome"] and m["matched"] and 0 <= m["confidence"] <= 1 for m in result["matches"])
    occupations = api.post("/v1/match/occupations", headers=headers,
                           json={"texts": ["data analyst", "verpleegkundige"]})
    first, second = occupations.json()["data"]
    assert first["matches"][0]["uri"] == DATA_ANALYST and len(second["matches"]) == 10

    too_many = problem(api.post("/v1/match/skills", headers=headers, json={"texts": ["x"] * 65}), 422)
    assert too_many["detail"].startswith("body.texts: List should have at most 64 items")
    blank = problem(api.post("/v1/match/skills", headers=headers, json={"texts": ["fine", "  "]}), 422)
    assert blank["errors"][0]["loc"] == "body.texts.1" and "empty text" in blank["detail"]


# -- errors, pagination, size limit -----------------------------------------------------------


def test_every_error_is_a_problem_document(api: TestClient) -> None:
    headers = bearer(api, "learner", "learner")
    assert "no such path: GET /v1/nowhere" in problem(api.get("/v1/nowhere", headers=headers), 404)["detail"]
    problem(api.get("/nowhere"), 404)
    assert "use GET" in problem(api.delete("/v1/passports/me/consents", headers=headers), 405)["detail"]
    invalid = problem(api.post("/v1/match/skills", headers=headers, json={"text": "x", "top_k": 0}), 422)
    assert invalid["type"].endswith("/validation")
    assert {e["loc"] for e in invalid["errors"]} == {"body.texts", "body.top_k"}
    assert "body.texts: Field required" in invalid["detail"]
    not_json = problem(api.post("/v1/match/skills", headers=headers | {"content-type": "application/json"},
                                content=b"{not json"), 422)
    assert "JSON decode error" in not_json["detail"]
    schema = api.get("/openapi.json").json()
    responses = schema["paths"]["/v1/passports/me"]["get"]["responses"]
    assert set(responses["401"]["content"]) == {"application/problem+json"}
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert all(path.startswith("/v1/") for path in schema["paths"])


def test_lists_are_paginated(api: TestClient) -> None:
    admin = bearer(api, "admin", "admin")
    for number in range(5):
        bearer(api, f"learner {number}", "learner")
    everyone = api.get("/v1/principals", headers=admin).json()
    assert everyone["count"] == 6 and len(everyone["data"]) == 6
    page = api.get("/v1/principals", params={"offset": 2, "limit": 3}, headers=admin).json()
    assert page == {"data": everyone["data"][2:5], "count": 6}
    assert api.get("/v1/principals", params={"offset": 10}, headers=admin).json() == {"data": [], "count": 6}
    learners = api.get("/v1/principals", params={"role": "learner", "limit": 1}, headers=admin).json()
    assert learners["count"] == 5 and learners["data"][0]["name"] == "learner 0"
    for params, field in (({"limit": 0}, "query.limit"), ({"limit": 101}, "query.limit"),
                          ({"offset": -1}, "query.offset"), ({"offset": 2**63}, "query.offset"),
                          ({"role": "boss"}, "query.role")):
        assert problem(api.get("/v1/principals", params=params, headers=admin), 422)["errors"][0]["loc"] == field


def test_request_bodies_over_the_limit_are_refused(tmp_path: Path, esco_matcher: Matcher) -> None:
    with client(tmp_path, esco_matcher, max_request_bytes=2_000) as small:
        headers = bearer(small, "reader", "learner")
        fits = small.post("/v1/match/occupations", headers=headers, json={"texts": ["data analyst"]})
        assert fits.status_code == 200
        declared = problem(small.post("/v1/match/skills", headers=headers, json={"texts": ["data " * 500]}), 413)
        assert declared["detail"] == "the request body is larger than the limit of 2,000 bytes"

        def chunks() -> Iterator[bytes]:  # no Content-Length: the size shows only while streaming
            yield b'{"texts": ["'
            for _ in range(10):
                yield b"data " * 100
            yield b'"]}'

        streamed = small.post("/v1/match/skills", headers=headers | {"content-type": "application/json"},
                              content=chunks())
        assert "transfer-encoding" in streamed.request.headers
        assert problem(streamed, 413)["type"].endswith("/request-too-large")
        problem(small.post("/v1/passports/me/credentials", headers=headers,
                           json=load(WALLET / "assertion-uvn-energy-transition.json")), 413)


# -- credentials learners upload --------------------------------------------------------------


def test_uploaded_credentials_are_verified(api: TestClient) -> None:
    headers = bearer(api, "daan", "learner")
    upload = "/v1/passports/me/credentials"
    forged = problem(api.post(upload, headers=headers, json={"jwt": (BROKEN / "ob3-forged-signature.jwt").read_text()}),
                     422)
    assert forged["type"].endswith("/credential-not-verified") and "altered after signing" in forged["detail"]
    forged_proof = problem(api.post(upload, headers=headers, json=load(BROKEN / "ob3-forged-proof.json")), 422)
    assert "altered after signing" in forged_proof["detail"]
    jwt = (WALLET / "ob3-hds-energiedata-analyseren.jwt").read_text()
    genuine = api.post(upload, headers=headers, json={"jwt": jwt})
    assert genuine.status_code == 201 and genuine.json()["verification"]["status"] == "verified"
    signed = api.post(upload, headers=headers, json=load(WALLET / "ob3-fhr-smart-grid-monitoring.json")).json()
    assert signed["verification"]["method"] == "eddsa-jcs-2022" and signed["verification"]["status"] == "verified"
    assert "in the passport already" in problem(
        api.post(upload, headers=headers, json=load(WALLET / "ob3-fhr-smart-grid-monitoring.json")), 409)["detail"]
    badge_class = problem(api.post(upload, headers=headers, json=load(CATALOGUE / "hds-sql-en-databases.json")), 422)
    assert "not a credential someone holds" in badge_class["detail"]
    assert "expected the compact VC-JWT as a string" in problem(
        api.post(upload, headers=headers, json={"jwt": 42}), 422)["detail"]
    assert "unknown credential format" in problem(api.post(upload, headers=headers, json={"name": "x"}), 422)["detail"]
    passport = api.get("/v1/passports/me", headers=headers).json()
    assert {c["verification"]["status"] for c in passport["credentials"]} == {"verified"}
    assert passport["rejected"] == []


# -- end to end -------------------------------------------------------------------------------


def test_institution_learner_and_employer_end_to_end(store_url: str | None, tmp_path: Path,
                                                     esco_matcher: Matcher) -> None:
    with client(tmp_path, esco_matcher, database_url=store_url) as api:
        admin = bearer(api, "admin", "admin")
        created = {}
        for name, role, institution in (("Deltastad", "institution", "Hogeschool Deltastad"),
                                        ("Noordland", "institution", "Universiteit van Noordland"),
                                        ("Daan", "learner", None), ("Energie BV", "employer", None)):
            response = api.post("/v1/principals", headers=admin,
                                json={"name": name, "role": role, "institution": institution})
            created[name] = response.json()
        deltastad, noordland, daan, employer = ({"Authorization": f"Bearer {created[name]['token']}"}
                                                for name in ("Deltastad", "Noordland", "Daan", "Energie BV"))

        # The learner's assertion names its badge class by URL: unknown until the institution imports it.
        assertion = load(WALLET / "assertion-hds-data-visualisation.json")
        missing = problem(api.post("/v1/passports/me/credentials", headers=daan, json=assertion), 422)
        assert "badge" in missing["detail"]

        badge_class = load(CATALOGUE / "hds-data-visualisation.json")
        imported = api.post("/v1/catalogue/credentials", headers=deltastad, json=badge_class)
        assert imported.status_code == 201 and imported.json()["outcome"] == "added"
        credential = imported.json()["credential"]
        assert credential["mapped"] and {s["state"] for s in credential["skills"]} >= {"issuer", "suggested"}
        again = api.post("/v1/catalogue/credentials", headers=deltastad, json=badge_class)
        assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
        for name in ("hds-python-voor-data-analyse", "hds-sql-en-databases", "hds-circulaire-economie"):
            assert api.post("/v1/catalogue/credentials", headers=deltastad,
                            json=load(CATALOGUE / f"{name}.json")).status_code == 201
        assert api.post("/v1/catalogue/credentials", headers=noordland,
                        json=load(CATALOGUE / "uvn-circulaire-economie-beleid.json")).status_code == 201

        # The institution rejects a suggested skill: it leaves the export, the decision stays.
        path = f"/v1/catalogue/credentials/{badge_class['id']}"
        suggested = next(s for s in credential["skills"] if s["state"] == "suggested")
        review = api.put(f"{path}/reviews", headers=deltastad,
                         json={"skill_uri": suggested["uri"], "decision": "rejected", "note": "not assessed"})
        assert review.status_code == 200 and review.json()["reviewer"] == "Deltastad"
        assert next(s for s in api.get(path, headers=deltastad).json()["skills"]
                    if s["uri"] == suggested["uri"])["state"] == "rejected"
        assert "is not a skill of" in problem(api.put(f"{path}/reviews", headers=deltastad, json={
            "skill_uri": PYTHON + "x", "decision": "confirmed"}), 422)["detail"]
        exported = api.get("/v1/catalogue/export", params={"format": "ob2", "limit": 1}, headers=deltastad).json()
        assert exported["count"] == 4 and exported["format"] == "ob2" and len(exported["data"]) == 1
        datavis = next(c for c in api.get("/v1/catalogue/export", headers=deltastad).json()["data"]
                       if c["id"] == badge_class["id"])
        aligned = {a["targetUrl"] for a in datavis["document"]["alignment"]}
        assert suggested["uri"] not in aligned and SKILL + "97bd1c21-66b2-4b7e-ad0f-e3cda590e378" in aligned
        coverage = api.get("/v1/catalogue/coverage", params={"sector": "ict", "top": 3}, headers=deltastad).json()
        assert coverage["institution"] == "Hogeschool Deltastad" and coverage["credentials"] == 4
        assert len(coverage["sector_gaps"]["ict"]) == 3 and coverage["occupations"]
        assert "unknown sector" in problem(api.get("/v1/catalogue/coverage", params={"sector": "mining"},
                                                   headers=deltastad), 422)["detail"]
        overlap = api.get("/v1/catalogue/overlap", params={"min_similarity": 0.2}, headers=deltastad).json()
        assert overlap["count"] >= 1 and {overlap["data"][0]["a_issuer"], overlap["data"][0]["b_issuer"]} == {
            "Hogeschool Deltastad", "Universiteit van Noordland"}, overlap
        stricter = api.get("/v1/catalogue/overlap", params={"min_similarity": 0.9}, headers=deltastad).json()
        assert stricter["count"] < overlap["count"]
        assert "min_similarity" in problem(api.get("/v1/catalogue/overlap", params={"min_similarity": 0},
                                                   headers=deltastad), 422)["detail"]

        # The learner adds the assertion and sees the skill with its evidence: claimed, since an
        # Open Badges 2.0 assertion carries no signature skillmatch can check.
        added = api.post("/v1/passports/me/credentials", headers=daan, json=assertion)
        assert added.status_code == 201 and added.json()["title"] == "Data Visualisation"
        assert added.json()["verification"]["status"] == "unverifiable"
        passport = api.get("/v1/passports/me", headers=daan).json()
        assert passport["skills"] == []
        analytics = next(s for s in passport["claimed"] if s["label"] == "data analytics")
        [evidence] = analytics["evidence"]
        assert evidence["credential"] == "Data Visualisation" and evidence["origin"] == "issuer"
        assert evidence["state"] == "claimed" and not evidence["verified"]
        assert evidence["issuer"] == "Hogeschool Deltastad" and evidence["credential_id"] == assertion["id"]
        assert suggested["uri"] not in {s["uri"] for s in passport["claimed"] + passport["suggested"]}
        jsonld = api.get("/v1/passports/me/export", params={"format": "jsonld"}, headers=daan)
        assert jsonld.headers["content-type"] == "application/ld+json" and "@context" in jsonld.json()
        assert api.get("/v1/passports/me/export", headers=daan).json()["claimed"] == passport["claimed"]

        gap = api.get("/v1/passports/me/gap", params={"occupation": "data analyst"}, headers=daan).json()
        assert gap["occupation"] == DATA_ANALYST and "read as the ESCO occupation 'data analyst'" in gap["read_as"]
        # A claimed skill is not held: the gap, the plan and the fit count proven skills only.
        assert not any(s["status"] == "held" for s in gap["skills"]) and gap["missing_essential"] > 0
        plan = api.get("/v1/passports/me/recommendations", headers=daan,
                       params={"occupation": DATA_ANALYST, "max_ects": 10}).json()
        assert plan["target"]["read_as"] is None and plan["recommendations"] and plan["pathway"]
        assert all(r["reasons"] for r in plan["recommendations"]) and plan["coverage_after"] > gap["coverage"]
        assert {"id": badge_class["id"], "reason": "already held"} in plan["excluded"]
        fits = api.get("/v1/passports/me/fit", params={"top": 3}, headers=daan).json()
        assert all(f["reason"] for f in fits["now"])
        # The way to an occupation never goes through a credential the learner holds.
        assert fits["reachable"] and badge_class["id"] not in json.dumps(fits["reachable"])
        problem(api.get("/v1/passports/me/gap", params={"occupation": PYTHON}, headers=daan), 422)

        # Consent, then the employer ranks and reads the passport, evidence included.
        learner_id = passport["learner_id"]
        employer_id = created["Energie BV"]["id"]
        candidates = {"role": "data analyst", "kind": "title", "top": 5, "include_claimed": True}
        assert api.post("/v1/candidates", headers=employer, json=candidates).json()["count"] == 0
        api.put(f"/v1/passports/me/consents/{employer_id}", headers=daan, json={"scope": ["skills", "evidence"]})
        assert api.post("/v1/candidates", headers=employer, json=candidates).json()["count"] == 0
        assert api.post(f"/v1/consents/{learner_id}/accept", headers=employer).status_code == 200
        proven_only = api.post("/v1/candidates", headers=employer, json=candidates | {"include_claimed": False})
        assert proven_only.json()["data"] == [] or proven_only.json()["data"][0]["score"] == 0
        ranked = api.post("/v1/candidates", headers=employer, json=candidates).json()
        assert ranked["occupation"] == DATA_ANALYST and "'data analyst'" in ranked["role"]
        [candidate] = ranked["data"]
        assert candidate["learner_id"] == learner_id and candidate["name"] == "Daan" and candidate["score"] > 0
        assert all(m["evidence"] and "Data Visualisation" in m["evidence"][0] for m in candidate["matched"])
        shared = api.get(f"/v1/passports/{learner_id}", headers=employer).json()
        assert next(s for s in shared["claimed"] if s["label"] == "data analytics")["evidence"] == [evidence]
        assert shared["credentials"] is None
