"""Credentials signed as a JWS in the JSON serialization (RFC 7515 section 7.2), as the European
Digital Credentials service seals EDCs (JAdES): ``{"payload": "<the credential as JSON text>",
"signatures": [{"protected": ..., "header": ..., "signature": ...}]}``, or the flattened form with
``protected`` and ``signature`` beside the payload.

The payload is signed as it stands when the protected header says ``"b64": false`` (RFC 7797, the
EDC service's choice), else base64url-encoded. Only keys of the trust list verify: the signing
certificate the seal carries (``x5c``) is the signer's own claim.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from skillmatch.credentials.model import Verification
from skillmatch.credentials.proof import ALTERED, TrustList, enclosed_key_note, issuer_id_of, refuse_downgrade
from skillmatch.errors import CredentialError, VerificationError

METHOD = "jws-json"


def is_jws_json(data: Any) -> bool:
    """Whether ``data`` is a JWS in the JSON serialization (general or flattened)."""
    return isinstance(data, Mapping) and isinstance(data.get("payload"), str) and (
        isinstance(data.get("signatures"), list) or isinstance(data.get("signature"), str))


def _decode(value: Any, field: str, source: str | None) -> bytes:
    if not isinstance(value, str):
        raise CredentialError("expected base64url text", source=source, field=field)
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CredentialError("expected base64url text, found characters outside it", source=source,
                              field=field) from exc


def verify_jws_json(document: Mapping[str, Any], trust: TrustList | None, *,
                    source: str | None = None) -> tuple[Any, Verification]:
    """The credential a JWS JSON serialization carries, and the check of its first signature
    against ``trust`` (RS256, ES256 or EdDSA). Raises :class:`VerificationError` when a key the
    trust list gives for the credential's issuer does not verify it, and :class:`CredentialError`
    when the payload or a header cannot be decoded."""
    signatures = document.get("signatures") if "signatures" in document else [document]
    field = "signatures[0]" if "signatures" in document else ""
    if not signatures or not isinstance(signatures[0], Mapping):
        raise CredentialError("expected at least one signature object", source=source, field="signatures")
    signature = signatures[0]
    where = f"{field}.protected" if field else "protected"
    protected_text = signature.get("protected")
    try:
        header = json.loads(_decode(protected_text, where, source))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CredentialError("the protected header is not JSON", source=source, field=where) from exc
    if not isinstance(header, Mapping):
        raise CredentialError("the protected header must be a JSON object", source=source, field=where)
    unencoded = header.get("b64") is False
    payload_text = document["payload"]
    try:
        payload = json.loads(payload_text if unencoded else _decode(payload_text, "payload", source))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CredentialError("the signed payload is not a JSON credential", source=source, field="payload") from exc
    issuer_id = issuer_id_of(payload) if isinstance(payload, Mapping) else None
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    alg = header.get("alg")
    if trust is None:
        return payload, Verification("unverifiable", METHOD, None, "no trust list given: the seal was not checked")
    if alg not in ("RS256", "ES256", "EdDSA"):
        reason = f"the seal's algorithm {alg!r} is not checked (RS256, ES256, EdDSA are)"
        refuse_downgrade(trust, issuer_id, reason, source)
        return payload, Verification("unverifiable", METHOD, None, reason)
    candidates = trust.candidates(issuer_id, kid, source)
    if isinstance(candidates, str):
        return payload, Verification("unverifiable", METHOD, None, candidates + enclosed_key_note(header))
    signed = protected_text.encode("ascii") + b"." + (payload_text.encode("utf-8") if unencoded
                                                      else payload_text.encode("ascii"))
    value = _decode(signature.get("signature"), f"{field}.signature" if field else "signature", source)
    for key in candidates:
        if key.jwk.algorithm_name != alg:
            continue
        if key.jwk.Algorithm.verify(signed, key.jwk.key, value):
            owner = key.owner.name or key.owner.id
            return payload, Verification("verified", METHOD, key.id, f"seal verified with a key of {owner}")
    raise VerificationError(ALTERED, source=source, field="signatures")
