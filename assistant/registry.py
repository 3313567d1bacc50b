"""The two extension points by name: the value of a setting → where the class that implements it lives.

Entries are import paths, not imports, so that settings can validate a name without loading a model
or a client, and choosing one backend never imports another. Adding an embedder or a backend is one
module and one line here (see ARCHITECTURE.md).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

EMBEDDERS: dict[str, str] = {
    "minilm": "assistant.embeddings.minilm:MiniLMEmbedder",
    "openai": "assistant.embeddings.openai:OpenAIEmbedder",
}
"""``ASSISTANT_EMBEDDER`` → a class built as ``cls.from_settings(settings)``."""

BACKENDS: dict[str, str] = {
    "offline": "assistant.backends.offline:OfflineBackend",
    "openai": "assistant.backends.openai:OpenAIBackend",
    "local": "assistant.backends.local:LocalBackend",
}
"""``ASSISTANT_BACKEND`` → a class built as ``cls(settings, embedder)``."""


def load(path: str) -> Any:
    """The object an ``module:attribute`` path names."""
    module, _, attribute = path.partition(":")
    return getattr(import_module(module), attribute)
