"""Stage 3: find the passages that answer a question, by meaning and by exact words.

Chroma's vector search finds paraphrases ("When is the visit?" → "…to occur this spring"); BM25 finds
exact names and numbers ("Kyodo", "$11 billion") that a small embedding model blurs. The two rankings
are fused: by default a weighted sum of their min-max normalised scores, which beat reciprocal rank
fusion, vector-only and BM25-only on the dev set (see the README for the numbers).
Retrieved passages are then split into sentences and scored, so the answer stage can quote a sentence
with its exact offsets. The lexical index, the chunks and their sentences' spans and vectors were
written at ingest (``derived.py``) and are memory-mapped here: start-up does not grow with the corpus,
and a new question costs one model pass: the question and those of its words the store has no vector
for (the reader and the verifier compare words by meaning, through ``vectors``), in one batch or two
when padding the words to the question's length would cost more than a call.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .derived import spans_of
from .embeddings import Embedder, PassageEmbedder
from .lemmas import remember, remember_passage
from .models import Evidence, Passage, locate
from .settings import Settings
from .text import STOPWORDS, canonical_names, coverage, normalize, words

if TYPE_CHECKING:
    from .index import Index

_Lemmas = tuple[list[tuple[tuple[str, ...], tuple[str, ...]]], bool]  # ``Store.lemmas``, ``Store.whole``
RRF_K = 60  # the constant of Cormack et al. (2009); results are insensitive to it within 10..100
WEIGHTED_ALPHA = 0.5  # share of the vector score in weighted fusion (0.3…0.7 measured: 0.5 best)
COMPUTED_PASSAGES = 4096  # passages whose sentence vectors are kept when they had to be computed


class Retriever:
    """Hybrid search over one index. Thread-safe: a query reads one immutable generation of the
    derived data (memory-mapped: opening it reads nothing, however large the corpus)."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self._index = index
        self._embedder = embedder
        self._settings = settings
        self._store = index.store()
        self._computed: dict[str, np.ndarray] = {}  # sentence vectors not stored, computed once
        _freeze_start_up()

    def refresh(self) -> None:
        """Reopen after the index changed."""
        self._store = self._index.store()

    @property
    def size(self) -> int:
        return len(self._store)

    def stored_vectors(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The vectors the index stored at ingest for ``texts`` (terms of its vocabulary), else None."""
        return self._store.word_vector(texts)

    def _embed_question(self, query: str) -> np.ndarray:
        """The question's vector, embedded in one pass with those of its words (not stop words) that
        the store has no vector for (later compared with the documents' words: then they come from
        the cache)."""
        forms = {normalize(w) for text in (query, canonical_names(query)) for w, _, _ in words(text)}
        candidates = sorted(forms - {"", query} - STOPWORDS)  # stop words are never compared
        novel = [w for w, v in zip(candidates, self._store.word_vector(candidates), strict=True) if v is None]
        return self._embedder.embed([query, *novel])[0]

    def search(self, query: str, k: int | None = None, fusion: str | None = None) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first."""
        k = k or self._settings.top_k
        fusion = fusion or self._settings.fusion
        store = self._store
        pool = max(4 * k, 20)
        question = self._embed_question(query)  # for the sentences' scores too, whatever the fusion
        vector_hits: list[tuple[str, float]] = []
        if fusion != "lexical":
            vector_hits = self._index.nearest(question, pool)
        lexical_hits: list[tuple[str, float]] = []
        if fusion != "vector":
            lexical_hits = [(store.ids[row], score) for row, score in store.lexical.top(query, pool)]
        vector = dict(vector_hits)
        lexical = dict(lexical_hits)
        fused = _fuse(fusion, vector_hits, lexical_hits)
        passages: list[Passage] = []
        for chunk_id, score in fused:
            row = store.row(chunk_id)
            if row is None:  # written after this generation (an ingest under way)
                continue
            passages.append(
                store.chunk(row).as_passage(
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

        Sentence spans and vectors come from the derived data, so only the question is embedded; each
        ``Evidence`` carries its vector, so that whoever scores it again (a backend, for each part of
        a question) does not run the model on it either. Sentences shared by overlapping chunks
        appear once, under the better-ranked passage.
        """
        seen: set[tuple[str, int]] = set()
        found: list[dict[str, Any]] = []
        vectors: list[np.ndarray] = []
        for position, passage in enumerate(passages):
            spans, passage_vectors, lemmas = self._sentences(passage)
            if lemmas is not None and lemmas[1]:  # every sentence is evidence: the reader's split too
                remember_passage(passage.text, tuple((a, b) for a, b in spans.tolist()))
            for number, ((first, last), row) in enumerate(zip(spans.tolist(), passage_vectors, strict=True)):
                start, end = passage.start + first, passage.start + last
                if (passage.doc_id, start) in seen:
                    continue
                seen.add((passage.doc_id, start))
                # stored at ingest: the reader and the verifier do not analyse it again
                if lemmas is not None:
                    remember(passage.text[first:last], *lemmas[0][number])
                vector = np.ascontiguousarray(row, dtype=np.float32)
                vectors.append(vector)
                found.append(
                    {
                        "passage_index": position,
                        "doc_id": passage.doc_id,
                        "chunk_id": passage.chunk_id,
                        "text": passage.text[first:last],
                        "start": start,
                        "end": end,
                        "section": locate(passage.sections, start),
                        "vector": vector.tobytes(),
                    }
                )
        if not found:
            return []
        similarities = np.stack(vectors) @ self._embedder.embed([question])[0]
        return _ranked(
            Evidence.model_construct(**(fields | _scores(question, fields["text"], float(similarity))))
            for fields, similarity in zip(found, similarities, strict=True)
        )

    def _sentences(self, passage: Passage) -> tuple[np.ndarray, np.ndarray, _Lemmas | None]:
        """Spans and vectors of a passage's sentences: stored, or (a store rebuilt from a server, or
        an embedder that cannot give them at ingest) computed now; and what ingest found about them
        (``Store.lemmas``, ``Store.whole``), None for a passage the store does not have."""
        row = self._store.row(passage.chunk_id)
        lemmas: _Lemmas | None = None
        if row is not None:
            spans, vectors = self._store.sentences(row)
            lemmas = self._store.lemmas(row), self._store.whole(row)
        else:
            spans, vectors = spans_of(passage.text), None
        if vectors is None:
            vectors = self._computed.get(passage.chunk_id)
        if vectors is None:
            if isinstance(self._embedder, PassageEmbedder):
                vectors = self._embedder.embed_passages([passage.text], [spans])[1][0]
            else:
                vectors = self._embedder.embed([passage.text[a:b] for a, b in spans.tolist()])
            if len(self._computed) >= COMPUTED_PASSAGES:
                self._computed.clear()
            self._computed[passage.chunk_id] = vectors
        return spans, vectors, lemmas


@cache
def _freeze_start_up() -> None:
    """Move what start-up made (modules, Chroma, the model, the store: ~100,000 objects that live as
    long as the process) out of the cycle collector's sight, once: a full collection then looks at
    what answering made (at 10k chunks, a pause of 80 ms of CPU every hundred or so questions → 15 ms)."""
    gc.freeze()


def score_sentences(question: str, sentences: Sequence[Evidence], embedder: Embedder) -> list[Evidence]:
    """Score sentences against a question by meaning and shared terms; most relevant first. When every
    sentence carries its stored vector, only the question is embedded."""
    if not sentences:
        return []
    stored = [s.embedding() for s in sentences]
    if all(v is not None for v in stored):
        vectors = np.stack(stored)  # type: ignore[arg-type]
    else:
        vectors = embedder.embed([s.text for s in sentences])
    similarities = vectors @ embedder.embed([question])[0]
    return _ranked(
        sentence.model_copy(update=_scores(question, sentence.text, float(similarity)))
        for sentence, similarity in zip(sentences, similarities, strict=True)
    )


def _scores(question: str, text: str, similarity: float) -> dict[str, float]:
    covered = coverage(question, text)
    return {
        "similarity": round(similarity, 4),
        "coverage": round(covered, 4),
        "relevance": round(relevance(similarity, covered), 4),
    }


def _ranked(sentences: Iterable[Evidence]) -> list[Evidence]:
    """Most relevant first; ties in retrieval order."""
    return sorted(sentences, key=lambda e: (-e.relevance, e.passage_index, e.start))


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
