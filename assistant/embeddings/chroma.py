"""The embedders as Chroma sees them: registered embedding functions, so that a persisted collection
reopens by itself (``get_collection`` without arguments), sharing the assistant's model and cache."""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from ..settings import Settings, load_settings
from . import Embedder, MiniLMEmbedder, make_embedder


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
        self._config = {"model": model, "base_url": base_url}
        # made on first use: Chroma's client rebuilds this function from its config twice on every write
        # (``CollectionCommon.schema``), and the assistant hands Chroma vectors, so it is seldom called;
        # made each time, the OpenAI client cost a TLS context (28,000 allocations) per write
        self._embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        if self._embedder is None:
            model, base_url = self._config["model"], self._config["base_url"]
            self._embedder = make_embedder(
                load_settings(embedder="openai", embedding_model=model, base_url=base_url)
            )
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
