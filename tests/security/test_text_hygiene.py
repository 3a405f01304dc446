"""Text no database can store is refused at the edge, for every route that takes a JSON body: a
lone UTF-16 surrogate (JSON allows "\\ud800"), a NUL character, bytes that are not UTF-8. Each is a
422 naming the field, not a 500 from deep in a route; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skillmatch.matching import Matcher
from tests.conftest import SAMPLES, problem
from tests.security.conftest import make, service

SOLAR = SAMPLES / "wallet" / "assertion-rll-zonnepanelen-installeren.json"
JSON = {"content-type": "application/json"}


@pytest.fixture
def api(store_url: str | None, tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    with service(tmp_path, esco_matcher, database_url=store_url) as client:
        yield client


def with_escape(document: dict, field: str, escape: str) -> bytes:
    """``document`` as JSON text with ``escape`` (JSON escape syntax) put in front of ``field``'s value."""
    text = json.dumps(document)
    at = text.index(f'"{field}": "') + len(f'"{field}": "')
    return (text[:at] + escape + text[at:]).encode()


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\udc00\\ud800"])
def test_a_lone_surrogate_is_refused_on_every_route_naming_the_field(api: TestClient, escape: str) -> None:
    admin, learner = make(api, "admin", "admin"), make(api, "daan", "learner")
    upload = api.post("/v1/passports/me/credentials", headers=learner.headers | JSON,
                      content=with_escape(json.loads(SOLAR.read_text(encoding="utf-8")), "name", escape))
    # The assertion's badge class is the first object with a name: credentialSubject's achievement.
    [issue] = problem(upload, 422)["errors"]
    assert issue["loc"].startswith("body.") and issue["loc"].endswith(".name") and "lone surrogate" in issue["msg"]
    match = api.post("/v1/match/skills", headers=learner.headers | JSON,
                     content=b'{"texts": ["plan care", "analyse data ' + escape.encode() + b'"]}')
    assert [e["loc"] for e in problem(match, 422)["errors"]] == ["body.texts.1"]
    created = api.post("/v1/principals", headers=admin.headers | JSON,
                       content=with_escape({"name": "Eva", "role": "learner"}, "name", escape))
    assert problem(created, 422)["detail"].startswith("body.name: is not valid Unicode")
    # The service answers on: nothing half-written, no connection left broken.
    assert api.post("/v1/passports/me/credentials", headers=learner.headers,
                    json=json.loads(SOLAR.read_text(encoding="utf-8"))).status_code == 201
    assert api.get("/v1/principals", headers=admin.headers).json()["count"] == 2


def test_a_nul_character_is_refused(api: TestClient) -> None:
    admin = make(api, "admin", "admin")
    # PostgreSQL's text cannot hold it: before, this was a 503 on PostgreSQL and a stored name on SQLite.
    created = api.post("/v1/principals", headers=admin.headers, json={"name": "Eva\x00", "role": "learner"})
    assert "NUL character" in problem(created, 422)["detail"]
    assert api.get("/v1/principals", headers=admin.headers).json()["count"] == 1


def test_keys_and_deeply_nested_strings_are_checked_too(api: TestClient) -> None:
    learner = make(api, "daan", "learner")
    keyed = api.post("/v1/passports/me/credentials", headers=learner.headers | JSON,
                     content=b'{"type": "Assertion", "\\ud800x": 1}')
    [issue] = problem(keyed, 422)["errors"]
    assert issue["loc"] == "body.\\ud800x" and issue["msg"].startswith("the key is not valid Unicode")
    deep = b'{"a": ' + b"[" * 500 + b'"\\ud800"' + b"]" * 500 + b"}"
    assert problem(api.post("/v1/passports/me/credentials", headers=learner.headers | JSON, content=deep),
                   422)["errors"][0]["loc"] == "body.a" + ".0" * 500


def test_a_body_that_is_not_utf8_is_an_invalid_body(api: TestClient) -> None:
    learner = make(api, "daan", "learner")
    response = api.post("/v1/match/skills", headers=learner.headers | JSON, content=b'{"texts": ["caf\xe9"]}')
    [issue] = problem(response, 422)["errors"]
    assert issue["loc"] == "body.15" and "not valid UTF-8" in issue["msg"]
