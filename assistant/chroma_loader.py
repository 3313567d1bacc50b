"""Chroma, imported for a fifth less CPU: without the ``overrides`` package's class-time checks.

Chroma marks ~160 methods ``@override``; at import, that decorator finds each method's base classes
by reading the calling frame's bytecode and compares signatures with ``inspect``: a fifth of
``import chromadb`` (0.17 of 0.75 CPU s, measured in a fresh process), on every start of every command
that opens the index. Those checks are for Chroma's developers (they raise at import when its own
classes disagree; the pinned 1.5.9 passes them); skipping them changes nothing at run time. The
decorator still marks each method (``__override__``), which ``EnforceOverrides`` classes require.
Only Chroma's import is affected: the package's own decorator is put back afterwards.

Import Chroma from here, before anything else imports it: ``from .chroma_loader import chromadb``
(``index.py`` does, first). Where Chroma is already imported, this changes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import overrides  # noqa: F401  (loads ``overrides.overrides``, whose ``_overrides`` is replaced below)


def _mark(method: Callable[..., Any], check_signature: bool, check_at_runtime: bool) -> Callable[..., Any]:
    method.__override__ = True  # type: ignore[attr-defined]
    return method


_module = sys.modules["overrides.overrides"]
_checked = _module.__dict__["_overrides"]
_module.__dict__["_overrides"] = _mark
try:
    import chromadb
finally:
    _module.__dict__["_overrides"] = _checked

__all__ = ["chromadb"]
