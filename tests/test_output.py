"""What the ``assistant`` command prints, run as a user runs it (the installed command in a subprocess):

- no byte of a document, a file name, a question or a server reaches the terminal as a control
  sequence, while ``--json`` keeps the exact text;
- piped output is one line per paragraph with no trailing spaces; on a terminal, lines wrap at its
  width, at words, with continuation lines indented;
- while a model thinks, a terminal says which model it waits for; a pipe gets no spinner.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from assistant import Assistant

from .conftest import free_port
from .fault_server import FaultServer, held, slow

ASSISTANT = str(Path(sys.executable).with_name("assistant"))
TIMEOUT = 180  # seconds; generous: the machine may be busy
KEY = "sk-test-SECRET-1234567890"
ANSWER = "Takaichi and Trump agreed to coordinate for the visit to occur this spring [1]."

# The probe from the issue, byte for byte: an OSC 8 hyperlink to another site, a clear-screen.
BRIDGE = (
    b"The bridge is \x1b]8;;http://evil.example/\x1b\\503 metres\x1b]8;;\x1b\\ long.\n"
    b"The museum opens\x1b[2J\x1b[H at noon.\n"
)
# An OSC 52 clipboard write ended by BEL, C1 (8-bit) CSI and OSC, a bidi override, a zero-width space.
TOWER = (
    "Copy this \x1b]52;c;ZXZpbA==\x07 now. The tower is 40 metres tall.\n"
    "The gate is \x9b31mred\x9b0m and \x9d0;title\x9c green. The sign says \u202eLIVE\u202c here.\n"
    "The wall\u200b is 12 metres high.\n"
).encode()
NEWLINE_NAME = "tower\nnotes.txt"  # a file name that would split its source line
DANGEROUS = [c.encode() for c in ("\x1b", "\x07", "\x9b", "\x9c", "\x9d", "\u202e", "\u200b")]
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def environment(index: Path, **env: str) -> dict[str, str]:
    """The user's environment without assistant settings or a terminal size, and this index."""
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ASSISTANT_", "OPENAI_")) and k not in {"COLUMNS", "LINES"}
    }
    return {**kept, "NO_COLOR": "1", "TERM": "xterm", "ASSISTANT_INDEX_DIR": str(index), **env}


def run(*args: str, index: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[bytes]:
    """The installed command with its output captured as bytes: not a terminal."""
    return subprocess.run(
        [ASSISTANT, *args],
        input=stdin.encode() if stdin is not None else None,
        capture_output=True,
        env=environment(index, **env),
        check=False,
        timeout=TIMEOUT,
    )


def on_terminal(*args: str, index: Path, stream: str = "stdout", columns: int = 60, **env: str) -> list[str]:
    """The command with ``stream`` on a pseudo-terminal ``columns`` wide (the other one discarded);
    the lines the terminal received, escape sequences removed."""
    master, slave = pty.openpty()
    streams = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: slave}
    try:
        process = subprocess.Popen(
            [ASSISTANT, *args],
            stdin=subprocess.DEVNULL,
            env=environment(index, COLUMNS=str(columns), **env),
            **streams,  # type: ignore[arg-type]
        )
    finally:
        os.close(slave)
    received = b""
    deadline = time.monotonic() + TIMEOUT
    poller = select.poll()  # not select.select: it fails once the test process has 1,024 descriptors open
    poller.register(master, select.POLLIN)
    try:
        while poller.poll(max(0.0, deadline - time.monotonic()) * 1000):
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not data:
                break
            received += data
    finally:
        os.close(master)
    assert process.wait(timeout=TIMEOUT) is not None
    return ANSI.sub("", received.decode()).split("\r\n")


def assert_safe(result: subprocess.CompletedProcess[bytes]) -> None:
    for stream in (result.stdout, result.stderr):
        for byte in DANGEROUS:
            assert byte not in stream, (byte, stream)


