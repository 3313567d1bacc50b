"""Model vectors kept on disk between benchmark runs: the real-text index is embedded once, ever.

Embedding ~10,000 chunks and their sentences takes 20 minutes on a quiet 2-core machine and hours
under load. ``RecordingEmbedder`` appends every ``embed_passages`` result to a shard file as it goes,
so a build stopped half-way resumes where it stopped, and an index whose format changed is rebuilt
from the shards without the model (``lookup``). Entries are keyed by the chunk text and its sentence
spans: a chunker or sentence splitter that cuts differently misses and is embedded for real.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.embeddings import MiniLMEmbedder

Entry = tuple[np.ndarray, np.ndarray]  # the chunk's vector, its sentences' vectors


def _key(text: str, spans: np.ndarray) -> str:
    return json.dumps([text, np.asarray(spans).tolist()])


def read(folder: Path) -> dict[str, Entry]:
    """Every entry recorded under ``folder`` (a shard cut short by a kill is skipped)."""
    found: dict[str, Entry] = {}
    for shard in sorted(folder.glob("shard-*.npz")):
        try:
            with np.load(shard) as data:
                keys = json.loads(str(data["keys"]))
                vectors, sentences, counts = data["vectors"], data["sentences"], data["counts"]
        except (OSError, ValueError, KeyError):
            continue
        ends = np.cumsum(counts)
        for i, key in enumerate(keys):
            found[key] = (vectors[i], sentences[ends[i] - counts[i] : ends[i]])
    return found


class RecordingEmbedder(MiniLMEmbedder):
    """The real model behind a disk cache of passages: hits cost nothing, misses are embedded and
    recorded (one shard per call, written atomically). ``model_calls`` counts passages embedded."""

    def __init__(self, folder: Path, known: dict[str, Entry] | None = None, model: bool = True) -> None:
        super().__init__()
        self._folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._known = read(folder) if known is None else known
        self._model = model
        self.model_calls = 0
        self._shards = len(list(folder.glob("shard-*.npz")))

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        keys = [_key(text, bounds) for text, bounds in zip(texts, spans, strict=True)]
        missing = [i for i, key in enumerate(keys) if key not in self._known]
        if missing:
            if not self._model:
                raise RuntimeError(f"{len(missing)} passages are not in {self._folder} and the model is off")
            vectors, sentences = super().embed_passages(
                [texts[i] for i in missing], [spans[i] for i in missing]
            )
            self.model_calls += len(missing)
            self._record([keys[i] for i in missing], vectors, sentences)
        found = [self._known[key] for key in keys]
        return np.stack([v for v, _ in found]).astype(np.float32), [s for _, s in found]

    def _record(self, keys: list[str], vectors: np.ndarray, sentences: list[np.ndarray]) -> None:
        for key, vector, own in zip(keys, vectors, sentences, strict=True):
            self._known[key] = (vector, own)
        target = self._folder / f"shard-{self._shards:06d}.npz"
        partial = target.with_suffix(".tmp.npz")
        np.savez(
            partial,
            keys=np.array(json.dumps(keys)),
            vectors=vectors.astype(np.float32),
            sentences=np.concatenate(sentences).astype(np.float32)
            if sentences
            else np.zeros((0, self.DIMENSIONS), np.float32),
            counts=np.array([len(s) for s in sentences], dtype=np.int64),
        )
        partial.rename(target)
        self._shards += 1
