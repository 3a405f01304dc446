"""A credential of an institution's offer as recommendation, fit and coverage see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OfferedCredential:
    """A catalogue credential's facts and the ESCO skills it teaches, with their confidence: the
    accepted ones (issuer-made and confirmed count 1) and each outcome's best suggestion (see
    :func:`skillmatch.domain.taught_skills`)."""

    id: str
    title: str
    issuer: str | None
    country: str | None
    eqf_level: int | None
    ects: float | None
    hours: float | None
    language: str | None
    format: str
    stackable: bool | None
    prerequisites: str | None
    #: skill URI -> confidence (1.0 for issuer-made and confirmed skills).
    skills: dict[str, float]
