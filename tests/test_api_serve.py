"""``skillmatch serve``: the admin bootstrap, a real start with two worker processes on SQLite and
on PostgreSQL, and a service that answers stored passports, gaps and the taxonomy while its
matcher is still loading."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from skillmatch.cli import app
from skillmatch.cli.serve import WORKER_HEALTHCHECK_S
from skillmatch.config import Settings
from skillmatch.matching import Matcher
from skillmatch.store import CatalogueStore
from skillmatch.store.accounts import AccountStore
from tests.conftest import REPO

#: What ``serve`` hands its worker processes through the environment.
HANDED_DOWN = ("SKILLMATCH_DATA_DIR", "SKILLMATCH_ENCODER", "SKILLMATCH_DATABASE_URL", "SKILLMATCH_TRUST_LIST",
               "SKILLMATCH_MATCHER_SOCKET", "SKILLMATCH_MATCHER_AUTHKEY")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo what ``serve`` writes into this process's environment."""
    for name in HANDED_DOWN:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.mark.usefixtures("environment")
def test_serve_bootstraps_the_admin_from_its_token_file(store_url: str | None, tmp_path: Path,
                                                        esco_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[object, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: started.append((target, options)))
    token_file = tmp_path / "secrets" / "admin.token"
    url = store_url or f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    workers = "1" if store_url is None else "2"
    # The data folder that holds the built taxonomy and indexes (as for the esco_matcher fixture).
    args = ["serve", "--database-url", url, "--workers", workers, "--port", "8123",
            "--data-dir", str(Settings().data_dir), "--admin-token-file", str(token_file)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"the admin's API token is in {token_file}" in result.output
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()
    [(target, options)] = started
    if workers == "1":
        assert isinstance(target, FastAPI) and options == {"host": "127.0.0.1", "port": 8123}
        with TestClient(target) as client:
            me = client.get("/v1/principals/me", headers={"Authorization": f"Bearer {token}"}).json()
            assert me["name"] == "admin" and me["role"] == "admin"
    else:
        assert target == "api.main:create_app"
        assert options == {"factory": True, "host": "127.0.0.1", "port": 8123, "workers": 2,
                           "timeout_worker_healthcheck": WORKER_HEALTHCHECK_S}
        assert os.environ["SKILLMATCH_DATABASE_URL"] == url
        # The workers share one matching process, whose socket and key they are handed.
        assert os.environ["SKILLMATCH_MATCHER_SOCKET"] and len(os.environ["SKILLMATCH_MATCHER_AUTHKEY"]) == 64

    store = CatalogueStore.open(url, tmp_path)
    try:
        accounts = AccountStore(store.engine)
        admin = accounts.authenticate(token)
        assert admin is not None and admin.role == "admin"
        # A second start reuses the file; a new token written into it replaces the old one.
        assert CliRunner().invoke(app, args).exit_code == 0
        assert accounts.authenticate(token) == admin
        token_file.write_text("r" * 43 + "\n")
        assert CliRunner().invoke(app, args).exit_code == 0
        assert accounts.authenticate(token) is None and accounts.authenticate("r" * 43) == admin
        assert accounts.principals(role="admin")[1] == 1
        token_file.write_text("too short")
        refused = CliRunner().invoke(app, args)
        assert refused.exit_code == 1 and "at least 32 characters" in refused.output
    finally:
        store.close()


def test_serve_runs_worker_processes(store_url: str | None, tmp_path: Path, esco_matcher: Matcher) -> None:
    # SQLite as PostgreSQL: the workers wait for each other's writes rather than fail.
    url = store_url or f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token_file = tmp_path / "admin.token"
    command = [sys.executable, "-m", "skillmatch.cli", "serve", "--database-url", url, "--workers", "2",
               "--port", str(port), "--data-dir", str(Settings().data_dir), "--admin-token-file", str(token_file)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                if httpx.get(f"{base}/v1/principals/me", timeout=5,
                             headers={"Authorization": f"Bearer {token_file.read_text().strip()}"}).is_success:
                    break
            except (httpx.TransportError, FileNotFoundError):
                pass
            assert time.monotonic() < deadline, "the server did not answer within 3 minutes"
            time.sleep(1)
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) >= 2
        admin = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
        learners = [httpx.post(f"{base}/v1/principals", headers=admin, json={"name": f"Daan {i}", "role": "learner"}
                               ).json() for i in range(4)]
        # Whichever worker answers, it finds what another one wrote; concurrent writers all land.
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda learner: httpx.get(f"{base}/v1/passports/me", timeout=60, headers={
                "Authorization": f"Bearer {learner['token']}"}), learners * 3))
        assert [a.status_code for a in answers] == [200] * 12
        assert [a.json()["learner_id"] for a in answers] == [learner["id"] for learner in learners * 3]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_service_answers_reads_while_its_matcher_loads(tmp_path: Path, esco_matcher: Matcher) -> None:
    from api.config import ApiSettings
    from api.main import create_app
    from skillmatch.matching.background import BackgroundMatcher
    from tests.conftest import SAMPLES

    settings = ApiSettings(data_dir=tmp_path, trust_list=SAMPLES / "trust.json")
    signed = json.loads((SAMPLES / "wallet" / "ob3-fhr-smart-grid-monitoring.json").read_text(encoding="utf-8"))
    with TestClient(create_app(settings, matcher=esco_matcher)) as api:
        learner, token = api.app.state.services.accounts.create_principal("daan", "learner")
        headers = {"Authorization": f"Bearer {token}"}
        assert api.post("/v1/passports/me/credentials", json=signed, headers=headers).status_code == 201
        built = api.get("/v1/passports/me", headers=headers)

    # Restarted: the taxonomy is there at once, the matcher only when the test lets it load.
    release = threading.Event()

    def slow_matcher(_taxonomy):
        assert release.wait(60)
        return esco_matcher

    loading = BackgroundMatcher(lambda: esco_matcher.taxonomy, slow_matcher)
    threading.Thread(target=loading.load, daemon=True).start()
    with TestClient(create_app(settings, loading=loading)) as api:
        started = time.perf_counter()
        stored = api.get("/v1/passports/me", headers=headers)
        assert stored.status_code == 200 and stored.headers["ETag"] == built.headers["ETag"]
        assert stored.json()["skills"] == built.json()["skills"]
        occupation = "http://data.europa.eu/esco/occupation/cbde1a3a-406d-4d17-b30b-03981925035d"
        assert api.get("/v1/passports/me/gap", params={"occupation": occupation}, headers=headers).status_code == 200
        assert api.get(f"/v1/taxonomy/concepts/{occupation}", headers=headers).json()["kind"] == "occupation"
        assert time.perf_counter() - started < 5 and loading.loaded is None
        assert api.get("/v1/health").json() == {"status": "ok", "matcher": "loading", "process": os.getpid()}
        release.set()
        matched = api.post("/v1/match/skills", headers=headers, json={"texts": ["install solar panels"]})
        assert matched.status_code == 200 and loading.loaded is esco_matcher
        assert api.get("/v1/health").json()["matcher"] == "ready"
        assert api.get("/v1/passports/me", headers=headers).headers["ETag"] == built.headers["ETag"]


