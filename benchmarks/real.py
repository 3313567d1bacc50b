"""The ~10,000-chunk real-text index, built once and kept in ``~/.cache/assistant-bench``.

Its corpus is written once (``corpus.write_real_corpus``); its model vectors are recorded as they
are made (``vectors.RecordingEmbedder``), so a build stopped half-way resumes, and an index whose
format changed is rebuilt from the recorded vectors without the model. The fair baseline's
collection holds the project's stored chunk vectors (the same int8 model: cosine > 0.99 is checked
by the run), so it is not embedded again either. Ingest speed is measured separately, on a slice.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant import Assistant
from assistant.derived import FORMAT as DERIVED_FORMAT
from assistant.embeddings import MiniLMEmbedder
from assistant.index import Index
from assistant.settings import load_settings
from assistant.unchanged import INDEX_FORMAT

from . import baseline
from .corpus import write_real_corpus
from .vectors import RecordingEmbedder

CACHE = Path.home() / ".cache" / "assistant-bench"
# The INDEX_FORMAT at which the model's vectors last changed (4: sentence vectors pooled from their
# passage's pass); 5 stored each sentence's lemmas beside the same vectors, so they are still valid.
VECTORS_FORMAT = 4


def index_key() -> str:
    """What the built index depends on besides its corpus: a change rebuilds it (from the vectors).
    Word vectors are named because an index built before they were stored still opens (same format)
    but answers with a model call per unknown word: measuring it would not measure this code."""
    return f"index={INDEX_FORMAT};derived={DERIVED_FORMAT};word-vectors"


def folder_for(real_bytes: int, root: Path = CACHE) -> Path:
    return root / f"real-{real_bytes / 1e6:g}mb"


def vectors_folder(root: Path = CACHE) -> Path:
    """Recorded model vectors, shared by every size (a smaller real-text corpus is a prefix of a
    larger one, so its chunks are looked up rather than embedded again). Keyed by the index format
    too: format 4 pools sentence vectors from their passage's pass, so vectors recorded before differ."""
    return root / f"vectors-{MiniLMEmbedder.NAME}-format{VECTORS_FORMAT}"


def project(index: Path, corpus: Path) -> Assistant:
    return Assistant(load_settings(index_dir=index, corpus=[corpus], backend="offline", _env_file=None))


def cache_layout(folder: Path) -> tuple[Path, Path, Path, Path]:
    """A cached build's corpus, project index, baseline collection and manifest (``built.json``)."""
    return folder / "corpus", folder / "index", folder / "baseline", folder / "built.json"


def build(
    folder: Path, real_bytes: int, step: Callable[[str], None]
) -> tuple[dict[str, Any], Path, Path, Path]:
    """(what was built, corpus, index, baseline collection) under ``folder``, built unless cached."""
    corpus, index, plain, manifest = cache_layout(folder)
    if manifest.exists():
        built = json.loads(manifest.read_text(encoding="utf-8"))
        if built.get("key") == index_key():
            return built, corpus, index, plain
        step(f"real text: index format {built.get('key')} → {index_key()}: rebuilding from the vectors")
        manifest.unlink()
    if not (folder / "corpus.json").exists():
        shutil.rmtree(corpus, ignore_errors=True)
        written = write_real_corpus(corpus, real_bytes)
        (folder / "corpus.json").write_text(json.dumps(written), encoding="utf-8")
    shutil.rmtree(index, ignore_errors=True)
    shutil.rmtree(plain, ignore_errors=True)
    assistant = project(index, corpus)
    embedder = RecordingEmbedder(vectors_folder(folder.parent))
    assistant._embedder = embedder
    started, cpu = time.perf_counter(), time.process_time()
    report = assistant.ingest(progress=progress_lines(step, "real text"))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    texts, vectors = chunk_vectors(assistant.index)
    baseline.add_vectors(plain, texts, vectors)
    built = {
        "key": index_key(),
        "chunks": report.chunks,
        "corpus": json.loads((folder / "corpus.json").read_text(encoding="utf-8")),
        "passages_embedded_by_model": embedder.model_calls,
        "build_seconds": round(seconds, 1),
        "build_cpu_seconds": round(cpu_seconds, 1),
    }
    manifest.write_text(json.dumps(built), encoding="utf-8")
    return built, corpus, index, plain


def chunk_vectors(index: Index) -> tuple[list[str], np.ndarray]:
    """Every stored chunk's text and vector, page by page."""
    texts: list[str] = []
    vectors: list[np.ndarray] = []
    for page in index.pages(["documents", "embeddings"]):
        texts += page["documents"] or []
        vectors.append(np.asarray(page["embeddings"], dtype=np.float32))
    return texts, np.concatenate(vectors) if vectors else np.zeros((0, 384), np.float32)


def progress_lines(step: Callable[[str], None], part: str) -> Callable[[str, int, int], None]:
    """Ingest progress as ``part: stage done/total`` lines, at most every 30 s (a build can take an
    hour under load)."""
    last = [0.0]

    def report(stage: str, done: int, total: int) -> None:
        if time.monotonic() - last[0] >= 30 or (total and done == total):
            last[0] = time.monotonic()
            step(f"{part}: {stage} {done:,}/{total:,}")

    return report
