"""Every credential document real issuers publish, as kept in ``../shared/realworld-credentials``
(PROVENANCE.md): 1EdTech's validator samples (OB 2.0, OB 3.0, CLR 2.0), the European Commission's
ELM samples, SURF edubadges files. Each one that holds a learner's credential enters the passport
with its title, issuer, dates and outcomes; each that does not is refused saying what it is.

The Open Badges 2.0 assertions of 1EdTech name their badge class by URL; the validator hosts those
in ``ob20/assets/``, given beside them here as a learner would on the command line.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
from cryptography import x509
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import skillmatch.cli.credentials
from api.config import ApiSettings
from api.main import create_app
from skillmatch.catalogue import Catalogue
from skillmatch.cli import app
from skillmatch.credentials import (
    CredentialError,
    TrustList,
    VerificationError,
    public_jwk,
    read_contents,
    read_credential,
    read_wallet,
)
from skillmatch.matching import Matcher
from skillmatch.service import wallet_passport
from skillmatch.store import CatalogueStore
from tests.conftest import SHARED

REAL = SHARED / "realworld-credentials"
VALIDATOR = REAL / "1EdTech__digital-credentials-public-validator"
OB20 = VALIDATOR / "ob20"
ASSETS = OB20 / "assets"
ELM = REAL / "european-commission-empl__European-Learning-Model"
DOCUMENTS = sorted(p for p in REAL.rglob("*") if p.is_file() and p.name != "PROVENANCE.md")

NO_TRUST = "no trust list given"
HOSTED = "hosted verification needs the issuer's server"
RDFC = "proof eddsa-rdfc-2022 is not supported"
ED2020 = "proof Ed25519Signature2020 is not supported"
ROBOTICS = ("Awesome Robotics Badge", "An Example Badge Issuer", date(2016, 12, 31), HOSTED)
NO_ACHIEVEMENT = "names no achievement, so it does not say what was learned"
BADGE_CLASS = "badge class ({!r}): it describes what a credential certifies, not a credential someone holds"
WESTERN = "Western High School, RSD"
NURSING = ["Nurse Assistant 1 Program with Licensure", "Health Careers 1", "Human Anatomy and Physiology",
           "Intro to Health Careers", "Nurse Assisting 1",
           "Oregon State Board of Nursing - Certified Nursing Assistant"]
MICRO = ("Digital micro-credential creation", date(2022, 12, 31))
WEBINAR = ("EDC Updates Webinar", date(2023, 6, 28))
EDC_TEAM = "European Digital Credentials for Learning Support Team"

#: Per document (its path under REAL): each credential it gives as (title, issuer, issued on, the
#: verification reason's start), or the words of its refusal.
EXPECTED: dict[str, list[tuple[str, str | None, date, str]] | str] = {
    "1EdTech__digital-credentials-public-validator/clr20/complex.json":
        [(title, WESTERN, date(2018, 6, 6), ED2020) for title in NURSING],
    "1EdTech__digital-credentials-public-validator/clr20/simple-noproof.json": [
        ("Achievement 1", "Example University", date(2010, 1, 1), ED2020),
        ("Achievement 2", "Example University", date(2010, 1, 1),
         "as part of the learner record: the credential carries no proof")],
    "1EdTech__digital-credentials-public-validator/clr20/simple.json": [
        ("Teamwork", "Example Corp", date(2010, 1, 1), RDFC),
        ("Achievement 1", "Example University", date(2010, 1, 1), f"as part of the learner record: {RDFC}"),
        ("Achievement 2", "Example University", date(2010, 1, 1), f"as part of the learner record: {RDFC}")],
    "1EdTech__digital-credentials-public-validator/clr20/simple.jwt": [
        ("Achievement 1", "Example University", date(2010, 1, 1), NO_TRUST),
        ("Achievement 2", "Example University", date(2010, 1, 1), f"as part of the learner record: {NO_TRUST}")],
    "1EdTech__digital-credentials-public-validator/ob20/assertion-with-data-image.json": [ROBOTICS],
    "1EdTech__digital-credentials-public-validator/ob20/assertion-with-endorsements.json": [ROBOTICS],
    "1EdTech__digital-credentials-public-validator/ob20/assertion-with-extension-node-basic.json": [ROBOTICS],
    "1EdTech__digital-credentials-public-validator/ob20/assertion-with-multiple-extensions.json": [ROBOTICS],
    "1EdTech__digital-credentials-public-validator/ob20/assets/badgeclass-with-complex-image.json":
        BADGE_CLASS.format("Example Badge"),
    "1EdTech__digital-credentials-public-validator/ob20/assets/badgeclass-with-language.json":
        BADGE_CLASS.format("Insignia fantastica"),
    "1EdTech__digital-credentials-public-validator/ob20/assets/badgeclass1.json": BADGE_CLASS.format("Example Badge"),
    "1EdTech__digital-credentials-public-validator/ob20/assets/organization.json":
        "this is an issuer profile (An Example Badge Issuer), not a credential",
    "1EdTech__digital-credentials-public-validator/ob20/assets/robotics-badge.json":
        BADGE_CLASS.format("Awesome Robotics Badge"),
    "1EdTech__digital-credentials-public-validator/ob20/badge-class-with-language.json":
        BADGE_CLASS.format("Example Badge"),
    "1EdTech__digital-credentials-public-validator/ob20/basic-assertion-with-language.json":
        [("Insignia fantastica", "An Example Badge Issuer", date(2016, 12, 31), HOSTED)],
    "1EdTech__digital-credentials-public-validator/ob20/basic-assertion.json": [ROBOTICS],
    "1EdTech__digital-credentials-public-validator/ob20/simple.jwt": [(*ROBOTICS[:3], NO_TRUST)],
    "1EdTech__digital-credentials-public-validator/ob30/complete.json":
        [("1EdTech University Degree", "1EdTech University", date(2010, 1, 1), RDFC)],
    "1EdTech__digital-credentials-public-validator/ob30/endorsement-valid.json":
        "this is an endorsement by State Department of Education of https://1edtech.edu/issuers/565049",
    "1EdTech__digital-credentials-public-validator/ob30/sd/derivedcredential.json":
        [("Teamwork", "Example Corp", date(2010, 1, 1), "proof ecdsa-sd-2023 is not supported")],
    "1EdTech__digital-credentials-public-validator/ob30/simple-eddsa-2022.json":
        [("some name", None, date(2022, 11, 27), "proof eddsa-2022 is not supported")],
    "1EdTech__digital-credentials-public-validator/ob30/simple-multiple-proofs.json":
        [("Teamwork", "Example Corp", date(2010, 1, 1), "proof SomeProofType, eddsa-rdfc-2022 is not supported")],
    "1EdTech__digital-credentials-public-validator/ob30/simple-noproof.json": NO_ACHIEVEMENT,
    "1EdTech__digital-credentials-public-validator/ob30/simple.json":
        [("Teamwork", "Example Corp", date(2010, 1, 1), RDFC)],
    "1EdTech__digital-credentials-public-validator/ob30/simple.jwt": NO_ACHIEVEMENT,
    "1EdTech__digital-credentials-public-validator/ob30/simple_v1.json":
        [("Teamwork", "Example Corp", date(2010, 1, 1), ED2020)],
    "1EdTech__digital-credentials-public-validator/ob30/velocity.jwt":
        [("Velocity Network Board Member 2022", None, date(2022, 12, 31), NO_TRUST)],
    "edubadges__edubadges-server/2_0_assertion_embedded_badgeclass.json":
        [("Embedded badgeclass", "Basic Issuer", date(2017, 6, 29), HOSTED)],
    "edubadges__edubadges-server/badge.json": "this Open Badges 2.0 assertion names its badge class by URL "
        "(https://api.eu.badgr.io/public/badges/PYVOSHayTriC7-dXALyZbQ) and skillmatch never fetches URLs: give the "
        "badge class file too, next to the assertion (`skillmatch passport build ASSERTION.json BADGE-CLASS.json`",
    "edubadges__signing-service/badge_with_merkle_proof_unsigned.json":
        [(*ROBOTICS[:3], "its Merkle proof (Chainpoint) is anchored in a blockchain and cannot be verified offline")],
    "edubadges__signing-service/example_badge.json":
        [("Master brewer", "Reward Brewhouse", date(2019, 5, 7), "Open Badges 2.0 signatures are not checked")],
    "european-commission-empl__European-Learning-Model/Sample-CertOfPart-signed.jsonld":
        [(WEBINAR[0], "ORGANIZACION TEST", WEBINAR[1], "no trust list given: the seal was not checked")],
    "european-commission-empl__European-Learning-Model/Sample-CertOfPart-unsigned-uploadable.json":
        [(WEBINAR[0], EDC_TEAM, WEBINAR[1], "the credential carries no proof")],
    "european-commission-empl__European-Learning-Model/Sample-CertOfPart-unsigned.jsonld":
        [(WEBINAR[0], EDC_TEAM, WEBINAR[1], "the credential carries no proof")],
    "european-commission-empl__European-Learning-Model/Sample-MC-Annex1-signed.jsonld":
        [(MICRO[0], "ORGANIZACION TEST", MICRO[1], "no trust list given: the seal was not checked")],
    "european-commission-empl__European-Learning-Model/Sample-MC-Annex1-unsigned-uploadable.json":
        [(MICRO[0], "University of Zed", MICRO[1], "the credential carries no proof")],
    "european-commission-empl__European-Learning-Model/Sample-MC-Annex1-unsigned.jsonld":
        [(MICRO[0], "University of Zed", MICRO[1], "the credential carries no proof")],
    "european-commission-empl__European-Learning-Model/credential-sample.jsonld":
        [("some kind of learning achievement", "some legal name", date(2010, 10, 1),
          "the credential carries no proof")],
}
HELD = [name for name, expected in EXPECTED.items() if isinstance(expected, list)]


def name_of(path: Path) -> str:
    return path.relative_to(REAL).as_posix()


def beside(path: Path) -> list[Path]:
    """The document and, for an OB 2.0 assertion of 1EdTech's, the badge classes and issuer profile
    it names by URL, which the validator hosts in ``ob20/assets/``."""
    return [path, *sorted(ASSETS.iterdir())] if path.parent == OB20 else [path]


def test_the_folder_holds_the_documents_provenance_lists() -> None:
    provenance = (REAL / "PROVENANCE.md").read_text(encoding="utf-8")
    assert {name_of(p) for p in DOCUMENTS} == set(EXPECTED) and len(DOCUMENTS) == 38
    for path in DOCUMENTS:
        assert f"`{name_of(path).split('/', 1)[1]}`" in provenance, path


@pytest.mark.parametrize("path", DOCUMENTS, ids=name_of)
def test_each_document_alone_enters_the_wallet_or_is_refused_saying_what_it_is(path: Path) -> None:
    """As a new user tries them: one file at a time (with the badge classes it names)."""
    wallet = read_wallet([(str(p), p) for p in beside(path)])
    mine = [credential for position, credential in wallet.credentials if position == 0]
    expected = EXPECTED[name_of(path)]
    if isinstance(expected, str):
        assert mine == [] and [position for position, _ in wallet.rejected][:1] == [0]
        assert expected in wallet.rejected[0][1]
        return
    assert 0 not in dict(wallet.rejected)
    found = [(c.achievement.name, c.issuer.name or c.achievement.issuer.name, c.issued_on.date(),
              c.verification.reason[:len(reason)]) for c, (*_, reason) in zip(mine, expected, strict=True)]
    assert found == expected
    assert all(c.verification.status == "unverifiable" for c in mine)
    assert all(c.id or c.achievement.id for c in mine)


def test_outcomes_levels_and_issuer_alignments_of_the_elm_micro_credential() -> None:
    """The EU Annex I sample states what a micro-credential must: outcomes linked to ESCO, EQF,
    ECTS; the signed, the uploadable and the bare files read alike."""
    names = ("Sample-MC-Annex1-signed.jsonld", "Sample-MC-Annex1-unsigned-uploadable.json",
             "Sample-MC-Annex1-unsigned.jsonld")
    read = [read_contents(ELM / name).credentials[0] for name in names]
    assert read[0].achievement.outcomes == read[1].achievement.outcomes == read[2].achievement.outcomes
    achievement = read[0].achievement
    assert (achievement.eqf_level, achievement.ects, len(achievement.outcomes)) == (6, 2.0, 2)
    skills = [a.uri for outcome in achievement.outcomes for a in outcome.alignments]
    assert len(skills) == 4 and all(uri.startswith("http://data.europa.eu/esco/skill/") for uri in skills)


def test_a_learner_record_keeps_its_issuer_and_associations() -> None:
    [teamwork, first, second] = read_contents(VALIDATOR / "clr20" / "simple.json").credentials
    assert teamwork.issuer.name == "Example Corp"  # a bundled credential keeps its own issuer
    assert first.record is second.record and first.record.issuer.name == "Example University"
    assert [(a.kind, a.source, a.target) for a in first.record.associations] == [
        ("isParentOf", first.achievement.id, second.achievement.id)]
    assert first.achievement.id == "urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac130002"
    nursing = read_contents(VALIDATOR / "clr20" / "complex.json").credentials
    assert {c.record.name for c in nursing} == {"Ellis Monday"} and len(nursing[0].record.associations) == 5
    assert nursing[1].achievement.assessment.grade == "A"


def test_an_endorsement_given_beside_its_credential_is_shown_with_it() -> None:
    documents = [VALIDATOR / "ob30" / "complete.json", VALIDATOR / "ob30" / "endorsement-valid.json"]
    wallet = read_wallet([(str(p), p) for p in documents])
    [(_, degree)] = wallet.credentials
    assert wallet.rejected == () and wallet.supporting == (1,)
    endorsers = [(e.endorser.name, e.subject) for e in degree.endorsements]
    # Five embedded in the credential, its issuer, its achievement and the achievement's creator,
    # then the one given beside it.
    assert endorsers[-1] == ("State Department of Education", "https://1edtech.edu/issuers/565049")
    assert len(endorsers) == 6 and degree.endorsements[-1].verification.reason.startswith(RDFC)
    assert degree.endorsements[-1].comment == "1EdTech University is in good standing"


def test_a_key_the_credential_carries_itself_never_makes_it_verified() -> None:
    """CLR simple.jwt encloses its RS256 key in the JWT header (``jwk``): with a trust list that
    does not hold the issuer it stays unverifiable, saying why the enclosed key does not count."""
    trust = TrustList.from_dict({"issuers": []})
    record = read_contents(VALIDATOR / "clr20" / "simple.jwt", trust=trust).credentials
    assert all(c.verification.status == "unverifiable" for c in record)
    assert "the key the document carries itself (jwk) is not trusted" in record[0].verification.reason


def _seal_key(path: Path) -> dict:
    """The public key of the certificate the EDC seal carries in its protected header (``x5c``)."""
    protected = json.loads(path.read_text(encoding="utf-8"))["signatures"][0]["protected"]
    header = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
    return public_jwk(x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0])).public_key())


@pytest.mark.parametrize("name", ["Sample-MC-Annex1-signed.jsonld", "Sample-CertOfPart-signed.jsonld"])
def test_a_sealed_edc_verifies_with_the_key_the_trust_list_gives_its_issuer(name: str) -> None:
    path = ELM / name
    issuer = json.loads(json.loads(path.read_text(encoding="utf-8"))["payload"])["issuer"]["id"]
    sealed = read_credential(path, trust=TrustList.from_dict({"issuers": [{"id": issuer, "name": "the test seal",
                                                                           "keys": [_seal_key(path)]}]}))
    assert sealed.verification.verified and sealed.verification.method == "jws-json"
    alone = read_credential(path, trust=TrustList.from_dict({"issuers": []}))
    assert not alone.verification.verified
    assert "the key the document carries itself (x5c) is not trusted" in alone.verification.reason


def test_a_sealed_edc_altered_after_sealing_is_refused() -> None:
    path = ELM / "Sample-CertOfPart-signed.jsonld"
    document = json.loads(path.read_text(encoding="utf-8"))
    issuer = json.loads(document["payload"])["issuer"]["id"]
    document["payload"] = document["payload"].replace("EDC Updates Webinar", "EDC Masterclass")
    trust = TrustList.from_dict({"issuers": [{"id": issuer, "keys": [_seal_key(path)]}]})
    with pytest.raises(VerificationError, match="altered after signing"):
        read_credential(document, trust=trust)


def test_a_blockcerts_v2_certificate_reads_as_the_assertion_it_is() -> None:
    certificate = {
        "@context": ["https://w3id.org/openbadges/v2", "https://w3id.org/blockcerts/v2"],
        "type": "Assertion", "id": "urn:uuid:bbba8553-8ec1-445f-82c9-a57251dd731c",
        "recipient": {"type": "email", "hashed": False, "identity": "eularia@landroth.org"},
        "recipientProfile": {"type": ["RecipientProfile", "Extension"], "name": "Eularia Landroth"},
        "issuedOn": "2017-06-29T14:58:57.461422+00:00",
        "badge": {"type": "BadgeClass", "id": "urn:uuid:82a4c9f2-3588-457b-80ea-da695571b8fc",
                  "name": "Certificate of Accomplishment", "description": "Lorem ipsum dolor sit amet.",
                  "criteria": {"narrative": "Nibh sed pulvinar proin."},
                  "issuer": {"type": "Profile", "id": "https://www.blockcerts.org/samples/2.0/issuer-testnet.json",
                             "name": "University of Learning", "email": "contact@issuer.org"}},
        "verification": {"type": ["MerkleProofVerification2017", "Extension"],
                         "publicKey": "ecdsa-koblitz-pubkey:msBCHdwaQ7N2ypBYupkp6uNxtr9Pg76imj"},
        "signature": {"type": ["MerkleProof2017", "Extension"], "merkleRoot": "68f3ede17fdb67ff", "targetHash": "c9ead",
                      "proof": [], "anchors": [{"sourceId": "8623beadbc7877a9e20fb7f83eda6c1a1fc350171f0714ff6c6c4054",
                                                "type": "BTCOpReturn", "chain": "bitcoinTestnet"}]},
    }
    credential = read_credential(json.dumps(certificate))
    assert (credential.achievement.name, credential.issuer.name) == ("Certificate of Accomplishment",
                                                                     "University of Learning")
    assert credential.verification.method == "blockcerts"
    assert "Merkle proof (Extension, MerkleProof2017) is anchored in a blockchain" in credential.verification.reason
    v3 = {"@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/blockcerts/v3"],
          "type": ["VerifiableCredential", "BlockcertsCredential"], "credentialSubject": {"id": "did:example:1"}}
    with pytest.raises(CredentialError, match="this is a Blockcerts v3 certificate, which skillmatch does not read"):
        read_credential(v3, source="v3.json")


def test_an_unknown_document_names_every_format_read() -> None:
    with pytest.raises(CredentialError) as caught:
        read_credential({"type": "Transcript"}, source="t.json")
    assert caught.value.field == "type" and "CLR 2.0 ClrCredential" in caught.value.problem
    assert "EndorsementCredential" in caught.value.problem and "upload wrapper" in caught.value.problem


def test_the_catalogue_resolves_hosted_badge_classes_and_names_their_issuer(esco_matcher: Matcher,
                                                                            tmp_path: Path) -> None:
    store = CatalogueStore.open(None, tmp_path)
    report = Catalogue(store, esco_matcher).import_paths([OB20 / "basic-assertion.json", ASSETS / "robotics-badge.json",
                                                          ASSETS / "organization.json", VALIDATOR / "clr20"])
    robotics = store.get("https://example.org/robotics-badge.json")
    assert (robotics.title, robotics.issuer_name) == ("Awesome Robotics Badge", "An Example Badge Issuer")
    # complex.json gives four of its courses one achievement id: the catalogue keeps the last one read.
    titles = {r.title for r in store.credentials()}
    assert {"Teamwork", "Achievement 1", "Achievement 2", *NURSING[:2], NURSING[-1]} <= titles
    assert not {"Intro to Health Careers", "Nurse Assisting 1"} & titles
    assert report.failed == []
    store.close()


# -- the passport ------------------------------------------------------------------------------


@pytest.fixture
def cli_matcher(esco_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> Matcher:
    monkeypatch.setattr(skillmatch.cli.credentials, "load_matcher", lambda data_dir, encoder: esco_matcher)
    return esco_matcher


def test_every_document_enters_one_passport_or_is_refused(esco_matcher: Matcher, tmp_path: Path) -> None:
    """All 38 documents as one wallet: the badge classes and the issuer profile complete the
    assertions naming them, the endorsement goes to the degree it names, and what holds no
    credential of the learner's is refused saying what it is."""
    store = CatalogueStore.open(None, tmp_path)
    wallet = wallet_passport([(name_of(p), p) for p in DOCUMENTS], esco_matcher, store=store)
    store.close()
    held = wallet.passport.credentials
    expected = [item for name in HELD for item in EXPECTED[name]]
    assert [(c.title, c.issued_on.date()) for c in held] == [(title, day) for title, _i, day, _r in expected]
    assert len(held) == 37 and all(c.outcomes for c in held)
    assert all(c.verification.reason.startswith(reason) for c, (*_, reason) in zip(held, expected, strict=True))
    by_name = {name_of(DOCUMENTS[position]): problem for position, problem in wallet.rejected}
    assert set(by_name) == {
        "1EdTech__digital-credentials-public-validator/ob20/assets/badgeclass-with-complex-image.json",
        "1EdTech__digital-credentials-public-validator/ob20/assets/badgeclass1.json",
        "1EdTech__digital-credentials-public-validator/ob20/badge-class-with-language.json",
        "1EdTech__digital-credentials-public-validator/ob30/simple-noproof.json",
        "1EdTech__digital-credentials-public-validator/ob30/simple.jwt",
        "edubadges__edubadges-server/badge.json"}
    for name, problem in by_name.items():
        assert EXPECTED[name] in problem
    degree = next(c for c in held if c.title == "1EdTech University Degree")
    assert degree.endorsements[-1].endorser.name == "State Department of Education"
    micro = [c for c in held if c.title == MICRO[0]]
    assert all((c.eqf_level, c.ects) == (6, 2.0) for c in micro)
    issuer_skills = {e.credential for s in wallet.passport.skills for e in s.evidence if e.origin == "issuer"}
    assert MICRO[0] in issuer_skills  # the ESCO skills the EC sample's outcomes name
    by_title = {c.title: c for c in held}
    assert by_title["Health Careers 1"].record.issuer.name == WESTERN
    assert by_title["Insignia fantastica"].issuer == "An Example Badge Issuer"


