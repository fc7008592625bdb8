"""A small deterministic embedder for the job mechanics: no model, no torch."""

from __future__ import annotations

import hashlib

import numpy as np

DIM = 16


class FakeEmbedder:
    """Hash-seeded unit vectors: the same text always gives the same vector. Counts calls and
    texts; ``fail_on_call`` makes that call (1-based) raise, like a crash mid-run."""

    def __init__(self, name: str = "fake-model", fail_on_call: int | None = None):
        self.name = name
        self.dim = DIM
        self.fail_on_call = fail_on_call
        self.calls = 0
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("simulated crash")
        self.texts.extend(texts)
        return np.stack([fake_vector(t) for t in texts]).astype(np.float32)


def fake_vector(text: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)
