"""Credentials in, credentials out: Open Badges 2.0 (with SURF edubadges extensions), Open Badges
3.0 (JSON and VC-JWT) and European Learning Model / EDC JSON-LD, read into one typed model
(:class:`Achievement`, :class:`Credential`), checked against the EU micro-credential elements and
against a trust list of issuer keys, and written back with ESCO alignments.

>>> item = read_credential('{"type": "BadgeClass", "name": "Data visualisation"}')
>>> item.name, item.format.value
('Data visualisation', 'ob2')
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from skillmatch.credentials import elm, openbadges2, openbadges3
from skillmatch.credentials._common import kind_of, types_of
from skillmatch.credentials.eu import ElementReport, ElementStatus, EUCheck, check_elements
from skillmatch.credentials.model import (
    Achievement,
    Alignment,
    Assessment,
    Credential,
    CredentialFormat,
    Issuer,
    LearningOutcome,
    Recipient,
    Verification,
)
from skillmatch.credentials.offer_csv import read_offer_csv
from skillmatch.credentials.proof import (
    TrustedIssuer,
    TrustList,
    public_jwk,
    sign_data_integrity,
    sign_vc_jwt,
    verify_data_integrity,
    verify_vc_jwt,
)
from skillmatch.errors import CredentialError, VerificationError

__all__ = [
    "Achievement",
    "Alignment",
    "Assessment",
    "Credential",
    "CredentialError",
    "CredentialFormat",
    "ElementReport",
    "ElementStatus",
    "EUCheck",
    "Issuer",
    "LearningOutcome",
    "Recipient",
    "TrustList",
    "TrustedIssuer",
    "Verification",
    "VerificationError",
    "check_elements",
    "public_jwk",
    "read_credential",
    "read_file",
    "read_offer_csv",
    "sign_data_integrity",
    "sign_vc_jwt",
    "verify_data_integrity",
    "verify_vc_jwt",
]

_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

def _parse(raw: str | bytes, source: str | None) -> Any:
    """JSON text (or a compact JWT, returned as a string) from text or UTF-8 bytes."""
    if isinstance(raw, bytes):
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise CredentialError("the file is not UTF-8 JSON (UTF-16 detected); save it as UTF-8", source=source)
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CredentialError(
                f"the file is not UTF-8 JSON (undecodable byte at position {exc.start}); save it as UTF-8",
                source=source,
            ) from exc
    text = raw.strip().lstrip("\ufeff")
    if not text:
        raise CredentialError("empty input: there is no credential to read", source=source)
    if _JWT.fullmatch(text):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CredentialError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", source=source
        ) from exc


def _dispatch(
    data: Any, source: str | None, badge_classes: Mapping[str, Achievement] | None
) -> Achievement | Credential:
    """The reader for an object, chosen by its JSON-LD type."""
    if not isinstance(data, Mapping):
        raise CredentialError(f"expected a credential object, found {kind_of(data)}", source=source)
    kinds = types_of(data)
    if "BadgeClass" in kinds:
        return openbadges2.read_badge_class(data, source=source)
    if "Assertion" in kinds:
        return openbadges2.read_assertion(data, source=source, badge_classes=badge_classes)
    if kinds & openbadges3.CREDENTIAL_TYPES:
        return openbadges3.read_credential(data, source=source)
    if kinds & elm.CREDENTIAL_TYPES:
        return elm.read_credential(data, source=source)
    if kinds & elm.SPECIFICATION_TYPES:
        return elm.read_specification(data, source=source)
    if "Achievement" in kinds:
        return openbadges3.read_achievement(data, source=source)
    found = f"type {sorted(kinds)}" if kinds else "no type"
    raise CredentialError(
        f"unknown credential format ({found}): expected an Open Badges 2.0 BadgeClass or Assertion, an Open "
        "Badges 3.0 Achievement or OpenBadgeCredential, or an ELM specification or European Digital Credential",
        source=source,
        field="type",
    )


def read_credential(
    raw: str | bytes | Mapping[str, Any] | Path,
    *,
    source: str | None = None,
    trust: TrustList | None = None,
    badge_classes: Mapping[str, Achievement] | None = None,
) -> Achievement | Credential:
    """Read any supported credential and detect its format.

    ``raw`` is JSON text, UTF-8 bytes (with or without BOM), a parsed object, a compact VC-JWT, or
    a :class:`~pathlib.Path` to a file holding one of those. ``source`` names it in errors (a file's
    path by default). A credential's signature (VC-JWT) or Data Integrity proof is checked against
    ``trust``; without a trust list the credential is "unverifiable". ``badge_classes`` resolves an
    Open Badges 2.0 assertion's badge URL (nothing is ever fetched).

    Raises :class:`CredentialError` naming the field for anything unreadable, and
    :class:`VerificationError` for a trusted issuer's credential whose signature does not verify.
    """
    if isinstance(raw, Path):
        return read_file(raw, source=source, trust=trust, badge_classes=badge_classes)
    data = raw if isinstance(raw, Mapping) else _parse(raw, source)
    if isinstance(data, str) and _JWT.fullmatch(data.strip()):
        credential, verification = verify_vc_jwt(data.strip(), trust, source=source)
        item = _dispatch(credential, source, badge_classes)
        if not isinstance(item, Credential):
            raise CredentialError("a VC-JWT must carry a credential, not an achievement description", source=source)
        return replace(item, verification=verification)
    item = _dispatch(data, source, badge_classes)
    if isinstance(item, Credential) and item.format is not CredentialFormat.OB2:
        item = replace(item, verification=verify_data_integrity(data, trust, source=source))
    return item


def read_file(
    path: str | Path,
    *,
    source: str | None = None,
    trust: TrustList | None = None,
    badge_classes: Mapping[str, Achievement] | None = None,
) -> Achievement | Credential:
    """Read a credential file (JSON or a compact VC-JWT); see :func:`read_credential`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CredentialError(f"cannot read the file: {exc.strerror or exc}", source=source or str(path)) from exc
    return read_credential(raw, source=source or str(path), trust=trust, badge_classes=badge_classes)
