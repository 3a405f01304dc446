"""The CLI holds to the same rules as the API: a review decides on one of the credential's own
skills (never another URI, nor an occupation), and ``fit`` never proposes a credential the
learner holds as the way to an occupation. On the real ESCO index and the sample catalogue."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from skillmatch.cli import app
from skillmatch.store import CatalogueStore
from tests.conftest import SAMPLES

DATAVIS = "https://api.edubadges.example/public/badges/k3_v5B16hK4O13aY58kXUe"
ENERGY_ANALYST = "http://data.europa.eu/esco/occupation/cbde1a3a-406d-4d17-b30b-03981925035d"
NURSING = "http://data.europa.eu/esco/skill/1c6736c2-77de-419c-9b84-8932e15abc21"
WALLET = [str(p) for p in sorted((SAMPLES / "wallet").iterdir())]


def run(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_review_decides_only_on_a_skill_of_the_credential(cli_catalogue: list[str]) -> None:
    skills = {skill["uri"] for skill in run("catalogue", "show", DATAVIS, *cli_catalogue)["skills"]}
    assert ENERGY_ANALYST not in skills and NURSING not in skills
    for uri in (ENERGY_ANALYST, NURSING):
        refused = CliRunner().invoke(app, ["catalogue", "review", DATAVIS, uri, "--confirm", *cli_catalogue])
        assert refused.exit_code == 1 and f"{uri} is not a skill of {DATAVIS}" in refused.stderr
    store = CatalogueStore.open(cli_catalogue[1], Path("unused"))
    try:
        assert store.get(DATAVIS).reviews == {}
    finally:
        store.close()
    skill = sorted(skills)[0]
    accepted = CliRunner().invoke(app, ["catalogue", "review", DATAVIS, skill, "--reject", *cli_catalogue])
    assert accepted.exit_code == 0 and accepted.stdout.startswith("rejected: ")


def test_fit_never_proposes_a_credential_the_learner_holds(cli_catalogue: list[str]) -> None:
    trust = ["--trust", str(SAMPLES / "trust.json")]
    held = {credential["achievement_id"] for credential in run("passport", "build", *WALLET, *cli_catalogue,
                                                                  *trust)["credentials"]}
    assert DATAVIS in held
    fits = run("fit", *WALLET, *cli_catalogue, *trust, "--top", "10")
    proposed = {credential for fit in fits["now"] + fits["reachable"] for credential in fit["via"]}
    assert proposed and not proposed & held
