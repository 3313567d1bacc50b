"""Bad input, faults and hostile text: the assistant keeps working, says what went wrong in one line,
and loses nothing.

Backend faults come from a scripted OpenAI-compatible server on 127.0.0.1 (tests/fault_server.py),
index faults from real processes (kill -9, two ingests at once) and a real ``chroma run`` server that
is stopped and started again.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Answer, Assistant, BackendError, ConfigError, QuestionError, StoreError
from assistant import ingest as ingest_module
from assistant.prompts import answer_messages
from assistant.settings import load_settings
from assistant.tokens import encoding, encoding_for_model

from .conftest import ARTICLE, ChromaServer, free_port
from .fault_server import FaultServer, Reply, answer, cut, malformed, slow, status

ASSISTANT = str(Path(sys.executable).with_name("assistant"))
KEY = "sk-test-SECRET-1234567890"
QUESTION = "When is the visit?"  # passes the evidence gate: the model is asked
ANSWER = "Takaichi and Trump agreed to coordinate for the visit to occur this spring [1]."
CUT = ANSWER + " Kyodo News suggested the trip could coincide with the cherry"
ARTICLE_TEXT = ARTICLE.read_text(encoding="utf-8")


def cli(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed ``assistant`` command, uncoloured and wide enough not to wrap a line."""
    return subprocess.run(
        [ASSISTANT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "500", **env},
        check=False,
        timeout=180,
    )


def assert_one_error_line(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr == f"error: {message}\n"


def model(url: str, index_dir: Path, **overrides: object) -> Assistant:
    """An assistant answering through the OpenAI-compatible server at ``url``."""
    options: dict[str, object] = {"max_retries": 2, "timeout": 5.0, **overrides}
    return Assistant(
        load_settings(index_dir=index_dir, backend="openai", base_url=url, api_key=KEY, **options)
    )


def chunks_of(index_dir: Path, corpus: Path) -> list[tuple[str, str, int, int]]:
    """Every chunk of an embedded index: (id, document, start, end), sorted."""
    assistant = Assistant(load_settings(index_dir=index_dir, corpus=[corpus]))
    return sorted((c.id, c.doc_id, c.start, c.end) for c in assistant.index.chunks())


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(answer(ANSWER)) as running:
        yield running


@pytest.fixture
def index(assistant: Assistant, shared_index: Path) -> Path:
    """The shared index of the bundled corpus, built."""
    assistant.ensure_ready()
    return shared_index


# -- questions ------------------------------------------------------------------------------------


LONG_QUESTION = ("When is the visit? " * 6000)[:100_000]


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "the question is empty"),
        ("  \t\n  ", "the question is empty"),
        ("\x01\x1b\x7f\x9b", "the question is empty"),
        (
            LONG_QUESTION,
            "the question is 26,316 tokens long; the limit is 500 (ASSISTANT_MAX_QUESTION_TOKENS)",
        ),
    ],
    ids=["empty", "white-space", "control-characters", "100k-characters"],
)
def test_cli_bad_questions_are_one_line_and_exit_2(question: str, message: str) -> None:
    assert_one_error_line(cli("ask", question), message)


