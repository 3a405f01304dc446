"""What the matcher is set to.

Two kinds of setting, kept apart:

- the **tuned** ones (each channel's weight, the confidence calibration and the decision threshold
  per kind of concept) are a saved artefact, ``models/matching-settings.json``, written by
  ``benchmarks/tune.py`` with the fingerprint of the data it was tuned on, the encoder and
  taxonomy it ran with, the date and the figures it reached; a matcher running with another
  encoder or taxonomy warns (:class:`TunedSettingsWarning`), since the weights were not fitted
  for it;
- the **structural** ones (how many candidates, the adapter, the gloss, the second encoder) are
  plain defaults of :class:`MatchSettings`: they decide what is computed, not how it is weighed.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from skillmatch.adapter import AdapterSettings
from skillmatch.errors import ConfigurationError
from skillmatch.taxonomy import ConceptKind

#: The tuned settings shipped with the code (a link to ``models/matching-settings.json``, so that
#: a built package carries the file); ``$SKILLMATCH_MATCHING_SETTINGS`` names another file.
DEFAULT_TUNED = Path(__file__).with_name("tuned-settings.json")
TUNED_FORMAT = 1


class TunedSettingsWarning(UserWarning):
    """The tuned settings were fitted with another encoder or taxonomy than the matcher runs on."""


@dataclass(frozen=True)
class Weights:
    """How one kind's evidence adds up: each channel's weight (a channel not named weighs 0) and,
    for a vacancy whose first line is a title, the share of the score that comes from the title."""

    channels: tuple[tuple[str, float], ...] = (("label", 1.0),)
    title: float = 0.0

    @classmethod
    def of(cls, *, title: float = 0.0, **channels: float) -> Weights:
        """``Weights.of(label=1.0, description=0.3)``: channels at weight 0 are left out, so two
        settings that weigh alike compare (and hash) alike."""
        return cls(tuple(sorted((name, float(w)) for name, w in channels.items() if w)), float(title))

    def __getitem__(self, channel: str) -> float:
        return dict(self.channels).get(channel, 0.0)

    def with_channels(self, **channels: float) -> Weights:
        return Weights.of(title=self.title, **{**dict(self.channels), **channels})

    def to_dict(self) -> dict[str, Any]:
        return {"channels": dict(self.channels), "title": self.title}


@dataclass(frozen=True)
class Calibration:
    """confidence = sigmoid(bias + score_coef * score + lead_coef * lead + agreement_coef *
    agreement + rank_coef * rank): the fitted probability that a reviewer accepts a candidate,
    given its score, its lead over the next candidate that is no near-duplicate of it, (skills)
    the share of its outcome's readings whose best skill it or a near-duplicate is, and its place
    in its outcome's ranking (0 for the first): a reviewer accepts a first candidate more often
    than a later one of the same score."""

    bias: float
    score_coef: float
    lead_coef: float
    agreement_coef: float = 0.0
    rank_coef: float = 0.0

    def confidence(self, score: float, lead: float, agreement: float = 0.0, rank: int = 0) -> float:
        z = (self.bias + self.score_coef * score + self.lead_coef * lead + self.agreement_coef * agreement
             + self.rank_coef * rank)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class KindSettings:
    """The tuned settings of one kind of concept."""

    weights: Weights
    calibration: Calibration


@dataclass(frozen=True)
class Provenance:
    """Which tuning run produced the tuned settings, and with what."""

    date: str
    command: str
    encoder: str
    encoder_fingerprint: str
    taxonomy_release: str
    taxonomy_fingerprint: str
    #: sha256 over the development files tuned on (names and bytes).
    data_fingerprint: str
    #: Per kind, the cross-fitted figures the chosen settings reached on each file.
    figures: dict[str, dict[str, float]]


@dataclass(frozen=True)
class TunedSettings:
    skills: KindSettings
    occupations: KindSettings
    #: ``confidence >= threshold`` marks a match "linked" rather than "suggested".
    threshold: float
    provenance: Provenance | None = field(default=None, compare=False, repr=False)

    def of(self, kind: ConceptKind) -> KindSettings:
        return self.skills if kind is ConceptKind.SKILL else self.occupations

    @classmethod
    def load(cls, path: Path | None = None) -> TunedSettings:
        path = path or Path(os.environ.get("SKILLMATCH_MATCHING_SETTINGS") or DEFAULT_TUNED)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != TUNED_FORMAT:
                raise ConfigurationError(f"{path}: tuned settings of format {data.get('format')!r}; "
                                         f"this version reads format {TUNED_FORMAT}")
            return cls(_kind(data["skills"]), _kind(data["occupations"]), float(data["threshold"]),
                       Provenance(**data["provenance"]) if data.get("provenance") else None)
        except OSError as exc:
            raise ConfigurationError(f"cannot read the matcher's tuned settings at {path}: {exc.strerror}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{path} is not a tuned-settings file: {exc!r}") from exc

    def save(self, path: Path) -> None:
        data = {"format": TUNED_FORMAT,
                "skills": _kind_dict(self.skills), "occupations": _kind_dict(self.occupations),
                "threshold": self.threshold,
                "provenance": asdict(self.provenance) if self.provenance else None}
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def check(self, encoder_fingerprint: str, taxonomy_fingerprint: str) -> None:
        """Warn when the matcher runs on another encoder or taxonomy than these were tuned with."""
        if self.provenance is None:
            return
        for what, tuned, running in (("encoder", self.provenance.encoder_fingerprint, encoder_fingerprint),
                                     ("taxonomy", self.provenance.taxonomy_fingerprint, taxonomy_fingerprint)):
            if tuned != running:
                warnings.warn(f"the matcher's tuned settings ({self.provenance.date}) were fitted with another "
                              f"{what} (fingerprint {tuned[:16]}, running {running[:16]}); its weights and confidences "
                              "may not fit: re-run benchmarks/tune.py", TunedSettingsWarning, stacklevel=3)


@dataclass(frozen=True)
class MatchSettings:
    """Everything that decides a matcher's output (see the module docstring)."""

    tuned: TunedSettings = field(default_factory=TunedSettings.load)
    #: Nearest surface forms per text whose concepts are scored (``skillmatch.matching.candidates``).
    candidate_forms: int = 256
    #: Nearest occupations per text whose profiles lift its skills (``skillmatch.matching.context``).
    context_occupations: int = 10
    #: Index descriptions too (better recall on paraphrases; most of the index build time).
    descriptions: bool = True
    #: The learned query adapter (``skillmatch.adapter``); None compares raw e5 queries.
    adapter: AdapterSettings | None = AdapterSettings()
    #: Share of a Dutch text's skill evidence that comes from its English gloss (0: no glosses).
    #: Occupations are not glossed: all have Dutch labels, and glossing cost MELO titles 0.01 MRR.
    gloss: float = 0.5
    #: The encoder of the crosslingual channel, over skill labels only (None: no such channel).
    #: Dutch texts only: on English sentences it cost HOUSE and SkillSkape 0.01-0.02.
    crosslingual_encoder: str | None = "use"
    #: Share of a learning outcome's skill score that comes from the best of the phrases it is read
    #: as (``skillmatch.matching.reading``); the rest is the outcome's own text.
    phrase_share: float = 0.3

    def weights(self, kind: ConceptKind) -> Weights:
        return self.tuned.of(kind).weights

    def calibration(self, kind: ConceptKind) -> Calibration:
        return self.tuned.of(kind).calibration

    def with_weights(self, kind: ConceptKind, weights: Weights) -> MatchSettings:
        name = "skills" if kind is ConceptKind.SKILL else "occupations"
        return replace(self, tuned=replace(self.tuned, **{name: replace(self.tuned.of(kind), weights=weights)}))


def _kind(data: dict[str, Any]) -> KindSettings:
    weights = data["weights"]
    return KindSettings(Weights.of(title=weights.get("title", 0.0), **weights["channels"]),
                        Calibration(**data["calibration"]))


def _kind_dict(settings: KindSettings) -> dict[str, Any]:
    return {"weights": settings.weights.to_dict(), "calibration": asdict(settings.calibration)}
