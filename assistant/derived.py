"""Stage 2: what answering needs besides Chroma's vector search, written at ingest and memory-mapped.

Per generation of a collection (the ``generation`` number in its metadata, bumped by every ingest
that changes it) one folder holds: the chunks (ids, text, document, offsets), the documents (for the
next ingest's plan), each chunk's sentence spans and sentence vectors (int8, one scale per row), the
term ids and the BM25 matrix (``lexical.py``), and a vector for each term of the vocabulary (float16:
the reader and the verifier compare single words by meaning), each sentence's words with their
dictionary forms (``text.normalize``) and whether every sentence of a chunk is evidence: what the
reader, the evidence step and the verifier would otherwise split and lemmatise per new sentence,
handed to ``lemmas`` when a passage is retrieved.
Opening one is a few ``mmap`` calls whatever the corpus size, so a new process answers without
reading the collection, normalising text or embedding sentences or words: a question costs one
embedding (itself and its own words not stored).
Folders are written under a temporary name and renamed into place, so a reader sees a whole
generation or none. A store rebuilt from the collection (``Index._rebuild``) has neither sentence nor
word vectors: they are computed when first needed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .columns import (
    ColumnWriter,
    HashIndex,
    ReadColumn,
    ReadStrings,
    Strings,
    StringsWriter,
    create,
    open_column,
    write_hash_index,
)
from .lexical import LexicalIndex, Vocabulary
from .lexical import build as build_lexical
from .models import Section, StoredChunk
from .text import evidence_sentences, normalize, sentence_spans, words

# 3: sentence spans are evidence sentences (instructions and hidden text left out); 4: sentence words
# and lemmas, and whether a chunk's sentences are all evidence
FORMAT = 4
KEPT_WORD_ROWS = 65_536  # words whose vocabulary row a store keeps (a question looks up ~150, most recur)
COPY_ROWS = 2_048  # chunk rows an ingest copies from the previous generation per read (~8 MB)
WORD_DTYPE = np.float16  # cosine error ~1e-4: word comparisons decide as with float32 vectors

Embed = Callable[[list[str]], np.ndarray]
"""Unit vectors of texts, one row each (the embedder's uncached, length-sorted pass)."""


@dataclass(frozen=True)
class DocumentEntry:
    """A document as stored: what the next ingest compares a file with, and where its chunks are."""

    id: str
    title: str
    path: str
    sha256: str
    size: int
    mtime_ns: int
    signature: str
    chunks: int
    first: int = 0  # row of its first chunk; its chunks are consecutive rows


@dataclass(frozen=True)
class ChunkRow:
    """One chunk to store: its sentences (spans relative to ``text``) and their vectors, if known."""

    id: str
    text: str
    start: int
    end: int
    spans: np.ndarray  # (k, 2) int32
    vectors: np.ndarray | None  # (k, dims) float32, rows L2-normalised; None: embed when needed
    sections: str = "[]"  # the document's sections in effect within it: JSON [[start, label], …]


def spans_of(text: str) -> np.ndarray:
    """The sentences of a chunk that may be evidence (``text.evidence_sentences``: none of a block
    that addresses an AI, no hidden text), as the evidence step splits it."""
    return np.array([(s.start, s.end) for _, s in evidence_sentences(text)], dtype=np.int32).reshape(-1, 2)


SEPARATOR = "\x1f"  # between a sentence's words (never in a word: ``text.words``) and between its forms


def analyse(sentence: str) -> tuple[str, str]:
    """A sentence's words, lower-case, and their forms (``text.forms``), each joined by ``SEPARATOR``,
    as stored."""
    found = [word for word, _, _ in words(sentence)]
    return SEPARATOR.join(word.lower() for word in found), SEPARATOR.join(normalize(w) for w in found)


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows with one float scale each (cosine error ≲ 0.003 on unit vectors)."""
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


class Store:
    """One generation of derived data, opened read-only and memory-mapped."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if self.meta.get("format") != FORMAT:
            raise ValueError(f"derived store format {self.meta.get('format')}, expected {FORMAT}")
        self.generation = int(self.meta["generation"])
        self.dims = int(self.meta["dims"])
        self.ids = Strings(folder, "ids")
        self.texts = Strings(folder, "texts")
        self.sections = Strings(folder, "sections")
        self.doc_ids = Strings(folder, "doc_ids")
        self.titles = Strings(folder, "titles")
        self._chunk_docs = open_column(folder / "chunk_docs", np.int32)
        self._bounds = open_column(folder / "bounds", np.int64, 2)
        self._sentence_ends = open_column(folder / "sentence_ends", np.int64)
        self._spans = open_column(folder / "spans", np.int32, 2)
        self._vectors = open_column(folder / "vectors", np.int8, self.dims) if self.dims else None
        self._scales = open_column(folder / "scales", np.float32)
        self._term_ends = open_column(folder / "term_ends", np.int64)
        self._terms = open_column(folder / "terms", np.int32)
        self._id_index = HashIndex(folder, "ids", self.ids)
        self._word_rows: dict[str, int | None] = {}
        self._word_rows_lock = threading.Lock()
        self._sentence_words = ReadStrings(folder, "sentence_words")  # read, not mapped: see ``ReadStrings``
        self._sentence_forms = ReadStrings(folder, "sentence_forms")
        self._whole = open_column(folder / "whole", np.uint8)
        words = folder / "word_vectors"
        stored = self.dims and words.exists()
        self._word_vectors = open_column(words, WORD_DTYPE, self.dims) if stored else None

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.folder)

    def row(self, chunk_id: str) -> int | None:
        return self._id_index.find(chunk_id)

    def chunk(self, row: int) -> StoredChunk:
        doc = int(self._chunk_docs[row])
        start, end = (int(v) for v in self._bounds[row])
        sections = tuple(
            Section.model_construct(start=int(at), label=str(label))
            for at, label in json.loads(self.sections[row])
        )
        return StoredChunk.model_construct(  # written by this module: trusted, built without validation
            id=self.ids[row], doc_id=self.doc_ids[doc], title=self.titles[doc],
            text=self.texts[row], start=start, end=end, sections=sections,
        )  # fmt: skip

    def _sentence_rows(self, row: int) -> tuple[int, int]:
        return (int(self._sentence_ends[row - 1]) if row else 0), int(self._sentence_ends[row])

    def sentences(self, row: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The sentence spans of chunk ``row`` (relative to its text) and their unit vectors, or None
        when they were not stored (a store rebuilt from a server: embed on demand)."""
        low, high = self._sentence_rows(row)
        spans = np.asarray(self._spans[low:high])
        scales = np.asarray(self._scales[low:high])
        if self._vectors is None or (len(scales) and not scales.all()):
            return spans, None
        return spans, np.asarray(self._vectors[low:high], dtype=np.float32) * scales[:, None]

    def lemmas(self, row: int) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """Each sentence of chunk ``row`` (as ``sentences``): its words (lower-case) and their forms,
        as ``lemmas.remember`` takes them."""
        low, high = self._sentence_rows(row)
        rows = zip(self._sentence_words.rows(low, high), self._sentence_forms.rows(low, high), strict=True)
        return [
            (tuple(lowers.split(SEPARATOR)), tuple(forms.split(SEPARATOR))) if lowers else ((), ())
            for lowers, forms in rows
        ]

    def whole(self, row: int) -> bool:
        """Every sentence of chunk ``row`` is evidence: its stored spans are ``text.sentence_spans``."""
        return bool(self._whole[row])

    @cached_property
    def _vocabulary(self) -> HashIndex:
        return HashIndex(self.folder, "vocab", Strings(self.folder, "vocab"))

    @property
    def word_vectors(self) -> np.ndarray | None:
        """One unit vector per vocabulary term (rows as ``vocabulary()``), or None when not stored."""
        return self._word_vectors

    def word_vector(self, words: Sequence[str]) -> list[np.ndarray | None]:
        """The stored vector of each word that is a term of the vocabulary, else None."""
        vectors = self._word_vectors
        if vectors is None:
            return [None] * len(words)
        rows = self._rows_of_words(words)
        known = [r for r in rows if r is not None and r < len(vectors)]
        found = iter(np.asarray(vectors[known], dtype=np.float32))  # one read of the map for all
        return [next(found) if r is not None and r < len(vectors) else None for r in rows]

    def _rows_of_words(self, words: Sequence[str]) -> list[int | None]:
        """The vocabulary row of each word (None: not a term), kept: the same words recur question
        after question, and a row never changes within a generation."""
        with self._word_rows_lock:
            kept = self._word_rows
            if len(kept) > KEPT_WORD_ROWS:
                kept.clear()
            new = [word for word in dict.fromkeys(words) if word not in kept]
            if new:
                kept.update(zip(new, self._vocabulary.find_many(new), strict=True))
            return [kept[word] for word in words]

    def documents(self) -> dict[str, DocumentEntry]:
        """Every document with its chunks' rows (read in full: for an ingest's plan, not for answering)."""
        with (self.folder / "documents.jsonl").open(encoding="utf-8") as lines:
            entries = (DocumentEntry(**json.loads(line)) for line in lines)
            return {entry.id: entry for entry in entries}

    def chunk_ids(self, entry: DocumentEntry) -> list[str]:
        return [self.ids[row] for row in range(entry.first, entry.first + entry.chunks)]

    def vocabulary(self) -> list[str]:
        return list(Strings(self.folder, "vocab"))

    def word_vector_source(self) -> ReadColumn | None:
        """``word_vectors`` read, not mapped: for the next generation to copy (``StoreWriter``)."""
        if self._word_vectors is None:
            return None
        return ReadColumn(self.folder / "word_vectors", WORD_DTYPE, self.dims)

    @cached_property
    def source(self) -> Source:
        """This generation's columns read, not mapped: what the next one copies (``StoreWriter.copy``)."""
        return Source(self.folder, self.dims if self._vectors is not None else 0)

    def renamed(self, generation: int) -> Store:
        """This store as ``generation``: an ingest that changed nothing moves it along unchanged."""
        meta = self.meta | {"generation": generation}
        with create(self.folder / ".meta.json") as out:
            out.write(json.dumps(meta).encode())
        os.replace(self.folder / ".meta.json", self.folder / "meta.json")
        final = generation_folder(self.folder.parent, generation)
        if final.exists():
            shutil.rmtree(final)
        os.rename(self.folder, final)
        return Store(final)