def test_undecodable_bytes_in_a_question_are_harmless(assistant: Assistant, index: Path) -> None:
    # A command line in another encoding: Python hands the bytes over as lone surrogates.
    answer_ = assistant.ask("When is the visit? \udcff\udcfe")
    assert not answer_.refused and "spring" in answer_.text
    result = subprocess.run(
        [ASSISTANT.encode(), b"ask", b"When is the visit? \xff\xfe", b"--json"],
        capture_output=True,
        env={**os.environ, "ASSISTANT_INDEX_DIR": str(index)},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "spring" in json.loads(result.stdout)["text"]


def test_the_prompt_sent_to_a_model_stays_within_its_budget(server: FaultServer, index: Path) -> None:
    assistant = model(server.url, index)
    settings = assistant.settings
    tokens = encoding().encode_ordinary(ARTICLE_TEXT)
    suffix = " When is the visit?"
    room = settings.max_question_tokens - len(encoding().encode_ordinary(suffix))
    longest = encoding().decode(tokens[:room]) + suffix  # the article itself: it passes the gate
    assert len(encoding().encode_ordinary(longest)) <= settings.max_question_tokens

    asked = assistant.ask(longest)
    assert len(server.streamed_requests) == 1, "the question passed the evidence gate"
    request = server.streamed_requests[-1]["body"]
    model_encoding = encoding_for_model(settings.model)
    sent = sum(len(model_encoding.encode_ordinary(m["content"])) for m in request["messages"])
    frame = sum(len(model_encoding.encode_ordinary(m["content"])) for m in answer_messages("", {}))
    question = len(model_encoding.encode_ordinary(asked.question))
    assert sent <= frame + settings.context_tokens + question + 8, "sources packed to context_tokens"
    assert request["max_tokens"] == settings.max_answer_tokens
    # So a request never needs more than this many tokens of the model's context:
    assert sent + request["max_tokens"] <= frame + 8 + sum(
        (settings.context_tokens, settings.max_question_tokens, settings.max_answer_tokens)
    )

    server.script(answer(ANSWER))
    with pytest.raises(QuestionError, match="tokens long; the limit is 500"):
        assistant.ask(longest + " Is it this spring, or later?")
    assert not server.requests, "an over-long question never reaches the model"


def test_a_context_budget_smaller_than_a_chunk_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"context_tokens \(150\) must be at least chunk_tokens \(200\)"):
        load_settings(context_tokens=150)


# -- corpus ---------------------------------------------------------------------------------------

METACHARACTERS = "a $(touch PWNED); `touch PWNED` & 'q' \"x\" | y > z.txt"


