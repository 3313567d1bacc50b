"""Deciding that an ingest has nothing to do, without importing Chroma or loading the model.

A no-op re-ingest (a script or a cron job that ingests again) would otherwise import Chroma, load the
model, open the collection (loading its vector segment) and run the integrity check: about 1.8 s at
100k chunks. So every ingest that leaves the embedded index complete records beside it
(``<collection>.unchanged.json``) what it left: the generation and corpus manifest of its state, the
chunking signature the manifest was computed with, the vector segment's files and the derived data's.
An ingest of the same corpus is then a no-op, without Chroma, when, holding the ingest lock:

- the settings that decide chunking and embedding are those of the record;
- the state file, and the collection's metadata read from Chroma's SQLite file (read-only, a few ms),
  both say complete, with the record's generation, manifest and chunk count; the database holds
  that many chunks;
- the vector segment still has its files, of their recorded sizes, and the derived data of that
  generation its files, unchanged;
- the corpus files, as ``stat`` sees them, give the recorded manifest (no file is read).

Anything else (a server's index, no record, a busy lock, any difference) takes the full path, which
decides again with Chroma and the integrity check, and records anew. Reading Chroma's SQLite tables
relies on its schema (Chroma is pinned, 1.5.9); a schema it does not find means the full path.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import filelock
from pydantic import BaseModel, ValidationError

from .derived import FORMAT as DERIVED_FORMAT
from .derived import generation_folder
from .formats import READINGS
from .ingest import FileRef, scan
from .models import IngestReport, SkippedFile
from .private import FILE_MODE, write_private
from .settings import Settings
from .state import IndexState, read_state_file

# 4: sentence vectors pooled from their passage's pass (late chunking), no longer embedded alone;
# 5: each sentence's words and lemmas stored beside it (derived FORMAT 4)
INDEX_FORMAT = 5  # bump when what is stored beside a chunk changes: every document is redone


class HasLimits(Protocol):
    """What ``chunking_signature`` needs of an embedder."""

    @property
    def name(self) -> str: ...

    @property
    def max_tokens(self) -> int | None: ...


def chunking_signature(settings: Settings, embedder: HasLimits) -> str:
    """Everything that decides how a document is chunked and embedded, without loading a tokenizer."""
    return (
        f"format={INDEX_FORMAT};cl100k_base={settings.chunk_tokens};{embedder.name}={embedder.max_tokens};"
        f"overlap={settings.chunk_overlap}"
    )


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def corpus_manifest(
    signature: str, settings: Settings, roots: list[Path], refs: list[FileRef], skipped: list[SkippedFile]
) -> str:
    """A hash of what ``stat`` says about every corpus file, and of how they are chunked."""
    parts = [
        signature,
        str(settings.max_file_mb),
        str(settings.read_noindex),
        json.dumps(READINGS, sort_keys=True),
    ]
    parts += [json.dumps([str(r.resolve()) for r in roots])]
    parts += [f"{r.doc_id}|{r.size}|{r.mtime_ns}" for r in refs]
    parts += [f"skip|{s.path}|{s.reason}" for s in skipped]
    return digest(*parts)


class Record(BaseModel):
    """What the last complete ingest left, as ``noop_report`` compares it."""

    key: str
    signature: str
    state: IndexState
    vector_files: dict[str, int]  # name → size, in the vector segment's folder
    derived_files: dict[str, list[int]]  # relative path → [size, mtime_ns], in the generation's folder


def settings_key(settings: Settings) -> str:
    """The settings (and formats) a record holds for: any change takes the full path once."""
    return digest(
        str(INDEX_FORMAT), str(DERIVED_FORMAT), settings.embedder, settings.embedding_model,
        str(settings.chunk_tokens), str(settings.chunk_overlap), str(settings.max_file_mb),
        str(settings.read_noindex), settings.collection, str(settings.index_dir.resolve()),
    )  # fmt: skip


def record_path(settings: Settings) -> Path:
    return settings.index_dir / f"{settings.collection}.unchanged.json"


def record(settings: Settings, signature: str) -> None:
    """After an ingest left the embedded index complete (the ingest lock held): what it left. Nothing
    is recorded (and an old record goes) when the database and the state file disagree."""
    path = record_path(settings)
    path.unlink(missing_ok=True)
    if settings.chroma_url:
        return
    state = read_state_file(settings)
    view = _database(settings)
    if state is None or view is None or not _agree(state, view) or not view.vector_files:
        return  # a vector segment not yet on disk (a small new index): recorded by a later ingest
    derived = _derived_files(settings, state.generation)
    if derived is None:
        return
    kept = Record(
        key=settings_key(settings),
        signature=signature,
        state=state,
        vector_files=view.vector_files,
        derived_files=derived,
    )
    write_private(path, kept.model_dump_json() + "\n")


def noop_report(settings: Settings, roots: list[Path] | None) -> IngestReport | None:
    """The report of an ingest of ``roots`` (None: the corpus the settings name, else the recorded one)
    that has nothing to do, when that is certain without Chroma; else None (take the full path)."""
    started = time.perf_counter()
    if settings.chroma_url:
        return None
    try:
        kept = Record.model_validate_json(record_path(settings).read_bytes())
    except (OSError, ValidationError, ValueError):
        return None
    if kept.key != settings_key(settings) or kept.state.state != "complete":
        return None
    lock = filelock.FileLock(
        str(settings.index_dir / f"{settings.collection}.ingest.lock"), timeout=0, mode=FILE_MODE
    )
    try:
        lock.acquire(timeout=0)
    except (filelock.Timeout, OSError):
        return None  # an ingest is running: the full path waits for it
    try:
        return _decide(settings, kept, roots, started)
    finally:
        lock.release()


def _decide(
    settings: Settings, kept: Record, roots: list[Path] | None, started: float
) -> IngestReport | None:
    state = read_state_file(settings)
    if state != kept.state:
        return None
    view = _database(settings)
    if view is None or not _agree(state, view) or view.vector_files != kept.vector_files:
        return None
    folder = generation_folder(_derived_root(settings), state.generation)
    if _derived_files(settings, state.generation) != kept.derived_files:
        return None
    named = settings.corpus if settings.corpus_is_explicit else None
    chosen = list(roots or named or state.corpus)
    if not chosen or any(not root.exists() for root in chosen):
        return None  # the full path names what is missing
    refs, skipped = scan(chosen)
    if corpus_manifest(kept.signature, settings, chosen, refs, skipped) != state.manifest:
        return None
    return IngestReport(
        unchanged=state.documents or 0,
        chunks=state.chunks or 0,
        skipped=_skipped(folder),
        seconds=round(time.perf_counter() - started, 3),
    )


@dataclass(frozen=True)
class _View:
    """The collection as Chroma's SQLite file records it."""

    meta: dict[str, Any]
    count: int
    vector_files: dict[str, int]


