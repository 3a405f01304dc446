"""Open Badges 3.0 EndorsementCredential: a third party vouching for a credential, an achievement
or an issuer. Read on its own (a file given beside the credential it endorses) or embedded in an
Achievement or a Profile (``endorsement``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skillmatch.credentials._common import Fields, types_of
from skillmatch.credentials.model import Endorsement, Verification
from skillmatch.credentials.openbadges3 import issuer_of

TYPE = "EndorsementCredential"


def read_endorsement(data: Mapping[str, Any], *, source: str | None = None, path: str = "",
                     verification: Verification | None = None) -> Endorsement:
    """An EndorsementCredential; ``verification`` is its own proof's check (None: not checked,
    as for one embedded in another credential, whose proof covers only its own content).

    Raises :class:`CredentialError` naming the field when ``credentialSubject.id`` (what it
    endorses) is missing.
    """
    item = Fields(data, source=source, path=path)
    if TYPE not in types_of(item.data):
        item.fail("type", f"expected an Open Badges 3.0 {TYPE}, found type {sorted(types_of(item.data))}")
    subject = item.obj("credentialSubject", required=True)
    endorsed = subject.text("id")
    if not endorsed:
        subject.fail("id", "required field is missing: the id of the credential, achievement or issuer endorsed")
    return Endorsement(
        id=item.text("id"),
        endorser=issuer_of(item, "issuer"),
        subject=endorsed,
        comment=subject.text("endorsementComment") or item.text("name"),
        issued_on=item.date("validFrom") or item.date("issuanceDate"),
        verification=verification or Verification(
            "unverifiable", reason="embedded endorsement: its own proof is not checked"),
    )


def embedded_endorsements(credential: Mapping[str, Any], *, source: str | None = None) -> tuple[Endorsement, ...]:
    """The endorsements an Open Badges 3.0 credential embeds in itself, its issuer, its
    achievement and the achievement's creator (each one's ``endorsement`` list)."""
    document = Fields(credential, source=source)
    subject = document.obj("credentialSubject")
    achievement = subject.obj("achievement") if subject is not None else None
    issuer = document.obj("issuer") if isinstance(document.get("issuer"), Mapping) else None
    holders = [document, issuer, achievement]
    if achievement is not None and isinstance(achievement.get("creator"), Mapping):
        holders.append(achievement.obj("creator"))
    return tuple(read_endorsement(e.data, source=source, path=e.path)
                 for holder in holders if holder is not None for e in holder.objects("endorsement"))
