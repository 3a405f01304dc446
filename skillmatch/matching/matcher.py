"""The matcher: learning outcomes to ESCO skills, job titles and vacancies to occupations.

For each text it finds the candidate concepts (``candidates``), scores them on every channel
that has a weight (``CHANNELS``: one module each), adds the channels up with the tuned weights
(``settings``) and ranks and decides (``decision``; a credential's outcomes and the phrases they
are read as: ``outcome_scores``). A Dutch text is read twice, as written and as its English gloss
(``gloss``). What it reads from disk is loaded or built by ``artefacts``. ``threads``: what each
of its encoder calls and products may run on (default: every core; the results are the same).
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skillmatch.adapter import LabelledText, QueryAdapter, default_training_data
from skillmatch.encoder import Encoder, encode_apart, load_encoder
from skillmatch.errors import InputError
from skillmatch.glossary import Glossary
from skillmatch.index import ConceptIndex, LexicalIndex
from skillmatch.matching import gloss
from skillmatch.matching.artefacts import Artefacts
from skillmatch.matching.candidates import CandidateSearch
from skillmatch.matching.channel import Channel, Evidence
from skillmatch.matching.context import ContextChannel
from skillmatch.matching.crosslingual import CrosslingualChannel
from skillmatch.matching.decision import Decision, Families, Match
from skillmatch.matching.description import DescriptionChannel
from skillmatch.matching.label import LabelChannel
from skillmatch.matching.lazy_taxonomy import LazyTaxonomy
from skillmatch.matching.lexical import LexicalChannel
from skillmatch.matching.outcome_scores import EncodedOutcomes, OutcomeBatch, decide_outcomes
from skillmatch.matching.reading import OutcomeReader, OutcomeReading
from skillmatch.matching.settings import MatchSettings, Weights
from skillmatch.matching.vacancy import blend_title, vacancy_title
from skillmatch.outcomes import check_text, split_outcomes
from skillmatch.taxonomy import ConceptKind, Taxonomy, store_path

#: Every evidence channel, in the order their weighted scores are added up.
CHANNELS: tuple[type[Channel], ...] = (LabelChannel, DescriptionChannel, LexicalChannel, ContextChannel,
                                       CrosslingualChannel)
KINDS = (ConceptKind.SKILL, ConceptKind.OCCUPATION)
Progress = Callable[[str, int, int], None]


class Matcher:
    """Ranks ESCO skills and occupations for text.

    >>> matcher = Matcher(taxonomy, encoder).fit(data_dir)          # doctest: +SKIP
    >>> [m.label for m in matcher.match_skills("De student kan Python gebruiken")][:1]  # doctest: +SKIP
    ['Python (computer programming)']
    """

    #: Texts scored at once; bounds the (texts x forms) similarities to 61 MB for skills. Each product
    #: re-reads the whole index, so a command's 32 outcomes and their phrases go in one (64: +10%).
    CHUNK = 128
    #: Raised when a change of the code (not of its settings or data) changes what is matched, so
    #: that mappings stored before it go stale. 2: a credential's skills decided per outcome.
    RULES = 2

    def __init__(self, taxonomy: Taxonomy, encoder: Encoder, *, settings: MatchSettings | None = None,
                 threads: int | None = None) -> None:
        self.taxonomy, self.encoder, self.threads = taxonomy, encoder, threads
        self.settings = settings or MatchSettings()

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, data_dir: Path, *, training_data: Sequence[Path] | None = None,
            progress: Progress | None = None) -> Matcher:
        """Load the indexes, adapters and glossary under ``data_dir``, building (and saving) any
        that are missing or stale, and fit every channel on them. ``training_data``: gold-set
        JSONL files or folders for the adapters (default: ``adapter.default_training_data()``;
        ``[]`` fits them on ESCO's own pairs only)."""
        # The matching's matrix products are small, or run beside the encoder: OpenBLAS threads
        # waiting for each other on shared cores made products of a millisecond take 30 to 50.
        # (The limit is OpenBLAS's, so it holds for the whole process; the products change only
        # in their last bits, as on a machine of another core count.)
        threadpool_limits(1, user_api="blas")
        self.artefacts_ = Artefacts(self.taxonomy, self.encoder, data_dir, self.settings, progress=progress,
                                    threads=self.threads)
        self.artefacts_.fit((default_training_data() if training_data is None else training_data)
                            if self.settings.adapter else [])
        self.glossary_: Glossary = self.artefacts_.glossary
        verbs = self.artefacts_.derived(
            Path(data_dir) / "reading" / "english-verbs.npz",
            [self.taxonomy.meta.fingerprint, str(OutcomeReader.min_verb_count)],
            lambda: {"verbs": np.array(OutcomeReader.english_verbs(self.taxonomy), dtype=str)})
        self.reader_ = OutcomeReader().with_verbs(verbs["verbs"].tolist())
        self.families_ = {kind: Families(self.artefacts_.dense[kind], self.taxonomy) for kind in KINDS}
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
                    seed: int | None = None, steps: int | None = None) -> QueryAdapter:
        """A query adapter for ``kind`` fitted on ESCO's own pairs and ``labelled`` (neither saved
        nor used: the caller decides, as the benchmarks' cross-fitting does)."""
        return self.artefacts_.fit_adapter(kind, labelled, seed=seed, steps=steps)

    # -- evidence -----------------------------------------------------------------------------
    def weights(self, kind: ConceptKind) -> Weights:
        """The weights this matcher combines ``kind``'s evidence with."""
        return self.settings.weights(kind)

    def _decision(self, kind: ConceptKind) -> Decision:
        return Decision(self.indexes_[kind], self.taxonomy, self.settings.calibration(kind),
                        self.settings.tuned.threshold, self.families_[kind])

    def evidence(self, kind: ConceptKind, texts: Sequence[str], *, every_channel: bool = False,
                 gloss_sources: Sequence[str] | None = None, requests: Sequence[int] | None = None) -> Evidence:
        """Every candidate concept's evidence for every text, per channel (0 for the other
        concepts). Channels whose weight is 0 are left out unless ``every_channel`` (for tuning).
        ``gloss_sources``: what each text's gloss is made of (``gloss.read``); ``requests``: see
        :meth:`_encode`."""
        readings = self._readings(kind, texts, gloss_sources)
        return self._evidence(kind, readings, self._encode(readings, requests), every_channel=every_channel)

    def _encode(self, readings: gloss.Readings, requests: Sequence[int] | None) -> np.ndarray:
        """The rows of ``readings`` encoded. ``requests`` (per text, the request it came with): each
        request's rows are encoded as if it came alone (``encode_apart``), so that batching requests
        (``queue``) changes none of their answers."""
        if requests is None:
            return self.encoder.encode(readings.texts, role="query")
        n = readings.n
        rows = np.asarray(requests)[np.r_[np.arange(n), readings.partner[n:]]]
        return encode_apart(self.encoder, readings.texts, rows, role="query")

    def _readings(self, kind: ConceptKind, texts: Sequence[str],
                  gloss_sources: Sequence[str] | None = None) -> gloss.Readings:
        """The rows ``texts`` are encoded and scored as: a Dutch skill text also as its gloss."""
        skills = kind is ConceptKind.SKILL
        return gloss.read(texts, self.glossary_ if skills else None, self.settings.gloss if skills else 0.0,
                          sources=gloss_sources)

    def _evidence(self, kind: ConceptKind, readings: gloss.Readings, encoded: np.ndarray, *,
                  every_channel: bool = False) -> Evidence:
        """:meth:`evidence` for ``readings`` whose rows the encoder has made ``encoded``."""
        weights = self.weights(kind)
        active = [channel for channel in self.channels_[kind] if every_channel or weights[channel.name]]
        adapter = self.adapters_.get(kind)
        queries = adapter.transform(encoded) if adapter else encoded
        shape = (len(readings.texts), len(self.indexes_[kind].uris_))
        scores = {channel.name: np.zeros(shape, dtype=np.float32) for channel in active}
        search = CandidateSearch(self.indexes_[kind], self.settings.candidate_forms, self.CHUNK, self.threads)
        for rows, chunk, pairs in search.chunks(readings, encoded, queries):
            at = (rows[pairs[:, 0]], pairs[:, 1])
            for channel in active:
                scores[channel.name][at] = channel.score(chunk, pairs)
        for channel in active:
            if channel.blended and readings.glossed:
                readings.blend(scores[channel.name])
        n = readings.n
        return Evidence(queries[:n], {name: values[:n] for name, values in scores.items()}, shape[1])

    # -- the two tasks ------------------------------------------------------------------------
    def match_skills_batch(self, texts: Sequence[str], *, top_k: int = 10) -> list[list[Match]]:
        """Skills for each outcome block: each outcome scored on its own, and a skill keeps its best
        outcome (as its score and as the evidence it reports)."""
        return self.match_outcomes_batch([split_outcomes(text) for text in texts], top_k=top_k)

    def match_skills_stream(self, batches: Iterable[Sequence[str]], *,
                            top_k: int = 10) -> Iterator[list[list[Match]]]:
        """:meth:`match_skills_batch` of each batch in turn, the same matches, with the next batch
        read and encoded while this one is scored and decided: the encoder runs in a second
        thread (onnxruntime leaves the interpreter free), so both cores stay busy."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="skillmatch-encoder") as worker:
            ahead: Future[EncodedOutcomes] | None = None
            for texts in batches:
                queued = worker.submit(self.encode_outcomes, [split_outcomes(text) for text in texts])
                if ahead is not None:
                    yield self.match_encoded(ahead.result(), top_k=top_k)
                ahead = queued
            if ahead is not None:
                yield self.match_encoded(ahead.result(), top_k=top_k)

    def match_outcomes_batch(self, blocks: Sequence[Sequence[str]], *, top_k: int = 10, every_outcome: bool = False,
                             requests: Sequence[int] | None = None) -> list[list[Match]]:
        """Like :meth:`match_skills_batch` for outcomes that are already split, one list per credential.

        Each outcome is read as the things it teaches (``reading``); a skill's score for the
        outcome is its score for the text, with ``phrase_share`` of it from its best phrase. With
        ``every_outcome`` a credential of more outcomes than ``top_k`` still gets each one's best.
        ``requests``: per block, the request it came with (see :meth:`_encode`)."""
        return self.match_encoded(self.encode_outcomes(blocks, requests=requests), top_k=top_k,
                                  every_outcome=every_outcome)

    def encode_outcomes(self, blocks: Sequence[Sequence[str]], *,
                        requests: Sequence[int] | None = None) -> EncodedOutcomes:
        """The first half of :meth:`match_outcomes_batch`, the credentials' outcomes read and encoded:
        a pipeline (``match_skills_stream``, ``queue``) does it while the batch before is scored."""
        for block in blocks:
            if not block:
                raise InputError("a credential without learning outcomes cannot be matched")
            for outcome in block:
                check_text(outcome)
        batch = OutcomeBatch.of(blocks, self.read_outcomes([outcome for block in blocks for outcome in block]),
                                lambda texts, sources: self._readings(ConceptKind.SKILL, texts, sources))
        owners = None if requests is None else np.repeat(requests, [len(block) for block in blocks])[batch.owner]
        return EncodedOutcomes(batch, self._encode(batch.readings, owners))

    def match_encoded(self, encoded: EncodedOutcomes, *, top_k: int = 10,
                      every_outcome: bool = False) -> list[list[Match]]:
        """The second half of :meth:`match_outcomes_batch`: the encoded outcomes scored against
        the indexes and each credential's skills decided."""
        batch = encoded.batch
        evidence = self._evidence(ConceptKind.SKILL, batch.readings, encoded.vectors)
        combined = evidence.combine(self.weights(ConceptKind.SKILL))
        return decide_outcomes(self._decision(ConceptKind.SKILL), batch, combined, evidence.queries,
                               self.settings.phrase_share, top_k, every_outcome=every_outcome)

    def read_outcomes(self, outcomes: Sequence[str]) -> list[OutcomeReading]:
        """How the matcher reads each outcome: Dutch or English, and the phrases it teaches."""
        dutch, _ = self.glossary_.read(outcomes, gloss=False)
        return [self.reader_.read(text, "nl" if is_dutch else "en")
                for text, is_dutch in zip(outcomes, dutch, strict=True)]

    def match_skills(self, text: str, *, top_k: int = 10) -> list[Match]:
        return self.match_skills_batch([text], top_k=top_k)[0]

    def match_occupations_batch(self, texts: Sequence[str], *, top_k: int = 10,
                                requests: Sequence[int] | None = None) -> list[list[Match]]:
        """Occupations for job titles or whole vacancies; a vacancy's first line counts as its title.
        ``requests``: per text, the request it came with (see :meth:`_encode`)."""
        for text in texts:
            check_text(text)
        weights = self.weights(ConceptKind.OCCUPATION)
        evidence = self.evidence(ConceptKind.OCCUPATION, texts, requests=requests)
        scores = evidence.combine(weights)
        titled = [i for i, text in enumerate(texts) if weights.title and vacancy_title(text)]
        if titled:
            titles = self.evidence(ConceptKind.OCCUPATION, [vacancy_title(texts[i]) or "" for i in titled],
                                   requests=None if requests is None else [requests[i] for i in titled])
            scores[titled] = blend_title(scores[titled], titles.combine(weights), weights)
        decision = self._decision(ConceptKind.OCCUPATION)
        return [decision.ranked(scores[i], evidence.queries[i], top_k) for i in range(len(texts))]

    def match_occupations(self, text: str, *, top_k: int = 10) -> list[Match]:
        return self.match_occupations_batch([text], top_k=top_k)[0]


def open_matcher(data_dir: Path, encoder_name: str, *, training_data: Path | None = None,
                 progress: Progress | None = None, encoder_progress: Callable[[str], None] | None = None,
                 taxonomy: Taxonomy | None = None, threads: int | None = None) -> Matcher:
    """The matcher on the taxonomy built in ``data_dir`` (read as needed, see ``lazy_taxonomy``;
    or on ``taxonomy``, loaded from there already), its indexes and adapters loaded, or built
    first where missing or stale (several processes may start at once: the files are locked).
    ``training_data``: the configured adapter training data ($SKILLMATCH_TRAINING_DATA), if any."""
    with long_lived_loading():
        if taxonomy is None:
            taxonomy = LazyTaxonomy(store_path(data_dir))
        encoder = load_encoder(encoder_name, data_dir, progress=encoder_progress, threads=threads)
        return Matcher(taxonomy, encoder, threads=threads).fit(
            data_dir, training_data=default_training_data(training_data), progress=progress)


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
