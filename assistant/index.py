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
import os
import time
from collections.abc import Iterator, Sequence
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
from chromadb.errors import ChromaError, UniqueConstraintError

from .columns import create
from .derived import DocumentEntry, Store, StoreWriter, open_store, prune, rows_of
from .embeddings import Embedder, PassageEmbedder
from .embeddings.chroma import chroma_function
from .errors import CorpusError, StoreError
from .ingest import Chunker, Corpus, FileRef, Limit, scan
from .ingestion import Ingestion
from .lease import Lease
from .models import Chunk, IngestProgress, IngestReport, SkippedFile, StoredChunk
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
        self._lease: Lease | None = None
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
        function = chroma_function(self.settings, self.embedder)
        with self._translate_errors("open"):
            existing = {c.name: c for c in self._client.list_collections()}
            if name not in existing:
                try:
                    return self._client.create_collection(
                        name,
                        embedding_function=function,  # type: ignore[arg-type]
                        configuration={"hnsw": {"space": "cosine"}},
                        metadata={"embedder": self.embedder.name},
                    )
                except UniqueConstraintError:  # another client (another machine) created it meanwhile
                    existing = {c.name: c for c in self._client.list_collections()}
            recorded = (existing[name].metadata or {}).get("embedder")
            if recorded != self.embedder.name:
                raise StoreError(
                    f"the index at {self.location} (collection {name!r}) holds vectors of "
                    f"{recorded!r}, not {self.embedder.name!r}: switch ASSISTANT_EMBEDDER back, "
                    "or use another ASSISTANT_COLLECTION or ASSISTANT_INDEX_DIR"
                )
            return self._client.get_collection(name, embedding_function=function)  # type: ignore[arg-type]

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
        return self._manifest(roots, *scan(roots))

    def _manifest(self, roots: list[Path], refs: list[FileRef], skipped: list[SkippedFile]) -> str:
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

    @contextmanager
    def _ingest_lock(self) -> Iterator[None]:
        """One writer at a time (an ingest, or a rebuild of the derived data): a file lock for an
        embedded index, a lease in the server for a server's (clients may be on other machines)."""
        if not self.settings.chroma_url:
            with self._file_lock(f"{self.settings.collection}.ingest", "ingest into"):
                yield
            return
        lease = Lease(
            self._client,
            self.settings.collection,
            seconds=self.settings.lease_seconds,
            timeout=self.settings.lock_timeout,
            describe=lambda: f"ingest into {self.location} (collection {self.settings.collection!r})",
        )
        with self._translate_errors("lock"), lease:
            self._lease = lease
            try:
                yield
            finally:
                self._lease = None

    def _check_lease(self) -> None:
        """Before each write: stop if another client has taken the lease over."""
        if self._lease is not None:
            self._lease.check()

    def sync(self, roots: list[Path], progress: IngestProgress | None = None) -> IngestReport:
        """Make the index hold exactly the documents under ``roots``."""
        started = time.perf_counter()
        with self._ingest_lock():
            refs, skipped = scan(roots)
            manifest = self._manifest(roots, refs, skipped)  # before reading: a change stays visible
            recorded = self.metadata
            generation = int(recorded.get("generation", 0))
            store = self._store(generation)
            count = self.count()
            if recorded.get("manifest") == manifest and count == len(store):  # nothing changed since
                report = IngestReport(unchanged=store.meta["documents"], skipped=_read_skipped(store))
                return report.model_copy(update={"chunks": count, "seconds": _since(started)})
            corpus = Corpus(roots=list(roots), skipped=skipped)
            orphans = self._orphans(store) if count != len(store) else set()
            writer = StoreWriter(self._store_root(), store.vocabulary(), self._dimensions())
            try:
                ingestion = Ingestion(self, store, writer, progress)
                plan = ingestion.run(refs, corpus)
                if not plan.unchanged and not plan.added + plan.updated:
                    raise CorpusError(_no_documents(corpus))
                plan.stale |= {i for i in orphans if not ingestion.wrote(i)}
                self._delete(plan.stale)  # only once every new chunk is in
                if plan.changed or plan.touched:
                    generation += 1
                    store = writer.publish(generation, self.embedder.name)
                else:
                    writer.abandon()
            except BaseException:
                writer.abandon()
                raise
            _write_skipped(store, corpus.skipped)
            with self._translate_errors("write"):
                meta = dict(self._collection.metadata or {})
                meta.update(
                    corpus=json.dumps([str(r.resolve()) for r in roots]),
                    manifest=manifest if not corpus.warnings else "",
                    embedder=self.embedder.name,
                    generation=generation,
                )
                self._check_lease()
                self._collection.modify(metadata=meta)
                total = self._collection.count()
            prune(self._store_root(), generation)
        return IngestReport(
            added=plan.added,
            updated=plan.updated,
            unchanged=plan.unchanged,
            removed=plan.removed,
            chunks=total,
            embedded=plan.embedded,
            seconds=_since(started),
            skipped=corpus.skipped,
            warnings=corpus.warnings,
        )

    def _orphans(self, store: Store) -> set[str]:
        """Ids the collection holds but ``store``'s generation does not: chunks of an ingest that was
        interrupted (read, ids only and paged, when the counts differ)."""
        return {i for page in self.pages([]) for i in page["ids"] if store.row(i) is None}

    # -- derived data -------------------------------------------------------------------------

    def _store_root(self) -> Path:
        """Beside an embedded index; for a server's, in this machine's state folder."""
        if self.settings.chroma_url:
            server = f"chroma-{_digest(self.settings.chroma_url)[:16]}"
            return state_dir() / "derived" / server / self.settings.collection
        return self.settings.index_dir / "derived" / self.settings.collection

    def generation(self) -> int:
        return int(self.metadata.get("generation", 0))

    def store(self) -> Store:
        """The derived data of the collection's current generation, memory-mapped; rebuilt from the
        collection (paged reads) when this machine has none for it."""
        generation = self.generation()
        store = open_store(self._store_root(), generation, self.embedder.name)
        if store is not None:
            return store
        with self._ingest_lock():
            return self._store(self.generation())

    def _store(self, generation: int) -> Store:
        """``store`` for a caller holding the ingest lock."""
        store = open_store(self._store_root(), generation, self.embedder.name)
        if store is None:
            log.info("building the derived data of %s from the collection", self.location)
            store = self._rebuild(generation)
            prune(self._store_root(), generation)
        return store

    def _rebuild(self, generation: int) -> Store:
        """The derived data from the collection itself: two passes of paged reads (metadata, then
        text by document), never the whole collection in memory. Sentence vectors are not in the
        collection: they are computed when a passage is first used. A document whose stored chunks
        do not agree (an interrupted ingest) is left out, so the next ingest redoes it."""
        documents: dict[str, dict[str, Any]] = {}
        for page in self.pages(["metadatas"]):
            for chunk_id, meta in zip(page["ids"], page["metadatas"] or [], strict=True):
                doc = documents.setdefault(
                    str(meta["doc_id"]), {"meta": meta, "ids": {}, "signatures": set()}
                )
                doc["ids"][int(meta.get("index", -1))] = chunk_id  # type: ignore[arg-type]
                doc["signatures"].add((meta.get("signature"), meta.get("n_chunks")))
        writer = StoreWriter(self._store_root(), [], self._dimensions())
        try:
            batch: list[tuple[DocumentEntry, list[str]]] = []
            for doc_id in sorted(documents):
                doc = documents[doc_id]
                (_, n_chunks), *others = doc["signatures"]
                ids = [doc["ids"].get(i) for i in range(int(n_chunks or 0))]
                if others or not ids or None in ids or len(doc["ids"]) != len(ids):
                    continue
                batch.append((_stored_entry(doc_id, doc["meta"], len(ids)), ids))
                if sum(len(i) for _, i in batch) >= self.settings.page_size:
                    self._rebuild_batch(writer, batch)
                    batch = []
            self._rebuild_batch(writer, batch)
            return writer.publish(generation, self.embedder.name)
        except BaseException:
            writer.abandon()
            raise

    def _rebuild_batch(self, writer: StoreWriter, batch: list[tuple[DocumentEntry, list[str]]]) -> None:
        if not batch:
            return
        with self._translate_errors("read"):
            page = self._collection.get(
                ids=[i for _, ids in batch for i in ids], include=["documents", "metadatas"]
            )
        rows = {
            chunk_id: (text, meta)
            for chunk_id, text, meta in zip(
                page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
            )
        }
        for entry, ids in batch:
            if any(i not in rows for i in ids):
                continue
            chunks = [(i, rows[i][0], int(rows[i][1]["start"]), int(rows[i][1]["end"])) for i in ids]  # type: ignore[arg-type]
            writer.add(entry, rows_of(chunks))

    # -- writing, for ``Ingestion`` -----------------------------------------------------------

    @property
    def signature(self) -> str:
        return chunking_signature(self.settings, self.embedder)

    @property
    def max_bytes(self) -> int:
        return int(self.settings.max_file_mb * 1_000_000)

    def document_signature(self, doc_id: str, sha256: str) -> str:
        """Changes when the document's content or the way it is chunked and embedded changes."""
        return _digest(doc_id, sha256, self.signature)[:16]

    def chunker(self) -> Chunker:
        return chunker_for(self.settings, self.embedder)

    def _dimensions(self) -> int:
        """Width of stored sentence vectors: 0 when the embedder cannot give them with the chunk's."""
        return self.embedder.dimensions if isinstance(self.embedder, PassageEmbedder) else 0

    def embed_chunks(
        self, texts: Sequence[str], spans: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, Sequence[np.ndarray | None]]:
        """Chunk vectors, and their sentences' vectors when the embedder gives them in the same pass."""
        if isinstance(self.embedder, PassageEmbedder):
            return self.embedder.embed_passages(texts, spans)
        return self.embedder.embed(texts), [None] * len(texts)

    def write(self, rows: list[tuple[DocumentEntry, Chunk]], vectors: np.ndarray) -> None:
        """Upsert embedded chunks (of any documents), with the document facts stored beside each."""
        self._check_lease()
        with self._translate_errors("write"):
            self._collection.upsert(
                ids=[chunk.id for _, chunk in rows],
                embeddings=vectors,
                documents=[chunk.text for _, chunk in rows],
                metadatas=[
                    {
                        "doc_id": doc.id,
                        "title": doc.title,
                        "path": doc.path,
                        "sha256": doc.sha256,
                        "mtime_ns": doc.mtime_ns,
                        "signature": doc.signature,
                        "n_chunks": doc.chunks,
                        "index": chunk.index,
                        "start": chunk.start,
                        "end": chunk.end,
                        "tokens": chunk.tokens,
                    }
                    for doc, chunk in rows
                ],
            )

    def touch(self, ids: Sequence[str], mtime_ns: int) -> None:
        """Record a new modification time for a document whose content did not change."""
        self._touch(set(ids), mtime_ns)

    def _touch(self, ids: set[str], mtime_ns: int) -> None:
        self._check_lease()
        for part in self._batches(sorted(ids)):
            with self._translate_errors("write"):
                self._collection.update(ids=part, metadatas=[{"mtime_ns": mtime_ns} for _ in part])

    def _delete(self, ids: set[str]) -> None:
        self._check_lease()
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


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def _stored_entry(doc_id: str, meta: dict[str, Any], chunks: int) -> DocumentEntry:
    """A document as the collection's metadata describes it (its size is not stored: -1 makes the
    next ingest read it once to compare hashes)."""
    return DocumentEntry(
        id=doc_id,
        title=str(meta["title"]),
        path=str(meta.get("path", "")),
        sha256=str(meta.get("sha256", "")),
        size=-1,
        mtime_ns=int(meta.get("mtime_ns") or 0),
        signature=str(meta.get("signature")),
        chunks=chunks,
    )


def _write_skipped(store: Store, skipped: list[SkippedFile]) -> None:
    """What the last full ingest skipped, so that an ingest that finds nothing changed can say it."""
    data = json.dumps([s.model_dump(mode="json") for s in skipped]).encode()
    temporary = store.folder / f".skipped-{os.getpid()}.json"
    with create(temporary) as out:
        out.write(data)
    os.replace(temporary, store.folder / "skipped.json")


def _read_skipped(store: Store) -> list[SkippedFile]:
    try:
        return [
            SkippedFile(**s) for s in json.loads((store.folder / "skipped.json").read_text(encoding="utf-8"))
        ]
    except (OSError, ValueError):
        return []


def _no_documents(corpus: Corpus) -> str:
    roots = ", ".join(str(r) for r in corpus.roots)
    if corpus.skipped:
        reasons = sorted({s.reason for s in corpus.skipped})
        return (
            f"no readable .txt or .md documents in {roots} "
            f"(skipped {len(corpus.skipped)} files: {'; '.join(reasons[:3])})"
        )
    return f"no .txt or .md documents in {roots}"
