"""Load test of the HTTP service on loopback: requests/s and p50/p99 latency of the mapping,
passport and gap endpoints under concurrent clients, and again while the catalogue is re-mapped.

    .venv/bin/python benchmarks/load.py [--duration 10] [--clients 8 32] [--quick] [--json out.json]

Starts ``skillmatch serve`` (``--workers`` uvicorn workers, 2 by default, each with the real
matcher from the data directory; a temporary SQLite catalogue) as its own process, so the clients
do not share its interpreter. Over the API it then creates a learner, imports the sample catalogue
and adds the sample wallet to the learner's passport. Each endpoint is loaded by N concurrent
clients (aiohttp) for a fixed time per concurrency; then every endpoint at once while
``skillmatch catalogue remap --force`` re-maps the whole catalogue in another process against the
same database, until it ends. Last, the service is started again three times on the same
database (one worker, then ``--workers``), timing each start to its first answered read of the
(stored) passport. The timed runs start once every worker has loaded its matcher (``/v1/health``).

Any answer other than 2xx, and any connection failure or timeout, counts as an error; the script
exits with status 1 when there was one. ``--quick`` (2 s per run, 4 clients, the part of the
catalogue the wallet and the energy-analyst recommendations use, one cold start of each kind)
fits in a CI job.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aiohttp
import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from skillmatch.catalogue import outcome_texts  # noqa: E402
from skillmatch.credentials import read_file  # noqa: E402

SAMPLES = REPO / "skillmatch" / "samples"
CATALOGUE = SAMPLES / "catalogue"
WALLET = SAMPLES / "wallet"
TRUST = SAMPLES / "trust.json"
#: Whom the sample wallet was issued to (skillmatch/samples/README.md): registered for the seeded
#: learner, or the passport would bind none of the credentials to them and prove nothing.
SAMPLE_HOLDER = ["daan.verhoeven@example.com", "did:example:d4an5v3rh03v3n7f3a"]
#: ESCO "energy analyst", the occupation the sample learner aims for.
ENERGY_ANALYST = "http://data.europa.eu/esco/occupation/cbde1a3a-406d-4d17-b30b-03981925035d"
#: The catalogue credentials the sample wallet holds (an OB 2.0 assertion names its badge class,
#: which must be in the catalogue) and those recommended towards energy analyst: enough for the
#: passport, the gap and a plan, at a third of the import time of the whole catalogue.
WALLET_CATALOGUE = (
    "hds-data-visualisation.json", "hds-python-voor-data-analyse.json", "rll-elektrische-installaties.json",
    "rll-warmtepompen.json", "rll-zonnepanelen-installeren.json", "uvn-energy-transition.json",
    "fhr-smart-grid-monitoring-ob3.json", "hds-energiedata-analyseren-ob3.json", "hsv-circulaire-economie-elm.json",
    "fhr-energy-auditing-elm.json", "uvn-sustainable-building-performance-elm.json",
    "hds-energietransitie-gebouwde-omgeving.json", "hsv-pv-ontwerp-kmo.json", "fhr-heat-pump-system-design.json",
)
#: The credential whose outcome block the mapping endpoint is loaded with (8 Dutch outcomes).
MATCH_SAMPLE = CATALOGUE / "hds-energiedata-analyseren-ob3.json"
#: Generous: a request queued behind 32 others on two cores still answers well within this.
REQUEST_TIMEOUT_S = 120.0


# -- the service ----------------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on now (the service binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base_url: str, token: str, *, timeout_s: float, alive: Callable[[], bool] = lambda: True) -> None:
    """Poll ``/v1/principals/me`` until the service answers it, or raise RuntimeError."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the service stopped while starting")
        try:
            if httpx.get(f"{base_url}/v1/principals/me", headers=auth(token), timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the service did not answer within {timeout_s:.0f} s")


def wait_for_matchers(base_url: str, workers: int, *, timeout_s: float) -> float:
    """Poll ``/v1/health`` on new connections (each may reach another worker) until ``workers``
    processes say their matcher is ready; the seconds it took. So that no timed run includes a
    worker still loading."""
    started = time.monotonic()
    ready: set[int] = set()
    while len(ready) < workers:
        if time.monotonic() - started > timeout_s:
            raise RuntimeError(f"{len(ready)} of {workers} workers had loaded their matcher after {timeout_s:.0f} s")
        health = httpx.get(f"{base_url}/v1/health", timeout=5).json()
        if health["matcher"] == "failed":
            raise RuntimeError(f"worker {health['process']} could not load its matcher (see serve.log)")
        if health["matcher"] == "ready":
            ready.add(health["process"])
        else:
            time.sleep(0.1)
    return time.monotonic() - started


class LiveServer:
    """uvicorn serving an ASGI app in a background thread on a free loopback port (for tests that
    drive the service from outside: a browser, an HTTP client)::

        with LiveServer(create_app(settings, matcher=matcher)) as server:
            httpx.get(server.url + "/passport")
    """

    def __init__(self, app, *, start_timeout_s: float = 120.0) -> None:
        import uvicorn

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="uvicorn", daemon=True)
        self._start_timeout_s = start_timeout_s

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + self._start_timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start (its log above says why)")
            time.sleep(0.05)
        return self

    def __exit__(self, *_exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()


def start_serve(workdir: Path, workers: int, batch_window_ms: float = 0) -> tuple[str, subprocess.Popen, IO[str]]:
    """``skillmatch serve`` started on the SQLite catalogue and admin token file of ``workdir``
    (made on the first start, reused later); its base URL, process and open log."""
    base_url = f"http://127.0.0.1:{free_port()}"
    log = (workdir / "serve.log").open("a")
    process = subprocess.Popen(
        [sys.executable, "-m", "skillmatch.cli", "serve", "--host", "127.0.0.1", "--port", base_url.rsplit(":", 1)[1],
         "--database-url", f"sqlite:///{workdir / 'catalogue.sqlite'}", "--trust", str(TRUST),
         "--admin-token-file", str(workdir / "admin-token"), "--workers", str(workers)],
        # The load is one learner's: measured without the per-principal rate limit.
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "SKILLMATCH_RATE_LIMIT_PER_MINUTE": "0",
             "SKILLMATCH_MATCH_BATCH_WINDOW_MS": str(batch_window_ms)})
    return base_url, process, log


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cold_start(workdir: Path, learner_token: str, *, workers: int, timeout_s: float = 120.0) -> float:
    """Seconds from starting ``skillmatch serve`` again on ``workdir``'s catalogue to its first
    answered read of the learner's (stored) passport."""
    started = time.perf_counter()
    base_url, process, log = start_serve(workdir, workers)
    try:
        with httpx.Client(base_url=base_url, timeout=5) as client:
            while time.perf_counter() - started < timeout_s:
                if process.poll() is not None:
                    raise RuntimeError(f"skillmatch serve stopped:\n{(workdir / 'serve.log').read_text()[-3000:]}")
                try:
                    if client.get("/v1/passports/me", headers=auth(learner_token)).status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(0.01)
        raise RuntimeError(f"no answered read within {timeout_s:.0f} s")
    finally:
        stop(process)
        log.close()


