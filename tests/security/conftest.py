"""The service as the security tests call it: an app on a fresh catalogue, with settings a test
may tighten, and principals made straight in its account store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.main import create_app
from skillmatch.matching import Matcher
from tests.conftest import SAMPLES


@dataclass(frozen=True)
class Caller:
    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def service(tmp_path: Path, matcher: Matcher, **settings) -> Iterator[TestClient]:
    values = {"data_dir": tmp_path, "trust_list": SAMPLES / "trust.json"} | settings
    with TestClient(create_app(ApiSettings(**values), matcher=matcher)) as client:
        yield client


def make(api: TestClient, name: str, role: str, institution: str | None = None) -> Caller:
    principal, token = api.app.state.services.accounts.create_principal(name, role, institution=institution)
    return Caller(principal.id, token)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"] and body["instance"] == response.request.url.path
    return body


@pytest.fixture
def api(tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    """The service on SQLite with the default settings."""
    with service(tmp_path, esco_matcher) as client:
        yield client
