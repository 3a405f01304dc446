"""Importing the real ESCO distributions: official zips, gzipped folders, Dutch merge, v1.2.0."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from skillmatch.errors import ConfigurationError, TaxonomySourceError
from skillmatch.taxonomy import ConceptKind, Taxonomy, read_esco
from tests.conftest import ESCO, REPO, require_esco

RELEASES = REPO / "taxonomy" / "releases"
NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"
PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
UNDEFINED_OCCUPATION = "http://data.europa.eu/esco/occupation/a9e54177-a185-404d-b6e6-15663d31137e"


def manifest(release: str) -> dict:
    return tomllib.loads((RELEASES / f"{release}.toml").read_text())


def test_official_zips_match_the_release_manifest(official: Taxonomy) -> None:
    expected = manifest("v1.1.1")["counts"]
    summary = official.summary()
    assert summary["release"] == "v1.1.1"
    assert summary["languages"] == ["en"]
    assert summary["skills"] == expected["skills"] == 13_896
    assert summary["occupations"] == expected["occupations"] == 3_007
    relations = summary["occupation_skill_relations"]
    assert relations["total"] == expected["occupation_skill_relations"] == 123_855
    assert relations["essential"] == expected["essential"] == 64_946
    assert relations["optional"] == 58_909
    assert summary["isco_groups"] == expected["isco_groups"]
    assert summary["skill_skill_relations"] == expected["skill_skill_relations"]
    assert summary["collections"] == expected["collections"]
    assert summary["skill_types"] == {"(none)": 6, "knowledge": 3_059, "skill/competence": 10_831}


def test_relations_to_the_undefined_occupation_are_kept_and_reported(official: Taxonomy) -> None:
    # ESCO v1.1.1 itself relates 67 skills to an occupation it does not define.
    assert UNDEFINED_OCCUPATION not in official
    dangling = [r for r in official.occupation_skills if r.occupation == UNDEFINED_OCCUPATION]
    assert len(dangling) == 67
    assert official.summary()["occupation_skill_relations"]["unresolved"] == 67
    assert any("67 x occupation-skill relation to an unknown concept" in w for w in official.meta.warnings)


def test_skill_hierarchy_and_pillars(official: Taxonomy) -> None:
    pillars = official.summary()["pillars"]
    assert pillars == {"K": "knowledge", "L": "language skills and knowledge", "S": "skills",
                       "T": "transversal skills and competences"}
    python = official.get(PYTHON)
    assert python.label() == "Python (computer programming)"
    # Python sits under ISCED-F "software development" (K) and under the skill "computer programming" (S).
    assert sorted(p.code for p in official.pillars(PYTHON)) == ["K", "S"]
    ancestors = [a.label() for a in official.ancestors(PYTHON)]
    assert "computer programming" in ancestors or "information and communication technologies" in ancestors
    # Every skill reaches at least one pillar through broader links.
    orphans = [s.uri for s in official.skills if not official.pillars(s.uri) or official.pillars(s.uri) == [s]]
    assert orphans == []


def test_occupation_profile_and_isco(official: Taxonomy) -> None:
    nurse = official.get(NURSE)
    assert nurse.label() == "nurse responsible for general care"
    assert nurse.isco_group == "2221"
    essential = official.skills_of(NURSE, "essential")
    optional = official.skills_of(NURSE, "optional")
    assert len(essential) > 20 and len(optional) > 5
    assert not {s.uri for s in essential} & {s.uri for s in optional}
    assert [p.code for p in official.pillars(NURSE)] == ["2"]
    assert official.get("http://data.europa.eu/esco/isco/C2221").kind is ConceptKind.ISCO_GROUP


def test_gzipped_folder_equals_the_official_zips(official: Taxonomy) -> None:
    folder = read_esco([ESCO / "v1.1.1" / "en"])
    assert folder.meta.release == "v1.1.1"
    a, b = folder.summary(), official.summary()
    for key in ("skills", "occupations", "occupation_skill_relations", "skill_groups", "isco_groups",
                "skill_skill_relations", "collections", "broader_links", "labels_per_language"):
        assert a[key] == b[key], key
    assert folder.get(NURSE).alternative == official.get(NURSE).alternative


def test_dutch_merge(merged: Taxonomy) -> None:
    summary = merged.summary()
    assert summary["release"] == "v1.1.1"
    assert summary["languages"] == ["en", "nl"]
    nl = summary["labels_per_language"]["nl"]
    # v1.2.x Dutch files cover every v1.1.1 occupation except three that were retired in v1.2.
    assert nl["occupation"] == 3_004
    # Dutch skill labels exist only through the v1.2.1 collections: 2,367 skills, 2,235 of them in v1.1.1.
    assert nl["skill"] == 2_235
    assert nl["isco-group"] == 619
    nurse = merged.get(NURSE)
    assert nurse.preferred["en"] == "nurse responsible for general care"
    assert nurse.preferred["nl"] and nurse.preferred["nl"] != nurse.preferred["en"]
    assert nurse.description["nl"]
    # English structure is untouched by the merge.
    assert summary["occupation_skill_relations"]["total"] == 123_855
    assert merged.get(PYTHON).preferred["en"] == "Python (computer programming)"


def test_dutch_label_search(merged: Taxonomy) -> None:
    hits = merged.search("verpleegkundige algemene zorg", lang="nl", kinds=[ConceptKind.OCCUPATION])
    assert hits and hits[0].uri == NURSE
    assert hits[0].lang == "nl"
    assert merged.search("Python", kinds=[ConceptKind.SKILL])[0].uri == PYTHON


def test_language_selection(tmp_path: Path) -> None:
    require_esco()
    english = read_esco([ESCO], languages=["en"])
    assert english.meta.languages == ("en",)
    assert not any("nl" in c.preferred for c in english.occupations)
    with pytest.raises(ConfigurationError, match="must include en"):
        read_esco([ESCO], languages=["nl"])
    with pytest.raises(ConfigurationError, match="no ESCO label files for language"):
        read_esco([ESCO], languages=["en", "fr"])


def test_v1_2_0_files(tmp_path: Path) -> None:
    """v1.2.0: the official files, plus the two reconstructed ones named as ESCO names them."""
    require_esco()
    release = tmp_path / "ESCO v1.2.0" / "en"
    release.mkdir(parents=True)
    for f in (ESCO / "v1.2.0" / "en").glob("*.csv.gz"):
        (release / f.name).symlink_to(f)
    derived = ESCO / "v1.2.0" / "en" / "derived"
    (release / "skills_en.csv.gz").symlink_to(derived / "skills_reconstructed.csv.gz")
    (release / "occupationSkillRelations_en.csv.gz").symlink_to(
        derived / "occupationSkillRelations_reconstructed.csv.gz")
    expected = manifest("v1.2.0")["counts"]
    tax = read_esco([release])
    summary = tax.summary()
    assert summary["release"] == "v1.2.0"
    assert summary["skills"] == expected["skills"] == 13_939
    assert summary["occupations"] == expected["occupations"] == 3_039
    assert summary["occupation_skill_relations"]["total"] == expected["occupation_skill_relations"]
    assert summary["collections"]["green"] == 591


def test_v1_2_0_official_files_alone_lack_skills() -> None:
    require_esco()
    with pytest.raises(TaxonomySourceError, match="missing required ESCO file.*skills \\("):
        read_esco([ESCO / "v1.2.0" / "en"])


def test_release_can_be_chosen(tmp_path: Path) -> None:
    require_esco()
    with pytest.raises(ConfigurationError, match="release v9.9 not found"):
        read_esco([ESCO], release="v9.9")
    with pytest.raises(TaxonomySourceError, match="release v1.2.0 lacks required"):
        read_esco([ESCO], release="1.2.0")
