"""Materialized passports: a learner's passport is built when one of its inputs changes, stored
with the digest of those inputs (its ETag), and otherwise read as stored. Each input is changed in
turn here, and the passport must follow at the next read; between changes, reads build nothing."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import skillmatch.service
from skillmatch.domain import SkillLink
from skillmatch.matching import Matcher
from tests.conftest import SAMPLES
from tests.security.conftest import make, service

SIGNED = SAMPLES / "wallet" / "ob3-fhr-smart-grid-monitoring.json"
BADGE_CLASS = SAMPLES / "catalogue" / "hds-data-visualisation.json"
ASSERTION = SAMPLES / "wallet" / "assertion-hds-data-visualisation.json"
DAAN = ["daan.verhoeven@example.com", "did:example:d4an5v3rh03v3n7f3a"]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


class Builds:
    """Counts the passports built (not read as stored)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = skillmatch.service.build_passport

        def counted(*args, **kwargs):
            self.count += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(skillmatch.service, "build_passport", counted)


def read(api: TestClient, caller, builds: Builds, *, built: int) -> tuple[dict, str]:
    """The passport and its ETag, checking how many passports the read built."""
    before = builds.count
    response = api.get("/v1/passports/me", headers=caller.headers)
    assert response.status_code == 200, response.text
    assert builds.count - before == built, f"the read built {builds.count - before} passports, not {built}"
    return response.json(), response.headers["ETag"]


def proven(passport: dict) -> set[str]:
    return {s["uri"] for s in passport["skills"]}


def claimed(passport: dict) -> set[str]:
    return {s["uri"] for s in passport["claimed"]}


