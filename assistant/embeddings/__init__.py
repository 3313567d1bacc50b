"""Embedders, an extension point: local all-MiniLM-L6-v2 (int8 ONNX, the default, ``minilm.py``) and
OpenAI-compatible embeddings (``openai.py``), chosen by the ``embedder`` setting via ``registry``.

The assistant calls ``embed`` directly (batched, cached) and hands Chroma vectors; ``chroma.py``
shows the same embedders to Chroma. Nothing here imports Chroma, so that loading the model can start
while Chroma is still being imported.
"""

from __future__ import annotations

from ..registry import EMBEDDERS, load
from ..settings import Settings
from .base import CachedEmbedder, Embedder, PassageEmbedder, Vectors
from .minilm import MiniLMEmbedder


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the ``embedder`` setting names (the local model is shared within a process)."""
    embedder: Embedder = load(EMBEDDERS[settings.embedder]).from_settings(settings)
    return embedder


__all__ = ["CachedEmbedder", "Embedder", "MiniLMEmbedder", "PassageEmbedder", "Vectors", "make_embedder"]
