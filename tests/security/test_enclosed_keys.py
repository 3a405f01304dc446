"""Attacks through the formats real issuers publish: a key the document carries itself (a JWT's
``jwk``, a JAdES seal's ``x5c``), a learner record bundling a credential in another institution's
name. None may make a credential verified: only the trust list's keys verify."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from skillmatch.credentials import (
    TrustList,
    VerificationError,
    public_jwk,
    read_contents,
    read_credential,
    sign_data_integrity,
)
from tests.conftest import SAMPLES, SHARED

TRUST = TrustList.load(SAMPLES / "trust.json")
SIGNED_JWT = SAMPLES / "wallet" / "ob3-hds-energiedata-analyseren.jwt"  # VC-JWT of a trusted issuer
SEALED = SHARED / "realworld-credentials" / "european-commission-empl__European-Learning-Model" / \
    "Sample-CertOfPart-signed.jsonld"


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def self_signed(payload: dict) -> str:
    """``payload`` signed by a key of the forger's, enclosed in the JWT header for verifiers that
    take a document's word for its key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(payload, key, algorithm="RS256", headers={"jwk": public_jwk(key)})


def test_a_jwt_in_a_trusted_issuer_s_name_signed_with_an_enclosed_key_is_refused() -> None:
    forged = claims(SIGNED_JWT.read_text(encoding="utf-8").strip())
    forged["credentialSubject"]["achievement"]["name"] = "Energy auditing"
    with pytest.raises(VerificationError, match="altered after signing or signed with another key"):
        read_credential(self_signed(forged), trust=TRUST)


def test_a_jwt_of_an_unknown_issuer_with_an_enclosed_key_stays_unverifiable() -> None:
    forged = claims(SIGNED_JWT.read_text(encoding="utf-8").strip())
    forged["iss"] = forged["issuer"]["id"] = "https://forger.example/issuer"
    credential = read_credential(self_signed(forged), trust=TRUST)
    assert not credential.verification.verified
    assert "the key the document carries itself (jwk) is not trusted" in credential.verification.reason


def test_a_sealed_edc_resealed_with_the_forger_s_own_certificate_is_refused() -> None:
    """The EC's sample, its payload altered and sealed again by a key of the forger's, which
    travels in the seal (``jwk``): the issuer's key in the trust list does not verify it."""
    document = json.loads(SEALED.read_text(encoding="utf-8"))
    issuer = json.loads(document["payload"])["issuer"]["id"]
    text = document["payload"].replace("EDC Updates Webinar", "EDC Masterclass")
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = {"alg": "RS256", "b64": False, "crit": ["b64"], "jwk": public_jwk(forger)}
    protected = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    signature = jwt.get_algorithm_by_name("RS256").sign(f"{protected}.{text}".encode(), forger)
    seal = {"protected": protected, "signature": base64.urlsafe_b64encode(signature).rstrip(b"=").decode()}
    resealed = {"payload": text, "signatures": [seal]}
    institution = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    trust = TrustList.from_dict({"issuers": [{"id": issuer, "keys": [public_jwk(institution)]}]})
    with pytest.raises(VerificationError, match="altered after signing"):
        read_contents(resealed, trust=trust)
    untrusted = read_contents(resealed, trust=TrustList.from_dict({"issuers": []})).credentials[0]
    assert not untrusted.verification.verified and "(jwk) is not trusted" in untrusted.verification.reason


def test_a_trusted_learner_record_does_not_vouch_for_another_institution_s_credential() -> None:
    """A record its issuer signed verifies the achievements it lists itself; a credential it
    bundles in another institution's name counts only by that credential's own proof."""
    key = ed25519.Ed25519PrivateKey.generate()
    college = "https://college.example/issuer"
    trust = TrustList.from_dict({"issuers": [{"id": college, "keys": [public_jwk(key, "key-1")]}]})
    bundled = claims(SIGNED_JWT.read_text(encoding="utf-8").strip())  # a trusted university's, proof gone
    bundled.pop("iss", None)
    record = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"],
        "id": "https://college.example/records/1", "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": college, "type": ["Profile"], "name": "College"}, "validFrom": "2024-01-01T00:00:00Z",
        "name": "Transcript",
        "credentialSubject": {"id": "did:example:learner", "type": ["ClrSubject"], "verifiableCredential": [bundled],
                              "achievement": [{"id": "urn:uuid:1", "type": ["Achievement"], "name": "Welding",
                                               "description": "Welding", "criteria": {"narrative": "welds"}}]},
    }
    signed = sign_data_integrity(record, key, f"{college}#key-1")
    [other, own] = read_contents(signed, trust=trust).credentials
    assert own.achievement.name == "Welding" and own.verification.verified
    assert other.issuer.id != college and not other.verification.verified
