"""Reading and writing credentials: Open Badges 2.0 (edubadges), Open Badges 3.0 and ELM, format
detection, round trips, ESCO write-back and every kind of unreadable input."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from skillmatch.credentials import (
    Achievement,
    Alignment,
    Assessment,
    Credential,
    CredentialFormat,
    Issuer,
    elm,
    openbadges2,
    openbadges3,
    read_credential,
    read_file,
)
from skillmatch.errors import CredentialError

ESCO = "http://data.europa.eu/esco/skill/"
DIGITAL_CONTENT = f"{ESCO}5fd5c985-eaaa-47aa-8314-62359c54505a"
VISUAL_DATA = f"{ESCO}c3e36d05-8ae8-447f-bb2b-6f9409f85389"
DATA_ANALYSIS = f"{ESCO}2b92a5b2-6758-4ee3-9fb4-b6387a55cc8f"
ENERGY_USE = f"{ESCO}29bfe2cd-f011-4f94-a3aa-f77768e60460"
ENERGY_AUDIT = f"{ESCO}0ad6d5e8-593f-4191-843c-439b23a468ca"


def ext(name: str, **values: Any) -> dict[str, Any]:
    return {
        "@context": f"https://api.edubadges.nl/extensions/{name}Extension/context.json",
        "type": ["Extension", f"extensions:{name}Extension"],
        **values,
    }


def edubadges_badge_class() -> dict[str, Any]:
    """An edubadges BadgeClass with every extension and the expanded micro-credential keys."""
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "BadgeClass",
        "id": "https://api.edubadges.example/public/badges/bc-visual",
        "name": "Data visualiseren met Python",
        "description": "Microcredential voor wie data inzichtelijk wil maken.",
        "image": "https://api.edubadges.example/public/badges/bc-visual/image",
        "criteria": {"narrative": "Eindopdracht: een dashboard met toelichting."},
        "issuer": {
            "type": "Issuer",
            "id": "https://api.edubadges.example/public/issuers/ict",
            "name": "Instituut voor ICT",
            "url": "https://www.hsdeltastad.example",
            "extensions:InstitutionIdentifierExtension": ext("InstitutionIdentifier", InstitutionIdentifier="99DS"),
            "extensions:InstitutionNameExtension": ext("InstitutionName", InstitutionName="Hogeschool Deltastad"),
            "extensions:InstitutionCountryExtension": ext("InstitutionCountry", InstitutionCountry="NL"),
        },
        "alignment": [
            {"targetName": "develop digital content", "targetUrl": DIGITAL_CONTENT, "targetFramework": "ESCO",
             "targetCode": "5fd5c985-eaaa-47aa-8314-62359c54505a"},
            {"targetName": "deliver visual presentation of data", "targetUrl": VISUAL_DATA, "targetFramework": "ESCO"},
            {"targetName": "HBO-i domein Data", "targetUrl": "https://hbo-i.example/domeinen/data",
             "targetFramework": "HBO-i"},
        ],
        "tags": ["data", "Python"],
        "extensions:LanguageExtension": ext("Language", Language="nl_NL"),
        "extensions:ECTSExtension": ext("ECTS", ECTS=2.5),
        "extensions:EQFExtension": ext("EQF", EQF=5),
        "extensions:TimeInvestmentExtension": ext("TimeInvestment", TimeInvestment=70),
        "extensions:LearningOutcomeExtension": ext(
            "LearningOutcome",
            LearningOutcome="De student kan:\n- data inlezen en opschonen met pandas;\n"
            "- grafieken kiezen die passen bij de vraag;\n- een dashboard bouwen en toelichten.",
        ),
        "extensions:EducationProgramIdentifierExtension": ext("EducationProgramIdentifier",
                                                              EducationProgramIdentifier=[34191]),
        "extensions:GradingTableExtension": ext("GradingTable", GradingTableURL="https://www.hsdeltastad.example/cijfers"),
        "typeBadgeClass": "micro_credential",
        "stackable": True,
        "participation": "blended",
        "assessmentType": "portfolio",
        "assessmentSupervised": True,
        "assessmentIdVerified": False,
        "gradeAchievedRequired": True,
        "eqfNlqfLevelVerified": True,
        "qualityAssuranceName": "NVAO-accreditatie",
        "qualityAssuranceUrl": "https://www.nvao.example/besluiten/1",
        "prerequisites": "Basiskennis Python.",
    }


def edubadges_assertion(badge: dict[str, Any] | str | None = None) -> dict[str, Any]:
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://api.edubadges.example/public/assertions/a1",
        "recipient": {"type": "email", "hashed": True, "salt": "ff56", "identity": "sha256$0562a82dff6a"},
        "badge": edubadges_badge_class() if badge is None else badge,
        "issuedOn": "2025-02-07T09:12:44.870015+01:00",
        "verification": {"type": "hosted"},
        "gradeAchieved": "8,1",
    }


def ob3_credential() -> dict[str, Any]:
    """An OpenBadgeCredential as edubadges/educredentials write them (non-standard keys included)."""
    creator = {
        "id": "did:web:fhr.example",
        "type": ["Profile"],
        "name": "Fachhochschule Rheinaue",
        "url": "https://www.fh-rheinaue.example",
        "address": {"type": ["Address"], "addressCountry": "Germany", "addressCountryCode": "DE"},
        "otherIdentifier": [{"type": "IdentifierEntry", "identifier": "FHR-01", "identifierType": "identifier"}],
    }
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:5d0e2a8c-0b6e-4d55-9f6c-3c9f2b6b9a11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": creator,
        "validFrom": "2025-12-12T13:00:00Z",
        "validUntil": "2030-12-12T13:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "hashed": True, "identityHash": "sha256$99fc6a6c",
                            "identityType": "emailAddress", "salt": "s@lt"}],
            "achievement": {
                "id": "https://fhr.example/achievements/smart-grid",
                "type": ["Achievement"],
                "name": "Smart grid monitoring",
                "description": "Online microcredential on monitoring low-voltage grids.\n\nLearning outcomes: the "
                "participant can explain the architecture of a smart grid. The participant can analyse grid and "
                "load data to detect congestion.",
                "criteria": {"narrative": "Case study and online exam."},
                "image": {"id": "https://fhr.example/achievements/smart-grid/image", "type": "Image"},
                "achievementType": "MicroCredential",
                "creditsAvailable": 5,
                "ECTS": 5.0,
                "inLanguage": "en-GB",
                "participationType": "online",
                "assessmentType": "testing",
                "supervisionType": "supervised online",
                "identityChecked": True,
                "timeInvestment": 140,
                "educationProgramIdentifier": 80053,
                "alignment": [
                    {"type": ["Alignment"], "targetType": "ext:ESCOAlignment",
                     "targetName": "analyse energy consumption", "targetUrl": ENERGY_USE,
                     "targetCode": "29bfe2cd-f011-4f94-a3aa-f77768e60460"},
                    {"type": ["Alignment"], "targetType": "ext:EQF", "targetName": "EQF level 6", "targetCode": "6",
                     "targetUrl": "https://content.example.com/description-eqf-levels"},
                    {"type": ["Alignment"], "targetType": "ext:QualityAssurance", "targetName": "Akkreditierungsrat",
                     "targetUrl": "https://akkreditierungsrat.example/fhr"},
                ],
                "tag": ["energy", "grids"],
                "creator": creator,
            },
            "result": [{"type": ["Result"], "resultDescription": "urn:uuid:r1", "value": "7.8"}],
        },
    }


def elm_credential() -> dict[str, Any]:
    """A European Digital Credential; the outcomes use the forms producers write in the wild."""
    body = {
        "id": "did:example:scheldevallei",
        "type": "Organisation",
        "legalName": {"nl": "Hogeschool Scheldevallei", "en": "Scheldevallei University of Applied Sciences"},
        "registration": {"type": "LegalIdentifier", "notation": "0999.876.543"},
        "location": [{"type": "Location", "address": [{"type": "Address", "countryCode": {
            "id": "http://publications.europa.eu/resource/authority/country/BEL", "type": "Concept",
            "notation": "BEL", "prefLabel": {"en": "Belgium"}}}]}],
        "homepage": [{"type": "WebResource", "contentURL": "https://www.scheldevallei.example"}],
    }
    spec = {
        "id": "urn:epass:qualification:energy-audit",
        "type": "Qualification",
        "title": {"en": "Energy auditing", "nl": "Energie-audits"},
        "description": {"en": "Auditing the energy use of companies.",
                        "nl": "Het energiegebruik van bedrijven auditen."},
        "language": [{"id": "http://publications.europa.eu/resource/authority/language/ENG", "type": "Concept",
                      "prefLabel": {"en": "English"}}],
        "eqfLevel": {"id": "http://data.europa.eu/snb/eqf/6", "type": "Concept", "prefLabel": {"en": "Level 6"}},
        "nqfLevel": [{"type": "Concept", "notation": "6"}],
        "creditPoint": [{"type": "CreditPoint", "framework": "http://data.europa.eu/snb/education-credit/6fcec5c5af",
                         "point": "2,5"}],
        "volumeOfLearning": "PT60H",
        "mode": [{"type": "Concept", "prefLabel": {"en": "Blended"}}],
        "entryRequirement": {"type": "Note", "noteLiteral": {"en": "A bachelor's degree in engineering."}},
        "provenBy": [{"type": "LearningAssessmentSpecification", "title": {"en": "Exam"},
                      "dcType": {"type": "Concept", "prefLabel": {"en": "written exam"}}}],
        "accreditation": [{"type": "Accreditation", "title": {"en": "NVAO accreditation"}}],
        "learningOutcome": [
            {"type": "LearningOutcome",
             "title": {"en": "Carry out an energy audit of a company",
                       "nl": "Een energie-audit van een bedrijf uitvoeren"},
             "relatedESCOSkill": [
                 {"id": ENERGY_AUDIT, "type": "Concept", "prefLabel": {"en": "conduct energy audit"}},
                 {"id": ENERGY_USE, "type": "Concept", "prefLabel": {"en": "analyse energy consumption"}},
             ]},
            {"type": "LearningOutcome",
             "title": [{"@language": "en", "@value": "Analyse metered consumption data"},
                       {"@language": "nl", "@value": "Gemeten verbruiksdata analyseren"}],
             "relatedESCOSkill": {"id": DATA_ANALYSIS, "type": "Concept",
                                  "prefLabel": {"en": "perform data analysis"}}},
            {"type": "LearningOutcome", "title": {"en": "Present findings to clients"},
             "relatedESCOSkills": [VISUAL_DATA]},
        ],
    }
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"],
        "id": "urn:credential:5c5c36ee",
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "issuer": body,
        "issuanceDate": "2025-04-25T10:30:00+02:00",
        "validFrom": "2025-04-25T10:30:00+02:00",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": "Person",
            "fullName": {"nl": "Daan Verhoeven"},
            "hasClaim": [{
                "id": "urn:epass:learningAchievement:1",
                "type": "LearningAchievement",
                "title": {"en": "Energy auditing"},
                "awardedBy": {"type": "AwardingProcess", "awardingBody": [body],
                              "awardingDate": "2025-04-18T00:00:00+02:00"},
                "specifiedBy": spec,
                "provenBy": [{"type": "LearningAssessment", "title": {"en": "Exam"},
                              "grade": {"type": "Note", "noteLiteral": {"en": "8"}},
                              "idVerification": {"type": "Concept",
                                                 "prefLabel": {"en": "onsite with identity verification"}}}],
            }],
        },
    }


def esco(n: int) -> Alignment:
    return Alignment(f"{ESCO}00000000-0000-0000-0000-{n:012d}", f"skill {n}")


# -- Open Badges 2.0 ----------------------------------------------------------------------------


def test_ob2_badge_class_reads_every_edubadges_field() -> None:
    badge = openbadges2.read_badge_class(edubadges_badge_class(), source="bc.json")
    assert badge.format is CredentialFormat.OB2
    assert badge.title == {"nl": "Data visualiseren met Python"} and badge.name == "Data visualiseren met Python"
    assert badge.language == "nl"
    assert (badge.ects, badge.eqf_level, badge.hours, badge.nlqf_level) == (2.5, 5, 70.0, None)
    assert badge.issuer == Issuer("https://api.edubadges.example/public/issuers/ict", "Hogeschool Deltastad", "NL",
                                  "99DS", "https://www.hsdeltastad.example")
    assert [o.text for o in badge.outcomes] == [
        "data inlezen en opschonen met pandas",
        "grafieken kiezen die passen bij de vraag",
        "een dashboard bouwen en toelichten",
    ]
    assert all(o.lang == "nl" and o.translations == {"nl": o.text} for o in badge.outcomes)
    assert badge.outcome_text.startswith("De student kan:")
    assert [a.uri for a in badge.alignments] == [DIGITAL_CONTENT, VISUAL_DATA, "https://hbo-i.example/domeinen/data"]
    assert [a.is_esco for a in badge.alignments] == [True, True, False]
    assert badge.alignments[0].code == "5fd5c985-eaaa-47aa-8314-62359c54505a"
    assert badge.assessment.type == "portfolio"
    assert (badge.assessment.supervised, badge.assessment.id_verified, badge.assessment.grade_required) == (
        True, False, True)
    assert (badge.kind, badge.participation, badge.stackable) == ("micro_credential", "blended", True)
    assert badge.quality_assurance == "NVAO-accreditatie"
    assert badge.prerequisites == "Basiskennis Python."
    assert badge.program_identifier == "34191"
    assert badge.criteria == "Eindopdracht: een dashboard met toelichting."
    assert badge.tags == ("data", "Python")
    assert badge.extra["issuerName"] == "Instituut voor ICT"
    assert badge.extra["GradingTableURL"] == "https://www.hsdeltastad.example/cijfers"


def test_ob2_workload_hours_are_never_invented() -> None:
    data = edubadges_badge_class()
    del data["extensions:TimeInvestmentExtension"]
    badge = openbadges2.read_badge_class(data)
    assert badge.hours is None
    assert badge.workload_hours == 2.5 * 28


def test_ob2_assertion_with_embedded_badge() -> None:
    credential = read_credential(edubadges_assertion())
    assert isinstance(credential, Credential) and credential.format is CredentialFormat.OB2
    assert credential.learner == "sha256$0562a82dff6a"
    assert credential.issued_on == datetime(2025, 2, 7, 8, 12, 44, 870015, tzinfo=UTC)
    assert credential.achievement.assessment.grade == "8,1"
    assert credential.issuer.name == "Hogeschool Deltastad"
    assert credential.verification.status == "unverifiable" and credential.verification.method == "hosted"
    assert "offline" in credential.verification.reason


def test_ob2_assertion_resolves_a_badge_url_only_from_given_badge_classes() -> None:
    badge = openbadges2.read_badge_class(edubadges_badge_class())
    url = "https://api.edubadges.example/public/badges/bc-visual"
    credential = read_credential(edubadges_assertion(url), badge_classes={url: badge})
    assert credential.achievement == replace(badge, assessment=replace(badge.assessment, grade="8,1"))
    with pytest.raises(CredentialError) as caught:
        read_credential(edubadges_assertion(url), source="wallet/a1.json")
    assert caught.value.field == "badge" and url in str(caught.value) and caught.value.source == "wallet/a1.json"


def test_ob2_expanded_keys_on_the_assertion_complete_a_linked_badge() -> None:
    url = "https://api.edubadges.example/public/badges/plain"
    plain = openbadges2.read_badge_class({"type": "BadgeClass", "id": url, "name": "Plain"})
    data = edubadges_assertion(url) | {"participation": "online", "assessmentType": "exam", "stackable": "false"}
    credential = read_credential(data, badge_classes={url: plain})
    achievement = credential.achievement
    assert (achievement.participation, achievement.assessment.type, achievement.stackable) == ("online", "exam", False)


def test_ob2_round_trip_keeps_every_edubadges_extension() -> None:
    original = edubadges_badge_class()
    badge = openbadges2.read_badge_class(original)
    written = openbadges2.write_badge_class(badge)
    assert openbadges2.read_badge_class(written) == badge
    assert read_credential(json.dumps(written)) == badge
    for key in original:
        assert key in written, key
    assert written["issuer"]["name"] == "Instituut voor ICT"
    assert written["issuer"]["extensions:InstitutionNameExtension"]["InstitutionName"] == "Hogeschool Deltastad"
    assert written["extensions:LanguageExtension"]["Language"] == "nl_NL"
    assert written["extensions:LearningOutcomeExtension"]["LearningOutcome"] == badge.outcome_text
    assert written["extensions:ECTSExtension"]["type"] == ["Extension", "extensions:ECTSExtension"]


def test_ob2_round_trip_keeps_mbo_study_load() -> None:
    data = edubadges_badge_class()
    del data["extensions:TimeInvestmentExtension"]
    data["extensions:StudyLoadExtension"] = ext("StudyLoad", StudyLoad=80)
    badge = openbadges2.read_badge_class(data)
    written = openbadges2.write_badge_class(badge)
    assert written["extensions:StudyLoadExtension"]["StudyLoad"] == 80
    assert "extensions:TimeInvestmentExtension" not in written
    assert openbadges2.read_badge_class(written) == badge


def test_ob2_write_back_adds_esco_alignments_after_the_issuers_at_most_seven() -> None:
    badge = openbadges2.read_badge_class(edubadges_badge_class())
    proposed = [esco(1), Alignment(VISUAL_DATA, "deliver visual presentation of data"), esco(2), esco(3), esco(4),
                esco(5), esco(6)]
    written = openbadges2.write_badge_class(badge, proposed)
    urls = [a["targetUrl"] for a in written["alignment"]]
    assert len(urls) == 7 == len(set(urls))
    assert urls[:3] == [DIGITAL_CONTENT, VISUAL_DATA, "https://hbo-i.example/domeinen/data"]
    assert urls[3:] == [esco(n).uri for n in (1, 2, 3, 4)]
    assert written["alignment"][3] == {"targetName": "skill 1", "targetUrl": esco(1).uri, "targetFramework": "ESCO"}
    again = openbadges2.read_badge_class(written)
    assert again.alignments[:3] == badge.alignments


def test_more_than_seven_alignments_are_readable() -> None:
    data = edubadges_badge_class()
    data["alignment"] = [{"targetName": f"skill {n}", "targetUrl": esco(n).uri, "targetFramework": "ESCO"}
                         for n in range(9)]
    badge = openbadges2.read_badge_class(data)
    assert len(badge.alignments) == 9
    assert len(openbadges2.write_badge_class(badge)["alignment"]) == 7


# -- Open Badges 3.0 ----------------------------------------------------------------------------


def test_ob3_credential_reads_standard_and_edubadges_keys() -> None:
    credential = read_credential(ob3_credential(), source="ob3.json")
    assert isinstance(credential, Credential) and credential.format is CredentialFormat.OB3
    assert credential.learner == "sha256$99fc6a6c"
    assert credential.issued_on == datetime(2025, 12, 12, 13, tzinfo=UTC)
    assert credential.expires == datetime(2030, 12, 12, 13, tzinfo=UTC)
    assert credential.issuer == Issuer("did:web:fhr.example", "Fachhochschule Rheinaue", "DE", "FHR-01",
                                       "https://www.fh-rheinaue.example")
    achievement = credential.achievement
    assert achievement.title == {"en": "Smart grid monitoring"} and achievement.language == "en"
    assert (achievement.ects, achievement.hours, achievement.eqf_level) == (5.0, 140.0, 6)
    assert achievement.kind == "MicroCredential" and achievement.participation == "online"
    assert achievement.quality_assurance == "Akkreditierungsrat"
    assert achievement.program_identifier == "80053"
    assert [a.uri for a in achievement.alignments] == [ENERGY_USE]
    assert achievement.alignments[0].framework == "ESCO"
    assessment = achievement.assessment
    assert (assessment.type, assessment.supervised, assessment.id_verified, assessment.grade) == (
        "testing", True, True, "7.8")
    assert [o.text for o in achievement.outcomes] == [
        "explain the architecture of a smart grid",
        "analyse grid and load data to detect congestion",
    ]
    assert credential.verification.status == "unverifiable"


def test_ob3_credits_available_counts_as_ects() -> None:
    data = ob3_credential()
    del data["credentialSubject"]["achievement"]["ECTS"]
    data["credentialSubject"]["achievement"]["creditsAvailable"] = 3
    assert read_credential(data).achievement.ects == 3.0


def test_ob3_round_trip_and_esco_write_back() -> None:
    achievement = read_credential(ob3_credential()).achievement
    # The grade belongs to the award, not to the achievement written back.
    ungraded = replace(achievement, assessment=replace(achievement.assessment, grade=None))
    assert openbadges3.read_achievement(openbadges3.write_achievement(achievement)) == ungraded
    written = openbadges3.write_achievement(achievement, [esco(1), Alignment(ENERGY_USE, "analyse energy consumption")])
    assert openbadges3.read_achievement(written).alignments == (*achievement.alignments, esco(1))
    skills = [a for a in written["alignment"] if a.get("targetType") == "ext:ESCOAlignment"]
    assert [a["targetUrl"] for a in skills] == [ENERGY_USE, esco(1).uri]
    assert skills[1] == {"type": ["Alignment"], "targetType": "ext:ESCOAlignment", "targetFramework": "ESCO",
                         "targetName": "skill 1", "targetUrl": esco(1).uri}
    assert {"ext:EQF", "ext:QualityAssurance"} <= {a.get("targetType") for a in written["alignment"]}
    assert read_credential(written) == openbadges3.read_achievement(written)


def test_ob3_round_trip_of_an_achievement_without_grade() -> None:
    data = ob3_credential()["credentialSubject"]["achievement"]
    achievement = openbadges3.read_achievement(data)
    assert openbadges3.read_achievement(openbadges3.write_achievement(achievement)) == achievement


@pytest.mark.parametrize(("supervised", "verified"), [(s, v) for s in (True, False, None) for v in (True, False, None)])
def test_ob3_supervision_round_trips(supervised: bool | None, verified: bool | None) -> None:
    achievement = Achievement("urn:x", CredentialFormat.OB3, {"und": "x"},
                              assessment=Assessment(supervised=supervised, id_verified=verified))
    again = openbadges3.read_achievement(openbadges3.write_achievement(achievement))
    assert (again.assessment.supervised, again.assessment.id_verified) == (supervised, verified)


# -- European Learning Model --------------------------------------------------------------------


def test_elm_credential_normalises_every_producer_form() -> None:
    credential = read_credential(elm_credential())
    assert isinstance(credential, Credential) and credential.format is CredentialFormat.ELM
    assert credential.learner == "did:example:learner"
    assert credential.issued_on == datetime(2025, 4, 17, 22, tzinfo=UTC)
    assert credential.issuer.country == "BEL" and credential.issuer.identifier == "0999.876.543"
    achievement = credential.achievement
    assert achievement.title == {"en": "Energy auditing", "nl": "Energie-audits"}
    assert achievement.language == "en" and achievement.description == "Auditing the energy use of companies."
    assert (achievement.eqf_level, achievement.nlqf_level, achievement.ects, achievement.hours) == (6, 6, 2.5, 60.0)
    assert achievement.participation == "Blended" and achievement.quality_assurance == "NVAO accreditation"
    assert achievement.prerequisites == "A bachelor's degree in engineering."
    assert achievement.issuer.name == "Scheldevallei University of Applied Sciences"
    assert achievement.issuer.url == "https://www.scheldevallei.example"
    outcomes = achievement.outcomes
    assert [o.text for o in outcomes] == [
        "Carry out an energy audit of a company", "Analyse metered consumption data", "Present findings to clients"]
    assert outcomes[1].translations == {"en": "Analyse metered consumption data",
                                        "nl": "Gemeten verbruiksdata analyseren"}
    assert [[a.uri for a in o.alignments] for o in outcomes] == [[ENERGY_AUDIT, ENERGY_USE], [DATA_ANALYSIS],
                                                                 [VISUAL_DATA]]
    assert outcomes[0].alignments[0].name == "conduct energy audit"
    assert outcomes[2].alignments[0].name == VISUAL_DATA  # a bare URI carries no label
    assessment = achievement.assessment
    assert (assessment.type, assessment.grade, assessment.supervised, assessment.id_verified) == (
        "written exam", "8", True, True)


@pytest.mark.parametrize(("value", "level"), [
    ("http://data.europa.eu/snb/eqf/4", 4), ({"id": "http://data.europa.eu/snb/eqf/7"}, 7), (5, 5), ("3", 3)])
def test_elm_eqf_level_forms(value: Any, level: int) -> None:
    spec = elm_credential()["credentialSubject"]["hasClaim"][0]["specifiedBy"] | {"eqfLevel": value}
    assert elm.read_specification(spec).eqf_level == level


@pytest.mark.parametrize(("duration", "hours"), [("PT60H", 60.0), ("PT1H30M", 1.5), ("P2D", 48.0), ("P3Y", None)])
def test_elm_volume_of_learning(duration: str, hours: float | None) -> None:
    spec = elm_credential()["credentialSubject"]["hasClaim"][0]["specifiedBy"] | {"volumeOfLearning": duration}
    assert elm.read_specification(spec).hours == hours


def test_elm_round_trip_and_outcome_alignments() -> None:
    spec = elm_credential()["credentialSubject"]["hasClaim"][0]["specifiedBy"]
    achievement = elm.read_specification(spec)
    assert elm.read_specification(elm.write_achievement(achievement)) == achievement
    written = elm.write_achievement(achievement, {0: [Alignment(ENERGY_USE, "analyse energy consumption"), esco(1)],
                                                  2: [esco(2)]})
    related = [[skill["id"] for skill in o.get("relatedESCOSkill", [])] for o in written["learningOutcome"]]
    assert related == [[ENERGY_AUDIT, ENERGY_USE, esco(1).uri], [DATA_ANALYSIS], [VISUAL_DATA, esco(2).uri]]
    assert written["learningOutcome"][0]["relatedESCOSkill"][2] == {
        "id": esco(1).uri, "type": "Concept", "prefLabel": {"en": "skill 1"}}
    assert written["type"] == "Qualification" and written["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/6"
    assert read_credential(written).outcomes[2].alignments[1].uri == esco(2).uri


def test_elm_writes_other_formats_achievements() -> None:
    badge = openbadges2.read_badge_class(edubadges_badge_class())
    written = elm.write_achievement(badge, {1: [esco(3)]})
    again = elm.read_specification(written)
    assert (again.ects, again.eqf_level, again.hours, again.language) == (2.5, 5, 70.0, "nl")
    assert [o.text for o in again.outcomes[:3]] == [o.text for o in badge.outcomes]
    assert again.outcomes[1].alignments == (Alignment(esco(3).uri, "skill 3", "ESCO"),)
    # ELM links skills only to outcomes: the badge's own ESCO alignments become skill outcomes.
    assert [(o.text, [a.uri for a in o.alignments]) for o in again.outcomes[3:]] == [
        ("develop digital content", [DIGITAL_CONTENT]), ("deliver visual presentation of data", [VISUAL_DATA])]


def test_elm_skills_of_the_whole_achievement_become_outcomes_once() -> None:
    spec = elm_credential()["credentialSubject"]["hasClaim"][0]["specifiedBy"]
    achievement = elm.read_specification(spec)
    written = elm.write_achievement(achievement, {}, [Alignment(DATA_ANALYSIS, "perform data analysis"), esco(4)])
    outcomes = elm.read_specification(written).outcomes
    assert len(outcomes) == len(achievement.outcomes) + 1  # DATA_ANALYSIS is linked to outcome 1 already
    assert outcomes[-1].text == "skill 4" and outcomes[-1].lang == "en"
    assert outcomes[-1].alignments == (Alignment(esco(4).uri, "skill 4", "ESCO"),)


# -- detection and raw input --------------------------------------------------------------------


@pytest.mark.parametrize(("build", "expected", "fmt"), [
    (edubadges_badge_class, Achievement, CredentialFormat.OB2),
    (edubadges_assertion, Credential, CredentialFormat.OB2),
    (lambda: ob3_credential()["credentialSubject"]["achievement"], Achievement, CredentialFormat.OB3),
    (ob3_credential, Credential, CredentialFormat.OB3),
    (lambda: elm_credential()["credentialSubject"]["hasClaim"][0]["specifiedBy"], Achievement, CredentialFormat.ELM),
    (elm_credential, Credential, CredentialFormat.ELM),
])
def test_read_credential_detects_the_format(build: Any, expected: type, fmt: CredentialFormat) -> None:
    item = read_credential(json.dumps(build()))
    assert isinstance(item, expected) and item.format is fmt


def test_read_credential_takes_text_bytes_bom_paths_and_objects(tmp_path: Path) -> None:
    data = edubadges_badge_class()
    text = json.dumps(data, ensure_ascii=False)
    expected = read_credential(data)
    path = tmp_path / "badge.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_credential(text) == read_credential(text.encode()) == read_credential(path) == expected
    assert read_file(path) == read_file(str(path)) == expected


def _without(data: dict[str, Any], *path: str | int) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


def _with(data: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


SPEC = ("credentialSubject", "hasClaim", 0, "specifiedBy")
BAD_INPUTS = {
    "empty": ("", None, "empty"),
    "whitespace": (b"  \n ", None, "empty"),
    "invalid json": ('{"type": "BadgeClass",\n "name": }', None, "line 2, column 10"),
    "latin-1 bytes": ('{"name": "Caf\xe9"}'.encode("latin-1"), None, "not UTF-8"),
    "utf-16": ('{"type": "BadgeClass"}'.encode("utf-16"), None, "UTF-16"),
    "a list": ("[1, 2]", None, "found a list"),
    "unknown object": ('{"name": "skillmatch", "version": "0.1.0"}', "type", "unknown credential format"),
    "ects as a word": (_with(edubadges_badge_class(), "vijf", "extensions:ECTSExtension", "ECTS"),
                       "extensions:ECTSExtension.ECTS", "expected a number"),
    "eqf out of range": (_with(edubadges_badge_class(), 9, "extensions:EQFExtension", "EQF"),
                         "extensions:EQFExtension.EQF", "1 to 8"),
    "badge class without name": (_without(edubadges_badge_class(), "name"), "name", "required"),
    "assertion without badge": (_without(edubadges_assertion(), "badge"), "badge", "required"),
    "embedded badge without name": (_without(edubadges_assertion(), "badge", "name"), "badge.name", "required"),
    "esco alignment to a web page": (
        _with(edubadges_badge_class(), "https://esco.ec.europa.eu/en/classification/skill?uri=http%3A%2F%2Fdata.europa"
              ".eu%2Fesco%2Fskill%2F598de5b0-5b58-4ea7-8058-a4bc4d18c742", "alignment", 1, "targetUrl"),
        "alignment[1].targetUrl", "use the URI itself: http://data.europa.eu/esco/skill/598de5b0"),
    "alignment without url": (_without(edubadges_badge_class(), "alignment", 0, "targetUrl"),
                              "alignment[0].targetUrl", "required"),
    "issued on is not a date": (_with(edubadges_assertion(), "gisteren", "issuedOn"), "issuedOn", "ISO 8601"),
    "ob3 achievement is not an object": (_with(ob3_credential(), "80053", "credentialSubject", "achievement"),
                                         "credentialSubject.achievement", "expected an object"),
    "ob3 without achievement": (_without(ob3_credential(), "credentialSubject", "achievement"),
                                "credentialSubject.achievement", "names no achievement"),
    "ob3 ects as a word": (_with(ob3_credential(), "five", "credentialSubject", "achievement", "ECTS"),
                           "credentialSubject.achievement.ECTS", "expected a number"),
    "ob3 eqf alignment out of range": (
        _with(ob3_credential(), "0", "credentialSubject", "achievement", "alignment", 1, "targetCode"),
        "credentialSubject.achievement.alignment[1].targetCode", "1 to 8"),
    "elm outcome without title": (_without(elm_credential(), *SPEC, "learningOutcome", 1, "title"),
                                  "credentialSubject.hasClaim[0].specifiedBy.learningOutcome[1].title", "required"),
    "elm eqf out of range": (_with(elm_credential(), "http://data.europa.eu/snb/eqf/9", *SPEC, "eqfLevel"),
                             "credentialSubject.hasClaim[0].specifiedBy.eqfLevel", "1 to 8"),
    "elm credit point as a word": (_with(elm_credential(), "vijf", *SPEC, "creditPoint", 0, "point"),
                                   "credentialSubject.hasClaim[0].specifiedBy.creditPoint[0].point", "number"),
    "elm duration in words": (_with(elm_credential(), "sixty hours", *SPEC, "volumeOfLearning"),
                              "credentialSubject.hasClaim[0].specifiedBy.volumeOfLearning", "ISO 8601 duration"),
    "elm related skill not esco": (
        _with(elm_credential(), "https://example.org/skills/x", *SPEC, "learningOutcome", 2, "relatedESCOSkills", 0),
        "credentialSubject.hasClaim[0].specifiedBy.learningOutcome[2].relatedESCOSkills[0]", "ESCO URI"),
    "elm without claim": (_without(elm_credential(), "credentialSubject", "hasClaim"),
                          "credentialSubject.hasClaim", "required"),
    "elm title of wrong type": (_with(elm_credential(), {"en": 5}, *SPEC, "title"),
                                "credentialSubject.hasClaim[0].specifiedBy.title", "expected text"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_unreadable_input_is_a_credential_error_naming_the_field(case: str) -> None:
    raw, field, words = BAD_INPUTS[case]
    with pytest.raises(CredentialError) as caught:
        read_credential(raw, source="input.json")
    assert caught.value.field == field
    assert caught.value.source == "input.json"
    assert words in str(caught.value)


def test_a_missing_file_is_a_credential_error(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="cannot read"):
        read_file(tmp_path / "missing.json")


def test_single_title_formats_write_the_title_in_the_achievements_language() -> None:
    spec = elm_credential()["credentialSubject"]["hasClaim"][0]["specifiedBy"]
    dutch = replace(elm.read_specification(spec), language="nl")
    assert openbadges2.write_badge_class(dutch)["name"] == "Energie-audits"
    assert openbadges3.write_achievement(dutch)["name"] == "Energie-audits"
    assert dutch.name == "Energy auditing"
