"""The embedding model optimised once and kept, so that a new process loads it for a third of the CPU.

ONNX Runtime optimises a graph every time a session is created: for the int8 MiniLM that is most of
the load (270 → 92 CPU ms measured, median of 2 at load 13), and folding its quantised weights peaks
80 MB above what the session keeps (VmHWM 292 → 214 MB). So the first session saves its optimised
graph in the user's cache folder, and later ones load that with optimisation off: the same vectors
(maximum difference 0 on a question and on a batch of 32). The graph is optimised at the EXTENDED
level, whose rewrites do not depend on this CPU's instruction set (ALL's layout changes may), and the
file is keyed by ONNX Runtime's version, the machine and the packaged model file. A cache that cannot
be written or read is passed over: the packaged model is loaded as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import platformdirs

from ..private import private_dir

log = logging.getLogger(__name__)


def cached_model(model: str, version: str) -> Path:
    """Where the optimised form of ``model`` is kept for this ONNX Runtime and machine."""
    stat = os.stat(model)
    key = "\x1f".join([os.path.realpath(model), str(stat.st_size), str(stat.st_mtime_ns), version])
    digest = hashlib.sha256(f"{key}\x1f{platform.machine()}".encode()).hexdigest()[:16]
    return platformdirs.user_cache_path("assistant") / "onnx" / f"{Path(model).stem}-{digest}.onnx"


def load_session(model: str, options: Callable[[], Any]) -> Any:
    """An ``InferenceSession`` of ``model`` (``options()`` makes fresh ``SessionOptions``): from the
    kept optimised graph when there is one, else optimised now and kept for the next process."""
    import onnxruntime

    providers = ["CPUExecutionProvider"]
    cached = cached_model(model, onnxruntime.__version__)
    if cached.is_file():
        kept = options()
        kept.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return onnxruntime.InferenceSession(str(cached), kept, providers=providers)
        except Exception as exc:  # a damaged file: ONNX Runtime raises its own kinds
            log.info("the kept optimised model %s could not be loaded (%s): optimising again", cached, exc)
    fresh = options()
    fresh.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    temporary = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
    try:
        private_dir(cached.parent)
        fresh.optimized_model_filepath = str(temporary)
        session = onnxruntime.InferenceSession(model, fresh, providers=providers)
        os.chmod(temporary, 0o600)
        os.replace(temporary, cached)  # whole or not at all, also with two processes at once
        return session
    except Exception as exc:  # an unwritable cache: loaded as before, below
        log.info("the optimised model could not be kept in %s (%s)", cached.parent, exc)
        with suppress(OSError):
            temporary.unlink()
    return onnxruntime.InferenceSession(model, options(), providers=providers)
