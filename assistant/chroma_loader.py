"""Chroma, imported for less CPU: without development-time checks and without an exporter nobody calls.

Two costs of ``import chromadb`` (pinned 1.5.9) buy nothing at run time, on every start of every
command that opens the index:

- **The ``overrides`` package's class-time checks.** Chroma marks ~190 methods ``@override``; at import,
  that decorator finds each method's base classes by reading the calling frame's bytecode and compares
  signatures with ``inspect``. Those checks are for Chroma's developers (they raise at import when its
  own classes disagree; the pinned version passes them). Here the decorator only marks each method
  (``__override__``, which ``EnforceOverrides`` classes require). The embedded client's implementation
  (``chromadb.api.rust``, which Chroma imports by name when a client starts) is imported in the same
  window, and so is the product-telemetry class it requires.
- **The OpenTelemetry gRPC exporter** (grpc, protobuf and the OTLP messages): Chroma imports it at the
  top of ``chromadb.telemetry.opentelemetry`` but calls it only when OpenTelemetry tracing is configured
  (``CHROMA_OTEL_GRANULARITY``). A stand-in takes its place during the import; called, it imports the
  real exporter and returns the real object, so tracing works as before when asked for. The stand-in is
  out of ``sys.modules`` once Chroma is imported: any other importer gets the real module.

Only Chroma's import is affected: the ``overrides`` decorator is put back afterwards. Import Chroma from
here, before anything else imports it: ``from .chroma_loader import chromadb`` (``index.py`` does,
first). Where Chroma is already imported, this changes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from types import ModuleType
from typing import Any

import overrides  # noqa: F401  (loads ``overrides.overrides``, whose ``_overrides`` is replaced below)

_EXPORTER = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"
# what a client's start imports by name (``System.instance``); imported here, inside the window
_STARTED = ("chromadb.api.rust", "chromadb.telemetry.product.posthog")


def _mark(method: Callable[..., Any], check_signature: bool, check_at_runtime: bool) -> Callable[..., Any]:
    method.__override__ = True  # type: ignore[attr-defined]
    return method


def _exporter(*args: Any, **kwargs: Any) -> Any:
    """Chroma's ``OTLPSpanExporter``, imported when tracing is configured and it is first made."""
    return import_module(_EXPORTER).OTLPSpanExporter(*args, **kwargs)


def _import() -> ModuleType:
    module = sys.modules["overrides.overrides"]
    checked = module.__dict__["_overrides"]
    stand_in = ModuleType(_EXPORTER)
    stand_in.OTLPSpanExporter = _exporter  # type: ignore[attr-defined]
    placed = sys.modules.setdefault(_EXPORTER, stand_in) is stand_in
    module.__dict__["_overrides"] = _mark
    try:
        import chromadb

        for name in _STARTED:
            import_module(name)
        return chromadb
    finally:
        module.__dict__["_overrides"] = checked
        if placed and sys.modules.get(_EXPORTER) is stand_in:
            del sys.modules[_EXPORTER]


chromadb = _import()

__all__ = ["chromadb"]
