"""An institution's catalogue on the real ESCO index and the sample offer: import, incremental
re-mapping, review, write-back — on SQLite and on PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from skillmatch.catalogue import Catalogue
from skillmatch.config import Settings
from skillmatch.credentials import CredentialFormat, read_file
from skillmatch.domain import credential_skills
from skillmatch.errors import UnknownConceptError
from skillmatch.matching import Matcher
from skillmatch.store import CatalogueStore
from tests.conftest import BROKEN, SAMPLES

SKILL = "http://data.europa.eu/esco/skill/"
DATAVIS = "https://api.edubadges.example/public/badges/k3_v5B16hK4O13aY58kXUe"
DATAVIS_ISSUER = {SKILL + "c3e36d05-8ae8-447f-bb2b-6f9409f85389", SKILL + "348b74cd-49ce-4844-8bdf-ec188b497213",
                  SKILL + "97bd1c21-66b2-4b7e-ad0f-e3cda590e378"}
CYBER = "https://api.edubadges.example/public/badges/YBqNoMzgnXh59it6ZRf6V0"


@pytest.fixture
def catalogue(store: CatalogueStore, esco_matcher: Matcher) -> Catalogue:
    return Catalogue(store, esco_matcher)


@pytest.fixture
def imported(catalogue: Catalogue) -> Catalogue:
    report = catalogue.import_paths([SAMPLES / "catalogue"])
    assert len(report.added) == 38 and not report.failed and len(report.mapped) == 38
    return catalogue


def test_import_maps_every_credential_and_keeps_issuer_alignments(imported: Catalogue) -> None:
    skills = imported.skills(DATAVIS)
    issuer = {s.link.skill_uri for s in skills if s.link.origin == "issuer"}
    assert issuer == DATAVIS_ISSUER
    assert all(s.state == "issuer" for s in skills if s.link.origin == "issuer")
    inferred = [s for s in skills if s.link.origin == "inferred"]
    assert inferred and all(s.link.outcome and s.link.matched and 0 <= s.confidence <= 1 for s in inferred)
    # A visualisation course is matched to visualisation skills, and the evidence says which outcome.
    labels = {s.link.label for s in skills}
    assert labels & {"create data visualisation", "deliver visual presentation of data",
                     "visual presentation techniques"}
    # A Dutch outcome block (no English given) is matched too.
    cyber = imported.skills(CYBER)
    assert any("security" in s.link.label or "cyber" in s.link.label for s in cyber[:5]), [s.link.label for s in cyber]


def test_reimport_is_incremental(imported: Catalogue, tmp_path: Path) -> None:
    again = imported.import_paths([SAMPLES / "catalogue"])
    assert len(again.unchanged) == 38 and again.mapped == []
    # One changed file: only that credential is updated and mapped again.
    changed = tmp_path / "offer"
    shutil.copytree(SAMPLES / "catalogue", changed)
    path = changed / "hds-data-visualisation.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["extensions:LearningOutcomeExtension"]["LearningOutcome"] += "\n- build an interactive dashboard"
    path.write_text(json.dumps(document), encoding="utf-8")
    report = imported.import_paths([changed])
    assert report.updated == [DATAVIS] and len(report.unchanged) == 37 and report.mapped == [DATAVIS]
    assert any("dashboard" in (s.link.outcome or "") for s in imported.skills(DATAVIS))


def test_reviews_survive_remapping_and_win(imported: Catalogue, esco_matcher: Matcher) -> None:
    skills = imported.skills(DATAVIS)
    inferred = [s for s in skills if s.link.origin == "inferred"]
    rejected, confirmed = inferred[0].link.skill_uri, inferred[-1].link.skill_uri
    issuer_rejected = next(iter(sorted(DATAVIS_ISSUER)))
    imported.review(DATAVIS, rejected, "rejected", reviewer="Anna de Vries", note="not assessed")
    imported.review(DATAVIS, confirmed, "confirmed")
    imported.review(DATAVIS, issuer_rejected, "rejected")
    with pytest.raises(UnknownConceptError):
        imported.review(DATAVIS, SKILL + "not-a-skill", "confirmed")

    # Another matcher (other settings) makes every credential stale; the reviews stay and win.
    other = replace(esco_matcher.settings, tuned=replace(esco_matcher.settings.tuned, threshold=0.4))
    moved = Catalogue(imported.store, Matcher(esco_matcher.taxonomy, esco_matcher.encoder, settings=other)
                      .fit(Settings().data_dir))
    assert len(moved.remap()) == 38
    states = {s.link.skill_uri: s.state for s in moved.skills(DATAVIS)}
    assert states[rejected] == "rejected" and states[issuer_rejected] == "rejected"
    assert states.get(confirmed, "confirmed") == "confirmed"
    review = imported.store.get(DATAVIS).reviews[rejected]
    assert (review.reviewer, review.note) == ("Anna de Vries", "not assessed")


def test_export_writes_enriched_credentials_in_each_format(imported: Catalogue, tmp_path: Path) -> None:
    rejected = next(s.link.skill_uri for s in imported.skills(DATAVIS) if s.link.origin == "inferred")
    imported.review(DATAVIS, rejected, "rejected")
    written = imported.export(tmp_path / "ob2")
    assert len(written) == 39 and written[-1].name == "catalogue.json"
    badge = json.loads((tmp_path / "ob2" / "k3_v5B16hK4O13aY58kXUe.json").read_text(encoding="utf-8"))
    uris = [a["targetUrl"] for a in badge["alignment"]]
    assert 3 <= len(uris) <= 7 and set(uris[:3]) == DATAVIS_ISSUER and rejected not in uris
    assert all(a["targetFramework"] == "ESCO" for a in badge["alignment"])
    # The export reads back as the same credential (only the alignments differ).
    original = read_file(SAMPLES / "catalogue" / "hds-data-visualisation.json")
    again = read_file(tmp_path / "ob2" / "k3_v5B16hK4O13aY58kXUe.json")
    assert replace(again, alignments=original.alignments) == original
    summary = {c["id"]: c for c in json.loads(written[-1].read_text(encoding="utf-8"))["credentials"]}
    assert "level" in summary[CYBER]["eu_missing"]
    assert {s["uri"]: s["state"] for s in summary[DATAVIS]["skills"]}[rejected] == "rejected"

    imported.export(tmp_path / "ob3", fmt=CredentialFormat.OB3)
    achievement = json.loads((tmp_path / "ob3" / "k3_v5B16hK4O13aY58kXUe.json").read_text(encoding="utf-8"))
    assert {a["targetType"] for a in achievement["alignment"] if a.get("targetUrl", "").startswith(SKILL)} == \
        {"ext:ESCOAlignment"}
    imported.export(tmp_path / "elm", fmt=CredentialFormat.ELM)
    spec = json.loads((tmp_path / "elm" / "k3_v5B16hK4O13aY58kXUe.json").read_text(encoding="utf-8"))
    related = {skill["id"] for outcome in spec["learningOutcome"] for skill in outcome.get("relatedESCOSkill", [])}
    assert DATAVIS_ISSUER <= related and rejected not in related


def test_bad_files_are_reported_and_the_rest_imported(catalogue: Catalogue, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(BROKEN, folder)
    shutil.copy(SAMPLES / "catalogue" / "rll-wondzorg.json", folder)
    report = catalogue.import_paths([folder, tmp_path / "missing.json"])
    failed = dict(report.failed)
    assert str(tmp_path / "missing.json") in failed
    assert "invalid JSON" in failed[str(folder / "invalid-json.json")]
    assert "ECTS" in failed[str(folder / "badgeclass-ects-as-text.json")]
    assert "altered after signing" not in " ".join(failed.values())  # no trust list on import: not verified
    assert "https://api.edubadges.example/public/badges/PQxEGWsr4K90_UX1Dhz-7j" in report.added
    # Nine issuer alignments are imported (only writing is capped at 7).
    nine = next(r for r in catalogue.records() if r.source and r.source.endswith("badgeclass-9-alignments.json"))
    assert sum(link.origin == "issuer" for link in nine.links) == 9


def test_csv_offer(catalogue: Catalogue, tmp_path: Path) -> None:
    table = tmp_path / "offer.csv"
    table.write_text(
        "id;title;language;issuer_name;country;eqf_level;ects;learning_outcomes;assessment_type;participation;"
        "quality_assurance;esco_skills\n"
        'https://roc.example/mc/1;Zonnepanelen leggen;nl;ROC Voorbeeld;NL;4;3;"De student kan:\n'
        '- zonnepanelen monteren op een schuin dak\n- een omvormer aansluiten";praktijkexamen;on-site;NRTO;'
        f"{SKILL}1c6736c2-77de-419c-9b84-8932e15abc21 {SKILL}0000-unknown\n",
        encoding="utf-8")
    report = catalogue.import_paths([table])
    assert report.added == ["https://roc.example/mc/1"] and report.mapped == ["https://roc.example/mc/1"]
    assert any("0000-unknown" in problem for _, problem in report.warnings)
    record = catalogue.store.get("https://roc.example/mc/1")
    assert (record.eqf_level, record.ects, record.country) == (4, 3.0, "NL")
    assert [link.skill_uri for link in record.links if link.origin == "issuer"] == \
        [SKILL + "1c6736c2-77de-419c-9b84-8932e15abc21"]
    assert any("solar" in s.link.label or "photovoltaic" in s.link.label for s in credential_skills(record))

    bad = tmp_path / "bad.csv"
    bad.write_text("id,title,learning_outcomes,eqf_level\nx,Title,outcome text,12\n", encoding="utf-8")
    report = catalogue.import_paths([bad])
    assert report.failed and "line 2" in report.failed[0][1] and "eqf_level" in report.failed[0][1]



def test_a_credential_maps_the_same_alone_or_with_others(imported: Catalogue, tmp_path: Path,
                                                          esco_matcher: Matcher) -> None:
    """Imported with the whole offer (mapped 16 at a time) or alone, a credential gets the same
    skills; so re-mapping everything with the same matcher changes no credential's revision, and
    no passport holding one is rebuilt."""
    revisions = imported.store.revisions(r.id for r in imported.records())
    with_others = imported.store.get(DATAVIS).links
    assert len(imported.remap(force=True)) == 38
    assert imported.store.revisions(revisions) == revisions
    alone = Catalogue(CatalogueStore.open(f"sqlite:///{tmp_path / 'alone.sqlite'}", tmp_path), esco_matcher)
    source = next(p for p in (SAMPLES / "catalogue").glob("*.json") if read_file(p).id == DATAVIS)
    alone.import_paths([source])
    assert [(link.skill_uri, link.status, link.outcome, pytest.approx(link.confidence, abs=1e-6))
            for link in alone.store.get(DATAVIS).links] == [
        (link.skill_uri, link.status, link.outcome, link.confidence) for link in with_others]