@contextmanager
def service_process(workdir: Path, *, workers: int = 1, batch_window_ms: float = 0, start_timeout_s: float = 600.0
                    ) -> Iterator[tuple[str, str, str]]:
    """``skillmatch serve`` (``workers`` processes) on a free loopback port with a new SQLite catalogue in ``workdir``;
    yields its base URL, the admin's token and the database URL. Its log goes to ``workdir/serve.log``."""
    database, token_file = f"sqlite:///{workdir / 'catalogue.sqlite'}", workdir / "admin-token"
    base_url, process, log = start_serve(workdir, workers, batch_window_ms)
    try:
        deadline = time.monotonic() + start_timeout_s
        while not token_file.exists() or not token_file.read_text().strip():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"skillmatch serve did not start:\n{(workdir / 'serve.log').read_text()[-3000:]}")
            time.sleep(0.25)
        token = token_file.read_text().strip()
        try:
            wait_until_up(base_url, token, timeout_s=max(1.0, deadline - time.monotonic()),
                          alive=lambda: process.poll() is None)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}:\n{(workdir / 'serve.log').read_text()[-3000:]}") from exc
        yield base_url, token, database
    finally:
        stop(process)
        log.close()


# -- sample data over the API ---------------------------------------------------------------------


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def credential_body(path: Path) -> dict:
    """A sample file as the body of an upload: JSON as it is, a compact VC-JWT as ``{"jwt": ...}``."""
    text = path.read_text(encoding="utf-8")
    return {"jwt": text.strip()} if path.suffix == ".jwt" else json.loads(text)


