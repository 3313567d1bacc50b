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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.shortcuts import CompleteStyle
from rich.console import Console
from rich.text import Text

from . import present
from .core import Assistant
from .errors import AssistantError
from .models import IngestProgress
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
    repl = Repl(assistant, present.console(), present.console(stderr=True), echo=not interactive)
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
            if not repl.handle(line):
                return
        except KeyboardInterrupt:
            repl.cancelled()


def _piped(repl: Repl, lines: Iterable[str]) -> None:
    """One question or command per line, blank lines skipped; returns at end of input."""
    for line in lines:
        if line.strip() and not repl.handle(line):
            return


class Repl:
    """What one line of input does. Kept apart from the input loop so both loops share it."""

    def __init__(self, assistant: Assistant, out: Console, err: Console, echo: bool = False) -> None:
        self.assistant = assistant
        self.out = out  # answers, sources, passages: what a script would capture
        self.err = err  # status, hints and errors
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
            with self._indexing("Opening the index…") as progress:
                report = self.assistant.ensure_ready(progress)
            line = present.indexed_line(report) if report else None
            if line:
                self.err.print(line, style="dim")
        except AssistantError as exc:
            self.error(str(exc))
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
            self.err.print(
                Text(f"history is not saved: {path}: {exc.strerror or exc}", style="yellow"), soft_wrap=True
            )
            return InMemoryHistory()
        return FileHistory(str(path))

    def _banner(self) -> None:
        settings = self.assistant.settings
        try:
            model = self.assistant.backend.model
        except AssistantError as exc:  # e.g. no API key: say so now, keep the REPL for /settings
            model = settings.model
            self.error(str(exc))
        line = Text("assistant chat", style="bold")
        line.append(f" · {settings.backend} backend · model {model}")
        self.out.print(line)
        with suppress(AssistantError):  # an index that cannot be read was reported by start()
            corpus = ", ".join(_home(p) for p in self.assistant.corpus())
            self.out.print(f"corpus {corpus} · {self.assistant.index.count()} chunks indexed", markup=False)
        self.out.print(
            Text("Ask about the documents. /help for commands; Esc Enter for a new line.", style="dim")
        )
        self.out.print()

    @contextmanager
    def _indexing(self, message: str) -> Iterator[IngestProgress]:
        """A spinner while the index is checked, counting chunks once embedding starts."""
        with self.err.status(message) as status:

            def progress(stage: str, done: int, total: int) -> None:
                if stage == "embedding" and total:
                    status.update(f"Indexing the corpus: {done}/{total} chunks…")

            yield progress

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
            self.out.print(Text(PROMPT + text, style="bold"), soft_wrap=True)
        with present.reported_errors(self.error):  # a bug must not cost the user the session
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
            self.out.print()
        return True

    # -- answering -----------------------------------------------------------------------------

    def ask(self, question: str) -> None:
        """Stream the verified sentences, then the sources; the conversation keeps the turn."""
        stream = self.conversation.stream(question)
        try:
            answer = present.stream_answer(self.out, stream)
        finally:
            close = getattr(stream, "close", None)  # a generator: on Ctrl-C or an error, stop its work
            if close is not None:
                close()
        if answer.standalone_question.strip() != answer.question.strip():
            self.out.print(Text(f"(read as: {answer.standalone_question})", style="dim"), soft_wrap=False)
        if answer.dropped:
            n = len(answer.dropped)
            self.out.print(
                Text(f"({n} sentence(s) removed by verification: /sources shows them)", style="dim")
            )
        if answer.citations or answer.evidence:
            self.out.print()
            present.print_sources(self.out, answer)
        self.out.print()

    # -- commands ------------------------------------------------------------------------------

    def help(self, _argument: str = "") -> None:
        self.out.print("Ask a question in plain words; follow-ups build on the earlier turns.")
        self.out.print()
        width = max(len(usage) for usage, _ in COMMANDS.values()) + 2
        for usage, what in COMMANDS.values():
            line = Text(f"  {usage:<{width}}", style="bold")
            line.append(what)
            self.out.print(line)
        self.out.print()
        self.out.print(KEYS, markup=False)
        self.out.print(Text(f"History: {_home(self.history_path)}", style="dim"))

    def sources(self, _argument: str = "") -> None:
        if not self.conversation.answers:
            self.out.print(Text("No answer yet: ask a question first.", style="yellow"))
            return
        answer = self.conversation.answers[-1]
        if not (answer.citations or answer.evidence or answer.dropped):
            self.out.print(Text("The last answer has no sources.", style="yellow"))
            return
        present.print_sources(self.out, answer, full=True)

    def reset(self, _argument: str = "") -> None:
        self.conversation.reset()
        self.out.print(Text("New conversation: earlier questions are forgotten.", style="dim"))

    def search(self, query: str) -> None:
        if not query:
            self.hint("usage: /search QUERY")
            return
        present.print_passages(self.out, self.assistant.search(query))

    def ingest(self, path: str) -> None:
        paths = [_unquote(path)] if path else None
        with self._indexing("Reading the corpus…") as progress:
            report = self.assistant.ingest(paths, progress=progress)
        present.print_ingest_report(self.out, report)

    def show_settings(self, _argument: str = "") -> None:
        """Every setting, secrets masked (``public_dict``), with the corpus actually in use."""
        data = self.assistant.settings.public_dict()
        with suppress(AssistantError):  # the index's recorded corpus, when it can be read
            data["corpus"] = [str(p) for p in self.assistant.corpus()]
        first = ["backend", "model", "base_url", "api_key", "corpus", "index_dir", "chroma_url"]
        names = [n for n in first if n in data] + sorted(n for n in data if n not in first)
        width = max(map(len, names)) + 2
        for name in names:
            line = Text(f"{name:<{width}}", style="bold")
            line.append(_show(data[name]))
            self.out.print(line)
        self.out.print(Text("Change them with ASSISTANT_<NAME> variables or a .env file.", style="dim"))

    def unknown(self, name: str) -> None:
        close = difflib.get_close_matches(name, [*COMMANDS, "/quit"], n=1)
        suggestion = f"did you mean {close[0]}? " if close else ""
        self.hint(f"unknown command {name} — {suggestion}try /help")

    # -- messages ------------------------------------------------------------------------------

    def error(self, message: str) -> None:
        self.err.print(Text(f"error: {message}", style="bold red"), soft_wrap=True)

    def hint(self, message: str) -> None:
        self.err.print(Text(message, style="yellow"), soft_wrap=True)

    def cancelled(self) -> None:
        self.err.print(Text("cancelled", style="yellow"))


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


def _home(path: Path) -> str:
    """``~/…`` for paths in the home directory: shorter, and fits 80 columns more often."""
    try:
        return "~/" + str(path.resolve().relative_to(Path.home()))
    except (ValueError, RuntimeError):  # elsewhere, or no home directory known
        return str(path)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _show(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
