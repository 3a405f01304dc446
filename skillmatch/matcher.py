"""Match text to ESCO: learning outcomes to skills, job titles and vacancies to occupations.

For each text the matcher combines three kinds of evidence per concept:

- **label**: the best cosine between the text and any label of the concept, in any language
  (label-level max pooling over the dense index);
- **description**: the cosine between the text and the concept's description;
- **lexical**: character n-gram overlap with the best label (exact tool names, Dutch compounds);
- **context** (skills): the lift from the occupations the text is near whose profiles need the
  skill (``skillmatch.context``);
- **crosslingual** (Dutch texts, skills): the best cosine between the text and any label of the
  skill by a second encoder, multilingual USE, which was trained on translation pairs and so
  errs where e5 and the gloss do not.

A Dutch text is matched to skills twice, as written and as its word-by-word English gloss
(``skillmatch.glossary``), and its evidence is the weighted mean of the two, each reading scored
on the concepts that either of them finds.

A skill can also get a **prior** for how many occupation profiles need it (its weight is 0 now:
it did not help on the development sets). The weighted sum ranks the concepts; a logistic
calibration of that sum and of the lead over the next concept gives a confidence in [0, 1], and
``confidence >= threshold`` marks a match "linked" rather than "suggested". The weights and
calibration were fitted on the development sets only
(``benchmarks/tune.py``).
"""

from __future__ import annotations

import gc
import hashlib
import math
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from skillmatch.adapter import (
    AdapterSettings,
    LabelledText,
    QueryAdapter,
    default_training_data,
    read_labelled,
    training_set,
)
from skillmatch.adapter import fingerprint as adapter_fingerprint
from skillmatch.context import OccupationContext
from skillmatch.encoder import EmbeddingCache, Encoder, load_encoder
from skillmatch.errors import InputError, StoreError
from skillmatch.glossary import Glossary, ensure_glossary
from skillmatch.index import ConceptIndex, LexicalIndex
from skillmatch.outcomes import check_text, split_outcomes
from skillmatch.taxonomy import ConceptKind, Taxonomy, load_taxonomy, store_path

Status = Literal["linked", "suggested"]


@dataclass(frozen=True)
class Weights:
    label: float = 1.0
    description: float = 0.0
    lexical: float = 0.0
    #: Log-scaled count of occupation profiles that need the skill (skills only).
    prior: float = 0.0
    #: Lift from the profiles of the text's nearest occupations (skills only; ``skillmatch.context``).
    context: float = 0.0
    #: For a vacancy whose first line is a title: share of the score that comes from the title.
    title: float = 0.0
    #: Label similarity by ``MatchSettings.crosslingual_encoder`` (Dutch texts, skills only).
    crosslingual: float = 0.0


@dataclass(frozen=True)
class Channels:
    """The evidence for a batch of texts: one (texts x concepts) array per kind of evidence."""

    queries: np.ndarray
    label: np.ndarray
    description: np.ndarray
    lexical: np.ndarray
    prior: np.ndarray
    context: np.ndarray
    crosslingual: np.ndarray

    def combine(self, weights: Weights) -> np.ndarray:
        scores = weights.label * self.label
        # Channels at weight 0 are skipped: tune.py combines hundreds of settings.
        for weight, channel in ((weights.description, self.description), (weights.lexical, self.lexical),
                                (weights.prior, self.prior[None, :]), (weights.context, self.context),
                                (weights.crosslingual, self.crosslingual)):
            if weight:
                scores += weight * channel
        return scores


@dataclass(frozen=True)
class Calibration:
    """confidence = sigmoid(bias + score_coef * score + lead_coef * lead): the fitted probability
    that a candidate is a gold concept, given its score and its lead over the next candidate."""

    bias: float
    score_coef: float
    lead_coef: float

    def confidence(self, score: float, lead: float) -> float:
        z = self.bias + self.score_coef * score + self.lead_coef * lead
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class MatchSettings:
    """Weights and calibration as fitted by ``benchmarks/tune.py`` on the development sets
    (2026-12-04, e5-small, int8, Dutch glosses with base forms, USE on Dutch skill texts), on
    cross-fitted evidence: each development item scored with a query adapter that never saw it,
    as unseen text is, with three adapter seeds. See benchmarks/RESULTS.md for what they score."""

    skills: Weights = Weights(label=1.0, description=0.3, lexical=0.1, context=0.4, crosslingual=0.15)
    occupations: Weights = Weights(label=1.0, description=0.5, lexical=0.2, title=0.2)
    skill_calibration: Calibration = Calibration(bias=-3.538, score_coef=2.832, lead_coef=35.230)
    occupation_calibration: Calibration = Calibration(bias=-5.713, score_coef=6.590, lead_coef=19.334)
    threshold: float = 0.5
    #: Nearest surface forms per text whose concepts are scored (see ``Matcher.channels``).
    candidate_forms: int = 256
    #: Nearest occupations per text whose profiles lift its skills (``skillmatch.context``).
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


