"""The query adapter: fitting on toy geometry, persistence, training data, and its place in the matcher."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from skillmatch.adapter import AdapterSettings, LabelledText, QueryAdapter, read_labelled
from skillmatch.encoder import load_encoder
from skillmatch.errors import InputError, StoreError
from skillmatch.matching import Matcher, MatchSettings
from skillmatch.taxonomy import ConceptKind, load_taxonomy
from tests.conftest import OCC, S


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _toy(seed: int, n: int = 300, dim: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forms, and queries that are the same fixed linear distortion (plus noise) of their form."""
    rng = np.random.default_rng(seed)
    forms = _unit(rng.normal(size=(n, dim)))
    distortion = np.eye(dim) + 1.5 * rng.normal(size=(dim, dim)) / np.sqrt(dim)
    targets = rng.integers(0, n, size=3 * n)
    queries = _unit(forms[targets] @ distortion + 0.05 * rng.normal(size=(len(targets), dim)))
    return forms, queries, targets


def _accuracy(queries: np.ndarray, forms: np.ndarray, targets: np.ndarray) -> float:
    return float(np.mean(np.argmax(queries @ forms.T, axis=1) == targets))


def test_adapter_learns_a_shared_distortion_and_generalises() -> None:
    forms, queries, targets = _toy(0)
    train, test = slice(0, 600), slice(600, None)
    adapter = QueryAdapter(AdapterSettings(steps=300, learning_rate=1e-2, l2=0.0, temperature=0.05)).fit(
        queries[train], [np.array([t]) for t in targets[train]], forms, np.full(600, -1))
    before = _accuracy(queries[test], forms, targets[test])
    after = _accuracy(adapter.transform(queries[test]), forms, targets[test])
    assert after > before + 0.15 and after > 0.9, (before, after)
    assert np.allclose(np.linalg.norm(adapter.transform(queries[test]), axis=1), 1.0, atol=1e-5)


def test_l2_keeps_the_adapter_near_the_identity() -> None:
    forms, queries, targets = _toy(1)
    positives = [np.array([t]) for t in targets]
    free = QueryAdapter(AdapterSettings(steps=100, learning_rate=1e-2, l2=0.0)).fit(
        queries, positives, forms, np.full(len(queries), -1))
    held = QueryAdapter(AdapterSettings(steps=100, learning_rate=1e-2, l2=1.0)).fit(
        queries, positives, forms, np.full(len(queries), -1))
    assert np.linalg.norm(held.weights_) < 0.5 * np.linalg.norm(free.weights_)


def test_a_hidden_form_is_neither_target_nor_competitor() -> None:
    """ESCO's own pairs: the query is a stored form itself; hidden, it cannot be the answer."""
    forms, _queries, _targets = _toy(2, n=50)
    queries = forms[:20]  # each query is exactly form i, whose concept also owns form i + 20
    adapter = QueryAdapter(AdapterSettings(steps=50, learning_rate=1e-2)).fit(
        queries, [np.array([i, i + 20]) for i in range(20)], forms, np.arange(20))
    assert np.isfinite(adapter.weights_).all()


def test_fit_needs_pairs() -> None:
    with pytest.raises(InputError, match="at least one training pair"):
        QueryAdapter().fit(np.zeros((0, 4), dtype=np.float32), [], np.eye(4, dtype=np.float32), np.zeros(0, int))


def test_save_and_load(tmp_path: Path) -> None:
    forms, queries, targets = _toy(3, n=40)
    adapter = QueryAdapter(AdapterSettings(steps=5)).fit(queries, [np.array([t]) for t in targets], forms,
                                                         np.full(len(queries), -1))
    path = tmp_path / "adapter.npz"
    adapter.save(path, "abc")
    loaded = QueryAdapter.load(path, "abc")
    assert np.array_equal(loaded.weights_, adapter.weights_) and loaded.settings == adapter.settings
    with pytest.raises(StoreError, match="fitted on other data"):
        QueryAdapter.load(path, "other")
    path.write_bytes(b"not a zip")
    with pytest.raises(StoreError, match="unreadable"):
        QueryAdapter.load(path, "abc")
    with pytest.raises(StoreError, match="unreadable"):
        QueryAdapter.load(tmp_path / "missing.npz", "abc")


