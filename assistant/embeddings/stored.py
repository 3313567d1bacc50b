"""The embedder as answering sees it: what the index stored at ingest is looked up, only the rest runs
the model (or the embedder's cache).

The reader and the verifier compare single words by meaning; the words of the documents have vectors
in the derived store (``derived.py``), and the question's own words are embedded together with the
question (``Retriever.search``), so a new question runs the model only on itself and its words (one
pass, split in two calls only where that pads less).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .base import Embedder, Vectors

Lookup = Callable[[Sequence[str]], list[np.ndarray | None]]
"""The stored vector of each text, or None."""


class StoredVectors:
    """An ``Embedder`` that looks texts up in ``lookup`` before asking ``embedder``."""

    def __init__(self, embedder: Embedder, lookup: Lookup) -> None:
        self._embedder = embedder
        self._lookup = lookup

    @property
    def name(self) -> str:
        return self._embedder.name

    @property
    def max_tokens(self) -> int | None:
        return self._embedder.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._embedder.count_tokens(texts)

    def embed(self, texts: Sequence[str]) -> Vectors:
        texts = list(texts)
        found = self._lookup(texts)
        missing = [t for t, v in zip(texts, found, strict=True) if v is None]
        if not missing:
            return np.stack(found).astype(np.float32, copy=False) if texts else self._embedder.embed([])  # type: ignore[arg-type]
        computed = dict(zip(missing, self._embedder.embed(missing), strict=True))
        return np.stack([v if v is not None else computed[t] for t, v in zip(texts, found, strict=True)])
