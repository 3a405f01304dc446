"""European Learning Model (ELM 3) and European Digital Credentials (EDC) in JSON-LD.

Read as plain JSON, normalised here, rather than through rdflib's JSON-LD processor: the ELM and
VC contexts are remote documents that cannot be fetched offline (skillmatch never fetches), and
without them expansion drops every ELM term. The compacted JSON that EDC tools write is stable key
by key; what varies between producers is normalised: one value or a list, language maps
(``{"en": ...}``) or ``{"@language", "@value"}`` objects, a concept as an object or a bare URI, and
``relatedESCOSkill`` spelt ``relatedESCOSkills``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from skillmatch.credentials._common import (
    LANG_TO_EU,
    Fields,
    as_list,
    check_level,
    first_text,
    kind_of,
    merge_alignments,
    norm_lang,
    parse_supervision,
    types_of,
)
from skillmatch.credentials.model import (
    Achievement,
    Alignment,
    Assessment,
    Credential,
    CredentialFormat,
    Issuer,
    LearningOutcome,
    Recipient,
)
from skillmatch.errors import CredentialError
from skillmatch.taxonomy.model import ESCO_BASE

CREDENTIAL_TYPES = {"EuropeanDigitalCredential", "EuropassCredential"}
SPECIFICATION_TYPES = {"LearningAchievementSpecification", "Qualification"}
EQF_URI = "http://data.europa.eu/snb/eqf/"
ECTS_URI = "http://data.europa.eu/snb/education-credit/6fcec5c5af"  # the EU vocabulary's ECTS concept
LANGUAGE_URI = "http://publications.europa.eu/resource/authority/language/"
COUNTRY_URI = "http://publications.europa.eu/resource/authority/country/"

_DURATION = re.compile(
    r"P(?!$)(?:(?P<Y>\d+(?:[.,]\d+)?)Y)?(?:(?P<MO>\d+(?:[.,]\d+)?)M)?(?:(?P<W>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<D>\d+(?:[.,]\d+)?)D)?(?:T(?=\d)(?:(?P<H>\d+(?:[.,]\d+)?)H)?(?:(?P<MI>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<S>\d+(?:[.,]\d+)?)S)?)?"
)
_HOURS_PER_UNIT = {"W": 168.0, "D": 24.0, "H": 1.0, "MI": 1 / 60, "S": 1 / 3600}


def _items(where: Fields, key: str) -> Iterator[tuple[str, Any]]:
    """(JSON path, value) of each value at ``key``, one or many."""
    value = where.get(key)
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield f"{where.field(key)}[{i}]", item
    elif value is not None:
        yield where.field(key), value


def lang_map(where: Fields, key: str) -> dict[str, str]:
    """A multilingual text as {lang: text}; a text without a language is keyed "und"."""
    result: dict[str, str] = {}
    for _path, item in _items(where, key):
        if isinstance(item, str):
            pairs: list[tuple[Any, Any]] = [(None, item)]
        elif isinstance(item, Mapping) and "@value" in item:
            pairs = [(item.get("@language"), item["@value"])]
        elif isinstance(item, Mapping):
            # ELM allows several texts per language; the first is the one shown.
            pairs = [(lang, as_list(text)[0] if as_list(text) else None) for lang, text in item.items()]
        else:
            where.fail(key, f"expected a multilingual text, found {kind_of(item)}")
        for lang, text in pairs:
            if not isinstance(text, str):
                where.fail(key, f"expected text{f' for language {lang!r}' if lang else ''}, found {kind_of(text)}")
            if text.strip():
                result.setdefault(norm_lang(lang) or "und", text.strip())
    return result


def _concepts(where: Fields, key: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """(JSON path, URI, label, notation) of each concept at ``key``; a concept may be a bare URI."""
    concepts = []
    for path, item in _items(where, key):
        if isinstance(item, str):
            concepts.append((path, item.strip() or None, None, None))
            continue
        concept = Fields(item, source=where.source, path=path)
        label = first_text(lang_map(concept, "prefLabel"), "en", "nl")
        concepts.append((path, concept.text("id"), label, concept.text("notation")))
    return concepts


def _tail(uri: str | None) -> str | None:
    return uri.rstrip("/").rsplit("/", 1)[-1] if uri else None


def _concept_text(where: Fields, key: str) -> str | None:
    """A concept in words: its label, else its notation, else the last segment of its URI."""
    for _path, uri, label, notation in _concepts(where, key):
        return label or notation or _tail(uri)
    return None


def _concept_code(where: Fields, key: str) -> str | None:
    """A coded concept (language, country): its notation, else its URI's last segment, else its label."""
    for _path, uri, label, notation in _concepts(where, key):
        return notation or _tail(uri) or label
    return None


