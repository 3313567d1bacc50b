"""Loading documents and cutting them into chunks: offsets exact, limits kept, bad files named."""

from __future__ import annotations

import itertools
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.embeddings import MiniLMEmbedder
from assistant.embeddings.base import _Cache
from assistant.errors import CorpusError
from assistant.index import chunker_for
from assistant.ingest import Chunker, load_corpus
from assistant.models import Document
from assistant.settings import load_settings
from assistant.text import sentence_spans

from .conftest import ARTICLE

MAX_BYTES = 10_000_000


def make_chunker(size: int = 200, overlap: int = 40) -> Chunker:
    return chunker_for(load_settings(chunk_tokens=size, chunk_overlap=overlap), MiniLMEmbedder.shared())


def as_document(text: str, doc_id: str = "doc.txt") -> Document:
    return Document(id=doc_id, title="doc", text=text, path=Path(doc_id), sha256="0", size=0, mtime_ns=0)


def check_chunks(doc: Document, chunker: Chunker) -> None:
    """The invariants every chunking must keep."""
    chunks = chunker.chunk(doc, "doc")
    assert chunks, "a document with text has at least one chunk"
    embedder = MiniLMEmbedder.shared()
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text
        counts = chunker.measure([chunk.text])[0]
        assert chunker.admits(counts), f"chunk over a limit: {counts}"
        assert chunk.tokens == counts[0]
        assert embedder.count_tokens([chunk.text])[0] <= embedder.max_tokens
    # Every non-space character of the document is in some chunk, in order.
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_article_chunks_keep_offsets_limits_and_sentences() -> None:
    doc = as_document(ARTICLE.read_text(encoding="utf-8"))
    chunker = make_chunker()
    check_chunks(doc, chunker)
    sentence_starts = {s.start for s in sentence_spans(doc.text)}
    sentence_ends = {s.end for s in sentence_spans(doc.text)}
    for chunk in chunker.chunk(doc, "doc"):
        assert chunk.start in sentence_starts, "chunks start at a sentence"
        assert chunk.end in sentence_ends, "chunks end at a sentence"


def test_consecutive_chunks_overlap_by_whole_sentences_within_budget() -> None:
    doc = as_document(ARTICLE.read_text(encoding="utf-8"))
    chunker = make_chunker(size=120, overlap=40)
    chunks = chunker.chunk(doc, "doc")
    overlapping = 0
    for before, after in itertools.pairwise(chunks):
        if after.start < before.end:
            overlapping += 1
            shared = doc.text[after.start : before.end]
            assert chunker.measure([shared])[0][0] <= 40 + 2
    assert overlapping >= len(chunks) // 2, "most neighbours share a sentence"


def test_a_sentence_longer_than_the_limit_is_cut_and_nothing_else_is() -> None:
    long_sentence = " ".join(f"word{i}" for i in range(600)) + "."
    text = f"A short opening sentence. {long_sentence} A short closing sentence."
    doc = as_document(text)
    chunker = make_chunker(size=64, overlap=0)
    check_chunks(doc, chunker)
    chunks = chunker.chunk(doc, "doc")
    assert chunks[0].text == "A short opening sentence." or chunks[0].text.startswith("A short opening")
    assert chunks[-1].text.endswith("A short closing sentence.")


def test_a_word_longer_than_the_limit_is_cut_by_characters() -> None:
    doc = as_document("Start. " + "x" * 5000 + " end.")
    check_chunks(doc, make_chunker(size=64, overlap=0))


@pytest.mark.parametrize("run", ["x" * 200_000, " ".join(["word"] * 40_000)])
def test_cutting_a_long_run_measures_each_character_a_bounded_number_of_times(run: str) -> None:
    """A 2 MB line with no sentence end (or no space) once made ingest hang: every piece cut from
    it measured the whole rest again. Counted, not timed: characters handed to the tokenizers stay
    within a constant times the text's length (it was hundreds of times)."""
    measured: list[int] = []
    chunker = make_chunker(size=64, overlap=0)
    counting = Chunker(
        limits=tuple(
            replace(
                limit, count=lambda texts, count=limit.count: measured.extend(map(len, texts)) or count(texts)
            )
            for limit in chunker.limits
        ),
        overlap=0,
    )
    doc = as_document(f"Start. {run} end.")
    check_chunks(doc, counting)
    assert sum(measured) < 60 * len(doc.text), sum(measured) / len(doc.text)


def test_the_embedder_limit_binds_when_it_is_tighter_than_the_chunk_size() -> None:
    # Digits cost many word pieces and few tiktoken tokens: the 254-piece ceiling must hold anyway.
    text = " ".join(f"{i:07d}-{i * 7:07d}" for i in range(400)) + "."
    check_chunks(as_document(text), make_chunker(size=1000, overlap=0))


sentences = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=300
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(sentences, min_size=1, max_size=12).map(lambda parts: ". ".join(parts) + "."),
    st.integers(min_value=32, max_value=300),
    st.integers(min_value=0, max_value=15),
)
def test_generated_text_keeps_every_invariant(text: str, size: int, overlap: int) -> None:
    if not text.strip(" ."):
        text = "Some text."
    check_chunks(as_document(text), make_chunker(size=size, overlap=overlap))


# -- loading ---------------------------------------------------------------------------------------


