"""Credentials in, credentials out: Open Badges 2.0 (with SURF edubadges extensions, Blockcerts v2
included), Open Badges 3.0 (JSON and VC-JWT, endorsements too), CLR 2.0 learner records and European
Learning Model / EDC JSON-LD (unsigned, sealed as a JWS or in its upload wrapper), read into one
typed model (:class:`Achievement`, :class:`Credential`), checked against the EU micro-credential
elements and against a trust list of issuer keys, and written back with ESCO alignments.

>>> item = read_credential('{"type": "BadgeClass", "name": "Data visualisation"}')
>>> item.name, item.format.value
('Data visualisation', 'ob2')
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from skillmatch.credentials.document import Contents, parse, read_contents, what_it_is
from skillmatch.credentials.eu import ElementReport, ElementStatus, EUCheck, check_elements
from skillmatch.credentials.model import (
    Achievement,
    Alignment,
    Assessment,
    Association,
    Credential,
    CredentialFormat,
    Endorsement,
    Issuer,
    LearnerRecord,
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
from skillmatch.credentials.wallet import Wallet, read_wallet
from skillmatch.errors import CredentialError, VerificationError

__all__ = [
    "Achievement",
    "Alignment",
    "Assessment",
    "Association",
    "Contents",
    "Credential",
    "CredentialError",
    "CredentialFormat",
    "ElementReport",
    "ElementStatus",
    "EUCheck",
    "Endorsement",
    "Issuer",
    "LearnerRecord",
    "LearningOutcome",
    "Recipient",
    "TrustList",
    "TrustedIssuer",
    "Verification",
    "VerificationError",
    "Wallet",
    "check_elements",
    "public_jwk",
    "read_contents",
    "read_credential",
    "read_file",
    "read_offer_csv",
    "read_wallet",
    "sign_data_integrity",
    "sign_vc_jwt",
    "verify_data_integrity",
    "verify_vc_jwt",
    "what_it_is",
]

def read_credential(
    raw: str | bytes | Mapping[str, Any] | Path,
    *,
    source: str | None = None,
    trust: TrustList | None = None,
    badge_classes: Mapping[str, Achievement] | None = None,
) -> Achievement | Credential:
    """Read a document that holds one credential or one achievement, and detect its format.

    ``raw`` is JSON text, UTF-8 bytes (with or without BOM), a parsed object, a compact VC-JWT, or
    a :class:`~pathlib.Path` to a file holding one of those (``source`` names it in errors: a
    file's path by default). The signature or proof is checked against ``trust``; without a trust
    list the credential is "unverifiable". ``badge_classes`` resolves an Open Badges 2.0
    assertion's badge URL (nothing is ever fetched). A document holding several credentials (a
    learner record), an issuer profile or an endorsement is read with :func:`read_contents`.

    Raises :class:`CredentialError` naming the field for anything unreadable, and
    :class:`VerificationError` for a trusted issuer's credential whose signature does not verify.
    """
    if isinstance(raw, Path):
        return read_file(raw, source=source, trust=trust, badge_classes=badge_classes)
    contents = read_contents(raw, source=source, trust=trust, badge_classes=badge_classes)
    items = [*contents.credentials, *contents.achievements]
    if len(items) != 1 or contents.issuers or contents.endorsements:
        raise CredentialError(what_it_is(contents), source=source)
    return items[0]


def read_file(
    path: str | Path,
    *,
    source: str | None = None,
    trust: TrustList | None = None,
    badge_classes: Mapping[str, Achievement] | None = None,
) -> Achievement | Credential:
    """Read a credential file (JSON or a compact VC-JWT); see :func:`read_credential`."""
    path = Path(path)
    return read_credential(parse(path, source or str(path)), source=source or str(path), trust=trust,
                           badge_classes=badge_classes)