def text(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the probe documents, built by ``assistant ingest``; its report is checked too."""
    root = tmp_path_factory.mktemp("probe")
    corpus = root / "probe"
    corpus.mkdir()
    (corpus / "bridge.txt").write_bytes(BRIDGE)
    (corpus / NEWLINE_NAME).write_bytes(TOWER)
    result = run("ingest", str(corpus), index=root / "index")
    assert_safe(result)
    assert re.fullmatch(
        r"2 added, 0 updated, 0 unchanged, 0 removed · 2 chunks in the index \(2 embedded\) · [\d.]+ s\n",
        text(result),
    ), "one line, not wrapped at 80 columns"
    return root / "index"


@pytest.fixture
def index(assistant: Assistant, shared_index: Path) -> Path:
    """The shared index of the bundled corpus, built."""
    assistant.ensure_ready()
    return shared_index


# -- terminal injection ---------------------------------------------------------------------------


def test_document_escapes_never_reach_the_terminal(probe: Path) -> None:
    bridge = run("ask", "How long is the bridge?", index=probe)
    assert_safe(bridge)
    out = text(bridge)
    assert "The bridge is 503 metres long" in out  # the sequences are gone, the words stay
    assert "[1] bridge.txt:0-64  “The bridge is 503 metres long.”" in out

    tower = run("ask", "How tall is the tower and how high is the wall?", index=probe)
    assert_safe(tower)
    assert "[1] tower\\nnotes.txt:" in text(tower)  # one line per source, the newline shown

    search = run("search", "What colour is the gate? Is the museum open?", "-k", "3", index=probe)
    assert_safe(search)
    out = text(search)
    assert "The museum opens at noon." in out
    assert "The gate is red and green." in out
    assert "The sign says LIVE here." in out
    assert "The wall is 12 metres high." in out
    assert re.search(r"^\d\. tower\\nnotes\.txt:\d+-\d+  score", out, re.MULTILINE)

    refusal = run("ask", "What is the capital of France?", index=probe)  # the closest passages
    assert_safe(refusal)
    assert "∅" in text(refusal)


def test_json_keeps_the_exact_text(probe: Path) -> None:
    passages = json.loads(text(run("search", "How long is the bridge?", "--json", index=probe)))
    assert BRIDGE.decode().strip() in [p["text"] for p in passages]
    answer = json.loads(text(run("ask", "How long is the bridge?", "--json", index=probe)))
    assert "\x1b]8;;http://evil.example/\x1b\\503 metres" in answer["citations"][0]["quote"]


def test_piped_chat_shows_the_questions_escapes_harmlessly(probe: Path) -> None:
    questions = "How long is the bridge?\n/sources\n/search museum\nWhen does the \x1b[2Jmuseum open?\x07\n"
    result = run("chat", index=probe, stdin=questions)
    assert_safe(result)
    out = text(result)
    assert "[1] bridge.txt:0-64  “The bridge is 503 metres long.”" in out
    assert "The museum opens at noon." in out
    assert "> When does the \\x1b[2Jmuseum open?\\x07" in out  # the echoed question, shown, not obeyed


# -- wrapping -------------------------------------------------------------------------------------


def test_piped_output_is_one_line_per_paragraph(probe: Path) -> None:
    """Nothing is wrapped at 80 columns when the output is not a terminal, and no line ends in a space."""
    search = text(run("search", "Tell me how long the bridge is and how tall the tower is.", index=probe))
    answer = text(run("ask", "How tall is the tower and how high is the wall?", index=probe))
    for out in (search, answer):
        lines = out.splitlines()
        assert all(line == line.rstrip() for line in lines), out
        assert max(map(len, lines)) > 80, out  # the long lines were left long
    search_lines = search.splitlines()
    assert len(search_lines) == 4, "a header and one line of text per passage (the probe has two)"
    for header in search_lines[::2]:
        assert re.fullmatch(r"\d\. \S+:\d+-\d+  score \d\.\d{4} · cosine \d\.\d{3} · bm25 \d\.\d{3}", header)


def test_on_a_terminal_lines_wrap_at_words_with_continuations_indented(index: Path) -> None:
    search = on_terminal("search", "$11 billion arms sale", "-k", "2", index=index)
    passage_lines = [line for line in search if line and not re.match(r"\d\. ", line)]
    assert len(passage_lines) > 4, "long passages take several lines"
    assert all(line.startswith("   ") and line[3] != " " for line in passage_lines), search
    scores = [line for line in search if "score" in line]
    assert len(scores) == 2, search
    assert all(re.search(r"score \d\.\d{4} · cosine \d\.\d{3} · bm25 \d\.\d{3}$", line) for line in scores), (
        "the scores are kept together"
    )

    answer = on_terminal("ask", "What did China do?", index=index)
    sources = answer[answer.index("") + 1 :]
    assert sources[0].startswith("[1] ")
    continuations = [line for line in sources if line and not re.match(r"\[\d\] ", line)]
    assert continuations, "quotes take several lines"
    assert all(line.startswith("    ") and line[4] != " " for line in continuations), sources

    for line in search + answer:
        assert len(line) <= 60, line
        assert line == line.rstrip(), line
    words = " ".join(answer[: answer.index("")]).split()
    assert "China’s" in words and "provocative" in " ".join(words), "words are never cut"


def test_an_error_on_a_terminal_wraps_at_words(index: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    lines = on_terminal(
        "ask", "When is the visit?", "--backend", "openai", "--base-url", url,
        index=index, stream="stderr", ASSISTANT_MAX_RETRIES="0", ASSISTANT_API_KEY=KEY,
    )  # fmt: skip
    start = max(i for i, line in enumerate(lines) if "error: " in line)
    error = [line.rpartition("\r")[2] for line in lines[start:] if line]
    assert error[0].startswith("error: ")
    assert len(error) > 1 and all(line.startswith("       ") for line in error[1:]), error
    assert all(len(line) <= 60 for line in error), error
    expected = f"error: {url}: cannot reach the server: is it running, and is ASSISTANT_BASE_URL right?"
    assert " ".join(line.strip() for line in error) == expected


# -- while a model thinks -------------------------------------------------------------------------


@pytest.fixture
def model_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def test_ask_on_a_terminal_says_which_model_it_waits_for(model_server: FaultServer, index: Path) -> None:
    model_server.script(held(ANSWER))
    child = pexpect.spawn(
        ASSISTANT,
        ["ask", "When is the visit?", "--backend", "openai", "--base-url", model_server.url],
        env=environment(index, ASSISTANT_API_KEY=KEY),
        dimensions=(24, 100),
        encoding="utf-8",
        timeout=TIMEOUT,
        use_poll=True,  # select() fails once the test process holds 1,024 descriptors (Chroma clients)
    )
    child.expect_exact(f"waiting for gpt-4o-mini at 127.0.0.1:{model_server.port}…")
    model_server.release()
    child.expect_exact("this spring [1].")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_pipe_gets_no_spinner(model_server: FaultServer, index: Path) -> None:
    model_server.script(slow(1.0, ANSWER))  # well past the moment a terminal would show one
    result = run(
        "ask", "When is the visit?", "--backend", "openai", "--base-url", model_server.url,
        index=index, ASSISTANT_API_KEY=KEY,
    )  # fmt: skip
    assert text(result).startswith(ANSWER)
    assert result.stderr == b""
