"""What an index belongs to and how far its last ingest got.

Recorded in the collection's metadata and, for the embedded index, also in a small owner-only file
beside the database (``<collection>.state.json``): a database that was destroyed or replaced is then
recognised as damage, never mistaken for "no index yet" (which would quietly rebuild the bundled
article in place of the user's corpus).

The rules: the corpus is recorded, with ``state = building``, before an ingest's first write; the
``generation`` goes up by one when an ingest completes (derived data may be keyed by it); the metadata
is written before the file, so the file never runs ahead of a healthy database.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .private import write_private
from .settings import Settings


class IndexState(BaseModel):
    """The index's own record of its corpus and of its last ingest."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    corpus: list[Path] = []
    state: Literal["empty", "building", "complete"] = "empty"
    generation: int = 0
    manifest: str = ""
    embedder: str | None = None
    chunks: int | None = None
    documents: int | None = None
    built_at: datetime | None = None

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> IndexState:
        """Read from a collection's metadata. An index built before states were recorded wrote its
        corpus only once an ingest had completed, so a corpus without a state means complete."""
        corpus = json.loads(meta["corpus"]) if meta.get("corpus") else []
        built_at = meta.get("built_at")
        return cls(
            corpus=corpus,
            state=meta.get("state") or ("complete" if corpus else "empty"),
            generation=int(meta.get("generation", 0)),
            manifest=str(meta.get("manifest", "")),
            embedder=meta.get("embedder"),
            chunks=meta.get("chunks"),
            documents=meta.get("documents"),
            built_at=datetime.fromisoformat(built_at) if built_at else None,
        )

    def metadata(self) -> dict[str, str | int]:
        """The flat form Chroma's metadata takes (no None, no lists)."""
        meta: dict[str, str | int] = {
            "state": self.state,
            "generation": self.generation,
            "manifest": self.manifest,
        }
        if self.corpus:
            meta["corpus"] = json.dumps([str(p) for p in self.corpus])
        if self.embedder:
            meta["embedder"] = self.embedder
        if self.chunks is not None:
            meta["chunks"] = self.chunks
        if self.documents is not None:
            meta["documents"] = self.documents
        if self.built_at is not None:
            meta["built_at"] = self.built_at.isoformat(timespec="seconds")
        return meta

    def building(self, roots: list[Path]) -> IndexState:
        """This index about to be written for ``roots``: not fresh for any corpus until it completes."""
        return self.model_copy(update={"state": "building", "corpus": _resolved(roots), "manifest": ""})

    def completed(self, roots: list[Path], manifest: str, chunks: int, documents: int) -> IndexState:
        return self.model_copy(
            update={
                "state": "complete",
                "corpus": _resolved(roots),
                "manifest": manifest,
                "generation": self.generation + 1,
                "chunks": chunks,
                "documents": documents,
                "built_at": datetime.now(UTC),
            }
        )


def _resolved(roots: list[Path]) -> list[Path]:
    return [Path(r).resolve() for r in roots]


def state_file(settings: Settings) -> Path | None:
    """Where the embedded index keeps its state beside the database; a server's index has none."""
    if settings.chroma_url:
        return None
    return settings.index_dir / f"{settings.collection}.state.json"


def read_state_file(settings: Settings) -> IndexState | None:
    """The recorded state, or None when there is no file (or it cannot be read: then nothing is known
    beyond what the database says)."""
    path = state_file(settings)
    if path is None:
        return None
    try:
        return IndexState.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def write_state_file(settings: Settings, state: IndexState) -> None:
    path = state_file(settings)
    if path is not None:
        write_private(path, state.model_dump_json(indent=2) + "\n")
