"""Dense index over every surface form of every concept of one kind (skills or occupations).

Each distinct text (preferred, alternative and hidden labels in every language, and the
descriptions) is encoded once; FAISS finds the nearest forms to a query and the results are
pooled per concept (the best-matching form wins, and says which form matched). The index is
built once, saved beside the taxonomy store, memory-mapped on load, and rebuilt automatically
when the taxonomy, the encoder or the index settings change.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from skillmatch import __version__
from skillmatch.encoder import EmbeddingCache, Encoder
from skillmatch.errors import StoreError
from skillmatch.taxonomy import ConceptKind, Taxonomy

INDEX_FORMAT = 1
FORM_KINDS = ("preferred", "alternative", "hidden", "description")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FormHit:
    """A concept reached through one of its surface forms."""

    concept: int
    score: float
    text: str
    lang: str
    form: str


def surface_forms(
    taxonomy: Taxonomy, kind: ConceptKind, *, descriptions: bool
) -> tuple[list[str], list[str], list[list[tuple[int, str, str]]]]:
    """Concept URIs, their distinct texts, and per text the (concept id, language, form) it stands for.

    Texts are compared with whitespace collapsed and case folded, so "Python" and "python" are
    encoded once and point at every concept that uses them.
    """
    uris: list[str] = []
    by_text: dict[str, int] = {}
    texts: list[str] = []
    owners: list[list[tuple[int, str, str]]] = []
    for concept in sorted(taxonomy.of_kind(kind), key=lambda c: c.uri):
        cid = len(uris)
        uris.append(concept.uri)
        forms = list(concept.surface_forms())
        if descriptions:
            forms.extend((lang, "description", text) for lang, text in concept.description.items())
        for lang, form, text in forms:
            clean = " ".join(text.split())
            if not clean:
                continue
            tid = by_text.setdefault(clean.casefold(), len(texts))
            if tid == len(texts):
                texts.append(clean)
                owners.append([])
            if not any(o[0] == cid and o[2] == form for o in owners[tid]):
                owners[tid].append((cid, lang, form))
    return uris, texts, owners


class ConceptIndex:
    """Nearest surface forms for a kind of concept, pooled per concept.

    Attributes set by :meth:`build` or :meth:`load`: ``uris_`` (concept URIs by id), ``texts_``
    (distinct texts), ``vectors_`` (a FAISS inner-product index over the texts' embeddings) and
    the text-to-concept mapping ``owners_``.
    """

    def __init__(self, kind: ConceptKind, encoder: Encoder, *, descriptions: bool = True,
                 cache: EmbeddingCache | None = None) -> None:
        self.kind = kind
        self.encoder = encoder
        self.descriptions = descriptions
        self.cache = cache

    # -- building -----------------------------------------------------------------------------

    def fingerprint(self, taxonomy: Taxonomy) -> str:
        settings = {"format": INDEX_FORMAT, "kind": self.kind.value, "descriptions": self.descriptions,
                    "encoder": self.encoder.fingerprint, "taxonomy": taxonomy.meta.fingerprint}
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()

    def build(self, taxonomy: Taxonomy, *, progress: Progress | None = None) -> ConceptIndex:
        uris, texts, owners = surface_forms(taxonomy, self.kind, descriptions=self.descriptions)
        vectors = (self.cache or self.encoder).encode(texts, role="passage", progress=progress)
        self._set(uris, texts, owners, vectors, self.fingerprint(taxonomy))
        return self

    def _set(self, uris: list[str], texts: list[str], owners: list[list[tuple[int, str, str]]],
             vectors: np.ndarray | faiss.Index, fingerprint: str) -> None:
        self.uris_ = uris
        self.texts_ = texts
        self.owners_ = owners
        if isinstance(vectors, np.ndarray):
            index = faiss.IndexFlatIP(vectors.shape[1])
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            vectors = index
        self.vectors_ = vectors
        self.fingerprint_ = fingerprint
        self.position_ = {uri: i for i, uri in enumerate(uris)}
        # A view on the index's own storage (memory-mapped when loaded), for exact re-scoring.
        self.matrix_ = faiss.rev_swig_ptr(vectors.get_xb(), vectors.ntotal * vectors.d).reshape(vectors.ntotal,
                                                                                                 vectors.d)
        self.label_rows_ = _grouped(
            ((cid, tid) for tid, entry in enumerate(owners) for cid, _lang, form in entry if form != "description"),
            len(uris))
        self.description_rows_ = _grouped(
            ((cid, tid) for tid, entry in enumerate(owners) for cid, _lang, form in entry if form == "description"),
            len(uris))

    # -- persistence --------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write to ``folder`` atomically (a sibling temp folder renamed into place)."""
        self._check_fitted()
        tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            faiss.write_index(self.vectors_, str(tmp / "vectors.faiss"))
            (tmp / "forms.json").write_text(
                json.dumps({"uris": self.uris_, "texts": self.texts_, "owners": self.owners_}, ensure_ascii=False),
                encoding="utf-8",
            )
            meta = {"format": INDEX_FORMAT, "fingerprint": self.fingerprint_, "kind": self.kind.value,
                    "encoder": self.encoder.name, "skillmatch_version": __version__,
                    "texts": len(self.texts_), "concepts": len(self.uris_)}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
            old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
            if folder.exists():
                folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @staticmethod
    def saved_fingerprint(folder: Path) -> str | None:
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta.get("fingerprint") if meta.get("format") == INDEX_FORMAT else None

    def load(self, folder: Path) -> ConceptIndex:
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            forms = json.loads((folder / "forms.json").read_text(encoding="utf-8"))
            vectors = faiss.read_index(str(folder / "vectors.faiss"), faiss.IO_FLAG_MMAP)
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"the index at {folder} is unreadable ({exc}); it will be rebuilt") from exc
        owners = [[tuple(o) for o in entry] for entry in forms["owners"]]
        self._set(forms["uris"], forms["texts"], owners, vectors, meta["fingerprint"])  # type: ignore[arg-type]
        return self

    def ensure(self, taxonomy: Taxonomy, folder: Path, *, progress: Progress | None = None) -> ConceptIndex:
        """Load the saved index if it matches ``taxonomy`` and the encoder, else build and save it."""
        from filelock import FileLock

        wanted = self.fingerprint(taxonomy)
        folder.parent.mkdir(parents=True, exist_ok=True)
        # One builder at a time; a second process waits, then loads what the first saved.
        with FileLock(str(folder.with_name(f".{folder.name}.lock"))):
            if self.saved_fingerprint(folder) == wanted:
                try:
                    return self.load(folder)
                except StoreError:
                    pass  # unreadable: rebuild below
            self.build(taxonomy, progress=progress)
            self.save(folder)
        return self

    # -- search -------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "vectors_"):
            raise RuntimeError("ConceptIndex is not built or loaded; call build(), load() or ensure() first")

    def search_vectors(self, queries: np.ndarray, *, forms: int = 256) -> list[dict[int, FormHit]]:
        """For each query vector, the best label form per concept among the ``forms`` nearest texts.

        Descriptions are scored separately (:meth:`description_scores`): a description is a
        different kind of evidence than a label and is weighted on its own.
        """
        self._check_fitted()
        scores, ids = self.vectors_.search(np.ascontiguousarray(queries, dtype=np.float32), forms)
        results = []
        for row_scores, row_ids in zip(scores, ids, strict=True):
            best: dict[int, FormHit] = {}
            for score, tid in zip(row_scores.tolist(), row_ids.tolist(), strict=True):
                if tid < 0:
                    continue
                for cid, lang, form in self.owners_[tid]:
                    if form != "description" and (cid not in best or score > best[cid].score):
                        best[cid] = FormHit(cid, score, self.texts_[tid], lang, form)
            results.append(best)
        return results

    def exact_scores(self, queries: np.ndarray, candidates: Sequence[np.ndarray], *,
                     descriptions: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each query, each candidate concept's best similarity over its labels (or its
        descriptions) and the text id that gave it (-1 when the concept has none); exact, also for
        concepts the nearest-form search did not reach."""
        offsets, rows = self.description_rows_ if descriptions else self.label_rows_
        return [_best_per_group(self.matrix_[np.concatenate([rows[a:b] for a, b in _spans(offsets, cids)] or [[]])
                                             .astype(np.int64)] @ query, offsets, rows, cids)
                for query, cids in zip(np.asarray(queries, dtype=np.float32), candidates, strict=True)]

    @property
    def _descriptions(self) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "_description_cache"):
            offsets, rows = self.description_rows_
            owner = np.searchsorted(offsets, np.arange(len(rows)), side="right") - 1
            self._description_cache = (np.ascontiguousarray(self.matrix_[rows]), owner)
        return self._description_cache

    def top_descriptions(self, queries: np.ndarray, n: int) -> np.ndarray:
        """Concepts whose descriptions are nearest to each query (ids, shape queries x n)."""
        vectors, owner = self._descriptions
        if not len(vectors):
            return np.zeros((len(queries), 0), dtype=np.int64)
        sims = np.asarray(queries, dtype=np.float32) @ vectors.T
        n = min(n, sims.shape[1] - 1)
        return owner[np.argpartition(-sims, n, axis=1)[:, :n]]

    def search(self, texts: Sequence[str], *, forms: int = 256) -> list[dict[int, FormHit]]:
        return self.search_vectors(self.encoder.encode(list(texts), role="query"), forms=forms)


class LexicalIndex:
    """Character n-gram TF-IDF over the same surface forms (labels only), pooled per concept.

    Catches what embeddings blur: exact tool names ("PHP", "AutoCAD"), Dutch compounds that share
    a stem with a label ("waterstraalsnijders" / "waterstraalsnijden"), and spelling variants.
    Hashed n-grams need no stored vocabulary, so the index loads as two arrays.
    """

    N_FEATURES = 2**20

    def __init__(self, kind: ConceptKind) -> None:
        self.kind = kind
        from sklearn.feature_extraction.text import HashingVectorizer

        self._hasher = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), n_features=self.N_FEATURES,
                                         alternate_sign=False, norm=None, lowercase=True)

    #: A label language takes part only if it covers this share of the concepts.
    MIN_COVERAGE = 0.9

    @classmethod
    def _label_forms(cls, dense: ConceptIndex) -> tuple[list[str], list[list[tuple[int, str, str]]]]:
        """The dense index's label texts in the languages that cover (nearly) every concept.

        Descriptions are too long for n-gram overlap to mean much. A partly translated language
        (ESCO has Dutch labels for 17% of skills) would favour exactly the concepts that happen
        to be translated, so its labels are left out here; the dense index still uses them.
        """
        covered: dict[str, set[int]] = {}
        for entry in dense.owners_:
            for cid, lang, form in entry:
                if form != "description":
                    covered.setdefault(lang, set()).add(cid)
        languages = {lang for lang, cids in covered.items() if len(cids) >= cls.MIN_COVERAGE * len(dense.uris_)}

        def wanted(owner: tuple[int, str, str]) -> bool:
            return owner[2] != "description" and owner[1] in languages

        keep = [i for i, owners in enumerate(dense.owners_) if any(wanted(o) for o in owners)]
        return [dense.texts_[i] for i in keep], [[o for o in dense.owners_[i] if wanted(o)] for i in keep]

    def build(self, dense: ConceptIndex) -> LexicalIndex:
        texts, owners = self._label_forms(dense)
        counts = self._hasher.transform(texts)
        document_frequency = np.bincount(counts.indices, minlength=self.N_FEATURES)
        idf = np.log((1 + len(texts)) / (1 + document_frequency)).astype(np.float32) + 1
        self._set(dense.uris_, texts, owners, idf, self._weigh(counts, idf))
        return self

    @staticmethod
    def _weigh(counts, idf: np.ndarray):
        from sklearn.preprocessing import normalize

        weighted = counts.astype(np.float32)
        weighted.data = 1 + np.log(weighted.data)
        weighted = weighted.multiply(idf).tocsr()
        return normalize(weighted)

    def _set(self, uris, texts, owners, idf, matrix) -> None:
        self.uris_, self.texts_, self.owners_ = uris, texts, owners
        self.idf_ = idf
        self.matrix_ = matrix.tocsr()
        self.matrix_t_ = self.matrix_.T.tocsr()
        self.label_rows_ = _grouped(((cid, tid) for tid, entry in enumerate(owners) for cid, _l, _f in entry),
                                    len(uris))

    def exact_scores(self, texts: Sequence[str], candidates: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Each candidate concept's best n-gram similarity over its labels, for each text."""
        queries = self._weigh(self._hasher.transform(list(texts)), self.idf_)
        offsets, rows = self.label_rows_
        out = []
        for i, cids in enumerate(candidates):
            spans = _spans(offsets, cids)
            flat = np.concatenate([rows[a:b] for a, b in spans]) if spans else np.zeros(0, dtype=np.int64)
            sims = (self.matrix_[flat] @ queries[i].T).toarray().ravel()
            out.append(_best_per_group(sims, offsets, rows, cids)[0])
        return out

    def save(self, folder: Path) -> None:
        import scipy.sparse

        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "lexical_idf.npy", self.idf_)
        scipy.sparse.save_npz(folder / "lexical.npz", self.matrix_)

    def load(self, folder: Path, dense: ConceptIndex) -> LexicalIndex:
        """Load the arrays saved beside ``dense``, whose label texts are this index's rows."""
        import scipy.sparse

        try:
            idf = np.load(folder / "lexical_idf.npy")
            matrix = scipy.sparse.load_npz(folder / "lexical.npz")
        except (OSError, ValueError) as exc:
            raise StoreError(f"the lexical index at {folder} is unreadable ({exc})") from exc
        texts, owners = self._label_forms(dense)
        if matrix.shape[0] != len(texts):
            raise StoreError(f"the lexical index at {folder} does not match its dense index")
        self._set(dense.uris_, texts, owners, idf, matrix)
        return self

    def search(self, texts: Sequence[str], *, forms: int = 64) -> list[dict[int, FormHit]]:
        queries = self._weigh(self._hasher.transform(list(texts)), self.idf_)
        scores = (queries @ self.matrix_t_).toarray() if len(texts) else np.zeros((0, len(self.texts_)))
        results = []
        for row in scores:
            top = np.argpartition(-row, min(forms, len(row) - 1))[:forms]
            best: dict[int, FormHit] = {}
            for tid in top[np.argsort(-row[top])].tolist():
                score = float(row[tid])
                if score <= 0:
                    break
                for cid, lang, form in self.owners_[tid]:
                    if cid not in best:
                        best[cid] = FormHit(cid, score, self.texts_[tid], lang, form)
            results.append(best)
        return results


def _grouped(pairs, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR layout of (group, value) pairs: offsets (groups + 1) and the values sorted by group."""
    data = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    offsets = np.zeros(groups + 1, dtype=np.int64)
    np.add.at(offsets, data[:, 0] + 1, 1)
    return np.cumsum(offsets), data[:, 1].copy()


def _spans(offsets: np.ndarray, cids: np.ndarray) -> list[tuple[int, int]]:
    return [(a, b) for a, b in zip(offsets[cids].tolist(), offsets[cids + 1].tolist(), strict=True) if b > a]


def _best_per_group(sims: np.ndarray, offsets: np.ndarray, rows: np.ndarray,
                    cids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Max of ``sims`` (laid out as the concatenated rows of ``cids``) per concept, and its row."""
    lengths = offsets[cids + 1] - offsets[cids]
    best = np.zeros(len(cids), dtype=np.float32)
    which = np.full(len(cids), -1, dtype=np.int64)
    position = 0
    for i, length in enumerate(lengths.tolist()):
        if length:
            segment = sims[position : position + length]
            k = int(np.argmax(segment))
            best[i], which[i] = segment[k], rows[offsets[cids[i]] + k]
            position += length
    return best, which
