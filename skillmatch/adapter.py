"""A learned query adapter: a residual linear map on query embeddings, one per kind of concept.

e5 puts a job-ad sentence that paraphrases a skill, a Dutch competence phrase or a vacancy title
near the ESCO labels it stands for, but rarely at them. The adapter, q' = normalise(q + qW),
learns that shift from labelled pairs (a text and its ESCO concepts):

- ESCO's own: a label in another language, or an alternative label, must find its concept
  through the concept's other labels (the label itself is hidden). These pairs cover the whole
  taxonomy and keep its space in shape; they are the stored passage vectors, so cost nothing;
- labelled texts in the gold-set JSONL format (``{"text": ..., "gold": [ESCO URIs]}``), by default
  the development sets in ``../shared/benchmarks`` ($SKILLMATCH_TRAINING_DATA names others),
  each text split into outcomes as the matcher splits it.

Training minimises a multi-positive softmax over every concept of the kind, each represented by
its preferred label (the gold concepts are the positives; temperature 0.03), with Adam and an L2
pull towards the identity map: 400 steps of 256 pairs. Fitting both kinds, encoding the labelled
texts included, takes about two minutes on 2 cores, once. What it gains on held-out halves of the
development sets is measured by ``benchmarks/adapter.py`` (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from skillmatch.errors import InputError, StoreError
from skillmatch.index import ConceptIndex
from skillmatch.outcomes import split_outcomes
from skillmatch.taxonomy import ConceptKind


@dataclass(frozen=True)
class AdapterSettings:
    steps: int = 400
    learning_rate: float = 1e-3
    temperature: float = 0.03
    #: Weight of the squared Frobenius norm of W: how hard the map is kept near the identity.
    l2: float = 1e-3
    batch_size: int = 256
    #: ESCO's own pairs drawn per kind (labels in another language, alternative labels).
    esco_pairs: int = 20_000
    seed: int = 0


@dataclass(frozen=True)
class LabelledText:
    """A text and the ESCO concepts it stands for (one line of a gold-set JSONL file)."""

    text: str
    uris: tuple[str, ...]


class QueryAdapter:
    """q' = normalise(q + qW), fitted so that each training query ranks its concepts' labels first.

    >>> adapter = QueryAdapter().fit(queries, positives, forms, hidden)   # doctest: +SKIP
    >>> adapted = adapter.transform(matcher_queries)                        # doctest: +SKIP
    """

    def __init__(self, settings: AdapterSettings | None = None) -> None:
        self.settings = settings or AdapterSettings()
        #: The digest it was saved under (``save``), empty where none.
        self.source = ""

    def fit(self, queries: np.ndarray, positives: Sequence[np.ndarray], forms: np.ndarray,
            hidden: np.ndarray) -> QueryAdapter:
        """``queries`` (n x d); ``positives[i]``: the rows of ``forms`` (the softmax's columns)
        that query i should find; ``hidden[i]``: a row left out for query i (its own text), or -1."""
        import torch

        if len(queries) == 0:
            raise InputError("the query adapter needs at least one training pair")
        settings = self.settings
        generator = torch.Generator().manual_seed(settings.seed)
        x_all = torch.from_numpy(np.ascontiguousarray(queries, dtype=np.float32))
        form_matrix = torch.from_numpy(np.ascontiguousarray(forms, dtype=np.float32))
        weights = torch.zeros(x_all.shape[1], x_all.shape[1], requires_grad=True)
        optimiser = torch.optim.Adam([weights], lr=settings.learning_rate)
        for _ in range(settings.steps):
            batch = torch.randint(0, len(x_all), (min(settings.batch_size, len(x_all)),), generator=generator)
            rows = batch.numpy()
            x = x_all[batch]
            x = x + x @ weights
            logits = (x / x.norm(dim=1, keepdim=True)) @ form_matrix.T / settings.temperature
            own = torch.from_numpy(hidden[rows])
            seen = own >= 0
            logits[seen.nonzero().ravel(), own[seen]] = float("-inf")
            positive = torch.zeros_like(logits, dtype=torch.bool)
            lengths = [len(positives[i]) for i in rows]
            positive[torch.from_numpy(np.repeat(np.arange(len(rows)), lengths)),
                     torch.from_numpy(np.concatenate([positives[i] for i in rows]))] = True
            positive[seen.nonzero().ravel(), own[seen]] = False
            loss = (torch.logsumexp(logits, dim=1)
                    - torch.logsumexp(logits.masked_fill(~positive, float("-inf")), dim=1)).mean()
            loss = loss + settings.l2 * (weights**2).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        self.weights_ = weights.detach().numpy()
        return self

    def transform(self, queries: np.ndarray) -> np.ndarray:
        adapted = queries + queries @ self.weights_
        return (adapted / np.maximum(np.linalg.norm(adapted, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def save(self, path: Path, fingerprint: str, source: str = "") -> None:
        """Written to a temporary file and renamed into place, with the fingerprint it was made for
        and, where given, a cheaper ``source`` digest that stands for that fingerprint (see
        :meth:`saved_fingerprint`)."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, weights=self.weights_, fingerprint=np.array(fingerprint), source=np.array(source),
                     settings=np.array(json.dumps(asdict(self.settings))))
        os.replace(tmp, path)
        self.source = source

    @staticmethod
    def saved_fingerprint(path: Path, source: str) -> str | None:
        """The fingerprint the adapter at ``path`` was fitted for, if it was saved with ``source``
        (whatever the fingerprint is computed from, as a cheaper digest); else None."""
        try:
            with np.load(path) as saved:
                return str(saved["fingerprint"]) if "source" in saved.files and str(saved["source"]) == source \
                    else None
        except (OSError, ValueError):
            return None

    @classmethod
    def load(cls, path: Path, fingerprint: str) -> QueryAdapter:
        """The adapter saved at ``path``; StoreError if it is unreadable or was made for other data."""
        try:
            with np.load(path) as saved:
                if str(saved["fingerprint"]) != fingerprint:
                    raise StoreError(f"the query adapter at {path} was fitted on other data")
                adapter = cls(AdapterSettings(**json.loads(str(saved["settings"]))))
                adapter.weights_ = saved["weights"].astype(np.float32)
                adapter.source = str(saved["source"]) if "source" in saved.files else ""
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"the query adapter at {path} is unreadable ({exc})") from exc
        return adapter