@dataclass(frozen=True)
class Match:
    """One ESCO concept matched to a text, with the evidence behind it."""

    uri: str
    label: str
    score: float
    confidence: float
    status: Status
    matched: str
    matched_lang: str
    form: str
    outcome: str | None = None

    def to_dict(self) -> dict[str, object]:
        data = {
            "uri": self.uri,
            "label": self.label,
            "score": round(self.score, 4),
            "confidence": round(self.confidence, 4),
            "status": self.status,
            "matched": self.matched,
            "matched_lang": self.matched_lang,
            "form": self.form,
        }
        if self.outcome is not None:
            data["outcome"] = self.outcome
        return data


Progress = Callable[[str], None]
_TITLE_MAX_CHARS = 120


class Matcher:
    """Ranks ESCO skills and occupations for text.

    >>> matcher = Matcher(taxonomy, encoder).fit(data_dir)          # doctest: +SKIP
    >>> [m.label for m in matcher.match_skills("De student kan Python gebruiken")][:1]  # doctest: +SKIP
    ['Python (computer programming)']
    """

    #: Texts scored at once; bounds the (texts x forms) similarity matrix to some tens of megabytes.
    CHUNK = 64

    def __init__(self, taxonomy: Taxonomy, encoder: Encoder, *, settings: MatchSettings | None = None) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.settings = settings or MatchSettings()

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, data_dir: Path, *, training_data: Sequence[Path] | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> Matcher:
        """Load the indexes and query adapters under ``data_dir``, building (and saving) any that
        are missing or stale. ``training_data``: gold-set JSONL files or folders for the adapters
        (default: ``adapter.default_training_data()``; ``[]`` fits them on ESCO's own pairs only)."""
        cache = self.encoder if isinstance(self.encoder, EmbeddingCache) else \
            EmbeddingCache(self.encoder, Path(data_dir) / "cache")
        self.indexes_: dict[ConceptKind, ConceptIndex] = {}
        self.lexical_: dict[ConceptKind, LexicalIndex] = {}
        self.adapters_: dict[ConceptKind, QueryAdapter] = {}
        self.adapter_fingerprints_: dict[ConceptKind, str] = {}
        labelled = read_labelled(default_training_data() if training_data is None else training_data) \
            if self.settings.adapter else []
        self.glossary_: Glossary = ensure_glossary(self.taxonomy, Path(data_dir) / "glossary" / "nl-en.json")
        for kind in (ConceptKind.SKILL, ConceptKind.OCCUPATION):
            folder = Path(data_dir) / "index" / self.encoder.name / kind.value
            dense = ConceptIndex(kind, self.encoder, cache=cache, descriptions=self.settings.descriptions)

            def report(done: int, total: int, kind: ConceptKind = kind) -> None:
                if progress:
                    progress(f"encoding {kind.value} labels and descriptions", done, total)

            dense.ensure(self.taxonomy, folder, progress=report)
            lexical = LexicalIndex(kind)
            try:
                # A rebuilt dense index replaces its whole folder, so a stale n-gram index is never found.
                lexical.load(folder, dense)
            except StoreError:
                lexical.build(dense).save(folder)
            self.indexes_[kind] = dense
            self.lexical_[kind] = lexical
            if self.settings.adapter:
                self.adapters_[kind] = self._ensure_adapter(dense, folder, labelled, progress)
        crosslingual = self._prepare_crosslingual(data_dir, progress)
        self._prior: np.ndarray | None = None
        self.context_ = OccupationContext(self.settings.context_occupations).fit(
            self.taxonomy, self.indexes_[ConceptKind.SKILL], self.indexes_[ConceptKind.OCCUPATION])
        # What decides the matches: the indexes (taxonomy, encoder and its engine, forms), the
        # adapters (and so their training data) and the settings.
        raw = "|".join([index.fingerprint_ for index in self.indexes_.values()]
                       + [crosslingual]
                       + [self.adapter_fingerprints_.get(kind, "") for kind in self.indexes_]
                       + [repr(self.settings)])
        self.fingerprint_ = hashlib.sha256(raw.encode()).hexdigest()[:16]
        return self

    def _prepare_crosslingual(self, data_dir: Path, progress: Callable[[str, int, int], None] | None) -> str:
        """Build the crosslingual index (every skill label, no descriptions, encoded by the
        crosslingual encoder) where it is missing or stale, and return its fingerprint ("" where
        the settings name no such encoder). A saved one is loaded on the first Dutch text
        (``crosslingual_``): its 117,581 labels would add half a second to every start."""
        self._crosslingual: ConceptIndex | None = None
        self._crosslingual_saved: tuple[ConceptIndex, Path] | None = None
        name = self.settings.crosslingual_encoder
        if not name:
            return ""
        encoder = load_encoder(name, Path(data_dir))
        index = ConceptIndex(ConceptKind.SKILL, encoder, cache=EmbeddingCache(encoder, Path(data_dir) / "cache"),
                             descriptions=False)
        folder = Path(data_dir) / "index" / name / "skill-labels"
        wanted = index.fingerprint(self.taxonomy)
        if ConceptIndex.saved_fingerprint(folder) == wanted:
            self._crosslingual_saved = (index, folder)
            return wanted

        def report(done: int, total: int) -> None:
            if progress:
                progress(f"encoding skill labels with {name}", done, total)

        self._crosslingual = self._same_skills(index.ensure(self.taxonomy, folder, progress=report))
        return wanted

    @property
    def crosslingual_(self) -> ConceptIndex | None:
        """The crosslingual index, loaded on first use; None where the settings name no encoder."""
        if self._crosslingual is None and self._crosslingual_saved is not None:
            index, folder = self._crosslingual_saved
            self._crosslingual = self._same_skills(index.ensure(self.taxonomy, folder))
            self._crosslingual_saved = None
        return self._crosslingual

    def _same_skills(self, index: ConceptIndex) -> ConceptIndex:
        if index.uris_ != self.indexes_[ConceptKind.SKILL].uris_:
            raise StoreError(f"the {index.encoder.name} skill index does not list the skills of the "
                             f"{self.encoder.name} index")
        return index

    def _ensure_adapter(self, dense: ConceptIndex, folder: Path, labelled: Sequence[LabelledText],
                        progress: Callable[[str, int, int], None] | None) -> QueryAdapter:
        """The adapter saved beside ``dense`` if it was fitted on the same index, data and
        settings, else a new one, fitted and saved."""
        from filelock import FileLock

        wanted = adapter_fingerprint(dense, self._with_glosses(dense.kind, labelled),
                                     self.settings.adapter or AdapterSettings())
        self.adapter_fingerprints_[dense.kind] = wanted
        path = folder / "adapter.npz"
        with FileLock(str(folder.with_name(f".{folder.name}.adapter.lock"))):
            try:
                return QueryAdapter.load(path, wanted)
            except StoreError:
                pass  # missing, unreadable or fitted on other data: fit below
            if progress:
                progress(f"fitting the {dense.kind.value} query adapter", 0, 1)
            adapter = self.fit_adapter(dense, labelled)
            adapter.save(path, wanted)
            if progress:
                progress(f"fitting the {dense.kind.value} query adapter", 1, 1)
        return adapter

    def fit_adapter(self, dense: ConceptIndex, labelled: Sequence[LabelledText]) -> QueryAdapter:
        """A query adapter for ``dense``'s kind, fitted on ESCO's own pairs and ``labelled``."""
        settings = self.settings.adapter or AdapterSettings()
        pairs = training_set(dense, self._with_glosses(dense.kind, labelled), settings)
        queries = self.encoder.encode(pairs.texts, role="query") if pairs.texts else \
            np.zeros((0, dense.matrix_.shape[1]), dtype=np.float32)
        return QueryAdapter(settings).fit(
            np.concatenate([queries, dense.matrix_[pairs.esco_forms]]),
            [*pairs.text_positives, *pairs.esco_positives],
            dense.matrix_[pairs.columns],
            np.concatenate([np.full(len(pairs.texts), -1, dtype=np.int64), pairs.esco_hidden]),
        )

    def _glosses(self, kind: ConceptKind, texts: Sequence[str]) -> dict[int, str]:
        """The English glosses of ``texts`` that are Dutch (by position), where ``kind`` is glossed."""
        return self.glossary_.glosses(texts) if kind is ConceptKind.SKILL and self.settings.gloss else {}

    def _with_glosses(self, kind: ConceptKind, labelled: Sequence[LabelledText]) -> list[LabelledText]:
        """``labelled`` and the glosses of its Dutch texts with the same concepts: the adapter then
        learns to place both readings of a text, as the matcher scores both."""
        glosses = self._glosses(kind, [item.text for item in labelled])
        return [*labelled, *(LabelledText(gloss, labelled[i].uris) for i, gloss in glosses.items())]

    def skill_prior(self) -> np.ndarray:
        """log(1 + number of occupations that need the skill), scaled to [0, 1]; computed on first
        use (0.4 s), since its weight is 0 by default."""
        if self._prior is not None:
            return self._prior
        dense = self.indexes_[ConceptKind.SKILL]
        counts = np.array([len(self.taxonomy.occupations_for(uri)) for uri in dense.uris_], dtype=np.float32)
        prior = np.log1p(counts)
        self._prior = prior / max(float(prior.max()), 1.0)
        return self._prior

    # -- ranking ------------------------------------------------------------------------------

    def weights(self, kind: ConceptKind) -> Weights:
        """The weights this matcher combines ``kind``'s evidence with."""
        return self.settings.skills if kind is ConceptKind.SKILL else self.settings.occupations

    def _calibration(self, kind: ConceptKind) -> Calibration:
        return self.settings.skill_calibration if kind is ConceptKind.SKILL else self.settings.occupation_calibration

    def channels(self, kind: ConceptKind, texts: Sequence[str], *, every_channel: bool = False) -> Channels:
        """Every candidate concept's evidence for every text (0 for the other concepts).

        The candidates of a text are the concepts that own one of its ``candidate_forms`` nearest
        surface forms; only they are scored on every channel, which keeps the lexical channel cheap.
        A skill channel whose weight is 0 is left at 0 unless ``every_channel`` (for tuning). The
        evidence of a Dutch text is blended with its gloss's (``MatchSettings.gloss``), both scored
        on the candidates of either.
        """
        dense, lexical = self.indexes_[kind], self.lexical_[kind]
        glosses = self._glosses(kind, texts)
        n = len(texts)
        texts = [*texts, *glosses.values()]
        encoded = self.encoder.encode(texts, role="query")
        queries = self.adapters_[kind].transform(encoded) if kind in self.adapters_ else encoded
        shape = (len(texts), len(dense.uris_))
        label, description, lexical_scores = (np.zeros(shape, dtype=np.float32) for _ in range(3))
        # A text and its gloss are scored on the same candidates, those of either reading: a
        # concept that only the gloss finds would otherwise keep half its score from a 0.
        own, glossed = np.fromiter(glosses, dtype=np.int64), np.arange(n, len(texts))
        partner = np.arange(len(texts))
        partner[own], partner[glossed] = glossed, own
        local = np.empty(len(texts), dtype=np.int64)  # a row's place in its chunk
        for rows in _chunks(partner, self.CHUNK):
            similarities = dense.similarities(queries[rows])
            local[rows] = np.arange(len(rows))
            pairs = dense.candidates(similarities, self.settings.candidate_forms,
                                     partner=local[partner[rows]] if glosses else None)
            at = (rows[pairs[:, 0]], pairs[:, 1])
            label[at] = dense.pair_scores(similarities, pairs)
            description[at] = dense.pair_scores(similarities, pairs, descriptions=True)
            lexical_scores[at] = lexical.pair_scores([texts[row] for row in rows], pairs)
        skills = kind is ConceptKind.SKILL
        prior = self.skill_prior() if skills and (self.settings.skills.prior or every_channel) else \
            np.zeros(len(dense.uris_), dtype=np.float32)
        if skills and (self.settings.skills.context or every_channel):
            occupation = self.adapters_.get(ConceptKind.OCCUPATION)
            # Only candidates are reported: a concept that scores 0 is no candidate.
            context = self.context_.lift(occupation.transform(encoded) if occupation else encoded) * (label != 0)
        else:
            context = np.zeros(shape, dtype=np.float32)
        if glosses:
            share = self.settings.gloss
            for channel in (label, description, lexical_scores, context):
                channel[own] = (1 - share) * channel[own] + share * channel[glossed]
        crosslingual = np.zeros((n, len(dense.uris_)), dtype=np.float32)
        if skills and self.settings.crosslingual_encoder and (self.settings.skills.crosslingual or every_channel):
            self._score_crosslingual(texts[:n], label[:n], crosslingual)
        return Channels(queries=queries[:n], label=label[:n], description=description[:n],
                        lexical=lexical_scores[:n], prior=prior, context=context[:n], crosslingual=crosslingual)

    def _score_crosslingual(self, texts: Sequence[str], label: np.ndarray, out: np.ndarray) -> None:
        """Fill ``out`` with the crosslingual index's label scores for the Dutch ``texts``, on the
        candidates their label channel already has (those of the text and of its gloss)."""
        dutch = np.array([i for i, text in enumerate(texts) if self.glossary_.is_source_language(text)],
                         dtype=np.int64)
        index = self.crosslingual_ if len(dutch) else None
        if index is None:
            return
        queries = index.encoder.encode([texts[i] for i in dutch], role="query")
        for start in range(0, len(dutch), self.CHUNK):
            rows = dutch[start : start + self.CHUNK]
            local, concepts = np.nonzero(label[rows])
            pairs = np.stack([local, concepts], axis=1)
            out[rows[local], concepts] = index.pair_scores(
                index.similarities(queries[start : start + self.CHUNK]), pairs)

    def _ranked(self, kind: ConceptKind, scores: np.ndarray, queries: np.ndarray, top_k: int,
                outcomes: Sequence[str | None] | None = None, rows: np.ndarray | None = None,
                per_outcome: np.ndarray | None = None) -> list[Match]:
        """Top ``top_k`` concepts of one score row; ``rows``/``outcomes`` say which query row and
        outcome gave each concept its score (for an outcome block), and ``per_outcome`` holds the
        outcomes' own scores: a concept's lead is then measured within the outcome that gave its
        score, since skills of different outcomes do not compete (the calibration was fitted on
        single sentences)."""
        dense = self.indexes_[kind]
        calibration = self._calibration(kind)
        # Concepts that were no candidate score 0 and are never reported.
        n = min(top_k + 1, int(np.count_nonzero(scores)))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        matches = []
        for position, cid in enumerate(top[:top_k].tolist()):
            score = float(scores[cid])
            row = int(rows[cid]) if rows is not None else 0
            if per_outcome is not None:
                own = per_outcome[row]
                lower = own[own < score]
                following = float(lower.max()) if len(lower) else score
            else:
                following = float(scores[top[position + 1]]) if position + 1 < len(top) else score
            confidence = calibration.confidence(score, score - following)
            hit = dense.best_label(queries[row], cid)
            concept = self.taxonomy.get(dense.uris_[cid])
            matches.append(Match(
                uri=concept.uri,
                label=concept.label(hit.lang or "en"),
                score=score,
                confidence=confidence,
                status="linked" if confidence >= self.settings.threshold else "suggested",
                matched=hit.text,
                matched_lang=hit.lang,
                form=hit.form,
                outcome=outcomes[row] if outcomes is not None else None,
            ))
        return matches

    # -- the two tasks ------------------------------------------------------------------------

    def match_skills_batch(self, texts: Sequence[str], *, top_k: int = 10) -> list[list[Match]]:
        """Skills for each outcome block: each outcome scored on its own, and a skill keeps its best
        outcome (as its score and as the evidence it reports)."""
        return self.match_outcomes_batch([split_outcomes(text) for text in texts], top_k=top_k)

    def match_outcomes_batch(self, blocks: Sequence[Sequence[str]], *, top_k: int = 10) -> list[list[Match]]:
        """Like :meth:`match_skills_batch` for outcomes that are already split, one list per credential."""
        for block in blocks:
            if not block:
                raise InputError("a credential without learning outcomes cannot be matched")
            for outcome in block:
                check_text(outcome)
        flat = [outcome for block in blocks for outcome in block]
        channels = self.channels(ConceptKind.SKILL, flat)
        scores = channels.combine(self.settings.skills)
        results, start = [], 0
        for block in blocks:
            rows = scores[start : start + len(block)]
            best_row = np.argmax(rows, axis=0)
            results.append(self._ranked(
                ConceptKind.SKILL, rows.max(axis=0), channels.queries[start : start + len(block)], top_k,
                outcomes=block if len(block) > 1 else None, rows=best_row,
                per_outcome=rows if len(block) > 1 else None,
            ))
            start += len(block)
        return results

    def match_skills(self, text: str, *, top_k: int = 10) -> list[Match]:
        return self.match_skills_batch([text], top_k=top_k)[0]

    def match_occupations_batch(self, texts: Sequence[str], *, top_k: int = 10) -> list[list[Match]]:
        """Occupations for job titles or whole vacancies; a vacancy's first line counts as its title."""
        for text in texts:
            check_text(text)
        weights = self.settings.occupations
        channels = self.channels(ConceptKind.OCCUPATION, texts)
        scores = channels.combine(weights)
        titled = [i for i, text in enumerate(texts) if weights.title and vacancy_title(text)]
        if titled:
            titles = self.channels(ConceptKind.OCCUPATION, [vacancy_title(texts[i]) or "" for i in titled])
            scores[titled] = blend_title(scores[titled], titles.combine(weights), weights)
        return [self._ranked(ConceptKind.OCCUPATION, scores[i], channels.queries[i : i + 1], top_k)
                for i in range(len(texts))]

    def match_occupations(self, text: str, *, top_k: int = 10) -> list[Match]:
        return self.match_occupations_batch([text], top_k=top_k)[0]


