"""An institution confirms the awards of its catalogue credentials: an edubadges hosted assertion
carries no signature skillmatch can check, so it only claims skills until the institution that
holds its badge class confirms the award, to its recipient. A copy of a confirmed award naming
another recipient stays a claim."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from skillmatch.matching import Matcher
from tests.conftest import SAMPLES
from tests.security.conftest import make, service

BADGE_CLASS = SAMPLES / "catalogue" / "hds-data-visualisation.json"
ASSERTION = SAMPLES / "wallet" / "assertion-hds-data-visualisation.json"
DAAN = ["daan.verhoeven@example.com", "did:example:d4an5v3rh03v3n7f3a"]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_confirmed_award_proves_in_its_recipient_s_hands_only(tmp_path: Path, esco_matcher: Matcher) -> None:
    with service(tmp_path, esco_matcher) as api:
        accounts = api.app.state.services.accounts
        deltastad = make(api, "deltastad", "institution", institution="Hogeschool Deltastad")
        roc = make(api, "roc", "institution", institution="ROC Lek en Linge")
        assert api.post("/v1/catalogue/credentials", json=load(BADGE_CLASS), headers=deltastad.headers
                        ).status_code == 201
        daan, eva = make(api, "daan", "learner"), make(api, "eva", "learner")
        accounts.register_identifiers(daan.id, DAAN)
        accounts.register_identifiers(eva.id, ["eva@example.com"])
        assertion = load(ASSERTION)
        assert api.post("/v1/passports/me/credentials", json=assertion, headers=daan.headers).status_code == 201
        before = api.get("/v1/passports/me", headers=daan.headers).json()
        assert before["skills"] == [] and before["claimed"] and not before["credentials"][0]["award_confirmed"]

        # A copy of the award, re-addressed to the forger (same id, her own hashed address).
        copy = load(ASSERTION)
        salt = copy["recipient"]["salt"]
        copy["recipient"]["identity"] = "sha256$" + hashlib.sha256(f"eva@example.com{salt}".encode()).hexdigest()
        assert api.post("/v1/passports/me/credentials", json=copy, headers=eva.headers).status_code == 201

        path = f"/v1/catalogue/credentials/{assertion['badge']}/awards"
        award = {"award_id": assertion["id"], "recipient": DAAN[0]}
        assert api.put(path, json=award, headers=roc.headers).status_code == 404  # not ROC's credential
        confirmed = api.put(path, json=award, headers=deltastad.headers)
        assert confirmed.status_code == 200 and confirmed.json()["award_id"] == assertion["id"]

        after = api.get("/v1/passports/me", headers=daan.headers).json()
        held = after["credentials"][0]
        assert held["award_confirmed"] and held["verification"]["status"] == "unverifiable"
        assert {s["uri"] for s in before["claimed"]} <= {s["uri"] for s in after["skills"]}
        forged = api.get("/v1/passports/me", headers=eva.headers).json()
        assert forged["skills"] == [] and not forged["credentials"][0]["award_confirmed"]
        assert "recipient" in api.put(path, json={"award_id": assertion["id"], "recipient": " "},
                                      headers=deltastad.headers).json()["detail"]
