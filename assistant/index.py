"""Stage 2: keep a Chroma collection in step with the corpus, incrementally and safely.

Safety comes from determinism: a chunk's id is derived from its document's id, the document's content,
the chunking parameters and the embedder. Re-running an interrupted ingest therefore rewrites the same
ids (no duplicates), and deletes whatever ids a document should no longer have (no orphans). A manifest
hash over the corpus files, written last, says whether the index is fresh without reading the files.
What the index belongs to (its corpus, whether its last ingest completed, its generation) is kept by
``state.py``; whether it lost data is ``integrity.py``'s business.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import filelock
import numpy as np

from .chroma_direct import DirectClient, DirectCollection, store_errors
from .columns import create
from .derived import DocumentEntry, Store, StoreWriter, open_store, prune, rows_of
from .embeddings import Embedder, PassageEmbedder
from .embeddings.base import HoldsMemory
from .errors import CorpusError, IndexDamagedError, StoreError
from .formats import SUFFIXES, reading
from .ingest import Chunker, Corpus, FileRef, Limit, scan
from .ingestion import Ingestion, trim_heap
from .models import Chunk, IngestReport, Progress, Section, SkippedFile, StoredChunk
from .private import FILE_MODE, owner_only_umask, private_dir, tighten
from .settings import Settings, default_corpus, redact_url, state_dir
from .state import IndexState, read_state_file, write_state_file
from .tokens import encoding, private_encoding
from .unchanged import chunking_signature, corpus_manifest, digest, record

if TYPE_CHECKING:
    import tiktoken
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import GetResult

    from .lease import Lease

log = logging.getLogger(__name__)


def chunker_for(settings: Settings, embedder: Embedder, counter: tiktoken.Encoding | None = None) -> Chunker:
    """Chunk size in tiktoken tokens, never beyond what the embedder reads (``counter``: cl100k_base,
    the process's shared one when not given)."""
    tiktoken_encoding = counter or encoding("cl100k_base")
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


SYNC_THRESHOLD = 1000  # Chroma's default: writes between two saves of the embedded vector index

# SQLite's words for a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB), as Chroma passes them on
_CORRUPT = re.compile(r"malformed|not a database|\(code: (11|26)\)", re.IGNORECASE)


class Index:
    """A Chroma collection of chunks: embedded on disk by default, or on a server by URL.

    An embedded index is read through Chroma's engine alone (``chroma_direct.py``: Chroma's Python
    client is not even imported) until the first write, which switches to Chroma's client for good.

    ``reset_unreadable``: an embedded database that SQLite cannot read is removed and created anew
    (for ``assistant ingest --repair``); otherwise it is an ``IndexDamagedError`` naming that command.
    """

    def __init__(self, settings: Settings, embedder: Embedder, *, reset_unreadable: bool = False) -> None:
        self.settings = settings
        self.embedder = embedder
        self.location = redact_url(settings.chroma_url) if settings.chroma_url else str(settings.index_dir)
        self.reset: str | None = None  # why the database was removed, when it was
        self._locks: dict[str, filelock.FileLock] = {}
        self._lease: Lease | None = None
        self._building: list[Path] | None = None  # the roots an ingest will record before its first write
        # an embedded index is read without Chroma's Python client until the first write (``_writable``);
        # a repair may remove the database, so it uses Chroma's client throughout
        self._direct = settings.chroma_url is None and not reset_unreadable
        # Opening writes (Chroma applies its migrations, and may create the collection): under the
        # database lock, like every write (``_writing``).
        with self._database_lock(), owner_only_umask():
            try:
                self._client = self._connect()
            except IndexDamagedError as exc:
                if not reset_unreadable or settings.chroma_url:
                    raise
                self.reset = exc.problem
                remove_database(settings.index_dir)
                self._client = self._connect()
            self._collection = self._open()
        self._tighten()

    # -- connection ---------------------------------------------------------------------------

    def _connect(self) -> ClientAPI | DirectClient:
        url = self.settings.chroma_url
        with self._translate_errors("connect to"):
            if url is None and self._direct:
                return DirectClient(private_dir(self.settings.index_dir))
        from .chroma_loader import chromadb  # ~0.5 s of CPU: only to write, or for a server

        chroma_settings = chromadb.config.Settings(anonymized_telemetry=False, allow_reset=False)
        with self._translate_errors("connect to"):
            if url is None:
                private_dir(self.settings.index_dir)
                try:
                    return chromadb.PersistentClient(str(self.settings.index_dir), settings=chroma_settings)
                except Exception:
                    _forget_client(self.settings.index_dir)
                    raise
            parts = urlsplit(url)
            return chromadb.HttpClient(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or (443 if parts.scheme == "https" else 8000),
                ssl=parts.scheme == "https",
                settings=chroma_settings,
            )

    def _open(self) -> Collection | DirectCollection:
        name = self.settings.collection
        if isinstance(self._client, DirectClient):
            with self._translate_errors("open"):
                found = {c.name: c for c in self._client.list_collections()}
            if name not in found:  # created by Chroma's client
                self._writable()
                return self._collection
            self._check_embedder(found[name].metadata)
            return found[name]
        from chromadb.errors import UniqueConstraintError

        function = self._chroma_function()
        with self._translate_errors("open"):
            existing = {c.name: c for c in self._client.list_collections()}
            if name not in existing:
                try:
                    return self._client.create_collection(
                        name,
                        embedding_function=function,
                        configuration={"hnsw": {"space": "cosine"}},
                        metadata={"embedder": self.embedder.name},
                    )
                except UniqueConstraintError:  # another client (another machine) created it meanwhile
                    existing = {c.name: c for c in self._client.list_collections()}
            self._check_embedder(existing[name].metadata)
            return self._client.get_collection(name, embedding_function=function)

    def _check_embedder(self, metadata: dict[str, Any] | None) -> None:
        recorded = (metadata or {}).get("embedder")
        if recorded != self.embedder.name:
            raise StoreError(
                f"the index at {self.location} (collection {self.settings.collection!r}) holds vectors of "
                f"{recorded!r}, not {self.embedder.name!r}: switch ASSISTANT_EMBEDDER back, "
                "or use another ASSISTANT_COLLECTION or ASSISTANT_INDEX_DIR"
            )

    def _chroma_function(self) -> Any:
        """The embedder as a Chroma embedding function (imports Chroma: for its client only)."""
        from .embeddings.chroma import chroma_function

        return chroma_function(self.settings, self.embedder)

    def _writable(self) -> None:
        """From now on, Chroma's own client (the engine alone only reads): before the first write."""
        if not self._direct:
            return
        with self._database_lock(), owner_only_umask():
            if isinstance(self._client, DirectClient):
                self._client.close()
            self._direct = False
            self._client = self._connect()
            self._collection = self._open()

    def _chroma(self) -> tuple[ClientAPI, Collection]:
        """Chroma's client and collection, to write (switched to before the first write)."""
        self._writable()
        client, collection = self._client, self._collection
        assert not isinstance(client, DirectClient)
        assert not isinstance(collection, DirectCollection)
        return client, collection

    @contextmanager
    def _writing(self, action: str = "write") -> Iterator[tuple[ClientAPI, Collection]]:
        """Chroma's client and collection to write with, the database lock held, errors translated."""
        with self._database_lock(), self._translate_errors(action):
            yield self._chroma()

    def _database_lock(self) -> AbstractContextManager[None]:
        """Held around whatever writes the embedded database: opening it (Chroma applies its migrations
        then) and every write. Chroma's engine waits up to 1,000 s for SQLite's lock (its busy timeout,
        chroma-core/chroma#7040), so a process stopped mid-write (Ctrl-Z, a debugger) would hang every
        other one that opens the index, silently; behind this lock they wait up to
        ASSISTANT_LOCK_TIMEOUT and say so. Two first ingests creating the tables at once are kept apart
        too. For a server's index (whose database is the server's) it keeps this machine's clients from
        creating the collection at once."""
        return self._file_lock("database", "process writing to")

    @contextmanager
    def _translate_errors(self, action: str) -> Iterator[None]:
        """Chroma and network failures become one line that names the index."""
        try:
            yield
        except store_errors(OSError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if not self.settings.chroma_url and _CORRUPT.search(reason):
                recorded = read_state_file(self.settings)
                problem = re.sub(r"^error returned from database: (\(code: \d+\) )?", "", reason)
                raise IndexDamagedError(self.location, problem, recorded.corpus if recorded else ()) from None
            if self.settings.chroma_url:
                raise StoreError(f"cannot {action} the Chroma server at {self.location}: {reason}") from None
            raise StoreError(f"cannot {action} the index at {self.location}: {reason}") from None

    # -- for the integrity check -------------------------------------------------------------

    @property
    def collection(self) -> Collection | DirectCollection:
        """The Chroma collection itself (read through the engine alone until the first write)."""
        return self._collection

    def guarded(self, action: str) -> AbstractContextManager[None]:
        """Chroma and network failures while doing ``action`` become one line that names the index."""
        return self._translate_errors(action)

    def reconnect(self) -> bool:
        """For the embedded index, open the database afresh: Chroma keeps one client per folder for the
        whole process, and its vector index does not see what other processes wrote since it was
        loaded. False for a server's index (always current)."""
        if self.settings.chroma_url:
            return False
        with self._database_lock(), owner_only_umask():
            if isinstance(self._client, DirectClient):
                self._client.close()
            else:
                _forget_client(self.settings.index_dir)
            # the old client and its vector index go first: else both are in memory at once
            self._client = self._collection = None  # type: ignore[assignment]
            gc.collect()
            self._release_memory()
            self._client = self._connect()
            self._collection = self._open()
        return True

    def _release_memory(self) -> None:
        """Before Chroma loads its vector index (~0.2 GB at 100k chunks: for the first write, and for
        the first write or read after ``reconnect``), what the model's batches, the copy of unchanged
        documents and an earlier vector index freed goes back to the system: kept by ONNX Runtime's
        arena and the C heap otherwise, it counted in the ingest's peak beside the new vector index."""
        if isinstance(self.embedder, HoldsMemory):
            self.embedder.release_memory()
        trim_heap()

    def exclusive(self) -> AbstractContextManager[None]:
        """Held while no ingest may run (the lock an ingest takes; it may be taken again inside)."""
        return self._ingest_lock()

    # -- reading ------------------------------------------------------------------------------

    def count(self) -> int:
        with self._translate_errors("read"):
            return self._collection.count()

    @property
    def metadata(self) -> dict[str, Any]:
        with self._translate_errors("read"):
            if isinstance(self._client, DirectClient):
                self._collection = self._client.get_collection(self.settings.collection)
            else:
                self._collection = self._client.get_collection(
                    self.settings.collection,
                    embedding_function=self._chroma_function(),
                )
            return dict(self._collection.metadata or {})

    def state(self) -> IndexState:
        """What the collection records of its corpus and of its last ingest."""
        return IndexState.from_metadata(self.metadata)

    def recorded_corpus(self) -> list[Path] | None:
        """The corpus this index belongs to: recorded before an ingest's first write, so it names the
        corpus of an ingest that was interrupted too."""
        return self.state().corpus or None

    def pages(self, include: list[str]) -> Iterator[GetResult]:
        """The whole collection, ``page_size`` rows per read: one read of everything fails past
        ~32,700 rows (SQLite's limit on variables per statement) and holds it all in memory."""
        size, offset = self.settings.page_size, 0
        while True:
            with self._translate_errors("read"):
                page = cast(
                    "GetResult",
                    self._collection.get(include=include, limit=size, offset=offset),  # type: ignore[arg-type]
                )
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
                    sections=_sections(meta.get("sections")),
                )
                for chunk_id, text, meta in zip(
                    page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
                )
            )

    def nearest(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Ids of the ``n`` nearest chunks with their cosine similarity (all of them when there are
        fewer: Chroma caps ``n_results`` itself, so no ``count``, which scans the collection and cost as
        much CPU as the query at 10k chunks)."""
        with self._translate_errors("query"):
            result = self._collection.query(
                query_embeddings=[vector.tolist()], n_results=n, include=["distances"]
            )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return [(chunk_id, 1.0 - float(d)) for chunk_id, d in zip(ids, distances, strict=True)]

    # -- freshness ----------------------------------------------------------------------------

    def manifest(self, roots: list[Path]) -> str:
        """A hash of what ``stat`` says about every corpus file, and of how they are chunked."""
        return self._manifest(roots, *scan(roots))

    def _manifest(self, roots: list[Path], refs: list[FileRef], skipped: list[SkippedFile]) -> str:
        return corpus_manifest(self.signature, self.settings, roots, refs, skipped)

    def is_fresh(self, roots: list[Path]) -> bool:
        """The last ingest completed, for exactly these files as they are now."""
        state = self.state()
        return state.state == "complete" and state.manifest == self.manifest(roots)

    # -- writing ------------------------------------------------------------------------------

    def _lock_path(self, name: str) -> Path:
        """``name.lock`` beside the embedded index, or in the state folder for a server's."""
        if self.settings.chroma_url:
            return state_dir() / "locks" / f"chroma-{digest(self.settings.chroma_url)[:16]}-{name}.lock"
        return self.settings.index_dir / f"{name}.lock"

    @contextmanager
    def _file_lock(self, name: str, doing: str) -> Iterator[None]:
        """Held by one process on this machine at a time; the others wait up to ASSISTANT_LOCK_TIMEOUT,
        saying so (a silent wait of minutes looks like a hang)."""
        path = self._lock_path(name)
        timeout = self.settings.lock_timeout
        # one object per lock, so that holding it and calling what takes it again does not wait for itself
        lock = self._locks.setdefault(name, filelock.FileLock(str(path), timeout=timeout, mode=FILE_MODE))
        patience = min(1.0, timeout)  # a lock held for a moment (another process writing) goes unsaid
        with self._translate_errors("lock"):  # an unwritable folder
            private_dir(path.parent)
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
        """One writer at a time (an ingest, a repair, a rebuild of the derived data): a file lock for an
        embedded index, a lease in the server for a server's (its clients may be on other machines).
        Taken again inside, it is already held."""
        if not self.settings.chroma_url:
            with self._file_lock(f"{self.settings.collection}.ingest", "ingest into"):
                yield
            return
        if self._lease is not None:
            yield
            return
        from .lease import Lease  # imports Chroma: a server's index has its client already

        lease = Lease(
            self._chroma()[0],
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

    def _before_write(self) -> None:
        """Before each write: stop if another client has taken the lease over; before the first one,
        record the corpus the index is being built for (``state = building``)."""
        self._writable()
        if self._lease is not None:
            self._lease.check()
        if self._building is not None:
            roots, self._building = self._building, None
            self._record(self.state().building(roots))

    def sync(
        self,
        roots: list[Path] | None = None,
        progress: Progress | None = None,
        *,
        if_stale: bool = False,
        rebuild: bool = False,
    ) -> IngestReport:
        """Make the index hold exactly the documents under ``roots``.

        ``roots`` None: the corpus this index belongs to (else the bundled one), decided once the lock
        is held, so that a process that waited for another's first ingest follows it rather than
        replacing it. ``if_stale``: nothing is done when, the lock held, the index is fresh.
        ``rebuild``: the collection is emptied first (``assistant ingest --repair``).
        """
        started = time.perf_counter()
        with self._ingest_lock(), owner_only_umask():
            state = self.state()
            roots = roots or state.corpus or default_corpus()
            if if_stale and not rebuild and self.is_fresh(roots):
                return IngestReport(chunks=self.count(), seconds=_since(started))
            if state.state == "building" and state.corpus == [r.resolve() for r in roots]:
                log.warning("finishing the interrupted ingest of %s", ", ".join(str(p) for p in state.corpus))
            refs, skipped = scan(roots)
            manifest = self._manifest(roots, refs, skipped)  # before reading: a change stays visible
            if rebuild:
                prune(self._store_root(), keep=-1)  # what was derived from the old collection goes too
                self._drop(roots)
            store = self._store(self.state().generation)
            count = self.count()
            if (
                state.state == "complete"
                and state.manifest == manifest
                and count == len(store)
                and not rebuild
            ):
                # nothing changed since the last complete ingest: no file is read
                record(self.settings, self.signature)  # the next such ingest decides it without Chroma
                report = IngestReport(unchanged=store.meta["documents"], skipped=_read_skipped(store))
                return report.model_copy(update={"chunks": count, "seconds": _since(started)})
            report = self._apply(roots, refs, skipped, store, progress, orphans=count != len(store))
            documents = report.unchanged + report.added + report.updated
            self._record(
                self.state().completed(
                    roots, manifest if not report.warnings else "", report.chunks, documents
                )
            )
            prune(self._store_root(), self.state().generation)
            record(self.settings, self.signature)
        self._tighten()
        return report.model_copy(update={"seconds": _since(started)})

    def _apply(
        self,
        roots: list[Path],
        refs: list[FileRef],
        skipped: list[SkippedFile],
        store: Store,
        progress: Progress | None,
        orphans: bool,
    ) -> IngestReport:
        """Stream the corpus into the collection (``ingestion.py``) and write the next generation of
        derived data, under the generation the completed ingest is about to record."""
        self._writable()  # here, before the ingestion's threads start, not at the first write
        corpus = Corpus(roots=list(roots), skipped=skipped)
        leftovers = self._orphans(store) if orphans else set()
        words = store.word_vector_source()  # read, not mapped: copied into the next generation
        writer = StoreWriter(self._store_root(), store.vocabulary(), self._dimensions(), words)
        generation = self.state().generation + 1
        self._building = list(roots)
        try:
            ingestion = Ingestion(self, store, writer, progress, self._embed_words())
            plan = ingestion.run(refs, corpus)
            if not plan.unchanged and not plan.added + plan.updated:
                raise CorpusError(_no_documents(corpus))
            plan.stale |= {i for i in leftovers if not ingestion.wrote(i)}
            self._delete(plan.stale)  # only once every new chunk is in
            chunks = self.count()  # here: counting needs Chroma's vector index, which goes next
            # The writes loaded Chroma's vector index (~0.2 GB at 100k chunks): it is written to disk
            # and let go before the derived data is written, so that it is never in memory beside what
            # that needs, nor twice (a one-file re-ingest at 100k chunks peaked at 1.36 GB)
            self._persist_vectors()
            self.reconnect()
            if plan.changed or plan.touched:
                published = writer.publish(generation, self.embedder.name, self._embed_words())
            else:  # the same rows: the store moves to the new generation as it is
                writer.abandon()
                published = store.renamed(generation)
        except BaseException:
            writer.abandon()
            raise
        finally:
            self._building = None
        _write_skipped(published, corpus.skipped)
        return IngestReport(
            added=plan.added,
            updated=plan.updated,
            unchanged=plan.unchanged,
            removed=plan.removed,
            chunks=chunks,
            embedded=plan.embedded,
            skipped=corpus.skipped,
            warnings=corpus.warnings,
        )

    def _persist_vectors(self) -> None:
        """Chroma's embedded engine writes its vector index to disk once per ``sync_threshold`` (1,000)
        writes and keeps the rest in its log, which every process that opens the index replays into
        the vector index before its first read: 715 chunks cost ~0.25 s of CPU on every cold ask at
        10k chunks, 0.04 s once written (measured at load 12). So after an ingest's last write, one
        chunk is written again as it is (id, vector, text, metadata) under a threshold of 2, which
        makes the engine write the whole vector index and purge its log; the threshold is put back
        (Chroma's default, if a process stopped here left it at 2). The engine reads the threshold
        when it opens the vector index, hence the reconnection. A server keeps its vector index in
        memory: nothing to do there."""
        if self.settings.chroma_url:
            return
        with self._database_lock(), self._translate_errors("write"):
            before = self._chroma()[1]
            threshold = (before.configuration.get("hnsw") or {}).get("sync_threshold")
            if not threshold or threshold <= 2:  # left so by a process that stopped here: Chroma's default
                threshold = SYNC_THRESHOLD
            last = before.get(limit=1, include=["embeddings", "documents", "metadatas"])
            if not last["ids"]:
                return
            before.modify(configuration={"hnsw": {"sync_threshold": 2}})
            del before  # the old client's vector index goes before the new one loads (``reconnect``)
            try:
                self.reconnect()
                _, reopened = self._chroma()
                reopened.upsert(
                    ids=last["ids"],
                    embeddings=last["embeddings"],
                    documents=last["documents"],
                    metadatas=last["metadatas"],
                )
            finally:
                self._chroma()[1].modify(configuration={"hnsw": {"sync_threshold": threshold}})

    def _orphans(self, store: Store) -> set[str]:
        """Ids the collection holds but ``store``'s generation does not: chunks of an ingest that was
        interrupted (read, ids only and paged, when the counts differ)."""
        return {i for page in self.pages([]) for i in page["ids"] if store.row(i) is None}

    def _record(self, state: IndexState) -> None:
        """The state in the collection's metadata, then in the state file (which thus never runs ahead
        of a healthy database)."""
        with self._writing() as (_, collection):
            meta = dict(collection.metadata or {})
            meta.update(state.model_copy(update={"embedder": self.embedder.name}).metadata())
            collection.modify(metadata=meta)
        write_state_file(self.settings, state)

    def _drop(self, roots: list[Path]) -> None:
        """Empty the collection by deleting and creating it. Its generation count goes on from the highest
        recorded, so that nothing keyed by an older generation ever matches the rebuilt one."""
        recorded = read_state_file(self.settings)
        generation = max(self.state().generation, recorded.generation if recorded else 0)
        with self._writing("rebuild") as (client, _):
            client.delete_collection(self.settings.collection)
            self._collection = self._open()
        self._record(IndexState(generation=generation).building(roots))

    def _tighten(self) -> None:
        """Whatever Chroma created in the embedded index's folder, owner-only."""
        if not self.settings.chroma_url:
            tighten(self.settings.index_dir)

    # -- derived data -------------------------------------------------------------------------

    def _store_root(self) -> Path:
        """Beside an embedded index; for a server's, in this machine's state folder."""
        if self.settings.chroma_url:
            server = f"chroma-{digest(self.settings.chroma_url)[:16]}"
            return state_dir() / "derived" / server / self.settings.collection
        return self.settings.index_dir / "derived" / self.settings.collection

    def store(self) -> Store:
        """The derived data of the collection's current generation, memory-mapped; rebuilt from the
        collection (paged reads) when this machine has none for it."""
        store = open_store(self._store_root(), self.state().generation, self.embedder.name)
        if store is not None:
            return store
        with self._ingest_lock():
            return self._store(self.state().generation)

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
            page = cast(
                "GetResult",
                self._collection.get(
                    ids=[i for _, ids in batch for i in ids], include=["documents", "metadatas"]
                ),
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
            chunks = [
                (
                    i,
                    rows[i][0],
                    int(rows[i][1]["start"]),  # type: ignore[arg-type]
                    int(rows[i][1]["end"]),  # type: ignore[arg-type]
                    str(rows[i][1].get("sections") or "[]"),
                )
                for i in ids
            ]
            writer.add(entry, rows_of(chunks))

    # -- writing, for ``Ingestion`` -----------------------------------------------------------

    @property
    def signature(self) -> str:
        return chunking_signature(self.settings, self.embedder)

    @property
    def max_bytes(self) -> int:
        return int(self.settings.max_file_mb * 1_000_000)

    @property
    def read_noindex(self) -> bool:
        return self.settings.read_noindex

    def document_signature(self, doc_id: str, sha256: str) -> str:
        """Changes when the document's content or the way it is read, chunked and embedded changes."""
        return digest(doc_id, sha256, self.signature, *reading(doc_id, self.settings.read_noindex))[:16]

    def chunker(self) -> Chunker:
        """A chunker with an encoding of its own (``tokens.private_encoding``): it goes with the ingest's
        chunker, not kept for the process."""
        return chunker_for(self.settings, self.embedder, private_encoding("cl100k_base"))

    def _dimensions(self) -> int:
        """Width of stored sentence vectors: 0 when the embedder cannot give them with the chunk's."""
        return self.embedder.dimensions if isinstance(self.embedder, PassageEmbedder) else 0

    def _embed_words(self) -> Callable[[list[str]], np.ndarray] | None:
        """How the vocabulary's words are embedded at ingest: only by an embedder that stores sentence
        vectors (a local model; a paid API is not asked for every word of the corpus)."""
        return self.embedder.embed_uncached if isinstance(self.embedder, PassageEmbedder) else None

    def embed_chunks(
        self, texts: Sequence[str], spans: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, Sequence[np.ndarray | None]]:
        """Chunk vectors, and their sentences' vectors when the embedder gives them in the same pass."""
        if isinstance(self.embedder, PassageEmbedder):
            return self.embedder.embed_passages(texts, spans)
        return self.embedder.embed(texts), [None] * len(texts)

    def write(self, rows: list[tuple[DocumentEntry, Chunk, str]], vectors: np.ndarray) -> None:
        """Upsert embedded chunks (of any documents), with the document facts (and the sections in
        effect within each chunk, as JSON) stored beside each."""
        self._before_write()
        self._release_memory()
        with self._writing() as (_, collection):
            collection.upsert(
                ids=[chunk.id for _, chunk, _ in rows],
                embeddings=vectors,
                documents=[chunk.text for _, chunk, _ in rows],
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
                        "sections": sections,
                    }
                    for doc, chunk, sections in rows
                ],
            )

    def touch(self, ids: Sequence[str], mtime_ns: int) -> None:
        """Record a new modification time for a document whose content did not change."""
        self._touch(set(ids), mtime_ns)

    def _touch(self, ids: set[str], mtime_ns: int) -> None:
        self._before_write()
        for part in self._batches(sorted(ids)):
            with self._writing() as (_, collection):
                collection.update(ids=part, metadatas=[{"mtime_ns": mtime_ns} for _ in part])

    def _delete(self, ids: set[str]) -> None:
        if not ids:
            return
        self._before_write()
        for part in self._batches(sorted(ids)):
            with self._writing() as (_, collection):
                collection.delete(ids=part)

    def _batches(self, ids: list[str]) -> Iterator[list[str]]:
        """At most ``page_size`` ids per statement (SQLite's variable limit)."""
        size = self.settings.page_size
        return (ids[i : i + size] for i in range(0, len(ids), size))


def _sections(stored: Any) -> tuple[Section, ...]:
    """The sections stored beside a chunk (a JSON list of [start, label])."""
    if not isinstance(stored, str) or not stored:
        return ()
    return tuple(
        Section.model_construct(start=int(start), label=str(label)) for start, label in json.loads(stored)
    )


def remove_database(index_dir: Path) -> None:
    """Chroma's files in ``index_dir`` (its SQLite database and the vector segment folders, named by
    UUID): what ``reset_unreadable`` starts again without. Lock and state files stay."""
    for path in index_dir.iterdir():
        if path.name.startswith("chroma.sqlite3"):
            path.unlink()
        elif path.is_dir() and not path.is_symlink() and _is_uuid(path.name):
            shutil.rmtree(path)


def _forget_client(index_dir: Path) -> None:
    """Chroma keeps one client per folder for the whole process, also one whose start failed (an
    unreadable database), and hands that broken one out again: forget it, so that the next attempt
    (after ``remove_database``, or once the file is back) starts afresh. Chroma is pinned (1.5.9)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    identifier = str(index_dir)
    SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)


def _is_uuid(name: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", name) is not None


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
        skipped = f"skipped {len(corpus.skipped)} files: {'; '.join(reasons[:3])}"
        return f"no readable documents in {roots} ({skipped})"
    return f"no documents in {roots} (it reads {', '.join(SUFFIXES)} and text files without a suffix)"
