"""Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import BackendError
from ..openai_client import FAILURES, describe_failure, make_client
from ..settings import Settings
from ..tokens import encoding
from .base import CachedEmbedder, normalise


class OpenAIEmbedder(CachedEmbedder):
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

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIEmbedder:
        return cls(settings.embedding_model, make_client(settings))

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in encoding("cl100k_base").encode_ordinary_batch(list(texts))]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        try:
            response = self._client.embeddings.create(model=self._model, input=texts)
            vectors = np.array([item.embedding for item in response.data], dtype=np.float32)
        except FAILURES as exc:
            raise BackendError(f"embedding failed: {describe_failure(exc)}") from None
        return normalise(vectors)
