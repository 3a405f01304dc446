"""A principal's access can be taken away: an admin deactivates principals and rotates any token,
a principal rotates its own; a deactivated principal's token and a replaced token get 401, and
the last active admin stays. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skillmatch.matching import Matcher
from skillmatch.store.accounts import AccountStateError, AccountStore
from tests.conftest import SAMPLES, Caller, problem
from tests.security.conftest import make, service

SOLAR = SAMPLES / "wallet" / "assertion-rll-zonnepanelen-installeren.json"


@pytest.fixture
def api(store_url: str | None, tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    with service(tmp_path, esco_matcher, database_url=store_url) as client:
        yield client


def test_a_deactivated_principal_is_shut_out_and_keeps_its_records(api: TestClient) -> None:
    admin, daan, acme = make(api, "admin", "admin"), make(api, "daan", "learner"), make(api, "acme", "employer")
    upload = api.post("/v1/passports/me/credentials", headers=daan.headers,
                      json=json.loads(SOLAR.read_text(encoding="utf-8")))
    assert upload.status_code == 201, upload.text
    problem(api.post(f"/v1/principals/{daan.id}/deactivate", headers=acme.headers), 403)

    response = api.post(f"/v1/principals/{daan.id}/deactivate", headers=admin.headers)
    assert response.status_code == 200, response.text
    deactivated = response.json()
    assert deactivated["id"] == daan.id and deactivated["deactivated_at"]
    refused = problem(api.get("/v1/passports/me", headers=daan.headers), 401)
    assert "deactivated" in refused["detail"]
    # Again: nothing changes. Listed with the time it happened; the passport is still there.
    again = api.post(f"/v1/principals/{daan.id}/deactivate", headers=admin.headers).json()
    assert again == deactivated
    listed = {p["id"]: p for p in api.get("/v1/principals", headers=admin.headers).json()["data"]}
    assert listed[daan.id]["deactivated_at"] == deactivated["deactivated_at"]
    assert listed[acme.id]["deactivated_at"] is None
    assert len(api.app.state.services.accounts.held(daan.id)) == 1
    problem(api.post(f"/v1/principals/{uuid.uuid4()}/deactivate", headers=admin.headers), 404)


def test_tokens_are_rotated_by_their_owner_and_by_the_admin(api: TestClient) -> None:
    admin, daan, eva = make(api, "admin", "admin"), make(api, "daan", "learner"), make(api, "eva", "learner")
    own = api.post("/v1/principals/me/token", headers=daan.headers)
    assert own.status_code == 200, own.text
    assert own.headers["cache-control"] == "no-store"  # a token is kept by no cache on its way
    assert own.json()["id"] == daan.id and own.json()["token"] != daan.token
    problem(api.get("/v1/principals/me", headers=daan.headers), 401)
    renewed = Caller(daan.id, own.json()["token"])
    assert api.get("/v1/principals/me", headers=renewed.headers).json()["name"] == "daan"

    problem(api.post(f"/v1/principals/{eva.id}/token", headers=renewed.headers), 403)
    given = api.post(f"/v1/principals/{eva.id}/token", headers=admin.headers)
    assert given.headers["cache-control"] == "no-store"
    given = given.json()
    created = api.post("/v1/principals", json={"name": "acme", "role": "employer"}, headers=admin.headers)
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    problem(api.get("/v1/principals/me", headers=eva.headers), 401)
    assert api.get("/v1/principals/me", headers={"Authorization": f"Bearer {given['token']}"}).status_code == 200

    api.post(f"/v1/principals/{eva.id}/deactivate", headers=admin.headers)
    assert "deactivated" in problem(api.post(f"/v1/principals/{eva.id}/token", headers=admin.headers), 409)["detail"]
    problem(api.post(f"/v1/principals/{uuid.uuid4()}/token", headers=admin.headers), 404)


def test_the_last_active_admin_cannot_be_deactivated(api: TestClient) -> None:
    first = make(api, "first admin", "admin")
    refused = problem(api.post(f"/v1/principals/{first.id}/deactivate", headers=first.headers), 409)
    assert "last active admin" in refused["detail"]
    second = make(api, "second admin", "admin")
    assert api.post(f"/v1/principals/{second.id}/deactivate", headers=first.headers).status_code == 200
    # A deactivated admin does not count: the first is the last active one again.
    problem(api.post(f"/v1/principals/{first.id}/deactivate", headers=first.headers), 409)
    assert api.get("/v1/principals/me", headers=first.headers).status_code == 200


def test_starting_the_service_does_not_bring_a_deactivated_admin_back(api: TestClient) -> None:
    accounts: AccountStore = api.app.state.services.accounts
    bootstrap, other = "a" * 43, make(api, "other admin", "admin")
    admin = accounts.ensure_admin("admin", bootstrap)
    accounts.deactivate(admin.id)
    with pytest.raises(AccountStateError, match="was deactivated"):
        accounts.ensure_admin("admin", bootstrap)
    assert accounts.authenticate(bootstrap) is None and accounts.authenticate(other.token) is not None


def test_messages_put_the_right_article_before_a_role(api: TestClient) -> None:
    for name, role, institution in (("acme", "employer", None), ("admin", "admin", None),
                                    ("rll", "institution", "ROC Lek en Linge")):
        caller = make(api, name, role, institution)
        refused = problem(api.get("/v1/passports/me", headers=caller.headers), 403)
        assert refused["detail"].endswith(f"your token is an {role}'s")
    admin = make(api, "second admin", "admin")
    created = api.post("/v1/principals", headers=admin.headers,
                       json={"name": "x", "role": "employer", "institution": "Acme"})
    assert problem(created, 422)["detail"].endswith("not an employer")
