"""Matching text to skills and occupations on a small taxonomy the tests build, with the real encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from skillmatch.cli import app
from skillmatch.encoder import EmbeddingCache, load_encoder
from skillmatch.errors import InputError
from skillmatch.glossary import Glossary, GlossarySettings
from skillmatch.index import ConceptIndex, _top_columns
from skillmatch.matching import Matcher, MatchSettings, Weights
from skillmatch.matching.context import OccupationContext
from skillmatch.matching.gloss import Readings
from skillmatch.taxonomy import ConceptKind, build_taxonomy, load_taxonomy
from tests.conftest import OCC, MiniEsco, S, build_mini


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory, e5_models: Path) -> Matcher:
    """One matcher for the tests that only read it: fitting its query adapters takes a quarter of a
    minute. The tests of fitting itself build their own on ``built``."""
    root = tmp_path_factory.mktemp("matcher")
    built = build_mini(MiniEsco(root / "esco-v1.1.1" / "en"), root / "data", e5_models)
    return Matcher(load_taxonomy(built / "taxonomy.sqlite"), load_encoder("e5-small", built)).fit(built)


def test_skills_for_english_and_dutch_outcomes(matcher: Matcher) -> None:
    top = matcher.match_skills("The student can write programs in Python.")[0]
    assert top.uri == S + "py"
    assert top.matched in ("Python", "python programming", "Python (computer programming)")
    assert 0.0 <= top.confidence <= 1.0 and top.status in ("linked", "suggested")
    # Dutch outcome, English-only labels: the multilingual encoder bridges the languages.
    assert matcher.match_skills("De student kan wonden verzorgen en verbinden")[0].uri == S + "care"


def test_outcome_block_keeps_evidence_per_outcome(matcher: Matcher) -> None:
    matches = matcher.match_skills("De student kan:\n- programmeren in Python\n- wondzorg verlenen", top_k=3)
    by_uri = {m.uri: m for m in matches}
    assert by_uri[S + "py"].outcome == "programmeren in Python"
    assert by_uri[S + "care"].outcome == "wondzorg verlenen"


def test_occupations_for_titles_and_vacancies(matcher: Matcher) -> None:
    assert matcher.match_occupations("Senior Java programmer")[0].uri == OCC + "dev"
    assert matcher.match_occupations("verpleegkundige")[0].uri == OCC + "nurse"
    vacancy = "Nurse (m/f)\nOur hospital ward is looking for a colleague to care for patients and dress wounds."
    assert matcher.match_occupations(vacancy)[0].uri == OCC + "nurse"


def test_bad_text(matcher: Matcher) -> None:
    with pytest.raises(InputError, match="empty text"):
        matcher.match_skills("  ")
    with pytest.raises(InputError, match="longer than"):
        matcher.match_occupations("x" * 60_000)


def test_index_is_reused_and_rebuilt_when_the_taxonomy_changes(mini: MiniEsco, built: Path) -> None:
    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    encoder = load_encoder("e5-small", built)
    folder = built / "index" / encoder.name / "skill"
    Matcher(taxonomy, encoder).fit(built)
    first = ConceptIndex.saved_fingerprint(folder)
    stamp = (folder / "vectors.faiss").stat().st_mtime_ns
    Matcher(taxonomy, encoder).fit(built)
    assert (folder / "vectors.faiss").stat().st_mtime_ns == stamp  # loaded, not rebuilt

    mini.tables["skills"].append(["KnowledgeSkillCompetence", S + "sql", "knowledge", "sector-specific", "SQL",
                                  "structured query language", "", "released", "", "Query databases."])
    build_taxonomy([mini.write()], built)
    changed = load_taxonomy(built / "taxonomy.sqlite")
    cache = EmbeddingCache(encoder, built / "cache")
    known_before = len(json.loads((cache.folder / "passage.json").read_text()))
    matcher = Matcher(changed, encoder).fit(built)
    assert ConceptIndex.saved_fingerprint(folder) != first
    assert matcher.match_skills("write SQL queries")[0].uri == S + "sql"
    # Only the new skill's three texts were encoded; the rest came from the cache.
    assert len(json.loads((cache.folder / "passage.json").read_text())) == known_before + 3


def test_a_damaged_index_is_rebuilt(built: Path) -> None:
    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    encoder = load_encoder("e5-small", built)
    Matcher(taxonomy, encoder).fit(built)
    folder = built / "index" / encoder.name / "occupation"
    (folder / "vectors.faiss").write_bytes(b"garbage")
    matcher = Matcher(taxonomy, encoder).fit(built)
    assert matcher.match_occupations("software developer")[0].uri == OCC + "dev"


def test_map_commands_report_bad_lines_and_map_the_rest(built: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": "a", "text": "programming in Python", "gold": ["ignored"]}),
        "{not json",
        json.dumps({"id": "c"}),
        json.dumps({"id": "d", "text": "   "}),
        "",
        json.dumps({"id": "e", "text": "wound care"}),
    ]) + "\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["map-skills", "--input", str(source), "--output", str(out), "--top-k", "2",
                                      "--data-dir", str(built)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", None, "c", "d", "e"]
    assert rows[0]["skills"][0]["uri"] == S + "py" and len(rows[0]["skills"]) == 2
    assert {"uri", "label", "score", "confidence", "status", "matched"} <= set(rows[0]["skills"][0])
    assert "invalid JSON" in rows[1]["error"] and 'a "text" string' in rows[2]["error"]
    assert "empty text" in rows[3]["error"]
    assert rows[4]["skills"][0]["uri"] == S + "care"
    output = result.output.replace("\n", "")
    assert "in.jsonl, line 2:" in output and "in.jsonl, line 4:" in output
    assert "mapped 2 of 5 lines" in output

    occupations = tmp_path / "occ.jsonl"
    result = CliRunner().invoke(app, ["map-occupations", "--input", str(source), "--output", str(occupations),
                                      "--data-dir", str(built)])
    assert result.exit_code == 0, result.output
    assert json.loads(occupations.read_text().splitlines()[0])["occupations"][0]["uri"] == OCC + "dev"


def test_unknown_encoder(built: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "x"}) + "\n")
    result = CliRunner().invoke(app, ["map-skills", "--input", str(source), "--output", str(tmp_path / "o"),
                                      "--encoder", "gpt", "--data-dir", str(built)])
    assert result.exit_code == 1 and "unknown encoder 'gpt'" in result.output


def test_stream_gives_each_batch_what_it_gives_alone(matcher: Matcher) -> None:
    batches = [["The student can write programs in Python.", "De student kan:\n- wonden verzorgen\n- samenwerken"],
               ["teamwork"], ["Python", "wound care", "work in a team"]]
    streamed = list(matcher.match_skills_stream(iter(batches), top_k=3))
    assert streamed == [matcher.match_skills_batch(batch, top_k=3) for batch in batches]
    assert list(matcher.match_skills_stream([])) == []


def test_an_index_reads_its_forms_as_arrays_as_from_json(matcher: Matcher) -> None:
    """The forms are read from ``forms.json`` once (writing ``forms.npz``), then from the arrays,
    alike; the vectors, read without FAISS, are FAISS's own."""
    import faiss

    folder = matcher.artefacts_.data_dir / "index" / matcher.encoder.name / "skill"
    (folder / "forms.npz").unlink()
    from_json = ConceptIndex(ConceptKind.SKILL, matcher.encoder).load(folder)
    assert (folder / "forms.npz").is_file()
    from_arrays = ConceptIndex(ConceptKind.SKILL, matcher.encoder).load(folder)
    for index in (from_json, from_arrays):
        assert index.uris_ == matcher.indexes_[ConceptKind.SKILL].uris_
        assert index.texts_ == matcher.indexes_[ConceptKind.SKILL].texts_
        assert index.owners_ == matcher.indexes_[ConceptKind.SKILL].owners_
    stored = faiss.read_index(str(folder / "vectors.faiss"))
    assert np.array_equal(from_arrays.matrix_, faiss.rev_swig_ptr(stored.get_xb(), stored.ntotal * stored.d)
                          .reshape(stored.ntotal, stored.d))
    for label in ("Python", "provide wound care"):
        hit = from_arrays.best_label(matcher.encoder.encode([label], role="query")[0], from_arrays.uris_.index(
            S + ("py" if label == "Python" else "care")))
        assert (hit.text, hit.lang) == (label, "en")


