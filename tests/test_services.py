"""How the test session finds PostgreSQL and Chromium (tests/services.py), on a made-up machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.services import DEFAULT_URL, ENV, Found, find_chromium, find_postgresql, missing_lines

BIN = Path("/usr/lib/postgresql/15/bin")


class FakeMachine:
    def __init__(self, *, answering: set[str] = frozenset(), installed: bool = True, root: bool = True,
                 starts: str = "ok") -> None:
        self.answering = set(answering)
        self.installed = installed
        self.root = root
        self.starts = starts
        self.probed: list[str] = []
        self.started: list[str] = []

    def connects(self, url: str) -> bool:
        self.probed.append(url)
        return url in self.answering

    def postgresql_bin(self) -> Path | None:
        return BIN if self.installed else None

    def is_root(self) -> bool:
        return self.root

    def start_service(self, bindir: Path) -> None:
        self.started.append(f"service {bindir}")
        if self.starts == "fails":
            raise subprocess.CalledProcessError(1, ["service", "postgresql", "start"])
        if self.starts == "ok":
            self.answering.add(DEFAULT_URL)

    def start_throwaway(self, bindir: Path):
        self.started.append(f"throwaway {bindir}")
        return "postgresql://skillmatch@localhost:5999/postgres", lambda: None


def test_a_named_server_is_used_without_probing_or_starting_anything() -> None:
    machine = FakeMachine()
    found = find_postgresql({ENV: "postgresql://me@db.example/postgres"}, machine)
    assert found.where == "postgresql://me@db.example/postgres"
    assert machine.probed == [] and machine.started == []


def test_a_running_server_with_the_ci_role_is_used_as_it_is() -> None:
    machine = FakeMachine(answering={DEFAULT_URL})
    found = find_postgresql({ENV: ""}, machine)
    assert (found.where, found.note, machine.started) == (DEFAULT_URL, "", [])


def test_root_starts_the_machines_postgresql_and_says_so() -> None:
    machine = FakeMachine(root=True)
    found = find_postgresql({}, machine)
    assert found.where == DEFAULT_URL and machine.started == [f"service {BIN}"]
    assert "service postgresql start" in found.note and found.stop is None


def test_anyone_else_gets_a_throwaway_cluster_stopped_with_the_session() -> None:
    machine = FakeMachine(root=False)
    found = find_postgresql({}, machine)
    assert found.where == "postgresql://skillmatch@localhost:5999/postgres"
    assert machine.started == [f"throwaway {BIN}"] and found.stop is not None


def test_without_postgresql_the_reason_says_how_to_get_it() -> None:
    machine = FakeMachine(installed=False)
    found = find_postgresql({}, machine)
    assert found.where is None and machine.started == []
    assert "apt-get install postgresql" in found.reason and ENV in found.reason and "\n" not in found.reason


def test_a_server_that_will_not_start_is_one_line_not_an_error() -> None:
    found = find_postgresql({}, FakeMachine(starts="fails"))
    assert found.where is None and "did not start" in found.reason and ENV in found.reason
    assert "\n" not in found.reason


def test_a_started_server_that_refuses_the_role_is_reported() -> None:
    found = find_postgresql({}, FakeMachine(starts="refuses"))
    assert found.where is None and DEFAULT_URL in found.reason


def test_chromium_is_found_on_the_path_or_named_as_missing() -> None:
    assert find_chromium(lambda name: f"/usr/bin/{name}").where == "/usr/bin/chromium"
    missing = find_chromium(lambda name: None)
    assert missing.where is None and "apt-get install chromium" in missing.reason


def test_the_summary_counts_the_tests_each_missing_service_skipped() -> None:
    postgresql = Found("PostgreSQL", None, "PostgreSQL is not installed: apt-get install postgresql")
    chromium = Found("Chromium", None, "Chromium is not installed: apt-get install chromium")
    messages = [f"Skipped: {postgresql.reason}"] * 3 + [f"Skipped: {chromium.reason}", "Skipped: no ESCO data"]
    assert missing_lines([postgresql, chromium], messages) == [
        f"PostgreSQL: 3 tests skipped. {postgresql.reason}",
        f"Chromium: 1 tests skipped. {chromium.reason}",
    ]
