"""Errors a user can act on. Every message is one line that says what to do; the CLI prints it as is."""

from collections.abc import Sequence
from pathlib import Path


class AssistantError(Exception):
    """Base class: anything the CLI reports as a one-line error (exit 2)."""


class ConfigError(AssistantError):
    """A setting is missing or invalid."""


class CorpusError(AssistantError):
    """The corpus cannot be read (a missing path, no documents)."""


class StoreError(AssistantError):
    """The index cannot be opened or written (embedder mismatch, server gone, locked)."""


REPAIR = "assistant ingest --repair"


class IndexDamagedError(StoreError):
    """The index lost data or its database cannot be read: ``assistant ingest --repair`` rebuilds it
    from its recorded corpus."""

    def __init__(self, location: str, problem: str, corpus: Sequence[Path] = ()) -> None:
        self.location, self.problem, self.corpus = location, problem, list(corpus)
        source = f" from {', '.join(str(p) for p in corpus)}" if corpus else ""
        super().__init__(
            f"the index at {location} is damaged ({problem}): run `{REPAIR}` to rebuild it{source}"
        )


class BackendError(AssistantError):
    """The model backend failed after retries (server down, bad key, timeout, cut stream)."""


class RequestRefused(BackendError):
    """The model's server (or in-process engine) refused the request itself as invalid (HTTP 400)."""


class QuestionError(AssistantError):
    """The question cannot be asked (empty, too long)."""
