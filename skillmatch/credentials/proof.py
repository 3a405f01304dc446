"""Credential signatures: VC-JWT (compact JWS) and Data Integrity proofs (``eddsa-jcs-2022``),
checked against a :class:`TrustList` of issuer keys.

A signature is only as good as the key it is checked with, and skillmatch never fetches keys
(no DID resolution, no JWKS download): the trust list is the single source of issuer keys. So
"verified" means: signed by a key the trust list gives for the credential's issuer, over exactly
this content. A trusted issuer's credential that does not verify raises
:class:`~skillmatch.errors.VerificationError` (it is *rejected*), and so do an unsigned JWT
(``alg: none``) and a trusted issuer's credential whose proof skillmatch cannot check (a suite or
algorithm downgrade); an issuer or key the list does not know, or an unchecked proof type of an
issuer it does not hold, leaves the credential "unverifiable" with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import base58
import jwt
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from skillmatch.credentials._common import as_list
from skillmatch.credentials.model import Verification
from skillmatch.errors import ConfigurationError, CredentialError, VerificationError

ALGORITHMS = ("EdDSA", "ES256", "RS256")
CRYPTOSUITE = "eddsa-jcs-2022"
ALTERED = (
    "signature does not match the content: the credential was altered after signing or signed with another key"
)
# JWT registered claims that VC-JWT maps onto credential properties; they are not credential data.
_REGISTERED = ("iss", "sub", "jti", "nbf", "exp", "iat", "aud")
# Only the signature is checked; validity dates are the Credential's to report, not a failure.
_SIGNATURE_ONLY: Any = {"verify_signature": True} | {f"verify_{claim}": False for claim in _REGISTERED}


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """An issuer whose credentials skillmatch can verify, with its public keys as JWKs."""

    id: str
    name: str | None
    keys: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class _Key:
    id: str | None
    owner: TrustedIssuer
    jwk: jwt.PyJWK


class TrustList:
    """Issuers and their public keys, the only keys credentials are verified with.

    The file is JSON: ``{"issuers": [{"id": "<issuer id>", "name": "...", "keys": [<public JWK>]}]}``.
    A key's ``kid`` may be absolute (``did:web:example.org#key-0``) or a fragment of the issuer id
    (``key-0``); credentials may name it either way (JWT ``kid``, proof ``verificationMethod``).

    >>> TrustList().issuer("https://example.org/issuer") is None
    True
    """

    def __init__(self, issuers: Iterable[TrustedIssuer] = (), *, source: str | None = None) -> None:
        self.issuers: dict[str, TrustedIssuer] = {}
        self._keys: dict[str, _Key] = {}
        self._by_issuer: dict[str, list[_Key]] = {}
        for i, issuer in enumerate(issuers):
            where = f"{source}: issuers[{i}]" if source else f"issuers[{i}]"
            if issuer.id in self.issuers:
                raise ConfigurationError(f"{where}: issuer {issuer.id} is listed twice")
            self.issuers[issuer.id] = issuer
            self._by_issuer[issuer.id] = []
            for j, jwk in enumerate(issuer.keys):
                key = self._parse_key(issuer, jwk, f"{where}.keys[{j}]")
                self._by_issuer[issuer.id].append(key)
                if key.id is not None:
                    if key.id in self._keys:
                        raise ConfigurationError(f"{where}.keys[{j}]: key id {key.id} is listed twice")
                    self._keys[key.id] = key

    @property
    def fingerprint(self) -> str:
        """What the list trusts, as a digest: a verification stored under another fingerprint was
        made against other keys and is checked again."""
        listed = [[i.id, i.name, list(i.keys)] for i in sorted(self.issuers.values(), key=lambda i: i.id)]
        return sha256(json.dumps(listed, sort_keys=True).encode()).hexdigest()[:32]

    @staticmethod
    def _parse_key(issuer: TrustedIssuer, jwk: Any, where: str) -> _Key:
        if not isinstance(jwk, Mapping):
            raise ConfigurationError(f"{where}: a key must be a JWK object")
        if "d" in jwk:
            raise ConfigurationError(f"{where}: holds a private key; a trust list must hold public keys only")
        try:
            parsed = jwt.PyJWK(dict(jwk))
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise ConfigurationError(f"{where}: not a usable public JWK ({exc})") from exc
        kid = jwk.get("kid")
        return _Key(_absolute(kid, issuer.id) if isinstance(kid, str) and kid else None, issuer, parsed)

    @classmethod
    def from_dict(cls, data: Any, *, source: str | None = None) -> TrustList:
        """A trust list from its parsed JSON; raises :class:`ConfigurationError` when malformed."""
        where = f"{source}: " if source else ""
        if not isinstance(data, Mapping) or not isinstance(data.get("issuers"), list):
            raise ConfigurationError(f'{where}a trust list is an object {{"issuers": [...]}}')
        issuers = []
        for i, entry in enumerate(data["issuers"]):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str) or not entry["id"].strip():
                raise ConfigurationError(f"{where}issuers[{i}]: each issuer needs an id (its credentials' issuer)")
            keys = entry.get("keys", [])
            if not isinstance(keys, list):
                raise ConfigurationError(f"{where}issuers[{i}].keys: expected a list of public JWKs")
            name = entry.get("name")
            issuers.append(TrustedIssuer(entry["id"].strip(), name if isinstance(name, str) else None, tuple(keys)))
        return cls(issuers, source=source)

    @classmethod
    def load(cls, path: str | Path) -> TrustList:
        """Read a trust list file; raises :class:`ConfigurationError` saying what is wrong with it."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise ConfigurationError(f"cannot read the trust list {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigurationError(f"{path}: the trust list is not UTF-8 JSON") from exc
        except json.JSONDecodeError as exc:
            raise ConfigurationError(
                f"{path}: the trust list is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from exc
        return cls.from_dict(data, source=str(path))

    def __len__(self) -> int:
        return len(self.issuers)

    def __iter__(self) -> Iterator[TrustedIssuer]:
        return iter(self.issuers.values())

    def __repr__(self) -> str:
        return f"TrustList({len(self.issuers)} issuers, {sum(map(len, self._by_issuer.values()))} keys)"

    def issuer(self, issuer_id: str) -> TrustedIssuer | None:
        return self.issuers.get(issuer_id)

    def key(self, key_id: str, issuer_id: str | None = None) -> TrustedIssuer | None:
        """The issuer owning ``key_id`` (absolute, or relative to ``issuer_id``), or None."""
        found = self._keys.get(_absolute(key_id, issuer_id))
        return found.owner if found else None

    def candidates(self, issuer_id: str | None, key_id: str | None, source: str | None) -> list[_Key] | str:
        """The keys that may have signed, or why none can be checked (the reason for "unverifiable").

        Raises :class:`VerificationError` when the named key belongs to another issuer than the
        credential names: a trusted key vouching for someone else's credential.
        """
        if key_id:
            found = self._keys.get(_absolute(key_id, issuer_id))
            if found is not None:
                if issuer_id and found.owner.id != issuer_id:
                    raise VerificationError(
                        f"signed with key {found.id} of {found.owner.name or found.owner.id}, "
                        f"but the credential names issuer {issuer_id}: {ALTERED}",
                        source=source,
                    )
                return [found]
        if not issuer_id:
            return f"the credential names no issuer and key {key_id} is not in the trust list"
        if issuer_id not in self.issuers:
            return f"issuer {issuer_id} is not in the trust list"
        # A trusted issuer's credential naming an unlisted key is checked against all its keys:
        # if none verifies, the credential is not what the issuer signed.
        return self._by_issuer[issuer_id] or f"the trust list holds no key for issuer {issuer_id}"


def _absolute(key_id: str, issuer_id: str | None) -> str:
    if ":" in key_id.split("#", 1)[0] or not issuer_id:
        return key_id
    return f"{issuer_id}#{key_id.lstrip('#')}"


def issuer_id_of(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer.strip() if isinstance(issuer, str) and issuer.strip() else None


def _timestamp(moment: int | float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def _credential_from_payload(payload: Mapping[str, Any], source: str | None) -> dict[str, Any]:
    """The credential in a JWT payload: a VC-JWT 1.1 ``vc`` claim with the registered claims folded
    back (``iss`` -> issuer, ``jti`` -> id, ``nbf`` -> issuanceDate, ``exp`` -> expirationDate,
    ``sub`` -> credentialSubject.id), or the payload itself (VC-JOSE, Open Badges 3.0)."""
    body = payload.get("vc", payload)
    if not isinstance(body, Mapping):
        raise CredentialError("the vc claim must be the credential object", source=source, field="vc")
    credential = {k: v for k, v in body.items() if k not in _REGISTERED}
    if isinstance(payload.get("iss"), str) and "issuer" not in credential:
        credential["issuer"] = payload["iss"]
    if isinstance(payload.get("jti"), str) and "id" not in credential:
        credential["id"] = payload["jti"]
    if isinstance(payload.get("nbf"), (int, float)) and not {"validFrom", "issuanceDate"} & credential.keys():
        credential["issuanceDate"] = _timestamp(payload["nbf"])
    if isinstance(payload.get("exp"), (int, float)) and not {"validUntil", "expirationDate"} & credential.keys():
        credential["expirationDate"] = _timestamp(payload["exp"])
    subject = credential.get("credentialSubject")
    if isinstance(payload.get("sub"), str) and isinstance(subject, Mapping) and "id" not in subject:
        credential["credentialSubject"] = {**subject, "id": payload["sub"]}
    return credential


def verify_vc_jwt(
    token: str, trust: TrustList | None, *, source: str | None = None
) -> tuple[dict[str, Any], Verification]:
    """Decode a compact VC-JWT and check its signature (EdDSA/Ed25519, ES256 or RS256).

    Returns the credential it carries and the verdict. Raises :class:`VerificationError` when a
    trusted issuer's key does not verify the signature, and :class:`CredentialError` when the token
    cannot be decoded.
    """
    try:
        header = jwt.get_unverified_header(token)
        payload = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise CredentialError(f"not a readable JWT: {exc}", source=source) from exc
    credential = _credential_from_payload(payload, source)
    issuer_id = issuer_id_of(credential)
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    if isinstance(payload.get("iss"), str) and issuer_id and payload["iss"] != issuer_id:
        raise VerificationError(f"the JWT's iss {payload['iss']} is not the credential's issuer {issuer_id}",
                                source=source, field="iss")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        # An unsigned JWT asserts nothing, whoever it names: a forgery's cheapest form.
        raise VerificationError(f"the JWT is not signed (alg {alg!r}); only signed credentials are read",
                                source=source, field="alg")
    if trust is None:
        reason = "no trust list given: the signature was not checked"
        return credential, Verification("unverifiable", "vc-jwt", kid, reason)
    if alg not in ALGORITHMS:
        reason = f"the JWT algorithm {alg!r} is not supported ({', '.join(ALGORITHMS)})"
        refuse_downgrade(trust, issuer_id, reason, source)
        return credential, Verification("unverifiable", "vc-jwt", kid, reason)
    candidates = trust.candidates(issuer_id, kid, source)
    if isinstance(candidates, str):
        return credential, Verification("unverifiable", "vc-jwt", kid, candidates + enclosed_key_note(header))
    for key in candidates:
        if key.jwk.algorithm_name != alg:
            continue
        try:
            jwt.decode(token, key=key.jwk.key, algorithms=[alg], options=_SIGNATURE_ONLY)
        except jwt.PyJWTError:
            continue
        owner = key.owner.name or key.owner.id
        reason = f"JWT signature verified with a key of {owner}"
        return credential, Verification("verified", "vc-jwt", key.id or kid, reason)
    raise VerificationError(ALTERED, source=source)


def enclosed_key_note(header: Mapping[str, Any]) -> str:
    """Why a key the signed document carries itself (a JOSE header's ``jwk``, ``x5c`` or ``jku``)
    is not used: anyone can sign a forgery with a key of their own and enclose it."""
    enclosed = [name for name in ("jwk", "x5c", "jku") if name in header]
    if not enclosed:
        return ""
    return (f"; the key the document carries itself ({', '.join(enclosed)}) is not trusted: anyone can sign with a "
            "key they enclose, so the issuer's key must be in the trust list")


def refuse_downgrade(trust: TrustList, issuer_id: str | None, reason: str, source: str | None) -> None:
    """A trusted issuer signs in a way skillmatch checks (its keys are in the trust list), so a
    credential in its name with a proof that cannot be checked is a downgrade: someone swapped the
    proof for one that would leave an altered credential merely "unverifiable"."""
    if issuer_id and trust.issuer(issuer_id) is not None:
        raise VerificationError(f"{reason}, but issuer {issuer_id} is in the trust list and its credentials "
                                "are checked: a downgraded proof is refused", source=source, field="proof")


def _hash_data(options: Mapping[str, Any], document: Mapping[str, Any], source: str | None) -> bytes:
    try:
        return sha256(rfc8785.dumps(options)).digest() + sha256(rfc8785.dumps(document)).digest()
    except rfc8785.CanonicalizationError as exc:
        raise CredentialError(f"cannot be canonicalised with JCS (RFC 8785): {exc}", source=source) from exc


def verify_data_integrity(
    document: Mapping[str, Any], trust: TrustList | None, *, source: str | None = None
) -> Verification:
    """Check a credential's embedded Data Integrity proof (cryptosuite ``eddsa-jcs-2022``).

    The signed data is sha256(JCS(proof options)) || sha256(JCS(credential without proof)), signed
    with Ed25519; ``proofValue`` is multibase base58btc. Other cryptosuites (``eddsa-rdfc-2022``
    needs RDF canonicalisation of remote contexts) leave the credential "unverifiable".
    """
    proofs = as_list(document.get("proof"))
    if not proofs:
        return Verification("unverifiable", None, None, "the credential carries no proof")
    for i, proof in enumerate(proofs):
        if not isinstance(proof, Mapping):
            raise CredentialError("a proof must be an object", source=source, field=f"proof[{i}]")
    supported = [p for p in proofs if p.get("type") == "DataIntegrityProof" and p.get("cryptosuite") == CRYPTOSUITE]
    if not supported:
        found = ", ".join(sorted({str(p.get("cryptosuite") or p.get("type")) for p in proofs}))
        reason = f"proof {found} is not supported: only {CRYPTOSUITE} is checked"
        if trust is not None:
            refuse_downgrade(trust, issuer_id_of(document), reason, source)
        return Verification("unverifiable", None, None, reason)
    if trust is None:
        return Verification("unverifiable", CRYPTOSUITE, None, "no trust list given: the proof was not checked")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    verdict = Verification("unverifiable", CRYPTOSUITE)
    for proof in supported:
        verdict = _verify_proof(proof, unsecured, trust, source)
        if not verdict.verified:
            return verdict
    return verdict


def _verify_proof(proof: Mapping[str, Any], unsecured: Mapping[str, Any], trust: TrustList,
                  source: str | None) -> Verification:
    method = proof.get("verificationMethod") if isinstance(proof.get("verificationMethod"), str) else None
    candidates = trust.candidates(issuer_id_of(unsecured), method, source)
    if isinstance(candidates, str):
        return Verification("unverifiable", CRYPTOSUITE, method, candidates)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        context = as_list(unsecured.get("@context"))
        if context[: len(as_list(options["@context"]))] != as_list(options["@context"]):
            raise VerificationError("the proof's @context is not the credential's", source=source, field="proof")
    value = proof.get("proofValue")
    try:
        if not isinstance(value, str) or not value.startswith("z"):
            raise ValueError
        signature = base58.b58decode(value[1:])
    except ValueError:
        raise VerificationError("proofValue must be multibase base58btc (starting with 'z')", source=source,
                                field="proof.proofValue") from None
    data = _hash_data(options, unsecured, source)
    for key in candidates:
        if not isinstance(key.jwk.key, ed25519.Ed25519PublicKey):
            continue
        try:
            key.jwk.key.verify(signature, data)
        except InvalidSignature:
            continue
        owner = key.owner.name or key.owner.id
        reason = f"Data Integrity proof verified with a key of {owner}"
        return Verification("verified", CRYPTOSUITE, key.id or method, reason)
    raise VerificationError(ALTERED, source=source, field="proof")


def _algorithm(private_key: Any) -> str:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(private_key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "RS256"
    raise ConfigurationError("signing needs an Ed25519, P-256 or RSA private key (cryptography)")


def public_jwk(key: Any, kid: str | None = None) -> dict[str, Any]:
    """The public JWK of a private or public key (Ed25519, P-256 or RSA), for a trust list."""
    public = key.public_key() if hasattr(key, "public_key") else key
    if isinstance(public, ed25519.Ed25519PublicKey):
        jwk = OKPAlgorithm.to_jwk(public, as_dict=True)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        jwk = ECAlgorithm.to_jwk(public, as_dict=True)
    elif isinstance(public, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
    else:
        raise ConfigurationError("expected an Ed25519, P-256 or RSA key (cryptography)")
    return jwk | ({"kid": kid} if kid else {})


def sign_vc_jwt(credential: Mapping[str, Any], private_key: Any, kid: str) -> str:
    """Sign a credential as a compact VC-JWT: the payload is the credential (as Open Badges 3.0
    and VC-JOSE do) plus the registered claims ``iss``, ``jti``, ``sub`` and ``nbf`` VC-JWT 1.1
    verifiers expect."""
    claims = dict(credential)
    issuer = issuer_id_of(credential)
    subject = credential.get("credentialSubject")
    for claim, value in (("iss", issuer), ("jti", credential.get("id")),
                         ("sub", subject.get("id") if isinstance(subject, Mapping) else None)):
        if isinstance(value, str):
            claims[claim] = value
    issued = credential.get("validFrom") or credential.get("issuanceDate")
    if isinstance(issued, str):
        try:
            claims["nbf"] = int(datetime.fromisoformat(issued).timestamp())
        except ValueError:
            pass  # an unreadable date is the reader's to report, not the signer's
    return jwt.encode(claims, private_key, algorithm=_algorithm(private_key), headers={"kid": kid, "typ": "JWT"})


def sign_data_integrity(
    credential: Mapping[str, Any], private_key: ed25519.Ed25519PrivateKey, verification_method: str,
    *, created: datetime | None = None,
) -> dict[str, Any]:
    """The credential with an embedded ``eddsa-jcs-2022`` Data Integrity proof (any old proof
    replaced). The proof options take the credential's ``@context``, as the cryptosuite requires."""
    if not isinstance(private_key, ed25519.Ed25519PrivateKey):
        raise ConfigurationError(f"{CRYPTOSUITE} signs with an Ed25519 private key")
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    options: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": (created or datetime.now(UTC)).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    signature = private_key.sign(_hash_data(options, unsecured, None))
    return {**unsecured, "proof": {**options, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}}
