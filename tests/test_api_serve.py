"""``skillmatch serve``: the admin bootstrap, the worker rule (several only on PostgreSQL), and a real
start on PostgreSQL with two worker processes."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from skillmatch.cli import app
from skillmatch.config import Settings
from skillmatch.matching import Matcher
from skillmatch.store import CatalogueStore
from skillmatch.store.accounts import AccountStore

#: What ``serve`` hands its worker processes through the environment.
HANDED_DOWN = ("SKILLMATCH_DATA_DIR", "SKILLMATCH_ENCODER", "SKILLMATCH_DATABASE_URL", "SKILLMATCH_TRUST_LIST")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo what ``serve`` writes into this process's environment."""
    for name in HANDED_DOWN:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.mark.usefixtures("environment")
@pytest.mark.parametrize("url", [None, "sqlite:////tmp/catalogue.sqlite"])
def test_several_workers_need_postgresql(tmp_path: Path, url: str | None) -> None:
    args = ["serve", "--workers", "3", "--data-dir", str(tmp_path)] + (["--database-url", url] if url else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "--workers 3 needs PostgreSQL" in result.output and "database is locked" in result.output
    assert not list(tmp_path.iterdir())  # refused before anything was built or opened


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
        assert options == {"factory": True, "host": "127.0.0.1", "port": 8123, "workers": 2}
        assert os.environ["SKILLMATCH_DATABASE_URL"] == url

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


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_serve_runs_worker_processes_on_postgresql(store_url: str, tmp_path: Path, esco_matcher: Matcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token_file = tmp_path / "admin.token"
    command = [sys.executable, "-m", "skillmatch.cli", "serve", "--database-url", store_url, "--workers", "2",
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
        learner = httpx.post(f"{base}/v1/principals", headers=admin, json={"name": "Daan", "role": "learner"}).json()
        # Whichever worker answers, it finds what another one wrote.
        for _ in range(6):
            answer = httpx.get(f"{base}/v1/passports/me", headers={"Authorization": f"Bearer {learner['token']}"})
            assert answer.status_code == 200 and answer.json()["learner_id"] == learner["id"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
