"""What the catalogue stores about a credential's ESCO skills: the links, with their evidence, and
an institution's reviews of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

#: Who made a link: the credential's issuer (an ESCO alignment in the document) or the matcher.
Origin = Literal["issuer", "inferred"]
Decision = Literal["confirmed", "rejected"]


@dataclass(frozen=True)
class SkillLink:
    """An ESCO skill linked to a credential, with the evidence for it."""

    skill_uri: str
    label: str
    origin: Origin
    confidence: float | None = None
    score: float | None = None
    status: str | None = None
    #: The learning outcome the link came from: the one the matcher read, or the one the issuer
    #: aligned (None for an alignment of the whole credential).
    outcome: str | None = None
    matched: str | None = None
    matched_lang: str | None = None
    form: str | None = None
    #: The phrase of the outcome the matcher read the skill in (None: the outcome as written).
    reading: str | None = None
    #: Near-duplicate siblings the matcher ranked below the skill for the same outcome (URIs).
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Review:
    """An institution's decision on one skill of one credential; it wins over every re-mapping."""

    skill_uri: str
    decision: Decision
    decided_at: datetime
    reviewer: str | None = None
    note: str | None = None
