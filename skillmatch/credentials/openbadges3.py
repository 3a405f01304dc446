"""Open Badges 3.0: read Achievements and OpenBadgeCredentials, write an Achievement back with ESCO
alignments added.

OB3 has no properties for most micro-credential elements; SURF's edubadges and educredentials
output adds non-standard ones (``ECTS``, ``participationType``, ``assessmentType``,
``identityChecked``, ``supervisionType``, ``timeInvestment``/``SBU``,
``educationProgramIdentifier``) and expresses the EQF level and quality assurance as alignments
with ``targetType`` ``ext:EQF`` and ``ext:QualityAssurance``. This module reads and writes the same,
plus ``learningOutcome`` (the outcome block, as edubadges' OB2 extension), ``stackable``,
``prerequisites`` and ``gradeAchievedRequired`` for elements no OB3 producer has a key for yet.
Without ``learningOutcome``, the outcomes are taken from the description, from an outcomes heading
or the first "De student kan ..."/"The participant can ..." sentence on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from skillmatch.credentials._common import (
    Fields,
    check_level,
    id_or_text,
    merge_alignments,
    norm_lang,
    outcome_block,
    outcomes_from_block,
    parse_supervision,
    read_alignment,
    supervision_label,
    types_of,
    write_alignment,
)
from skillmatch.credentials.model import (
    Achievement,
    Alignment,
    Assessment,
    Credential,
    CredentialFormat,
    Issuer,
    Recipient,
)

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
EQF_URI = "http://data.europa.eu/snb/eqf/"

# Where a description turns to outcomes: a heading ("Leeruitkomsten.", "Learning outcomes:") or the
# first "De student kan"/"The participant can" sentence.
_OUTCOME_HEADING = re.compile(r"(?:^|\n)\s*(?:leeruitkomsten|learning outcomes)\s*[.:]?\s*", re.IGNORECASE)
_OUTCOME_LEAD = re.compile(
    r"(?:^|(?<=[\n.!?]))\s*(?:de|het) (?:student|deelnemer|cursist)\w* (?:kan|kunnen|is in staat)\b"
    r"|(?:^|(?<=[\n.!?]))\s*the (?:student|participant|learner)s? (?:can|will be able to)\b",
    re.IGNORECASE,
)

# Alignments that carry a level or quality assurance rather than a skill (educredentials' usage).
_LEVEL_TYPES = {"ext:EQF": "EQF", "ext:NLQF": "NLQF"}
_QUALITY_TYPE = "ext:QualityAssurance"


def read_profile(profile: Fields) -> Issuer:
    """An OB3 Profile (issuer or achievement creator) as an :class:`Issuer`."""
    address = profile.obj("address")
    identifiers = profile.objects("otherIdentifier")
    return Issuer(
        id=profile.text("id"),
        name=profile.text("name"),
        country=(address.text("addressCountryCode") or address.text("addressCountry")) if address else None,
        identifier=identifiers[0].text("identifier") if identifiers else None,
        url=profile.text("url"),
    )


def issuer_of(data: Fields, key: str) -> Issuer:
    """The Profile at ``key``, given as an object or as its id alone."""
    value = data.get(key)
    if isinstance(value, str):
        return Issuer(id=value.strip() or None)
    profile = data.obj(key)
    return read_profile(profile) if profile else Issuer()


def _outcomes_in(description: str | None) -> str | None:
    """The outcome part of a description: OB3 has no outcome property, so issuers write them there."""
    if not description:
        return None
    heading = _OUTCOME_HEADING.search(description)
    if heading:
        return description[heading.end():].strip() or None
    lead = _OUTCOME_LEAD.search(description)
    return description[lead.start():].strip() if lead else None


def read_achievement(data: Mapping[str, Any], *, source: str | None = None, path: str = "") -> Achievement:
    """Read an OB3 Achievement (standalone or embedded in a credential at ``path``).

    ``creditsAvailable`` and edubadges' ``ECTS`` both give the ECTS credits. Raises
    :class:`CredentialError` naming the field when ``name`` is missing or a value is mistyped.
    """
    item = Fields(data, source=source, path=path)
    kinds = types_of(item.data)
    if kinds and "Achievement" not in kinds:
        item.fail("type", f"expected an Open Badges 3.0 Achievement, found type {sorted(kinds)}")
    name = item.text("name", required=True)
    language = norm_lang(item.text("inLanguage") or item.text("@language"))
    levels: dict[str, int | None] = {"EQF": None, "NLQF": None}
    quality_assurance = None
    alignments: list[Alignment] = []
    for alignment in item.objects("alignment"):
        target_type = alignment.text("targetType")
        if target_type in _LEVEL_TYPES:
            framework = _LEVEL_TYPES[target_type]
            code = alignment.text("targetCode") or (alignment.text("targetUrl") or "").rsplit("/", 1)[-1]
            levels[framework] = check_level(code, framework, alignment, "targetCode")
        elif target_type == _QUALITY_TYPE:
            quality_assurance = alignment.text("targetName") or alignment.text("targetDescription")
        else:
            alignments.append(read_alignment(alignment))
    supervised, id_verified = parse_supervision(item.text("supervisionType"))
    if item.get("identityChecked") is not None:
        id_verified = item.flag("identityChecked")
    outcome_text = item.text("learningOutcome") or _outcomes_in(item.text("description"))
    ects = item.number("ECTS")
    return Achievement(
        id=item.text("id"),
        format=CredentialFormat.OB3,
        title={language or "und": name},
        description=item.text("description"),
        issuer=issuer_of(item, "creator"),
        language=language,
        eqf_level=levels["EQF"],
        nlqf_level=levels["NLQF"],
        ects=ects if ects is not None else item.number("creditsAvailable"),
        hours=item.number("timeInvestment") if item.get("timeInvestment") is not None else item.number("SBU"),
        outcomes=outcomes_from_block(outcome_text, language),
        outcome_text=outcome_text,
        assessment=Assessment(
            type=item.text("assessmentType"),
            supervised=supervised,
            id_verified=id_verified,
            grade_required=item.flag("gradeAchievedRequired"),
        ),
        participation=item.text("participationType"),
        quality_assurance=quality_assurance,
        stackable=item.flag("stackable"),
        prerequisites=item.text("prerequisites"),
        kind=item.text("achievementType"),
        program_identifier=item.text("educationProgramIdentifier"),
        alignments=tuple(alignments),
        criteria=id_or_text(item, "criteria", "narrative"),
        image=id_or_text(item, "image"),
        tags=item.strings("tag"),
    )


def read_credential(data: Mapping[str, Any], *, source: str | None = None, path: str = "") -> Credential:
    """Read an OB3 OpenBadgeCredential (or AchievementCredential, at ``path`` in a learner record)
    without checking its proof.

    The learner is ``credentialSubject.id`` or, failing that, the first hashed identity. Raises
    :class:`CredentialError` when ``credentialSubject.achievement`` is missing or not an object.
    """
    credential = Fields(data, source=source, path=path)
    kinds = types_of(credential.data)
    if not kinds & CREDENTIAL_TYPES:
        credential.fail("type", f"expected an OpenBadgeCredential, found type {sorted(kinds)}")
    subject = credential.obj("credentialSubject", required=True)
    achievement_data = subject.get("achievement")
    if achievement_data is None:
        name = credential.text("name")
        subject.fail("achievement", f"this Open Badges 3.0 credential{f' ({name!r})' if name else ''} names no "
                                    "achievement, so it does not say what was learned and cannot enter a passport; "
                                    "ask the issuer for the credential with its achievement")
    achievement = read_achievement(achievement_data, source=source, path=subject.field("achievement"))
    issuer = issuer_of(credential, "issuer")
    if achievement.issuer == Issuer():
        achievement = replace(achievement, issuer=issuer)
    results = [r.text("value") for r in subject.objects("result") if r.text("value")]
    if results:
        achievement = replace(achievement, assessment=replace(achievement.assessment, grade=results[0]))
    identities = subject.objects("identifier")
    learner = subject.text("id") or (identities[0].text("identityHash") if identities else None)
    if subject.text("id"):
        recipient = Recipient(subject.text("id") or "")
    elif identities and identities[0].text("identityHash"):
        first = identities[0]
        recipient = Recipient(first.text("identityHash") or "", first.flag("hashed") is not False,
                              first.text("salt") or "")
    else:
        recipient = None
    return Credential(
        id=credential.text("id"),
        format=CredentialFormat.OB3,
        achievement=achievement,
        learner=learner,
        issued_on=credential.date("awardedDate") or credential.date("validFrom") or credential.date("issuanceDate"),
        expires=credential.date("validUntil") or credential.date("expirationDate"),
        issuer=issuer,
        recipient=recipient,
    )


def write_profile(issuer: Issuer) -> dict[str, Any]:
    data: dict[str, Any] = {"type": ["Profile"]}
    for key, value in (("id", issuer.id), ("name", issuer.name), ("url", issuer.url)):
        if value:
            data[key] = value
    if issuer.country:
        country_key = "addressCountryCode" if len(issuer.country) == 2 else "addressCountry"
        data["address"] = {"type": ["Address"], country_key: issuer.country}
    if issuer.identifier:
        data["otherIdentifier"] = [
            {"type": "IdentifierEntry", "identifier": issuer.identifier, "identifierType": "identifier"}
        ]
    return data


def _ob3_alignment(alignment: Alignment) -> dict[str, Any]:
    data: dict[str, Any] = {"type": ["Alignment"]}
    if alignment.is_esco:
        data["targetType"] = "ext:ESCOAlignment"
    return data | write_alignment(alignment)


def write_achievement(achievement: Achievement, alignments: Sequence[Alignment] = ()) -> dict[str, Any]:
    """The achievement as an OB3 Achievement, with the edubadges/educredentials extension keys.

    ``alignments`` (strongest first) follow the issuer's own skill alignments, each URI once, at
    most 7 skill alignments in all (edubadges' limit). ESCO ones carry ``targetType``
    ``ext:ESCOAlignment`` and ``targetFramework`` ``ESCO``; the EQF/NLQF level and quality assurance
    follow as ``ext:EQF``/``ext:NLQF``/``ext:QualityAssurance`` alignments.
    """
    data: dict[str, Any] = {"@context": CONTEXT, "type": ["Achievement"]}
    if achievement.id:
        data["id"] = achievement.id
    data["name"] = achievement.own_title
    # OB3 requires a description and criteria; an empty one reads back as absent.
    data["description"] = achievement.description or ""
    criteria = achievement.criteria or ""
    is_url = criteria.startswith(("http://", "https://")) and " " not in criteria
    data["criteria"] = {"id": criteria} if is_url else {"narrative": criteria}
    if achievement.image:
        data["image"] = {"id": achievement.image, "type": "Image"}
    if achievement.issuer != Issuer():
        data["creator"] = write_profile(achievement.issuer)
    assessment = achievement.assessment
    keys = {
        "achievementType": achievement.kind,
        "inLanguage": achievement.language,
        "creditsAvailable": achievement.ects,
        "ECTS": achievement.ects,  # edubadges writes its own key beside the standard one
        "timeInvestment": achievement.hours,
        "educationProgramIdentifier": achievement.program_identifier,
        "learningOutcome": outcome_block(achievement.outcomes, achievement.outcome_text),
        "participationType": achievement.participation,
        "assessmentType": assessment.type,
        "supervisionType": supervision_label(assessment.supervised, assessment.id_verified),
        "identityChecked": assessment.id_verified,
        "gradeAchievedRequired": assessment.grade_required,
        "stackable": achievement.stackable,
        "prerequisites": achievement.prerequisites,
    }
    data.update({k: v for k, v in keys.items() if v is not None})
    if achievement.tags:
        data["tag"] = list(achievement.tags)
    aligned = [_ob3_alignment(a) for a in merge_alignments(achievement.alignments, alignments)]
    for target_type, level in (("ext:EQF", achievement.eqf_level), ("ext:NLQF", achievement.nlqf_level)):
        if level is not None:
            framework = _LEVEL_TYPES[target_type]
            entry = {"type": ["Alignment"], "targetType": target_type, "targetName": f"{framework} level {level}",
                     "targetCode": str(level)}
            if framework == "EQF":
                entry["targetUrl"] = f"{EQF_URI}{level}"
            aligned.append(entry)
    if achievement.quality_assurance:
        quality = achievement.quality_assurance
        aligned.append({"type": ["Alignment"], "targetType": _QUALITY_TYPE, "targetName": quality})
    data["alignment"] = aligned
    return data
