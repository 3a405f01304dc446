"""A learner's documents read together, as a wallet: what an issuer hosts at a URL (an Open Badges
2.0 badge class or issuer profile) may be given as a file beside the assertions that name it, and
an endorsement beside the credential it endorses.

Hosted documents are read first, so the order of the files does not matter; each completes the
assertions naming it. Every other document gives its credentials (one, or each of a learner
record's), or is refused with what it is and why. A badge class, issuer profile or endorsement
that nothing in the wallet names is refused too, saying what it is.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from skillmatch.credentials._common import types_of
from skillmatch.credentials.document import Contents, parse, read_contents, what_it_is
from skillmatch.credentials.model import Achievement, Credential, CredentialFormat, Endorsement, Issuer
from skillmatch.credentials.proof import TrustList
from skillmatch.errors import CredentialError


@dataclass(frozen=True)
class Wallet:
    """What became of each document of a wallet (by its position)."""

    #: The credentials held, each with the position of the document it came from.
    credentials: tuple[tuple[int, Credential], ...]
    #: ``(position, why)`` of each document that gave no credential.
    rejected: tuple[tuple[int, str], ...]
    #: Positions of the documents that completed others (badge classes, issuer profiles, endorsements).
    supporting: tuple[int, ...]


@dataclass(frozen=True)
class Hosted:
    """The Open Badges 2.0 documents an issuer hosts at a URL, given as files: badge classes (each
    named after its issuer where an issuer profile was given too) and issuer profiles, by id."""

    badge_classes: dict[str, Achievement]
    issuers: dict[str, Issuer]

    @classmethod
    def of(cls, documents: Iterable[Contents]) -> Hosted:
        documents = list(documents)
        issuers = {i.id: i for contents in documents for i in contents.issuers if i.id}
        classes = {a.id: a for contents in documents for a in contents.achievements
                   if a.format is CredentialFormat.OB2 and a.id}
        return cls({key: cls._named(a, issuers) for key, a in classes.items()}, issuers)

    @staticmethod
    def _named(achievement: Achievement, issuers: Mapping[str, Issuer]) -> Achievement:
        """The achievement with its issuer's profile, where it names the issuer by URL only."""
        found = issuers.get(achievement.issuer.id or "")
        return replace(achievement, issuer=found) if found and not achievement.issuer.name else achievement

    def named(self, credential: Credential) -> Credential:
        """The credential with its issuer's profile, where it names the issuer by URL only."""
        found = self.issuers.get(credential.issuer.id or "")
        return replace(credential, achievement=self._named(credential.achievement, self.issuers),
                       issuer=found if found and not credential.issuer.name else credential.issuer)

    def resolver(self, known: Mapping[str, Achievement] | None) -> Mapping[str, Achievement]:
        """The badge classes given, then those ``known`` already (the catalogue's)."""
        return ChainMap(self.badge_classes, known) if known is not None else self.badge_classes


def is_hosted(data: Any) -> bool:
    """Whether a parsed document is an Open Badges 2.0 badge class or issuer profile: what an
    issuer hosts at a URL for the assertions that name it."""
    if not isinstance(data, Mapping):
        return False
    kinds = types_of(data)
    ob2_profile = "Profile" in kinds and "openbadges/v2" in str(data.get("@context"))
    return bool(kinds & {"BadgeClass", "Issuer"}) or ob2_profile


def read_wallet(documents: Sequence[tuple[str, Any]], *, trust: TrustList | None = None,
                badge_classes: Mapping[str, Achievement] | None = None) -> Wallet:
    """Read ``documents`` (``(source, document)`` pairs, each as
    :func:`~skillmatch.credentials.read_contents` takes it) as one learner's wallet;
    ``badge_classes`` are hosted badge classes known already (the catalogue's)."""
    rejected: dict[int, str] = {}
    parsed: dict[int, Any] = {}
    hosted: dict[int, Contents] = {}
    for position, (source, document) in enumerate(documents):
        try:
            parsed[position] = data = parse(document, source)
            if is_hosted(data):
                hosted[position] = read_contents(data, source=source)
        except CredentialError as exc:
            rejected[position] = exc.problem
    given = Hosted.of(hosted.values())
    held: list[tuple[int, Credential]] = []
    endorsements: list[tuple[int, Endorsement]] = []
    for position, data in parsed.items():
        if position in hosted:
            continue
        source = documents[position][0]
        try:
            contents = read_contents(data, source=source, trust=trust, badge_classes=given.resolver(badge_classes))
        except CredentialError as exc:
            rejected[position] = exc.problem
            continue
        held.extend((position, given.named(c)) for c in contents.credentials)
        endorsements.extend((position, e) for e in contents.endorsements)
        if not contents.credentials and not contents.endorsements:
            rejected[position] = what_it_is(contents)
    credentials, used = _endorsed(held, endorsements)
    names = {c.achievement.id for _position, c in credentials} | {
        i for _position, c in credentials for i in (c.issuer.id, c.achievement.issuer.id) if i}
    for position, contents in hosted.items():
        if any(a.id in names for a in contents.achievements) or any(i.id in names for i in contents.issuers):
            used.add(position)
        else:
            rejected[position] = what_it_is(contents)
    for position, endorsement in endorsements:
        if position not in used:
            rejected[position] = what_it_is(Contents(documents[position][0], endorsements=(endorsement,)))
    return Wallet(tuple(credentials), tuple(sorted(rejected.items())), tuple(sorted(used)))


def _endorsed(held: list[tuple[int, Credential]], endorsements: list[tuple[int, Endorsement]],
              ) -> tuple[list[tuple[int, Credential]], set[int]]:
    """Each credential with the endorsements given beside it that name it, its achievement or its
    issuer; and the positions of the endorsements that named one."""
    used: set[int] = set()
    result = []
    for position, credential in held:
        names = {credential.id, credential.achievement.id, credential.issuer.id, credential.achievement.issuer.id}
        names.discard(None)
        found = [(p, e) for p, e in endorsements if e.subject in names]
        used.update(p for p, _e in found)
        result.append((position, replace(credential, endorsements=(*credential.endorsements,
                                                                   *(e for _p, e in found)))
                       if found else credential))
    return result, used
