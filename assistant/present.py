"""Stage 6: how answers, passages, ingest reports and errors look in a terminal (rich; plain when
piped). The command line and the chat print through the same ``Presenter``, so what they show alike
is written once.

Colour follows rich's rules: none when ``NO_COLOR`` is set or the output is not a terminal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from .errors import AssistantError
from .models import Answer, Citation, IngestReport, Passage

QUOTE_WIDTH = 160  # characters of a quote shown in the compact source list
REFUSAL_MARK = "∅"


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def shorten(text: str, width: int = QUOTE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def location(citation: Citation | Passage) -> str:
    return f"{citation.doc_id}:{citation.start}-{citation.end}"


def print_answer_text(out: Console, answer: Answer) -> None:
    """The answer itself; a refusal is marked so that it never passes for an answer."""
    if answer.refused:
        out.print(Text(f"{REFUSAL_MARK} {answer.text}", style="bold yellow"))
    else:
        ParagraphWriter(out).write(answer.text)
        out.print()


class ParagraphWriter:
    """Streamed sentences as one paragraph, wrapped at the console width.

    rich wraps each ``print`` on its own, not knowing where the previous one ended, so sentences
    printed as they arrive would break lines in the wrong places; this keeps track of the column.
    """

    def __init__(self, out: Console) -> None:
        self.out = out
        self.width = max(20, out.width)
        self.column = 0

    def write(self, text: str) -> None:
        pieces: list[str] = []
        for i, line in enumerate(text.split("\n")):
            if i:
                pieces.append("\n")
                self.column = 0
            for word in line.split():
                size = cell_len(word)
                if self.column and self.column + 1 + size > self.width:
                    pieces.append("\n")
                    self.column = 0
                elif self.column:
                    pieces.append(" ")
                    self.column += 1
                pieces.append(word)
                self.column += size
        self.out.print("".join(pieces), end="", markup=False, highlight=False, soft_wrap=True)

    def end(self) -> None:
        """Finish the paragraph's line, if one was started."""
        if self.column:
            self.out.print()
            self.column = 0


def stream_answer(out: Console, items: Iterator[str | Answer]) -> Answer:
    """Print verified sentences as they arrive, as one wrapped paragraph; return the final Answer."""
    writer = ParagraphWriter(out)
    try:
        for item in items:
            if not isinstance(item, Answer):
                writer.write(item)
                continue
            if item.refused and not writer.column:
                print_answer_text(out, item)
            return item
    finally:
        writer.end()
    raise AssistantError("the answer stream ended without an answer")


def print_sources(out: Console, answer: Answer, full: bool = False) -> None:
    """Numbered sources under an answer; on a refusal, the closest passages, marked as such."""
    if answer.refused:
        if answer.evidence:
            out.print(Text("Closest passages (they do not answer it):", style="dim"))
            for citation in answer.evidence:
                _print_citation(out, citation, full, style="dim")
    else:
        for citation in answer.citations:
            _print_citation(out, citation, full, style="")
    if full and answer.dropped:
        out.print(Text("Removed by verification:", style="dim"))
        for dropped in answer.dropped:
            out.print(Text(f"  ✗ {shorten(dropped.text, 100)} — {dropped.reason}", style="dim"))


def _print_citation(out: Console, citation: Citation, full: bool, style: str) -> None:
    quote = " ".join(citation.quote.split()) if full else shorten(citation.quote)
    line = Text(f"[{citation.number}] ", style="bold cyan")
    line.append(f"{location(citation)}  ", style="cyan")
    line.append(f"“{quote}”", style=style or "italic")
    out.print(line)


def print_answer(out: Console, answer: Answer, streamed: bool = False) -> None:
    if not streamed:
        print_answer_text(out, answer)
    out.print()
    print_sources(out, answer)


def print_passages(out: Console, passages: Sequence[Passage]) -> None:
    if not passages:
        out.print(Text("No passages found.", style="yellow"))
        return
    for passage in passages:
        header = Text(f"{passage.rank}. ", style="bold cyan")
        header.append(f"{passage.doc_id}:{passage.start}-{passage.end}", style="cyan")
        scores = f"  score {passage.score:.4f}"
        if passage.vector_score is not None:
            scores += f" · cosine {passage.vector_score:.3f}"
        if passage.lexical_score is not None:
            scores += f" · bm25 {passage.lexical_score:.3f}"
        header.append(scores, style="dim")
        out.print(header)
        out.print(f"   {escape(shorten(passage.text, 300))}")


def print_ingest_report(out: Console, report: IngestReport) -> None:
    out.print(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed · {report.chunks} chunks in the index "
        f"({report.embedded} embedded) · {report.seconds:.1f} s"
    )
    for skipped in report.skipped:
        out.print(Text(f"skipped {skipped.path}: {skipped.reason}", style="yellow"))
    for warning in report.warnings:
        out.print(Text(f"warning: {warning}", style="yellow"))


@contextmanager
def ingest_progress(out: Console, minimum: int = 32) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar for embedding, shown only when there is enough work to watch."""
    progress = Progress(
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks"),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    )
    task = None

    def update(stage: str, done: int, total: int) -> None:
        nonlocal task
        if stage != "embedding" or total < minimum:
            return
        if task is None:
            progress.start()
            task = progress.add_task("indexing", total=total)
        progress.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if task is not None:
            progress.stop()


def indexed_line(report: IngestReport) -> str | None:
    """What a command that indexed on the way says about it (nothing when nothing changed)."""
    if not report.changed:
        return None
    return (
        f"indexed {report.added + report.updated} document(s), {report.chunks} chunks "
        f"in {report.seconds:.1f} s"
    )


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