def test_derived_arrays_are_made_again_for_other_sources(matcher: Matcher, tmp_path: Path) -> None:
    made = []

    def make() -> dict[str, np.ndarray]:
        made.append(1)
        return {"values": np.arange(3)}

    path = tmp_path / "derived.npz"
    for sources in (["a", "b"], ["a", "b"], ["a", "c"]):
        assert matcher.artefacts_.derived(path, sources, make)["values"].tolist() == [0, 1, 2]
    assert len(made) == 2


def test_kinds_are_indexed_apart(matcher: Matcher) -> None:
    assert set(matcher.indexes_) == {ConceptKind.SKILL, ConceptKind.OCCUPATION}
    assert all(uri.startswith(OCC) for uri in matcher.indexes_[ConceptKind.OCCUPATION].uris_)


def test_top_columns_is_the_exact_top_m() -> None:
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(20, 5000)).astype(np.float32)
    matrix[3] = np.linspace(0, 1, 5000)  # few values near the max: the whole row is partitioned
    matrix[4, :300] = 10.0 - np.arange(300) * 1e-5  # many near the max: only those are
    top = _top_columns(matrix, 64)
    for row in range(len(matrix)):
        assert set(top[row]) == set(np.argsort(-matrix[row])[:64])


def test_chunks_keep_each_text_beside_its_gloss() -> None:
    # Texts 0-4; texts 1, 3 and 4 have glosses in rows 5, 6 and 7.
    partner = np.array([0, 5, 2, 6, 7, 1, 3, 4])

    def _chunks(partner: np.ndarray, size: int) -> list[np.ndarray]:
        texts = [str(row) for row in range(len(partner))]
        return list(Readings(texts, 5, partner, np.zeros(len(partner), dtype=bool), 0.5).chunks(size))

    for size in (1, 2, 3, 8):
        chunks = [chunk.tolist() for chunk in _chunks(partner, size)]
        assert sorted(row for chunk in chunks for row in chunk) == list(range(8))
        assert all(partner[row] in chunk for chunk in chunks for row in chunk)
        assert all(len(chunk) <= size + 1 for chunk in chunks)
    assert [row for chunk in _chunks(partner, 3) for row in chunk] == [0, 1, 5, 2, 3, 6, 4, 7]
    assert [chunk.tolist() for chunk in _chunks(np.arange(5), 2)] == [[0, 1], [2, 3], [4]]  # no glosses


