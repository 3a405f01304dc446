"""One credential document, as a file or an upload holds it: its envelope opened (a compact JWT,
a JWS JSON serialization, the European Digital Credential upload wrapper ``{"credential": ...}``),
its format told by its type, its proof checked, and everything in it read into
:class:`Contents`: the credentials a learner holds (one, or each of a learner record's), what
credentials certify (badge classes, achievements, specifications), issuer profiles and
endorsements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from skillmatch.credentials import clr, elm, endorsement, jws, openbadges2, openbadges3
from skillmatch.credentials._common import Fields, kind_of, types_of
from skillmatch.credentials.model import Achievement, Credential, Endorsement, Issuer, Verification
from skillmatch.credentials.proof import TrustList, verify_data_integrity, verify_vc_jwt
from skillmatch.errors import CredentialError

_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
#: An Open Badges 2.0 issuer profile's types; an OB 3.0 Profile outside a credential is one too.
PROFILE_TYPES = {"Issuer", "Profile"}
#: Every format read, for the message about a document that is none of them.
FORMATS = ("an Open Badges 2.0 BadgeClass, Assertion (Blockcerts v2 included) or issuer profile, an Open Badges "
           "3.0 Achievement, OpenBadgeCredential or EndorsementCredential, a CLR 2.0 ClrCredential, or an ELM "
           "specification or European Digital Credential (signed, unsigned or in its upload wrapper)")


@dataclass(frozen=True)
class Contents:
    """Everything one credential document holds."""

    source: str | None
    #: What learners hold: one, or each credential and achievement of a learner record.
    credentials: tuple[Credential, ...] = ()
    #: What credentials certify: badge classes, achievements, specifications.
    achievements: tuple[Achievement, ...] = ()
    #: Open Badges 2.0 issuer profiles (hosted by their issuer, given as a file).
    issuers: tuple[Issuer, ...] = ()
    endorsements: tuple[Endorsement, ...] = ()


def parse(raw: str | bytes | Mapping[str, Any] | Path, source: str | None = None) -> Any:
    """A document's JSON (or a compact JWT, returned as a string) from a file, text or UTF-8 bytes
    (with or without BOM); a parsed object is returned as it is."""
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, Path):
        try:
            raw = raw.read_bytes()
        except OSError as exc:
            raise CredentialError(f"cannot read the file: {exc.strerror or exc}", source=source) from exc
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


def read_contents(raw: Any, *, source: str | None = None, trust: TrustList | None = None,
                  badge_classes: Mapping[str, Achievement] | None = None) -> Contents:
    """Everything the document ``raw`` holds (JSON text, UTF-8 bytes, a parsed object, a compact
    JWT or a :class:`~pathlib.Path`), each credential's signature or proof checked against
    ``trust``; ``badge_classes`` resolves an Open Badges 2.0 assertion's badge URL (nothing is
    ever fetched).

    Raises :class:`CredentialError` naming the field for anything unreadable, and
    :class:`VerificationError` for a credential whose signature fails or whose trusted issuer's
    proof was swapped for one that is not checked.
    """
    data = parse(raw, source)
    if isinstance(data, str) and _JWT.fullmatch(data.strip()):
        credential, verification = verify_vc_jwt(data.strip(), trust, source=source)
        contents = _read(credential, source, trust, badge_classes, verification)
        if not contents.credentials and not contents.endorsements:
            raise CredentialError("a VC-JWT must carry a credential, not an achievement description", source=source)
        return contents
    if isinstance(data, Mapping) and jws.is_jws_json(data):
        credential, verification = jws.verify_jws_json(data, trust, source=source)
        return _read(_unwrapped(credential), source, trust, badge_classes, verification)
    return _read(_unwrapped(data), source, trust, badge_classes, None)


def _unwrapped(data: Any) -> Any:
    """The credential inside the EDC upload wrapper ``{"credential": ...}``, else ``data``."""
    if isinstance(data, Mapping) and set(data) == {"credential"} and isinstance(data["credential"], Mapping):
        return data["credential"]
    return data


def _read(data: Any, source: str | None, trust: TrustList | None,
          badge_classes: Mapping[str, Achievement] | None, verification: Verification | None) -> Contents:
    """The contents of an opened document; ``verification`` is its envelope's signature check
    (None: its embedded proof is checked here)."""
    if not isinstance(data, Mapping):
        raise CredentialError(f"expected a credential object, found {kind_of(data)}", source=source)
    kinds = types_of(data)
    if "BadgeClass" in kinds:
        return Contents(source, achievements=(openbadges2.read_badge_class(data, source=source),))
    if "Assertion" in kinds:
        credential = openbadges2.read_assertion(data, source=source, badge_classes=badge_classes)
        return Contents(source, credentials=(replace(credential, verification=verification)
                                             if verification else credential,))
    def checked() -> Verification:
        return verification or verify_data_integrity(data, trust, source=source)

    if clr.is_clr(data):
        return Contents(source, credentials=clr.read_clr(
            data, source=source, verification=checked(),
            read_bundled=lambda value, path: _bundled(value, path, source, trust)))
    if endorsement.TYPE in kinds:
        return Contents(source, endorsements=(endorsement.read_endorsement(data, source=source,
                                                                           verification=checked()),))
    if kinds & openbadges3.CREDENTIAL_TYPES:
        return Contents(source, credentials=(_ob3(data, source, checked()),))
    if kinds & elm.CREDENTIAL_TYPES:
        credential = elm.read_credential(data, source=source)
        return Contents(source, credentials=(replace(credential, verification=checked()),))
    if kinds & elm.SPECIFICATION_TYPES:
        return Contents(source, achievements=(elm.read_specification(data, source=source),))
    if "Achievement" in kinds:
        return Contents(source, achievements=(openbadges3.read_achievement(data, source=source),))
    if kinds & PROFILE_TYPES:
        return Contents(source, issuers=(openbadges2.read_profile(Fields(data, source=source))[0],))
    if "BlockcertsCredential" in kinds or "blockcerts/v3" in str(data.get("@context")):
        raise CredentialError("this is a Blockcerts v3 certificate, which skillmatch does not read: its proof is "
                              "anchored in a blockchain; Blockcerts v2 certificates (Open Badges 2.0 assertions) "
                              "are read", source=source, field="type")
    found = f"type {sorted(kinds)}" if kinds else "no type"
    raise CredentialError(f"unknown credential format ({found}): expected {FORMATS}", source=source, field="type")


def _ob3(data: Mapping[str, Any], source: str | None, verification: Verification, path: str = "") -> Credential:
    credential = openbadges3.read_credential(data, source=source, path=path)
    return replace(credential, verification=verification,
                   endorsements=endorsement.embedded_endorsements(data, source=source))


def _bundled(value: Any, path: str, source: str | None, trust: TrustList | None) -> Credential:
    """A credential bundled in a learner record, its own proof or signature checked."""
    where = f"{source}, {path}" if source else path
    if isinstance(value, str) and _JWT.fullmatch(value.strip()):
        data, verification = verify_vc_jwt(value.strip(), trust, source=where)
        return _ob3(data, where, verification)
    if not isinstance(value, Mapping):
        raise CredentialError(f"expected a credential object or a compact VC-JWT, found {kind_of(value)}",
                              source=source, field=path)
    return _ob3(value, source, verify_data_integrity(value, trust, source=where), path)


_ACHIEVEMENT_KINDS = {"ob2": "an Open Badges 2.0 badge class", "ob3": "an Open Badges 3.0 achievement",
                      "elm": "a European Learning Model learning-achievement specification"}


def what_it_is(contents: Contents) -> str:
    """What a document that is not one held credential holds, in words, and what to do with it."""
    if len(contents.credentials) > 1:
        return (f"this is a learner record (CLR 2.0) holding {len(contents.credentials)} credentials, not one "
                "credential: give it where a passport is built (`skillmatch passport build`, or added to the "
                "passport), which takes each of its credentials")
    if contents.achievements:
        achievement = contents.achievements[0]
        hosted = (f"; give it next to the assertions that name it ({achievement.id}) to complete them"
                  if achievement.format.value == "ob2" and achievement.id else "")
        return (f"this is {_ACHIEVEMENT_KINDS[achievement.format.value]} ({achievement.name!r}): it describes what "
                f"a credential certifies, not a credential someone holds{hosted}")
    if contents.issuers:
        issuer = contents.issuers[0]
        return (f"this is an issuer profile ({issuer.name or issuer.id}), not a credential; give it next to the "
                "assertions of this issuer to name it")
    if contents.endorsements:
        found = contents.endorsements[0]
        comment = f" ({found.comment!r})" if found.comment else ""
        return (f"this is an endorsement by {found.endorser.name or found.endorser.id} of {found.subject}{comment}, "
                "not a credential; it is shown with the credential it names when that is in the passport too")
    return "the document holds no credential"
