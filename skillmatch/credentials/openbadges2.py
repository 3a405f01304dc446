"""Open Badges 2.0 with the SURF edubadges extensions: read BadgeClasses and Assertions, write a
BadgeClass back with ESCO alignments added.

edubadges puts its micro-credential metadata in ``extensions:<Name>Extension`` objects (ECTS, EQF,
learning outcome, study load, language, ...) and, on expanded badge classes, in plain camelCase
keys (``participation``, ``assessmentType``, ...). Both are read into the model and written back;
what the model has no field for is kept in ``Achievement.extra`` under the edubadges name
(``GradingTableURL``, ``qualityAssuranceUrl``, ``qualityAssuranceDescription``,
``eqfNlqfLevelVerified``), with the issuing unit's name (``issuerName``, as ``issuer.name`` is the
institution), a regional ``Language`` tag (``nl_BE``), a numeric ``EducationProgramIdentifier`` and
MBO's ``studyLoadExtension`` name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from skillmatch.credentials._common import (
    Fields,
    id_or_text,
    merge_alignments,
    norm_lang,
    outcome_block,
    outcomes_from_block,
    read_alignment,
    types_of,
    write_alignment,
)
from skillmatch.credentials.model import (
    Achievement,
    Alignment,
    Credential,
    CredentialFormat,
    Issuer,
    Recipient,
    Verification,
)

CONTEXT = "https://w3id.org/openbadges/v2"
EXTENSIONS_ROOT = "https://api.edubadges.nl/extensions"

# edubadges' expanded badge-class keys (no extension object) that belong to the assessment.
_ASSESSMENT_KEYS = {
    "assessmentType": "type",
    "assessmentSupervised": "supervised",
    "assessmentIdVerified": "id_verified",
    "gradeAchievedRequired": "grade_required",
}
_ACHIEVEMENT_KEYS = {
    "typeBadgeClass": "kind",
    "participation": "participation",
    "stackable": "stackable",
    "qualityAssuranceName": "quality_assurance",
    "qualityAssurance": "quality_assurance",
    "prerequisites": "prerequisites",
}
#: Kept in ``Achievement.extra`` so that a write-back carries them unchanged.
_EXTRA_KEYS = ("qualityAssuranceUrl", "qualityAssuranceDescription", "eqfNlqfLevelVerified")
_FLAG_KEYS = {"assessmentSupervised", "assessmentIdVerified", "gradeAchievedRequired", "stackable",
              "eqfNlqfLevelVerified"}


def _extension(data: Fields, name: str) -> Fields | None:
    """An edubadges extension object; the 2019 pilot wrote its name without the ``extensions:``
    prefix and its key with a lower-case initial (``LearningOutcomeExtension.learningOutcome``)."""
    return data.obj(f"extensions:{name}Extension") or data.obj(f"{name}Extension")


def _extension_value(extension: Fields, key: str) -> str:
    """The key as the extension spells it: ``ECTS``, or the pilot's ``learningOutcome``."""
    return key if extension.get(key) is not None else key[:1].lower() + key[1:]


def _extension_text(data: Fields, name: str, key: str | None = None) -> str | None:
    ext = _extension(data, name)
    return ext.text(_extension_value(ext, key or name)) if ext else None


def _read_issuer(data: Fields) -> tuple[Issuer, dict[str, Any]]:
    """The issuer, named after its institution, and the issuing unit's own name for ``extra``:
    edubadges' ``issuer.name`` is a faculty or department, the awarding body is the institution."""
    value = data.get("issuer")
    if isinstance(value, str):
        return Issuer(id=value.strip() or None), {}
    issuer = data.obj("issuer")
    if issuer is None:
        return Issuer(), {}
    return read_profile(issuer)


def read_profile(issuer: Fields) -> tuple[Issuer, dict[str, Any]]:
    """An issuer profile (embedded, or a hosted profile given as a file) and, for ``extra``, the
    issuing unit's name where an edubadges extension names the institution."""
    unit = issuer.text("name")
    institution = _extension_text(issuer, "InstitutionName")
    found = Issuer(
        id=issuer.text("id"),
        name=institution or unit,
        country=_extension_text(issuer, "InstitutionCountry"),
        identifier=_extension_text(issuer, "InstitutionIdentifier"),
        url=issuer.text("url"),
    )
    return found, {"issuerName": unit} if institution and unit else {}


