"""A learner's wallet as the API shows it: uploaded credentials read from the request, and the
skills passport as its holder sees it, rendered when the passport is built and stored with it
(:class:`skillmatch.service.LearnerPassports`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from api.schemas import PassportPublic, RejectedCredential
from skillmatch.errors import CredentialError
from skillmatch.service import LearnerPassport


def upload_text(body: Mapping[str, Any]) -> str:
    """The document text of an upload: a credential's JSON, or the compact JWT of ``{"jwt": ...}``."""
    if set(body) == {"jwt"}:
        if not isinstance(body["jwt"], str):
            raise CredentialError("expected the compact VC-JWT as a string", source="the request body", field="jwt")
        return body["jwt"].strip()
    return json.dumps(body, ensure_ascii=False)


def passport_public(learner: LearnerPassport) -> PassportPublic:
    """The passport as the API shows it to its holder: each credential with its id in the
    passport, and the held documents that no longer read or verify."""
    data = learner.passport.to_dict()
    for held, held_id in zip(data["credentials"], learner.held_ids, strict=True):
        held["held_id"] = held_id
    data["learner_id"] = learner.learner_id
    data["rejected"] = [RejectedCredential(held_id=r.held_id, title=r.title, problem=r.problem)
                        for r in learner.rejected]
    return PassportPublic.model_validate(data)


def passport_json(learner: LearnerPassport) -> str:
    """What ``GET /v1/passports/me`` answers, as stored with the passport."""
    return passport_public(learner).model_dump_json()
