"""``assistant chat``: a terminal conversation with the documents (prompt_toolkit for input, rich for output).

A thin layer over ``Assistant`` and ``Conversation``: it reads a line, hands it to the library, and
prints what comes back with ``present``. No answering logic lives here. Interactive when both stdin
and stdout are terminals; otherwise it reads one question (or slash command) per line, so it can be
scripted: ``printf 'When is the visit?\\n' | assistant chat``.
"""

from __future__ import annotations

import difflib
import os
import sys
import termios
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.shortcuts import CompleteStyle

from . import present
from .core import Assistant
from .errors import AssistantError
from .settings import state_dir

PROMPT = "> "
CONTINUATION = "… "  # shown in front of the second and later lines of a multi-line question
HISTORY_MODE = 0o600  # questions can be private: only the user may read the history

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (usage, what it does)
    "/sources": ("/sources", "full quotes and locations behind the last answer"),
    "/search": ("/search QUERY", "the passages that best match QUERY, without answering"),
    "/reset": ("/reset", "start a new conversation (earlier turns are forgotten)"),
    "/ingest": ("/ingest [PATH]", "re-index the corpus, or index PATH instead"),
    "/settings": ("/settings", "backend, model, index and corpus (secrets masked)"),
    "/help": ("/help", "this help"),
    "/exit": ("/exit, /quit", "leave (so do Ctrl-D and Ctrl-C at an empty prompt)"),
}
EXIT_COMMANDS = {"/exit", "/quit"}
EXIT_WORDS = {"exit", "quit"}  # what people type anyway

KEYS = (
    "Enter sends the question; Esc then Enter (or Alt-Enter) starts a new line.\n"
    "↑/↓ recall earlier questions, Ctrl-R searches them, Tab completes /commands.\n"
    "Ctrl-C cancels an answer; at an empty prompt it leaves, as does Ctrl-D."
)


