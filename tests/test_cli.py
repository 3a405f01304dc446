"""The command line as a user runs it: output, JSON, exit codes and error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillmatch.cli import app
from tests.conftest import ESCO, OCC, MiniEsco

runner = CliRunner()
NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def test_build_then_up_to_date(mini: MiniEsco, tmp_path: Path) -> None:
    folder = mini.write()
    first = run("taxonomy", "build", "--source", str(folder), "--data-dir", str(tmp_path))
    assert first.exit_code == 0, first.output
    assert "taxonomy store built" in first.output and "occupations" in first.output
    second = run("taxonomy", "build", "--source", str(folder), "--data-dir", str(tmp_path))
    assert "up to date, not rebuilt" in second.output


def test_info_json_on_the_official_release(official_store: Path) -> None:
    result = run("taxonomy", "info", "--json", "--data-dir", str(official_store.parent))
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["release"] == "v1.1.1"
    assert (info["skills"], info["occupations"]) == (13_896, 3_007)
    assert info["occupation_skill_relations"]["total"] == 123_855
    assert info["occupation_skill_relations"]["essential"] == 64_946
    assert info["skill_groups"] == 647 and info["isco_groups"] == 619


def test_info_json_with_dutch(merged_store: Path) -> None:
    info = json.loads(run("taxonomy", "info", "--json", "--data-dir", str(merged_store.parent)).output)
    assert info["languages"] == ["en", "nl"]
    assert info["labels_per_language"]["nl"]["occupation"] == 3_004
    assert info["labels_per_language"]["nl"]["skill"] == 2_235


def test_show(merged_store: Path) -> None:
    result = run("taxonomy", "show", NURSE, "--json", "--data-dir", str(merged_store.parent))
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert view["preferred"]["nl"] == "algemeen verpleegkundige"
    assert view["isco_group"] == "2221"
    assert len(view["essential_skills"]) > 20
    text = run("taxonomy", "show", NURSE, "--lang", "nl", "--data-dir", str(merged_store.parent)).output
    assert "algemeen verpleegkundige" in text and "essential_skills" in text


def test_show_unknown_uri(merged_store: Path) -> None:
    result = run("taxonomy", "show", OCC + "does-not-exist", "--data-dir", str(merged_store.parent))
    assert result.exit_code == 1
    assert "unknown ESCO concept" in result.output and "Traceback" not in result.output


def test_search_any_language(merged_store: Path) -> None:
    result = run("taxonomy", "search", "verpleegkundige algemene zorg", "--json",
                 "--data-dir", str(merged_store.parent))
    hits = json.loads(result.output)
    assert hits[0]["uri"] == NURSE and hits[0]["lang"] == "nl"
    english = json.loads(run("taxonomy", "search", "nurse responsible", "--kind", "occupation", "--json",
                             "--data-dir", str(merged_store.parent)).output)
    assert english[0]["uri"] == NURSE


def test_export_collection(official_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "green.jsonld"
    result = run("taxonomy", "export", "--collection", "green", "--format", "json-ld", "--output", str(out),
                 "--data-dir", str(official_store.parent))
    assert result.exit_code == 0, result.output
    assert "wrote 570 concepts" in result.output
    doc = json.loads(out.read_text())
    assert "@context" in doc
    unknown = run("taxonomy", "export", "--collection", "purple", "--output", str(out),
                  "--data-dir", str(official_store.parent))
    assert unknown.exit_code == 1 and "no collection 'purple'" in unknown.output


def test_not_built_yet(tmp_path: Path) -> None:
    result = run("taxonomy", "info", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "No taxonomy store" in result.output and "skillmatch taxonomy build" in result.output


def test_missing_esco_source_says_where_to_get_it(tmp_path: Path) -> None:
    result = run("taxonomy", "build", "--data-dir", str(tmp_path), env={"SKILLMATCH_ESCO": str(tmp_path / "nope")})
    assert result.exit_code == 1
    assert "does not exist" in result.output and "esco.ec.europa.eu" in result.output


def test_bad_source_reports_file_and_line(mini: MiniEsco, tmp_path: Path) -> None:
    mini.tables["occupationSkillRelations"][3][1] = "sometimes"
    result = run("taxonomy", "build", "--source", str(mini.write()), "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "occupationSkillRelations_en.csv, line 4" in result.output.replace("\n", "")
    assert "Traceback" not in result.output
    assert not (tmp_path / "taxonomy.sqlite").exists()


@pytest.mark.parametrize("lang", ["xx", "nl"])
def test_bad_language_option(lang: str, tmp_path: Path) -> None:
    result = run("taxonomy", "build", "--source", str(ESCO), "--lang", lang, "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "--lang" in result.output or "no ESCO label files" in result.output
