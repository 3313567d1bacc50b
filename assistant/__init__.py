"""Answers questions from your documents with verbatim, checked quotes, or says they do not say.

>>> from assistant import Assistant
>>> answer = Assistant().ask("When is the visit?")
>>> answer.text, answer.citations[0].quote
"""

from .core import Assistant, Conversation, ask
from .errors import (
    AssistantError,
    BackendError,
    ConfigError,
    CorpusError,
    IndexDamagedError,
    QuestionError,
    StoreError,
)
from .models import Answer, Citation, IndexStatus, IngestReport, Passage
from .settings import Settings

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
