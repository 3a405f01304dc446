"""The shipped sample credentials all read, write back unchanged, and every broken input fails
with a CredentialError naming the field (tests/fixtures/credentials/broken/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillmatch.credentials import (
    Achievement,
    Credential,
    CredentialFormat,
    TrustList,
    elm,
    openbadges2,
    openbadges3,
    read_file,
)
from skillmatch.errors import CredentialError, VerificationError

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "skillmatch" / "samples"
CATALOGUE = sorted((SAMPLES / "catalogue").glob("*.json"))
WALLET = sorted((SAMPLES / "wallet").iterdir())
BROKEN = ROOT / "tests" / "fixtures" / "credentials" / "broken"
WRITERS = {
    CredentialFormat.OB2: (openbadges2.write_badge_class, openbadges2.read_badge_class),
    CredentialFormat.OB3: (openbadges3.write_achievement, openbadges3.read_achievement),
    CredentialFormat.ELM: (elm.write_achievement, elm.read_specification),
}


@pytest.fixture(scope="module")
def badge_classes() -> dict[str, Achievement]:
    found = {}
    for path in CATALOGUE:
        item = read_file(path)
        assert isinstance(item, Achievement) and item.id
        found[item.id] = item
    return found


def test_the_samples_are_there() -> None:
    assert CATALOGUE and WALLET


@pytest.mark.parametrize("path", CATALOGUE, ids=lambda p: p.stem)
def test_catalogue_sample_reads_and_round_trips(path: Path) -> None:
    achievement = read_file(path)
    assert isinstance(achievement, Achievement)
    assert achievement.name
    write, read = WRITERS[achievement.format]
    assert read(write(achievement)) == achievement


@pytest.mark.parametrize("path", WALLET, ids=lambda p: p.stem)
def test_wallet_sample_reads(path: Path, badge_classes: dict[str, Achievement]) -> None:
    credential = read_file(path, badge_classes=badge_classes)
    assert isinstance(credential, Credential)
    assert credential.learner and credential.issued_on and credential.achievement.outcomes
    assert credential.verification.status == "unverifiable"


BROKEN_FIELDS = {
    "invalid-json": (None, "invalid JSON at line"),
    "empty": (None, "empty"),
    "utf16": (None, "UTF-16"),
    "not-a-credential": ("type", "unknown credential format"),
    "badgeclass-missing-name": ("name", "required"),
    "badgeclass-ects-as-text": ("extensions:ECTSExtension.ECTS", "expected a number"),
    "badgeclass-eqf-out-of-range": ("extensions:EQFExtension.EQF", "EQF level must be a whole number from 1 to 8"),
    "assertion-missing-badge": ("badge", "required"),
    "assertion-badge-url-unknown": ("badge", "never fetches"),
    "ob3-achievement-wrong-type": ("credentialSubject.achievement", "expected an object"),
    "elm-learning-outcome-no-title": ("learningOutcome[1].title", "required"),
    "alignment-not-esco-uri": ("alignment[0].targetUrl", "must link an ESCO URI"),
}


@pytest.mark.parametrize("name", BROKEN_FIELDS)
def test_broken_input_is_a_clear_credential_error(name: str, badge_classes: dict[str, Achievement]) -> None:
    path = BROKEN / f"{name}.json"
    field, words = BROKEN_FIELDS[name]
    with pytest.raises(CredentialError) as caught:
        read_file(path, badge_classes=badge_classes)
    assert (caught.value.source, caught.value.field) == (str(path), field)
    assert words in str(caught.value)


def test_every_broken_file_is_covered() -> None:
    assert {p.stem for p in BROKEN.glob("*.json")} == {*BROKEN_FIELDS, "badgeclass-9-alignments", "ob3-forged-proof"}


@pytest.mark.parametrize("name", ["ob3-forged-signature.jwt", "ob3-forged-proof.json"])
def test_forged_samples_are_rejected_and_the_originals_verify(name: str) -> None:
    """The forged files are the signed wallet samples with one value changed after signing."""
    trust = TrustList.load(SAMPLES / "trust.json")
    with pytest.raises(VerificationError, match="altered after signing"):
        read_file(BROKEN / name, trust=trust)
    original = SAMPLES / "wallet" / ("ob3-hds-energiedata-analyseren.jwt" if name.endswith(".jwt")
                                     else "ob3-fhr-smart-grid-monitoring.json")
    verification = read_file(original, trust=trust).verification
    assert verification.verified and verification.method == ("vc-jwt" if name.endswith(".jwt") else "eddsa-jcs-2022")
    assert not read_file(original).verification.verified  # no trust list: nothing is verified


def test_nine_alignments_are_readable_and_written_back_as_seven() -> None:
    badge = read_file(BROKEN / "badgeclass-9-alignments.json")
    assert len(badge.alignments) == 9 and all(a.is_esco for a in badge.alignments)
    assert len(openbadges2.write_badge_class(badge)["alignment"]) == 7
