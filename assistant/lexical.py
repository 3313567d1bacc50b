"""BM25 over the chunks' normalized terms, built once at ingest and memory-mapped when answering.

The score matrix is bm25s's (Lucene variant, k1 1.5, b 0.75, one column of per-chunk scores per
term, compressed sparse columns), but built here in blocks of chunks straight into files, so that
memory stays bounded whatever the corpus size, and read with numpy so that answering needs neither
bm25s nor a pass over the chunks: a query touches only the columns of its own terms. Terms get
stable ids (the vocabulary only grows), so an ingest that changes a few documents reuses every other
chunk's term ids and rebuilds the matrix without normalising any text again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .columns import (
    ColumnWriter,
    HashIndex,
    ReadColumn,
    Strings,
    StringsWriter,
    create,
    open_column,
    write_hash_index,
)
from .text import terms

K1 = 1.5
B = 0.75
EMPTY = "\x00"  # the one term of a chunk without any (BM25 needs a length)
_BLOCK = 2_000  # chunks per pass step: a block's sort needs ~40 bytes per term, ~15 MB in all


class Vocabulary:
    """Term → id, for building; ids are never reused, so earlier generations' term ids stay valid."""

    def __init__(self, known: Sequence[str] = ()) -> None:
        self._ids = {term: i for i, term in enumerate(known)}
        self._terms = list(known)

    def __len__(self) -> int:
        return len(self._terms)

    @property
    def terms(self) -> Sequence[str]:
        """Every term, by id."""
        return self._terms

    def ids(self, text: str) -> np.ndarray:
        """The term ids of ``text``, in order, repeats kept (they are its term frequencies)."""
        found = terms(text) or [EMPTY]
        ids = self._ids
        for term in found:
            if term not in ids:
                ids[term] = len(self._terms)
                self._terms.append(term)
        return np.fromiter((ids[t] for t in found), dtype=np.int32, count=len(found))

    def write(self, folder: Path) -> None:
        strings = StringsWriter(folder, "vocab")
        for term in self._terms:
            strings.append(term)
        strings.close()
        write_hash_index(folder, "vocab", self._terms)


def read_vocabulary(folder: Path) -> Vocabulary:
    return Vocabulary(list(Strings(folder, "vocab")))


def build(folder: Path, ends: np.ndarray, ids: np.ndarray | ReadColumn, vocabulary_size: int) -> None:
    """The BM25 matrix of the chunks whose term ids are ``ids[ends[i-1]:ends[i]]``, into ``folder``.

    Two passes over blocks of chunks: document frequencies first, then each block's scores written
    into their columns' places (blocks go in chunk order, so each column stays sorted by chunk).
    """
    n_docs = len(ends)
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    lengths = (ends - starts).astype(np.float64)
    average = float(lengths.mean()) if n_docs else 1.0
    frequencies = np.zeros(vocabulary_size, dtype=np.int64)
    for block in _blocks(n_docs):
        pairs, _ = _pairs(block, starts, ends, ids, vocabulary_size)
        frequencies += np.bincount(pairs % vocabulary_size, minlength=vocabulary_size)
    indptr = np.concatenate([[0], np.cumsum(frequencies)]).astype(np.int64)
    idf = np.log(1 + (n_docs - frequencies + 0.5) / (frequencies + 0.5))
    nonzero = int(indptr[-1])
    for name in ("bm25.data", "bm25.indices"):
        with create(folder / name) as out:
            out.truncate(4 * nonzero)
    filled = indptr[:-1].copy()
    for block in _blocks(n_docs):
        # mapped afresh per block: the pages a block wrote leave this process with the mapping, so
        # resident memory does not grow with the matrix (the kernel writes them back)
        data, indices = _mapped(folder / "bm25.data", np.float32), _mapped(folder / "bm25.indices", np.int32)
        pairs, counts = _pairs(block, starts, ends, ids, vocabulary_size)
        docs, term_ids = pairs // vocabulary_size + block.start, pairs % vocabulary_size
        order = np.lexsort((docs, term_ids))
        docs, term_ids, counts = docs[order], term_ids[order], counts[order]
        first = np.searchsorted(term_ids, term_ids, side="left")  # rank of each entry within its term
        places = filled[term_ids] + (np.arange(len(term_ids)) - first)
        tf = counts.astype(np.float64)
        norm = K1 * ((1 - B) + B * lengths[docs] / average)
        data[places] = (idf[term_ids] * tf / (norm + tf)).astype(np.float32)
        indices[places] = docs
        np.add.at(filled, term_ids, 1)
        for array in (data, indices):
            if isinstance(array, np.memmap):
                array.flush()
        del data, indices
    column = ColumnWriter(folder / "bm25.indptr", np.int64)
    column.append(indptr)
    column.close()
    (folder / "bm25.json").write_text(json.dumps({"k1": K1, "b": B, "docs": n_docs}), encoding="utf-8")


def _blocks(n_docs: int) -> list[range]:
    return [range(i, min(i + _BLOCK, n_docs)) for i in range(0, n_docs, _BLOCK)]


def _pairs(
    block: range, starts: np.ndarray, ends: np.ndarray, ids: np.ndarray | ReadColumn, vocabulary_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (chunk within block, term) pairs as ``chunk * V + term``, with their counts."""
    if not len(block):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low, high = int(starts[block.start]), int(ends[block.stop - 1])
    lengths = ends[block.start : block.stop] - starts[block.start : block.stop]
    local = np.repeat(np.arange(len(block), dtype=np.int64), lengths)
    keys = local * vocabulary_size + np.asarray(ids[low:high], dtype=np.int64)
    pairs, counts = np.unique(keys, return_counts=True)
    return pairs, counts


def _mapped(path: Path, dtype: type) -> np.ndarray:
    """The file as a writable array (an empty file maps to an empty array: mmap refuses size 0)."""
    size = path.stat().st_size // np.dtype(dtype).itemsize
    return np.memmap(path, dtype=dtype, mode="r+", shape=(size,)) if size else np.zeros(0, dtype=dtype)


class LexicalIndex:
    """The persisted BM25 matrix of one generation, memory-mapped; nothing is read until a query."""

    def __init__(self, folder: Path) -> None:
        self._vocabulary = Strings(folder, "vocab")
        self._lookup = HashIndex(folder, "vocab", self._vocabulary)
        self._data = open_column(folder / "bm25.data", np.float32)
        self._indices = open_column(folder / "bm25.indices", np.int32)
        self._indptr = open_column(folder / "bm25.indptr", np.int64)
        self._size = int(json.loads((folder / "bm25.json").read_text(encoding="utf-8"))["docs"])

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 score of every chunk for ``query`` (None when no query term is indexed)."""
        term_ids = [row for t in terms(query) if (row := self._lookup.find(t)) is not None]
        if not term_ids or not self._size:
            return None
        scores = np.zeros(self._size, dtype=np.float32)
        for term_id in term_ids:  # a repeated query term counts again, as in bm25s
            start, end = int(self._indptr[term_id]), int(self._indptr[term_id + 1])
            scores[self._indices[start:end]] += self._data[start:end]  # a chunk appears once per column
        return scores

    def top(self, query: str, n: int) -> list[tuple[int, float]]:
        """Rows of the best ``n`` chunks with their BM25 scores (only chunks that share a term)."""
        scores = self.scores(query)
        if scores is None:
            return []
        n = min(n, self._size)
        best = np.argpartition(-scores, n - 1)[:n]
        ranked = sorted(best, key=lambda i: (-scores[i], i))
        return [(int(i), float(scores[i])) for i in ranked if scores[i] > 0]