def test_cli_ingest_names_every_skipped_file_and_indexes_the_rest(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("The vault code is 4321.", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a-original.txt").write_text("The museum opens at nine. Entry costs $12.", encoding="utf-8")
    (corpus / "b-copy.txt").write_text("The museum opens at nine. Entry costs $12.", encoding="utf-8")
    (corpus / METACHARACTERS).write_text("The bridge is 300 metres long.", encoding="utf-8")
    with (corpus / "huge.txt").open("wb") as big:  # 50 MB of text: skipped by its size, never read
        line = b"All work and no play makes Jack a dull boy.\n"
        big.write(line * (50 * 2**20 // len(line) + 1))
    (corpus / "blob.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (corpus / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (corpus / "vault.txt").symlink_to(outside / "secret.txt")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)

    result = cli("ingest", str(corpus))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("2 added, 0 updated, 0 unchanged, 0 removed")
    for name, reason in [
        ("b-copy.txt", "same content as a-original.txt"),
        ("huge.txt", "too large: 52.4 MB, over ASSISTANT_MAX_FILE_MB=10 (raise it to index this file)"),
        ("blob.txt", "binary, not text"),
        ("photo.png", "not a supported file type (.txt, .md, .pdf, .html, .htm, .docx, .rst)"),
        ("vault.txt", "symlink to outside the corpus"),
        ("elsewhere", "symlink to outside the corpus"),
    ]:
        assert f"skipped {corpus / name}: {reason}\n" in out, name

    chunks = chunks_of(Path(os.environ["ASSISTANT_INDEX_DIR"]), corpus)
    assert {doc_id for _, doc_id, _, _ in chunks} == {"a-original.txt", METACHARACTERS}
    assistant = Assistant(load_settings(corpus=[corpus]))
    assert assistant.search("How long is the bridge?")[0].doc_id == METACHARACTERS
    assert "4321" not in json.dumps([c.text for c in assistant.index.chunks()])
    assert not list(tmp_path.rglob("PWNED")) and not Path("PWNED").exists(), "a name is never run"
    (corpus / "huge.txt").unlink()  # 50 MB need not outlive the test


def test_an_empty_or_unreadable_corpus_leaves_the_index_intact(tmp_path: Path, corpus_dir: Path) -> None:
    Assistant(load_settings(corpus=[corpus_dir])).ingest()
    index_dir = Path(os.environ["ASSISTANT_INDEX_DIR"])
    before = chunks_of(index_dir, corpus_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    binary = tmp_path / "binary"
    binary.mkdir()
    (binary / "scan.txt").write_bytes(b"%PDF-1.7\x00\x00\x01binary")
    (binary / "scan.pdf").write_bytes(b"%PDF-1.7")

    assert_one_error_line(
        cli("ingest", str(empty)),
        f"no documents in {empty} "
        "(it reads .txt, .md, .pdf, .html, .htm, .docx, .rst and text files without a suffix)",
    )
    assert_one_error_line(
        cli("ingest", str(binary)),
        f"no readable documents in {binary} "
        "(skipped 2 files: binary, not text; not a readable PDF (Stream has ended unexpectedly))",
    )
    assert chunks_of(index_dir, corpus_dir) == before, "a failed ingest deletes nothing"
    assistant = Assistant()  # the corpus the index was last built from
    assert assistant.corpus() == [corpus_dir.resolve()]
    assert "spring" in assistant.ask(QUESTION).text, "and the index still answers"


def test_raising_max_file_mb_indexes_a_file_that_was_too_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ARTICLE, corpus / "article.txt")  # 5.8 KB
    (corpus / "note.txt").write_text("The museum opens at nine.", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "0.005")
    report = Assistant(load_settings(corpus=[corpus])).ingest()
    assert [(s.path.name, s.reason) for s in report.skipped] == [
        (
            "article.txt",
            "too large: 0.00585 MB, over ASSISTANT_MAX_FILE_MB=0.005 (raise it to index this file)",
        )
    ]
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "0.01")
    raised = Assistant(load_settings(corpus=[corpus]))
    assert not raised.index.is_fresh([corpus]), "a new limit makes the index stale by itself"
    assert not raised.ask(QUESTION).refused, "the next question indexes the file first"
    assert {c.doc_id for c in raised.index.chunks()} == {"article.txt", "note.txt"}


def test_a_file_changed_while_it_is_read_is_picked_up_by_the_next_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change is real, its timing is forced: the file is appended to right after it is read."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The museum opens at nine.", encoding="utf-8")
    read = ingest_module.read_document

    def read_then_change(ref: ingest_module.FileRef, max_bytes: int, read_noindex: bool) -> object:
        document = read(ref, max_bytes, read_noindex)
        with ref.path.open("a", encoding="utf-8") as file:
            file.write(" The museum closes at five.")
        return document

    with monkeypatch.context() as patched:
        patched.setattr(ingest_module, "read_document", read_then_change)
        report = Assistant(load_settings(corpus=[corpus])).ingest()
    assert report.warnings == [
        f"{corpus / 'note.txt'} changed while it was read: indexed the version read; "
        "ingest again to pick up the change"
    ]

    result = cli("ingest", str(corpus))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0 added, 1 updated, 0 unchanged, 0 removed")
    assistant = Assistant(load_settings(corpus=[corpus]))
    assert assistant.index.is_fresh([corpus])
    assert [c.text for c in assistant.index.chunks()] == [
        "The museum opens at nine. The museum closes at five."
    ]


def test_a_file_changed_during_embedding_is_picked_up_by_the_next_run(corpus_dir: Path) -> None:
    article = corpus_dir / ARTICLE.name

    def change(stage: str, done: int, total: int) -> None:
        if stage == "reading" and done == 1:
            with article.open("a", encoding="utf-8") as file:
                file.write("\nThe summit will be held in Osaka.")

    assistant = Assistant(load_settings(corpus=[corpus_dir]))
    report = assistant.ingest(progress=change)
    assert not report.warnings, "what was read was consistent"
    assert not assistant.index.is_fresh([corpus_dir]), "but the index knows it is behind the file"
    again = Assistant(load_settings(corpus=[corpus_dir]))
    answer_ = again.ask("Where will the summit be held?")
    assert not answer_.refused and "Osaka" in answer_.text


# -- backend faults -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "requests", "message"),
    [
        (
            status(429, retry_after=1),
            3,
            "rate limited (429) after retries: wait and try again, or raise ASSISTANT_MAX_RETRIES",
        ),
        (status(500), 3, "the server answered 500 after retries"),
        (slow(60), 3, "the server did not answer in time: raise ASSISTANT_TIMEOUT or check the server"),
        (malformed(), 1, "the server's reply was not valid OpenAI JSON (JSONDecodeError)"),
    ],
    ids=["429", "500", "slow", "malformed"],
)
def test_a_model_that_gives_no_usable_reply_is_retried_where_right_then_the_offline_reader_answers(
    server: FaultServer, index: Path, reply: Reply, requests: int, message: str
) -> None:
    server.script(reply)
    assistant = model(server.url, index, max_retries=2, timeout=1.0)
    items = list(assistant.stream(QUESTION))
    answer_ = items[-1]
    assert isinstance(answer_, Answer) and answer_.path == "fallback"
    assert (
        answer_.notice == f"The model failed ({server.url}: {message}); this is the offline reader's answer."
    )
    assert not answer_.refused and "spring" in answer_.text and answer_.citations
    assert " ".join(map(str, items[:-1])) == answer_.text, "the offline answer streams like any other"
    assert len(server.chat_requests) == requests
    if reply.status == 429:
        times = [r["time"] for r in server.chat_requests]
        assert all(b - a >= 0.95 for a, b in itertools.pairwise(times)), "Retry-After honoured"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            status(400),
            "the server refused the request (400): check ASSISTANT_MODEL; if the prompt is too long "
            "for the model, lower ASSISTANT_CONTEXT_TOKENS",
        ),
        (
            status(401, "Incorrect API key provided"),
            "the server rejected the API key (401): check OPENAI_API_KEY or ASSISTANT_API_KEY",
        ),
    ],
    ids=["400", "401"],
)
def test_a_setup_the_user_must_fix_is_one_clear_error(
    server: FaultServer, index: Path, reply: Reply, message: str
) -> None:
    server.script(reply)
    assistant = model(server.url, index, max_retries=2, timeout=1.0)
    items: list[str | Answer] = []
    with pytest.raises(BackendError) as caught:
        items.extend(assistant.stream(QUESTION))
    assert str(caught.value) == f"{server.url}: {message}"
    assert len(server.chat_requests) == 1, "not retried"
    assert not items


