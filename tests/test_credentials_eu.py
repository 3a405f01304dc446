"""The EU micro-credential element check (Council Recommendation of 16 June 2022, Annex I)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from skillmatch.credentials import (
    Achievement,
    Credential,
    CredentialFormat,
    ElementStatus,
    check_elements,
    openbadges2,
    read_credential,
    read_file,
)
from tests.test_credentials_formats import edubadges_assertion, edubadges_badge_class, elm_credential, ob3_credential

SAMPLES = Path(__file__).resolve().parents[1] / "skillmatch" / "samples"
MANDATORY = ("learner", "title", "issuer_country", "awarding_body", "issued_on", "learning_outcomes", "workload",
             "level", "assessment_type", "participation", "quality_assurance")
OPTIONAL = ("prerequisites", "supervision", "grade", "stackability", "further_information")


def test_every_element_has_a_stable_key_and_label_in_order() -> None:
    check = check_elements(openbadges2.read_badge_class(edubadges_badge_class()))
    assert tuple(e.key for e in check.elements) == MANDATORY + OPTIONAL
    assert all(e.mandatory for e in check.elements[: len(MANDATORY)])
    assert not any(e.mandatory for e in check.elements[len(MANDATORY):])
    assert check["workload"].label.startswith("Notional workload")
    assert check["quality_assurance"].label == "Type of quality assurance used to underpin the micro-credential"


def test_a_complete_edubadges_award_states_every_element() -> None:
    check = check_elements(read_credential(edubadges_assertion()))
    assert check.complete and check.missing == () and check.missing_optional == ()
    assert check["workload"].value == "2.5 ECTS, 70 hours"
    assert check["level"].value == "EQF 5"
    assert check["issued_on"].value == "2025-02-07"
    assert check["grade"].value == "8,1"
    assert check["supervision"].value == "supervised, identity not verified"
    assert check["awarding_body"].value == "Hogeschool Deltastad"


def test_an_offer_reports_award_elements_as_not_applicable() -> None:
    check = check_elements(openbadges2.read_badge_class(edubadges_badge_class()))
    for key in ("learner", "issued_on", "grade"):
        assert check[key].status is ElementStatus.NOT_APPLICABLE
    assert check.complete


def test_finds_exactly_the_missing_elements() -> None:
    data = edubadges_badge_class()
    del data["extensions:EQFExtension"], data["assessmentType"], data["prerequisites"]
    check = check_elements(openbadges2.read_badge_class(data))
    assert check.missing == ("level", "assessment_type")
    assert check.missing_optional == ("prerequisites",)
    assert not check.complete
    assert check["level"].status is ElementStatus.MISSING and check["level"].value is None


def test_an_award_without_learner_or_date_misses_them() -> None:
    data = edubadges_assertion()
    del data["recipient"], data["issuedOn"]
    assert check_elements(read_credential(data)).missing == ("learner", "issued_on")


def test_the_awards_issuer_fills_in_what_the_achievement_leaves_out() -> None:
    credential = read_credential(ob3_credential())
    assert isinstance(credential, Credential)
    bare = replace(credential, achievement=replace(credential.achievement, issuer=replace(
        credential.achievement.issuer, country=None)))
    assert check_elements(bare)["issuer_country"].value == "DE"


def test_workload_in_hours_only_counts() -> None:
    badge = Achievement("x", CredentialFormat.OB2, {"nl": "Lassen"}, hours=80)
    assert check_elements(badge)["workload"].value == "80 hours"


def test_elm_and_ob3_credentials() -> None:
    elm = check_elements(read_credential(elm_credential()))
    assert elm.missing == () and elm["level"].value == "EQF 6, NLQF 6"
    assert elm.missing_optional == ("stackability",)  # ELM 3 has no stackability property
    ob3 = check_elements(read_credential(ob3_credential()))
    assert ob3.missing == () and ob3["learner"].value == "sha256$99fc6a6c"


# The sample catalogue's deliberate gaps (skillmatch/samples/README.md), for the BadgeClasses that
# carry the expanded edubadges fields and so state assessment, participation and quality assurance.
SAMPLE_GAPS = {
    "hds-cyber-security-basis": ("level",),
    "rll-lassen-mig-mag": ("workload",),
    "uvn-inclusief-onderwijs": ("assessment_type",),
    "hzp-medicatieveiligheid": ("participation",),
    "hds-circulaire-economie": ("learning_outcomes",),
    "rll-wondzorg": ("quality_assurance",),
}


EXPANDED = [p for p in sorted((SAMPLES / "catalogue").glob("*.json")) if '"typeBadgeClass"' in p.read_text("utf-8")]


@pytest.mark.parametrize("path", EXPANDED, ids=lambda p: p.stem)
def test_sample_catalogue_gaps_are_found(path: Path) -> None:
    assert check_elements(read_file(path)).missing == SAMPLE_GAPS.get(path.stem, ())


def test_a_sample_issuer_without_country() -> None:
    check = check_elements(read_file(SAMPLES / "catalogue" / "fhr-plc-programming.json"))
    assert "issuer_country" in check.missing and "awarding_body" not in check.missing