def _notation(where: Fields, *keys: str) -> str | None:
    """The first identifier's notation (an Identifier object or a bare string) under ``keys``."""
    for key in keys:
        for path, value in _items(where, key):
            if isinstance(value, str):
                found = value.strip()
            else:
                found = Fields(value, source=where.source, path=path).text("notation")
            if found:
                return found
    return None


def _note(where: Fields, key: str, *preferred: str) -> str | None:
    """An ELM Note ({"noteLiteral": {...}}) or a bare multilingual text."""
    value = where.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping) and "noteLiteral" in value:
        return first_text(lang_map(Fields(value, source=where.source, path=where.field(key)), "noteLiteral"),
                          *preferred, "en", "nl")
    return first_text(lang_map(where, key), *preferred, "en", "nl")


def _level(where: Fields, key: str, framework: str) -> int | None:
    """A level given as a number or as a concept whose notation or URI ends in it (``.../eqf/6``)."""
    value = where.get(key)
    if value is None or isinstance(value, (int, float)):
        return check_level(value, framework, where, key)
    for _path, uri, _label, notation in _concepts(where, key):
        digits = re.search(r"(\d+)\s*$", notation or uri or "")
        if digits is None and framework != "EQF":
            return None  # national frameworks may name levels by opaque concept URIs
        return check_level(digits.group(1) if digits else notation or uri, framework, where, key)
    return None


def _hours(where: Fields, key: str) -> float | None:
    """Hours from an ISO 8601 duration; years and months are calendar spans, not a workload."""
    value = where.get(key)
    if value is None:
        return None
    match = _DURATION.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        where.fail(key, f"expected an ISO 8601 duration such as PT60H, found {kind_of(value)}")
    parts = {unit: float(amount.replace(",", ".")) for unit, amount in match.groupdict().items() if amount}
    if "Y" in parts or "MO" in parts:
        return None
    return sum(_HOURS_PER_UNIT[unit] * amount for unit, amount in parts.items())


def _ects(where: Fields) -> float | None:
    """The points of the first ECTS credit (a credit without a framework counts as ECTS)."""
    for credit in where.objects("creditPoint"):
        framework = " ".join(str(part) for concept in _concepts(credit, "framework") for part in concept[1:] if part)
        if not framework or any(sign in framework.lower() for sign in (ECTS_URI, "ects", "european credit transfer")):
            return credit.number("point")
    return None


def read_organisation(where: Fields, key: str) -> Issuer:
    """An ELM Organisation (or a bare URI naming one) as an :class:`Issuer`."""
    value = where.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return Issuer(id=value.strip() or None)
    org = where.obj(key)
    if org is None:
        return Issuer()
    country = None
    for location in org.objects("location"):
        for address in location.objects("address"):
            country = country or _concept_code(address, "countryCode")
    homepages = org.objects("homepage")
    return Issuer(
        id=org.text("id"),
        name=first_text(lang_map(org, "legalName") or lang_map(org, "prefLabel"), "en", "nl"),
        country=country,
        identifier=_notation(org, "registration", "identifier", "eIDASIdentifier"),
        url=homepages[0].text("contentURL") if homepages else None,
    )


def _read_outcome(outcome: Fields, lang: str | None) -> LearningOutcome:
    translations = lang_map(outcome, "title")
    if not translations:
        outcome.fail("title", "required field is missing: the learning outcome's text")
    text_lang = next((code for code in (lang, "en", "nl") if code in translations), next(iter(translations)))
    key = "relatedESCOSkill" if outcome.get("relatedESCOSkill") is not None else "relatedESCOSkills"
    alignments = []
    for path, uri, label, notation in _concepts(outcome, key):
        if not uri or not uri.startswith(ESCO_BASE):
            raise CredentialError(f"a related ESCO skill must be an ESCO URI ({ESCO_BASE}...), found {uri!r}",
                                  source=outcome.source, field=path)
        alignments.append(Alignment(uri, label or uri, "ESCO", notation))
    return LearningOutcome(
        translations[text_lang], None if text_lang == "und" else text_lang, translations, tuple(alignments)
    )