def test_passport_build_takes_a_folder_of_badge_classes_beside_the_assertions(cli_matcher: Matcher,
                                                                              tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["passport", "build", str(OB20 / "basic-assertion.json"), str(ASSETS),
                                      str(VALIDATOR / "clr20" / "simple.jwt"), "--json",
                                      "--database-url", f"sqlite:///{tmp_path / 'c.sqlite'}"])
    assert result.exit_code == 0, result.output
    passport = json.loads(result.stdout)
    assert [(c["title"], c["issuer"]) for c in passport["credentials"]] == [
        ("Awesome Robotics Badge", "An Example Badge Issuer"), ("Achievement 1", "Example University"),
        ("Achievement 2", "Example University")]
    assert passport["credentials"][1]["record"]["name"] == "Sample Transcript"
    # The classes no assertion names are said to be what they are.
    assert {Path(r["file"]).name for r in passport["rejected"]} == {
        "badgeclass-with-complex-image.json", "badgeclass-with-language.json", "badgeclass1.json"}
    missing = CliRunner().invoke(app, ["passport", "build", str(OB20 / "basic-assertion.json"),
                                       "--database-url", f"sqlite:///{tmp_path / 'c.sqlite'}"])
    assert missing.exit_code == 1
    assert "https://example.org/robotics-badge.json" in missing.stderr
    assert "skillmatch passport build ASSERTION.json BADGE-CLASS.json" in missing.stderr
    assert "badge_classes" not in missing.stderr


