"""The learner, employer and institution commands end to end on the real ESCO index, the sample
catalogue and the sample wallet: ``gap``, ``fit``, ``recommend``, ``candidates``, ``coverage``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillmatch.cli import app
from tests.conftest import SAMPLES

ENERGY_ANALYST = "http://data.europa.eu/esco/occupation/cbde1a3a-406d-4d17-b30b-03981925035d"
WALLET = [str(p) for p in sorted((SAMPLES / "wallet").iterdir())]


@pytest.fixture(scope="module")
def database(cli_catalogue: list[str]) -> list[str]:
    return [*cli_catalogue, "--trust", str(SAMPLES / "trust.json")]


def run(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_gap_by_uri_and_by_title(database: list[str]) -> None:
    gap = run("gap", ENERGY_ANALYST, *WALLET, *database)
    assert gap["label"] == "energy analyst" and 0 < gap["coverage"] < 1
    statuses = {s["label"]: s for s in gap["skills"]}
    assert statuses["analyse energy consumption"]["status"] == "held"
    assert "issuer-asserted" in statuses["analyse energy consumption"]["reason"]
    assert any(s["status"] == "missing" and s["relation"] == "essential" for s in gap["skills"])
    result = CliRunner().invoke(app, ["gap", "energieanalist", *WALLET, *database, "--json"])
    assert result.exit_code == 0 and f"read as the ESCO occupation 'analist energie' ({ENERGY_ANALYST}" in result.stderr


def test_fit_and_recommend_explain_themselves(database: list[str]) -> None:
    fits = run("fit", *WALLET, *database, "--top", "5")
    assert len(fits["now"]) == 5 and all(f["reason"] for f in fits["now"])
    assert fits["now"] == sorted(fits["now"], key=lambda f: -f["coverage"])
    plan = run("recommend", ENERGY_ANALYST, *WALLET, *database, "--max-ects", "30")
    assert plan["recommendations"], plan
    first = plan["recommendations"][0]
    assert any(reason.startswith("covers ") for reason in first["reasons"])
    assert plan["coverage_after"] > plan["target"]["coverage"]
    # What the learner holds is never recommended again.
    excluded = {e["id"]: e["reason"] for e in plan["excluded"]}
    assert excluded["https://api.edubadges.example/public/badges/k3_v5B16hK4O13aY58kXUe"] == "already held"
    assert plan["pathway"] and plan["pathway"][0]["reason"]
    # A budget of 1 ECTS leaves every credential out, each with the reason.
    tight = run("recommend", ENERGY_ANALYST, *WALLET, *database, "--max-ects", "1")
    assert not tight["recommendations"] and any("ECTS budget" in e["reason"] for e in tight["excluded"])


def test_candidates_from_passport_files(database: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["passport", "build", *WALLET, *database, "--json"])
    learner = tmp_path / "daan.json"
    learner.write_text(result.stdout, encoding="utf-8")
    other = tmp_path / "nurse.json"
    other.write_text(json.dumps({"skills": [{"uri": "http://data.europa.eu/esco/skill/1c6736c2-77de-419c-9b84-8932e15abc21",
                                             "confidence": 1.0, "evidence": []}]}), encoding="utf-8")
    ranked = run("candidates", ENERGY_ANALYST, str(other), str(learner))
    assert [c["candidate"] for c in ranked["candidates"]] == [str(learner)]
    assert ranked["candidates"][0]["missing_essential"] and ranked["candidates"][0]["evidence"]
    broken = tmp_path / "broken.json"
    broken.write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(app, ["candidates", ENERGY_ANALYST, str(broken)])
    assert result.exit_code == 1 and "is not a passport" in result.stderr


def test_coverage_of_an_institution(database: list[str]) -> None:
    url = database[:2]
    report = run("coverage", "--institution", "Hogeschool Deltastad", "--sector", "ict", *url)
    assert report["credentials"] == 9 and report["skills"]
    assert set(report["sector_gaps"]) == {"ict"}
    assert all(p["reason"] for p in report["overlap"])
    result = CliRunner().invoke(app, ["coverage", "--institution", "Nowhere College", *url])
    assert result.exit_code == 1 and "Hogeschool Deltastad" in result.stderr
