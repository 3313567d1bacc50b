"""Stage 2: keep a Chroma collection in step with the corpus, incrementally and safely.

Safety comes from determinism: a chunk's id is derived from its document's id, the document's content,
the chunking parameters and the embedder. Re-running an interrupted ingest therefore rewrites the same
ids (no duplicates), and deletes whatever ids a document should no longer have (no orphans). A manifest
hash over the corpus files, written last, says whether the index is fresh without reading the files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import filelock
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import GetResult
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError

from .embeddings import Embedder
from .embeddings.chroma import chroma_function
from .errors import CorpusError, StoreError
from .ingest import Chunker, Corpus, Limit, load_corpus, scan
from .models import Chunk, Document, IngestReport, Progress, StoredChunk
from .settings import Settings, redact_url, state_dir
from .tokens import encoding

log = logging.getLogger(__name__)


def chunker_for(settings: Settings, embedder: Embedder) -> Chunker:
    """Chunk size in tiktoken tokens, never beyond what the embedder reads."""
    tiktoken_encoding = encoding("cl100k_base")
    limits = [
        Limit(
            "cl100k_base",
            # one by one: encode_ordinary_batch starts a thread pool per call, twice as slow here
            lambda texts: [len(tiktoken_encoding.encode_ordinary(text)) for text in texts],
            settings.chunk_tokens,
        )
    ]
    if embedder.max_tokens is not None:
        limits.append(Limit(embedder.name, embedder.count_tokens, embedder.max_tokens))
    return Chunker(limits=tuple(limits), overlap=settings.chunk_overlap)


WRITE_BATCH = 64  # chunks embedded and upserted per call (per-call overhead dominates small files)
INDEX_FORMAT = 2  # bump when what is stored beside a chunk changes: every document is redone


def chunking_signature(settings: Settings, embedder: Embedder) -> str:
    """Everything that decides how a document is chunked and embedded, without loading a tokenizer."""
    return (
        f"format={INDEX_FORMAT};cl100k_base={settings.chunk_tokens};{embedder.name}={embedder.max_tokens};"
        f"overlap={settings.chunk_overlap}"
    )


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Index:
    """A Chroma collection of chunks: embedded on disk by default, or on a server by URL."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.location = redact_url(settings.chroma_url) if settings.chroma_url else str(settings.index_dir)
        # Opening may create the database and the collection; two processes doing that at once (two
        # first ingests) race on the same tables, so opening is serialised too (it takes a moment).
        with self._file_lock("open", "process opening"):
            self._client = self._connect()
            self._collection = self._open()

    # -- connection ---------------------------------------------------------------------------

    def _connect(self) -> ClientAPI:
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        url = self.settings.chroma_url
        with self._translate_errors("connect to"):
            if url is None:
                self.settings.index_dir.mkdir(parents=True, exist_ok=True)
                return chromadb.PersistentClient(str(self.settings.index_dir), settings=chroma_settings)
            parts = urlsplit(url)
            return chromadb.HttpClient(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or (443 if parts.scheme == "https" else 8000),
                ssl=parts.scheme == "https",
                settings=chroma_settings,
            )

    def _open(self) -> Collection:
        name = self.settings.collection
        with self._translate_errors("open"):
            existing = {c.name: c for c in self._client.list_collections()}
            if name in existing:
                recorded = (existing[name].metadata or {}).get("embedder")
                if recorded != self.embedder.name:
                    raise StoreError(
                        f"the index at {self.location} (collection {name!r}) holds vectors of "
                        f"{recorded!r}, not {self.embedder.name!r}: switch ASSISTANT_EMBEDDER back, "
                        "or use another ASSISTANT_COLLECTION or ASSISTANT_INDEX_DIR"
                    )
                return self._client.get_collection(
                    name,
                    embedding_function=chroma_function(self.settings, self.embedder),  # type: ignore[arg-type]
                )
            return self._client.create_collection(
                name,
                embedding_function=chroma_function(self.settings, self.embedder),  # type: ignore[arg-type]
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": self.embedder.name},
            )

    @contextmanager
    def _translate_errors(self, action: str) -> Iterator[None]:
        """Chroma and network failures become one line that names the index."""
        try:
            yield
        except (ChromaError, httpx.HTTPError, OSError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if self.settings.chroma_url:
                raise StoreError(f"cannot {action} the Chroma server at {self.location}: {reason}") from None
            raise StoreError(f"cannot {action} the index at {self.location}: {reason}") from None

    # -- reading ------------------------------------------------------------------------------

    def count(self) -> int:
        with self._translate_errors("read"):
            return self._collection.count()

    @property
    def metadata(self) -> dict[str, Any]:
        with self._translate_errors("read"):
            self._collection = self._client.get_collection(
                self.settings.collection,
                embedding_function=chroma_function(self.settings, self.embedder),  # type: ignore[arg-type]
            )
            return dict(self._collection.metadata or {})

    def recorded_corpus(self) -> list[Path] | None:
        """The corpus the last ingest synchronised to, if any."""
        roots = self.metadata.get("corpus")
        return [Path(p) for p in json.loads(roots)] if roots else None

    def pages(self, include: list[str]) -> Iterator[GetResult]:
        """The whole collection, ``page_size`` rows per read: one read of everything fails past
        ~32,700 rows (SQLite's limit on variables per statement) and holds it all in memory."""
        size, offset = self.settings.page_size, 0
        while True:
            with self._translate_errors("read"):
                page = self._collection.get(include=include, limit=size, offset=offset)  # type: ignore[arg-type]
            if page["ids"]:
                yield page
            if len(page["ids"]) < size:
                return
            offset += size

    def chunks(self) -> Iterator[StoredChunk]:
        """Every chunk, page by page."""
        for page in self.pages(["documents", "metadatas"]):
            yield from (  # written by this module: trusted, so built without validation (fast at 100k)
                StoredChunk.model_construct(
                    id=chunk_id,
                    doc_id=str(meta["doc_id"]),
                    title=str(meta["title"]),
                    text=text,
                    start=int(meta["start"]),  # type: ignore[arg-type]
                    end=int(meta["end"]),  # type: ignore[arg-type]
                )
                for chunk_id, text, meta in zip(
                    page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
                )
            )

    def nearest(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Ids of the ``n`` nearest chunks with their cosine similarity."""
        with self._translate_errors("query"):
            available = self._collection.count()
            if not available:
                return []
            result = self._collection.query(
                query_embeddings=[vector.tolist()],
                n_results=min(n, available),
                include=["distances"],
            )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return [(chunk_id, 1.0 - float(d)) for chunk_id, d in zip(ids, distances, strict=True)]

    # -- freshness ----------------------------------------------------------------------------

    def manifest(self, roots: list[Path]) -> str:
        """A hash of what ``stat`` says about every corpus file, and of how they are chunked."""
        refs, skipped = scan(roots)
        parts = [chunking_signature(self.settings, self.embedder), str(self.settings.max_file_mb)]
        parts += [json.dumps([str(r.resolve()) for r in roots])]
        parts += [f"{r.doc_id}|{r.size}|{r.mtime_ns}" for r in refs]
        parts += [f"skip|{s.path}|{s.reason}" for s in skipped]
        return _digest(*parts)

    def is_fresh(self, roots: list[Path]) -> bool:
        return self.metadata.get("manifest") == self.manifest(roots)

    # -- writing ------------------------------------------------------------------------------

    def _lock_path(self, name: str) -> Path:
        """``name.lock`` beside the embedded index, or in the state folder for a server's."""
        if self.settings.chroma_url:
            return state_dir() / "locks" / f"chroma-{_digest(self.settings.chroma_url)[:16]}-{name}.lock"
        return self.settings.index_dir / f"{name}.lock"

    @contextmanager
    def _file_lock(self, name: str, doing: str) -> Iterator[None]:
        """Held by one process on this machine at a time; the others wait up to ASSISTANT_LOCK_TIMEOUT,
        saying so (a silent wait of minutes looks like a hang)."""
        path = self._lock_path(name)
        timeout = self.settings.lock_timeout
        lock = filelock.FileLock(str(path), timeout=timeout)
        patience = min(1.0, timeout)  # a lock held for a moment (another process opening) goes unsaid
        with self._translate_errors("lock"):  # an unwritable folder
            path.parent.mkdir(parents=True, exist_ok=True)
            busy = not _acquire(lock, patience)
            if busy and timeout > patience:
                log.warning(
                    "waiting for another %s %s to finish (lock %s; up to %g s, ASSISTANT_LOCK_TIMEOUT)",
                    doing, self.location, path, timeout,
                )  # fmt: skip
            if busy and not _acquire(lock, timeout - patience):
                raise StoreError(
                    f"another {doing} {self.location} is running (lock {path}); "
                    f"waited {timeout:g} s: try again when it has finished"
                )
        try:
            yield
        finally:
            lock.release()

    def sync(self, roots: list[Path], progress: Progress | None = None) -> IngestReport:
        """Make the index hold exactly the documents under ``roots``."""
        started = time.perf_counter()
        with self._file_lock(f"{self.settings.collection}.ingest", "ingest into"):
            manifest = self.manifest(roots)  # before reading: a change during the run stays visible
            corpus = load_corpus(roots, int(self.settings.max_file_mb * 1_000_000))
            report = self._apply(corpus, progress)
            with self._translate_errors("write"):
                meta = dict(self._collection.metadata or {})
                meta.update(
                    corpus=json.dumps([str(r.resolve()) for r in roots]),
                    manifest=manifest if not corpus.warnings else "",
                    embedder=self.embedder.name,
                )
                self._collection.modify(metadata=meta)
                total = self._collection.count()
        return report.model_copy(update={"chunks": total, "seconds": round(time.perf_counter() - started, 3)})

    def _stored_documents(self) -> dict[str, dict[str, Any]]:
        """Per document: the signatures and ids of its stored chunks, and what they claim to be."""
        documents: dict[str, dict[str, Any]] = {}
        for page in self.pages(["metadatas"]):
            for chunk_id, meta in zip(page["ids"], page["metadatas"] or [], strict=True):
                entry = documents.setdefault(
                    str(meta["doc_id"]), {"ids": set(), "signatures": set(), "n_chunks": set()}
                )
                entry["ids"].add(chunk_id)
                entry["signatures"].add(meta.get("signature"))
                entry["n_chunks"].add(meta.get("n_chunks"))
                entry["mtime_ns"] = meta.get("mtime_ns")
        return documents

    def _apply(self, corpus: Corpus, progress: Progress | None) -> IngestReport:
        if not corpus.documents:
            raise CorpusError(_no_documents(corpus))
        stored = self._stored_documents()
        signature = chunking_signature(self.settings, self.embedder)
        chunker: Chunker | None = None
        plans: list[tuple[Document, str, list[Chunk]]] = []
        unchanged = 0
        for doc in corpus.documents:
            doc_signature = _digest(doc.id, doc.sha256, signature)[:16]
            entry = stored.get(doc.id)
            if entry and entry["signatures"] == {doc_signature} and entry["n_chunks"] == {len(entry["ids"])}:
                unchanged += 1
                if entry.get("mtime_ns") != doc.mtime_ns:
                    self._touch(entry["ids"], doc.mtime_ns)
                continue
            chunker = chunker or chunker_for(self.settings, self.embedder)
            plans.append((doc, doc_signature, chunker.chunk(doc, f"{doc.id}::{doc_signature}")))

        rows = [(doc, sig, chunk, len(chunks)) for doc, sig, chunks in plans for chunk in chunks]
        total = len(rows)
        if progress:
            progress(0, total)
        for start in range(0, total, WRITE_BATCH):  # across documents: one call per batch, not per file
            self._write(rows[start : start + WRITE_BATCH])
            if progress:
                progress(min(start + WRITE_BATCH, total), total)
        for doc, _, chunks in plans:  # only once every new chunk is in: stale ids go last
            stale = (stored[doc.id]["ids"] if doc.id in stored else set()) - {c.id for c in chunks}
            self._delete(stale)

        gone = [doc_id for doc_id in stored if doc_id not in {d.id for d in corpus.documents}]
        for doc_id in gone:
            self._delete(stored[doc_id]["ids"])
        added = sum(1 for doc, _, _ in plans if doc.id not in stored)
        return IngestReport(
            added=added,
            updated=len(plans) - added,
            unchanged=unchanged,
            removed=len(gone),
            embedded=total,
            skipped=corpus.skipped,
            warnings=corpus.warnings,
        )

    def _write(self, rows: list[tuple[Document, str, Chunk, int]]) -> None:
        """Embed and upsert chunks (of any documents), with the document facts stored beside each."""
        vectors = self.embedder.embed([chunk.text for _, _, chunk, _ in rows])
        with self._translate_errors("write"):
            self._collection.upsert(
                ids=[chunk.id for _, _, chunk, _ in rows],
                embeddings=vectors,
                documents=[chunk.text for _, _, chunk, _ in rows],
                metadatas=[
                    {
                        "doc_id": doc.id,
                        "title": doc.title,
                        "path": str(doc.path),
                        "sha256": doc.sha256,
                        "mtime_ns": doc.mtime_ns,
                        "signature": doc_signature,
                        "n_chunks": n_chunks,
                        "index": chunk.index,
                        "start": chunk.start,
                        "end": chunk.end,
                        "tokens": chunk.tokens,
                    }
                    for doc, doc_signature, chunk, n_chunks in rows
                ],
            )

    def _touch(self, ids: set[str], mtime_ns: int) -> None:
        for part in self._batches(sorted(ids)):
            with self._translate_errors("write"):
                self._collection.update(ids=part, metadatas=[{"mtime_ns": mtime_ns} for _ in part])

    def _delete(self, ids: set[str]) -> None:
        for part in self._batches(sorted(ids)):
            with self._translate_errors("write"):
                self._collection.delete(ids=part)

    def _batches(self, ids: list[str]) -> Iterator[list[str]]:
        """At most ``page_size`` ids per statement (SQLite's variable limit)."""
        size = self.settings.page_size
        return (ids[i : i + size] for i in range(0, len(ids), size))


def _acquire(lock: filelock.FileLock, timeout: float) -> bool:
    try:
        lock.acquire(timeout=timeout)
    except filelock.Timeout:
        return False
    return True


def _no_documents(corpus: Corpus) -> str:
    roots = ", ".join(str(r) for r in corpus.roots)
    if corpus.skipped:
        reasons = sorted({s.reason for s in corpus.skipped})
        return (
            f"no readable .txt or .md documents in {roots} "
            f"(skipped {len(corpus.skipped)} files: {'; '.join(reasons[:3])})"
        )
    return f"no .txt or .md documents in {roots}"