def run(assistant: Assistant) -> None:
    """Chat until the user leaves or input ends; library errors never end the session."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    repl = Repl(assistant, present.Presenter(), echo=not interactive)
    repl.start(banner=interactive)
    if interactive:
        _interactive(repl)
    else:
        _piped(repl, sys.stdin)


def _interactive(repl: Repl) -> None:
    """prompt_toolkit loop: Ctrl-C cancels what is running, Ctrl-D (or Ctrl-C on nothing) leaves."""
    session = _prompt_session(repl.history)
    while True:
        try:
            line = session.prompt(PROMPT)
        except KeyboardInterrupt:  # Ctrl-C with text typed: drop the line, prompt again
            continue
        except EOFError:  # Ctrl-D, or Ctrl-C at an empty prompt
            return
        try:
            with _typing_hidden():
                if not repl.handle(line):
                    return
        except KeyboardInterrupt:
            repl.show.cancelled()


@contextmanager
def _typing_hidden() -> Iterator[None]:
    """No echo while a line is handled: keys typed meanwhile (and the ^C of a cancel) would land in
    the middle of the answer. Typed text is kept for the next prompt, as in a shell."""
    try:
        saved = termios.tcgetattr(sys.stdin.fileno())
    except (termios.error, ValueError, OSError):  # not a terminal after all
        yield
        return
    quiet = list(saved)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, saved)


def _piped(repl: Repl, lines: Iterable[str]) -> None:
    """One question or command per line, blank lines skipped; returns at end of input."""
    for line in lines:
        if line.strip() and not repl.handle(line):
            return


class Repl:
    """What one line of input does. Kept apart from the input loop so both loops share it."""

    def __init__(self, assistant: Assistant, show: present.Presenter, echo: bool = False) -> None:
        self.assistant = assistant
        self.show = show
        self.echo = echo  # piped: repeat each question, so the output reads like a transcript
        self.conversation = assistant.chat()
        self.history_path = state_dir() / "history"
        self.history: History = InMemoryHistory()

    # -- start ---------------------------------------------------------------------------------

    def start(self, banner: bool = True) -> None:
        """Bring the index up to date (errors are reported, not fatal), then say hello."""
        if banner:
            self.history = self._open_history()
        try:
            with self.show.progress("opening the index") as progress:
                self.show.indexed(self.assistant.ensure_ready(progress))
        except AssistantError as exc:
            self.show.error(str(exc))
        if banner:
            self._banner()

    def _open_history(self) -> History:
        """The persistent history, private to the user; in memory when it cannot be written."""
        path = self.history_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, HISTORY_MODE))
            os.chmod(path, HISTORY_MODE)  # an older, wider file, or a umask that trimmed the mode
        except OSError as exc:
            self.show.hint(f"history is not saved: {path}: {exc.strerror or exc}")
            return InMemoryHistory()
        return FileHistory(str(path))

    def _banner(self) -> None:
        try:
            model = self._model()
        except AssistantError as exc:  # e.g. no API key: say so now, keep the REPL for /settings
            model = self.assistant.settings.model
            self.show.error(str(exc))
        status = None
        with suppress(AssistantError):  # an index that cannot be read was reported by start()
            status = self.assistant.status()
        self.show.banner(self.assistant.settings, model, status)

    def _model(self) -> str:
        return self.assistant.backend.model

    # -- one line ------------------------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """Run one line of input; False when the user asked to leave.

        Library errors become one red line and the session goes on. KeyboardInterrupt is left to the
        caller: interactively it cancels one answer, in a script it ends the run.
        """
        text = line.strip()
        if not text:
            return True
        if self.echo:
            self.show.echo(PROMPT, text)
        with present.reported_errors(self.show.error):  # a bug must not cost the user the session
            if text.startswith("/"):
                return self.command(text)
            if text.lower() in EXIT_WORDS:
                return False
            self.ask(text)
        return True

    def command(self, text: str) -> bool:
        """A slash command; False for /exit and /quit."""
        name, *rest = text.split(maxsplit=1)
        name, argument = name.lower(), rest[0].strip() if rest else ""
        if name in EXIT_COMMANDS:
            return False
        handlers: dict[str, Callable[[str], None]] = {
            "/help": self.help,
            "/sources": self.sources,
            "/reset": self.reset,
            "/search": self.search,
            "/ingest": self.ingest,
            "/settings": self.show_settings,
        }
        handler = handlers.get(name)
        if handler is None:
            self.unknown(name)
        else:
            handler(argument)
            self.show.line()
        return True

    # -- answering -----------------------------------------------------------------------------

    def ask(self, question: str) -> None:
        """Stream the verified sentences, then the sources; the conversation keeps the turn."""
        waiting = present.waiting_message(self.assistant.settings, self._model())
        stream = self.conversation.stream(question)
        try:
            answer = self.show.stream_answer(stream, waiting)
        finally:
            close = getattr(stream, "close", None)  # a generator: on Ctrl-C or an error, stop its work
            if close is not None:
                close()
        self.show.answer_details(answer, chat=True)
        self.show.line()

    # -- commands ------------------------------------------------------------------------------

    def help(self, _argument: str = "") -> None:
        self.show.help(COMMANDS, KEYS, self.history_path)

    def sources(self, _argument: str = "") -> None:
        if not self.conversation.answers:
            self.show.line("No answer yet: ask a question first.", style="yellow")
            return
        answer = self.conversation.answers[-1]
        if not (answer.citations or answer.evidence or answer.dropped):
            self.show.line("The last answer has no sources.", style="yellow")
            return
        self.show.sources(answer, full=True)

    def reset(self, _argument: str = "") -> None:
        self.conversation.reset()
        self.show.line("New conversation: earlier questions are forgotten.", style="dim")

    def search(self, query: str) -> None:
        if not query:
            self.show.hint("usage: /search QUERY")
            return
        self.show.passages(self.assistant.search(query))

    def ingest(self, path: str) -> None:
        paths = [_unquote(path)] if path else None
        with self.show.progress("reading the corpus") as progress:
            report = self.assistant.ingest(paths, progress=progress)
        self.show.ingest_report(report)

    def show_settings(self, _argument: str = "") -> None:
        """Every setting, secrets masked (``public_dict``), with the corpus and model actually in use."""
        data = self.assistant.settings.public_dict()
        with suppress(AssistantError):  # the index's recorded corpus, when it can be read
            data["corpus"] = [present.home(p) for p in self.assistant.corpus()]
        with suppress(AssistantError):  # the offline backend's model is not ASSISTANT_MODEL
            data["model"] = self._model()
        first = ["backend", "model", "base_url", "api_key", "corpus", "index_dir", "chroma_url"]
        names = [n for n in first if n in data] + sorted(n for n in data if n not in first)
        self.show.settings({name: data[name] for name in names})

    def unknown(self, name: str) -> None:
        close = difflib.get_close_matches(name, [*COMMANDS, "/quit"], n=1)
        suggestion = f"did you mean {close[0]}? " if close else ""
        self.show.hint(f"unknown command {name} — {suggestion}try /help")


# -- prompt_toolkit -------------------------------------------------------------------------------


def _prompt_session(history: History) -> PromptSession[str]:
    return PromptSession(
        history=history,
        key_bindings=_key_bindings(),
        completer=_SlashCompleter(),
        complete_while_typing=False,  # Tab completes /commands, listed below the line like readline
        complete_style=CompleteStyle.READLINE_LIKE,
        reserve_space_for_menu=0,
        prompt_continuation=lambda width, _line, _wrap: CONTINUATION.rjust(width),
        enable_history_search=False,  # ↑ walks all history; Ctrl-R searches it
    )


def _key_bindings() -> KeyBindings:
    """Esc-Enter (Alt-Enter) for a new line; Ctrl-C leaves only when there is nothing to lose."""
    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        empty = not event.current_buffer.text.strip()
        event.app.exit(exception=EOFError if empty else KeyboardInterrupt, style="class:aborting")

    return bindings


class _SlashCompleter(Completer):
    """Completes the command names, only at the start of a line that begins with ``/``."""

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        typed = document.text_before_cursor
        if not typed.startswith("/") or " " in typed or "\n" in typed:
            return
        for name, (_usage, what) in [*COMMANDS.items(), ("/quit", ("/quit", "leave"))]:
            if name.startswith(typed.lower()):
                yield Completion(name, start_position=-len(typed), display_meta=what)


# -- small helpers --------------------------------------------------------------------------------


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text
