"""The service layer the command line and the API share, on the real ESCO index and the sample
wallet: the target occupation read from a URI or a title (and a skill refused in both faces), one
wallet read into the same passport by the library, the CLI and the API, the constraints of a
recommendation, and the issuer's ESCO links as the catalogue and the passport keep them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import skillmatch.cli.advice
import skillmatch.cli.credentials
from api.config import ApiSettings
from api.main import create_app
from skillmatch.catalogue import Catalogue, issuer_links
from skillmatch.cli import app
from skillmatch.credentials import (
    Achievement,
    Alignment,
    Credential,
    CredentialFormat,
    Issuer,
    LearningOutcome,
    TrustList,
    Verification,
)
from skillmatch.domain import HeldCredential, Passport
from skillmatch.errors import InputError, UnknownConceptError
from skillmatch.matching import Matcher
from skillmatch.passport import build_passport
from skillmatch.recommend import Constraints
from skillmatch.service import (
    ResolvedOccupation,
    learner_constraints,
    resolve_occupation,
    resolve_role,
    wallet_passport,
)
from skillmatch.store import CatalogueStore
from tests.conftest import OCC, SAMPLES, S

ENERGY_ANALYST = OCC + "cbde1a3a-406d-4d17-b30b-03981925035d"
PYTHON = S + "ccd0a1d9-afda-43d9-b901-96344886e14d"
STATISTICS = S + "7ee4c2ea-b349-4bd2-81a3-ec31475d4833"
TRUST = SAMPLES / "trust.json"
# Three credentials that read without the catalogue (signed, unsigned, a VC-JWT), then a badge
# class, which describes a credential and is held by no one.
WALLET = [SAMPLES / "wallet" / name for name in (
    "ob3-fhr-smart-grid-monitoring.json", "edc-hsv-circulaire-economie.json", "ob3-hds-energiedata-analyseren.jwt")]
#: The sample learner's e-mail address and DID (skillmatch/samples/README.md).
HOLDER = ["daan.verhoeven@example.com", "did:example:d4an5v3rh03v3n7f3a"]
BADGE_CLASS = SAMPLES / "catalogue" / "hds-sql-en-databases.json"


@pytest.fixture
def cli_matcher(esco_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> Matcher:
    """The CLI on the session's matcher, instead of loading its own for every command."""
    for module in (skillmatch.cli.advice, skillmatch.cli.credentials):
        monkeypatch.setattr(module, "load_matcher", lambda data_dir, encoder: esco_matcher)
    return esco_matcher


@pytest.fixture
def api(tmp_path: Path, esco_matcher: Matcher) -> Iterator[TestClient]:
    settings = ApiSettings(data_dir=tmp_path / "api", trust_list=TRUST)
    with TestClient(create_app(settings, matcher=esco_matcher)) as client:
        yield client


def learner(api: TestClient) -> dict[str, str]:
    _principal, token = api.app.state.services.accounts.create_principal("Daan", "learner", identifiers=HOLDER)
    return {"Authorization": f"Bearer {token}"}


def upload(api: TestClient, headers: dict[str, str], path: Path):
    body = {"jwt": path.read_text(encoding="utf-8")} if path.suffix == ".jwt" else json.loads(path.read_text())
    return api.post("/v1/passports/me/credentials", headers=headers, json=body)


# -- the target occupation --------------------------------------------------------------------


def test_an_occupation_is_read_from_its_uri_or_a_job_title(esco_matcher: Matcher) -> None:
    assert resolve_occupation(ENERGY_ANALYST, esco_matcher) == ResolvedOccupation(ENERGY_ANALYST)
    by_title = resolve_occupation("energieanalist", esco_matcher)
    confidence = esco_matcher.match_occupations("energieanalist", top_k=1)[0].confidence
    assert by_title == ResolvedOccupation(ENERGY_ANALYST, "'energieanalist' read as the ESCO occupation "
                                          f"'analist energie' ({ENERGY_ANALYST}, confidence {confidence:.2f})")
    with pytest.raises(InputError, match=r"is an ESCO skill \('Python \(computer programming\)'\), not an occupation"):
        resolve_occupation(PYTHON, esco_matcher)
    with pytest.raises(UnknownConceptError):
        resolve_occupation(OCC + "no-such-occupation", esco_matcher)


