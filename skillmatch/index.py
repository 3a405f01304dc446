"""Indexes over every surface form of every concept of one kind (skills or occupations).

Each distinct text (preferred, alternative and hidden labels in every language, and the
descriptions) is encoded once and stored in a FAISS inner-product index, read into memory on load.
A query is scored against every stored text with one matrix product over that storage (exact, and
tens of milliseconds for a batch at ~10^5 forms); the concepts owning its nearest texts become
candidates, and each candidate's score is pooled over all its own forms (the best label wins, and
says which label matched). A character n-gram index over the labels adds lexical evidence for the
candidates. Both indexes are rebuilt automatically when the taxonomy, the encoder or the index
settings change.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from skillmatch import __version__
from skillmatch.encoder import EmbeddingCache, Encoder, available_cores
from skillmatch.errors import StoreError
from skillmatch.taxonomy import ConceptKind, Taxonomy

INDEX_FORMAT = 1
#: The forms of ``forms.json`` as arrays (``ConceptIndex._save_forms``).
FORMS = "forms.npz"
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


class FormEntries(NamedTuple):
    """The (text, owner) pairs of an index's ``owners_``, one row each, as parallel arrays."""

    texts: np.ndarray  # text id
    concepts: np.ndarray  # concept id
    langs: np.ndarray  # label language
    forms: np.ndarray  # one of FORM_KINDS

    @property
    def described(self) -> np.ndarray:
        """True where the text is the concept's description."""
        return self.forms == "description"

    @classmethod
    def of(cls, owners: list[list[tuple[int, str, str]]]) -> FormEntries:
        """The entries of per-text lists of (concept id, language, form), as ``surface_forms`` gives."""
        return cls(np.fromiter((tid for tid, entry in enumerate(owners) for _owner in entry), dtype=np.int64),
                   np.fromiter((cid for entry in owners for cid, _l, _f in entry), dtype=np.int64),
                   np.array([lang for entry in owners for _c, lang, _f in entry], dtype=str),
                   np.array([form for entry in owners for _c, _l, form in entry], dtype=str))

    def owners(self, texts: int) -> list[list[tuple[int, str, str]]]:
        """Per text id (of ``texts``), its (concept id, language, form) entries, in their order."""
        owners: list[list[tuple[int, str, str]]] = [[] for _ in range(texts)]
        for tid, cid, lang, form in zip(self.texts.tolist(), self.concepts.tolist(), self.langs.tolist(),
                                        self.forms.tolist(), strict=True):
            owners[tid].append((cid, lang, form))
        return owners


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
    """The embedded surface forms of one kind of concept, scored and pooled per concept.

    Attributes set by :meth:`build` or :meth:`load`: ``uris_`` (concept URIs by id), ``texts_``
    (distinct texts), ``matrix_`` (the texts' embeddings, stored as a FAISS inner-product index)
    and the text-to-concept mapping ``entries_`` (and, as lists per text, ``owners_``).
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
        self._set(uris, texts, FormEntries.of(owners), np.ascontiguousarray(vectors, dtype=np.float32),
                  self.fingerprint(taxonomy))
        return self

    def _set(self, uris: list[str], texts: list[str], entries: FormEntries, matrix: np.ndarray,
             fingerprint: str) -> None:
        self.uris_ = uris
        self.texts_ = texts
        #: Kept for the lexical index and the occupation context, which select forms from them.
        self.entries_ = entries
        self._owners: list[list[tuple[int, str, str]]] | None = None
        self.matrix_ = matrix
        self.fingerprint_ = fingerprint
        tids, cids, described = entries.texts, entries.concepts, entries.described
        self.label_rows_ = _grouped(cids[~described], tids[~described], len(uris))
        self.description_rows_ = _grouped(cids[described], tids[described], len(uris))
        self.form_owners_ = _grouped(tids, cids, len(texts))
        # The entries are in text order: those of text t are text_entries_[t]:text_entries_[t + 1].
        self.text_entries_ = np.searchsorted(tids, np.arange(len(texts) + 1))

    @property
    def owners_(self) -> list[list[tuple[int, str, str]]]:
        """Per text, the (concept id, language, form) it stands for. Made from ``entries_`` when
        first asked for (fitting an adapter does): as lists it took a third of a command's start."""
        if self._owners is None:
            self._owners = self.entries_.owners(len(self.texts_))
        return self._owners

    # -- persistence --------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write to ``folder`` atomically (a sibling temp folder renamed into place)."""
        self._check_fitted()
        tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            import faiss

            index = faiss.IndexFlatIP(self.matrix_.shape[1])
            index.add(np.ascontiguousarray(self.matrix_))
            faiss.write_index(index, str(tmp / "vectors.faiss"))
            (tmp / "forms.json").write_text(
                json.dumps({"uris": self.uris_, "texts": self.texts_, "owners": self.owners_}, ensure_ascii=False),
                encoding="utf-8",
            )
            self._save_forms(tmp / FORMS)
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
            matrix = _read_vectors(folder / "vectors.faiss")
            forms = self._load_forms(folder / FORMS, meta["fingerprint"])
            if forms is None:
                saved = json.loads((folder / "forms.json").read_text(encoding="utf-8"))
                forms = saved["uris"], saved["texts"], FormEntries.of(saved["owners"])
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise StoreError(f"the index at {folder} is unreadable ({exc}); it will be rebuilt") from exc
        self._set(*forms, matrix, meta["fingerprint"])
        if not (folder / FORMS).is_file():
            # An index saved before the binary forms: written once, read from then on.
            self._save_forms(folder / FORMS)
        return self

    def _save_forms(self, path: Path) -> None:
        """The URIs, texts and entries as arrays, beside ``forms.json`` (which they repeat): read
        in a hundredth of the time, and with few objects, which a command's exit also frees."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, fingerprint=np.array(self.fingerprint_), uris=_joined(self.uris_), texts=_joined(self.texts_),
                     **{f"entry_{field}": values for field, values in self.entries_._asdict().items()})
        os.replace(tmp, path)

    @staticmethod
    def _load_forms(path: Path, fingerprint: str) -> tuple[list[str], list[str], FormEntries] | None:
        """What :meth:`_save_forms` saved at ``path``, or None if missing or of another index."""
        try:
            with np.load(path) as saved:
                if str(saved["fingerprint"]) != fingerprint:
                    return None
                return (_split(saved["uris"]), _split(saved["texts"]),
                        FormEntries(*(saved[f"entry_{field}"] for field in FormEntries._fields)))
        except (OSError, ValueError, KeyError):
            return None

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
        if not hasattr(self, "matrix_"):
            raise RuntimeError("ConceptIndex is not built or loaded; call build(), load() or ensure() first")

    def similarities(self, queries: np.ndarray, *, threads: int | None = None) -> np.ndarray:
        """Cosine of each query with every indexed text (queries x texts), a matrix product over
        the index's vectors: exact, and fast enough for ~10^5 forms.

        The product is the matching's largest cost after the encoder. It is cut by forms into one
        part per core (or ``threads`` parts), each a single-threaded product in a thread of its own: OpenBLAS's own
        threads are limited to one (``Matcher.fit``), since on shared cores they wait for each
        other, where these threads just take turns."""
        self._check_fitted()
        queries = np.asarray(queries, dtype=np.float32)
        out = np.empty((len(queries), len(self.matrix_)), dtype=np.float32)
        bounds = np.linspace(0, len(self.matrix_), (threads or available_cores()) + 1).astype(int)
        parts = [slice(start, end) for start, end in zip(bounds[:-1], bounds[1:], strict=True)]
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            for done in [pool.submit(np.matmul, queries, self.matrix_[part].T, out=out[:, part]) for part in parts]:
                done.result()
        return out

    def candidates(self, similarities: np.ndarray, forms: int, *, partner: np.ndarray | None = None) -> np.ndarray:
        """(query row, concept id) pairs, sorted: every concept that owns one of each query's
        ``forms`` most similar texts (labels or descriptions), and where ``partner[row]`` names
        another row, those of that row too (two readings of one text share their candidates)."""
        n, total = similarities.shape
        m = min(forms, total)
        top = _top_columns(similarities, m)
        concepts, counts = _expand(*self.form_owners_, top.ravel())
        queries = np.repeat(np.repeat(np.arange(n), m), counts)
        if partner is not None:
            queries, concepts = np.concatenate([queries, partner[queries]]), np.concatenate([concepts, concepts])
        keys = np.unique(queries * len(self.uris_) + concepts)
        return np.stack([keys // len(self.uris_), keys % len(self.uris_)], axis=1)

    def pair_scores(self, similarities: np.ndarray, pairs: np.ndarray, *, descriptions: bool = False) -> np.ndarray:
        """For each (query row, concept) pair, the best similarity over the concept's labels (or its
        descriptions; 0 where it has none): label-level max pooling."""
        rows, counts = _expand(*(self.description_rows_ if descriptions else self.label_rows_), pairs[:, 1])
        return _pair_max(similarities[np.repeat(pairs[:, 0], counts), rows], counts)

    def query_pair_scores(self, queries: np.ndarray, pairs: np.ndarray, *, descriptions: bool = False) -> np.ndarray:
        """:meth:`pair_scores` from the query vectors (``pairs`` sorted by query), each query
        compared with its own pairs' forms only: for a second index, which finds no candidates of
        its own, the whole (queries x forms) product was a fifth of a Dutch request's time, six
        times what these products take."""
        rows, counts = _expand(*(self.description_rows_ if descriptions else self.label_rows_), pairs[:, 1])
        bounds = np.searchsorted(np.repeat(pairs[:, 0], counts), np.arange(len(queries) + 1))
        similarities = np.empty(len(rows), dtype=np.float32)
        for i, query in enumerate(np.asarray(queries, dtype=np.float32)):
            own = slice(bounds[i], bounds[i + 1])
            similarities[own] = self.matrix_[rows[own]] @ query
        return _pair_max(similarities, counts)

    def best_label(self, query: np.ndarray, cid: int) -> FormHit:
        """The label of concept ``cid`` nearest to ``query`` (a query vector)."""
        offsets, rows = self.label_rows_
        own = rows[offsets[cid] : offsets[cid + 1]]
        sims = self.matrix_[own] @ np.asarray(query, dtype=np.float32)
        tid = int(own[np.argmax(sims)])
        first, last = self.text_entries_[tid], self.text_entries_[tid + 1]
        entry = first + int(np.argmax(self.entries_.concepts[first:last] == cid))
        return FormHit(cid, float(sims.max()), self.texts_[tid], str(self.entries_.langs[entry]),
                       str(self.entries_.forms[entry]))


@lru_cache(maxsize=1 << 17)
def _hashed_ngrams(word: str, low: int, high: int, n_features: int) -> tuple[int, ...]:
    """The hashed character n-grams of one word, padded with a space at each end. Cached because
    queries repeat the same few thousand words, and hashing each one is the lexical channel's cost."""
    padded = f" {word} "
    hashes = []
    for n in range(low, high + 1):
        # A word shorter than n counts once, as the whole padded word.
        for start in range(max(len(padded) - n, 0) + 1):
            hashes.append(zlib.crc32(padded[start : start + n].encode()) % n_features)
        if len(padded) <= n:
            break
    return tuple(hashes)