#: Files of a training folder the adapters never see: the learning outcomes are what the outcome
#: decision is fitted and measured on, and the adapter must not have learned them by heart.
HELD_FROM_ADAPTERS = "learning_outcomes_*.jsonl"


def training_files(paths: Sequence[Path]) -> list[Path]:
    """The gold-set JSONL files in ``paths`` (files, or folders of ``*.jsonl`` less the
    ``HELD_FROM_ADAPTERS`` ones), sorted."""
    def files_in(folder: Path) -> set[Path]:
        return set(folder.glob("*.jsonl")) - set(folder.glob(HELD_FROM_ADAPTERS))

    return sorted(p for path in paths for p in ([path] if path.is_file() else files_in(Path(path))))


def files_digest(files: Sequence[Path]) -> str:
    """A digest of the names and bytes of ``files``: a thirtieth of the time it takes to read
    the texts in them."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.name}\0{file.stat().st_size}\0".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def read_labelled(paths: Sequence[Path]) -> list[LabelledText]:
    """Every line of the gold-set JSONL files in ``paths`` (see :func:`training_files`)."""
    labelled = []
    for file in training_files(paths):
        for line_no, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text, gold = item["text"], item["gold"]
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"{file}:{line_no}: a training line needs JSON with text and gold ({exc})") from exc
            if not isinstance(text, str) or not isinstance(gold, list) or not all(isinstance(u, str) for u in gold):
                raise InputError(f"{file}:{line_no}: text must be a string and gold a list of ESCO URIs")
            labelled.append(LabelledText(text, tuple(gold)))
    return labelled


def default_training_data(configured: Path | None = None) -> list[Path]:
    """The configured training data ($SKILLMATCH_TRAINING_DATA), else ``../shared/benchmarks``
    beside the working directory or this checkout when it exists, else none (ESCO pairs only)."""
    if configured is not None:
        path = Path(configured).expanduser()
        if not path.exists():
            raise InputError(f"SKILLMATCH_TRAINING_DATA={configured} does not exist")
        return [path]
    checkout = Path(__file__).resolve().parents[1]
    for candidate in (Path.cwd().parent / "shared" / "benchmarks", checkout.parent / "shared" / "benchmarks"):
        if candidate.is_dir():
            return [candidate]
    return []


@dataclass(frozen=True)
class TrainingSet:
    """Everything one kind's adapter is fitted on. The softmax has one column per concept, its
    preferred label (English where it has one)."""

    texts: list[str]  # labelled texts, still to be encoded as queries
    text_positives: list[np.ndarray]  # per text, the columns of its gold concepts
    esco_forms: np.ndarray  # text ids of the labels used as ESCO's own training queries
    esco_positives: list[np.ndarray]
    esco_hidden: np.ndarray  # per ESCO query, its own column when it is that preferred label, else -1
    columns: np.ndarray  # text id of each concept's preferred label, by concept id


def preferred_forms(dense: ConceptIndex) -> np.ndarray:
    """Per concept id, the text id of its preferred label: English first, then any language."""
    rank = np.full(len(dense.uris_), 9, dtype=np.int64)
    forms = np.full(len(dense.uris_), -1, dtype=np.int64)
    for tid, owners in enumerate(dense.owners_):
        for cid, lang, form in owners:
            order = {"preferred": 0, "alternative": 2, "hidden": 3}.get(form, 9) + (lang != "en")
            if order < rank[cid]:
                rank[cid], forms[cid] = order, tid
    if (forms < 0).any():
        raise StoreError(f"{int((forms < 0).sum())} concepts of the index have no label")
    return forms


def training_set(dense: ConceptIndex, labelled: Sequence[LabelledText], settings: AdapterSettings) -> TrainingSet:
    """The pairs for ``dense``'s kind: labelled texts whose gold has concepts of that kind, and
    ESCO's labels in other languages and alternative labels, each with the concepts it names.

    One column per concept rather than one per label form makes a step 8 times cheaper (13,896
    columns against 105,000 for skills); the other labels of a concept lie close to its
    preferred one."""
    columns = preferred_forms(dense)
    concept_of = {uri: cid for cid, uri in enumerate(dense.uris_)}
    texts, text_positives = [], []
    for item in labelled:
        cids = np.array(sorted({concept_of[u] for u in item.uris if u in concept_of}), dtype=np.int64)
        if not len(cids):
            continue
        if dense.kind is ConceptKind.SKILL:
            try:
                outcomes = split_outcomes(item.text)
            except InputError:
                continue
        else:
            outcomes = [item.text]
        texts.extend(outcomes)
        text_positives.extend([cids] * len(outcomes))
    column_of_form = {int(tid): cid for cid, tid in enumerate(columns.tolist())}
    candidates = [tid for tid, owners in enumerate(dense.owners_)
                  if any(form != "description" and (lang != "en" or form == "alternative")
                         for _c, lang, form in owners)]
    rng = np.random.default_rng(settings.seed)
    chosen = np.sort(rng.choice(len(candidates), size=min(settings.esco_pairs, len(candidates)), replace=False))
    esco_forms, esco_positives, esco_hidden = [], [], []
    for tid in (candidates[i] for i in chosen):
        cids = {c for c, _l, f in dense.owners_[tid] if f != "description"}
        own = column_of_form.get(tid, -1)
        # A label that is itself a concept's preferred one is hidden: that concept must then be
        # found through nothing, so it is no positive either.
        positive = np.array(sorted(cids - {own}), dtype=np.int64)
        if len(positive):
            esco_forms.append(tid)
            esco_positives.append(positive)
            esco_hidden.append(own)
    return TrainingSet(texts, text_positives, np.array(esco_forms, dtype=np.int64), esco_positives,
                       np.array(esco_hidden, dtype=np.int64), columns)


def fingerprint(dense: ConceptIndex, labelled: Sequence[LabelledText], settings: AdapterSettings) -> str:
    digest = hashlib.sha256()
    for part in (dense.fingerprint_, json.dumps(asdict(settings), sort_keys=True)):
        digest.update(part.encode())
    for item in labelled:
        digest.update(json.dumps([item.text, item.uris], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]
