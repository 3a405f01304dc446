"""Signatures: VC-JWT and eddsa-jcs-2022 Data Integrity proofs checked against a trust list."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from hashlib import sha256
from pathlib import Path
from typing import Any

import base58
import jwt
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from skillmatch.credentials import (
    Credential,
    TrustList,
    public_jwk,
    read_credential,
    sign_data_integrity,
    sign_vc_jwt,
)
from skillmatch.credentials.proof import ALTERED
from skillmatch.errors import ConfigurationError, CredentialError, VerificationError
from tests.test_credentials_formats import elm_credential, ob3_credential

ISSUER = "did:web:fhr.example"  # the issuer of ob3_credential()
OTHER = "did:web:other.example"


@pytest.fixture()
def key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture()
def other_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture()
def trust(key: ed25519.Ed25519PrivateKey, other_key: ed25519.Ed25519PrivateKey) -> TrustList:
    return TrustList.from_dict({"issuers": [
        {"id": ISSUER, "name": "Fachhochschule Rheinaue", "keys": [public_jwk(key, "key-1")]},
        {"id": OTHER, "name": "Other College", "keys": [public_jwk(other_key, f"{OTHER}#key-1")]},
    ]})


def _tamper(token: str) -> str:
    """The token with one character of the credential's name changed and the signature kept."""
    header, payload, signature = token.split(".")
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).replace(b"Smart grid", b"Smart grip")
    return ".".join((header, base64.urlsafe_b64encode(claims).rstrip(b"=").decode(), signature))


# -- VC-JWT -------------------------------------------------------------------------------------


def test_vc_jwt_signed_by_the_issuer_verifies(key: ed25519.Ed25519PrivateKey, trust: TrustList) -> None:
    token = sign_vc_jwt(ob3_credential(), key, f"{ISSUER}#key-1")
    credential = read_credential(token, trust=trust)
    assert isinstance(credential, Credential)
    assert credential.verification.verified
    assert (credential.verification.method, credential.verification.key_id) == ("vc-jwt", f"{ISSUER}#key-1")
    assert "Fachhochschule Rheinaue" in credential.verification.reason
    unsigned = read_credential(ob3_credential())
    assert replace(credential, verification=unsigned.verification) == unsigned


@pytest.mark.parametrize("make", [lambda: ec.generate_private_key(ec.SECP256R1()),
                                  lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)],
                         ids=["ES256", "RS256"])
def test_vc_jwt_with_p256_and_rsa_keys(make: Any) -> None:
    private = make()
    trust = TrustList.from_dict({"issuers": [{"id": ISSUER, "keys": [public_jwk(private, "k")]}]})
    token = sign_vc_jwt(ob3_credential(), private, "k")
    assert read_credential(token, trust=trust).verification.verified
    with pytest.raises(VerificationError):
        read_credential(_tamper(token), trust=trust)


def test_vc_jwt_1_1_vc_claim_with_registered_claims(key: ed25519.Ed25519PrivateKey, trust: TrustList) -> None:
    vc = ob3_credential()
    for name in ("id", "issuer", "validFrom"):
        del vc[name]
    claims = {"vc": vc, "iss": ISSUER, "jti": "urn:uuid:jwt-1", "nbf": 1765544400, "sub": "did:example:learner"}
    token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "key-1"})
    credential = read_credential(token, trust=trust)
    assert credential.verification.verified
    assert credential.id == "urn:uuid:jwt-1" and credential.issuer.id == ISSUER
    assert credential.learner == "did:example:learner"
    assert credential.issued_on.isoformat() == "2025-12-12T13:00:00+00:00"


def test_changing_one_character_of_a_vc_jwt_fails(key: ed25519.Ed25519PrivateKey, trust: TrustList) -> None:
    token = sign_vc_jwt(ob3_credential(), key, "key-1")
    with pytest.raises(VerificationError) as caught:
        read_credential(_tamper(token), trust=trust, source="wallet/badge.jwt")
    assert ALTERED in str(caught.value) and caught.value.source == "wallet/badge.jwt"