def _program_identifier(data: Fields) -> str | None:
    """edubadges writes the programme code as text, a number, or a list of numbers."""
    extension = _extension(data, "EducationProgramIdentifier")
    if extension is None:
        return None
    value = extension.get("EducationProgramIdentifier")
    if not isinstance(value, list):
        return extension.text("EducationProgramIdentifier")
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        extension.fail("EducationProgramIdentifier", "expected a code or a list of codes")
    return ", ".join(str(v).strip() for v in value) or None


def _read_edubadges_keys(data: Fields) -> dict[str, Any]:
    """The expanded edubadges keys present in ``data``, by their edubadges name."""
    return {
        key: data.flag(key) if key in _FLAG_KEYS else data.text(key)
        for key in (*_ASSESSMENT_KEYS, *_ACHIEVEMENT_KEYS, *_EXTRA_KEYS)
        if data.get(key) is not None
    }


def _apply_edubadges_keys(achievement: Achievement, keys: Mapping[str, Any]) -> Achievement:
    assessment = {_ASSESSMENT_KEYS[k]: v for k, v in keys.items() if k in _ASSESSMENT_KEYS}
    changes = {_ACHIEVEMENT_KEYS[k]: v for k, v in keys.items() if k in _ACHIEVEMENT_KEYS}
    extra = {k: v for k, v in keys.items() if k in _EXTRA_KEYS}
    return replace(
        achievement,
        assessment=replace(achievement.assessment, **assessment),
        extra={**achievement.extra, **extra},
        **changes,
    )


def read_badge_class(data: Mapping[str, Any], *, source: str | None = None, path: str = "") -> Achievement:
    """Read an OB2 BadgeClass, edubadges extensions included.

    The ``LearningOutcome`` extension is one free-text block: it is kept as ``outcome_text`` and
    split into single outcomes. Raises :class:`CredentialError` naming the field when the name is
    missing or a value has the wrong type (ECTS "vijf", EQF 9).
    """
    badge = Fields(data, source=source, path=path)
    kinds = types_of(badge.data)
    if kinds and "BadgeClass" not in kinds:
        badge.fail("type", f"expected an Open Badges 2.0 BadgeClass, found type {sorted(kinds)}")
    name = badge.text("name", required=True)
    language_tag = _extension_text(badge, "Language")
    language = norm_lang(language_tag)
    ects = _extension(badge, "ECTS")
    eqf = _extension(badge, "EQF") or _extension(badge, "Niveau")  # the 2019 pilot's name
    outcome_text = _extension_text(badge, "LearningOutcome")
    extra: dict[str, Any] = {}
    hours = None
    if time_investment := _extension(badge, "TimeInvestment"):
        hours = time_investment.number("TimeInvestment")
    elif study_load := _extension(badge, "StudyLoad"):
        hours = study_load.number("StudyLoad")
        extra["studyLoadExtension"] = "StudyLoad"  # MBO's older name, written back as found
    if grading_table := _extension_text(badge, "GradingTable", "GradingTableURL"):
        extra["GradingTableURL"] = grading_table
    program = _extension(badge, "EducationProgramIdentifier")
    if program and not isinstance(program.get("EducationProgramIdentifier"), str):
        extra["EducationProgramIdentifier"] = program.get("EducationProgramIdentifier")  # a number or a list
    if language_tag and language_tag != _language_tag(language):
        extra["Language"] = language_tag  # a regional tag such as nl_BE
    issuer, unit = _read_issuer(badge)
    extra |= unit
    achievement = Achievement(
        id=badge.text("id"),
        format=CredentialFormat.OB2,
        title={language or "und": name},
        description=badge.text("description"),
        issuer=issuer,
        language=language,
        eqf_level=eqf.level("EQF") if eqf else None,
        ects=ects.number("ECTS") if ects else None,
        hours=hours,
        outcomes=outcomes_from_block(outcome_text, language),
        outcome_text=outcome_text,
        program_identifier=_program_identifier(badge),
        alignments=tuple(read_alignment(item) for item in badge.objects("alignment")),
        criteria=id_or_text(badge, "criteria", "narrative"),
        image=id_or_text(badge, "image"),
        tags=badge.strings("tags"),
        extra=extra,
    )
    return _apply_edubadges_keys(achievement, _read_edubadges_keys(badge))


