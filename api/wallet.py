"""A learner's wallet: uploaded credentials read and verified, and the skills passport built from
the stored documents on every request (their signatures checked again against the trust list of
the day, their badge classes and reviews taken from the catalogue as it stands)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from api.deps import Services
from api.schemas import PassportPublic, RejectedCredential
from skillmatch.domain import Passport, SkillProfile, profile_from_passport
from skillmatch.errors import CredentialError
from skillmatch.service import held_links, wallet_passport
from skillmatch.store.accounts import HeldDocument


def upload_text(body: Mapping[str, Any]) -> str:
    """The document text of an upload: a credential's JSON, or the compact JWT of ``{"jwt": ...}``."""
    if set(body) == {"jwt"}:
        if not isinstance(body["jwt"], str):
            raise CredentialError("expected the compact VC-JWT as a string", source="the request body", field="jwt")
        return body["jwt"].strip()
    return json.dumps(body, ensure_ascii=False)


@dataclass(frozen=True)
class LearnerPassport:
    learner_id: str
    passport: Passport
    #: The held documents the passport's credentials come from, in the same order.
    held: tuple[HeldDocument, ...]
    #: Held documents that no longer read or verify, with the reason.
    rejected: tuple[tuple[HeldDocument, str], ...]

    def profile(self, *, evidence: bool = True, claimed: bool = False) -> SkillProfile:
        """The proven skills (and with ``claimed`` the claimed ones), with their evidence unless
        ``evidence`` is False."""
        profile = profile_from_passport(self.passport, claimed=claimed)
        if evidence:
            return profile
        return {uri: replace(skill, evidence=()) for uri, skill in profile.items()}

    def public(self) -> PassportPublic:
        """The passport as the API shows it to its holder: each credential with its id in the
        passport, and the held documents that no longer read or verify."""
        data = self.passport.to_dict()
        for held, document in zip(data["credentials"], self.held, strict=True):
            held["held_id"] = document.id
        data["learner_id"] = self.learner_id
        data["rejected"] = [RejectedCredential(held_id=document.id, title=document.title, problem=problem)
                            for document, problem in self.rejected]
        return PassportPublic.model_validate(data)


def learner_passport(learner_id: str, services: Services) -> LearnerPassport:
    """The passport of a learner's held credentials. A credential proves skills only if it was
    issued to an identifier an admin registered for the learner: until one is registered, every
    credential only claims. Each credential's skills were mapped when it was added; those a
    since-changed matcher mapped are mapped again, once, and stored."""
    documents = services.accounts.held(learner_id)
    fingerprint = services.matcher.fingerprint_
    for i, document in enumerate(documents):
        if document.mapped_with == fingerprint:
            continue
        try:
            _credential, links = held_links(document.document, services.matcher, source=document.title,
                                            store=services.store, trust=services.trust)
        except CredentialError:
            continue  # it no longer reads or verifies: the passport lists it as rejected
        services.accounts.remap_held(document.id, links, fingerprint)
        documents[i] = replace(document, links=links, mapped_with=fingerprint)
    wallet = wallet_passport([(d.title, d.document) for d in documents], services.matcher, store=services.store,
                             trust=services.trust, holder=services.accounts.identifiers(learner_id),
                             mapped=[d.links for d in documents])
    return LearnerPassport(learner_id, wallet.passport, tuple(documents[i] for i in wallet.held),
                           tuple((documents[i], problem) for i, problem in wallet.rejected))
