"""Check a credential against the elements of the EU Council Recommendation on micro-credentials
(16 June 2022, Annex I): which mandatory and optional elements it states.

An :class:`Achievement` is an offer, not an award: the learner and the date of issuing belong to
an award, so for an achievement they are "not applicable" rather than missing (and so is the grade).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from skillmatch.credentials.model import Achievement, Credential, Issuer


class ElementStatus(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True, slots=True)
class ElementReport:
    """One Annex I element: its stable ``key``, English ``label``, whether it is mandatory, its
    status and, when present, the value found (as text)."""

    key: str
    label: str
    mandatory: bool
    status: ElementStatus
    value: str | None = None


@dataclass(frozen=True, slots=True)
class EUCheck:
    """The element reports of one achievement or credential, mandatory elements first; iterating
    gives each :class:`ElementReport`, ``check["level"]`` the one with that key."""

    elements: tuple[ElementReport, ...]

    def __iter__(self) -> Iterator[ElementReport]:
        return iter(self.elements)

    def __len__(self) -> int:
        return len(self.elements)

    @property
    def missing(self) -> tuple[str, ...]:
        """Keys of the mandatory elements that are missing."""
        return tuple(e.key for e in self.elements if e.mandatory and e.status is ElementStatus.MISSING)

    @property
    def missing_optional(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.elements if not e.mandatory and e.status is ElementStatus.MISSING)

    @property
    def complete(self) -> bool:
        """True when every mandatory element that applies is stated."""
        return not self.missing

    def __getitem__(self, key: str) -> ElementReport:
        for element in self.elements:
            if element.key == key:
                return element
        raise KeyError(key)


def _number(value: float) -> str:
    return f"{value:g}"


def _workload(a: Achievement) -> str | None:
    parts = [f"{_number(a.ects)} ECTS" if a.ects is not None else None,
             f"{_number(a.hours)} hours" if a.hours is not None else None]
    return ", ".join(p for p in parts if p) or None


def _level(a: Achievement) -> str | None:
    parts = [f"EQF {a.eqf_level}" if a.eqf_level else None, f"NLQF {a.nlqf_level}" if a.nlqf_level else None]
    return ", ".join(p for p in parts if p) or None


def _supervision(a: Achievement) -> str | None:
    supervised, verified = a.assessment.supervised, a.assessment.id_verified
    parts = [None if supervised is None else "supervised" if supervised else "unsupervised",
             None if verified is None else "identity verified" if verified else "identity not verified"]
    return ", ".join(p for p in parts if p) or None


def _flag(value: bool | None, yes: str, no: str) -> str | None:
    return None if value is None else yes if value else no


# (key, label, mandatory, the value an achievement states; None marks an award-level element)
_Getter = Callable[[Achievement, Issuer], str | None]
ELEMENTS: tuple[tuple[str, str, bool, _Getter | None], ...] = (
    ("learner", "Identification of the learner", True, None),
    ("title", "Title of the micro-credential", True, lambda a, i: a.name or None),
    ("issuer_country", "Country/region of the issuer", True, lambda a, i: i.country),
    ("awarding_body", "Awarding body", True, lambda a, i: i.name or i.id),
    ("issued_on", "Date of issuing", True, None),
    ("learning_outcomes", "Learning outcomes", True,
     lambda a, i: "; ".join(o.text for o in a.outcomes) or a.outcome_text),
    ("workload", "Notional workload needed to achieve the learning outcomes (in ECTS, wherever possible)", True,
     lambda a, i: _workload(a)),
    ("level", "Level (and cycle, if applicable) of the learning experience (EQF, QF-EHEA)", True,
     lambda a, i: _level(a)),
    ("assessment_type", "Type of assessment", True, lambda a, i: a.assessment.type),
    ("participation", "Form of participation in the learning activity", True, lambda a, i: a.participation),
    ("quality_assurance", "Type of quality assurance used to underpin the micro-credential", True,
     lambda a, i: a.quality_assurance),
    ("prerequisites", "Prerequisites needed to enrol in the learning activity", False,
     lambda a, i: a.prerequisites),
    ("supervision", "Supervision and identity verification during assessment", False, lambda a, i: _supervision(a)),
    ("grade", "Grade achieved", False, None),
    ("stackability", "Integration/stackability options", False,
     lambda a, i: _flag(a.stackable, "stackable towards another credential", "stand-alone")),
    ("further_information", "Further information", False, lambda a, i: a.description or a.criteria),
)


def _award_value(key: str, credential: Credential) -> str | None:
    if key == "learner":
        return credential.learner
    if key == "issued_on":
        return credential.issued_on.date().isoformat() if credential.issued_on else None
    return credential.achievement.assessment.grade


def check_elements(item: Achievement | Credential) -> EUCheck:
    """Which Annex I elements ``item`` states.

    >>> from skillmatch.credentials.model import CredentialFormat
    >>> check = check_elements(Achievement("x", CredentialFormat.OB2, {"en": "Data literacy"}))
    >>> check["title"].status.value, check["learner"].status.value, "level" in check.missing
    ('present', 'not applicable', True)
    """
    achievement = item.achievement if isinstance(item, Credential) else item
    issuer = achievement.issuer
    if isinstance(item, Credential):
        # The award's issuer speaks for the award; the achievement's fills what it leaves out.
        own = item.issuer
        issuer = Issuer(own.id or issuer.id, own.name or issuer.name, own.country or issuer.country,
                        own.identifier or issuer.identifier, own.url or issuer.url)
    reports = []
    for key, label, mandatory, getter in ELEMENTS:
        if getter is not None:
            value = getter(achievement, issuer)
        elif isinstance(item, Credential):
            value = _award_value(key, item)
        else:
            reports.append(ElementReport(key, label, mandatory, ElementStatus.NOT_APPLICABLE))
            continue
        status = ElementStatus.PRESENT if value else ElementStatus.MISSING
        reports.append(ElementReport(key, label, mandatory, status, value or None))
    return EUCheck(tuple(reports))
