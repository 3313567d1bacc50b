"""Stage 2: one ingest, streamed, so that memory stays bounded and no work is repeated.

The plan comes from the previous generation's derived store (``derived.py``): a file whose size and
modification time match its stored document is unchanged without being read; one whose content hash
matches is unchanged after being read. Changed documents are read, chunked and embedded one window
of chunks at a time (sorted by length inside the window, so batches pad little), upserted into
Chroma, and written to the next generation; unchanged documents are copied into it in ranges of rows. Only
once every new chunk is in are stale ids deleted. Progress is reported per stage as
``progress(stage, done, total)``: "reading" and "chunking" count files, "splitting" the megabytes of a
file too large to hold (cut into chunks before any is embedded), "embedding" counts chunks
(its total grows while files are still being read; it starts at 0 before the first window).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from .derived import ChunkRow, DocumentEntry, Embed, Store, StoreWriter, spans_of
from .ingest import Chunker, Corpus, FileRef, LargeDocument, admit
from .models import Chunk, Document, Progress, Section

WINDOW = 256  # chunks embedded and upserted together (sorted by length inside: little padding)
FIRST_WINDOW = 64  # the first window is smaller: the first rows are in, and progress moves, early
PROGRESS_SECONDS = 0.2  # reading and chunking report at most this often (a corpus of many small files)


Embedded = tuple[np.ndarray, Sequence[np.ndarray | None]]
Window = list[tuple[DocumentEntry, Chunk, str]]  # with the chunk's sections, as JSON


class Target(Protocol):
    """What an ingest writes to: the index (``Index``), seen only through what it needs here."""

    @property
    def max_bytes(self) -> int: ...

    @property
    def read_noindex(self) -> bool: ...

    def document_signature(self, doc_id: str, sha256: str) -> str: ...

    def chunker(self) -> Chunker: ...

    def embed_chunks(self, texts: Sequence[str], spans: Sequence[np.ndarray]) -> Embedded: ...

    def write(self, rows: Window, vectors: np.ndarray) -> None: ...

    def touch(self, ids: Sequence[str], mtime_ns: int) -> None: ...


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
        self,
        index: Target,
        store: Store,
        writer: StoreWriter,
        progress: Progress | None,
        embed_words: Embed | None = None,
    ) -> None:
        """``embed_words``: how the new vocabulary's words are embedded, each window's on the model's
        thread after its chunks (``publish`` embeds what is left, all of it without this)."""
        self._index = index
        self._embed_words = embed_words
        self._words: list[Future[np.ndarray]] = []
        self._store = store
        self._writer = writer
        self._progress = progress
        self._chunker: Chunker | None = None
        self._window: Window = []
        self._written: dict[str, DocumentEntry] = {}  # documents chunked and embedded anew
        self._kept: set[str] = set()  # documents stored as they were
        self._known = 0  # chunks found so far
        self._reported = 0.0
        self._embedding: tuple[Window, list[np.ndarray], Future[Embedded]] | None = None
        self.plan = Plan()

    def run(self, refs: Sequence[FileRef], corpus: Corpus) -> Plan:
        """Plan, read, chunk, embed and write; the model works on one window in a thread of its own
        (then on the new words of the one before) while the next window is read and chunked and the
        previous one written. A local model (one that embeds the words too) takes two of these jobs at
        once: the next job tokenises and queues its batches while the model runs the last batches of
        the one before (the embedder bounds the model calls in flight); an API takes one."""
        few_malloc_arenas()
        jobs = 1 if self._embed_words is None else 2
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="embed") as self._model:
            try:
                return self._run(refs, corpus)
            finally:
                if self._embedding is not None:
                    self._embedding[2].cancel()
                for words in self._words:
                    words.cancel()

    def _run(self, refs: Sequence[FileRef], corpus: Corpus) -> Plan:
        stored = self._store.documents()
        by_hash: dict[str, str] = {}  # content hash → document: a later file with that content is skipped
        to_read = []
        for ref in refs:
            entry = stored.get(ref.doc_id)
            if entry and self._same_file(ref, entry):
                self._keep(entry)  # an unchanged document keeps its place against a new duplicate
                by_hash.setdefault(entry.sha256, entry.id)
            else:
                to_read.append(ref)
        for done, ref in enumerate(to_read, start=1):
            document = admit(ref, self._index.max_bytes, corpus, by_hash, self._index.read_noindex)
            self._report("reading", done, len(to_read), final=done == len(to_read))
            if document is not None:
                self._take(document, stored.get(document.id))
            self._report("chunking", done, len(to_read), final=done == len(to_read))
        # every document is chunked: the chunker's encoding (~38 MiB) goes before the last window is
        # written, whose write may load Chroma's vector index (all of a one-file change's writes)
        self._chunker = None
        self._flush()
        self._drain()
        for words in self._words:
            self._writer.add_word_vectors(words.result())
        for doc_id, entry in stored.items():
            if doc_id in self._kept:
                continue
            old = set(self._store.chunk_ids(entry))
            new = self._written.get(doc_id)
            if new is None:
                self.plan.removed += 1
            else:  # ids are ``doc::signature::index``: the ones this run wrote are known
                old -= {f"{doc_id}::{new.signature}::{i}" for i in range(new.chunks)}
            self.plan.stale |= old
        return self.plan

    def wrote(self, chunk_id: str) -> bool:
        """Whether this run wrote ``chunk_id`` (ids are ``doc::signature::index``)."""
        head, _, index = chunk_id.rpartition("::")
        doc_id, _, signature = head.rpartition("::")
        entry = self._written.get(doc_id)
        return bool(entry and entry.signature == signature and index.isdigit() and int(index) < entry.chunks)

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

    def _take(self, document: Document | LargeDocument, entry: DocumentEntry | None) -> None:
        """A document that was read: unchanged in content (only touched), or chunked and embedded."""
        signature = self._index.document_signature(document.id, document.sha256)
        if entry and entry.signature == signature and entry.chunks:
            self._index.touch(self._store.chunk_ids(entry), document.mtime_ns)
            self.plan.touched = True
            moved = replace(entry, path=str(document.path), size=document.size, mtime_ns=document.mtime_ns)
            self._keep(moved)
            return
        if self._chunker is None:
            self._chunker = self._index.chunker()
        prefix = f"{document.id}::{signature}"
        if isinstance(document, Document):
            chunks = self._chunker.chunk(document, prefix)
            new = _entry(document, signature, len(chunks))
            self._start(new, entry)
            for chunk in chunks:
                self._add(new, chunk, document.sections)
            return
        # Too large to hold: chunk window by window keeping only the cuts, then cut again and embed.
        cuts: list[np.ndarray] = []  # per window, (start, end, tokens) of each chunk: 24 bytes a chunk
        ends = [byte for byte, _ in document.starts[1:]] + [document.size]
        for (offset, text), end in zip(document.windows(), ends, strict=True):
            found = self._chunker.chunk_text(text, document.id, prefix, offset, sum(map(len, cuts)))
            cuts.append(np.array([(c.start, c.end, c.tokens) for c in found], dtype=np.int64).reshape(-1, 3))
            # minutes for hundreds of MB, before the first chunk is embedded: progress in MB meanwhile
            megabytes = round(end / 1e6), round(document.size / 1e6)
            self._report("splitting", *megabytes, final=end == document.size)
        new = _entry(document, signature, sum(map(len, cuts)))
        self._start(new, entry)
        index = 0
        for (offset, text), window in zip(document.windows(), cuts, strict=True):
            for start, end, tokens in window.tolist():
                chunk = Chunk(
                    id=f"{prefix}::{index}", doc_id=document.id, index=index,
                    text=text[start - offset : end - offset], start=start, end=end, tokens=tokens,
                )  # fmt: skip
                self._add(new, chunk, document.sections)
                index += 1

    def _start(self, new: DocumentEntry, old: DocumentEntry | None) -> None:
        self._written[new.id] = new
        self._known += new.chunks
        if old:
            self.plan.updated += 1
        else:
            self.plan.added += 1

    def _add(self, entry: DocumentEntry, chunk: Chunk, sections: Sequence[Section]) -> None:
        within = [[s.start, s.label] for s in sections_within(sections, chunk.start, chunk.end)]
        self._window.append((entry, chunk, json.dumps(within)))
        if len(self._window) >= (WINDOW if self.plan.embedded or self._embedding else FIRST_WINDOW):
            self._flush()

    def _flush(self) -> None:
        """Hand the window to the model, then write the one before it."""
        if not self._window:
            return
        window, self._window = self._window, []
        if self._embedding is None and not self.plan.embedded:
            self._report("embedding", 0, self._known, final=True)  # every earlier file is read and chunked
        spans = [spans_of(chunk.text) for _, chunk, _ in window]
        future = self._model.submit(self._index.embed_chunks, [chunk.text for _, chunk, _ in window], spans)
        self._drain()
        self._embedding = (window, spans, future)

    def _drain(self) -> None:
        """Upsert the window being embedded once its vectors are in, and append its chunks to the next
        generation (documents in order, each one's chunks in order)."""
        if self._embedding is None:
            return
        window, spans, future = self._embedding
        self._embedding = None
        vectors, sentences = future.result()
        self._index.write(window, vectors)
        for (entry, chunk, sections), chunk_spans, vectors_of in zip(window, spans, sentences, strict=True):
            if chunk.index == 0:
                self._writer.begin(entry)
            self._writer.add_chunk(
                ChunkRow(chunk.id, chunk.text, chunk.start, chunk.end, chunk_spans, vectors_of, sections)
            )
        self.plan.embedded += len(window)
        if self._embed_words is not None:  # the window's new words, after the next window's chunks
            words = self._writer.new_terms()
            if words:
                self._words.append(self._model.submit(self._embed_words, words))
        self._report("embedding", self.plan.embedded, self._known, final=True)

    def _report(self, stage: str, done: int, total: int, final: bool = False) -> None:
        if self._progress is None:
            return
        now = time.monotonic()
        if final or now - self._reported >= PROGRESS_SECONDS:
            self._reported = now
            self._progress(stage, done, total)


def sections_within(sections: Sequence[Section], start: int, end: int) -> list[Section]:
    """The sections in effect somewhere in ``start:end``: the one it begins in, and those begun inside."""
    before = [s for s in sections if s.start <= start]
    return before[-1:] + [s for s in sections if start < s.start < end]


def _entry(document: Document | LargeDocument, signature: str, chunks: int) -> DocumentEntry:
    return DocumentEntry(
        id=document.id, title=document.title, path=str(document.path), sha256=document.sha256,
        size=document.size, mtime_ns=document.mtime_ns, signature=signature, chunks=chunks,
    )  # fmt: skip


def few_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas for the process. Each thread that allocates gets an arena of its own
    (up to 8 per core) that keeps what was freed: with the model on its own thread, ingesting 527
    real-text chunks peaked at 598 MiB, and at 553 MiB with two arenas, at the same speed. Arenas that
    already exist stay; where glibc is not the C library this does nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8: M_ARENA_MAX


def trim_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``): what a large
    structure freed (Chroma's vector index, a batch's buffers) otherwise stays in the process,
    counted as its memory. Elsewhere than glibc this does nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