def open_matcher(data_dir: Path, encoder_name: str, *, training_data: Path | None = None,
                 progress: Callable[[str, int, int], None] | None = None,
                 encoder_progress: Callable[[str], None] | None = None) -> Matcher:
    """The matcher on the taxonomy built in ``data_dir``, its indexes and adapters loaded, or built
    first where missing or stale (several processes may start at once: the files are locked).
    ``training_data``: the configured adapter training data ($SKILLMATCH_TRAINING_DATA), if any."""
    with long_lived_loading():
        taxonomy = load_taxonomy(store_path(data_dir))
        encoder = load_encoder(encoder_name, data_dir, progress=encoder_progress)
        return Matcher(taxonomy, encoder).fit(data_dir, training_data=default_training_data(training_data),
                                              progress=progress)


@contextmanager
def long_lived_loading() -> Iterator[None]:
    """Load a taxonomy and a matcher's indexes with the cyclic garbage collector paused, then
    freeze what was loaded. Loading makes millions of small lists and tuples that live as long as
    the process; collecting while they are made cost 2 of a command's 6 s start, and frozen they
    are never scanned again."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _chunks(partner: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """Row ids in chunks of about ``size``, each row beside its ``partner`` row (a text's gloss),
    never split from it; rows without a partner (``partner[i] == i``) keep their order."""
    rows = np.arange(len(partner))
    key = np.where(rows <= partner, 2 * rows, 2 * partner + 1)
    order = np.argsort(key, kind="stable")
    start = 0
    while start < len(order):
        end = min(start + size, len(order))
        if end < len(order) and partner[order[end]] == order[end - 1]:
            end += 1
        yield order[start:end]
        start = end


def blend_title(whole: np.ndarray, title: np.ndarray, weights: Weights) -> np.ndarray:
    """A vacancy's scores: its whole text's, with ``weights.title`` of them from its title alone."""
    return (1 - weights.title) * whole + weights.title * title


def vacancy_title(text: str) -> str | None:
    """The first line of a multi-line vacancy, when it is short enough to be its title."""
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    if len(lines) > 1 and len(lines[0]) <= _TITLE_MAX_CHARS:
        return lines[0]
    return None