class LexicalIndex:
    """Character n-gram TF-IDF over the same surface forms (labels only), pooled per concept.

    Catches what embeddings blur: exact tool names ("PHP", "AutoCAD"), Dutch compounds that share
    a stem with a label ("waterstraalsnijders" / "waterstraalsnijden"), and spelling variants.
    Hashed n-grams need no stored vocabulary, so the index loads as two arrays.
    """

    N_FEATURES = 2**20
    #: Character n-grams within words, padded with a space at each end (sklearn's ``char_wb``).
    NGRAMS = (3, 5)
    #: Stored in the file names: arrays of another n-gram scheme are rebuilt, not misread.
    FORMAT = 2

    def __init__(self, kind: ConceptKind) -> None:
        self.kind = kind

    def _counts(self, texts: Sequence[str]):
        """(texts x hashed n-grams) counts. Written out rather than sklearn's HashingVectorizer,
        whose import alone (scikit-learn pulls in scipy.stats) cost 3 s of every command's start."""
        import scipy.sparse

        indptr, indices = [0], []
        for text in texts:
            for word in text.lower().split():
                indices.extend(_hashed_ngrams(word, *self.NGRAMS, self.N_FEATURES))
            indptr.append(len(indices))
        counts = scipy.sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), np.array(indices, dtype=np.int64),
                                          np.array(indptr, dtype=np.int64)), shape=(len(texts), self.N_FEATURES))
        counts.sum_duplicates()
        return counts

    #: A label language takes part only if it covers this share of the concepts.
    MIN_COVERAGE = 0.9

    @classmethod
    def _label_forms(cls, dense: ConceptIndex) -> tuple[list[str], FormEntries]:
        """The dense index's label texts in the languages that cover (nearly) every concept, and
        their entries (numbered by those texts).

        Descriptions are too long for n-gram overlap to mean much. A partly translated language
        (ESCO has Dutch labels for 17% of skills) would favour exactly the concepts that happen
        to be translated, so its labels are left out here; the dense index still uses them.
        """
        entries = dense.entries_
        labels = ~entries.described
        languages = [lang for lang in np.unique(entries.langs[labels]).tolist()
                     if len(np.unique(entries.concepts[labels & (entries.langs == lang)]))
                     >= cls.MIN_COVERAGE * len(dense.uris_)]
        chosen = labels & np.isin(entries.langs, languages)
        keep, rows = np.unique(entries.texts[chosen], return_inverse=True)
        return [dense.texts_[i] for i in keep.tolist()], FormEntries(
            rows, entries.concepts[chosen], entries.langs[chosen], entries.forms[chosen])

    def build(self, dense: ConceptIndex) -> LexicalIndex:
        texts, entries = self._label_forms(dense)
        counts = self._counts(texts)
        document_frequency = np.bincount(counts.indices, minlength=self.N_FEATURES)
        idf = np.log((1 + len(texts)) / (1 + document_frequency)).astype(np.float32) + 1
        self._set(dense.uris_, texts, entries, idf, self._weigh(counts, idf))
        return self

    def vectors(self, texts: Sequence[str]):
        """The rows of ``texts`` in this index's space: sublinear tf times idf, L2-normalised."""
        return self._weigh(self._counts(texts), self.idf_)

    @staticmethod
    def _weigh(counts, idf: np.ndarray):
        weighted = counts.astype(np.float32)
        weighted.data = (1 + np.log(weighted.data)) * idf[weighted.indices]
        lengths = np.diff(weighted.indptr)
        squares = np.zeros(len(lengths), dtype=np.float32)
        present = lengths > 0
        squares[present] = np.add.reduceat(weighted.data**2, weighted.indptr[:-1][present])
        weighted.data /= np.repeat(np.sqrt(np.maximum(squares, 1e-30)), lengths)
        return weighted

    def _set(self, uris: list[str], texts: list[str], entries: FormEntries, idf: np.ndarray, matrix) -> None:
        self.uris_, self.texts_, self.entries_ = uris, texts, entries
        self.idf_ = idf
        self.matrix_ = matrix.tocsr()
        self.label_rows_ = _grouped(entries.concepts, entries.texts, len(uris))

    @property
    def owners_(self) -> list[list[tuple[int, str, str]]]:
        """Per row, the (concept id, language, form) its label stands for."""
        return self.entries_.owners(len(self.texts_))

    def pair_scores(self, texts: Sequence[str], pairs: np.ndarray) -> np.ndarray:
        """For each (text row, concept) pair, sorted by text row, the best n-gram cosine over the
        concept's labels."""
        import scipy.sparse

        queries = self.vectors(list(texts))
        rows, counts = _expand(*self.label_rows_, pairs[:, 1])
        forms = self.matrix_[rows]
        # Row r of ``forms`` belongs to text ``bounds``-segment i; each text is scattered into one
        # dense feature vector, so a form's dot product is a gather instead of a sparse intersection.
        bounds = forms.indptr[np.searchsorted(np.repeat(pairs[:, 0], counts), np.arange(len(texts) + 1))]
        products = np.zeros(forms.nnz, dtype=np.float32)
        dense = np.zeros(self.N_FEATURES, dtype=np.float32)
        for i in range(len(texts)):
            features = queries.indices[queries.indptr[i] : queries.indptr[i + 1]]
            dense[features] = queries.data[queries.indptr[i] : queries.indptr[i + 1]]
            span = slice(bounds[i], bounds[i + 1])
            products[span] = forms.data[span] * dense[forms.indices[span]]
            dense[features] = 0
        cosines = scipy.sparse.csr_matrix((products, forms.indices, forms.indptr), shape=forms.shape).sum(axis=1)
        return _pair_max(np.asarray(cosines, dtype=np.float32).ravel(), counts)

    def save(self, folder: Path) -> None:
        import scipy.sparse

        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / f"lexical-{self.FORMAT}-idf.npy", self.idf_)
        # Uncompressed: loading is on every command's start path.
        scipy.sparse.save_npz(folder / f"lexical-{self.FORMAT}.npz", self.matrix_, compressed=False)

    def load(self, folder: Path, dense: ConceptIndex) -> LexicalIndex:
        """Load the arrays saved beside ``dense``, whose label texts are this index's rows."""
        import scipy.sparse

        try:
            idf = np.load(folder / f"lexical-{self.FORMAT}-idf.npy")
            matrix = scipy.sparse.load_npz(folder / f"lexical-{self.FORMAT}.npz")
        except (OSError, ValueError) as exc:
            raise StoreError(f"the lexical index at {folder} is unreadable ({exc})") from exc
        texts, entries = self._label_forms(dense)
        if matrix.shape[0] != len(texts):
            raise StoreError(f"the lexical index at {folder} does not match its dense index")
        self._set(dense.uris_, texts, entries, idf, matrix)
        return self


