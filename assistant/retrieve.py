"""Stage 3: find the passages that answer a question, by meaning and by exact words.

Chroma's vector search finds paraphrases ("When is the visit?" → "…to occur this spring"); BM25 finds
exact names and numbers ("Kyodo", "$11 billion") that a small embedding model blurs. The two rankings
are fused: by default a weighted sum of their min-max normalised scores, which beat reciprocal rank
fusion, vector-only and BM25-only on the dev set (see the README for the numbers).
Retrieved passages are then split into sentences and scored, so the answer stage can quote a sentence
with its exact offsets.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import bm25s
import numpy as np

from .embeddings import Embedder
from .models import Evidence, Passage, StoredChunk, locate
from .settings import Settings
from .text import coverage, evidence_sentences, terms

if TYPE_CHECKING:
    from .index import Index

RRF_K = 60  # the constant of Cormack et al. (2009); results are insensitive to it within 10..100
WEIGHTED_ALPHA = 0.5  # share of the vector score in weighted fusion (0.3…0.7 measured: 0.5 best)


class LexicalIndex:
    """BM25 over the chunks' normalized terms (stop words removed, lightly stemmed)."""

    def __init__(self, chunks: Sequence[StoredChunk]) -> None:
        self._bm25 = bm25s.BM25()
        self._size = len(chunks)
        if chunks:
            self._bm25.index([terms(c.text) or ["\x00"] for c in chunks], show_progress=False)
            self._vocabulary = set(self._bm25.vocab_dict)
        else:
            self._vocabulary = set()

    def top(self, query: str, n: int) -> list[tuple[int, float]]:
        """Positions of the best ``n`` chunks with their BM25 scores (only chunks that share a term)."""
        query_terms = [t for t in terms(query) if t in self._vocabulary]
        if not query_terms or not self._size:
            return []
        scores = self._bm25.get_scores(query_terms)
        n = min(n, self._size)
        best = np.argpartition(-scores, n - 1)[:n]
        ranked = sorted(best, key=lambda i: (-scores[i], i))
        return [(int(i), float(scores[i])) for i in ranked if scores[i] > 0]


@dataclass
class _Snapshot:
    """The chunks and the lexical index built from them; replaced whole after an ingest."""

    chunks: list[StoredChunk]
    positions: dict[str, int]
    lexical: LexicalIndex


class Retriever:
    """Hybrid search over one index. Thread-safe: a query reads one immutable snapshot."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self._index = index
        self._embedder = embedder
        self._settings = settings
        self._lock = threading.Lock()
        self._snapshot = self._load()

    def _load(self) -> _Snapshot:
        chunks = list(self._index.chunks())
        return _Snapshot(
            chunks=chunks,
            positions={c.id: i for i, c in enumerate(chunks)},
            lexical=LexicalIndex(chunks),
        )

    def refresh(self) -> None:
        """Reload after the index changed."""
        snapshot = self._load()
        with self._lock:
            self._snapshot = snapshot

    @property
    def size(self) -> int:
        return len(self._snapshot.chunks)

    def search(self, query: str, k: int | None = None, fusion: str | None = None) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first."""
        k = k or self._settings.top_k
        fusion = fusion or self._settings.fusion
        snapshot = self._snapshot
        pool = max(4 * k, 20)
        vector_hits: list[tuple[str, float]] = []
        if fusion != "lexical":
            vector_hits = self._index.nearest(self._embedder.embed([query])[0], pool)
        lexical_hits: list[tuple[str, float]] = []
        if fusion != "vector":
            lexical_hits = [(snapshot.chunks[i].id, score) for i, score in snapshot.lexical.top(query, pool)]
        vector = dict(vector_hits)
        lexical = dict(lexical_hits)
        fused = _fuse(fusion, vector_hits, lexical_hits)
        passages: list[Passage] = []
        for chunk_id, score in fused:
            position = snapshot.positions.get(chunk_id)
            if position is None:  # indexed after this snapshot was taken
                continue
            chunk = snapshot.chunks[position]
            passages.append(
                chunk.as_passage(
                    len(passages) + 1,
                    round(score, 6),
                    vector_score=_rounded(vector.get(chunk_id)),
                    lexical_score=_rounded(lexical.get(chunk_id)),
                )
            )
            if len(passages) == k:
                break
        return passages

    def evidence(self, question: str, passages: Sequence[Passage]) -> list[Evidence]:
        """Every sentence of the passages, scored against the question, most relevant first.

        Sentences shared by overlapping chunks appear once, under the better-ranked passage.
        """
        seen: set[tuple[str, int]] = set()
        sentences: list[Evidence] = []
        for position, passage in enumerate(passages):
            for _, span in evidence_sentences(passage.text):
                start, end = passage.start + span.start, passage.start + span.end
                if (passage.doc_id, start) in seen:
                    continue
                seen.add((passage.doc_id, start))
                sentences.append(
                    Evidence(
                        passage_index=position,
                        doc_id=passage.doc_id,
                        chunk_id=passage.chunk_id,
                        text=passage.text[span.start : span.end],
                        start=start,
                        end=end,
                        similarity=0.0,
                        coverage=0.0,
                        relevance=0.0,
                        section=locate(passage.sections, start),
                    )
                )
        return score_sentences(question, sentences, self._embedder)


def score_sentences(question: str, sentences: Sequence[Evidence], embedder: Embedder) -> list[Evidence]:
    """Score sentences against a question by meaning and shared terms; most relevant first."""
    if not sentences:
        return []
    vectors = embedder.embed([question, *(s.text for s in sentences)])
    similarities = vectors[1:] @ vectors[0]
    scored = []
    for sentence, similarity in zip(sentences, similarities, strict=True):
        covered = coverage(question, sentence.text)
        scored.append(
            sentence.model_copy(
                update={
                    "similarity": round(float(similarity), 4),
                    "coverage": round(covered, 4),
                    "relevance": round(relevance(float(similarity), covered), 4),
                }
            )
        )
    return sorted(scored, key=lambda e: (-e.relevance, e.passage_index, e.start))


def relevance(similarity: float, coverage: float) -> float:
    """How well a sentence matches a question: meaning and shared terms, weighted equally."""
    return 0.5 * similarity + 0.5 * coverage


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _fuse(
    fusion: str, vector: list[tuple[str, float]], lexical: list[tuple[str, float]]
) -> list[tuple[str, float]]:
    if fusion == "vector":
        return vector
    if fusion == "lexical":
        return lexical
    scores: dict[str, float] = {}
    if fusion == "rrf":
        for hits in (vector, lexical):
            for rank, (chunk_id, _) in enumerate(hits, start=1):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    elif fusion == "weighted":
        for hits, weight in ((vector, WEIGHTED_ALPHA), (lexical, 1.0 - WEIGHTED_ALPHA)):
            if not hits:
                continue
            values = [score for _, score in hits]
            low, high = min(values), max(values)
            for chunk_id, score in hits:
                normalized = (score - low) / (high - low) if high > low else 1.0
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight * normalized
    else:
        raise ValueError(f"unknown fusion {fusion!r}")
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
