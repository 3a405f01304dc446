"""The matcher: learning outcomes to ESCO skills, job titles and vacancies to occupations.

For each text it finds the candidate concepts (``candidates``), scores them on every channel
that has a weight (``CHANNELS``: one module each), adds the channels up with the tuned weights
(``settings``) and ranks and decides (``decision``). A Dutch text is read twice, as written and
as its English gloss (``gloss``). What it reads from disk is loaded or built by ``artefacts``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from skillmatch.adapter import LabelledText, QueryAdapter, default_training_data, read_labelled
from skillmatch.encoder import Encoder, load_encoder
from skillmatch.errors import InputError
from skillmatch.glossary import Glossary
from skillmatch.index import ConceptIndex, LexicalIndex
from skillmatch.matching import gloss
from skillmatch.matching.artefacts import Artefacts
from skillmatch.matching.candidates import CandidateSearch
from skillmatch.matching.channel import Channel, Evidence
from skillmatch.matching.context import ContextChannel
from skillmatch.matching.crosslingual import CrosslingualChannel
from skillmatch.matching.decision import Decision, Match
from skillmatch.matching.description import DescriptionChannel
from skillmatch.matching.label import LabelChannel
from skillmatch.matching.lexical import LexicalChannel
from skillmatch.matching.reading import OutcomeReader, OutcomeReading
from skillmatch.matching.settings import MatchSettings, Weights
from skillmatch.outcomes import check_text, split_outcomes
from skillmatch.taxonomy import ConceptKind, Taxonomy, load_taxonomy, store_path

#: Every evidence channel, in the order their weighted scores are added up.
CHANNELS: tuple[type[Channel], ...] = (LabelChannel, DescriptionChannel, LexicalChannel, ContextChannel,
                                       CrosslingualChannel)
KINDS = (ConceptKind.SKILL, ConceptKind.OCCUPATION)
Progress = Callable[[str, int, int], None]
_TITLE_MAX_CHARS = 120


class Matcher:
    """Ranks ESCO skills and occupations for text.

    >>> matcher = Matcher(taxonomy, encoder).fit(data_dir)          # doctest: +SKIP
    >>> [m.label for m in matcher.match_skills("De student kan Python gebruiken")][:1]  # doctest: +SKIP
    ['Python (computer programming)']
    """

    #: Texts scored at once; bounds the (texts x forms) similarity matrix to some tens of megabytes.
    CHUNK = 64
    #: Raised when a change of the code (not of its settings or data) changes what is matched, so
    #: that mappings stored before it go stale. 2: a credential's skills decided per outcome.
    RULES = 2

    def __init__(self, taxonomy: Taxonomy, encoder: Encoder, *, settings: MatchSettings | None = None) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.settings = settings or MatchSettings()

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, data_dir: Path, *, training_data: Sequence[Path] | None = None,
            progress: Progress | None = None) -> Matcher:
        """Load the indexes, adapters and glossary under ``data_dir``, building (and saving) any
        that are missing or stale, and fit every channel on them. ``training_data``: gold-set
        JSONL files or folders for the adapters (default: ``adapter.default_training_data()``;
        ``[]`` fits them on ESCO's own pairs only)."""
        labelled = read_labelled(default_training_data() if training_data is None else training_data) \
            if self.settings.adapter else []
        self.artefacts_ = Artefacts(self.taxonomy, self.encoder, data_dir, self.settings, progress=progress)
        self.artefacts_.fit(labelled)
        self.glossary_: Glossary = self.artefacts_.glossary
        self.reader_ = OutcomeReader().fit(self.taxonomy)
        self.channels_: dict[ConceptKind, list[Channel]] = {
            kind: [channel().fit(kind, self.artefacts_) for channel in CHANNELS if kind in channel.kinds]
            for kind in KINDS}
        self.settings.tuned.check(self.encoder.fingerprint, self.taxonomy.meta.fingerprint)
        # What decides the matches: every channel's own inputs, the adapters (and so their
        # training data) and the settings.
        raw = json.dumps({kind.value: {c.name: c.describe() for c in self.channels_[kind]} for kind in KINDS},
                         sort_keys=True)
        raw += "|".join(["", *(self.artefacts_.adapter_fingerprints.get(kind, "") for kind in KINDS),
                         repr(self.settings), f"rules {self.RULES}"])
        self.fingerprint_ = hashlib.sha256(raw.encode()).hexdigest()[:16]
        return self

    @property
    def indexes_(self) -> dict[ConceptKind, ConceptIndex]:
        return self.artefacts_.dense

    @property
    def lexical_(self) -> dict[ConceptKind, LexicalIndex]:
        return self.artefacts_.lexical

    @property
    def adapters_(self) -> dict[ConceptKind, QueryAdapter]:
        return self.artefacts_.adapters

    def channel(self, kind: ConceptKind, name: str) -> Channel:
        return next(channel for channel in self.channels_[kind] if channel.name == name)

    def fit_adapter(self, kind: ConceptKind, labelled: Sequence[LabelledText], *,
                    seed: int | None = None) -> QueryAdapter:
        """A query adapter for ``kind`` fitted on ESCO's own pairs and ``labelled`` (neither saved
        nor used: the caller decides, as the benchmarks' cross-fitting does)."""
        return self.artefacts_.fit_adapter(kind, labelled, seed=seed)

    # -- evidence -----------------------------------------------------------------------------

    def weights(self, kind: ConceptKind) -> Weights:
        """The weights this matcher combines ``kind``'s evidence with."""
        return self.settings.weights(kind)

    def _decision(self, kind: ConceptKind) -> Decision:
        return Decision(self.indexes_[kind], self.taxonomy, self.settings.calibration(kind),
                        self.settings.tuned.threshold)

    def evidence(self, kind: ConceptKind, texts: Sequence[str], *, every_channel: bool = False,
                 gloss_sources: Sequence[str] | None = None) -> Evidence:
        """Every candidate concept's evidence for every text, per channel (0 for the other
        concepts). Channels whose weight is 0 are left out unless ``every_channel`` (for tuning).
        ``gloss_sources``: what each text's gloss is made of (``gloss.read``)."""
        weights = self.weights(kind)
        active = [channel for channel in self.channels_[kind] if every_channel or weights[channel.name]]
        skills = kind is ConceptKind.SKILL
        readings = gloss.read(texts, self.glossary_ if skills else None, self.settings.gloss if skills else 0.0,
                              sources=gloss_sources)
        encoded = self.encoder.encode(readings.texts, role="query")
        adapter = self.adapters_.get(kind)
        queries = adapter.transform(encoded) if adapter else encoded
        shape = (len(readings.texts), len(self.indexes_[kind].uris_))
        scores = {channel.name: np.zeros(shape, dtype=np.float32) for channel in active}
        search = CandidateSearch(self.indexes_[kind], self.settings.candidate_forms, self.CHUNK)
        for rows, chunk, pairs in search.chunks(readings, encoded, queries):
            at = (rows[pairs[:, 0]], pairs[:, 1])
            for channel in active:
                scores[channel.name][at] = channel.score(chunk, pairs)
        for channel in active:
            if channel.blended and readings.glossed:
                readings.blend(scores[channel.name])
        n = len(texts)
        return Evidence(queries[:n], {name: values[:n] for name, values in scores.items()}, shape[1])

    # -- the two tasks ------------------------------------------------------------------------

    def match_skills_batch(self, texts: Sequence[str], *, top_k: int = 10) -> list[list[Match]]:
        """Skills for each outcome block: each outcome scored on its own, and a skill keeps its best
        outcome (as its score and as the evidence it reports)."""
        return self.match_outcomes_batch([split_outcomes(text) for text in texts], top_k=top_k)

    def match_outcomes_batch(self, blocks: Sequence[Sequence[str]], *, top_k: int = 10,
                             every_outcome: bool = False) -> list[list[Match]]:
        """Like :meth:`match_skills_batch` for outcomes that are already split, one list per credential.

        Each outcome is read as the things it teaches (``reading``); a skill's score for the
        outcome is its score for the text, with ``phrase_share`` of it from its best phrase. With
        ``every_outcome`` a credential of more outcomes than ``top_k`` still gets each one's best."""
        for block in blocks:
            if not block:
                raise InputError("a credential without learning outcomes cannot be matched")
            for outcome in block:
                check_text(outcome)
        flat = [outcome for block in blocks for outcome in block]
        read = self.read_outcomes(flat)
        texts, sources, owner = list(flat), list(flat), list(range(len(flat)))
        for i, reading in enumerate(read):
            for phrase in reading.phrases:
                if not phrase.example:
                    texts.append(phrase.text)
                    sources.append(phrase.verb_first)
                    owner.append(i)
        evidence = self.evidence(ConceptKind.SKILL, texts, gloss_sources=sources)
        combined = evidence.combine(self.weights(ConceptKind.SKILL))
        scores, agreement, readings = self._outcome_scores(combined, np.asarray(owner), texts, len(flat))
        decision = self._decision(ConceptKind.SKILL)
        results, start = [], 0
        for block in blocks:
            results.append(self._block_matches(decision, block, start, scores, evidence.queries, agreement,
                                               readings, max(top_k, len(block)) if every_outcome else top_k)
                           if len(block) > 1 else
                           decision.ranked(scores[start], evidence.queries[start], top_k, agreement=agreement[start],
                                           reading=readings[start]))
            start += len(block)
        return results

    def _block_matches(self, decision: Decision, block: Sequence[str], start: int, scores: np.ndarray,
                       queries: np.ndarray, agreement: np.ndarray, readings: list[dict[int, str]],
                       top_k: int) -> list[Match]:
        """A credential's ``top_k`` skills decided outcome by outcome, taken rank by rank (every
        outcome's best, then every outcome's second, ...), so no outcome is crowded out by
        another's stronger skills; a skill found by several outcomes keeps its first."""
        ranked = [decision.ranked(scores[i], queries[i], top_k, outcome=outcome, agreement=agreement[i],
                                  reading=readings[i])
                  for i, outcome in enumerate(block, start)]
        chosen: dict[str, Match] = {}
        for rank in range(top_k):
            for match in sorted((r[rank] for r in ranked if rank < len(r)), key=lambda m: -m.score):
                if len(chosen) < top_k:
                    chosen.setdefault(match.uri, match)
        return sorted(chosen.values(), key=lambda m: (-m.score, m.uri))

    def read_outcomes(self, outcomes: Sequence[str]) -> list[OutcomeReading]:
        """How the matcher reads each outcome: Dutch or English, and the phrases it teaches."""
        dutch, _ = self.glossary_.read(outcomes, gloss=False)
        return [self.reader_.read(text, "nl" if is_dutch else "en")
                for text, is_dutch in zip(outcomes, dutch, strict=True)]

    def _outcome_scores(self, combined: np.ndarray, owner: np.ndarray, texts: Sequence[str],
                        n: int) -> tuple[np.ndarray, np.ndarray, list[dict[int, str]]]:
        """Per outcome: its skills' scores (the text's, with ``phrase_share`` from the best
        phrase), the agreement of its readings, and which phrase scored each skill."""
        share = self.settings.phrase_share
        decision = self._decision(ConceptKind.SKILL)
        scores = combined[:n].copy()
        agreement = np.zeros_like(scores)
        readings: list[dict[int, str]] = [{} for _ in range(n)]
        # Phrase rows follow the n outcome rows, grouped by the outcome they belong to.
        bounds = np.searchsorted(owner[n:], np.arange(n + 1)) + n
        for i in range(n):
            phrase_rows = np.arange(bounds[i], bounds[i + 1])
            every = [i, *phrase_rows.tolist()]
            bests = [int(np.argmax(combined[row])) for row in every if combined[row].any()]
            if len(phrase_rows):
                phrases = combined[phrase_rows]
                best = phrases.max(axis=0)
                scores[i] = (1 - share) * combined[i] + share * best
                which = phrase_rows[np.argmax(phrases, axis=0)]
                for cid in np.flatnonzero(best > combined[i]).tolist():
                    readings[i][cid] = texts[int(which[cid])]
            for cid in decision.neighbours(scores[i]):
                agreement[i, cid] = sum(b == cid or decision.siblings(b, cid) for b in bests) / len(every)
        return scores, agreement, readings

    def match_skills(self, text: str, *, top_k: int = 10) -> list[Match]:
        return self.match_skills_batch([text], top_k=top_k)[0]

    def match_occupations_batch(self, texts: Sequence[str], *, top_k: int = 10) -> list[list[Match]]:
        """Occupations for job titles or whole vacancies; a vacancy's first line counts as its title."""
        for text in texts:
            check_text(text)
        weights = self.weights(ConceptKind.OCCUPATION)
        evidence = self.evidence(ConceptKind.OCCUPATION, texts)
        scores = evidence.combine(weights)
        titled = [i for i, text in enumerate(texts) if weights.title and vacancy_title(text)]
        if titled:
            titles = self.evidence(ConceptKind.OCCUPATION, [vacancy_title(texts[i]) or "" for i in titled])
            scores[titled] = blend_title(scores[titled], titles.combine(weights), weights)
        decision = self._decision(ConceptKind.OCCUPATION)
        return [decision.ranked(scores[i], evidence.queries[i], top_k) for i in range(len(texts))]

    def match_occupations(self, text: str, *, top_k: int = 10) -> list[Match]:
        return self.match_occupations_batch([text], top_k=top_k)[0]


def open_matcher(data_dir: Path, encoder_name: str, *, training_data: Path | None = None,
                 progress: Progress | None = None, encoder_progress: Callable[[str], None] | None = None,
                 taxonomy: Taxonomy | None = None) -> Matcher:
    """The matcher on the taxonomy built in ``data_dir`` (or ``taxonomy``, loaded from there), its
    indexes and adapters loaded, or built first where missing or stale (several processes may
    start at once: the files are locked). ``training_data``: $SKILLMATCH_TRAINING_DATA, if any."""
    with long_lived_loading():
        taxonomy = taxonomy or load_taxonomy(store_path(data_dir))
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


def blend_title(whole: np.ndarray, title: np.ndarray, weights: Weights) -> np.ndarray:
    """A vacancy's scores: its whole text's, with ``weights.title`` of them from its title alone."""
    return (1 - weights.title) * whole + weights.title * title


def vacancy_title(text: str) -> str | None:
    """The first line of a multi-line vacancy, when it is short enough to be its title."""
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    if len(lines) > 1 and len(lines[0]) <= _TITLE_MAX_CHARS:
        return lines[0]
    return None