def _database(settings: Settings) -> _View | None:
    """The collection's metadata, its chunk count and its vector segment's files, read from the
    SQLite file without Chroma (read-only: nothing is written, no lock is taken)."""
    database = settings.index_dir / "chroma.sqlite3"
    if not database.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return _read(connection, settings)
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def _read(connection: sqlite3.Connection, settings: Settings) -> _View | None:
    found = connection.execute("SELECT id FROM collections WHERE name = ?", (settings.collection,)).fetchall()
    if len(found) != 1:
        return None
    ((collection,),) = found
    meta = {
        key: text if text is not None else number
        for key, text, number in connection.execute(
            "SELECT key, str_value, int_value FROM collection_metadata WHERE collection_id = ?", (collection,)
        )
    }
    segments = dict(
        connection.execute("SELECT scope, id FROM segments WHERE collection = ?", (collection,)).fetchall()
    )
    if set(segments) != {"METADATA", "VECTOR"}:
        return None
    (count,) = connection.execute(
        "SELECT COUNT(*) FROM embeddings WHERE segment_id = ?", (segments["METADATA"],)
    ).fetchone()
    folder = settings.index_dir / str(segments["VECTOR"])
    files = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()} if folder.is_dir() else {}
    return _View(meta=meta, count=int(count), vector_files=files)


def _agree(state: IndexState, view: _View) -> bool:
    """The database says what the state file says, and holds the chunks it counts."""
    try:
        stored = IndexState.from_metadata(view.meta)
    except (ValidationError, ValueError, TypeError):
        return False
    same = ("state", "generation", "manifest", "chunks", "corpus", "embedder")
    return (
        state.state == "complete"
        and all(getattr(stored, name) == getattr(state, name) for name in same)
        and view.count == state.chunks
    )


def _derived_root(settings: Settings) -> Path:
    return settings.index_dir / "derived" / settings.collection


def _derived_files(settings: Settings, generation: int) -> dict[str, list[int]] | None:
    """Every file of the generation's derived data, with its size and time (written once, never
    changed in place)."""
    folder = generation_folder(_derived_root(settings), generation)
    if not (folder / "meta.json").is_file():
        return None
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            files[str(path.relative_to(folder))] = [stat.st_size, stat.st_mtime_ns]
    return files


def _skipped(folder: Path) -> list[SkippedFile]:
    """What the last full ingest skipped (``skipped.json`` in its derived data)."""
    try:
        return [SkippedFile(**s) for s in json.loads((folder / "skipped.json").read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        return []
