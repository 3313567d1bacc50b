"""Stage 6: how answers, sources, passages, ingest reports, progress, status lines and errors look.

The command line and the chat print through one ``Presenter``, so what they show alike is written
once. It holds two consoles: ``out`` for what a script would capture (answers, sources, passages,
reports) and ``err`` for progress, status, hints and errors, and knows of each whether it is a
terminal and how wide it is. On a terminal, text wraps at its width with continuation lines indented,
and live displays (a progress bar, a spinner) come and go; elsewhere a paragraph is one line, never
hard-wrapped, progress is an occasional log line and spinners are not shown.

Every string that came from a document, a file name, a question or a server goes through
``sanitize`` on its way out: no byte of it reaches the terminal as a control. Colour follows rich's
rules: none when ``NO_COLOR`` is set or the output is not a terminal.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from .errors import AssistantError
from .ingest import UNSUPPORTED
from .live import Later, ProgressBar, ProgressLog, Spinner
from .models import Answer, Citation, Explanation, IndexStatus, IngestReport, Passage, Progress, locate
from .sanitize import safe_line, safe_text
from .settings import Settings
from .text import flatten

QUOTE_WIDTH = 160  # characters of a quote shown in the compact source list
REFUSAL_MARK = "∅"
SPINNER_DELAY = 0.3  # seconds before a spinner or bar appears: quick work leaves no flicker


def console(stderr: bool = False) -> Console:
    """A console for stdout or stderr: wrapped at the terminal's width, or never when piped."""
    made = Console(stderr=stderr, highlight=False, markup=False, emoji=False)
    made.soft_wrap = not made.is_terminal
    return made