class Source:
    """The columns of a generation that ``StoreWriter.copy`` copies, read with ``os.pread`` in ranges of
    rows: a map would keep every page it touched as this process's memory (at 100k chunks, 0.5 GB of
    file pages while the unchanged documents were copied row by row through the maps)."""

    def __init__(self, folder: Path, dims: int) -> None:
        self.ids = ReadStrings(folder, "ids")
        self.texts = ReadStrings(folder, "texts")
        self.sections = ReadStrings(folder, "sections")
        self.sentence_words = ReadStrings(folder, "sentence_words")
        self.sentence_forms = ReadStrings(folder, "sentence_forms")
        self.bounds = ReadColumn(folder / "bounds", np.int64, 2)
        self.sentence_ends = ReadColumn(folder / "sentence_ends", np.int64)
        self.spans = ReadColumn(folder / "spans", np.int32, 2)
        self.vectors = ReadColumn(folder / "vectors", np.int8, dims) if dims else None
        self.dims = dims
        self.scales = ReadColumn(folder / "scales", np.float32)
        self.term_ends = ReadColumn(folder / "term_ends", np.int64)
        self.terms = ReadColumn(folder / "terms", np.int32)
        self.whole = ReadColumn(folder / "whole", np.uint8)

    def ends(self, column: ReadColumn, low: int, high: int) -> tuple[int, np.ndarray]:
        """Where row ``low`` of a rows-of-rows column starts (``sentence_ends``, ``term_ends``: each
        row's end), and the ends of rows ``low`` to ``high``."""
        ends = column.rows(low - 1 if low else 0, high)
        return (int(ends[0]), ends[1:]) if low else (0, ends)


