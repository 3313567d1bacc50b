"""The index never answers from the wrong corpus, notices lost data, says which corpus it answers from,
and is private: each probe with real processes, a real ``kill -9``, real files and a real ``chroma run``.

Corpora are a few files of a few KB; ``ASSISTANT_CHUNK_TOKENS=32`` makes ~50 chunks of one, so that
an ingest can be caught half-way (a batch is 64 chunks) in a second or two.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from rich.console import Console

from assistant import Assistant, CorpusError, StoreError, present
from assistant.embeddings.chroma import MiniLMChromaFunction
from assistant.repl import Repl
from assistant.settings import state_dir

from .conftest import ARTICLE, ChromaServer
from .test_faults import ASSISTANT, assert_one_error_line, cli, lock_is_held

BRIDGE = "How long is the bridge?"


@pytest.fixture
def index_dir() -> Path:
    return Path(os.environ["ASSISTANT_INDEX_DIR"])


@pytest.fixture
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many chunks from little text, here and in every child process."""
    monkeypatch.setenv("ASSISTANT_CHUNK_TOKENS", "32")
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP", "8")


def notes(folder: Path, articles: int = 0) -> Path:
    """Two one-line notes, and ``articles`` copies of the bundled article (~50 chunks each at 32)."""
    folder.mkdir()
    (folder / "bridge.txt").write_text("The bridge is 503 metres long. It opened in 1932.", encoding="utf-8")
    (folder / "museum.txt").write_text("The museum opens at nine. Entry costs $12.", encoding="utf-8")
    sentences = ARTICLE.read_text(encoding="utf-8").split(". ")
    for n in range(articles):
        text = ". ".join(f"Document {n} says: {s}" for s in sentences)
        (folder / f"doc{n}.txt").write_text(text, encoding="utf-8")
    return folder


# -- item 3: the corpus the index belongs to ----------------------------------------------------