def test_an_uploaded_learner_record_adds_each_of_its_credentials(esco_matcher: Matcher, tmp_path: Path) -> None:
    settings = ApiSettings(data_dir=tmp_path / "api")
    with TestClient(create_app(settings, matcher=esco_matcher)) as api:
        _principal, token = api.app.state.services.accounts.create_principal(
            "learner", "learner", identifiers=["did:example:ebfeb1f712ebc6f1c276e12ec21"])
        headers = {"Authorization": f"Bearer {token}"}
        body = json.loads((VALIDATOR / "clr20" / "simple.json").read_text(encoding="utf-8"))
        added = api.post("/v1/passports/me/credentials", headers=headers, json=body)
        assert added.status_code == 201, added.text
        assert [added.json()["title"], *(c["title"] for c in added.json()["included"])] == [
            "Teamwork", "Achievement 1", "Achievement 2"]
        jwt_record = {"jwt": (VALIDATOR / "clr20" / "simple.jwt").read_text(encoding="utf-8")}
        assert api.post("/v1/passports/me/credentials", headers=headers, json=jwt_record).status_code == 409
        passport = api.get("/v1/passports/me", headers=headers).json()
        assert [(c["title"], c["record"]["issuer"]) for c in passport["credentials"]] == [
            ("Teamwork", "Example University"), ("Achievement 1", "Example University"),
            ("Achievement 2", "Example University")]
        assert passport["rejected"] == []
        class_body = json.loads((ASSETS / "robotics-badge.json").read_text(encoding="utf-8"))
        refused = api.post("/v1/passports/me/credentials", headers=headers, json=class_body)
        assert refused.status_code == 422 and "badge class ('Awesome Robotics Badge')" in refused.json()["detail"]
