"""The bundled model run by ONNX Runtime: int8 for bulk backfills, fp32 for queries.

``paperfeed index embed --fast`` (``PAPERFEED_EMBED_BULK_RUNTIME=onnx-int8``) uses the int8
copy: 2.4x the texts/s of sentence-transformers on 2 cores, vectors at cosine 0.995 to the
default's, so they are stored under the same model name (docs/benchmarks.md, "Embedding
cost"). Search queries use the fp32 copy (:mod:`paperfeed.embed.query`). The ONNX files are
built locally from the bundled weights on first use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

from paperfeed.embed.model import (
    BUNDLED_NAMES,
    DEFAULT_MODEL,
    ModelUnavailable,
    bundled_model_path,
)

logger = logging.getLogger(__name__)

ONNX_EXTRA = "pip install onnxruntime onnx (paperfeed's own dependencies)"


def _require_onnx() -> None:
    if "onnxruntime" not in sys.modules and "usearch.compiled" in sys.modules:
        # paperfeed.search.usearch_file imports ONNX Runtime first when it is installed;
        # getting here means it was installed after this process imported usearch.
        raise ModelUnavailable(
            "ONNX Runtime cannot be loaded after usearch in one process (it crashes); "
            "restart the command"
        )
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ModelUnavailable(
            f"fast bulk embedding runs the model in ONNX Runtime, which is not installed "
            f"({exc.name}): {ONNX_EXTRA}; or embed without --fast"
        ) from None


def export_onnx(model_dir: Path, dest: Path) -> Path:
    """Export the sentence-transformers model in ``model_dir`` (a BERT encoder with mean
    pooling, like all-MiniLM-L6-v2) to ONNX at ``dest``, with ONNX Runtime's BERT fusions.

    The output is the token embeddings; :class:`OnnxEmbedder` pools them. Eager attention,
    so that ONNX Runtime recognises and fuses the attention blocks. Not sentence-transformers'
    ``backend="onnx"``: it needs optimum-onnx, which pins transformers < 4.58; and torch's
    TorchScript exporter (``dynamo=False``), which needs no onnxscript.
    """
    import torch
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoConfig, AutoModel

    class TokenEmbeddings(torch.nn.Module):  # (ids, mask, types) -> last hidden state
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    config = AutoConfig.from_pretrained(model_dir)
    encoder = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        raw = Path(tmp) / "raw.onnx"
        torch.onnx.export(
            TokenEmbeddings(encoder),
            example,
            str(raw),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "token_embeddings"]},
            opset_version=17,
            dynamo=False,
        )
        optimized = optimize_model(
            str(raw),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
        )
        optimized.save_model_to_file(str(dest))
    return dest


def quantize_onnx(src: Path, dest: Path, *, per_channel: bool = True) -> Path:
    """Dynamic int8 quantisation of ``src``'s weights (activations stay float).

    Per channel: one scale per output channel of each weight matrix. Per tensor (one scale
    per matrix, ONNX Runtime's default) moves the vectors too far (cosine ~0.94 to fp32).
    """
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dest),
        per_channel=per_channel,
        weight_type=QuantType.QInt8,
        # The fused ops are ONNX Runtime's own, so shape inference cannot type their outputs.
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )
    return dest


def onnx_model_path(model_dir: Path, cache_dir: Path, *, int8: bool) -> Path:
    """The ONNX file of ``model_dir`` (int8 weights, or fp32) under ``cache_dir``, built there
    if missing.

    Built locally from the model's own weights (never downloaded) in ~10 s; the file name
    holds a hash of the weights and the ONNX Runtime version, so a new model or runtime
    gets a new file. Processes building it at once each write a temporary file and rename
    it into place: the last rename wins, and every reader sees a whole file.
    """
    _require_onnx()
    import onnxruntime

    digest = hashlib.sha256(onnxruntime.__version__.encode())
    for name in ("config.json", "model.safetensors"):
        digest.update((model_dir / name).read_bytes())
    path = cache_dir / f"{'int8' if int8 else 'fp32'}-{digest.hexdigest()[:12]}.onnx"
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    logger.info("building %s from %s", path, model_dir)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        built = export_onnx(model_dir, Path(tmp) / "fp32.onnx")
        if int8:
            built = quantize_onnx(built, Path(tmp) / "int8.onnx")
        os.replace(built, path)
    return path


class OnnxEmbedder:
    """A sentence-transformers BERT model (mean pooling) run by ONNX Runtime from an ONNX
    file made by :func:`export_onnx` (and :func:`quantize_onnx`).

    Texts are tokenised with the model's own tokenizer, truncated at its ``max_seq_length``,
    sorted by length and batched, as sentence-transformers does; with ``group_by_length``
    (short queries) a batch is split further where padding would cost more than a model
    call (:func:`length_groups`). ``threads`` = 0 uses every
    core. The session is created on first use (thread-safe).
    """

    def __init__(
        self,
        onnx_path: Path,
        model_dir: Path,
        *,
        name: str = DEFAULT_MODEL,
        batch_size: int = 32,
        max_seq_length: int | None = None,
        threads: int = 0,
        group_by_length: bool = False,
    ):
        self._name = name
        self.group_by_length = group_by_length
        self.onnx_path = onnx_path
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.threads = threads
        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self.max_seq_length = max_seq_length or int(config["max_seq_length"])
        self._dim = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def _load(self) -> None:
        _require_onnx()
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        session = onnxruntime.InferenceSession(
            str(self.onnx_path), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_seq_length)
        tokenizer.no_padding()
        self._tokenizer, self._session = tokenizer, session

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            lengths = [len(encodings[i].ids) for i in rows]
            for a, b in length_groups(lengths) if self.group_by_length else [(0, len(rows))]:
                out[rows[a:b]] = self._encode_batch([encodings[i] for i in rows[a:b]])
        return out

    def _encode_batch(self, encodings) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        tokens = self._session.run(None, inputs)[0]
        summed = (tokens * mask[..., None]).sum(axis=1)
        pooled = summed / mask.sum(axis=1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


# What one model call costs beyond its tokens, in tokens: the fp32 model on one core takes
# ~2.6 ms a call plus ~0.3 ms a token (batch x padded length) for short inputs, measured on
# the 2-core machine (docs/benchmarks.md, issue 16 item 4).
CALL_TOKENS = 9


def length_groups(lengths: list[int], call_tokens: int = CALL_TOKENS) -> list[tuple[int, int]]:
    """Split ``lengths`` (longest first) into runs ``(start, end)``, each one model call
    padded to its first (longest) length, at the least cost ``call_tokens`` per call plus
    the padded tokens (an exact split by dynamic programming; a batch holds 32 at most)."""
    n = len(lengths)
    best = [0] + [None] * n  # best[j]: cost of the first j texts
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        for i in range(j):  # the last call holds texts i..j-1, padded to lengths[i]
            cost = best[i] + call_tokens + (j - i) * lengths[i]
            if best[j] is None or cost < best[j]:
                best[j], cut[j] = cost, i
    groups, j = [], n
    while j > 0:
        groups.append((cut[j], j))
        j = cut[j]
    return groups[::-1]


def bulk_embedder(name: str, cache_dir: Path) -> OnnxEmbedder:
    """The fast embedder for bulk backfills of model ``name``: its int8 ONNX copy (built
    under ``cache_dir`` if missing), storing vectors under ``name``.

    Only the bundled default model has one: its int8 vectors were measured interchangeable
    with the full-precision ones (mean cosine 0.995; SciFact nDCG@10 0.645 against 0.648
    when queries use the default embedder; docs/benchmarks.md "Embedding cost").
    """
    if name not in BUNDLED_NAMES:
        raise ModelUnavailable(
            f"fast bulk embedding exists for the bundled {DEFAULT_MODEL} only, not "
            f"PAPERFEED_EMBEDDING_MODEL={name!r}; embed without --fast"
        )
    model_dir = bundled_model_path()
    return OnnxEmbedder(onnx_model_path(model_dir, cache_dir, int8=True), model_dir, name=name)