def test_candidate_channels_equal_max_pooling_over_all_forms(matcher: Matcher) -> None:
    """For every candidate, the label, description and lexical channels are the exact maxima over
    the concept's own forms, computed here the slow way."""
    texts = ["De student kan programmeren in Python", "verpleegkundige zorg en wondverzorging"]
    dense, lexical = matcher.indexes_[ConceptKind.SKILL], matcher.lexical_[ConceptKind.SKILL]
    channels = matcher.evidence(ConceptKind.SKILL, texts)
    similarities = dense.similarities(channels.queries)
    ngrams = (lexical.vectors(texts) @ lexical.matrix_.T).toarray()
    pairs = dense.candidates(similarities, matcher.settings.candidate_forms)
    assert len(pairs)
    for row, cid in pairs.tolist():
        labels = [t for t, owners in enumerate(dense.owners_) for c, _l, f in owners if c == cid and f != "description"]
        descriptions = [t for t, owners in enumerate(dense.owners_) for c, _l, f in owners
                        if c == cid and f == "description"]
        assert channels["label"][row, cid] == pytest.approx(similarities[row, labels].max(), abs=1e-6)
        expected = similarities[row, descriptions].max() if descriptions else 0.0
        assert channels["description"][row, cid] == pytest.approx(expected, abs=1e-6)
        own = [t for t, owners in enumerate(lexical.owners_) for c, _l, _f in owners if c == cid]
        assert channels["lexical"][row, cid] == pytest.approx(ngrams[row, own].max(), abs=1e-5)


def test_lexical_ngrams_are_sklearns_char_wb() -> None:
    """The n-grams hashed are exactly those of scikit-learn's ``char_wb`` analyzer, counted alike."""
    import zlib
    from collections import Counter

    from sklearn.feature_extraction.text import CountVectorizer

    from skillmatch.index import LexicalIndex

    lexical = LexicalIndex(ConceptKind.SKILL)
    analyse = CountVectorizer(analyzer="char_wb", ngram_range=LexicalIndex.NGRAMS, lowercase=True).build_analyzer()
    texts = ["Python", "C", "AutoCAD  2D\tdrawings", "waterstraalsnijden", "", "één café", "ab cd"]
    counts = lexical._counts(texts)
    assert counts.shape == (len(texts), LexicalIndex.N_FEATURES)
    for row, text in enumerate(texts):
        expected = Counter(zlib.crc32(gram.encode()) % LexicalIndex.N_FEATURES for gram in analyse(text))
        start, end = counts.indptr[row], counts.indptr[row + 1]
        assert dict(zip(counts.indices[start:end].tolist(), counts.data[start:end].tolist(), strict=True)) == expected
    vectors = lexical._weigh(counts, np.ones(LexicalIndex.N_FEATURES, dtype=np.float32))
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    assert np.allclose(norms, [1, 1, 1, 1, 0, 1, 1], atol=1e-6)


