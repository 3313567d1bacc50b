"""``assistant chat``: the real REPL in a pseudo-terminal (pexpect), and piped, as a user runs it.

Each test gets its own index, state and data directories from ``conftest._isolated_env``; the child
inherits them through ``os.environ``. ``NO_COLOR`` keeps the output plain enough to match.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from assistant import Assistant
from assistant.settings import state_dir

from .conftest import free_port
from .fault_server import FaultServer, held
from .test_output import BRIDGE, NEWLINE_NAME, TOWER

ASSISTANT = str(Path(sys.executable).with_name("assistant"))
TIMEOUT = 120  # seconds: generous, the machine may be busy; a test never waits this long when it passes
ANSWER = "Takaichi and Trump agreed to coordinate for the visit to occur this spring [1]."
# prompt_toolkit switches bracketed paste on each time it starts waiting for a line: the prompt is up
READY = "\x1b[?2004h"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[=>]|[\r\x08]")
LOCATION = re.compile(r"trump-invites-takaichi\.txt:\d+-\d+")
UP, ESC_ENTER, CTRL_C, CTRL_D = "\x1b[A", "\x1b\r", "\x03", "\x04"


def plain(text: str) -> str:
    """Terminal output without escape sequences, lines joined: what a reader sees, unwrapped."""
    return " ".join(ANSI.sub("", text).split())


def child_env(**extra: str) -> dict[str, str]:
    # PROMPT_TOOLKIT_NO_CPR: pexpect does not answer cursor-position requests; without it
    # prompt_toolkit waits for the reply and then prints a warning.
    return dict(os.environ, NO_COLOR="1", PROMPT_TOOLKIT_NO_CPR="1", **extra)


def _ctrl_c_interrupts() -> None:
    """Give the chat Ctrl-C as a user's terminal does. A test run started as a background job of a
    non-interactive shell (``.ci/run … &``) ignores SIGINT, an ignored signal stays ignored across exec,
    and Python then installs no handler of its own: Ctrl-C would do nothing, and the cancel tests fail."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Chat:
    """One ``assistant chat`` in a pseudo-terminal, driven line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.child = pexpect.spawn(
            ASSISTANT,
            ["chat"],
            env=env,
            dimensions=(40, 100),
            encoding="utf-8",
            timeout=TIMEOUT,
            use_poll=True,  # select() fails once the test process holds 1,024 descriptors (Chroma clients)
            preexec_fn=_ctrl_c_interrupts,
        )
        self.transcript = io.StringIO()  # every character the terminal received, escapes and all
        self.child.logfile_read = self.transcript
        self.startup = self.wait()

    def wait(self) -> str:
        """Everything printed until the prompt is back, as plain text."""
        self.child.expect_exact(READY)
        return plain(self.child.before)

    def say(self, line: str) -> str:
        self.child.send(line + "\r")
        return self.wait()

    def ends(self) -> int:
        """Wait for the process to end; its exit status."""
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.signalstatus is None
        return int(self.child.exitstatus)


@pytest.fixture
def chat_env() -> dict[str, str]:
    """A fresh index: the chat builds it on start."""
    return child_env()


@pytest.fixture
def built(assistant: Assistant, shared_index: Path) -> dict[str, str]:
    """The session's index of the bundled corpus, already built: a test that is not about indexing
    does not wait for it (the chat only reads it)."""
    assistant.ensure_ready()
    return {"ASSISTANT_INDEX_DIR": str(shared_index)}


@pytest.fixture
def model_server() -> Iterator[FaultServer]:
    """An OpenAI-compatible server on loopback whose replies the test scripts (and holds)."""
    with FaultServer() as server:
        yield server


def test_a_session_answers_follows_up_and_shows_sources(chat_env: dict[str, str]) -> None:
    history = state_dir() / "history"
    history.parent.mkdir(parents=True)
    history.write_text("\n# 2026-01-01 00:00:00\n+When is the visit?\n", encoding="utf-8")
    history.chmod(0o644)  # an older, too-open file: the REPL narrows it

    chat = Chat(chat_env)
    assert "indexed 1 document, 7 chunks in" in chat.startup
    assert "offline backend · model extractive" in chat.startup
    assert "corpus the bundled article · 1 document · 7 chunks · fresh" in chat.startup  # no machine path
    assert "/help" in chat.startup

    assert "spring" in chat.say(UP)  # ↑ recalls the question saved by an earlier session
    china = chat.say("What did China do?")
    assert "military exercises" in china or "drills" in china
    assert LOCATION.search(china)

    chat.say("Who invited Japan's prime minister?")
    follow_up = chat.say("When will she visit?")
    assert "spring" in follow_up
    assert "read as: When will she visit? (Who invited Japan's prime minister?)" in follow_up

    sources = chat.say("/sources")
    assert LOCATION.search(sources)
    assert "“" in sources
    assert "…”" not in sources  # quotes in full, not shortened

    assert "New conversation" in chat.say("/reset")
    assert "No answer yet" in chat.say("/sources")

    unknown = chat.say("/foo")
    assert "unknown command /foo — try /help" in unknown
    assert "Esc then Enter" in chat.say("/help")  # still there after the unknown command
    assert re.search(r"model +extractive", chat.say("/settings")), "the model in use, as in the banner"

    multi_line = chat.say("Tell me:" + ESC_ENTER + "When is the visit?")
    assert "… When is the visit?" in multi_line  # shown on a continuation line
    assert "spring" in multi_line

    chat.child.send("/exit\r")
    assert chat.ends() == 0

    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    saved = history.read_text(encoding="utf-8")
    assert "+What did China do?" in saved
    assert "+Tell me:\n+When is the visit?" in saved
    assert "Traceback" not in chat.child.before


def test_ctrl_c_at_an_empty_prompt_leaves(built: dict[str, str]) -> None:
    chat = Chat(child_env(**built))
    chat.child.send("abc" + CTRL_C)  # with text typed, Ctrl-C only drops the line
    chat.wait()
    chat.child.send(CTRL_C)
    assert chat.ends() == 0
    history = state_dir() / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600  # created private


def test_ctrl_d_leaves(built: dict[str, str]) -> None:
    chat = Chat(child_env(**built))
    chat.child.send(CTRL_D)
    assert chat.ends() == 0


def test_while_the_model_thinks_the_chat_says_so_and_typing_waits(
    model_server: FaultServer, built: dict[str, str]
) -> None:
    env = child_env(
        **built,
        ASSISTANT_BACKEND="openai",
        ASSISTANT_BASE_URL=model_server.url,
        ASSISTANT_API_KEY="sk-test-0123456789abcdefWXYZ",
        ASSISTANT_MAX_RETRIES="0",
    )
    chat = Chat(env)
    waiting = f"waiting for gpt-4o-mini at 127.0.0.1:{model_server.port}…"

    model_server.script(held(ANSWER))
    chat.child.send("When is the visit?\r")
    chat.child.expect_exact(waiting)  # the model is slow: the chat says what it waits for
    chat.child.send("/sources")  # typed during the answer: not echoed into it
    model_server.release()
    answered = chat.wait()
    assert "this spring [1]" in answered
    assert "/sources" not in answered
    chat.child.expect_exact("/sources")  # the typed text is at the next prompt
    assert "“" in chat.say("")

    model_server.script(held(ANSWER))
    chat.child.send("When is the visit?\r")
    chat.child.expect_exact(waiting)
    model_server.wait_for_requests(1)  # the chat is waiting on the (held) model, not still retrieving
    chat.child.send("abc")
    chat.child.send(CTRL_C)
    cancelled = chat.wait()
    assert re.search(r"(^|\n)cancelled\r?\n", ANSI.sub("", chat.child.before))  # on a line of its own
    assert "^C" not in cancelled
    assert "abc" not in cancelled
    assert "Traceback" not in cancelled
    assert "score" in chat.say("/search military drills")  # the REPL goes on; "abc" was dropped
    chat.child.send("/exit\r")
    assert chat.ends() == 0


def test_a_dead_server_is_one_error_line_and_the_repl_goes_on(built: dict[str, str]) -> None:
    key = "sk-test-0123456789abcdefWXYZ"
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    env = child_env(
        **built,
        ASSISTANT_BACKEND="openai",
        ASSISTANT_BASE_URL=url,
        ASSISTANT_MAX_RETRIES="0",
        ASSISTANT_TIMEOUT="2",
        ASSISTANT_API_KEY=key,
    )
    chat = Chat(env)
    failed = chat.say("When is the visit?")
    assert failed.count("error:") == 1
    assert "Traceback" not in failed
    screen = ANSI.sub("", chat.child.before)
    error = list(itertools.takewhile(bool, screen[screen.index("error: ") :].split("\n")))
    assert len(error) == 2 and error[1].startswith("       "), "wrapped at a word, continuation indented"
    assert all(len(line) <= 100 for line in error)
    message = f"error: {url}: cannot reach the server: is it running, and is ASSISTANT_BASE_URL right?"
    assert " ".join(line.strip() for line in error) == message

    settings = chat.say("/settings")
    assert "openai" in settings
    assert "…WXYZ" in settings
    assert key not in settings
    chat.child.send("/exit\r")
    assert chat.ends() == 0


def test_document_escapes_never_reach_the_terminal(tmp_path: Path) -> None:
    corpus = tmp_path / "probe"
    corpus.mkdir()
    (corpus / "bridge.txt").write_bytes(BRIDGE)
    (corpus / NEWLINE_NAME).write_bytes(TOWER)
    chat = Chat(child_env(ASSISTANT_CORPUS=str(corpus)))
    assert "503 metres long" in chat.say("How long is the bridge?")
    assert "The bridge is 503 metres long." in chat.say("/sources")
    search = chat.say("/search What colour is the gate? Is the museum open?")
    assert "tower\\nnotes.txt:" in search
    assert "The gate is red and green." in search
    chat.child.send("/exit\r")
    assert chat.ends() == 0
    received = chat.transcript.getvalue()
    for sequence in ["\x1b]", "\x07", "\x1b[2J", "\x9b", "\x9c", "\x9d", "\u202e", "\u200b"]:
        assert sequence not in received, sequence


def piped(text: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ASSISTANT, "chat"],
        input=text,
        env=child_env(**extra),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_piped_questions_are_answered_one_per_line(built: dict[str, str]) -> None:
    result = piped("When is the visit?\n\n/unknown\nWhat did China do?\n", **built)
    assert result.returncode == 0, result.stderr
    out = plain(result.stdout)
    assert "spring" in out
    assert "military exercises" in out or "drills" in out
    assert out.index("spring") < out.index("What did China do?")  # in order, each after its question
    assert "unknown command /unknown — try /help" in plain(result.stderr)
    assert "Traceback" not in result.stderr
    assert "\x1b[" not in result.stdout  # not a terminal: no escape sequences


def test_piped_follow_up_when_will_she_go(built: dict[str, str]) -> None:
    result = piped("Who invited Japan's prime minister?\nWhen will she go?\n", **built)
    assert result.returncode == 0
    follow_up = plain(result.stdout).split("When will she go?", 1)[1]
    assert "spring" in follow_up.split("[1]", 1)[0]
