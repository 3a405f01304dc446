"""The sample learner's skills passport on the real ESCO index, with and without the catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from typer.testing import CliRunner

from skillmatch.catalogue import Catalogue
from skillmatch.cli import app
from skillmatch.credentials import Credential, TrustList, read_file
from skillmatch.domain import Passport
from skillmatch.domain.passport import PROVING
from skillmatch.errors import CredentialError
from skillmatch.matching import Matcher
from skillmatch.passport import build_passport
from skillmatch.store import CatalogueStore
from tests.conftest import BROKEN, SAMPLES

SKILL = "http://data.europa.eu/esco/skill/"
PYTHON = SKILL + "ccd0a1d9-afda-43d9-b901-96344886e14d"
WOUND_CARE = SKILL + "1c6736c2-77de-419c-9b84-8932e15abc21"
WALLET = sorted((SAMPLES / "wallet").iterdir())


@pytest.fixture
def catalogue(store: CatalogueStore, esco_matcher: Matcher) -> Catalogue:
    catalogue = Catalogue(store, esco_matcher)
    catalogue.import_paths([SAMPLES / "catalogue"])
    return catalogue


def held(catalogue: Catalogue | None) -> list[Credential]:
    trust = TrustList.load(SAMPLES / "trust.json")
    badge_classes = {} if catalogue is None else {r.id: catalogue.achievement(r) for r in catalogue.records()}
    return [read_file(path, trust=trust, badge_classes=badge_classes) for path in WALLET]


def test_passport_from_mixed_formats(catalogue: Catalogue, esco_matcher: Matcher) -> None:
    passport = build_passport(held(catalogue), esco_matcher, catalogue=catalogue.store)
    assert len(passport.credentials) == 9
    assert {c.format for c in passport.credentials} == {"ob2", "ob3", "elm"}
    verified = {c.title: c.verification.method for c in passport.credentials if c.verification.verified}
    assert sorted(verified.values()) == ["eddsa-jcs-2022", "vc-jwt"]
    assert passport.total_ects == sum(c.ects or 0 for c in passport.credentials) > 20
    assert passport.learner and passport.learner.startswith("sha256$")
    # Only the two verified credentials prove skills; what the seven others assert (Python among
    # them, issuer-asserted) is claimed, never proven.
    titles = set(verified)
    assert passport.proven and all(any(e.state in PROVING and e.credential in titles for e in s.evidence)
                                   for s in passport.proven)
    assert passport.claimed and all(e.credential not in titles for s in passport.claimed for e in s.evidence
                                    if e.state != "suggested")
    python = next(s for s in passport.skills if s.uri == PYTHON)
    assert any(e.origin == "issuer" and e.state == "claimed" for e in python.evidence)
    assert all(c.skills == 0 for c in passport.credentials if c.title not in titles)
    for skill in passport.skills:
        assert skill.evidence and all(e.credential and e.state for e in skill.evidence)
        assert skill.pillar in ("skills", "knowledge", "transversal skills and competences",
                                "language skills and knowledge", "other")
    assert set(passport.by_pillar()) >= {"skills", "knowledge"}
    inferred = [e for s in passport.skills for e in s.evidence if e.origin == "inferred"]
    assert inferred and all(e.outcome and e.matched and e.confidence is not None for e in inferred)
    # The evidence of a suggestion is never counted as proof.
    assert all(not s.proven and not s.claimed for s in passport.suggested)


def test_reviews_in_the_catalogue_shape_the_passport(catalogue: Catalogue, esco_matcher: Matcher) -> None:
    datavis = "https://api.edubadges.example/public/badges/k3_v5B16hK4O13aY58kXUe"
    skills = catalogue.skills(datavis)
    suggested = next(s for s in skills if s.state == "suggested")
    issuer = next(s for s in skills if s.state == "issuer")
    catalogue.review(datavis, suggested.link.skill_uri, "confirmed", reviewer="exam board")
    catalogue.review(datavis, issuer.link.skill_uri, "rejected")
    passport = build_passport(held(catalogue), esco_matcher, catalogue=catalogue.store)
    by_uri = {s.uri: s for s in passport.skills}
    confirmed = by_uri[suggested.link.skill_uri]
    # The learner's Data Visualisation badge is not verified: what it confirms is claimed, not proven.
    review = next(e for e in confirmed.evidence if e.reviewed == "confirmed")
    assert review.credential == "Data Visualisation" and review.state == "claimed" and not review.verified
    assert confirmed.proven == any(e.state in PROVING for e in confirmed.evidence)
    rejected = by_uri.get(issuer.link.skill_uri)
    assert rejected is None or all(e.credential != "Data Visualisation" for e in rejected.evidence)


def test_without_a_catalogue_outcomes_are_mapped_on_the_spot(esco_matcher: Matcher) -> None:
    trust = TrustList.load(SAMPLES / "trust.json")
    by_url = {"assertion-rll-warmtepompen.json", "assertion-hds-data-visualisation.json"}  # badge given as a URL
    embedded = [read_file(p, trust=trust) for p in WALLET if p.name not in by_url]
    passport = build_passport(embedded, esco_matcher)
    assert len(passport.credentials) == 7 and passport.proven and passport.claimed
    wound = read_file(SAMPLES / "catalogue" / "rll-wondzorg.json")
    assert not isinstance(wound, Credential)  # a badge class is not a held credential
    with pytest.raises(CredentialError, match="badge"):
        read_file(SAMPLES / "wallet" / "assertion-rll-warmtepompen.json")  # its badge is only a URL


def test_passport_json_and_json_ld(catalogue: Catalogue, esco_matcher: Matcher) -> None:
    passport: Passport = build_passport(held(catalogue), esco_matcher, catalogue=catalogue.store)
    data = json.loads(json.dumps(passport.to_dict()))
    assert len(data["credentials"]) == 9 and len(data["skills"]) == len(passport.proven)
    assert data["skills"][0]["evidence"][0]["credential"]
    graph = rdflib.Graph().parse(data=json.dumps(passport.to_jsonld()), format="json-ld")
    labels = {str(s): str(o) for s, o in graph.subject_objects(rdflib.SKOS.prefLabel)}
    for skill in passport.skills:
        assert labels[skill.uri] == skill.label
    vocabulary = rdflib.Namespace("https://w3id.org/skillmatch/passport#")
    assert len(set(graph.subjects(rdflib.RDF.type, vocabulary.Evidence))) >= len(passport.skills)


def test_cli_builds_the_passport_and_rejects_a_forgery(esco_matcher: Matcher, tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    result = runner.invoke(app, ["catalogue", "import", str(SAMPLES / "catalogue"), "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "added 38" in result.output
    files = [str(p) for p in WALLET] + [str(BROKEN / "ob3-forged-signature.jwt")]
    result = runner.invoke(app, ["passport", "build", *files, "--json", "--trust", str(SAMPLES / "trust.json"),
                                 "--database-url", url])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["credentials"]) == 9
    assert data["rejected"] == [{"file": str(BROKEN / "ob3-forged-signature.jwt"),
                                 "problem": "signature does not match the content: the credential was altered "
                                            "after signing or signed with another key"}]
    assert "rejected:" in result.stderr and "altered after signing" in result.stderr
    result = runner.invoke(app, ["passport", "build", str(SAMPLES / "catalogue" / "rll-wondzorg.json"),
                                 "--database-url", url])
    assert result.exit_code == 1 and "not a credential someone holds" in result.stderr
