"""Whether an index still holds what its ingests wrote, and the way back when it does not.

Data can go missing under the index without any error from Chroma: a database replaced by an empty
one, a vector segment folder deleted (Chroma then answers from the few hundred vectors still in its
log, and counts every chunk as present). So every open runs a cheap check — the database against the
state file beside it, the chunk count against the last ingest's, and the vectors of the oldest chunks
(the first a lost vector folder takes) — and ``assistant ingest --check`` runs the full one: every
document's chunk ids against those its stored signature implies, every chunk's vector, and a sample
of chunks that vector search must find through their own vectors. ``assistant ingest --repair``
rebuilds from the recorded corpus what either check finds damaged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .chroma_direct import chroma_errors
from .embeddings import Embedder
from .errors import CorpusError, IndexDamagedError, StoreError
from .index import Index
from .models import IndexStatus, IngestReport, Progress
from .settings import Settings, default_corpus
from .state import IndexState, read_state_file

Condition = Literal["empty", "fresh", "stale", "incomplete", "damaged"]

PAGE = 256  # chunks read, or queried, per call
SAMPLE = 3  # chunks whose vectors the cheap check reads (the oldest: a lost vector folder loses them first)
SEARCH_SAMPLE = 1000  # chunks the full check looks for by vector search (every chunk's vector is read)
SEARCH_TOLERANCE = 0.01  # share of those an approximate search may miss before it is damage
NEIGHBOURS = 10  # a chunk must be among the nearest this many to its own vector
SAME_VECTOR = 1e-4  # cosine distance within which vectors are the same (the same text, chunked twice)
HALVING_BUDGET = 1000  # reads spent finding which chunks of a refused batch lost their vectors


def ensure_intact(index: Index) -> None:
    """The cheap check; damage is an ``IndexDamagedError`` that names the fix."""
    problems = _confirmed(index, quick_problems)
    if problems:
        raise IndexDamagedError(index.location, "; ".join(problems), _corpus(index))


def quick_problems(index: Index) -> list[str]:
    """A few milliseconds: the state file, the count, and the oldest chunks' vectors."""
    state = index.state()
    problems = _against_state_file(index, state)
    if problems or state.state != "complete":
        return problems  # an ingest under way (or interrupted) is not damage: the next one finishes it
    with index.guarded("check"):
        count = index.collection.count()
        sample = index.collection.get(limit=SAMPLE, include=[])["ids"]
    found = _count_problem(state, count) + _vector_problems(index, sample, count, search=False)
    return found if index.state() == state else []  # an ingest began meanwhile: nothing to conclude


def full_problems(index: Index) -> list[str]:
    """Every chunk: its document's ids complete and nothing else stored, its vector reached."""
    state = index.state()
    problems = _against_state_file(index, state)
    if problems:
        return problems
    ids, documents = _stored(index)
    if state.state == "complete":
        problems += _count_problem(state, len(ids)) + _id_problems(documents)
    return problems + _vector_problems(index, ids, len(ids))


def status(settings: Settings, embedder: Embedder, *, full: bool = False) -> IndexStatus:
    """The index as ``assistant status`` (or, with ``full``, ``assistant ingest --check``) shows it."""
    blank = {"location": "", "collection": settings.collection, "embedder": embedder.name, "full_check": full}
    try:
        index = Index(settings, embedder)
    except IndexDamagedError as exc:  # the database cannot even be read
        known = read_state_file(settings) or IndexState()
        return _status(blank | {"location": exc.location}, known, 0, [exc.problem])
    with index.exclusive() if full else nullcontext():
        problems = _confirmed(index, full_problems if full else quick_problems)
        state = index.state()
        with index.guarded("read"):
            chunks = index.collection.count()
    on_file = read_state_file(settings)
    if not state.corpus and on_file is not None and on_file.corpus:
        state = on_file  # the database lost it: what the index belonged to is in the state file
    fresh = False
    if state.state == "complete" and not problems:
        try:
            fresh = index.is_fresh(state.corpus)
        except CorpusError:  # the corpus folder is gone: stale, and `assistant ingest` will say why
            fresh = False
    return _status(blank | {"location": index.location}, state, chunks, problems, fresh)