def unsigned_jwt(claims: dict[str, Any], alg: str = "none") -> str:
    """``claims`` as a JWT that is not signed (``alg: none`` unless told otherwise): a forgery's cheapest form."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_jwt_is_refused_whoever_it_names(alg: str, trust: TrustList) -> None:
    for credential in (ob3_credential(), ob3_credential() | {"issuer": "https://stranger.example"}):
        with pytest.raises(VerificationError, match="not signed") as caught:
            read_credential(unsigned_jwt(credential, alg), trust=trust)
        assert caught.value.field == "alg"
    with pytest.raises(VerificationError, match="not signed"):
        read_credential(unsigned_jwt(ob3_credential()))


def test_a_trusted_issuer_s_jwt_with_an_unchecked_algorithm_is_a_refused_downgrade(trust: TrustList) -> None:
    token = jwt.encode(ob3_credential(), "a shared secret anyone could hold", algorithm="HS256")
    with pytest.raises(VerificationError, match="downgraded"):
        read_credential(token, trust=trust)
    strangers = TrustList.from_dict({"issuers": [{"id": OTHER, "keys": []}]})
    assert read_credential(token, trust=strangers).verification.status == "unverifiable"


def test_vc_jwt_of_an_unknown_issuer_is_unverifiable(key: ed25519.Ed25519PrivateKey) -> None:
    token = sign_vc_jwt(ob3_credential(), key, "key-1")
    strangers = TrustList.from_dict({"issuers": [{"id": OTHER, "keys": []}]})
    verification = read_credential(token, trust=strangers).verification
    assert verification.status == "unverifiable" and ISSUER in verification.reason
    assert "no trust list" in read_credential(token).verification.reason


def test_vc_jwt_signed_with_another_issuers_key_fails(other_key: ed25519.Ed25519PrivateKey, trust: TrustList) -> None:
    # Claims the issuer's own key: the signature does not match it.
    with pytest.raises(VerificationError, match="altered after signing or signed with another key"):
        read_credential(sign_vc_jwt(ob3_credential(), other_key, "key-1"), trust=trust)
    # Names the other issuer's key: that key may not vouch for this issuer's credential.
    with pytest.raises(VerificationError, match=f"credential names issuer {ISSUER}"):
        read_credential(sign_vc_jwt(ob3_credential(), other_key, f"{OTHER}#key-1"), trust=trust)


def test_vc_jwt_without_kid_tries_the_issuers_keys(key: ed25519.Ed25519PrivateKey, trust: TrustList) -> None:
    token = jwt.encode(ob3_credential(), key, algorithm="EdDSA")
    assert read_credential(token, trust=trust).verification.verified


def test_a_vc_jwt_stored_as_a_json_string_or_file(key: ed25519.Ed25519PrivateKey, trust: TrustList,
                                                  tmp_path: Path) -> None:
    token = sign_vc_jwt(ob3_credential(), key, "key-1")
    path = tmp_path / "badge.jwt"
    path.write_text(token + "\n", encoding="utf-8")
    assert read_credential(json.dumps(token), trust=trust).verification.verified
    assert read_credential(path, trust=trust).verification.verified


def test_an_unreadable_jwt_is_a_credential_error() -> None:
    with pytest.raises(CredentialError, match="not a readable JWT"):
        read_credential("eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln")


# -- Data Integrity (eddsa-jcs-2022) -----------------------------------------------------------


def test_data_integrity_proof_verifies(key: ed25519.Ed25519PrivateKey, trust: TrustList) -> None:
    signed = sign_data_integrity(ob3_credential(), key, f"{ISSUER}#key-1")
    credential = read_credential(signed, trust=trust)
    assert credential.verification.verified
    assert (credential.verification.method, credential.verification.key_id) == ("eddsa-jcs-2022", f"{ISSUER}#key-1")
    assert json.loads(json.dumps(signed)) == signed  # a signed credential is plain JSON


def test_data_integrity_hash_is_the_one_the_cryptosuite_defines(key: ed25519.Ed25519PrivateKey) -> None:
    signed = sign_data_integrity(ob3_credential(), key, f"{ISSUER}#key-1")
    proof = dict(signed["proof"])
    signature = base58.b58decode(proof.pop("proofValue")[1:])
    document = {k: v for k, v in signed.items() if k != "proof"}
    assert proof["@context"] == document["@context"]
    data = sha256(rfc8785.dumps(proof)).digest() + sha256(rfc8785.dumps(document)).digest()
    key.public_key().verify(signature, data)  # raises if the construction differs


def test_changing_a_signed_value_fails(key: ed25519.Ed25519PrivateKey, trust: TrustList) -> None:
    signed = sign_data_integrity(ob3_credential(), key, f"{ISSUER}#key-1")
    signed["credentialSubject"]["achievement"]["ECTS"] = 6.0
    with pytest.raises(VerificationError, match="altered after signing"):
        read_credential(signed, trust=trust)


def test_an_elm_credential_with_a_proof(key: ed25519.Ed25519PrivateKey) -> None:
    issuer = elm_credential()["issuer"]["id"]
    trust = TrustList.from_dict({"issuers": [{"id": issuer, "keys": [public_jwk(key, "key-1")]}]})
    signed = sign_data_integrity(elm_credential(), key, f"{issuer}#key-1")
    assert read_credential(signed, trust=trust).verification.verified
    signed["credentialSubject"]["fullName"] = {"nl": "Someone Else"}
    with pytest.raises(VerificationError):
        read_credential(signed, trust=trust)


def test_data_integrity_of_an_unknown_issuer_is_unverifiable(key: ed25519.Ed25519PrivateKey) -> None:
    signed = sign_data_integrity(ob3_credential(), key, f"{ISSUER}#key-1")
    verification = read_credential(signed, trust=TrustList()).verification
    assert verification.status == "unverifiable" and f"issuer {ISSUER} is not in the trust list" in verification.reason


def test_data_integrity_with_another_issuers_key_fails(other_key: ed25519.Ed25519PrivateKey,
                                                       trust: TrustList) -> None:
    with pytest.raises(VerificationError, match="altered after signing"):
        read_credential(sign_data_integrity(ob3_credential(), other_key, f"{ISSUER}#key-1"), trust=trust)
    with pytest.raises(VerificationError, match="Other College"):
        read_credential(sign_data_integrity(ob3_credential(), other_key, f"{OTHER}#key-1"), trust=trust)


@pytest.mark.parametrize("proof", [
    {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z3FXQ"},
    {"type": "Ed25519Signature2020", "proofValue": "z3FXQ"},
])
def test_unsupported_proofs_leave_the_credential_unverifiable(proof: dict[str, Any], trust: TrustList) -> None:
    unknown = ob3_credential() | {"issuer": {"id": "https://unknown.example/issuer", "type": ["Profile"],
                                             "name": "Unknown"}}
    verification = read_credential(unknown | {"proof": proof}, trust=trust).verification
    assert verification.status == "unverifiable" and "not supported" in verification.reason


@pytest.mark.parametrize("proof", [
    {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z3FXQ"},
    {"type": "Ed25519Signature2020", "proofValue": "z3FXQ"},
])
def test_a_trusted_issuer_s_credential_with_an_unchecked_proof_is_a_refused_downgrade(
        proof: dict[str, Any], trust: TrustList) -> None:
    with pytest.raises(VerificationError, match="downgraded proof is refused") as caught:
        read_credential(ob3_credential() | {"proof": proof}, trust=trust)
    assert caught.value.field == "proof"


def test_a_credential_without_proof_is_unverifiable(trust: TrustList) -> None:
    assert read_credential(ob3_credential(), trust=trust).verification.reason == "the credential carries no proof"


def test_a_malformed_proof_value_fails(key: ed25519.Ed25519PrivateKey, trust: TrustList) -> None:
    signed = sign_data_integrity(ob3_credential(), key, f"{ISSUER}#key-1")
    signed["proof"]["proofValue"] = "not-multibase"
    with pytest.raises(VerificationError, match="base58btc") as caught:
        read_credential(signed, trust=trust)
    assert caught.value.field == "proof.proofValue"


# -- the trust list ------------------------------------------------------------------------------


def test_trust_list_file_and_lookups(key: ed25519.Ed25519PrivateKey, tmp_path: Path) -> None:
    path = tmp_path / "trust.json"
    path.write_text(json.dumps({"issuers": [
        {"id": ISSUER, "name": "Fachhochschule Rheinaue", "keys": [public_jwk(key, "key-1")]}]}), encoding="utf-8")
    trust = TrustList.load(path)
    assert len(trust) == 1 and trust.issuer(ISSUER).name == "Fachhochschule Rheinaue"
    assert trust.key(f"{ISSUER}#key-1").id == ISSUER
    assert trust.key("key-1", ISSUER).id == ISSUER and trust.key("#key-1", ISSUER).id == ISSUER
    assert trust.key("key-1") is None and trust.issuer(OTHER) is None


@pytest.mark.parametrize(("content", "words"), [
    ("{not json", "not valid JSON"),
    ('{"issuer": []}', '{"issuers": [...]}'),
    ('{"issuers": [{"name": "no id"}]}', "issuers[0]: each issuer needs an id"),
    ('{"issuers": [{"id": "x", "keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "AAAA"}]}]}',
     "private key"),
    ('{"issuers": [{"id": "x", "keys": [{"kty": "nope"}]}]}', "issuers[0].keys[0]: not a usable public JWK"),
    ('{"issuers": [{"id": "x"}, {"id": "x"}]}', "listed twice"),
])
def test_a_bad_trust_list_is_a_configuration_error(content: str, words: str, tmp_path: Path) -> None:
    path = tmp_path / "trust.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        TrustList.load(path)
    assert words in str(caught.value) and str(path) in str(caught.value)


def test_a_missing_trust_list_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read the trust list"):
        TrustList.load(tmp_path / "nope.json")