def test_health_says_when_the_matcher_failed_to_load(tmp_path: Path) -> None:
    from api.config import ApiSettings
    from api.main import create_app
    from skillmatch.matching.background import BackgroundMatcher
    from skillmatch.taxonomy import load_taxonomy, store_path

    def broken(_taxonomy):
        raise FileNotFoundError("no index in the data folder")

    loading = BackgroundMatcher(lambda: load_taxonomy(store_path(Settings().data_dir)), broken)
    loading.load()
    with TestClient(create_app(ApiSettings(data_dir=tmp_path), loading=loading)) as api:
        assert api.get("/v1/health").json()["matcher"] == "failed"
        token = api.app.state.services.accounts.create_principal("daan", "learner")[1]
        refused = api.post("/v1/match/skills", headers={"Authorization": f"Bearer {token}"},
                           json={"texts": ["install solar panels"]})
        assert refused.status_code == 503 and "no index in the data folder" in refused.text


def test_the_service_starts_without_what_only_matching_and_export_need() -> None:
    """What ``serve`` imports before it answers: no encoder runtime, no SciPy (gaps and coverage
    import it when first asked), no rdflib (only an RDF build or export): each was a part of the
    cold start to the first read."""
    check = ("import sys, skillmatch.cli, uvicorn, api.main; from skillmatch.store import CatalogueStore; "
             "from skillmatch.store.accounts import AccountStore; "
             "loaded = {'scipy', 'rdflib', 'onnxruntime', 'torch', 'faiss'} & set(sys.modules); "
             "assert not loaded, loaded")
    result = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
