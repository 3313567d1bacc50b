"""Errors a user can act on. Every message is one line that says what to do; the CLI prints it as is."""


class AssistantError(Exception):
    """Base class: anything the CLI reports as a one-line error (exit 2)."""


class ConfigError(AssistantError):
    """A setting is missing or invalid."""


class CorpusError(AssistantError):
    """The corpus cannot be read (a missing path, no documents)."""


class StoreError(AssistantError):
    """The index cannot be opened or written (embedder mismatch, server gone, locked)."""


class BackendError(AssistantError):
    """The model backend failed after retries (server down, bad key, timeout, cut stream)."""


class QuestionError(AssistantError):
    """The question cannot be asked (empty, too long)."""
