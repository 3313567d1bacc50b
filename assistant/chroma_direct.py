"""An embedded index read through Chroma's own engine, without Chroma's Python client.

Answering from an existing embedded index only reads: the collection's metadata, its count, a few ids
and vectors (the integrity check) and the chunks nearest to a question. Chroma's embedded client is a
thin Python layer over its Rust engine (``chromadb.api.rust``: each call is one call of
``chromadb_rust_bindings``), but importing that layer costs ~0.2 s of CPU on every cold ``assistant ask``
even lean (``chroma_loader.py``), against ~0.02 s for the engine alone (measured at load 11, in a process
that had imported the rest of the answer path). So reads call the engine as ``chromadb.api.rust`` does
(pinned 1.5.9): the same database, vector segments and engine, the same results. Nothing is written
through here: ``Index`` switches to Chroma's client, closing this one first, before its first write.

Chroma's engine raises Chroma's own errors (it imports ``chromadb.errors`` to raise one), so
``chroma_errors()`` names them only once they exist.
"""

from __future__ import annotations

import resource
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import chromadb_rust_bindings as engine
import numpy as np

TENANT = "default_tenant"  # Chroma's defaults (``chromadb.config``), which ``PersistentClient`` uses
DATABASE = "default_database"
DEFAULT_GET: tuple[str, ...] = ("metadatas", "documents")  # Chroma's ``Collection.get`` default
DEFAULT_QUERY: tuple[str, ...] = ("metadatas", "documents", "distances")


def chroma_errors() -> tuple[type[Exception], ...]:
    """Chroma's error class, for ``except``: looked up, not imported (an error from Chroma's engine
    imports it to be raised, so one that is not imported cannot have been)."""
    chroma = sys.modules.get("chromadb.errors")
    return (chroma.ChromaError,) if chroma is not None else ()


def store_errors(*others: type[Exception]) -> tuple[type[Exception], ...]:
    """``chroma_errors()``, the HTTP client's errors (a server's index) and ``others``, for ``except``."""
    http = sys.modules.get("httpx")
    return (*chroma_errors(), *((http.HTTPError,) if http is not None else ()), *others)


class DirectClient:
    """The embedded database at ``path``, opened by Chroma's engine with ``PersistentClient``'s settings
    (migrations applied, MD5 migration hashes, one vector index in memory per 5 open files)."""

    def __init__(self, path: Path) -> None:
        database = engine.SqliteDBConfig(
            url=str(path / "chroma.sqlite3"),
            hash_type=engine.MigrationHash.MD5,
            migration_mode=engine.MigrationMode.Apply,
        )
        self._engine: Any = engine.Bindings(
            allow_reset=False,
            sqlite_db_config=database,
            persist_path=str(path),
            hnsw_cache_size=resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 5,
        )

    def list_collections(self) -> list[DirectCollection]:
        return [
            DirectCollection(self._engine, c)
            for c in self._engine.list_collections(None, None, TENANT, DATABASE)
        ]

    def get_collection(self, name: str, embedding_function: Any = None) -> DirectCollection:
        """The collection ``name`` as it is now (``embedding_function`` is Chroma's argument: unused)."""
        return DirectCollection(self._engine, self._engine.get_collection(name, TENANT, DATABASE))

    def close(self) -> None:
        """Let the engine go (its collections keep it until they go too)."""
        self._engine = None


class DirectCollection:
    """What ``Index`` and the integrity check read of a Chroma ``Collection``, with its results' shape."""

    def __init__(self, engine: Any, model: Any) -> None:
        self._engine = engine
        self._id = str(model.id)
        self.name: str = model.name
        self.metadata: dict[str, Any] | None = model.metadata

    def count(self) -> int:
        return int(self._engine.count(self._id, TENANT, DATABASE))

    def get(
        self,
        ids: list[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        include: Sequence[str] = DEFAULT_GET,
    ) -> dict[str, Any]:
        found = self._engine.get(
            self._id, ids, None, limit, offset or 0, None, list(include), TENANT, DATABASE
        )
        return {
            "ids": found.ids,
            "embeddings": np.array(found.embeddings) if "embeddings" in include else None,
            "documents": found.documents,
            "metadatas": found.metadatas,
            "uris": None,
            "included": list(include),
        }

    def query(
        self,
        query_embeddings: Sequence[Sequence[float]] | np.ndarray,
        n_results: int = 10,
        include: Sequence[str] = DEFAULT_QUERY,
    ) -> dict[str, Any]:
        vectors = [np.asarray(v, dtype=np.float32) for v in query_embeddings]
        found = self._engine.query(
            self._id, None, vectors, n_results, None, None, list(include), TENANT, DATABASE
        )
        return {
            "ids": found.ids,
            "embeddings": found.embeddings,
            "documents": found.documents,
            "metadatas": found.metadatas,
            "distances": found.distances,
            "uris": None,
            "included": list(include),
        }
