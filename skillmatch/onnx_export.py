"""Export the converted multilingual-e5-small to ONNX once, and quantise it to int8.

Layout as sentence-transformers' own ONNX backend uses it, inside the converted model folder:
``onnx/model.onnx`` (fp32: the transformer up to its last hidden state; pooling and normalisation
stay in numpy) and ``onnx/model_qint8.onnx`` (the same graph with int8 weights per output channel
and dynamically quantised activations: onnxruntime's ``quantize_dynamic``). A marker records what
the files were made from, so a new conversion re-exports them.

Why int8, for queries and stored forms alike: on a CPU with VNNI it encodes about twice as fast
as fp32 torch (outcome sentences and ESCO labels), so the whole index builds in 11 minutes on two
cores without native bf16, at a held-out quality within noise of fp32 stored forms; the figures
are in benchmarks/RESULTS.md. The fp32 graph is what the int8 one is checked against.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

FP32, INT8 = "model.onnx", "model_qint8.onnx"
#: Raised whenever the exported graph changes, so older exports are redone; the e5 encoder's
#: fingerprint includes it, since another graph quantises to slightly different vectors.
GRAPH_VERSION = 2
_MARKER = "skillmatch-onnx.json"
# The dynamic axes of the exported graph: batch and sequence.
_AXES = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
         "last_hidden_state": {0: "batch", 1: "sequence"}}


def ensure_onnx(model_dir: Path, *, progress: Callable[[str], None] | None = None) -> Path:
    """``model_dir/onnx`` with both graphs, exporting first if they are missing or stale."""
    from filelock import FileLock

    model_dir = Path(model_dir)
    folder = model_dir / "onnx"
    wanted = _source_of(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / ".export.lock")):
        try:
            if json.loads((folder / _MARKER).read_text(encoding="utf-8")) == wanted and \
                    all((folder / name).is_file() for name in (FP32, INT8)):
                return folder
        except (OSError, ValueError):
            pass
        if progress:
            progress("exporting multilingual-e5-small to ONNX and int8 (once)")
        export(model_dir, folder)
        (folder / _MARKER).write_text(json.dumps(wanted), encoding="utf-8")
    return folder


def _source_of(model_dir: Path) -> dict[str, object]:
    """What the graphs depend on: the weights they were made from and the exporting libraries."""
    from importlib import metadata

    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    return {"graph": GRAPH_VERSION, "weights": [stat.st_size, stat.st_mtime_ns],
            "torch": metadata.version("torch"), "onnxruntime": metadata.version("onnxruntime")}


def export(model_dir: Path, folder: Path) -> None:
    """Write ``folder/model.onnx`` and ``folder/model_qint8.onnx`` from the model in ``model_dir``."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    class LastHiddenState(torch.nn.Module):
        """BertModel called with keywords, as the TorchScript exporter calls positionally."""

        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # Eager attention exports an additive mask; SDPA's export masks with Where and IsNaN nodes,
    # 8% of the int8 graph's time, and was 1.15 to 1.25 times slower on outcome sentences.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    example = (torch.tensor([[0, 41, 42, 2], [0, 43, 2, 1]]), torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]))
    fp32, int8 = folder / f".{FP32}.{os.getpid()}.tmp", folder / f".{INT8}.{os.getpid()}.tmp"
    try:
        with torch.no_grad():
            torch.onnx.export(LastHiddenState(model), example, str(fp32), input_names=list(_AXES)[:2],
                              output_names=["last_hidden_state"], dynamic_axes=_AXES, opset_version=17,
                              dynamo=False)
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(fp32, folder / FP32)
        os.replace(int8, folder / INT8)
    finally:
        for path in (fp32, int8):
            path.unlink(missing_ok=True)
