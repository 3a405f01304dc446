"""Comprehensive Learner Record 2.0 (``ClrCredential``): one issuer's record of a learner's
achievements, as the Open Badges 3.0 credentials it bundles (``credentialSubject.verifiableCredential``,
objects or compact VC-JWTs) and the achievements it lists on its own (``credentialSubject.achievement``).

Each becomes a held credential that keeps the record (its issuer and the associations it states
between achievements). A bundled credential keeps its own issuer and its own proof's verdict; one
issued by the record's issuer, and every achievement listed on its own, is vouched for by the
record's proof.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from skillmatch.credentials._common import Fields, types_of
from skillmatch.credentials.model import (
    Association,
    Credential,
    CredentialFormat,
    LearnerRecord,
    Recipient,
    Verification,
)
from skillmatch.credentials.openbadges3 import issuer_of, read_achievement

TYPE = "ClrCredential"

#: Reads one bundled credential (an object or a compact VC-JWT) at a JSON path, its proof checked.
ReadBundled = Callable[[Any, str], Credential]


def read_clr(data: Mapping[str, Any], *, source: str | None, verification: Verification,
             read_bundled: ReadBundled) -> tuple[Credential, ...]:
    """The credentials of a ClrCredential whose own proof gave ``verification``.

    Raises :class:`CredentialError` naming the field when the record holds neither credentials
    nor achievements, or one of them cannot be read.
    """
    clr = Fields(data, source=source)
    subject = clr.obj("credentialSubject", required=True)
    record = LearnerRecord(
        id=clr.text("id"),
        name=clr.text("name"),
        issuer=issuer_of(clr, "issuer"),
        issued_on=clr.date("validFrom") or clr.date("issuanceDate") or clr.date("awardedDate"),
        associations=tuple(Association(a.text("associationType") or "related", a.text("sourceId", required=True),
                                       a.text("targetId", required=True)) for a in subject.objects("association")),
    )
    learner = subject.text("id")
    bundled = []
    values = subject.get("verifiableCredential")
    for i, value in enumerate(values if isinstance(values, list) else [] if values is None else [values]):
        credential = read_bundled(value, f"{subject.field('verifiableCredential')}[{i}]")
        if verification.verified and not credential.verification.verified and credential.issuer.id == record.issuer.id:
            credential = replace(credential, verification=_vouched(verification))
        bundled.append(replace(credential, record=record))
    held = {c.achievement.id for c in bundled if c.achievement.id}
    listed = []
    for item in subject.objects("achievement"):
        achievement = read_achievement(item.data, source=source, path=item.path)
        if achievement.id in held:
            continue  # the record lists the achievement of a credential it bundles too
        if achievement.issuer.name is None and achievement.issuer.id in (None, record.issuer.id):
            achievement = replace(achievement, issuer=record.issuer)
        listed.append(Credential(
            id=f"{record.id}#{achievement.id}" if record.id and achievement.id else None,
            format=CredentialFormat.OB3, achievement=achievement, learner=learner, issued_on=record.issued_on,
            issuer=record.issuer, verification=_vouched(verification),
            recipient=Recipient(learner) if learner else None, record=record))
    if not bundled and not listed:
        subject.fail("verifiableCredential", "the learner record holds no credential and no achievement")
    return (*bundled, *listed)


def _vouched(verification: Verification) -> Verification:
    return replace(verification, reason=f"as part of the learner record: {verification.reason}")


def is_clr(data: Mapping[str, Any]) -> bool:
    return TYPE in types_of(data)