def _read_specification(spec: Fields, title: dict[str, str] | None = None) -> Achievement:
    title = lang_map(spec, "title") or title
    if not title:
        spec.fail("title", "required field is missing: the title of the achievement")
    language = norm_lang(_concept_code(spec, "language"))
    outcomes = tuple(_read_outcome(o, language) for o in spec.objects("learningOutcome"))
    assessment_spec = spec.obj("provenBy")
    quality = spec.obj("accreditation")
    awarding = spec.obj("awardingOpportunity")
    return Achievement(
        id=spec.text("id"),
        format=CredentialFormat.ELM,
        title=title,
        description=first_text(lang_map(spec, "description"), language or "en", "en", "nl"),
        issuer=read_organisation(awarding, "awardingBody") if awarding else Issuer(),
        language=language,
        eqf_level=_level(spec, "eqfLevel", "EQF"),
        nlqf_level=_level(spec, "nqfLevel", "NLQF"),
        ects=_ects(spec),
        hours=_hours(spec, "volumeOfLearning"),
        outcomes=outcomes,
        assessment=Assessment(
            type=(_concept_text(assessment_spec, "dcType") or first_text(lang_map(assessment_spec, "title"), "en"))
            if assessment_spec else None
        ),
        participation=_concept_text(spec, "mode"),
        quality_assurance=first_text(lang_map(quality, "title"), "en", "nl") if quality else None,
        prerequisites=_note(spec, "entryRequirement", language or "en"),
        kind=_concept_text(spec, "dcType"),
        program_identifier=_notation(spec, "identifier"),
    )


def read_specification(data: Mapping[str, Any], *, source: str | None = None) -> Achievement:
    """Read an ELM LearningAchievementSpecification or Qualification.

    Raises :class:`CredentialError` naming the field for a missing title (of the specification or
    of a learning outcome), an EQF level outside 1-8, a credit point that is not a number, a
    duration that is not ISO 8601, or a related ESCO skill that is not an ESCO URI.
    """
    spec = Fields(data, source=source)
    kinds = types_of(spec.data)
    if kinds and not kinds & SPECIFICATION_TYPES:
        spec.fail("type", f"expected an ELM learning-achievement specification, found type {sorted(kinds)}")
    return _read_specification(spec)


def _learner(subject: Fields) -> str | None:
    full_name = first_text(lang_map(subject, "fullName"), "en")
    given = first_text(lang_map(subject, "givenName"), "en")
    family = first_text(lang_map(subject, "familyName"), "en")
    return subject.text("id") or full_name or " ".join(filter(None, (given, family))) or None


def read_credential(data: Mapping[str, Any], *, source: str | None = None) -> Credential:
    """Read an ELM European Digital Credential: its first LearningAchievement claim and the
    specification it refers to, the awarding body and date, the learner and the assessment
    (grade, identity verification). The proof is not checked here."""
    credential = Fields(data, source=source)
    kinds = types_of(credential.data)
    if not kinds & CREDENTIAL_TYPES:
        credential.fail("type", f"expected a European Digital Credential, found type {sorted(kinds)}")
    subject = credential.obj("credentialSubject", required=True)
    claims = subject.objects("hasClaim")
    claim = next((c for c in claims if "LearningAchievement" in types_of(c.data)), claims[0] if claims else None)
    if claim is None:
        subject.fail("hasClaim", "required field is missing: the LearningAchievement this credential awards")
    # Some producers put the specification's fields on the claim itself.
    spec = claim.obj("specifiedBy") or claim
    achievement = _read_specification(spec, lang_map(claim, "title"))
    awarded = claim.obj("awardedBy")
    issuer = read_organisation(credential, "issuer")
    if achievement.issuer == Issuer():
        body = read_organisation(awarded, "awardingBody") if awarded else Issuer()
        achievement = replace(achievement, issuer=body if body != Issuer() else issuer)
    assessed = claim.obj("provenBy")
    if assessed:
        supervised, id_verified = parse_supervision(_concept_text(assessed, "idVerification"))
        assessment_spec = assessed.obj("specifiedBy")
        achievement = replace(achievement, assessment=replace(
            achievement.assessment,
            type=achievement.assessment.type or _concept_text(assessed, "dcType")
            or (_concept_text(assessment_spec, "dcType") if assessment_spec else None),
            supervised=supervised,
            id_verified=id_verified,
            grade=_note(assessed, "grade"),
        ))
    return Credential(
        id=credential.text("id"),
        format=CredentialFormat.ELM,
        achievement=achievement,
        learner=_learner(subject),
        issued_on=(awarded.date("awardingDate") if awarded else None) or credential.date("validFrom")
        or credential.date("issuanceDate") or credential.date("issued"),
        expires=credential.date("validUntil") or credential.date("expirationDate"),
        issuer=issuer,
        recipient=Recipient(subject.text("id") or "") if subject.text("id") else None,
    )