def test_an_ask_during_a_first_ingest_follows_it_instead_of_rebuilding_the_bundled_article(
    tmp_path: Path, index_dir: Path
) -> None:
    """The ingest freezes itself (SIGSTOP) holding the lock, just before it embeds (not inside a SQLite
    write, which would block every reader), so that the question certainly meets it."""
    corpus = notes(tmp_path / "notes")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "500"}
    script = textwrap.dedent(
        """
        import os, signal, sys
        from assistant import Assistant
        def progress(stage, done, total):
            if stage == "embedding" and done == 0:
                os.kill(os.getpid(), signal.SIGSTOP)
        print(Assistant().ingest([sys.argv[1]], progress=progress).chunks)
        """
    )
    ingest = subprocess.Popen([sys.executable, "-c", script, str(corpus)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    ask = None
    try:
        os.waitpid(ingest.pid, os.WUNTRACED)  # until it has stopped itself
        assert lock_is_held(index_dir / "assistant.ingest.lock")
        ask = subprocess.Popen([ASSISTANT, "ask", BRIDGE], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        assert ask.stderr is not None
        assert ask.stderr.readline().startswith(f"waiting for another ingest into {index_dir} to finish")
        ingest.send_signal(signal.SIGCONT)
        out, err = ingest.communicate(timeout=120)
        assert (ingest.returncode, out) == (0, "2\n"), err
        out, err = ask.communicate(timeout=120)
        assert ask.returncode == 0, err
    finally:
        for process in (ingest, ask):
            if process and process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
                process.communicate()
    assert "503 metres" in out and "bridge.txt:" in out, "answered from the notes"
    after = Assistant().status()
    assert (after.corpus, after.documents, after.condition) == ([corpus.resolve()], 2, "fresh")


@pytest.mark.parametrize("before", ["no index", "another corpus"])
def test_kill_9_during_an_ingest_then_a_plain_ask_finishes_that_ingest(
    tmp_path: Path, index_dir: Path, tiny_chunks: None, before: str
) -> None:
    if before == "another corpus":
        zoo = tmp_path / "zoo"
        zoo.mkdir()
        (zoo / "zoo.txt").write_text("The zoo has three pandas.", encoding="utf-8")
        Assistant().ingest([zoo])
    corpus = notes(tmp_path / "notes", articles=2)
    script = textwrap.dedent(
        """
        import os, signal, sys
        from assistant import Assistant
        def progress(stage, done, total):
            if stage == "embedding" and 0 < done < total:  # the first batch is written, the rest is not
                os.kill(os.getpid(), signal.SIGKILL)
        Assistant().ingest([sys.argv[1]], progress=progress)
        """
    )
    killed = subprocess.run([sys.executable, "-c", script, str(corpus)], check=False)
    assert killed.returncode == -signal.SIGKILL

    recorded = json.loads((index_dir / "assistant.state.json").read_text(encoding="utf-8"))
    assert (recorded["state"], recorded["corpus"]) == ("building", [str(corpus.resolve())])
    result = cli("ask", BRIDGE)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"finishing the interrupted ingest of {corpus.resolve()}\n")
    assert "503 metres" in result.stdout and "bridge.txt:" in result.stdout
    after = Assistant().status(full=True)
    assert (after.corpus, after.documents, after.condition, after.problems) == (
        [corpus.resolve()],
        4,
        "fresh",
        [],
    ), "every document whole, nothing of the other corpus"


@pytest.mark.slow
def test_a_chroma_server_killed_mid_ingest_then_restarted_finishes_that_ingest(
    tmp_path: Path, tiny_chunks: None
) -> None:
    chroma = ChromaServer(tmp_path / "chroma")
    chroma.start()
    try:
        zoo = tmp_path / "zoo"
        zoo.mkdir()
        (zoo / "zoo.txt").write_text("The zoo has three pandas.", encoding="utf-8")
        Assistant(chroma_url=chroma.url).ingest([zoo])
        corpus = notes(tmp_path / "notes", articles=2)

        def kill_server(stage: str, done: int, total: int) -> None:
            if stage == "embedding" and 0 < done < total:
                chroma.kill()

        with pytest.raises(StoreError, match=f"cannot write the Chroma server at {chroma.url}"):
            Assistant(chroma_url=chroma.url).ingest([corpus], progress=kill_server)
        chroma.start()

        assistant = Assistant(chroma_url=chroma.url)
        assert assistant.corpus_roots == [corpus.resolve()]
        assert assistant.status().condition == "incomplete"
        assert "503 metres" in assistant.ask(BRIDGE).text
        after = assistant.status(full=True)
        assert (after.documents, after.condition, after.problems) == (4, "fresh", [])
        assert {c.doc_id for c in assistant.index.chunks()} == {
            "bridge.txt",
            "museum.txt",
            "doc0.txt",
            "doc1.txt",
        }
    finally:
        chroma.stop()


@pytest.mark.parametrize(
    ("size", "problem"),
    [
        (lambda n: 0, "the database has lost the 2 chunks recorded beside it"),
        (lambda n: n // 2, "database disk image is malformed"),
    ],
    ids=["0-bytes", "half"],
)
def test_a_truncated_database_is_one_clear_line_and_repair_rebuilds_it(
    tmp_path: Path, index_dir: Path, size: object, problem: str
) -> None:
    corpus = notes(tmp_path / "notes")
    Assistant().ingest([corpus])
    database = index_dir / "chroma.sqlite3"
    os.truncate(database, size(database.stat().st_size))  # type: ignore[operator]

    assert_one_error_line(
        cli("ask", BRIDGE),
        f"the index at {index_dir} is damaged ({problem}): run `assistant ingest --repair` to rebuild it "
        f"from {corpus.resolve()}",
    )
    repaired = cli("ingest", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert repaired.stdout.startswith("repaired: ")
    assert "2 added, 0 updated, 0 unchanged, 0 removed" in repaired.stdout
    answer = cli("ask", BRIDGE)
    assert answer.returncode == 0 and "503 metres" in answer.stdout


# -- item 4: lost data ----------------------------------------------------------------------------


def test_a_deleted_vector_segment_is_found_on_open_and_by_check_and_repaired(
    tmp_path: Path, index_dir: Path, tiny_chunks: None
) -> None:
    # Chroma persists its vector index, and empties its log, every `sync_threshold` chunks (1,000 by
    # default): at 10, 50 chunks lose their vectors with the folder as 7,798 do at the default.
    client = chromadb.PersistentClient(
        str(index_dir), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )
    client.create_collection(
        "assistant",
        embedding_function=MiniLMChromaFunction(),  # type: ignore[arg-type]
        configuration={"hnsw": {"space": "cosine", "sync_threshold": 10, "batch_size": 10}},
        metadata={"embedder": "minilm-l6-v2-int8"},
    )
    corpus = tmp_path / "notes"
    corpus.mkdir()
    shutil.copy(ARTICLE, corpus)
    chunks = Assistant().ingest([corpus]).chunks
    (segment,) = [p for p in index_dir.iterdir() if p.is_dir() and p.name != "derived"]
    shutil.rmtree(segment)

    asked = cli("ask", "When is the visit?")
    assert re.fullmatch(
        rf"error: the index at {re.escape(str(index_dir))} is damaged \(chunk \S+ has lost its vector\): "
        rf"run `assistant ingest --repair` to rebuild it from {re.escape(str(corpus.resolve()))}\n",
        asked.stderr,
    ), asked.stderr
    assert asked.returncode == 2
    check = cli("ingest", "--check")
    assert check.returncode == 2
    lost = re.search(rf"damaged \((\d+) of {chunks} chunks have lost their vectors, e\.g\. ", check.stderr)
    assert lost and chunks - 10 <= int(lost[1]) < chunks, "all but those in Chroma's log (10 at most)"
    repaired = cli("ingest", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert repaired.stdout.startswith(f"repaired: {lost[1]} of {chunks} chunks have lost their vectors")
    after = Assistant().status(full=True)
    assert (after.condition, after.problems, after.chunks) == ("fresh", [], chunks)


# -- item 7: privacy ------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["022", "000"])
def test_the_index_is_owner_only_whatever_the_umask(tmp_path: Path, index_dir: Path, umask: int) -> None:
    corpus = notes(tmp_path / "notes")
    later = [("ask", BRIDGE)] if umask == 0 else []  # a later process opening the index adds nothing wider
    for args in [("ingest", str(corpus)), *later]:
        result = subprocess.run([ASSISTANT, *args], umask=umask, capture_output=True, check=False)
        assert result.returncode == 0, result.stderr
    paths = [index_dir, *index_dir.rglob("*")]
    assert {p.name for p in paths} >= {"chroma.sqlite3", "assistant.state.json", "assistant.ingest.lock"}
    wider = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in paths
             if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)}  # fmt: skip
    assert not wider


def test_a_servers_lock_files_are_owner_only_and_the_umask_comes_back(chroma_server: str) -> None:
    previous = os.umask(0o000)
    try:
        Assistant(chroma_url=chroma_server, collection="private-locks").status()
        assert os.umask(0o000) == 0o000, "the user's umask is given back"
    finally:
        os.umask(previous)
    locks = state_dir() / "locks"
    assert stat.S_IMODE(locks.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in locks.iterdir()} == {0o600}


# -- issue 15: which corpus -----------------------------------------------------------------------


def test_status_the_chat_and_corpus_roots_say_which_corpus_and_ingest_bundled_goes_back(
    tmp_path: Path, index_dir: Path
) -> None:
    corpus = notes(tmp_path / "notes")
    Assistant().ingest([corpus])
    assistant = Assistant()
    assert assistant.corpus_roots == [corpus.resolve()] != assistant.settings.corpus
    shown = Console(record=True, width=500)
    Repl(assistant, present.Presenter(shown, Console(stderr=True)))._banner()
    assert f"corpus {corpus.resolve()} · 2 documents · 2 chunks · fresh\n" in shown.export_text()

    result = cli("status")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"index     {index_dir} · collection assistant"
    assert lines[1:3] == [
        f"corpus    {corpus.resolve()}",
        "contents  2 documents · 2 chunks · embedder minilm-l6-v2-int8",
    ]
    assert lines[3].startswith("built     ") and lines[3].endswith(" UTC · generation 1")
    assert lines[4] == "state     fresh"
    (corpus / "bridge.txt").write_text("The bridge is 504 metres long.", encoding="utf-8")
    assert Assistant().status().condition == "stale"

    bundled = cli("ingest", "--bundled")
    assert bundled.returncode == 0, bundled.stderr
    assert bundled.stdout.startswith("1 added, 0 updated, 0 unchanged, 2 removed")
    after = Assistant().status()
    assert (after.corpus, after.bundled, after.condition) == ([ARTICLE.parent.resolve()], True, "fresh")
    assert present.corpus_line(after) == "the bundled article"


def test_a_corpus_that_is_gone_says_what_to_run_never_falls_back(tmp_path: Path) -> None:
    corpus = notes(tmp_path / "notes")
    Assistant().ingest([corpus])
    corpus.rename(tmp_path / "moved")
    with pytest.raises(CorpusError) as caught:
        Assistant().ask(BRIDGE)
    assert str(caught.value) == (
        f"the index belongs to {corpus.resolve()}, which is not there: put it back, or run "
        "`assistant ingest PATH` (or `assistant ingest --bundled`) to answer from another corpus"
    )