def test_occupation_context_lifts_the_skills_of_the_nearest_occupations(matcher: Matcher) -> None:
    """The lift, computed here the slow way: the nurse's profile (care, team) is lifted by how far
    the nurse lies above the last of the two nearest occupations (the developer), whose own skill
    (Python) gets nothing; only candidates carry it in the channels."""
    skills = matcher.indexes_[ConceptKind.SKILL]
    context = OccupationContext(2).fit(matcher.taxonomy, skills, matcher.indexes_[ConceptKind.OCCUPATION])
    texts = ["verpleegkundige", "wondzorg verlenen op een verpleegafdeling"]
    encoded = matcher.encoder.encode(texts, role="query")
    occupation_queries = matcher.adapters_[ConceptKind.OCCUPATION].transform(encoded)
    scores = context.occupation_scores(occupation_queries)
    lift = context.lift(occupation_queries)
    uris = matcher.indexes_[ConceptKind.OCCUPATION].uris_
    cid = {uri: i for i, uri in enumerate(skills.uris_)}
    for row in range(len(texts)):
        nurse, dev = scores[row, uris.index(OCC + "nurse")], scores[row, uris.index(OCC + "dev")]
        assert nurse > dev
        assert lift[row, cid[S + "care"]] == pytest.approx(nurse - dev)
        assert lift[row, cid[S + "team"]] == pytest.approx(nurse - dev)  # optional for dev, essential for the nurse
        assert lift[row, cid[S + "py"]] == 0.0
    assert not OccupationContext(1).fit(matcher.taxonomy, skills,
                                        matcher.indexes_[ConceptKind.OCCUPATION]).lift(occupation_queries).any()
    channels = matcher.evidence(ConceptKind.SKILL, texts)
    assert matcher.weights(ConceptKind.SKILL)["context"] > 0
    assert np.all(channels["context"][channels["label"] == 0] == 0)
    assert channels["context"].max() > 0


def test_occupation_context_on_esco(esco_matcher: Matcher) -> None:
    """On the real taxonomy a Dutch craft phrase finds the goldsmith through its Dutch label, and
    every lifted skill is in the profile of one of the phrase's ten nearest occupations."""
    text = "Goudsmidswerk, zilverwerk"
    context = esco_matcher.channel(ConceptKind.SKILL, "context").context_
    encoded = esco_matcher.encoder.encode([text], role="query")
    queries = esco_matcher.adapters_[ConceptKind.OCCUPATION].transform(encoded)
    occupations = esco_matcher.indexes_[ConceptKind.OCCUPATION].uris_
    nearest = np.argsort(-context.occupation_scores(queries)[0])[: context.occupations]
    assert "goldsmith" in {esco_matcher.taxonomy.get(occupations[o]).label("en") for o in nearest}
    profiles = {s.uri for o in nearest for s in esco_matcher.taxonomy.skills_of(occupations[o])}
    skills = esco_matcher.indexes_[ConceptKind.SKILL].uris_
    lifted = {skills[c] for c in np.flatnonzero(context.lift(queries)[0] > 0)}
    assert lifted and lifted <= profiles


