"""Answers questions from your documents with verbatim, checked quotes, or says they do not say.

>>> from assistant import Assistant
>>> answer = Assistant().ask("When is the visit?")
>>> answer.text, answer.citations[0].quote

The names below are imported on first use (PEP 562): ``import assistant.cli`` for a command that does
not answer (a no-op ``assistant ingest``) then loads neither the answer path nor Chroma.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    AssistantError,
    BackendError,
    ConfigError,
    CorpusError,
    IndexDamagedError,
    QuestionError,
    StoreError,
)

if TYPE_CHECKING:
    from .core import Assistant, Conversation, ask
    from .models import Answer, Citation, IndexStatus, IngestReport, Passage
    from .settings import Settings

_LAZY = {
    "Assistant": ".core",
    "Conversation": ".core",
    "ask": ".core",
    "Answer": ".models",
    "Citation": ".models",
    "IndexStatus": ".models",
    "IngestReport": ".models",
    "Passage": ".models",
    "Settings": ".settings",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "BackendError",
    "Citation",
    "ConfigError",
    "Conversation",
    "CorpusError",
    "IndexDamagedError",
    "IndexStatus",
    "IngestReport",
    "Passage",
    "QuestionError",
    "Settings",
    "StoreError",
    "ask",
]
