"""Live displays on stderr: a spinner while a model thinks, an ingest progress bar, and the log lines
that stand in for the bar when stderr is not a terminal. ``Presenter`` decides which one to use.

Ingest progress arrives as ``(stage, done, total)``: stage ``reading`` and ``chunking`` count files,
``splitting`` the megabytes of one large file, ``embedding`` counts chunks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.status import Status
from rich.text import Text

UNITS = {"reading": "files", "chunking": "files", "splitting": "MB", "embedding": "chunks"}
QUIET = 5.0  # seconds of work before the first log line: a quick ingest logs nothing
STEP = 0.1  # a log line each time a stage is another 10 % done (at most one per MIN_GAP)…
MIN_GAP = 1.0
EVERY = 30.0  # …and at least one this often while it runs


class Display(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class Later:
    """A live display that appears only once ``delay`` seconds have passed, so that quick work leaves
    no flicker; ``stop`` takes it away, or makes sure it never comes. Thread-safe: the display is
    started from a timer thread."""

    def __init__(self, display: Display, delay: float) -> None:
        self._display = display
        self._lock = threading.Lock()
        self._shown = False
        self._stopped = False
        self._timer = threading.Timer(delay, self._show)
        self._timer.daemon = True
        if delay > 0:
            self._timer.start()
        else:
            self._show()

    def _show(self) -> None:
        with self._lock:
            if not self._stopped:
                self._display.start()
                self._shown = True

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            self._timer.cancel()
            if self._shown:
                self._display.stop()


class Spinner:
    """A spinner and a message, erased when it stops."""

    def __init__(self, console: Console, message: str) -> None:
        self._status = Status(Text(message), console=console)

    def start(self) -> None:
        self._status.start()

    def stop(self) -> None:
        self._status.stop()


class ProgressBar:
    """One bar for a whole ingest: ``message`` until the first stage reports, then the stage with its
    count (files, then chunks). Erased when it stops: the report that follows says what was done."""

    def __init__(self, console: Console, message: str) -> None:
        self._progress = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task(message, total=None, count="")

    def update(self, stage: str, done: int, total: int) -> None:
        count = f"{done:,}/{total:,} {UNITS.get(stage, '')}".rstrip()
        self._progress.update(self._task, description=stage, total=total or None, completed=done, count=count)

    def start(self) -> None:
        self._progress.start()

    def stop(self) -> None:
        self._progress.stop()


class ProgressLog:
    """Ingest progress as plain lines, for a log: none in the first seconds of work, then one each
    time a stage is another 10 % done (at most one a second), and one at least every 30 s."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        self._console = console
        self._clock = clock
        self._started: float | None = None  # when the first stage reported: the work began
        self._last = 0.0
        self._steps: dict[str, int] = {}

    def update(self, stage: str, done: int, total: int) -> None:
        if total <= 0:
            return
        now = self._clock()
        if self._started is None:
            self._started = self._last = now
        step = int(done / total / STEP)
        if now - self._started < QUIET:
            return
        crossed = step > self._steps.get(stage, 0) and now - self._last >= MIN_GAP
        if not crossed and now - self._last < EVERY:
            return
        self._steps[stage] = step
        self._last = now
        unit = UNITS.get(stage, "")
        self._console.print(
            f"indexing: {stage} {done:,}/{total:,} {unit} ({done / total:.0%})", soft_wrap=True
        )