class StoreWriter:
    """Writes one generation into a temporary folder: documents in any order, each with its chunks;
    ``publish`` builds the indexes and renames the folder into place."""

    def __init__(
        self,
        root: Path,
        vocabulary: Sequence[str],
        dims: int,
        word_vectors: np.ndarray | ReadColumn | None = None,
    ) -> None:
        """``word_vectors``: the previous generation's, rows as ``vocabulary`` (kept, not recomputed;
        ``Store.word_vector_source``: read, not mapped)."""
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.root = root
        self.folder = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
        self.dims = dims
        self._vocabulary = Vocabulary(vocabulary)
        if isinstance(word_vectors, ReadColumn):
            shape: tuple[int, ...] = (len(word_vectors), word_vectors.width)
        else:
            shape = word_vectors.shape if word_vectors is not None else ()
        known = word_vectors is not None and shape == (len(vocabulary), dims)
        self._known_words = word_vectors if known else None
        self._ahead: list[np.ndarray] = []  # vectors of the terms ``new_terms`` gave, in order
        self._ahead_from = len(vocabulary) if known else 0  # the first term ``new_terms`` has not given
        folder = self.folder
        self._ids = StringsWriter(folder, "ids")
        self._texts = StringsWriter(folder, "texts")
        self._sections = StringsWriter(folder, "sections")
        self._doc_ids = StringsWriter(folder, "doc_ids")
        self._titles = StringsWriter(folder, "titles")
        self._chunk_docs = ColumnWriter(folder / "chunk_docs", np.int32)
        self._bounds = ColumnWriter(folder / "bounds", np.int64, 2)
        self._sentence_ends = ColumnWriter(folder / "sentence_ends", np.int64)
        self._spans = ColumnWriter(folder / "spans", np.int32, 2)
        self._vectors = ColumnWriter(folder / "vectors", np.int8, dims) if dims else None
        self._scales = ColumnWriter(folder / "scales", np.float32)
        self._term_ends = ColumnWriter(folder / "term_ends", np.int64)
        self._terms = ColumnWriter(folder / "terms", np.int32)
        self._sentence_words = StringsWriter(folder, "sentence_words")
        self._sentence_forms = StringsWriter(folder, "sentence_forms")
        self._whole = ColumnWriter(folder / "whole", np.uint8)
        self._documents = create(folder / "documents.jsonl")
        self.documents = 0

    def begin(self, entry: DocumentEntry) -> None:
        """A document embedded by this ingest: its chunks follow, in order (``add_chunk``)."""
        self._document(entry)

    def _document(self, entry: DocumentEntry) -> None:
        first = self._ids.rows
        self._documents.write((json.dumps(asdict(entry) | {"first": first}) + "\n").encode())
        self._doc_ids.append(entry.id)
        self._titles.append(entry.title)
        self.documents += 1

    def add(self, entry: DocumentEntry, chunks: Sequence[ChunkRow]) -> None:
        """A document and all of its chunks, in order."""
        self.begin(entry)
        for chunk in chunks:
            self.add_chunk(chunk)

    def add_chunk(self, chunk: ChunkRow) -> None:
        """The next chunk of the document begun last."""
        self._ids.append(chunk.id)
        self._texts.append(chunk.text)
        self._sections.append(chunk.sections)
        self._chunk_docs.append([self.documents - 1])
        self._bounds.append([chunk.start, chunk.end])
        self._terms.append(self._vocabulary.ids(chunk.text))
        self._term_ends.append([self._terms.rows])
        self._spans.append(chunk.spans)
        for start, end in chunk.spans.tolist():
            lowers, forms = analyse(chunk.text[start:end])
            self._sentence_words.append(lowers)
            self._sentence_forms.append(forms)
        # evidence sentences are some of ``sentence_spans``, in order: as many means the same
        self._whole.append([len(sentence_spans(chunk.text)) == len(chunk.spans)])
        if chunk.vectors is not None and len(chunk.vectors) == len(chunk.spans):
            rows, scales = quantise(chunk.vectors)
        else:
            rows, scales = np.zeros((len(chunk.spans), self.dims), np.int8), np.zeros(len(chunk.spans))
        if self._vectors is not None:
            self._vectors.append(rows)
        self._scales.append(scales)
        self._sentence_ends.append([self._spans.rows])

    def copy(self, store: Store, entry: DocumentEntry) -> None:
        """An unchanged document: its rows copied from the previous generation, nothing recomputed
        (read in ranges of rows, not through the maps: ``Source``)."""
        doc = self.documents
        self._document(entry)
        end = entry.first + entry.chunks
        for low in range(entry.first, end, COPY_ROWS):
            self._copy_rows(store.source, doc, low, min(low + COPY_ROWS, end))

    def _copy_rows(self, source: Source, doc: int, first: int, last: int) -> None:
        """Chunk rows ``first`` to ``last`` (excluded) of ``source``, all of document ``doc``."""
        for writer, strings in (
            (self._ids, source.ids), (self._texts, source.texts), (self._sections, source.sections)
        ):  # fmt: skip
            writer.append_block(*strings.block(first, last))
        self._chunk_docs.append(np.full(last - first, doc, dtype=np.int32))
        self._bounds.append(source.bounds.rows(first, last))
        low, sentence_ends = source.ends(source.sentence_ends, first, last)
        high = int(sentence_ends[-1])
        self._sentence_ends.append(sentence_ends - low + self._spans.rows)
        self._spans.append(source.spans.rows(low, high))
        self._sentence_words.append_block(*source.sentence_words.block(low, high))
        self._sentence_forms.append_block(*source.sentence_forms.block(low, high))
        self._whole.append(source.whole.rows(first, last))
        if self._vectors is not None:
            if source.vectors is not None and source.dims == self.dims:
                self._vectors.append(source.vectors.rows(low, high))
                self._scales.append(source.scales.rows(low, high))
            else:
                self._vectors.append(np.zeros((high - low, self.dims), np.int8))
                self._scales.append(np.zeros(high - low, np.float32))
        else:
            self._scales.append(np.zeros(high - low, np.float32))
        term_low, term_ends = source.ends(source.term_ends, first, last)
        self._term_ends.append(term_ends - term_low + self._terms.rows)
        self._terms.append(source.terms.rows(term_low, int(term_ends[-1])))

    def new_terms(self) -> list[str]:
        """The terms without a vector yet that no earlier call gave: an ingest embeds them on the
        model's thread while it goes on (``add_word_vectors``), not all at once in ``publish``."""
        terms = self._vocabulary.terms
        start, self._ahead_from = self._ahead_from, len(terms)
        return list(terms[start:])

    def add_word_vectors(self, vectors: np.ndarray) -> None:
        """The vectors of the terms ``new_terms`` gave, call by call in the same order."""
        self._ahead.append(vectors)

    def publish(self, generation: int, embedder: str, embed_words: Embed | None = None) -> Store:
        """Build the id and BM25 indexes (and, with ``embed_words``, the vocabulary's vectors), then
        move the folder to ``g<generation>`` (replacing a leftover of an ingest that died before
        recording that generation)."""
        writers: list[ColumnWriter | StringsWriter] = [
            self._ids, self._texts, self._sections, self._doc_ids, self._titles, self._chunk_docs,
            self._bounds, self._sentence_ends, self._spans, self._scales, self._term_ends, self._terms,
            self._sentence_words, self._sentence_forms, self._whole,
        ]  # fmt: skip
        for writer in [*writers, *([self._vectors] if self._vectors else [])]:
            writer.close()
        self._documents.close()
        folder = self.folder
        ids = ReadStrings(folder, "ids")  # read in blocks, not mapped (a map per row took 15 s at 100k)
        write_hash_index(folder, "ids", ids.all_raw())
        ids.close()
        self._vocabulary.write(folder)
        if embed_words is not None and self.dims:
            self._write_word_vectors(embed_words)
        term_ends = open_column(folder / "term_ends", np.int64)
        terms = ReadColumn(folder / "terms", np.int32)  # read block by block, not mapped
        build_lexical(folder, term_ends, terms, len(self._vocabulary))
        terms.close()
        meta = {
            "format": FORMAT, "generation": generation, "embedder": embedder, "dims": self.dims,
            "chunks": self._ids.rows, "documents": self.documents,
        }  # fmt: skip
        with create(folder / "meta.json") as out:
            out.write(json.dumps(meta).encode())
        final = generation_folder(self.root, generation)
        if final.exists():
            shutil.rmtree(final)
        os.rename(folder, final)
        return Store(final)

    def _write_word_vectors(self, embed: Embed) -> None:
        """A vector per vocabulary term: the previous generation's rows copied, then those embedded
        during the ingest (``add_word_vectors``), then the remaining terms embedded (the vocabulary
        only grows, so rows stay aligned with term ids)."""
        column = ColumnWriter(self.folder / "word_vectors", WORD_DTYPE, self.dims)
        terms = self._vocabulary.terms
        done = 0
        known = self._known_words
        if known is not None:
            for low in range(0, len(known), 65_536):
                high = min(low + 65_536, len(known))
                column.append(known.rows(low, high) if isinstance(known, ReadColumn) else known[low:high])
            done = len(known)
        for vectors in self._ahead:
            column.append(vectors)
            done += len(vectors)
        for low in range(done, len(terms), 65_536):
            column.append(embed(list(terms[low : low + 65_536])))
        column.close()

    def abandon(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def generation_folder(root: Path, generation: int) -> Path:
    return root / f"g{generation}"


def open_store(root: Path, generation: int, embedder: str) -> Store | None:
    """The store of ``generation``, if one was written for this embedder and is whole."""
    folder = generation_folder(root, generation)
    try:
        store = Store(folder)
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None
    return store if store.meta.get("embedder") == embedder else None


def prune(root: Path, keep: int) -> None:
    """Remove other generations and abandoned temporary folders (open maps stay valid on POSIX)."""
    if not root.exists():
        return
    for folder in root.iterdir():
        if folder.is_dir() and folder.name != f"g{keep}":
            shutil.rmtree(folder, ignore_errors=True)


def rows_of(texts: Iterable[tuple[str, str, int, int, str]]) -> list[ChunkRow]:
    """Chunks without stored sentence vectors (a rebuild from the collection)."""
    return [
        ChunkRow(i, text, start, end, spans_of(text), None, sections)
        for i, text, start, end, sections in texts
    ]