def read_assertion(
    data: Mapping[str, Any],
    *,
    source: str | None = None,
    badge_classes: Mapping[str, Achievement] | None = None,
) -> Credential:
    """Read an OB2 Assertion; its ``badge`` is embedded or a URL found in ``badge_classes``.

    Nothing is ever fetched: a badge URL that ``badge_classes`` does not hold is a
    :class:`CredentialError` naming it. Hosted verification needs the issuer's server, so the
    result is always "unverifiable" with the reason.
    """
    assertion = Fields(data, source=source)
    kinds = types_of(assertion.data)
    if kinds and "Assertion" not in kinds:
        assertion.fail("type", f"expected an Open Badges 2.0 Assertion, found type {sorted(kinds)}")
    badge_value = assertion.get("badge")
    if isinstance(badge_value, str) and badge_value.strip():
        url = badge_value.strip()
        found = badge_classes.get(url) if badge_classes is not None else None
        if found is None:
            assertion.fail("badge", f"this Open Badges 2.0 assertion names its badge class by URL ({url}) and "
                                    "skillmatch never fetches URLs: give the badge class file too, next to the "
                                    "assertion (`skillmatch passport build ASSERTION.json BADGE-CLASS.json`, or a "
                                    "folder of badge classes), or import it into the catalogue first")
        achievement = found
    elif isinstance(badge_value, Mapping):
        achievement = read_badge_class(badge_value, source=source, path="badge")
    else:
        assertion.fail("badge", "required field is missing: the BadgeClass (embedded or its URL)")
    # Expanded edubadges assertions may carry the badge-class keys at the top level too.
    achievement = _apply_edubadges_keys(achievement, _read_edubadges_keys(assertion))
    grade = assertion.text("gradeAchieved")
    if grade:
        achievement = replace(achievement, assessment=replace(achievement.assessment, grade=grade))
    recipient = assertion.obj("recipient")
    return Credential(
        id=assertion.text("id"),
        format=CredentialFormat.OB2,
        achievement=achievement,
        learner=recipient.text("identity") if recipient else None,
        issued_on=assertion.date("issuedOn"),
        expires=assertion.date("expires"),
        issuer=achievement.issuer,
        verification=_verification(assertion),
        recipient=Recipient(recipient.text("identity") or "", recipient.flag("hashed") is True,
                            recipient.text("salt") or "") if recipient and recipient.text("identity") else None,
    )


def _verification(assertion: Fields) -> Verification:
    """Why an assertion stays unverified: hosted verification needs the issuer's server, a
    Blockcerts or Chainpoint Merkle proof a blockchain, and OB 2.0 signatures are not checked."""
    # Before 2.0 the key was ``verify``; Blockcerts v2 lists its types (MerkleProofVerification2017).
    verification = assertion.obj("verification") or assertion.obj("verify")
    kinds = {kind.lower() for kind in types_of(verification.data)} if verification else set()
    signature = assertion.obj("signature")
    proof = sorted(types_of(signature.data)) if signature else []
    if any("merkleproof" in kind for kind in kinds) or proof:
        named = ", ".join(proof) or "MerkleProof2017"
        return Verification("unverifiable", "blockcerts" if "blockcerts" in str(assertion.get("@context"))
                            or "MerkleProof2017" in proof else "merkle-proof", None,
                            f"its Merkle proof ({named}) is anchored in a blockchain and cannot be verified offline")
    if "hosted" in kinds:
        return Verification("unverifiable", "hosted", None,
                            "hosted verification needs the issuer's server; skillmatch works offline")
    return Verification("unverifiable", None, None, "Open Badges 2.0 signatures are not checked")