def test_the_stored_passport_follows_each_of_its_inputs(tmp_path: Path, esco_matcher: Matcher,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    builds = Builds(monkeypatch)
    with service(tmp_path, esco_matcher) as api:
        services = api.app.state.services
        deltastad = make(api, "deltastad", "institution", institution="Hogeschool Deltastad")
        assert api.post("/v1/catalogue/credentials", json=load(BADGE_CLASS), headers=deltastad.headers
                        ).status_code == 201
        daan = make(api, "daan", "learner")

        empty, etag = read(api, daan, builds, built=1)
        assert empty["credentials"] == []
        assert read(api, daan, builds, built=0)[1] == etag
        unchanged = api.get("/v1/passports/me", headers=daan.headers | {"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag and not unchanged.content

        # A credential added: in the passport at the next read, a claim until an identifier is registered.
        signed = load(SIGNED)
        assert api.post("/v1/passports/me/credentials", json=signed, headers=daan.headers).status_code == 201
        one, etag_one = read(api, daan, builds, built=1)
        assert etag_one != etag and [c["title"] for c in one["credentials"]] == [signed["name"]]
        assert proven(one) == set() and claimed(one)
        assert api.get("/v1/passports/me", headers=daan.headers | {"If-None-Match": etag}).status_code == 200

        # The learner's identifiers registered: the signed credential now proves.
        services.accounts.register_identifiers(daan.id, DAAN)
        bound, _ = read(api, daan, builds, built=1)
        assert proven(bound) == claimed(one)
        read(api, daan, builds, built=0)

        # A catalogued credential added, then its institution's decisions on it.
        assertion = load(ASSERTION)
        assert api.post("/v1/passports/me/credentials", json=assertion, headers=daan.headers).status_code == 201
        two, _ = read(api, daan, builds, built=1)
        hosted = claimed(two) - proven(two)
        assert hosted and len(two["credentials"]) == 2

        # Its award confirmed by the institution: its skills are proven.
        path = f"/v1/catalogue/credentials/{assertion['badge']}/awards"
        assert api.put(path, json={"award_id": assertion["id"], "recipient": DAAN[0]},
                       headers=deltastad.headers).status_code == 200
        awarded, _ = read(api, daan, builds, built=1)
        assert hosted <= proven(awarded)

        # A skill of it rejected by the institution: gone from the passport.
        rejected = sorted(hosted)[0]
        assert api.put(f"/v1/catalogue/credentials/{assertion['badge']}/reviews", headers=deltastad.headers,
                       json={"skill_uri": rejected, "decision": "rejected"}).status_code == 200
        reviewed, _ = read(api, daan, builds, built=1)
        assert rejected not in proven(reviewed) | claimed(reviewed)

        # The catalogue credential re-mapped (here: to one skill it did not have).
        record = services.store.get(assertion["badge"])
        new = esco_matcher.taxonomy.get(esco_matcher.taxonomy.search("bake bread", kinds=["skill"])[0].uri)
        assert new.uri not in {link.skill_uri for link in record.links}
        services.store.replace_inferred(record.id, [SkillLink(new.uri, new.label("en"), "inferred", confidence=0.99,
                                                              score=0.9, status="linked", outcome="Remapped")],
                                        esco_matcher.fingerprint_)
        remapped, _ = read(api, daan, builds, built=1)
        assert new.uri in proven(remapped)

        # A credential removed.
        held_id = next(c["held_id"] for c in remapped["credentials"] if c["title"] == signed["name"])
        assert api.delete(f"/v1/passports/me/credentials/{held_id}", headers=daan.headers).status_code == 204
        removed, _ = read(api, daan, builds, built=1)
        assert [c["held_id"] for c in removed["credentials"]] != [c["held_id"] for c in remapped["credentials"]]
        assert not proven(bound) & proven(removed)

        # Gap, fit and recommendations answer from the stored passport.
        energy_analyst = "http://data.europa.eu/esco/occupation/cbde1a3a-406d-4d17-b30b-03981925035d"
        for route in (f"/v1/passports/me/gap?occupation={energy_analyst}", "/v1/passports/me/fit",
                      f"/v1/passports/me/recommendations?occupation={energy_analyst}", "/v1/passports/me/export"):
            assert api.get(route, headers=daan.headers).status_code == 200
        assert builds.count == 8  # one per change, none for the reads between
        stored = services.accounts.stored_passport(daan.id)
        assert stored.version == 8 and json.loads(stored.public) == removed


def test_a_new_trust_list_checks_the_signatures_again(tmp_path: Path, esco_matcher: Matcher,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    builds = Builds(monkeypatch)
    with service(tmp_path, esco_matcher) as api:
        daan = make(api, "daan", "learner", identifiers=DAAN)
        assert api.post("/v1/passports/me/credentials", json=load(SIGNED), headers=daan.headers).status_code == 201
        before, etag = read(api, daan, builds, built=1)
        assert before["credentials"][0]["verification"]["status"] == "verified" and proven(before)

    # The same database after a restart: the passport is read as stored.
    with service(tmp_path, esco_matcher) as api:
        assert read(api, daan, builds, built=0) == (before, etag)

    # Restarted with a trust list that no longer lists the issuer: checked again, only claimed.
    trust = load(SAMPLES / "trust.json")
    issuer = load(SIGNED)["issuer"]["id"]
    trust["issuers"] = [i for i in trust["issuers"] if i["id"] != issuer]
    (tmp_path / "trust.json").write_text(json.dumps(trust), encoding="utf-8")
    with service(tmp_path, esco_matcher, trust_list=tmp_path / "trust.json") as api:
        after, _ = read(api, daan, builds, built=1)
        verification = after["credentials"][0]["verification"]
        assert verification["status"] == "unverifiable" and "trust list" in verification["reason"]
        assert proven(after) == set() and claimed(after) == proven(before)
        held = api.app.state.services.accounts.held(daan.id)[0]
        assert held.verification["status"] == "unverifiable"
        assert held.verified_with == api.app.state.services.passports.trust_fingerprint


def test_an_employer_ranks_from_stored_passports(tmp_path: Path, esco_matcher: Matcher,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    builds = Builds(monkeypatch)
    with service(tmp_path, esco_matcher) as api:
        daan = make(api, "daan", "learner", identifiers=DAAN)
        employer = make(api, "employer", "employer")
        assert api.post("/v1/passports/me/credentials", json=load(SIGNED), headers=daan.headers).status_code == 201
        assert api.put(f"/v1/passports/me/consents/{employer.id}", json={"scope": ["skills"]},
                       headers=daan.headers).status_code == 200
        assert api.post(f"/v1/consents/{daan.id}/accept", headers=employer.headers).status_code == 200
        passport, _ = read(api, daan, builds, built=1)
        # An occupation that needs one of the passport's proven skills.
        occupation = next(o for skill in passport["skills"]
                          for o in esco_matcher.taxonomy.occupations_for(skill["uri"]))
        ranked = api.post("/v1/candidates", json={"role": occupation.uri, "kind": "occupation"},
                          headers=employer.headers)
        shared = api.get(f"/v1/passports/{daan.id}", headers=employer.headers)
        assert ranked.status_code == 200 and shared.status_code == 200
        assert [c["learner_id"] for c in ranked.json()["data"]] == [daan.id]
        assert {s["uri"] for s in shared.json()["skills"]} == proven(passport)
        assert builds.count == 1


def test_a_gap_is_worked_out_once_per_passport_version_and_follows_it(tmp_path: Path, esco_matcher: Matcher,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    gaps_worked_out = []
    original = skillmatch.service.StoredLearnerPassport.answer

    def counted(self, question, work_out):
        return original(self, question, lambda: gaps_worked_out.append(question) or work_out())

    monkeypatch.setattr(skillmatch.service.StoredLearnerPassport, "answer", counted)
    with service(tmp_path, esco_matcher) as api:
        deltastad = make(api, "deltastad", "institution", institution="Hogeschool Deltastad")
        assert api.post("/v1/catalogue/credentials", json=load(BADGE_CLASS), headers=deltastad.headers
                        ).status_code == 201
        daan = make(api, "daan", "learner", identifiers=DAAN)
        assertion = load(ASSERTION)
        assert api.post("/v1/passports/me/credentials", json=assertion, headers=daan.headers).status_code == 201
        hosted = claimed(api.get("/v1/passports/me", headers=daan.headers).json())
        skill = sorted(hosted)[0]
        occupation = esco_matcher.taxonomy.occupations_for(skill)[0].uri

        def status() -> str:
            gap = api.get("/v1/passports/me/gap", params={"occupation": occupation}, headers=daan.headers)
            assert gap.status_code == 200, gap.text
            return next(s["status"] for s in gap.json()["skills"] if s["uri"] == skill)

        assert status() != "held" and status() != "held" and len(gaps_worked_out) == 1

        # The institution confirms the award: the skill is proven, and the next gap says so.
        path = f"/v1/catalogue/credentials/{assertion['badge']}/awards"
        assert api.put(path, json={"award_id": assertion["id"], "recipient": DAAN[0]},
                       headers=deltastad.headers).status_code == 200
        assert status() == "held" and len(gaps_worked_out) == 2


def test_requests_asking_at_once_wait_for_one_answer(tmp_path: Path, esco_matcher: Matcher) -> None:
    """Several reads that ask the same of a new version at once: one works it out, the others wait
    for it (each working it out again made a first gap several times slower under load)."""
    with service(tmp_path, esco_matcher) as api:
        daan = make(api, "daan", "learner", identifiers=DAAN)
        assert api.get("/v1/passports/me", headers=daan.headers).status_code == 200
        stored = api.app.state.services.passports.current(daan.id)
    assert stored is not None
    worked_out, started = [], threading.Barrier(6)

    def ask(_n: int) -> str:
        started.wait()
        return stored.answer(("gap", "x"), lambda: worked_out.append(1) or time.sleep(0.2) or "answer")

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(ask, range(6))) == ["answer"] * 6
    assert worked_out == [1] and stored.answers == {("gap", "x"): "answer"}


def test_advice_is_prepared_once_the_taxonomy_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """``prepare_advice`` works on its own thread once the taxonomy is there; a failed load is
    left to the service to report (no thread dies with an error)."""
    from skillmatch.errors import StoreError
    from skillmatch.matching.background import BackgroundMatcher

    prepared, died = [], []
    monkeypatch.setattr(skillmatch.service, "prepare", prepared.append)
    monkeypatch.setattr(threading, "excepthook", died.append)

    def unreadable():
        raise StoreError("the taxonomy store is unreadable")

    for load_taxonomy in (unreadable, lambda: "the taxonomy"):
        loading = BackgroundMatcher(load_taxonomy, lambda taxonomy: None)
        skillmatch.service.prepare_advice(loading)
        loading.load()
        for thread in [t for t in threading.enumerate() if t.name == "advice preparing"]:
            thread.join(timeout=10)
    assert prepared == ["the taxonomy"] and died == []
