"""The service as the security tests call it: an app on a fresh catalogue, with settings a test
may tighten, and principals made straight in its account store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.config import ApiSettings
from api.main import create_app
from skillmatch.matching import Matcher
from tests.conftest import SAMPLES, Caller


@contextmanager
def service(tmp_path: Path, matcher: Matcher, **settings) -> Iterator[TestClient]:
    values = {"data_dir": tmp_path, "trust_list": SAMPLES / "trust.json"} | settings
    with TestClient(create_app(ApiSettings(**values), matcher=matcher)) as client:
        yield client


def make(api: TestClient, name: str, role: str, institution: str | None = None,
         identifiers: Sequence[str] = ()) -> Caller:
    principal, token = api.app.state.services.accounts.create_principal(name, role, institution=institution,
                                                                        identifiers=identifiers)
    return Caller(principal.id, token)


@pytest.fixture
def api(tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    """The service on SQLite with the default settings."""
    with service(tmp_path, esco_matcher) as client:
        yield client
