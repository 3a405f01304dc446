"""The outside services some tests need, found (or started) by the test session itself, so that a
plain ``pytest`` on a machine that has them runs those tests, and one that lacks them says how to
get them instead of skipping quietly.

PostgreSQL: ``SKILLMATCH_TEST_DATABASE_URL`` when set; else the server ``.ci/run`` sets up, at
:data:`DEFAULT_URL`; else, where PostgreSQL is installed, the session starts it: as root the
machine's own cluster (``service postgresql start`` and the ``skillmatch`` role), as anyone else a
throwaway cluster in a temporary folder, stopped when the session ends. Chromium: Debian's.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

ENV = "SKILLMATCH_TEST_DATABASE_URL"
DEFAULT_URL = "postgresql://skillmatch:skillmatch@localhost/postgres"
POSTGRESQL_HOW = (f"apt-get install postgresql (the tests then start it), or set {ENV} to a server "
                  "where the user may create databases")
CHROMIUM_HOW = "apt-get install chromium"
# DROP DATABASE ... WITH (FORCE) needs pg_signal_backend to end a test database's stray
# connections (autovacuum).
ROLE_SQL = ("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'skillmatch') THEN "
            "CREATE ROLE skillmatch LOGIN PASSWORD 'skillmatch' CREATEDB; END IF; END $$; "
            "GRANT pg_signal_backend TO skillmatch")


@dataclass(frozen=True)
class Found:
    """A service as the session found it: where it is, or (``where`` None) one line saying why it
    is missing and how to get it; ``note`` says what the session did to get it."""

    name: str
    where: str | None
    reason: str = ""
    note: str = ""
    stop: Callable[[], None] | None = field(default=None, compare=False)


class Machine(Protocol):
    def connects(self, url: str) -> bool: ...

    def postgresql_bin(self) -> Path | None: ...

    def is_root(self) -> bool: ...

    def start_service(self, bindir: Path) -> None: ...

    def start_throwaway(self, bindir: Path) -> tuple[str, Callable[[], None]]: ...


def find_postgresql(environ: Mapping[str, str], machine: Machine) -> Found:
    explicit = environ.get(ENV)
    if explicit:
        # Named on purpose: a server that does not answer should fail the tests, not skip them.
        return Found("PostgreSQL", explicit)
    if machine.connects(DEFAULT_URL):
        return Found("PostgreSQL", DEFAULT_URL)
    bindir = machine.postgresql_bin()
    if bindir is None:
        return Found("PostgreSQL", None, f"PostgreSQL is not installed: {POSTGRESQL_HOW}")
    try:
        if machine.is_root():
            machine.start_service(bindir)
            if machine.connects(DEFAULT_URL):
                return Found("PostgreSQL", DEFAULT_URL, note="started the machine's PostgreSQL (service postgresql "
                                                             "start) with the role skillmatch; it keeps running")
            return Found("PostgreSQL", None, f"PostgreSQL started but {DEFAULT_URL} does not connect; set {ENV}")
        url, stop = machine.start_throwaway(bindir)
        return Found("PostgreSQL", url, note=f"started a throwaway PostgreSQL cluster at {url}", stop=stop)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = " ".join(str(exc).split())[:200]
        return Found("PostgreSQL", None, f"PostgreSQL did not start ({detail}): start it, or set {ENV}")


def find_chromium(which: Callable[[str], str | None] = shutil.which) -> Found:
    where = which("chromium")
    if where is None:
        return Found("Chromium", None, f"Chromium is not installed: {CHROMIUM_HOW}")
    return Found("Chromium", where)


def missing_lines(missing: Iterable[Found], skip_messages: Iterable[str]) -> list[str]:
    """One line per missing service with the number of tests it skipped (whose skip message holds its reason)."""
    messages = list(skip_messages)
    return [f"{found.name}: {sum(found.reason in message for message in messages)} tests skipped. {found.reason}"
            for found in missing]


class Local:
    """This machine, with Debian's PostgreSQL layout (``/usr/lib/postgresql/<major>/bin``)."""

    def connects(self, url: str) -> bool:
        import psycopg

        try:
            psycopg.connect(url, connect_timeout=3).close()
        except psycopg.Error:
            return False
        return True

    def postgresql_bin(self) -> Path | None:
        root = Path("/usr/lib/postgresql")
        majors = sorted((p for p in root.glob("*") if (p / "bin" / "initdb").exists()),
                        key=lambda p: int(p.name) if p.name.isdigit() else 0)
        return majors[-1] / "bin" if majors else None

    def is_root(self) -> bool:
        return os.geteuid() == 0

    def start_service(self, bindir: Path) -> None:
        def run(*command: str) -> str:
            return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120).stdout

        if shutil.which("pg_lsclusters") and not run("pg_lsclusters", "-h").strip():
            run("pg_createcluster", bindir.parent.name, "main")
        run("service", "postgresql", "start")
        self._wait(lambda: subprocess.run(["pg_isready", "-q"], check=False).returncode == 0)
        run("runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-qc", ROLE_SQL)

    def start_throwaway(self, bindir: Path) -> tuple[str, Callable[[], None]]:
        folder = Path(tempfile.mkdtemp(prefix="skillmatch-postgresql-"))
        data = folder / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "skillmatch", "--auth=trust", "--no-sync",
                        "-E", "UTF8"], check=True, capture_output=True, text=True, timeout=120)
        # Durability is not wanted from a cluster that lives as long as the session.
        options = f"-p {port} -k {folder} -c listen_addresses=localhost -c fsync=off -c full_page_writes=off"
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w",
                        "start"], check=True, capture_output=True, text=True, timeout=120)

        def stop() -> None:
            subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], check=False,
                           capture_output=True, timeout=60)
            shutil.rmtree(folder, ignore_errors=True)

        return f"postgresql://skillmatch@localhost:{port}/postgres", stop

    @staticmethod
    def _wait(ready: Callable[[], bool], seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL was not ready after {seconds:.0f}s")
            time.sleep(0.5)
