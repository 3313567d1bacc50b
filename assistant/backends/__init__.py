"""Answer backends behind one small protocol: offline (extractive) and OpenAI-compatible."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import tiktoken

from ..embeddings import Embedder
from ..models import Evidence, Usage
from ..settings import Settings
from ..verify import Source


@dataclass(frozen=True)
class Turn:
    """A finished exchange of a conversation, as a backend needs to see it."""

    question: str
    answer: str


@dataclass(frozen=True)
class Request:
    """What a backend answers from: the question, numbered sources and their scored sentences."""

    question: str
    sources: Sequence[Source]
    evidence: Sequence[Evidence]


class Backend(Protocol):
    """Writes a draft answer with [n] markers; verification is not its job."""

    name: str
    model: str
    context_encoding: tiktoken.Encoding | None
    """How the model counts tokens, for packing sources to the budget; None: no budget."""

    def generate(self, request: Request) -> Iterator[str | Usage]:
        """Text as it is produced; a ``Usage`` last, when the backend reports one."""
        ...

    def condense(self, history: Sequence[Turn], question: str) -> tuple[str, Usage]:
        """A standalone form of a follow-up question."""
        ...


def make_backend(settings: Settings, embedder: Embedder) -> Backend:
    if settings.backend == "offline":
        from .offline import OfflineBackend

        return OfflineBackend(settings, embedder)
    from .openai import OpenAIBackend

    return OpenAIBackend(settings)
