"""The index against a real Chroma (embedded and ``chroma run``): incremental, idempotent, repairable,
and retrieval that finds passages by meaning and by exact names and numbers."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant import Assistant, StoreError
from assistant.ingestion import FIRST_WINDOW
from assistant.settings import load_settings

from .conftest import ARTICLE


def make(corpus: Path | list[Path], **overrides: object) -> Assistant:
    roots = corpus if isinstance(corpus, list) else [corpus]
    return Assistant(load_settings(corpus=roots, **overrides))


def stored(assistant: Assistant) -> dict[str, tuple[str, int, int]]:
    """Every chunk in the collection: id → (document, start, end)."""
    return {c.id: (c.doc_id, c.start, c.end) for c in assistant.index.chunks()}


def test_ingest_twice_gives_the_same_chunks(corpus_dir: Path) -> None:
    first = make(corpus_dir).ingest()
    assert (first.added, first.updated, first.unchanged, first.removed) == (1, 0, 0, 0)
    assert first.chunks == first.embedded > 1
    again = make(corpus_dir)
    before = stored(again)
    second = again.ingest()
    assert (second.added, second.updated, second.unchanged, second.removed) == (0, 0, 1, 0)
    assert second.embedded == 0 and second.chunks == first.chunks
    assert stored(again) == before


def test_edit_delete_and_add_are_applied_incrementally(corpus_dir: Path) -> None:
    (corpus_dir / "extra.md").write_text("# Extra\n\nThe museum opens at nine.", encoding="utf-8")
    assistant = make(corpus_dir)
    assistant.ingest()
    article = corpus_dir / ARTICLE.name
    article.write_text(article.read_text(encoding="utf-8") + "\nA new closing line.", encoding="utf-8")
    report = assistant.ingest()
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 1, 0)

    (corpus_dir / "extra.md").unlink()
    (corpus_dir / "third.txt").write_text("The bridge is 300 metres long.", encoding="utf-8")
    report = assistant.ingest()
    assert (report.added, report.updated, report.unchanged, report.removed) == (1, 0, 1, 1)
    documents = {doc_id for doc_id, _, _ in stored(assistant).values()}
    assert documents == {ARTICLE.name, "third.txt"}
    assert assistant.search("How long is the bridge?")[0].doc_id == "third.txt"
    # Nothing of the old version of the article survives.
    assert all(
        "A new closing line" in c.text or c.end <= len(article.read_text()) for c in assistant.index.chunks()
    )


def test_the_index_remembers_its_corpus(corpus_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "zoo.txt").write_text("The zoo has three pandas.", encoding="utf-8")
    Assistant().ingest([other])
    answer = Assistant().ask("How many pandas does the zoo have?")
    assert not answer.refused and answer.citations[0].doc_id == "zoo.txt"


def test_an_interrupted_ingest_is_repaired_by_the_next_one(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentences = ARTICLE.read_text(encoding="utf-8").split(". ")
    for n in range(3):  # more chunks than the first window: the kill comes half-way (checked below)
        (corpus / f"doc{n}.txt").write_text(
            ". ".join(f"Document {n} says: {s}" for s in sentences), encoding="utf-8"
        )
    index_dir = tmp_path / "index"
    # kill -9 itself half-way through embedding: no clean-up code runs
    script = textwrap.dedent(
        f"""
        import os, signal
        from assistant import Assistant
        from assistant.settings import load_settings
        def progress(stage, done, total):
            if stage == "embedding" and done:  # after the first window of chunks is in
                os.kill(os.getpid(), signal.SIGKILL)
        settings = load_settings(
            corpus=[{str(corpus)!r}], index_dir={str(index_dir)!r}, chunk_tokens=64, chunk_overlap=16
        )
        Assistant(settings).ingest(progress=progress)
        """
    )
    killed = subprocess.run([sys.executable, "-c", script], env=os.environ.copy(), check=False)
    assert killed.returncode == -signal.SIGKILL
    partial = Assistant(
        load_settings(corpus=[corpus], index_dir=index_dir, chunk_tokens=64, chunk_overlap=16)
    )
    assert not partial.index.is_fresh([corpus])
    repaired = partial.ingest()
    assert repaired.embedded > 0

    clean = Assistant(
        load_settings(corpus=[corpus], index_dir=tmp_path / "clean", chunk_tokens=64, chunk_overlap=16)
    )
    clean.ingest()
    assert len(stored(clean)) > FIRST_WINDOW, "the corpus is larger than the window the kill follows"
    assert stored(partial) == stored(clean), "same chunks as a clean run: no duplicates, no orphans"


def test_vectors_of_another_embedder_are_refused(corpus_dir: Path) -> None:
    make(corpus_dir).ingest()
    with pytest.raises(StoreError, match="holds vectors of 'minilm-l6-v2-int8'"):
        make(
            corpus_dir,
            embedder="openai",
            embedding_model="text-embedding-3-small",
            base_url="http://127.0.0.1:9/v1",
        ).index


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("When is the visit?", "agreed to coordinate for the visit to occur this spring"),
        # Two chunks tell of it ("…staging two days of military exercises off Taiwan", "China’s
        # military drills off Taiwan…"); either one first is right.
        ("What did China do?", r"military (exercises|drills) off Taiwan"),
        ("Kyodo", "Kyodo News"),
        ("$11 billion", r"\$11 billion arms sale"),
    ],
)
def test_retrieval_finds_passages_by_meaning_and_by_exact_words(
    assistant: Assistant, query: str, expected: str
) -> None:
    top = assistant.search(query)[0]
    assert re.search(expected, top.text)
    text = ARTICLE.read_text(encoding="utf-8")
    assert text[top.start : top.end] == top.text
    assert top.score > 0 and top.rank == 1


def test_passages_are_ranked_with_scores_and_locations(assistant: Assistant) -> None:
    passages = assistant.search("Kyodo", k=3)
    assert [p.rank for p in passages] == [1, 2, 3]
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert passages[0].lexical_score is not None and passages[0].vector_score is not None


def test_ingest_and_search_against_a_chroma_server(chroma_server: str, corpus_dir: Path) -> None:
    assistant = make(corpus_dir, chroma_url=chroma_server, collection="server-test")
    report = assistant.ingest()
    assert report.chunks > 1
    assert make(corpus_dir, chroma_url=chroma_server, collection="server-test").ingest().unchanged == 1
    top = assistant.search("When is the visit?")[0]
    assert "to occur this spring" in top.text
    answer = assistant.ask("What did China do?")
    assert "military exercises" in answer.text


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("assistant")), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **env},
        check=False,
        timeout=120,
    )


def test_cli_ingest_and_search(corpus_dir: Path) -> None:
    result = run_cli("ingest", str(corpus_dir))
    assert result.returncode == 0, result.stderr
    assert "1 added, 0 updated, 0 unchanged, 0 removed" in result.stdout
    result = run_cli("search", "Kyodo", "-k", "2", "--json")
    assert result.returncode == 0, result.stderr
    passages = json.loads(result.stdout)
    assert len(passages) == 2 and "Kyodo" in passages[0]["text"]
    assert {"doc_id", "start", "end", "score", "rank"} <= set(passages[0])
    human = run_cli("search", "$11 billion")
    assert f"{ARTICLE.name}:" in human.stdout and "score" in human.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("ingest", "/no/such/folder"), {}, "error: no such file or folder: /no/such/folder"),
        (("search", "x"), {"ASSISTANT_TOP_K": "0"}, "error: invalid setting ASSISTANT_TOP_K"),
        (("search", "   "), {}, "error: the question is empty"),
        (("ask", "x"), {"ASSISTANT_CHUNK_OVERLAP": "500"}, "error: invalid settings: chunk_overlap"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(args: tuple[str, ...], env: dict[str, str], message: str) -> None:
    result = run_cli(*args, **env)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_every_read_and_delete_is_paged(corpus_dir: Path) -> None:
    """With two rows per read, ingest, re-ingest, an edit that replaces every chunk (stale ids deleted
    in several statements) and search all see the whole collection: nothing is lost or read twice."""
    article = corpus_dir / ARTICLE.name
    paged = make(corpus_dir, page_size=2)
    first = paged.ingest()
    assert first.chunks > 4
    whole = stored(make(corpus_dir, page_size=5000))
    assert stored(paged) == whole and len(whole) == first.chunks
    assert make(corpus_dir, page_size=2).ingest().unchanged == 1

    article.write_text("A new first line.\n" + article.read_text(encoding="utf-8"), encoding="utf-8")
    edited = make(corpus_dir, page_size=2)
    report = edited.ingest()
    assert report.updated == 1 and report.chunks == len(stored(edited)) >= first.chunks
    assert not set(stored(edited)) & set(whole), "every old chunk id was deleted"
    assert "to occur this spring" in edited.search("When is the visit?")[0].text
