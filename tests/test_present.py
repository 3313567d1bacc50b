"""The presenter's parts in-process: text made terminal-safe (for every string, by hypothesis), progress
as a bar or as log lines, the spinner only on a terminal. The command and the chat are run for real
in test_output.py and test_repl.py."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from assistant.ingest import UNSUPPORTED
from assistant.live import ProgressLog
from assistant.models import Answer, IngestReport, SkippedFile
from assistant.present import Presenter
from assistant.sanitize import safe_line, safe_text

# Anything a terminal could take as a control, or that hides or reorders text.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f\u2028\u2029]"
)
PIECES = ["\x1b", "\x1b[", "\x1b]", "\x1bP", "\x07", "\x9b", "\x9d", "\x9c", "\u202e", "\u200b", "2J", ";"]
HOSTILE = st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(PIECES))).map("".join)


@given(HOSTILE)
def test_safe_text_leaves_no_control(text: str) -> None:
    assert not UNSAFE.search(safe_text(text))


@given(HOSTILE)
def test_safe_line_leaves_no_control_and_one_line(text: str) -> None:
    line = safe_line(text)
    assert not UNSAFE.search(line)
    assert "\n" not in line and "\t" not in line


@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cf", "Cn", "Zl", "Zp"])))
def test_ordinary_text_is_left_alone(text: str) -> None:
    """Assigned, visible characters pass as they are. Not unassigned ones ("Cn"): the tag block
    (U+E0000–E007F) goes whole, its unassigned code points with its invisible tags (a CI run's
    hypothesis draw found U+E0000)."""
    assert safe_text(text) == text
    assert safe_line(text) == text


def test_sequences_go_whole_and_names_show_them() -> None:
    assert safe_text("a \x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\ b\x1b[2J") == "a link b"
    assert safe_text("copy \x1b]52;c;ZXZpbA==\x07 this") == "copy  this"
    assert safe_text("red \x9b31mtext\x9b0m") == "red text"
    assert safe_text("line one\r\nline two\x00") == "line one \nline two\\x00"
    assert safe_text("👩\u200d💻 \u202eevil") == "👩\u200d💻 evil"  # a joiner stays, an override goes
    assert safe_line("bad\nname\x1b[31m.txt\u202e") == "bad\\nname\\x1b[31m.txt\\u202e"


def terminal(width: int = 60) -> tuple[Console, io.StringIO]:
    file = io.StringIO()
    made = Console(file=file, force_terminal=True, force_interactive=True, width=width, no_color=True)
    return made, file


def pipe() -> tuple[Console, io.StringIO]:
    file = io.StringIO()
    made = Console(file=file, force_terminal=False, width=80, soft_wrap=True)
    return made, file


def test_progress_on_a_terminal_is_a_bar_with_the_stage_and_its_count() -> None:
    err, file = terminal()
    show = Presenter(out=pipe()[0], err=err, delay=0)
    with show.progress("opening the index") as progress:
        progress("reading", 3, 3)
        progress("chunking", 3, 3)
        progress("embedding", 40, 64)
    shown = file.getvalue()
    assert "embedding" in shown and "40/64 chunks" in shown


def test_progress_in_a_log_is_an_occasional_line() -> None:
    err, file = pipe()
    now = [-100.0]
    log = ProgressLog(err, clock=lambda: now[0])  # made long before the work starts: it counts from then

    def at(seconds: float, stage: str, done: int, total: int) -> None:
        now[0] = seconds
        log.update(stage, done, total)

    at(0.0, "reading", 0, 10)
    at(1.0, "reading", 10, 10)  # a quick start logs nothing
    at(2.0, "embedding", 50, 1000)
    at(6.0, "embedding", 60, 1000)  # past the quiet start, but no new tenth yet
    assert file.getvalue() == ""
    at(7.0, "embedding", 120, 1000)  # into the second tenth
    at(7.5, "embedding", 260, 1000)  # the third, but within a second of the last line
    at(20.0, "embedding", 290, 1000)
    at(45.0, "embedding", 295, 1000)  # nothing new to say, and not 30 s yet
    at(50.5, "embedding", 296, 1000)  # 30 s since the last line
    assert file.getvalue().splitlines() == [
        "indexing: embedding 120/1,000 chunks (12%)",
        "indexing: embedding 290/1,000 chunks (29%)",
        "indexing: embedding 296/1,000 chunks (30%)",
    ]


def answer(text: str) -> Answer:
    return Answer(question="q", standalone_question="q", text=text, refused=False, backend="b", model="m")


def test_the_spinner_shows_on_a_terminal_until_the_first_sentence() -> None:
    err, file = terminal()
    out, printed = pipe()
    show = Presenter(out=out, err=err, delay=0)
    seen: list[str] = []

    def items() -> Iterator[str | Answer]:
        seen.append(file.getvalue())
        yield "First [1]."
        seen.append(file.getvalue())  # stderr once the first sentence was printed
        yield answer("First [1].")

    show.stream_answer(items(), "waiting for m at h…")
    assert "waiting for m at h…" in seen[1]
    assert file.getvalue() == seen[1], "gone once the first sentence is there"
    assert printed.getvalue() == "First [1].\n"


def test_no_spinner_on_a_pipe() -> None:
    err, file = pipe()
    out, printed = pipe()
    Presenter(out=out, err=err, delay=0).stream_answer(iter(["A [1].", answer("A [1].")]), "waiting…")
    assert file.getvalue() == ""
    assert printed.getvalue() == "A [1].\n"


def test_counts_are_singular_or_plural() -> None:
    out, printed = pipe()
    err, said = pipe()
    show = Presenter(out=out, err=err)
    show.ingest_report(IngestReport(added=1, chunks=1, embedded=1, seconds=0.25))
    show.indexed(IngestReport(added=1, chunks=1, embedded=1, seconds=0.25))
    assert printed.getvalue() == (
        "1 added, 0 updated, 0 unchanged, 0 removed · 1 chunk in the index (1 embedded) · 0.2 s\n"
    )
    assert said.getvalue() == "indexed 1 document, 1 chunk in 0.2 s\n"


def _skipped(*names: str, reason: str = UNSUPPORTED) -> list[SkippedFile]:
    return [SkippedFile(path=Path("/docs") / name, reason=reason) for name in names]


def test_a_few_files_of_unread_types_are_named_one_by_one() -> None:
    out, printed = pipe()
    Presenter(out=out, err=pipe()[0]).ingest_report(IngestReport(skipped=_skipped("logo.png", "site.css")))
    assert printed.getvalue().splitlines()[1:] == [
        f"skipped /docs/logo.png: {UNSUPPORTED}",
        f"skipped /docs/site.css: {UNSUPPORTED}",
    ]


def test_many_files_of_unread_types_are_counted_by_type_in_one_line() -> None:
    """A documentation build's fonts, images, scripts and styles (36 lines for the Cargo book) would
    bury the skips that matter; those are still named one by one."""
    unread = _skipped("a.png", "b.png", "c.PNG", "d.js", "e.woff2", "Makefile.in", "LICENSE.bin", "f.css")
    why = "a page that only redirects to guide.html"
    report = IngestReport(skipped=[*unread[:4], *_skipped("old.html", reason=why), *unread[4:]])
    out, printed = pipe()
    Presenter(out=out, err=pipe()[0]).ingest_report(report)
    assert printed.getvalue().splitlines()[1:] == [
        f"skipped /docs/old.html: {why}",
        "skipped 8 files of types it does not read (3 .png, 1 .js, 1 .woff2, 1 .in, 1 .bin, 1 .css); "
        "--json lists them",
    ]