def test_crosslingual_channel_scores_dutch_texts_on_their_candidates(esco_matcher: Matcher) -> None:
    """USE's label scores reach Dutch texts only, only on the candidates e5 and the gloss found,
    and each is the best cosine over the skill's labels, computed here the slow way."""
    index = esco_matcher.channel(ConceptKind.SKILL, "crosslingual").index_.load()
    assert index is not None and index.encoder.name == "use" and not index.descriptions
    assert index.uris_ == esco_matcher.indexes_[ConceptKind.SKILL].uris_
    texts = ["Stalen nemen van vloeistoffen", "Use Python to analyse data"]
    channels = esco_matcher.evidence(ConceptKind.SKILL, texts)
    dutch, english = channels["crosslingual"]
    assert not english.any()
    assert np.count_nonzero(dutch) == np.count_nonzero(channels["label"][0])
    queries = index.encoder.encode(texts[:1], role="query")
    offsets, rows = index.label_rows_
    for cid in np.flatnonzero(dutch)[:25].tolist():
        own = rows[offsets[cid] : offsets[cid + 1]]
        assert dutch[cid] == pytest.approx(float((index.matrix_[own] @ queries[0]).max()), abs=1e-5)
    weights = esco_matcher.weights(ConceptKind.SKILL)
    assert weights["crosslingual"] > 0
    without = channels.combine(weights.with_channels(crosslingual=0.0))
    assert np.allclose(channels.combine(weights), without + weights["crosslingual"] * channels["crosslingual"])


def test_pair_scores_from_queries_equal_those_from_the_whole_product(esco_matcher: Matcher) -> None:
    """``query_pair_scores`` compares each query with its pairs' forms only (the crosslingual
    channel's way): the same label and description scores as gathered from the whole product."""
    index = esco_matcher.indexes_[ConceptKind.SKILL]
    queries = esco_matcher.encoder.encode(["Stalen nemen van vloeistoffen", "Use Python to analyse data",
                                          "manage a welding team"], role="query")
    similarities = index.similarities(queries)
    pairs = index.candidates(similarities, esco_matcher.settings.candidate_forms)
    assert len(pairs) > 300 and set(pairs[:, 0].tolist()) == {0, 1, 2} and np.all(np.diff(pairs[:, 0]) >= 0)
    expected = {descriptions: index.pair_scores(similarities, pairs, descriptions=descriptions)
                for descriptions in (False, True)}
    assert not np.allclose(expected[False], expected[True])
    for descriptions, scores in expected.items():
        assert np.allclose(index.query_pair_scores(queries, pairs, descriptions=descriptions), scores, atol=1e-6)


def test_no_crosslingual_encoder_builds_no_index(built: Path) -> None:
    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    settings = MatchSettings(crosslingual_encoder=None)
    matcher = Matcher(taxonomy, load_encoder("e5-small", built), settings=settings).fit(built)
    assert matcher.channel(ConceptKind.SKILL, "crosslingual").index_ is None
    assert not (built / "index" / "use").exists()
    assert not matcher.evidence(ConceptKind.SKILL, ["wondzorg verlenen"], every_channel=True)["crosslingual"].any()


def test_combine_is_the_weighted_sum_of_every_channel(matcher: Matcher) -> None:
    """Channels at weight 0 are skipped when combining; the result is the full weighted sum."""
    evidence = matcher.evidence(ConceptKind.SKILL, ["wondzorg verlenen", "Python"], every_channel=True)
    assert list(evidence.channels) == ["label", "description", "lexical", "context", "crosslingual"]
    for weights in (Weights.of(label=1.0, description=0.3, lexical=0.1, context=0.4, crosslingual=0.1),
                    Weights.of(label=0.5), Weights.of(label=1.0, lexical=0.2), Weights.of()):
        expected = sum(weights[name] * values for name, values in evidence.channels.items())
        assert np.allclose(evidence.combine(weights), expected, atol=1e-6)


def test_a_saved_crosslingual_index_is_loaded_on_the_first_dutch_text(built: Path) -> None:
    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    encoder = load_encoder("e5-small", built)
    first = Matcher(taxonomy, encoder).fit(built)
    assert first.channel(ConceptKind.SKILL, "crosslingual").index_.loaded is not None  # just built, so kept
    matcher = Matcher(taxonomy, encoder).fit(built)
    lazy = matcher.channel(ConceptKind.SKILL, "crosslingual").index_
    assert lazy.loaded is None and matcher.fingerprint_ == first.fingerprint_
    matcher.match_skills("The student can write programs in Python.")
    assert lazy.loaded is None
    # The small taxonomy has no Dutch, so its glossary tells no Dutch text: give it some.
    matcher.glossary_ = Glossary(GlossarySettings(min_count=1)).fit(
        [("wonden verzorgen", "care for wounds"), ("wonden verbinden", "dress wounds")])
    dutch = "De student kan wonden verzorgen en verbinden"
    assert matcher.glossary_.is_source_language(dutch)
    matcher.match_skills(dutch)
    assert lazy.loaded is not None
    assert lazy.loaded.uris_ == matcher.indexes_[ConceptKind.SKILL].uris_