def test_documents_have_stable_ids_titles_and_exact_text(tmp_path: Path) -> None:
    (tmp_path / "notes" / "deep").mkdir(parents=True)
    (tmp_path / "a.txt").write_text("Alpha text.", encoding="utf-8")
    (tmp_path / "notes" / "deep" / "b.md").write_text("# Bravo heading\n\nBravo body.", encoding="utf-8")
    (tmp_path / "windows.txt").write_bytes(b"Line one.\r\nLine two.\r\n")
    corpus = load_corpus([tmp_path], MAX_BYTES)
    documents = {d.id: d for d in corpus.documents}
    assert set(documents) == {"a.txt", "notes/deep/b.md", "windows.txt"}
    assert documents["notes/deep/b.md"].title == "Bravo heading"
    assert documents["a.txt"].title == "a"
    assert documents["windows.txt"].text == "Line one.\r\nLine two.\r\n"
    again = load_corpus([tmp_path], MAX_BYTES)
    assert [d.sha256 for d in again.documents] == [d.sha256 for d in corpus.documents]


def test_bad_files_are_skipped_with_a_reason_that_names_them(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Readable.", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    (tmp_path / "empty.md").write_text("  \n\t", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("café crème".encode("latin-1"))
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "broken.txt").symlink_to(tmp_path / "missing-target.txt")
    corpus = load_corpus([tmp_path], MAX_BYTES)
    assert [d.id for d in corpus.documents] == ["good.txt"]
    reasons = {s.path.name: s.reason for s in corpus.skipped}
    assert reasons["binary.txt"].startswith("binary")
    assert reasons["empty.md"] == "empty"
    assert reasons["latin1.txt"].startswith("not UTF-8")
    assert reasons["image.png"].startswith("not a supported file type (.txt, .md, .pdf")
    assert reasons["broken.txt"].startswith("unreadable")


def test_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file or folder: .*nowhere"):
        load_corpus([tmp_path / "nowhere"], MAX_BYTES)


def test_symlinks_out_of_the_corpus_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Outside the corpus.", encoding="utf-8")
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "inside.txt").write_text("Inside.", encoding="utf-8")
    (corpus_dir / "link.txt").symlink_to(outside / "secret.txt")
    (corpus_dir / "linked-dir").symlink_to(outside, target_is_directory=True)
    corpus = load_corpus([corpus_dir], MAX_BYTES)
    assert [d.id for d in corpus.documents] == ["inside.txt"]
    assert any(s.reason == "symlink to outside the corpus" for s in corpus.skipped)


def test_duplicate_content_is_indexed_once(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("Same words.", encoding="utf-8")
    (tmp_path / "two.txt").write_text("Same words.", encoding="utf-8")
    corpus = load_corpus([tmp_path], MAX_BYTES)
    assert [d.id for d in corpus.documents] == ["one.txt"]
    assert corpus.skipped[0].reason == "same content as one.txt"


def test_files_over_the_size_limit_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 2000, encoding="utf-8")
    (tmp_path / "small.txt").write_text("Small.", encoding="utf-8")
    corpus = load_corpus([tmp_path], max_bytes=1000)
    assert [d.id for d in corpus.documents] == ["small.txt"]
    assert "too large" in corpus.skipped[0].reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_files_are_skipped(tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("Secret.", encoding="utf-8")
    locked.chmod(0)
    corpus = load_corpus([tmp_path], MAX_BYTES)
    assert corpus.skipped[0].reason.startswith("unreadable")


@pytest.mark.timeout(60)
def test_fifos_symlink_loops_and_utf16_neither_hang_nor_abort_the_ingest(tmp_path: Path) -> None:
    """A FIFO is never opened (it would block forever), a symlink loop is skipped, not fatal, and a
    UTF-16 file with a byte-order mark is read; each skip says why."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The bridge is 503 metres long.", encoding="utf-8")
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "loop-a.txt").symlink_to("loop-b.txt")
    (corpus / "loop-b.txt").symlink_to("loop-a.txt")
    (corpus / "wide.txt").write_bytes("The museum opens at noon.".encode("utf-16"))
    loaded = load_corpus([corpus], max_bytes=None)
    assert {d.id: d.text for d in loaded.documents} == {
        "note.txt": "The bridge is 503 metres long.",
        "wide.txt": "The museum opens at noon.",
    }
    assert {s.path.name: s.reason for s in loaded.skipped} == {
        "pipe.txt": "not a regular file (a FIFO, socket or device): not read",
        "loop-a.txt": "symlink loop: not followed",
        "loop-b.txt": "symlink loop: not followed",
    }


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_an_unreadable_folder_is_named(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "private").mkdir(parents=True)
    (corpus / "note.txt").write_text("The bridge is 503 metres long.", encoding="utf-8")
    (corpus / "private").chmod(0)
    try:
        loaded = load_corpus([corpus], max_bytes=None)
    finally:
        (corpus / "private").chmod(0o700)
    assert [(s.path.name, s.reason.split(" (")[0]) for s in loaded.skipped] == [
        ("private", "unreadable folder")
    ]


def test_the_embedding_cache_is_bounded_in_bytes_whatever_the_vector_width() -> None:
    """1,536-dimension vectors (OpenAI's) of every chunk an ingest embeds cannot fill memory."""
    cache = _Cache(budget=1 << 20)
    texts = [f"chunk {i} " * 40 for i in range(2_000)]  # 2,000 × (6 KB vector + text) ≈ 13 MB offered
    for start in range(0, len(texts), 128):
        batch = texts[start : start + 128]
        cache.put_many(batch, np.ones((len(batch), 1536), dtype=np.float32))
    kept = [t for t, v in zip(texts, cache.get_many(texts), strict=True) if v is not None]
    assert 0 < len(kept) * (1536 * 4 + len(texts[0])) <= 1 << 20
    assert kept == texts[-len(kept) :]  # the most recent stay