def _created(response: httpx.Response, what: str) -> dict:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{what}: {response.status_code} {response.text[:500]}")
    return response.json()


@dataclass(frozen=True)
class Seeded:
    """The principals made by :func:`seed`, with their tokens."""

    learner_id: str
    learner_token: str
    institution_token: str


def seed(client: httpx.Client, admin_token: str, *, catalogue: Sequence[Path], wallet: Sequence[Path]) -> Seeded:
    """Through the API: an institution (Hogeschool Deltastad) imports its credentials of
    ``catalogue``, the admin the other institutions'; a learner adds ``wallet`` to their passport."""
    admin = auth(admin_token)
    institution = _created(client.post("/v1/principals", headers=admin, json={
        "name": "Hogeschool Deltastad", "role": "institution", "institution": "Hogeschool Deltastad"}),
        "creating the institution")
    learner = _created(client.post("/v1/principals", headers=admin, json={
        "name": "Daan Verhoeven", "role": "learner", "identifiers": SAMPLE_HOLDER}), "creating the learner")
    for path in catalogue:
        body = credential_body(path)
        own = path.name.startswith("hds-")
        token = institution["token"] if own else admin_token
        _created(client.post("/v1/catalogue/credentials", headers=auth(token), json=body), f"importing {path.name}")
    for path in wallet:
        _created(client.post("/v1/passports/me/credentials", headers=auth(learner["token"]),
                             json=credential_body(path)), f"adding {path.name} to the passport")
    return Seeded(learner_id=learner["id"], learner_token=learner["token"], institution_token=institution["token"])


# -- load -----------------------------------------------------------------------------------------


@dataclass
class Run:
    """One endpoint under one number of concurrent clients."""

    endpoint: str
    clients: int
    phase: str
    requests: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    errors: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]

    def summary(self) -> dict:
        return {"endpoint": self.endpoint, "clients": self.clients, "phase": self.phase, "requests": self.requests,
                "seconds": round(self.seconds, 2), "requests_per_s": round(self.rate, 1),
                "p50_ms": round(self.percentile(0.5), 1), "p99_ms": round(self.percentile(0.99), 1),
                "errors": sum(self.errors.values()), "error_kinds": dict(self.errors)}


#: One request of the load: sent on the clients' shared session, answered with its status.
Call = Callable[["aiohttp.ClientSession"], Awaitable[int]]


def endpoints(learner_token: str, occupation: str) -> dict[str, Call]:
    """The loaded requests by name: mapping one credential's outcome block, the passport, the gap."""
    block = "\n".join(f"- {text}" for text in outcome_texts(read_file(MATCH_SAMPLE)))
    headers = auth(learner_token)

    def call(method: str, path: str, **options) -> Call:
        async def send(session: aiohttp.ClientSession) -> int:
            async with session.request(method, path, headers=headers, **options) as response:
                await response.read()
                return response.status
        return send

    return {
        "POST /v1/match/skills": call("POST", "/v1/match/skills", json={"texts": [block], "top_k": 10}),
        "GET /v1/passports/me": call("GET", "/v1/passports/me"),
        "GET /v1/passports/me/gap": call("GET", "/v1/passports/me/gap", params={"occupation": occupation}),
    }