#: A FAISS flat index file: "IxFI", dimension (int32), count (int64), two unused int64s, trained
#: (byte), metric (int32), the vectors' float count (uint64), then the float32 vectors.
_FLAT_HEADER = struct.Struct("<4siqqqBiQ")


def _read_vectors(path: Path) -> np.ndarray:
    """The vectors of a FAISS flat inner-product index file, read straight into an array: FAISS
    itself (import and read) took a tenth of a command's start, and copies them all the same.
    (Memory-mapped, they would lie at an odd offset, which numpy's matrix product runs six times
    slower on.) A file laid out otherwise is read by FAISS."""
    with path.open("rb") as fh:
        head = fh.read(_FLAT_HEADER.size)
        if len(head) == _FLAT_HEADER.size:
            fourcc, d, ntotal, _a, _b, _trained, metric, floats = _FLAT_HEADER.unpack(head)
            if fourcc == b"IxFI" and metric == 0 and floats == d * ntotal and \
                    path.stat().st_size == _FLAT_HEADER.size + 4 * floats:
                return np.fromfile(fh, dtype=np.float32, count=floats).reshape(ntotal, d)
    import faiss

    index = faiss.read_index(str(path))
    return faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d).copy()


def _joined(texts: list[str]) -> np.ndarray:
    """Texts without line breaks (URIs, whitespace-collapsed forms) as one array of UTF-8 bytes."""
    return np.frombuffer("\n".join(texts).encode(), dtype=np.uint8)


