"""The matcher's tuned settings as a saved artefact, and channels as plug-ins of one shape."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.tune import data_fingerprint
from skillmatch.encoder import load_encoder
from skillmatch.errors import ConfigurationError
from skillmatch.matching import CHANNELS, Matcher, MatchSettings, TunedSettings, TunedSettingsWarning, Weights
from skillmatch.matching import matcher as matcher_module
from skillmatch.matching.artefacts import Artefacts
from skillmatch.matching.channel import Chunk
from skillmatch.matching.settings import DEFAULT_TUNED
from skillmatch.taxonomy import ConceptKind, load_taxonomy
from tests.conftest import REPO, S

GOLD = REPO.parent / "shared" / "benchmarks"


def test_shipped_settings_say_which_tuning_run_made_them() -> None:
    tuned = TunedSettings.load()
    assert DEFAULT_TUNED.resolve() == REPO / "models" / "matching-settings.json"
    provenance = tuned.provenance
    assert provenance is not None and provenance.encoder == "e5-small" and "tune.py" in provenance.command
    assert set(provenance.figures) == {"skill", "occupation"}
    # Every weight belongs to a channel that exists for the kind.
    for kind in (ConceptKind.SKILL, ConceptKind.OCCUPATION):
        names = {channel.name for channel in CHANNELS if kind in channel.kinds}
        weights = tuned.of(kind).weights
        assert weights["label"] == 1.0 and {name for name, _w in weights.channels} <= names
    if GOLD.is_dir():  # tuned on exactly the development files beside the checkout
        paths = sorted(GOLD.glob("skills_*.jsonl")) + sorted(GOLD.glob("occupations_*.jsonl"))
        assert provenance.data_fingerprint == data_fingerprint(paths, limit=None, seeds=3)


def test_settings_round_trip_and_bad_files_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tuned = TunedSettings.load()
    path = tmp_path / "tuned.json"
    tuned.save(path)
    assert TunedSettings.load(path) == tuned and TunedSettings.load(path).provenance == tuned.provenance
    changed = json.loads(path.read_text())
    changed["skills"]["weights"]["channels"]["lexical"] = 0.7
    path.write_text(json.dumps(changed))
    monkeypatch.setenv("SKILLMATCH_MATCHING_SETTINGS", str(path))
    assert MatchSettings().weights(ConceptKind.SKILL)["lexical"] == 0.7
    for content, problem in (("{not json", "not a tuned-settings file"), ('{"format": 9}', "format 9"),
                             ('{"format": 1, "skills": {}}', "not a tuned-settings file")):
        path.write_text(content)
        with pytest.raises(ConfigurationError, match=problem) as caught:
            TunedSettings.load(path)
        assert str(path) in str(caught.value)
    with pytest.raises(ConfigurationError, match="cannot read"):
        TunedSettings.load(tmp_path / "missing.json")


def test_weights_compare_by_what_they_weigh() -> None:
    assert Weights.of(label=1.0, lexical=0.0) == Weights.of(label=1.0)
    assert Weights.of(label=1.0, title=0.2)["description"] == 0.0
    assert Weights.of(label=1.0).with_channels(context=0.4) == Weights.of(context=0.4, label=1.0)
    settings = MatchSettings().with_weights(ConceptKind.OCCUPATION, Weights.of(label=2.0))
    assert settings.weights(ConceptKind.OCCUPATION)["label"] == 2.0
    assert settings.weights(ConceptKind.SKILL) == MatchSettings().weights(ConceptKind.SKILL)


def test_another_taxonomy_warns_and_the_tuned_one_does_not(built: Path, esco_matcher: Matcher) -> None:
    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    with pytest.warns(TunedSettingsWarning, match="another taxonomy"):
        Matcher(taxonomy, load_encoder("e5-small", built)).fit(built)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        esco_matcher.settings.tuned.check(esco_matcher.encoder.fingerprint, esco_matcher.taxonomy.meta.fingerprint)


class ShortLabelChannel:
    """A toy channel: 1 for a concept whose English label is at most ``limit`` characters."""

    name = "short"
    kinds = frozenset({ConceptKind.SKILL})
    blended = True
    limit = 8

    def fit(self, kind: ConceptKind, artefacts: Artefacts) -> ShortLabelChannel:
        uris = artefacts.dense[kind].uris_
        self.short_ = np.array([len(artefacts.taxonomy.get(uri).label("en")) <= self.limit for uri in uris])
        return self

    def score(self, chunk: Chunk, pairs: np.ndarray) -> np.ndarray:
        return self.short_[pairs[:, 1]].astype(np.float32)

    def describe(self) -> dict[str, Any]:
        return {"limit": self.limit}


def test_a_new_channel_is_one_class_and_one_line(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taxonomy = load_taxonomy(built / "taxonomy.sqlite")
    encoder = load_encoder("e5-small", built)
    plain = Matcher(taxonomy, encoder).fit(built)
    monkeypatch.setattr(matcher_module, "CHANNELS", (*CHANNELS, ShortLabelChannel))
    weights = plain.weights(ConceptKind.SKILL).with_channels(short=0.5)
    extended = Matcher(taxonomy, encoder, settings=plain.settings.with_weights(ConceptKind.SKILL, weights)).fit(built)
    assert extended.fingerprint_ != plain.fingerprint_
    text = "write programs in Python"
    evidence = extended.evidence(ConceptKind.SKILL, [text])
    candidates = evidence["label"][0] != 0
    short = np.array([len(taxonomy.get(uri).label("en")) <= 8 for uri in extended.indexes_[ConceptKind.SKILL].uris_])
    assert np.array_equal(evidence["short"][0], (candidates & short).astype(np.float32))
    before = {m.uri: m.score for m in plain.match_skills(text)}
    after = {m.uri: m.score for m in extended.match_skills(text)}
    python = S + "py"
    assert after[python] == pytest.approx(before[python] + 0.5 * short[extended.indexes_[ConceptKind.SKILL]
                                                                        .uris_.index(python)], abs=1e-5)
