"""Stage 4, answer: backends behind one small protocol, chosen by the ``backend`` setting.

A backend writes a draft answer with [n] markers; verification is not its job. Backends are listed
by name in ``assistant.registry``: a new backend is one module here and one line there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import tiktoken

from ..embeddings import Embedder
from ..models import ModelReply, Request, Turn, Usage
from ..registry import BACKENDS, load
from ..settings import Settings


class Backend(Protocol):
    """What the pipeline and the eval's judge use of an answer backend."""

    name: str
    model: str
    context_encoding: tiktoken.Encoding | None
    """How the model counts tokens, for packing sources to the budget; None: no budget."""

    def generate(self, request: Request) -> Iterator[str | ModelReply | Usage]:
        """Text as it is produced; what the model sent (``ModelReply``, for a model) once its reply is
        complete, before any text built from it; and a ``Usage`` last, when the backend reports them."""
        ...

    def condense(self, history: Sequence[Turn], question: str) -> tuple[str, Usage]:
        """A standalone form of a follow-up question."""
        ...


def make_backend(settings: Settings, embedder: Embedder) -> Backend:
    """The backend the ``backend`` setting names, built from the settings."""
    factory = load(BACKENDS[settings.backend])
    backend: Backend = factory(settings, embedder)
    return backend