def _status(
    base: dict[str, Any], state: IndexState, chunks: int, problems: list[str], fresh: bool = False
) -> IndexStatus:
    condition: Condition
    fix: str | None = "assistant ingest"
    if problems:
        condition, fix = "damaged", "assistant ingest --repair"
    elif state.state == "empty":
        condition, fix = "empty", "assistant ingest PATH"
    elif state.state == "building":
        condition = "incomplete"
    else:
        condition, fix = ("fresh", None) if fresh else ("stale", fix)
    return IndexStatus(
        **base,
        corpus=state.corpus,
        bundled=bool(state.corpus) and state.corpus == [p.resolve() for p in default_corpus()],
        condition=condition,
        documents=state.documents if state.state == "complete" else None,  # else the last ingest's
        chunks=chunks,
        generation=state.generation,
        built_at=state.built_at,
        problems=problems,
        fix=fix,
    )


def repair(
    settings: Settings, embedder: Embedder, progress: Progress | None = None
) -> tuple[list[str], IngestReport]:
    """Rebuild from its recorded corpus an index the full check finds damaged (a database that cannot
    be read is started again); otherwise bring it up to date. What was wrong, and the ingest report."""
    index = Index(settings, embedder, reset_unreadable=True)
    with index.exclusive():
        if index.reset:
            problems = [f"the database could not be read ({index.reset}), so it was started anew"]
        else:
            problems = _confirmed(index, full_problems)
        roots = _corpus(index)
        if not roots:
            raise StoreError(
                f"nothing records which corpus the index at {index.location} was built from: "
                "run `assistant ingest PATH`"
            )
        report = index.sync(roots, progress, rebuild=bool(problems))
    return problems, report


# -- the parts -------------------------------------------------------------------------------------


def _confirmed(index: Index, check: Callable[[Index], list[str]]) -> list[str]:
    """What ``check`` finds, confirmed on a fresh connection: in a process that opened this embedded
    index before another process wrote to it, Chroma's vector index is out of date, not damaged."""
    problems = check(index)
    return check(index) if problems and index.reconnect() else problems


def _corpus(index: Index) -> list[Path]:
    """The corpus the index belongs to: as the database records it, else as the state file does."""
    recorded = read_state_file(index.settings)
    return index.state().corpus or (recorded.corpus if recorded else [])


def _against_state_file(index: Index, state: IndexState) -> list[str]:
    """An embedded database that lost what its state file records (replaced, emptied, restored from
    an older copy)."""
    recorded = read_state_file(index.settings)
    if recorded is None or not recorded.corpus:
        return []
    if not state.corpus:
        lost = f"the {recorded.chunks} chunks" if recorded.chunks is not None else "the ingest"
        return [f"the database has lost {lost} recorded beside it"]
    if recorded.generation > state.generation:
        return [
            f"the database is older than the state file beside it "
            f"(generation {state.generation}, recorded {recorded.generation})"
        ]
    return []


def _count_problem(state: IndexState, count: int) -> list[str]:
    if state.chunks is None or state.chunks == count:
        return []
    return [f"{count} chunks where the last ingest left {state.chunks}"]


def _stored(index: Index) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """Every chunk id, and per document the metadata of its chunks (with their ids), read in pages."""
    ids: list[str] = []
    documents: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with index.guarded("check"):
        while True:
            page = index.collection.get(include=["metadatas"], limit=PAGE * 4, offset=len(ids))
            for chunk_id, meta in zip(page["ids"], page["metadatas"] or [], strict=True):
                documents[str(meta.get("doc_id"))].append({**meta, "id": chunk_id})
            ids += page["ids"]
            if len(page["ids"]) < PAGE * 4:
                return ids, documents