@pytest.mark.parametrize(
    "fault", [status(429, retry_after=1), status(500), slow(60)], ids=["429", "500", "slow"]
)
def test_a_passing_fault_is_retried_away(server: FaultServer, index: Path, fault: Reply) -> None:
    server.script(fault, answer(ANSWER))
    answer_ = model(server.url, index, max_retries=2, timeout=1.0).ask(QUESTION)
    assert answer_.text == ANSWER and answer_.citations
    assert len(server.chat_requests) == 2


def test_a_malformed_reply_to_a_follow_up_is_one_clear_error(server: FaultServer, index: Path) -> None:
    chat = model(server.url, index).chat()
    assert not chat.ask(QUESTION).refused
    for reply, kind in [
        (malformed(), "JSONDecodeError"),
        (malformed('{"choices": "none"}'), "AttributeError"),
    ]:
        server.script(reply)  # the follow-up is first made standalone: a plain (unstreamed) request
        with pytest.raises(BackendError) as caught:
            chat.ask("And when will she go?")
        assert str(caught.value) == f"{server.url}: the server's reply was not valid OpenAI JSON ({kind})"
    assert len(chat.history) == 1


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (cut(CUT, chunked=True), "connection lost"),
        (cut(CUT, chunked=False), "the stream ended early"),
        (cut(CUT, stall=60), "timed out"),
    ],
    ids=["connection-lost", "ended-early", "stalled"],
)
def test_a_cut_stream_raises_and_never_ends_in_an_answer(
    server: FaultServer, index: Path, reply: Reply, why: str
) -> None:
    server.script(reply)
    chat = model(server.url, index, timeout=2.0).chat()
    items: list[str | Answer] = []
    with pytest.raises(BackendError) as caught:
        items.extend(chat.stream(QUESTION))
    assert str(caught.value) == (
        f"{server.url}: the reply broke off before the answer was complete ({why}): ask again"
    )
    assert not any(isinstance(item, Answer) for item in items)
    assert all(isinstance(item, str) and item in ANSWER for item in items), "only verified sentences"
    assert chat.history == [] and chat.answers == [], "a cut answer is not remembered"
    assert len(server.chat_requests) == 1, "a reply that has begun is not silently asked again"

    server.script(answer(ANSWER))
    assert chat.ask(QUESTION).text == ANSWER, "the same assistant answers once the server is well"