async def _client_loop(session: aiohttp.ClientSession, calls: Sequence[tuple[str, Call]], runs: dict[str, Run],
                       offset: int, until: Callable[[], bool]) -> None:
    """One client: request after request (cycling through ``calls``, starting at ``offset`` so
    concurrent clients spread over them) until ``until()`` says stop."""
    i = offset
    while not until():
        name, call = calls[i % len(calls)]
        i += 1
        run = runs[name]
        started = time.perf_counter()
        try:
            status = await call(session)
        except (TimeoutError, aiohttp.ClientError) as exc:
            run.errors[type(exc).__name__] += 1
            run.requests += 1
            continue
        run.latencies_ms.append((time.perf_counter() - started) * 1000)
        run.requests += 1
        if not 200 <= status < 300:
            run.errors[f"HTTP {status}"] += 1


async def load(base_url: str, calls: dict[str, Call], clients: int, *, phase: str,
               until: Callable[[], bool]) -> list[Run]:
    """``clients`` concurrent clients on ``calls`` until ``until()``; one Run per call. The clients
    are aiohttp's: they share the 2 cores with the service, and httpx's asyncio client took
    2.9 ms of CPU per request, about as much as the service itself."""
    runs = {name: Run(name, clients, phase) for name in calls}
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(_client_loop(session, list(calls.items()), runs, i, until) for i in range(clients)))
        elapsed = time.perf_counter() - started
    for run in runs.values():
        run.seconds = elapsed
    return list(runs.values())


def timer(seconds: float) -> Callable[[], bool]:
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() >= deadline


async def steady(base_url: str, calls: dict[str, Call], clients: Sequence[int], duration: float) -> list[Run]:
    """Each endpoint alone, at each concurrency, for ``duration`` seconds (after a short warm-up)."""
    runs = []
    for name, call in calls.items():
        await load(base_url, {name: call}, 2, phase="warm-up", until=timer(min(1.0, duration)))
        for n in clients:
            runs.extend(await load(base_url, {name: call}, n, phase="steady", until=timer(duration)))
    return runs


