"""``assistant chat``: the real REPL in a pseudo-terminal (pexpect), and piped, as a user runs it.

Each test gets its own index, state and data directories from ``conftest._isolated_env``; the child
inherits them through ``os.environ``. ``NO_COLOR`` keeps the output plain enough to match.
"""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from assistant.settings import state_dir

from .conftest import free_port

ASSISTANT = str(Path(sys.executable).with_name("assistant"))
TIMEOUT = 120  # a bound for a loaded machine (start-up alone took 27 s at load 16), never a wait
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


class Chat:
    """One ``assistant chat`` in a pseudo-terminal, driven line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.child = pexpect.spawn(
            ASSISTANT, ["chat"], env=env, dimensions=(40, 100), encoding="utf-8", timeout=TIMEOUT
        )
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
    return child_env()


@pytest.fixture
def hanging_server() -> Iterator[socket.socket]:
    """A loopback port that accepts connections and never answers: an answer that never comes."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.settimeout(TIMEOUT)
        yield server


def test_a_session_answers_follows_up_and_shows_sources(chat_env: dict[str, str]) -> None:
    history = state_dir() / "history"
    history.parent.mkdir(parents=True)
    history.write_text("\n# 2026-01-01 00:00:00\n+When is the visit?\n", encoding="utf-8")
    history.chmod(0o644)  # an older, too-open file: the REPL narrows it

    chat = Chat(chat_env)
    assert "indexed 1 document(s)" in chat.startup
    assert "offline backend" in chat.startup
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


def test_ctrl_c_at_an_empty_prompt_leaves(chat_env: dict[str, str]) -> None:
    chat = Chat(chat_env)
    chat.child.send("abc" + CTRL_C)  # with text typed, Ctrl-C only drops the line
    chat.wait()
    chat.child.send(CTRL_C)
    assert chat.ends() == 0
    history = state_dir() / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600  # created private


def test_ctrl_d_leaves(chat_env: dict[str, str]) -> None:
    chat = Chat(chat_env)
    chat.child.send(CTRL_D)
    assert chat.ends() == 0


def test_ctrl_c_cancels_an_answer_and_the_repl_goes_on(hanging_server: socket.socket) -> None:
    port = hanging_server.getsockname()[1]
    env = child_env(
        ASSISTANT_BACKEND="openai",
        ASSISTANT_BASE_URL=f"http://127.0.0.1:{port}/v1",
        ASSISTANT_MAX_RETRIES="0",
    )
    chat = Chat(env)
    chat.child.send("When is the visit?\r")
    connection, _ = hanging_server.accept()  # the answer is under way: the model is being asked
    with connection:
        chat.child.send(CTRL_C)
        cancelled = chat.wait()
    assert "cancelled" in cancelled
    assert "Traceback" not in cancelled
    assert LOCATION.search(chat.say("/search military drills"))  # the REPL goes on
    chat.child.send("/exit\r")
    assert chat.ends() == 0


def test_a_dead_server_is_one_error_line_and_the_repl_goes_on() -> None:
    key = "sk-test-0123456789abcdefWXYZ"
    env = child_env(
        ASSISTANT_BACKEND="openai",
        ASSISTANT_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",  # nothing listens there
        ASSISTANT_MAX_RETRIES="0",
        ASSISTANT_TIMEOUT="2",
        ASSISTANT_API_KEY=key,
    )
    chat = Chat(env)
    failed = chat.say("When is the visit?")
    assert failed.count("error:") == 1
    assert "cannot reach the server" in failed
    assert "Traceback" not in failed

    settings = chat.say("/settings")
    assert "openai" in settings
    assert "…WXYZ" in settings
    assert key not in settings
    chat.child.send("/exit\r")
    assert chat.ends() == 0


def piped(text: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ASSISTANT, "chat"],
        input=text,
        env=child_env(**extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_piped_questions_are_answered_one_per_line() -> None:
    result = piped("When is the visit?\n\n/unknown\nWhat did China do?\n")
    assert result.returncode == 0, result.stderr
    out = plain(result.stdout)
    assert "spring" in out
    assert "military exercises" in out or "drills" in out
    assert out.index("spring") < out.index("What did China do?")  # in order, each after its question
    assert "unknown command /unknown — try /help" in plain(result.stderr)
    assert "Traceback" not in result.stderr
    assert "\x1b[" not in result.stdout  # not a terminal: no escape sequences


def test_piped_follow_up_when_will_she_go() -> None:
    result = piped("Who invited Japan's prime minister?\nWhen will she go?\n")
    assert result.returncode == 0
    follow_up = plain(result.stdout).split("When will she go?", 1)[1]
    assert "spring" in follow_up.split("[1]", 1)[0]
