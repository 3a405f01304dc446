"""The Dutch-to-English glossary: IBM Model 1 on a corpus the tests write, on ESCO's own
translations, and the matcher's blend of a Dutch text's evidence with its gloss's."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from skillmatch.errors import StoreError
from skillmatch.glossary import Glossary, GlossarySettings, dutch_lemmas, ensure_glossary, parallel_texts
from skillmatch.matching import Matcher, gloss
from skillmatch.taxonomy import ConceptKind, load_taxonomy
from tests.conftest import REPO, S

BENCHMARKS = REPO.parent / "shared" / "benchmarks"

#: Every word comes in two contexts, so EM can tell which English word it stands for.
CORPUS = [
    ("de rode fiets", "the red bicycle"),
    ("de blauwe fiets", "the blue bicycle"),
    ("de rode bel", "the red bell"),
    ("de blauwe bel", "the blue bell"),
    ("een rode auto", "a red car"),
    ("een blauwe auto", "a blue car"),
    ("de snelle auto", "the fast car"),
    ("een snelle fiets", "a fast bicycle"),
]
LOOSE = GlossarySettings(min_count=1, min_part_count=1)


@pytest.fixture
def tiny() -> Glossary:
    return Glossary(LOOSE).fit(CORPUS)


def test_model1_learns_the_word_translations(tiny: Glossary) -> None:
    assert {w: tiny.translations_[w] for w in ("rode", "blauwe", "fiets", "bel", "auto", "snelle")} == {
        "rode": "red", "blauwe": "blue", "fiets": "bicycle", "bel": "bell", "auto": "car", "snelle": "fast"}
    assert tiny.gloss("Een blauwe bel, de rode auto!") == "a blue bell, the red car!"


def test_compounds_are_glossed_by_their_parts(tiny: Glossary) -> None:
    assert tiny.gloss("fietsbel") == "bicycle bell"
    assert tiny.gloss("autosbel") == "car bell"  # a linking s between the parts
    assert tiny.gloss("fietsxyz") == "fietsxyz"  # a part unknown: left as it is
    assert tiny.gloss("s") == "s"  # a lone letter is never glossed


def test_dutch_lemmas_undo_the_spelling_changes_of_an_ending() -> None:
    assert dutch_lemmas("kleuren")[0] == "kleur"  # plural -en
    assert "methode" in dutch_lemmas("methodes")  # plural -s
    assert "rek" in dutch_lemmas("rekken")  # doubled consonant
    assert "staal" in dutch_lemmas("stalen")  # long vowel written once
    assert "destructief" in dutch_lemmas("destructieve")  # adjective -e, v for f
    assert "reis" in dutch_lemmas("reizen")  # z for s
    assert "voorbereiding" in dutch_lemmas("voorbereiden")  # the verb's noun
    assert dutch_lemmas("herstellingen") == ["herstelling"]
    assert dutch_lemmas("kat") == [] and dutch_lemmas("de") == []  # too short to carry an ending


def test_inflected_words_are_glossed_through_their_base_form(tiny: Glossary) -> None:
    assert "fietsen" not in tiny.translations_ and tiny.gloss("fietsen") == "bicycle"
    assert tiny.gloss("bellen") == "bell"  # bel + len: the doubled consonant undone
    # "rood" is unknown, but the lexicon's "rode" has the same base form.
    assert "rood" not in tiny.translations_ and tiny.gloss("rood") == "red"
    assert tiny.gloss("fietsbellen") == "bicycle bell"  # a compound's head carries the inflection
    assert tiny.is_source_language("rood")
    english = Glossary(dataclasses.replace(LOOSE, source="en", target="nl")).fit([(b, a) for a, b in CORPUS])
    assert english.gloss("bicycles") == "bicycles"  # the Dutch endings are for Dutch only


def test_thresholds_keep_rare_words_out() -> None:
    strict = Glossary(GlossarySettings(min_count=3)).fit(CORPUS)
    assert "bel" not in strict.translations_  # seen twice
    assert strict.translations_["fiets"] == "bicycle"  # seen three times


def test_only_source_language_texts_are_glossed(tiny: Glossary) -> None:
    assert tiny.is_source_language("de rode fiets") and tiny.is_source_language("fietsbel")
    assert not tiny.is_source_language("the red bicycle") and not tiny.is_source_language("Python 3")
    assert tiny.glosses(["the red car", "de rode auto", "Python", "een fiets"]) == {1: "the red car", 3: "a bicycle"}


def test_a_taxonomy_without_the_language_gives_an_empty_glossary() -> None:
    empty = Glossary().fit([], target_texts=["the red car"])
    assert empty.translations_ == {} and empty.glosses(["de rode auto", "the red car"]) == {}


def test_saved_glossary_is_reused_and_refused_for_other_data(tiny: Glossary, tmp_path: Path) -> None:
    path = tmp_path / "glossary" / "nl-en.json"
    tiny.save(path, "abc")
    again = Glossary.load(path, "abc")
    assert again.translations_ == tiny.translations_ and again.parts_ == tiny.parts_
    assert again.gloss("fietsbel") == "bicycle bell" and again.settings == LOOSE
    with pytest.raises(StoreError, match="other data"):
        Glossary.load(path, "def")
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="unreadable"):
        Glossary.load(path, "abc")


def test_ensure_glossary_learns_once_and_relearns_a_damaged_file(esco_matcher: Matcher, tmp_path: Path) -> None:
    path = tmp_path / "nl-en.json"
    first = ensure_glossary(esco_matcher.taxonomy, path)
    assert first.translations_ == esco_matcher.glossary_.translations_
    stamp = path.stat().st_mtime_ns
    assert ensure_glossary(esco_matcher.taxonomy, path).translations_ == first.translations_
    assert path.stat().st_mtime_ns == stamp  # loaded, not learned again
    path.write_bytes(b"\0garbage")
    assert ensure_glossary(esco_matcher.taxonomy, path).translations_ == first.translations_
    assert json.loads(path.read_text(encoding="utf-8"))["translations"] == first.translations_


# -- on ESCO --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def esco_glossary(esco_matcher: Matcher) -> Glossary:
    return esco_matcher.glossary_


def test_esco_gives_parallel_texts_and_a_lexicon(esco_matcher: Matcher, esco_glossary: Glossary) -> None:
    pairs = parallel_texts(esco_matcher.taxonomy)
    assert len(pairs) > 15_000
    assert len(esco_glossary.translations_) > 5_000
    for dutch, english in (("melk", "milk"), ("eigenschappen", "properties"), ("verkopen", "sell"),
                           ("bomen", "trees"), ("lassen", "welding")):
        assert esco_glossary.translations_[dutch] == english
    assert esco_glossary.gloss("Melkprocedures").startswith("milk procedure")
    assert esco_glossary.gloss("Eigenschappen van composietmaterialen").startswith("properties of")
    # Inflected forms the lexicon lacks reach it through their base form.
    for dutch, english in (("kleuren", "colour"), ("uitrustingen", "equipment"), ("therapeutisch", "therapeutic")):
        assert dutch not in esco_glossary.translations_ and esco_glossary.gloss(dutch) == english


def test_benchmark_phrases_are_told_apart_by_language(esco_glossary: Glossary) -> None:
    """The Dutch VDAB phrases are nearly all glossed, the English job-ad sentences never."""
    def share(name: str) -> float:
        texts = [json.loads(line)["text"] for line in (BENCHMARKS / name).read_text(encoding="utf-8").splitlines()]
        return len(esco_glossary.glosses(texts)) / len(texts)

    assert share("skills_vdab_nl_dev.jsonl") > 0.8
    assert share("skills_skillskape_dev.jsonl") == 0.0
    assert share("skills_tech_val.jsonl") == 0.0


def test_matcher_blends_a_dutch_texts_evidence_with_its_gloss(esco_matcher: Matcher) -> None:
    texts = ["Melkprocedures", "Python programming"]
    glossed = esco_matcher.glossary_.gloss(texts[0])
    share = esco_matcher.settings.gloss
    assert 0 < share < 1 and glossed != texts[0]
    blended = esco_matcher.evidence(ConceptKind.SKILL, texts)
    settings = esco_matcher.settings
    esco_matcher.settings = dataclasses.replace(settings, gloss=0.0)
    try:
        alone = esco_matcher.evidence(ConceptKind.SKILL, [*texts, glossed])
    finally:
        esco_matcher.settings = settings
    # Both readings are scored on the candidates of either.
    both = (alone["label"][0] != 0) & (alone["label"][2] != 0)
    either = (alone["label"][0] != 0) | (alone["label"][2] != 0)
    assert np.array_equal(blended["label"][0] != 0, either) and (either & ~both).any()
    for name in ("label", "description", "lexical", "context"):
        got, own = blended[name], alone[name]
        assert np.allclose(got[0, both], (1 - share) * own[0, both] + share * own[2, both], atol=1e-6)
        assert np.allclose(got[1], own[1], atol=1e-6)  # English: not glossed
    dense = esco_matcher.indexes_[ConceptKind.SKILL]
    for cid in np.flatnonzero(either & ~both)[:20]:
        text, gloss_score = (dense.best_label(alone.queries[row], cid).score for row in (0, 2))
        assert np.isclose(blended["label"][0, cid], (1 - share) * text + share * gloss_score, atol=1e-5)
    assert np.allclose(blended.queries, alone.queries[:2])  # the evidence shown is the text's own
    uris = esco_matcher.indexes_[ConceptKind.SKILL].uris_
    milk = uris.index(next(c.uri for c in esco_matcher.taxonomy.skills if c.label("en") == "perform milk control"))
    assert alone["label"][2, milk] > alone["label"][0, milk]  # the gloss is nearer the skill meant
    assert blended["label"][0, milk] > alone["label"][0, milk]


def test_dutch_skill_texts_are_read_twice_and_occupations_once(esco_matcher: Matcher) -> None:
    texts = ["Melkprocedures", "Python programming"]
    readings = gloss.read(texts, esco_matcher.glossary_, esco_matcher.settings.gloss)
    assert readings.texts == [*texts, esco_matcher.glossary_.gloss(texts[0])]
    assert readings.partner.tolist() == [2, 1, 0] and readings.dutch.tolist() == [True, False, False]
    # Without a share the Dutch text is still told apart (the crosslingual channel needs it), unglossed.
    alone = gloss.read(texts, esco_matcher.glossary_, 0.0)
    assert alone.texts == texts and alone.dutch.tolist() == [True, False]
    # Occupations: the same evidence whatever the gloss share.
    settings = esco_matcher.settings
    glossed = esco_matcher.evidence(ConceptKind.OCCUPATION, ["verpleegkundige bij melkprocedures"])
    esco_matcher.settings = dataclasses.replace(settings, gloss=0.0)
    try:
        plain = esco_matcher.evidence(ConceptKind.OCCUPATION, ["verpleegkundige bij melkprocedures"])
    finally:
        esco_matcher.settings = settings
    assert np.array_equal(glossed["label"], plain["label"])


def test_mini_taxonomy_has_no_dutch_and_matches_as_before(built: Path) -> None:
    from skillmatch.encoder import load_encoder

    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    matcher = Matcher(taxonomy, load_encoder("e5-small", built)).fit(built)
    assert matcher.glossary_.translations_ == {}
    assert (built / "glossary" / "nl-en.json").exists()
    assert matcher.match_skills("De student kan wonden verzorgen en verbinden")[0].uri == S + "care"