def _language_tag(language: str | None) -> str | None:
    """edubadges' form of a language: "nl" is "nl_NL", "en" is "en_EN"."""
    return language and f"{language}_{language.upper()}"


def _extension_object(name: str, **values: Any) -> dict[str, Any]:
    return {
        "@context": f"{EXTENSIONS_ROOT}/{name}Extension/context.json",
        "type": ["Extension", f"extensions:{name}Extension"],
        **values,
    }


def _write_issuer(issuer: Issuer, unit: str | None) -> str | dict[str, Any] | None:
    if not (issuer.name or issuer.country or issuer.identifier or issuer.url):
        return issuer.id
    data: dict[str, Any] = {"type": "Issuer"}
    for key, value in (("id", issuer.id), ("name", unit or issuer.name), ("url", issuer.url)):
        if value:
            data[key] = value
    if unit and issuer.name:
        data["extensions:InstitutionNameExtension"] = _extension_object("InstitutionName", InstitutionName=issuer.name)
    if issuer.identifier:
        data["extensions:InstitutionIdentifierExtension"] = _extension_object(
            "InstitutionIdentifier", InstitutionIdentifier=issuer.identifier)
    if issuer.country:
        data["extensions:InstitutionCountryExtension"] = _extension_object(
            "InstitutionCountry", InstitutionCountry=issuer.country)
    return data


def write_badge_class(achievement: Achievement, alignments: Sequence[Alignment] = ()) -> dict[str, Any]:
    """The achievement as an OB2 BadgeClass with every edubadges extension it has.

    ``alignments`` (strongest first) are added after the issuer's own, each URI once, and the list
    is cut at 7: edubadges rejects a BadgeClass with 8 or more alignments.
    """
    data: dict[str, Any] = {"@context": CONTEXT, "type": "BadgeClass"}
    if achievement.id:
        data["id"] = achievement.id
    data["name"] = achievement.own_title
    for key, value in (("description", achievement.description), ("image", achievement.image),
                       ("issuer", _write_issuer(achievement.issuer, achievement.extra.get("issuerName")))):
        if value:
            data[key] = value
    if achievement.criteria:
        is_url = achievement.criteria.startswith(("http://", "https://")) and " " not in achievement.criteria
        data["criteria"] = {"id" if is_url else "narrative": achievement.criteria}
    data["alignment"] = [write_alignment(a) for a in merge_alignments(achievement.alignments, alignments)]
    data["tags"] = list(achievement.tags)

    language = achievement.extra.get("Language") or _language_tag(achievement.language)
    study_load = achievement.extra.get("studyLoadExtension", "TimeInvestment")
    extensions = {
        "Language": ("Language", language),
        "ECTS": ("ECTS", achievement.ects),
        "EQF": ("EQF", achievement.eqf_level),
        "LearningOutcome": ("LearningOutcome", outcome_block(achievement.outcomes, achievement.outcome_text)),
        study_load: (study_load, achievement.hours),
        "EducationProgramIdentifier": (
            "EducationProgramIdentifier",
            achievement.extra.get("EducationProgramIdentifier", achievement.program_identifier),
        ),
        "GradingTable": ("GradingTableURL", achievement.extra.get("GradingTableURL")),
    }
    for name, (key, value) in extensions.items():
        if value is not None:
            data[f"extensions:{name}Extension"] = _extension_object(name, **{key: value})

    assessment = achievement.assessment
    keys: dict[str, Any] = {
        "typeBadgeClass": achievement.kind,
        "participation": achievement.participation,
        "assessmentType": assessment.type,
        "assessmentSupervised": assessment.supervised,
        "assessmentIdVerified": assessment.id_verified,
        "gradeAchievedRequired": assessment.grade_required,
        "stackable": achievement.stackable,
        "qualityAssuranceName": achievement.quality_assurance,
        "prerequisites": achievement.prerequisites,
        **{k: achievement.extra.get(k) for k in _EXTRA_KEYS},
    }
    data.update({k: v for k, v in keys.items() if v is not None})
    return data