def _id_problems(documents: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Each document's stored ids must be exactly ``doc::signature::0 … n-1`` for its one signature
    and chunk count (an ingest writes them so, and a complete one leaves nothing else)."""
    partial, extra = [], 0
    for doc_id, chunks in sorted(documents.items()):
        have = {c["id"] for c in chunks}
        signatures = {(c.get("signature"), c.get("n_chunks")) for c in chunks}
        if len(signatures) != 1:
            extra += len(have)
            continue
        ((signature, n_chunks),) = signatures
        expected = {f"{doc_id}::{signature}::{i}" for i in range(int(n_chunks or 0))}
        if have - expected:
            extra += len(have - expected)
        if expected - have:
            partial.append(f"{doc_id} has {len(expected & have)} of its {len(expected)} chunks")
    problems = partial[:3] + ([f"and {len(partial) - 3} more documents"] if len(partial) > 3 else [])
    return problems + ([f"{extra} chunks that no complete document accounts for"] if extra else [])


def _vector_problems(index: Index, ids: list[str], count: int, *, search: bool = True) -> list[str]:
    """Every chunk of ``ids`` must still have its vector, and (``search``) an evenly spaced sample of
    them must be found by vector search through their own vectors: no more than 1 % missed, the
    approximate search's own misses (seen on random vectors, never on real text)."""
    probe = _Probe(index)
    vectors = probe.vectors(ids)
    problems = []
    if probe.lost:
        about = "about " if probe.approximate else ""
        if len(ids) < count:
            problems.append(f"chunk {probe.lost[0]} has lost its vector")
        else:
            problems.append(
                f"{about}{len(probe.lost)} of {count} chunks have lost their vectors, e.g. {probe.lost[0]}"
            )
    if search and vectors:
        step = max(1, len(vectors) // SEARCH_SAMPLE)
        sample = dict(list(vectors.items())[::step])
        missed = probe.missed(sample, min(NEIGHBOURS, count))
        if len(missed) > len(sample) * SEARCH_TOLERANCE:
            problems.append(
                f"vector search does not find {len(missed)} of {len(sample)} chunks through their own "
                f"vectors, e.g. {missed[0]}"
            )
    return problems


class _Probe:
    """Reads stored vectors, and notes the chunks whose vector is gone (Chroma then refuses the whole
    read, so a refused batch is halved to find them, within a budget of calls: past it, a refused
    batch counts whole and the count is approximate)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.lost: list[str] = []
        self.calls_left = HALVING_BUDGET
        self.approximate = False

    def vectors(self, ids: list[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        with self.index.guarded("check"):
            for start in range(0, len(ids), PAGE):
                found |= self._read(ids[start : start + PAGE])
        return found

    def _read(self, batch: list[str]) -> dict[str, list[float]]:
        try:
            got = self.index.collection.get(ids=batch, include=["embeddings"])
        except chroma_errors():  # Chroma's "Error finding id": some of them have lost their vector
            if len(batch) == 1 or self.calls_left <= 0:
                self.approximate |= len(batch) > 1
                self.lost += batch
                return {}
            self.calls_left -= 2
            half = len(batch) // 2
            return self._read(batch[:half]) | self._read(batch[half:])
        embeddings = got["embeddings"] if got["embeddings"] is not None else []
        return {chunk_id: list(vector) for chunk_id, vector in zip(got["ids"], embeddings, strict=True)}

    def missed(self, vectors: dict[str, list[float]], neighbours: int) -> list[str]:
        """The chunks that vector search does not return among the nearest to their own vector (nor
        finds only identical vectors there: the same text chunked twice)."""
        missed = []
        ids = list(vectors)
        with self.index.guarded("check"):
            for start in range(0, len(ids), PAGE):
                batch = ids[start : start + PAGE]
                found = self.index.collection.query(
                    query_embeddings=np.asarray([vectors[i] for i in batch], dtype=np.float32),
                    n_results=neighbours,
                    include=["distances"],
                )
                distances = found["distances"] or [[] for _ in batch]
                for chunk_id, near, distance in zip(batch, found["ids"], distances, strict=True):
                    if chunk_id not in near and not (distance and max(distance) <= SAME_VECTOR):
                        missed.append(chunk_id)
        return missed