def _split(joined: np.ndarray) -> list[str]:
    return joined.tobytes().decode().split("\n") if len(joined) else []


def _grouped(keys: np.ndarray, values: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR layout of (key, value) pairs: offsets (groups + 1) and the values sorted by key, then value."""
    order = np.lexsort((values, keys))
    offsets = np.zeros(groups + 1, dtype=np.int64)
    np.add.at(offsets, keys + 1, 1)
    return np.cumsum(offsets), values[order].astype(np.int64)


def _top_columns(matrix: np.ndarray, m: int) -> np.ndarray:
    """Column ids of each row's ``m`` largest values, in no order.

    Exact, but a full partition of a ~10^5-wide row is slow (with a two-dimensional
    ``np.nonzero`` it was a tenth of the matching time). So a threshold is read off an evenly
    spaced sample of each row, where about ``4 m`` of the row's values lie above it; only those
    are partitioned, and the whole row only where fewer than ``m`` turn out to.
    """
    n, total = matrix.shape
    stride = total // (8 * m)
    if stride < 2:
        return np.argpartition(-matrix, m - 1, axis=1)[:, :m]
    sample = matrix[:, ::stride]
    # The sample's k-th largest value has about k * stride of the row's values above it.
    k = 4 * m // stride
    threshold = np.partition(sample, sample.shape[1] - k, axis=1)[:, sample.shape[1] - k]
    above = np.flatnonzero(matrix >= threshold[:, None])
    rows, columns = np.divmod(above, total)
    counts = np.bincount(rows, minlength=n)
    starts = np.cumsum(counts) - counts
    top = np.empty((n, m), dtype=np.int64)
    for row, (start, count) in enumerate(zip(starts.tolist(), counts.tolist(), strict=True)):
        if count >= m:
            near = columns[start : start + count]
            top[row] = near[np.argpartition(-matrix[row, near], m - 1)[:m]]
        else:
            top[row] = np.argpartition(-matrix[row], m - 1)[:m]
    return top


def _expand(offsets: np.ndarray, values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values of each of ``groups`` (a CSR layout from ``_grouped``), concatenated, and their counts."""
    starts = offsets[groups]
    counts = offsets[groups + 1] - starts
    ends = np.cumsum(counts)
    positions = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - counts), counts)
    return values[positions], counts


def _pair_max(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Max of ``values`` over consecutive runs of ``counts`` (0 for an empty run)."""
    out = np.zeros(len(counts), dtype=np.float32)
    present = counts > 0
    if present.any():
        starts = np.cumsum(counts) - counts
        out[present] = np.maximum.reduceat(values, starts[present])
    return out
