"""Stage 2: one ingest, streamed, so that memory stays bounded and no work is repeated.

The plan comes from the previous generation's derived store (``derived.py``): a file whose size and
modification time match its stored document is unchanged without being read; one whose content hash
matches is unchanged after being read. Changed documents are read, chunked and embedded one window
of chunks at a time (sorted by length inside the window, so batches pad little), upserted into
Chroma, and written to the next generation; unchanged documents are copied into it row by row. Only
once every new chunk is in are stale ids deleted. Progress is reported per stage as
``progress(stage, done, total)``: "reading" and "chunking" count files, "embedding" counts chunks
(its total grows while files are still being read).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from .derived import ChunkRow, DocumentEntry, Store, StoreWriter, spans_of
from .ingest import Chunker, Corpus, FileRef, admit
from .models import Chunk, Document, IngestProgress

WINDOW = 256  # chunks embedded and upserted together (sorted by length inside: little padding)
PROGRESS_SECONDS = 0.2  # reading and chunking report at most this often (a corpus of many small files)


class Target(Protocol):
    """What an ingest writes to: the index (``Index``), seen only through what it needs here."""

    @property
    def max_bytes(self) -> int: ...

    def document_signature(self, doc_id: str, sha256: str) -> str: ...

    def chunker(self) -> Chunker: ...

    def embed_chunks(
        self, texts: Sequence[str], spans: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, Sequence[np.ndarray | None]]: ...

    def write(self, rows: list[tuple[Document, str, Chunk, int]], vectors: np.ndarray) -> None: ...

    def touch(self, ids: Sequence[str], mtime_ns: int) -> None: ...


@dataclass
class _Pending:
    """A document whose chunks are being embedded."""

    entry: DocumentEntry
    document: Document
    chunks: list[Chunk]
    rows: dict[int, ChunkRow] = field(default_factory=dict)


@dataclass
class Plan:
    """What an ingest did, and the ids to delete once every new chunk is in."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    embedded: int = 0
    stale: set[str] = field(default_factory=set)
    touched: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.stale)


class Ingestion:
    """Brings the collection from ``store``'s generation to the files ``refs``."""

    def __init__(
        self, index: Target, store: Store, writer: StoreWriter, progress: IngestProgress | None
    ) -> None:
        self._index = index
        self._store = store
        self._writer = writer
        self._progress = progress
        self._chunker: Chunker | None = None
        self._window: list[tuple[_Pending, Chunk]] = []
        self._queue: list[_Pending] = []
        self._written: dict[str, set[str]] = {}  # re-chunked documents: their new chunk ids
        self._kept: set[str] = set()  # documents stored as they were
        self._known = 0  # chunks found so far
        self._reported = 0.0
        self.plan = Plan()

    def run(self, refs: Sequence[FileRef], corpus: Corpus) -> Plan:
        stored = self._store.documents()
        by_hash = {entry.sha256: doc_id for doc_id, entry in stored.items()}
        to_read = []
        for ref in refs:
            entry = stored.get(ref.doc_id)
            if entry and self._same_file(ref, entry):
                self._keep(entry)
            else:
                to_read.append(ref)
                if entry:  # its old hash must not make it a duplicate of itself
                    by_hash.pop(entry.sha256, None)
        for done, ref in enumerate(to_read, start=1):
            document = admit(ref, self._index.max_bytes, corpus, by_hash)
            self._report("reading", done, len(to_read), final=done == len(to_read))
            if document is not None:
                self._take(document, stored.get(document.id))
            self._report("chunking", done, len(to_read), final=done == len(to_read))
        self._flush(everything=True)
        for doc_id, entry in stored.items():
            if doc_id in self._kept:
                continue
            old = set(self._store.chunk_ids(entry))
            if doc_id in self._written:
                self.plan.stale |= old - self._written[doc_id]
            else:
                self.plan.removed += 1
                self.plan.stale |= old
        return self.plan

    # -- per document ---------------------------------------------------------------------------

    def _same_file(self, ref: FileRef, entry: DocumentEntry) -> bool:
        """Unchanged without reading: same size and time as stored, chunked the same way."""
        return (
            entry.size == ref.size
            and entry.mtime_ns == ref.mtime_ns
            and entry.chunks > 0
            and entry.signature == self._index.document_signature(entry.id, entry.sha256)
        )

    def _keep(self, entry: DocumentEntry) -> None:
        self.plan.unchanged += 1
        self._kept.add(entry.id)
        self._writer.copy(self._store, entry)

    def _take(self, document: Document, entry: DocumentEntry | None) -> None:
        """A document that was read: unchanged in content (only touched), or chunked for embedding."""
        signature = self._index.document_signature(document.id, document.sha256)
        if entry and entry.signature == signature and entry.chunks:
            self._index.touch(self._store.chunk_ids(entry), document.mtime_ns)
            self.plan.touched = True
            self._keep(
                replace(entry, path=str(document.path), size=document.size, mtime_ns=document.mtime_ns)
            )
            return
        if self._chunker is None:
            self._chunker = self._index.chunker()
        chunks = self._chunker.chunk(document, f"{document.id}::{signature}")
        pending = _Pending(_entry(document, signature, len(chunks)), document, chunks)
        self._queue.append(pending)
        self._written[document.id] = {c.id for c in chunks}
        self._known += len(chunks)
        if entry:
            self.plan.updated += 1
        else:
            self.plan.added += 1
        for chunk in chunks:
            self._window.append((pending, chunk))
            if len(self._window) >= WINDOW:
                self._flush()

    def _flush(self, everything: bool = False) -> None:
        """Embed and upsert the window, then store every document whose chunks are all in."""
        if self._window:
            window, self._window = self._window, []
            spans = [spans_of(chunk.text) for _, chunk in window]
            vectors, sentences = self._index.embed_chunks([chunk.text for _, chunk in window], spans)
            self._index.write(
                [(p.document, p.entry.signature, c, p.entry.chunks) for p, c in window], vectors
            )
            for (pending, chunk), chunk_spans, sentence_vectors in zip(window, spans, sentences, strict=True):
                pending.rows[chunk.index] = ChunkRow(
                    chunk.id, chunk.text, chunk.start, chunk.end, chunk_spans, sentence_vectors
                )
            self.plan.embedded += len(window)
            self._report("embedding", self.plan.embedded, self._known, final=True)
        while self._queue and len(self._queue[0].rows) == len(self._queue[0].chunks):
            done = self._queue.pop(0)
            self._writer.add(done.entry, [done.rows[i] for i in range(len(done.chunks))])
        assert not everything or not self._queue, "every document's chunks were embedded"

    def _report(self, stage: str, done: int, total: int, final: bool = False) -> None:
        if self._progress is None:
            return
        now = time.monotonic()
        if final or now - self._reported >= PROGRESS_SECONDS:
            self._reported = now
            self._progress(stage, done, total)


def _entry(document: Document, signature: str, chunks: int) -> DocumentEntry:
    return DocumentEntry(
        id=document.id, title=document.title, path=str(document.path), sha256=document.sha256,
        size=document.size, mtime_ns=document.mtime_ns, signature=signature, chunks=chunks,
    )  # fmt: skip