async def during_remap(base_url: str, calls: dict[str, Call], clients: int, duration: float,
                       database_url: str, log: Path) -> tuple[list[Run], float, str]:
    """All endpoints at once while ``skillmatch catalogue remap --force`` runs in another process
    on the same database; the load lasts until the remap has ended and at least ``duration``."""
    started = time.monotonic()
    with log.open("w") as out:
        remap = subprocess.Popen([sys.executable, "-m", "skillmatch.cli", "catalogue", "remap", "--force",
                                  "--database-url", database_url], cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        at_least = timer(duration)
        runs = await load(base_url, calls, clients, phase="during remap",
                          until=lambda: remap.poll() is not None and at_least())
        remap.wait()
    seconds = time.monotonic() - started
    if remap.returncode != 0:
        raise RuntimeError(f"the re-mapping failed:\n{log.read_text()[-3000:]}")
    return runs, seconds, log.read_text().strip().splitlines()[-1]


# -- report ---------------------------------------------------------------------------------------


def table(runs: Sequence[Run]) -> str:
    lines = ["| endpoint | phase | clients | requests | requests/s | p50 ms | p99 ms | errors |",
             "|---|---|--:|--:|--:|--:|--:|--:|"]
    for run in runs:
        s = run.summary()
        kinds = f" ({', '.join(f'{k}: {v}' for k, v in s['error_kinds'].items())})" if s["errors"] else ""
        lines.append(f"| `{s['endpoint']}` | {s['phase']} | {s['clients']} | {s['requests']} | "
                     f"{s['requests_per_s']:.1f} | {s['p50_ms']:.0f} | {s['p99_ms']:.0f} | {s['errors']}{kinds} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, help="Seconds per endpoint and concurrency (default 10; 2 quick).")
    parser.add_argument("--clients", type=int, nargs="+", help="Concurrent clients (default 8 32; 4 quick).")
    parser.add_argument("--quick", action="store_true",
                        help="CI size: short runs, few clients, the part of the catalogue the wallet uses.")
    parser.add_argument("--workers", type=int, default=2, help="Worker processes of the service (default 2).")
    parser.add_argument("--batch-window-ms", type=float, default=0,
                        help="SKILLMATCH_MATCH_BATCH_WINDOW_MS of the service (default 0: no wait for more).")
    parser.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
    args = parser.parse_args(argv)
    duration = args.duration or (2.0 if args.quick else 10.0)
    clients = args.clients or ([4] if args.quick else [8, 32])
    if duration <= 0 or min(clients) < 1:
        parser.error("--duration must be positive and --clients at least 1")
    catalogue = [CATALOGUE / name for name in WALLET_CATALOGUE] if args.quick else sorted(CATALOGUE.glob("*.json"))
    wallet = sorted(WALLET.iterdir())

    with tempfile.TemporaryDirectory(prefix="skillmatch-load-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        with service_process(workdir, workers=args.workers, batch_window_ms=args.batch_window_ms) as (
                base_url, admin_token, database_url):
            print(f"service up in {time.perf_counter() - started:.1f} s at {base_url}; every worker's matcher "
                  f"loaded {wait_for_matchers(base_url, args.workers, timeout_s=600):.1f} s later", file=sys.stderr)
            started = time.perf_counter()
            with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
                seeded = seed(client, admin_token, catalogue=catalogue, wallet=wallet)
                passport = client.get("/v1/passports/me", headers=auth(seeded.learner_token)).json()
            print(f"seeded {len(catalogue)} catalogue credentials and {len(wallet)} held ones "
                  f"({len(passport['skills'])} proven skills) in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr)
            calls = endpoints(seeded.learner_token, ENERGY_ANALYST)
            runs = asyncio.run(steady(base_url, calls, clients, duration))
            remap_runs, remap_s, remap_said = asyncio.run(
                during_remap(base_url, calls, max(clients), duration, database_url, workdir / "remap.log"))
            with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
                after = client.get("/v1/passports/me", headers=auth(seeded.learner_token)).json()
        starts = {n: [cold_start(workdir, seeded.learner_token, workers=n) for _ in range(1 if args.quick else 3)]
                  for n in sorted({1, args.workers})}

    all_runs = runs + remap_runs
    errors = sum(sum(run.errors.values()) for run in all_runs)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}; "
          f"{args.workers} uvicorn worker(s), batch window {args.batch_window_ms:g} ms, SQLite; "
          f"catalogue {len(catalogue)} credentials, wallet {len(wallet)}; "
          f"{duration:g} s per run\n")
    print(table(all_runs))
    print(f"\nre-mapping ({remap_said}) took {remap_s:.1f} s in its own process (loading its matcher included); "
          f"the passport had {len(passport['skills'])} proven skills before it and {len(after['skills'])} after")
    for n, seconds in starts.items():
        print(f"cold start of `skillmatch serve --workers {n}` to its first answered passport read: "
              f"{', '.join(f'{s:.2f}' for s in seconds)} s (median {statistics.median(seconds):.2f} s)")
    print(f"errors: {errors}")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": {"arch": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()},
            "duration_s": duration, "clients": clients, "workers": args.workers, "catalogue": len(catalogue),
            "wallet": len(wallet),
            "runs": [run.summary() for run in all_runs],
            "remap": {"seconds": round(remap_s, 1), "output": remap_said,
                      "skills_before": len(passport["skills"]), "skills_after": len(after["skills"])},
            "cold_start_s": {n: [round(s, 3) for s in seconds] for n, seconds in starts.items()},
            "errors": errors,
        }, indent=2))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