def shorten(text: str, width: int = QUOTE_WIDTH) -> str:
    text = flatten(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def location(citation: Citation | Passage) -> str:
    """Where a quote or passage is: the document, the page or heading a person would look up (``report.pdf
    p. 12``, ``notes.docx § Budget``), and the character offsets that the check used."""
    section = (
        citation.section if isinstance(citation, Citation) else locate(citation.sections, citation.start)
    )
    return f"{citation.doc_id}{f' {section}' if section else ''}:{citation.start}-{citation.end}"


LISTED_UNSUPPORTED = 3
"""Files of a type it does not read that an ingest names one by one; more (a documentation build's
fonts, images, scripts and styles) are counted by type in one line."""


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def home(path: Path) -> str:
    """``~/…`` for paths in the home directory: shorter, and the same on every machine."""
    try:  # absolute, but symlinks not followed: a skipped link is named as the link
        return "~/" + str(Path(os.path.abspath(path.expanduser())).relative_to(Path.home()))
    except (ValueError, RuntimeError):  # elsewhere, or no home directory known
        return str(path)


def waiting_message(settings: Settings, model: str) -> str:
    """What the spinner says while a backend drafts: which model, on which server."""
    if settings.backend == "offline":
        return "answering…"
    host = urlsplit(settings.base_url).netloc.rpartition("@")[2] if settings.base_url else "api.openai.com"
    return safe_line(f"waiting for {model} at {host}…")


class ParagraphWriter:
    """Streamed sentences as one paragraph: wrapped at the terminal's width, or one line when piped.

    rich wraps each ``print`` on its own, not knowing where the previous one ended, so sentences
    printed as they arrive would break lines in the wrong places; this keeps track of the column.
    """

    def __init__(self, out: Console) -> None:
        self.out = out
        self.width = max(20, out.width) if out.is_terminal else None
        self.column = 0

    def write(self, text: str) -> None:
        pieces: list[str] = []
        for i, line in enumerate(safe_text(text).split("\n")):
            if i:
                pieces.append("\n")
                self.column = 0
            for word in line.split():
                size = cell_len(word)
                if self.column and self.width and self.column + 1 + size > self.width:
                    pieces.append("\n")
                    self.column = 0
                elif self.column:
                    pieces.append(" ")
                    self.column += 1
                pieces.append(word)
                self.column += size
        self.out.print("".join(pieces), end="", soft_wrap=True)

    def end(self) -> None:
        """Finish the paragraph's line, if one was started."""
        if self.column:
            self.out.print()
            self.column = 0


_CONDITIONS = {
    "fresh": "fresh",
    "stale": "stale: the files, or how this version indexes them, changed since the last ingest; the "
    "next question re-indexes them (or run `assistant ingest`)",
    "incomplete": "incomplete: an ingest was interrupted; the next command finishes it "
    "(or run `assistant ingest`)",
    "empty": "empty: nothing ingested yet; the first question indexes the bundled article "
    "(or run `assistant ingest PATH`)",
    "damaged": "damaged",
}


def corpus_line(status: IndexStatus) -> str:
    """The corpus as the index records it, said the same way by `assistant status` and the chat."""
    roots = ", ".join(safe_line(home(p)) for p in status.corpus) or "none yet"
    return "the bundled article" if status.bundled else roots


class Presenter:
    """Everything the command line and the chat print, on ``out`` and ``err``."""

    def __init__(
        self, out: Console | None = None, err: Console | None = None, delay: float = SPINNER_DELAY
    ) -> None:
        self.out = out or console()
        self.err = err or console(stderr=True)
        self.delay = delay  # before a spinner or bar appears

    # -- layout ----------------------------------------------------------------------------------

    @staticmethod
    def _write(where: Console, *parts: Text, head: Text | None = None, sep: str = " · ") -> None:
        """``head``, then ``parts`` joined by ``sep``. Piped: one line. On a terminal: lines break
        between parts where they can (a part too long for a line breaks at words), never end in a
        space, and continue indented to where the first part starts, so that an item reads as one."""
        head = head or Text()
        if not where.is_terminal:
            where.print(Text.assemble(head, Text(sep).join(parts)), soft_wrap=True)
            return
        indent = cell_len(head.plain)
        width = max(20, where.width - indent)
        lines: list[Text] = []
        for part in parts:
            if lines and cell_len(lines[-1].plain) + cell_len(sep) + cell_len(part.plain) <= width:
                lines[-1] = Text.assemble(lines[-1], sep, part)
            else:
                lines.append(part)
        rows = [row for line in lines for row in line.wrap(where, width, overflow="fold")]
        for i, row in enumerate(rows):
            row.rstrip()
            where.print(Text.assemble(head if i == 0 else " " * indent, row), soft_wrap=True)

    # -- answers ---------------------------------------------------------------------------------

    def stream_answer(self, items: Iterator[str | Answer], waiting: str | None = None) -> Answer:
        """Verified sentences as they arrive, as one paragraph; the final ``Answer`` is returned.

        Until the first sentence (or the refusal) arrives, a spinner says ``waiting`` on a terminal,
        once a moment has passed: a quick answer shows none."""
        writer = ParagraphWriter(self.out)
        spinner: Later | None = None
        try:  # a Ctrl-C at any point still stops the spinner
            if waiting and self.err.is_interactive:
                spinner = self._later(Spinner(self.err, waiting))
            for item in items:
                if spinner:
                    spinner.stop()
                if not isinstance(item, Answer):
                    writer.write(item)
                    continue
                if item.refused and not writer.column:
                    self.answer_text(item)
                return item
        finally:
            if spinner:
                spinner.stop()
            writer.end()
        raise AssistantError("the answer stream ended without an answer")

    def answer_text(self, answer: Answer) -> None:
        """The answer itself; a refusal is marked so that it never passes for an answer."""
        if answer.refused:
            self._write(self.out, Text(f"{REFUSAL_MARK} {safe_text(answer.text)}", style="bold yellow"))
        else:
            writer = ParagraphWriter(self.out)
            writer.write(answer.text)
            writer.end()

    def answer(self, answer: Answer) -> None:
        """A complete answer: its text, then its sources."""
        self.answer_text(answer)
        self.answer_details(answer)

    def answer_details(self, answer: Answer, chat: bool = False) -> None:
        """What follows an answer's text: in the chat, how a follow-up was read and what
        verification removed; then the sources."""
        if chat and answer.standalone_question.strip() != answer.question.strip():
            read_as = f"(read as: {safe_line(answer.standalone_question)})"
            self._write(self.out, Text(read_as, style="dim"))
        if answer.notice:
            self._write(self.out, Text(f"({safe_line(answer.notice)})", style="dim"))
        if chat and answer.dropped:
            removed = f"({plural(len(answer.dropped), 'sentence')} not shown: /sources shows them and why)"
            self._write(self.out, Text(removed, style="dim"))
        if answer.citations or answer.evidence:
            self.out.print()
            self.sources(answer)

    def sources(self, answer: Answer, full: bool = False) -> None:
        """Numbered sources under an answer; on a refusal, the closest passages, marked as such."""
        if answer.refused:
            if answer.evidence:
                self._write(self.out, Text("Closest passages (they do not answer it):", style="dim"))
                for citation in answer.evidence:
                    self._citation(citation, full, style="dim")
        else:
            for citation in answer.citations:
                self._citation(citation, full, style="italic")
        if full:
            self.dropped(answer)

    def dropped(self, answer: Answer) -> None:
        """The sentences that were written but not shown, each with why (unsupported, off-topic, over
        the cap, cut off)."""
        if not answer.dropped:
            return
        self._write(self.out, Text("Not shown:", style="dim"))
        for dropped in answer.dropped:
            body = Text(f"{shorten(safe_text(dropped.text), 100)} — {safe_line(dropped.reason)}")
            self._write(self.out, body, head=Text("  ✗ ", style="dim"))

    def explanation(self, explanation: Explanation) -> None:
        """What the reader weighed (``ask --explain``): per question, its best sentences with their
        probability against the one threshold, and why each was not enough."""
        self.out.print()
        if explanation.retrieval_refused:
            line = "No retrieved sentence was relevant enough to read: the documents seem not to cover it."
            self._write(self.out, Text(line, style="dim"))
        for asked in explanation.questions:
            head = f"Reader, for “{safe_line(asked.question)}” (answers at p ≥ {explanation.threshold:.2f}):"
            self._write(self.out, Text(head, style="bold"))
            if not asked.candidates:
                self._write(self.out, Text("no sentence holds an answer of the asked type", style="dim"))
            for weighed in asked.candidates:
                mark = Text("  ✓ " if weighed.chosen else "  ✗ ", style="green" if weighed.chosen else "dim")
                body = Text(f"p={weighed.probability:.2f}  ", style="cyan")
                body.append(f"“{shorten(safe_text(weighed.text), 120)}”")
                if weighed.span:
                    body.append(f"  span: {safe_line(weighed.span)}", style="italic")
                parts = [body, *(Text(safe_line(reason), style="dim") for reason in weighed.reasons)]
                self._write(self.out, *parts, head=mark, sep=" — ")

    def _citation(self, citation: Citation, full: bool, style: str) -> None:
        quote = safe_text(citation.quote)
        quote = flatten(quote) if full else shorten(quote)
        body = Text(f"{safe_line(location(citation))}  ", style="cyan")
        body.append(f"“{quote}”", style=style)
        self._write(self.out, body, head=Text(f"[{citation.number}] ", style="bold cyan"))

    def passages(self, passages: Sequence[Passage]) -> None:
        """Ranked passages: a header with the location and scores (kept together on a terminal),
        the text under it."""
        if not passages:
            self._write(self.out, Text("No passages found.", style="yellow"))
            return
        for passage in passages:
            scores = [f"score {passage.score:.4f}"]
            if passage.vector_score is not None:
                scores.append(f"cosine {passage.vector_score:.3f}")
            if passage.lexical_score is not None:
                scores.append(f"bm25 {passage.lexical_score:.3f}")
            head = Text(f"{passage.rank}. ", style="bold cyan")
            where = Text(safe_line(location(passage)), style="cyan")
            self._write(self.out, where, Text(" · ".join(scores), style="dim"), head=head, sep="  ")
            indent = Text(" " * cell_len(head.plain))
            self._write(self.out, Text(shorten(safe_text(passage.text), 300)), head=indent)

    # -- indexing --------------------------------------------------------------------------------

    def ingest_report(self, report: IngestReport) -> None:
        self._write(
            self.out,
            Text(
                f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
                f"{report.removed} removed"
            ),
            Text(f"{plural(report.chunks, 'chunk')} in the index ({report.embedded:,} embedded)"),
            Text(f"{report.seconds:.1f} s"),
        )
        unsupported = [s.path for s in report.skipped if s.reason == UNSUPPORTED]
        grouped = len(unsupported) > LISTED_UNSUPPORTED
        for skipped in report.skipped:
            if grouped and skipped.reason == UNSUPPORTED:
                continue
            body = Text(f"{safe_line(home(skipped.path))}: {safe_line(skipped.reason)}", style="yellow")
            self._write(self.out, body, head=Text("skipped ", style="yellow"))
        if grouped:
            kinds = Counter(path.suffix.lower() or "without a suffix" for path in unsupported)
            counted = ", ".join(f"{count} {safe_line(kind)}" for kind, count in kinds.most_common())
            said = f"{len(unsupported)} files of types it does not read ({counted}); --json lists them"
            self._write(self.out, Text(said, style="yellow"), head=Text("skipped ", style="yellow"))
        for warning in report.warnings:
            body = Text(safe_line(warning), style="yellow")
            self._write(self.out, body, head=Text("warning: ", style="yellow"))

    def indexed(self, report: IngestReport | None) -> None:
        """What a command that indexed on the way says about it (nothing when nothing changed)."""
        if report is None or not report.changed:
            return
        documents = plural(report.added + report.updated, "document")
        said = f"indexed {documents}, {plural(report.chunks, 'chunk')} in {report.seconds:.1f} s"
        self._write(self.err, Text(said, style="dim"))

    @contextmanager
    def progress(self, message: str = "indexing") -> Iterator[Progress]:
        """Ingest progress, reported as ``(stage, done, total)``: on a terminal a bar (after a
        moment, gone when done) that says ``message`` until the first stage starts; otherwise a log
        line now and then, and nothing at all for quick work."""
        if self.err.is_interactive:
            bar = ProgressBar(self.err, message)
            shown = self._later(bar)
            try:
                yield bar.update
            finally:
                shown.stop()
        else:
            yield ProgressLog(self.err).update

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        """A spinner with ``message`` while something runs, on a terminal only."""
        shown = self._later(Spinner(self.err, message)) if self.err.is_interactive else None
        try:
            yield
        finally:
            if shown:
                shown.stop()

    def _later(self, display: Spinner | ProgressBar) -> Later:
        return Later(display, self.delay)

    # -- the chat's screens ----------------------------------------------------------------------

    def banner(self, settings: Settings, model: str, status: IndexStatus | None) -> None:
        self._write(
            self.out,
            Text("assistant chat", style="bold"),
            Text(f"{safe_line(settings.backend)} backend"),
            Text(f"model {safe_line(model)}"),
        )
        if status is not None:  # the same facts as `assistant status`
            documents = [Text(plural(status.documents, "document"))] if status.documents is not None else []
            self._write(
                self.out,
                Text(f"corpus {corpus_line(status)}"),
                *documents,
                Text(plural(status.chunks, "chunk")),
                Text(status.condition),
            )
        greeting = "Ask about the documents. /help for commands; Esc Enter for a new line."
        self._write(self.out, Text(greeting, style="dim"))
        self.out.print()

    def index_status(self, status: IndexStatus) -> None:
        """What `assistant status` prints: where the index is, which corpus it belongs to, its size,
        and whether it is fresh (and if not, what to run)."""
        documents = f"{plural(status.documents, 'document')} · " if status.documents is not None else ""
        built = status.built_at.strftime("%Y-%m-%d %H:%M:%S UTC") if status.built_at else "never"
        condition = _CONDITIONS[status.condition]
        if status.problems:
            condition += ": " + "; ".join(status.problems)
        for label, value in [
            ("index", f"{status.location} · collection {status.collection}"),
            (
                "corpus",
                ", ".join(str(p) for p in status.corpus)
                + (" (the bundled article)" if status.bundled else ""),
            ),
            ("contents", f"{documents}{plural(status.chunks, 'chunk')} · embedder {status.embedder}"),
            ("built", f"{built} · generation {status.generation}"),
            ("state", condition),
        ]:
            self._write(self.out, Text(safe_line(value)), head=Text(f"{label:<9} "))

    def help(self, commands: Mapping[str, tuple[str, str]], keys: str, history: Path) -> None:
        self._write(self.out, Text("Ask a question in plain words; follow-ups build on the earlier turns."))
        self.out.print()
        width = max(len(usage) for usage, _ in commands.values()) + 2
        for usage, what in commands.values():
            self._write(self.out, Text(what), head=Text(f"  {usage:<{width}}", style="bold"))
        self.out.print()
        self._write(self.out, Text(keys))
        self._write(self.out, Text(f"History: {safe_line(home(history))}", style="dim"))

    def settings(self, data: Mapping[str, Any]) -> None:
        """Settings as name and value, one per line (the caller masks secrets)."""
        width = max(map(len, data)) + 2
        for name, value in data.items():
            self._write(self.out, Text(safe_line(_show(value))), head=Text(f"{name:<{width}}", style="bold"))
        self._write(
            self.out, Text("Change them with ASSISTANT_<NAME> variables or a .env file.", style="dim")
        )

    # -- short lines -----------------------------------------------------------------------------

    def line(self, text: str = "", style: str = "") -> None:
        """One of the program's own lines on ``out`` (``""``: a blank line)."""
        self._write(self.out, Text(safe_text(text), style=style))

    def echo(self, prompt: str, question: str) -> None:
        """A piped question, repeated so that the output reads like a transcript."""
        self._write(self.out, Text(prompt + safe_line(question), style="bold"))

    def hint(self, message: str, style: str = "yellow") -> None:
        """A short line on ``err``: a hint, a warning, a verdict."""
        self._write(self.err, Text(safe_line(message), style=style))

    def error(self, message: str) -> None:
        """One error line on ``err`` (wrapped at words on a terminal, never mid-word)."""
        body = Text(safe_line(message), style="bold red")
        self._write(self.err, body, head=Text("error: ", style="bold red"))

    def cancelled(self, word: str = "cancelled") -> None:
        self._write(self.err, Text(word, style="yellow"))


def _show(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


@contextmanager
def reported_errors(report: Callable[[str], None]) -> Iterator[None]:
    """Library errors, and anything unexpected, become one line handed to ``report``, never a
    traceback (``ASSISTANT_DEBUG=1`` lets a bug's traceback through). Ctrl-C is the caller's."""
    try:
        yield
    except AssistantError as exc:
        report(str(exc))
    except Exception as exc:
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        report(f"unexpected {type(exc).__name__}: {exc} (ASSISTANT_DEBUG=1 shows the traceback)")