def test_read_labelled_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "1", "text": "wound care", "gold": [S + "care"]}) + "\n\n")
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": "Python", "gold": [S + "py", OCC + "dev"]}) + "\n")
    (tmp_path / "notes.txt").write_text("not training data")
    assert read_labelled([tmp_path]) == [LabelledText("wound care", (S + "care",)),
                                         LabelledText("Python", (S + "py", OCC + "dev"))]
    assert read_labelled([tmp_path / "b.jsonl"]) == [LabelledText("Python", (S + "py", OCC + "dev"))]
    (tmp_path / "c.jsonl").write_text(json.dumps({"text": "x", "gold": [S + "py"]}) + "\n{broken\n")
    with pytest.raises(InputError, match=r"c\.jsonl:2: a training line needs JSON"):
        read_labelled([tmp_path])
    (tmp_path / "c.jsonl").write_text(json.dumps({"text": 3, "gold": "x"}) + "\n")
    with pytest.raises(InputError, match=r"c\.jsonl:1: text must be a string"):
        read_labelled([tmp_path / "c.jsonl"])


def test_matcher_fits_its_adapters_once_and_refits_for_new_training_data(built: Path, tmp_path: Path) -> None:
    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    encoder = load_encoder("e5-small", built)
    training = tmp_path / "training.jsonl"
    training.write_text(json.dumps({"text": "De student kan programmeren", "gold": [S + "py"]}) + "\n")
    first = Matcher(taxonomy, encoder).fit(built, training_data=[training])
    assert set(first.adapters_) == {ConceptKind.SKILL, ConceptKind.OCCUPATION}
    saved = built / "index" / encoder.name / "skill" / "adapter.npz"
    stamp = saved.stat().st_mtime_ns
    again = Matcher(taxonomy, encoder).fit(built, training_data=[training])
    assert saved.stat().st_mtime_ns == stamp and again.fingerprint_ == first.fingerprint_
    assert np.array_equal(again.adapters_[ConceptKind.SKILL].weights_, first.adapters_[ConceptKind.SKILL].weights_)

    training.write_text(json.dumps({"text": "De student kan wonden verzorgen", "gold": [S + "care"]}) + "\n")
    changed = Matcher(taxonomy, encoder).fit(built, training_data=[training])
    assert saved.stat().st_mtime_ns != stamp and changed.fingerprint_ != first.fingerprint_
    assert changed.match_skills("De student kan wonden verzorgen")[0].uri == S + "care"


def test_an_adapter_saved_without_a_source_digest_is_kept_and_given_one(built: Path, tmp_path: Path) -> None:
    """An adapter saved before the digest of its training files was recorded is checked against
    the full fingerprint once (not fitted again), and saved with the digest for the next start."""
    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    encoder = load_encoder("e5-small", built)
    training = tmp_path / "training.jsonl"
    training.write_text(json.dumps({"text": "De student kan programmeren", "gold": [S + "py"]}) + "\n")
    first = Matcher(taxonomy, encoder).fit(built, training_data=[training])
    saved = built / "index" / encoder.name / "skill" / "adapter.npz"
    wanted = first.artefacts_.adapter_fingerprints[ConceptKind.SKILL]
    assert QueryAdapter.load(saved, wanted).source
    first.adapters_[ConceptKind.SKILL].save(saved, wanted)
    assert not QueryAdapter.load(saved, wanted).source
    again = Matcher(taxonomy, encoder).fit(built, training_data=[training])
    assert np.array_equal(again.adapters_[ConceptKind.SKILL].weights_, first.adapters_[ConceptKind.SKILL].weights_)
    assert QueryAdapter.load(saved, wanted).source and again.fingerprint_ == first.fingerprint_


def test_matcher_without_adapter_compares_raw_queries(built: Path) -> None:
    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    encoder = load_encoder("e5-small", built)
    plain = Matcher(taxonomy, encoder, settings=MatchSettings(adapter=None)).fit(built, training_data=[])
    assert plain.adapters_ == {}
    channels = plain.evidence(ConceptKind.SKILL, ["programmeren in Python"])
    assert np.allclose(channels.queries, encoder.encode(["programmeren in Python"], role="query"), atol=1e-6)
    assert not (built / "index" / encoder.name / "skill" / "adapter.npz").exists()