def _concept(label: str, uri: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": uri} if uri else {}
    return data | {"type": "Concept", "prefLabel": {"en": label}}


def write_organisation(issuer: Issuer) -> dict[str, Any]:
    data: dict[str, Any] = {"id": issuer.id} if issuer.id else {}
    data["type"] = "Organisation"
    if issuer.name:
        data["legalName"] = {"en": issuer.name}
    if issuer.country:
        country = {"id": f"{COUNTRY_URI}{issuer.country}", "type": "Concept"}
        data["location"] = [{"type": "Location", "address": [{"type": "Address", "countryCode": country}]}]
    if issuer.identifier:
        data["identifier"] = [{"type": "Identifier", "notation": issuer.identifier}]
    if issuer.url:
        data["homepage"] = [{"type": "WebResource", "contentURL": issuer.url}]
    return data


def _write_outcome(achievement: Achievement, index: int, outcome: LearningOutcome,
                   added: Sequence[Alignment]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": f"{achievement.id}#outcome-{index + 1}"} if achievement.id else {}
    data["type"] = "LearningOutcome"
    data["title"] = dict(outcome.translations) or {outcome.lang or "und": outcome.text}
    skills = merge_alignments(outcome.alignments, added, limit=None)
    if skills:
        data["relatedESCOSkill"] = [
            {"id": a.uri, "type": "Concept"} | ({"prefLabel": {"en": a.name}} if a.name != a.uri else {})
            | ({"notation": a.code} if a.code else {})
            for a in skills
        ]
    return data


def write_achievement(
    achievement: Achievement,
    alignments_per_outcome: Mapping[int, Sequence[Alignment]] | None = None,
    alignments: Sequence[Alignment] = (),
) -> dict[str, Any]:
    """The achievement as an ELM specification whose learning outcomes carry ``relatedESCOSkill``.

    ``alignments_per_outcome`` maps an outcome's index in ``achievement.outcomes`` to ESCO skills
    to add after the issuer's own (strongest first, each URI once; ELM sets no limit).
    ``alignments`` are skills of the achievement as a whole (after the issuer's badge-level ones,
    ``achievement.alignments``): ELM links skills only to outcomes, so each ESCO skill not yet
    linked becomes an outcome of its own, titled with the skill's name. The type is
    ``Qualification`` when a level or quality assurance is stated (only a Qualification carries
    them in ELM 3), else ``LearningAchievementSpecification``. Supervision and grades belong to an
    award (ELM's LearningAssessment), so a specification does not carry them.
    """
    added = alignments_per_outcome or {}
    outcomes = [
        _write_outcome(achievement, i, outcome, added.get(i, ())) for i, outcome in enumerate(achievement.outcomes)
    ]
    linked = {skill["id"] for outcome in outcomes for skill in outcome.get("relatedESCOSkill", ())}
    for skill in merge_alignments(achievement.alignments, alignments, limit=None):
        if skill.is_esco and skill.uri not in linked:
            outcome = LearningOutcome(skill.name, "en", {"en": skill.name}, (skill,))
            outcomes.append(_write_outcome(achievement, len(outcomes), outcome, ()))
    spec_type = (
        "Qualification"
        if achievement.eqf_level or achievement.nlqf_level or achievement.quality_assurance
        else "LearningAchievementSpecification"
    )
    data: dict[str, Any] = {"id": achievement.id} if achievement.id else {}
    data |= {"type": spec_type, "title": dict(achievement.title)}
    lang = achievement.language or "en"
    if achievement.description:
        data["description"] = {lang: achievement.description}
    if outcomes:
        data["learningOutcome"] = outcomes
    if achievement.eqf_level:
        data["eqfLevel"] = _concept(f"EQF level {achievement.eqf_level}", f"{EQF_URI}{achievement.eqf_level}")
    if achievement.nlqf_level:
        data["nqfLevel"] = [{"type": "Concept", "notation": str(achievement.nlqf_level)}]
    if achievement.ects is not None:
        credit = {"type": "CreditPoint", "framework": _concept("ECTS", ECTS_URI), "point": f"{achievement.ects:g}"}
        data["creditPoint"] = [credit]
    if achievement.hours is not None:
        data["volumeOfLearning"] = f"PT{achievement.hours:g}H"
    if achievement.language:
        code = LANG_TO_EU.get(achievement.language, achievement.language.upper())
        data["language"] = [{"id": f"{LANGUAGE_URI}{code}", "type": "Concept"}]
    if achievement.participation:
        data["mode"] = [_concept(achievement.participation)]
    if achievement.prerequisites:
        data["entryRequirement"] = {"type": "Note", "noteLiteral": {lang: achievement.prerequisites}}
    if achievement.assessment.type:
        data["provenBy"] = [{"type": "LearningAssessmentSpecification", "title": {"en": "Assessment"},
                             "dcType": _concept(achievement.assessment.type)}]
    if achievement.quality_assurance:
        data["accreditation"] = [{"type": "Accreditation", "title": {"en": achievement.quality_assurance}}]
    if achievement.kind:
        data["dcType"] = [_concept(achievement.kind)]
    if achievement.program_identifier:
        data["identifier"] = [{"type": "Identifier", "notation": achievement.program_identifier}]
    if achievement.issuer != Issuer():
        data["awardingOpportunity"] = [
            {"type": "AwardingOpportunity", "awardingBody": [write_organisation(achievement.issuer)]}
        ]
    return data
