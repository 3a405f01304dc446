"""Broken ESCO sources get a clear error naming file, line and problem, and never a broken store."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from skillmatch.errors import StoreError, TaxonomyNotBuiltError, TaxonomySourceError
from skillmatch.taxonomy import build_taxonomy, load_taxonomy, read_esco, store_path
from skillmatch.taxonomy import store as store_module
from tests.conftest import OCC, MiniEsco, S


def test_mini_release_reads(mini: MiniEsco) -> None:
    tax = read_esco([mini.write()])
    assert tax.meta.release == "v1.1.1"
    assert len(tax.skills) == 3 and len(tax.occupations) == 2
    assert {s.uri for s in tax.skills_of(OCC + "nurse", "essential")} == {S + "care", S + "team"}
    assert tax.get(S + "py").alternative == {"en": ("Python", "python programming")}
    assert [p.label() for p in tax.pillars(S + "care")] == ["skills"]
    assert tax.collections == {"green": frozenset({S + "care"})}
    assert tax.meta.warnings == ()


def test_gzipped_without_language_suffix(mini: MiniEsco) -> None:
    tax = read_esco([mini.write(gzipped=True, suffix="")])
    assert len(tax.skills) == 3
    assert tax.meta.languages == ("en",)


def test_official_zip_layout(mini: MiniEsco, tmp_path: Path) -> None:
    folder = mini.write()
    archive = tmp_path / "ESCO dataset - v1.1.1 - classification - en - csv.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"ESCO dataset - v1.1.1 - classification - en - csv/{f.name}")
    tax = read_esco([archive])
    assert tax.meta.release == "v1.1.1" and len(tax.occupations) == 2


def test_missing_required_file(mini: MiniEsco) -> None:
    folder = mini.write()
    (folder / "occupationSkillRelations_en.csv").unlink()
    with pytest.raises(TaxonomySourceError) as info:
        read_esco([folder])
    assert "missing required ESCO file(s): occupationSkillRelations" in str(info.value)
    assert str(folder) in str(info.value)


def test_renamed_column(mini: MiniEsco) -> None:
    mini.tables["skills"][0][4] = "prefLabel"
    folder = mini.write()
    with pytest.raises(TaxonomySourceError) as info:
        read_esco([folder])
    error = info.value
    assert error.file == str(folder / "skills_en.csv") and error.row == 1
    assert "missing column(s) preferredLabel" in error.problem and "prefLabel" in error.problem


def test_missing_column(mini: MiniEsco) -> None:
    for row in mini.tables["occupationSkillRelations"]:
        del row[1]
    expected = r"occupationSkillRelations_en.csv, line 1: missing column\(s\) relationType"
    with pytest.raises(TaxonomySourceError, match=expected):
        read_esco([mini.write()])


def test_relation_to_unknown_concept_is_a_counted_warning(mini: MiniEsco) -> None:
    mini.tables["occupationSkillRelations"].append([OCC + "ghost", "essential", "knowledge", S + "py"])
    mini.tables["occupationSkillRelations"].append([OCC + "dev", "optional", "knowledge", S + "ghost"])
    mini.tables["broaderRelationsSkillPillar"].append(
        ["KnowledgeSkillCompetence", S + "py", "SkillGroup", S + "nowhere"])
    tax = read_esco([mini.write()])
    warnings = "\n".join(tax.meta.warnings)
    assert "2 x occupation-skill relation to an unknown concept" in warnings
    assert "occupationSkillRelations_en.csv, line 6" in warnings
    assert "1 x broader link to or from an unknown concept skipped" in warnings
    assert tax.summary()["occupation_skill_relations"]["unresolved"] == 2
    # Profiles only use relations whose both ends exist.
    assert {s.uri for s in tax.skills_of(OCC + "dev")} == {S + "py", S + "team"}
    assert tax.get(S + "py").broader == (S + "K",)


def test_bad_relation_type(mini: MiniEsco) -> None:
    mini.tables["occupationSkillRelations"][2][1] = "mandatory"
    expected = r"line 3: relationType is 'mandatory', expected essential or optional"
    with pytest.raises(TaxonomySourceError, match=expected):
        read_esco([mini.write()])


def test_conflicting_duplicate_uri(mini: MiniEsco) -> None:
    row = list(mini.tables["skills"][1])
    row[4] = "Python"
    row[8] = ""  # no modification date: nothing tells which row is right
    mini.tables["skills"][1][8] = ""
    mini.tables["skills"].append(row)
    with pytest.raises(TaxonomySourceError) as info:
        read_esco([mini.write()])
    assert info.value.row == 6  # line 2's record spans two lines (multi-line altLabels)
    assert f"duplicate URI {S}py (also at line 2) with different content" in info.value.problem


def test_identical_duplicate_is_skipped_with_warning(mini: MiniEsco) -> None:
    mini.tables["occupations"].append(list(mini.tables["occupations"][1]))
    tax = read_esco([mini.write()])
    assert len(tax.occupations) == 2
    assert any("1 x identical duplicate row skipped in occupations" in w for w in tax.meta.warnings)


def test_duplicate_with_dates_keeps_the_newest(mini: MiniEsco) -> None:
    newer = list(mini.tables["occupations"][1])
    newer[3], newer[7] = "software engineer", "2024-05-01"
    mini.tables["occupations"].append(newer)
    tax = read_esco([mini.write()])
    assert tax.get(OCC + "dev").label() == "software engineer"
    assert any("kept the most recently modified row" in w for w in tax.meta.warnings)


def test_non_utf8_bytes(mini: MiniEsco) -> None:
    folder = mini.write()
    path = folder / "occupations_en.csv"
    data = path.read_bytes().replace(b"Cares for patients.", "Soins: caf\xe9".encode("latin-1"))
    path.write_bytes(data)
    with pytest.raises(TaxonomySourceError) as info:
        read_esco([folder])
    assert info.value.file == str(path)
    assert info.value.row == 4
    assert "byte 0xe9" in info.value.problem and "not UTF-8" in info.value.problem


def test_broken_quoting(mini: MiniEsco) -> None:
    folder = mini.write()
    path = folder / "skillGroups_en.csv"
    path.write_text(path.read_text().replace(",knowledge,", ',"knowledge,', 1))
    with pytest.raises(TaxonomySourceError, match="skillGroups_en.csv, line .*(malformed CSV|fields where the header)"):
        read_esco([folder])


def test_empty_uri(mini: MiniEsco) -> None:
    mini.tables["skills"][2][1] = ""
    with pytest.raises(TaxonomySourceError, match=r"skills_en.csv, line 4: conceptUri is empty, not a concept URI"):
        read_esco([mini.write()])


def test_empty_file(mini: MiniEsco) -> None:
    folder = mini.write()
    (folder / "ISCOGroups_en.csv").write_bytes(b"")
    with pytest.raises(TaxonomySourceError, match="ISCOGroups_en.csv, line 1: the file is empty"):
        read_esco([folder])


def test_corrupt_gzip_and_zip(mini: MiniEsco, tmp_path: Path) -> None:
    folder = mini.write(gzipped=True)
    path = folder / "skills_en.csv.gz"
    path.write_bytes(gzip.compress(b"conceptUri\n")[:12])
    with pytest.raises(TaxonomySourceError, match="skills_en.csv.gz: cannot read the file"):
        read_esco([folder])
    bad_zip = tmp_path / "ESCO dataset - v1.1.1 - classification - en - csv.zip"
    bad_zip.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(TaxonomySourceError, match="not a readable zip archive"):
        read_esco([bad_zip])


def test_no_esco_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(TaxonomySourceError, match="no ESCO CSV files found.*ESCO portal"):
        read_esco([tmp_path])


def test_a_failed_build_leaves_the_old_store_intact(mini: MiniEsco, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    folder = mini.write()
    good = build_taxonomy([folder], data_dir)
    before = good.path.read_bytes()
    (folder / "skills_en.csv").write_bytes(b"conceptUri,preferredLabel\n\xff\n")
    with pytest.raises(TaxonomySourceError):
        build_taxonomy([folder], data_dir, force=True)
    assert good.path.read_bytes() == before
    assert len(load_taxonomy(good.path).skills) == 3
    assert sorted(p.name for p in data_dir.iterdir()) == ["taxonomy.sqlite"]


def test_a_crash_while_writing_leaves_no_half_store(mini: MiniEsco, tmp_path: Path, monkeypatch) -> None:
    data_dir = tmp_path / "data"
    folder = mini.write()
    good = build_taxonomy([folder], data_dir)
    before = good.path.read_bytes()
    mini.tables["skills"].append(
        ["KnowledgeSkillCompetence", S + "sql", "knowledge", "sector-specific", "SQL", "", "", "released", "", ""])
    mini.write()

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store_module.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        build_taxonomy([folder], data_dir)
    assert good.path.read_bytes() == before
    assert sorted(p.name for p in data_dir.iterdir()) == ["taxonomy.sqlite"]


def test_missing_and_damaged_store(tmp_path: Path, mini: MiniEsco) -> None:
    with pytest.raises(TaxonomyNotBuiltError, match="skillmatch taxonomy build"):
        load_taxonomy(store_path(tmp_path))
    path = store_path(tmp_path)
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a readable skillmatch taxonomy store.*--force"):
        load_taxonomy(path)
    # A damaged store is rebuilt without --force.
    report = build_taxonomy([mini.write()], tmp_path)
    assert report.rebuilt and len(load_taxonomy(path).occupations) == 2