def test_cli_cut_stream_prints_one_error_line_and_no_sources(server: FaultServer, index: Path) -> None:
    server.script(cut(CUT))
    result = cli(
        "ask", QUESTION, "--backend", "openai", "--base-url", server.url,
        ASSISTANT_INDEX_DIR=str(index), ASSISTANT_API_KEY=KEY,
    )  # fmt: skip
    assert_one_error_line(
        result,
        f"{server.url}: the reply broke off before the answer was complete (connection lost): ask again",
    )
    assert f"{ARTICLE.name}:" not in result.stdout, "no source list: nothing is presented as complete"


def test_a_missing_key_says_what_to_set(server: FaultServer, index: Path) -> None:
    """No key for a local server: the client sends a placeholder, and a server that wants one says 401."""
    server.script(status(401, "Missing API key"))
    assistant = Assistant(load_settings(index_dir=index, backend="openai", base_url=server.url))
    with pytest.raises(BackendError) as caught:
        assistant.ask(QUESTION)
    assert str(caught.value) == (
        f"{server.url}: the server rejected the API key (401): check OPENAI_API_KEY or ASSISTANT_API_KEY"
    )


def test_a_closed_port_is_one_clear_error(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    assistant = model(url, index, max_retries=1)
    assistant.ensure_ready()
    import assistant.backends.openai as backend_module

    def not_yet(*args: object) -> None:
        raise AssertionError("set-up work before the first request")

    with monkeypatch.context() as patched:  # building the backend touches neither client nor tokenizer
        patched.setattr(backend_module, "make_client", not_yet)
        patched.setattr(backend_module, "encoding_for_model", not_yet)
        assert assistant.backend.name == "openai"
    with pytest.raises(BackendError) as caught:
        assistant.ask(QUESTION)
    assert (
        str(caught.value)
        == f"{url}: cannot reach the server: is it running, and is ASSISTANT_BASE_URL right?"
    )


def test_the_connect_timeout_is_short_and_separate_from_the_read_timeout(index: Path) -> None:
    backend = model("http://127.0.0.1:9/v1", index, timeout=90, connect_timeout=1.5).backend
    timeout = backend._client.timeout  # type: ignore[attr-defined]
    assert (timeout.connect, timeout.read) == (1.5, 90)


@pytest.mark.parametrize(
    ("reply", "message", "requests"),
    [
        (status(500), "the server answered 500 after retries", 2),
        (answer("not an embedding"), "the server's reply was not valid OpenAI JSON (ValueError)", 1),
        (malformed("[]"), "the server's reply was not valid OpenAI JSON (AttributeError)", 1),
    ],
    ids=["500", "wrong-shape", "list"],
)
def test_embedding_faults_are_one_clear_error(
    server: FaultServer, tmp_path: Path, reply: Reply, message: str, requests: int
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bridge.txt").write_text("The bridge opened in 1932.", encoding="utf-8")
    server.script(reply)
    assistant = Assistant(
        load_settings(corpus=[corpus], embedder="openai", base_url=server.url, api_key=KEY, max_retries=1)
    )
    with pytest.raises(BackendError) as caught:
        assistant.ingest()
    assert str(caught.value) == f"embedding failed: {message}"
    assert len(server.requests) == requests
    assert not assistant.index.is_fresh([corpus])


# -- index faults ---------------------------------------------------------------------------------


def make_corpus(folder: Path, documents: int) -> Path:
    """Documents distinct enough to be indexed separately, each a few chunks long."""
    folder.mkdir()
    sentences = ARTICLE_TEXT.split(". ")
    for n in range(documents):
        text = ". ".join(f"Document {n} says: {s}" for s in sentences)
        (folder / f"doc{n}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_kill_9_from_outside_at_random_points_then_ingest_gives_a_clean_index(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    corpus = make_corpus(tmp_path / "corpus", documents=4)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    started = time.monotonic()
    assert cli("ingest", str(corpus), ASSISTANT_INDEX_DIR=str(clean)).returncode == 0
    duration = time.monotonic() - started

    rng = random.Random(20240607)
    landed = []
    for _ in range(4):
        process = subprocess.Popen(
            [ASSISTANT, "ingest", str(corpus)],
            env={**os.environ, "ASSISTANT_INDEX_DIR": str(killed)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        processes.append(process)
        delay = rng.uniform(0.3, 0.7 * duration)
        try:
            process.wait(delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            landed.append(round(delay, 2))
    assert len(landed) >= 2, f"the kills came too late to test anything: {landed}"

    result = cli("ingest", str(corpus), ASSISTANT_INDEX_DIR=str(killed))
    assert result.returncode == 0, result.stderr
    after = chunks_of(killed, corpus)
    assert after == chunks_of(clean, corpus), f"not a clean index after kills at {landed} s"
    assert len({chunk_id for chunk_id, *_ in after}) == len(after), "no duplicates"


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; any left running (or frozen) when it ends are killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.communicate()


def lock_is_held(path: Path) -> bool:
    if not path.exists():
        return False
    with path.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(file, fcntl.LOCK_UN)
        return False


def wait_until_stopped(process: subprocess.Popen[str]) -> None:
    """Until ``process`` is stopped (SIGSTOP is delivered asynchronously)."""
    deadline = time.monotonic() + 30
    stat = Path(f"/proc/{process.pid}/stat")
    while stat.read_text().rpartition(")")[2].split()[0] != "T":
        assert time.monotonic() < deadline, "SIGSTOP did not stop the process"
        time.sleep(0.001)


@pytest.mark.slow
def test_two_ingests_at_once_are_serialised_or_refused(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """Ingest A is frozen (SIGSTOP) while it holds the lock, so that B certainly meets it."""
    corpus = make_corpus(tmp_path / "corpus", documents=2)
    index_dir = tmp_path / "index"
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "NO_COLOR": "1", "COLUMNS": "500"}
    lock = index_dir / "assistant.ingest.lock"

    def start(**extra: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [ASSISTANT, "ingest", str(corpus)],
            env={**env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        return process

    def start_and_freeze_while_locked() -> subprocess.Popen[str]:
        """A, frozen holding the ingest lock but not the database lock: frozen mid-write, it makes B
        wait for that lock instead (test_a_process_stopped_mid_write_makes_the_others_wait...)."""
        first = start()
        deadline = time.monotonic() + 60
        while True:
            assert first.poll() is None and time.monotonic() < deadline, "A was never frozen outside a write"
            if lock_is_held(lock):
                first.send_signal(signal.SIGSTOP)
                wait_until_stopped(first)
                if not lock_is_held(index_dir / "database.lock"):
                    return first
                first.send_signal(signal.SIGCONT)
            time.sleep(0.01)

    # Refused: B gives up after ASSISTANT_LOCK_TIMEOUT and says why, in one line.
    first = start_and_freeze_while_locked()
    refused = cli("ingest", str(corpus), ASSISTANT_INDEX_DIR=str(index_dir), ASSISTANT_LOCK_TIMEOUT="0.5")
    first.send_signal(signal.SIGCONT)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert_one_error_line(
        refused,
        f"another ingest into {index_dir} is running (lock {lock}); waited 0.5 s: "
        "try again when it has finished",
    )

    # Serialised: B waits for A (and says so), then finds A's work done.
    shutil.rmtree(index_dir)
    first = start_and_freeze_while_locked()
    second = start()
    assert second.stderr is not None
    waiting = second.stderr.readline()  # blocks until B meets the lock (or ends)
    first.send_signal(signal.SIGCONT)
    assert waiting == (
        f"waiting for another ingest into {index_dir} to finish "
        f"(lock {lock}; up to 20 s, ASSISTANT_LOCK_TIMEOUT)\n"
    )
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert out.startswith("2 added, 0 updated, 0 unchanged, 0 removed")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert out.startswith("0 added, 0 updated, 2 unchanged, 0 removed"), "B did not redo A's work"
    chunks = chunks_of(index_dir, corpus)
    assert len({chunk_id for chunk_id, *_ in chunks}) == len(chunks)


def test_a_process_stopped_mid_write_makes_the_others_wait_a_bounded_time(
    index: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """Chroma's engine waits 1,000 s for SQLite's lock (chroma-core/chroma#7040), and opening an index
    writes (migrations): a writer stopped inside a transaction (Ctrl-Z, a debugger) would hang every
    process that opens the index, silently. Every write holds the database lock, so they wait for that
    instead, up to ASSISTANT_LOCK_TIMEOUT, and say why they stop."""
    lock = index / "database.lock"
    writer = textwrap.dedent(
        """
        import os, signal, sqlite3, sys
        import filelock
        lock = filelock.FileLock(sys.argv[1])
        lock.acquire()
        database = sqlite3.connect(sys.argv[2], isolation_level=None)
        database.execute("BEGIN IMMEDIATE")
        print("writing", flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)
        """
    )
    stopped = subprocess.Popen(
        [sys.executable, "-c", writer, str(lock), str(index / "chroma.sqlite3")],
        stdout=subprocess.PIPE,
        text=True,
    )
    processes.append(stopped)
    assert stopped.stdout is not None and stopped.stdout.readline() == "writing\n"
    waited = cli("ask", QUESTION, ASSISTANT_INDEX_DIR=str(index), ASSISTANT_LOCK_TIMEOUT="1")
    assert_one_error_line(
        waited,
        f"another process writing to {index} is running (lock {lock}); waited 1 s: "
        "try again when it has finished",
    )
    stopped.send_signal(signal.SIGCONT)
    stopped.kill()
    stopped.wait()
    answered = cli("ask", QUESTION, ASSISTANT_INDEX_DIR=str(index))
    assert answered.returncode == 0, answered.stderr
    assert "spring" in answered.stdout


@pytest.mark.slow
def test_two_processes_opening_a_new_index_at_once_both_succeed(tmp_path: Path) -> None:
    """Creating the database and the collection is serialised: neither process sees a half-made one."""
    script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from assistant.embeddings import make_embedder
        from assistant.index import Index
        from assistant.settings import load_settings
        root, start = Path(sys.argv[1]), float(sys.argv[2])
        embedder = make_embedder(load_settings())
        for n in range(8):
            while time.time() < start + n * 0.5:
                pass
            Index(load_settings(index_dir=root / str(n)), embedder)
        print("ok")
        """
    )
    start = time.time() + 6
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and out == "ok\n", err.strip().splitlines()[-1:]


@pytest.mark.slow
def test_a_chroma_server_that_goes_away_is_one_clear_error_and_comes_back(tmp_path: Path) -> None:
    chroma = ChromaServer(tmp_path / "chroma")
    chroma.start()
    try:
        assistant = Assistant(load_settings(chroma_url=chroma.url, collection="faults"))
        assert not assistant.ask(QUESTION).refused
        chroma.stop()
        for question in (QUESTION, "What did China do?"):
            with pytest.raises(StoreError) as caught:
                assistant.ask(question)
            message = str(caught.value)
            assert message.startswith(f"cannot query the Chroma server at {chroma.url}: ")
            assert "\n" not in message
        with pytest.raises(StoreError, match=f"Chroma server at {chroma.url}"):
            assistant.ingest()
        chroma.start()
        answer_ = assistant.ask(QUESTION)
        assert not answer_.refused and "spring" in answer_.text, "the same object works again"
        assert assistant.ingest().unchanged == 1
    finally:
        chroma.stop()


def test_the_cli_names_the_chroma_server_that_is_not_there(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = cli("ask", QUESTION, ASSISTANT_CHROMA_URL=url)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot connect to the Chroma server at {url}: ")
    assert result.stderr.count("\n") == 1


# -- security -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_api_key_never_appears_in_cli_output(server: FaultServer, index: Path) -> None:
    env = {"ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_API_KEY": KEY, "ASSISTANT_MAX_RETRIES": "1"}
    closed = f"http://127.0.0.1:{free_port()}/v1"
    server.script(status(401, f"Incorrect API key provided: {KEY}"))  # a server that echoes the key
    rejected = cli("ask", QUESTION, "--backend", "openai", "--base-url", server.url, **env)
    assert all(r["headers"]["authorization"] == f"Bearer {KEY}" for r in server.requests), "key was sent"
    server.script(status(500, f"internal error for key {KEY}"))
    failed = cli("ask", QUESTION, "--json", "--backend", "openai", "--base-url", server.url, **env)
    unreachable = cli(
        "chat", "--backend", "openai", "--base-url", closed, stdin=f"{QUESTION}\n/settings\n", **env
    )
    for result in (rejected, failed, unreachable):
        assert KEY not in result.stdout + result.stderr
        assert "SECRET" not in result.stdout + result.stderr
    assert_one_error_line(
        rejected,
        f"{server.url}: the server rejected the API key (401): check OPENAI_API_KEY or ASSISTANT_API_KEY",
    )
    assert failed.returncode == 0, failed.stderr
    assert json.loads(failed.stdout)["notice"] == (
        f"The model failed ({server.url}: the server answered 500 after retries); "
        "this is the offline reader's answer."
    )
    assert "cannot reach the server" in unreachable.stdout + unreachable.stderr
    assert "…7890" in unreachable.stdout, "/settings shows that a key is set, masked"


def test_the_api_key_never_appears_in_logs_errors_or_settings(
    server: FaultServer, index: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    closed = f"http://127.0.0.1:{free_port()}/v1"
    messages = []
    for url, reply in [
        (server.url, status(401, f"Incorrect API key provided: {KEY}")),
        (server.url, cut(CUT)),
        (closed, None),
    ]:
        if reply is not None:
            server.script(reply)
        assistant = model(url, index, max_retries=1)
        with pytest.raises(BackendError) as caught:
            assistant.ask(QUESTION)
        messages.append(str(caught.value))
    server.script(status(500, f"internal error for key {KEY}"))
    fell_back = model(server.url, index, max_retries=1).ask(QUESTION)
    assert fell_back.path == "fallback" and fell_back.notice
    messages.append(fell_back.model_dump_json())
    server.script(answer(ANSWER))
    answer_ = model(server.url, index).ask(QUESTION)
    settings = model(server.url, index).settings

    assert caplog.records, "the client's debug logging was captured"
    for text in [caplog.text, *messages, answer_.model_dump_json(), json.dumps(settings.public_dict())]:
        assert KEY not in text and "SECRET" not in text
    assert KEY not in repr(settings) and KEY not in str(settings)
    assert settings.public_dict()["api_key"] == "…7890"
    secret_url = load_settings(base_url="https://user:hunter2@models.example/v1")
    assert secret_url.public_dict()["base_url"] == "https://user:***@models.example/v1"


@pytest.mark.parametrize(
    "question",
    ["../../etc/passwd", "$(touch PWNED)", "`touch PWNED`; rm -rf / && echo done", "%s%n{0}{__class__}"],
)
def test_questions_are_only_ever_text(assistant: Assistant, question: str, tmp_path: Path) -> None:
    answer_ = assistant.ask(question)
    assert answer_.refused and answer_.question == question
    assert assistant.search(question) is not None
    assert not Path("PWNED").exists() and not list(tmp_path.rglob("PWNED"))