def test_both_faces_refuse_a_skill_as_the_target(cli_matcher: Matcher, api: TestClient, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = CliRunner().invoke(app, ["gap", PYTHON, str(WALLET[0]), "--database-url", url, "--trust", str(TRUST)])
    assert result.exit_code == 1 and "not an occupation" in result.stderr, result.output
    response = api.get("/v1/passports/me/gap", params={"occupation": PYTHON}, headers=learner(api))
    assert response.status_code == 422 and "not an occupation" in response.json()["detail"]


def test_a_role_is_an_occupation_uri_or_a_title(esco_matcher: Matcher) -> None:
    by_uri = resolve_role(ENERGY_ANALYST, esco_matcher)
    assert by_uri.occupation == ENERGY_ANALYST and by_uri.label == "energy analyst"
    by_title = resolve_role("energieanalist", esco_matcher)
    assert by_title.occupation == ENERGY_ANALYST and by_title.skills == by_uri.skills
    assert "for the title 'energieanalist'" in by_title.label
    with pytest.raises(InputError, match="not an occupation"):
        resolve_role(PYTHON, esco_matcher)


# -- the wallet -------------------------------------------------------------------------------


def test_library_cli_and_api_build_one_passport_from_one_wallet(cli_matcher: Matcher, api: TestClient,
                                                                 tmp_path: Path) -> None:
    store = CatalogueStore.open(None, tmp_path / "library")
    wallet = wallet_passport([(str(path), path) for path in [*WALLET, BADGE_CLASS]], cli_matcher, store=store,
                             trust=TrustList.load(TRUST), holder=HOLDER)
    store.close()
    assert wallet.held == (0, 1, 2) and [position for position, _ in wallet.rejected] == [3]
    [(_, problem)] = wallet.rejected
    assert "not a credential someone holds" in problem
    assert {c.verification.method for c in wallet.passport.credentials} == {"eddsa-jcs-2022", "vc-jwt", None}
    expected = wallet.passport.to_dict()
    assert expected["skills"] and expected["suggested"]

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = CliRunner().invoke(app, ["passport", "build", *map(str, [*WALLET, BADGE_CLASS]), "--json",
                                      "--database-url", url, "--trust", str(TRUST),
                                      *(f"--holder={identifier}" for identifier in HOLDER)])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    assert cli["rejected"] == [{"file": str(BADGE_CLASS), "problem": problem}]

    headers = learner(api)
    assert [upload(api, headers, path).status_code for path in WALLET] == [201, 201, 201]
    refused = upload(api, headers, BADGE_CLASS)
    assert refused.status_code == 422 and refused.json()["detail"].endswith(problem)
    served = api.get("/v1/passports/me/export", headers=headers).json()

    for face in (cli, served):
        for part in ("credentials", "skills", "suggested", "by_pillar", "total_ects", "learner"):
            assert face[part] == expected[part], part


# -- constraints ------------------------------------------------------------------------------


def held(achievement_id: str | None, eqf_level: int | None) -> HeldCredential:
    return HeldCredential(id=None, achievement_id=achievement_id, title="t", issuer=None, country=None, format="ob3",
                          eqf_level=eqf_level, ects=None, hours=None, issued_on=None, expires=None,
                          verification=Verification("unverifiable"), eu_missing=(), skills=0)


def test_constraints_leave_out_what_is_held_and_start_from_the_highest_level() -> None:
    passport = Passport(learner=None, credentials=(held("urn:a", 4), held("urn:b", None), held(None, 6)), skills=(),
                        generated_at=datetime.now(UTC))
    assert learner_constraints(passport, max_ects=15, languages=["nl", "en"], institutions=[], formats=None) == \
        Constraints(max_ects=15, learner_eqf=6, exclude=frozenset({"urn:a", "urn:b"}),
                    languages=frozenset({"nl", "en"}))
    empty = Passport(learner=None, credentials=(), skills=(), generated_at=datetime.now(UTC))
    assert learner_constraints(empty, max_eqf=5, formats=("ob3",)) == Constraints(max_eqf=5, formats=frozenset({"ob3"}))


# -- the issuer's ESCO links ------------------------------------------------------------------

OUTCOME = "Analyse data sets with statistical methods"
UNKNOWN = S + "0000-not-in-esco"


def aligned() -> Achievement:
    """An achievement aligned by its issuer to Python, to a URI ESCO lacks and to another
    framework, with an outcome aligned to statistics and to Python again."""
    return Achievement(
        id="https://example.org/badges/data-analysis", format=CredentialFormat.OB3,
        title={"en": "Data analysis"}, issuer=Issuer(name="Example College"),
        alignments=(Alignment(PYTHON, "Python"), Alignment(UNKNOWN, "made up"),
                    Alignment("https://example.org/framework/7", "other framework", framework="Other")),
        outcomes=(LearningOutcome(OUTCOME, lang="en", alignments=(Alignment(STATISTICS, "statistics"),
                                                                  Alignment(PYTHON, "Python again"))),))


def test_issuer_links_keep_the_outcome_and_report_unknown_uris(esco_matcher: Matcher) -> None:
    links, warnings = issuer_links(aligned(), esco_matcher.taxonomy)
    assert [(link.skill_uri, link.label, link.origin, link.outcome) for link in links] == [
        (PYTHON, "Python (computer programming)", "issuer", None), (STATISTICS, "statistics", "issuer", OUTCOME)]
    [warning] = warnings
    assert UNKNOWN in warning and "not a concept of the loaded ESCO release" in warning


def test_catalogue_and_passport_take_the_same_issuer_links(esco_matcher: Matcher, store: CatalogueStore) -> None:
    achievement = aligned()
    report = Catalogue(store, esco_matcher).import_achievements([achievement], source="test")
    _, [warning] = issuer_links(achievement, esco_matcher.taxonomy)
    assert report.added == [achievement.id] and report.warnings == [(achievement.id, warning)]
    stored = {link.skill_uri: link.outcome for link in store.get(achievement.id).links if link.origin == "issuer"}
    assert stored == {PYTHON: None, STATISTICS: OUTCOME}

    passport = build_passport([Credential(id="urn:held:1", format=CredentialFormat.OB3, achievement=achievement)],
                              esco_matcher)
    assert passport.warnings == (f"Data analysis: {warning}",)
    assert passport.to_dict()["warnings"] == [f"Data analysis: {warning}"]
    issuer = {s.uri: e.outcome for s in passport.skills for e in s.evidence if e.origin == "issuer"}
    assert issuer == {PYTHON: None, STATISTICS: OUTCOME}
