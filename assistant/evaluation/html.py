"""The HTML eval report: one self-contained page that answers "why did this case fail?" without
re-running anything — every cited quote highlighted in its source document, next to what the case
expected.

The page is a Jinja2 template (``templates/report.html.j2``) with autoescaping on: this module only
arranges the data (which stretches of which document to show, and where highlights open and close);
every character of a document, question or answer reaches the page escaped by the template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import jinja2

from ..models import Answer, Citation
from ..present import location, shorten
from ..verify import MARKER
from .report import failed_turns, kind_rows, metrics, turn_label
from .runner import EvalReport, TurnResult

CONTEXT = 300  # characters of source shown on either side of a highlighted quote
WHOLE_DOCUMENT = 1500  # documents up to this length are shown whole
PASSED = "passed: all expected facts present, citations verbatim, every sentence supported"
PASSED_REFUSAL = "passed: refused as expected, closest evidence quoted verbatim"


@dataclass(frozen=True)
class Highlight:
    """A stretch of a document to highlight; ``tag`` and ``css`` say how, ``label`` marks its start."""

    start: int
    end: int
    tag: str
    css: str
    label: str = ""
    title: str = ""


@dataclass(frozen=True)
class Event:
    """One step of rendering an excerpt: text, or a highlight opening (with its label) or closing."""

    kind: str  # "text" | "open" | "close"
    text: str = ""
    highlight: Highlight | None = None


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("assistant.evaluation", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def write_html(report: EvalReport, path: Path) -> None:
    """One self-contained HTML file: no scripts, no external assets, every text escaped."""
    path.write_text(render_html(report), encoding="utf-8")


def render_html(report: EvalReport) -> str:
    """The whole page; failed cases come first and open, passed ones folded."""
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            started=report.started_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
            metrics=metrics(report),
            kinds=kind_rows(report),
            failed=[(case, turn_label(case, number), turn) for case, number, turn in failed_turns(report)],
            cases=sorted(report.cases, key=lambda case: case.passed),  # failed first, set order kept
            shorten=shorten,
            location=location,
            why=_why,
            answer_parts=_answer_parts,
            excerpts=_excerpts,
        )
    )


def _why(turn: TurnResult) -> str:
    return "; ".join(turn.reasons) or (PASSED_REFUSAL if turn.expect.refuse else PASSED)


def _answer_parts(answer: Answer) -> list[tuple[str, str]]:
    """The answer as (text, marker) pairs, so the template can raise the [n] markers."""
    parts, last = [], 0
    for marker in MARKER.finditer(answer.text):
        parts.append((answer.text[last : marker.start()], marker.group()))
        last = marker.end()
    parts.append((answer.text[last:], ""))
    return parts


def _excerpts(turn: TurnResult, documents: dict[str, str]) -> list[tuple[str, int | None, list[list[Event]]]]:
    """Per document that the turn cites or expects: (id, length or None when missing, excerpts)."""
    blocks: list[tuple[str, int | None, list[list[Event]]]] = []
    for doc_id, highlights in _highlights(turn, documents).items():
        text = documents.get(doc_id)
        if text is None:
            blocks.append((doc_id, None, []))
            continue
        excerpts = []
        for start, end in _windows(text, highlights):
            inside = [
                Highlight(h.start - start, h.end - start, h.tag, h.css, h.label, h.title)
                for h in highlights
                if start <= h.start and h.end <= end
            ]
            events = _nest(text[start:end], inside)
            if start:
                events.insert(0, Event("text", "… "))
            if end < len(text):
                events.append(Event("text", " …"))
            excerpts.append(events)
        blocks.append((doc_id, len(text), excerpts))
    return blocks


def _highlights(turn: TurnResult, documents: dict[str, str]) -> dict[str, list[Highlight]]:
    """Per document: the citations, the refusal's closest evidence and the expected evidence."""
    found: dict[str, list[Highlight]] = {}
    for citation in turn.answer.citations:
        found.setdefault(citation.doc_id, []).append(_cited(citation, documents, "cite", ""))
    for citation in turn.answer.evidence:
        found.setdefault(citation.doc_id, []).append(_cited(citation, documents, "evid", "e"))
    for quote in turn.expect.evidence:
        for doc_id, text in documents.items():
            for match in re.finditer(re.escape(quote), text):
                found.setdefault(doc_id, []).append(
                    Highlight(match.start(), match.end(), "span", "expected", title="expected evidence")
                )
    return found


def _cited(citation: Citation, documents: dict[str, str], css: str, prefix: str) -> Highlight:
    verbatim = documents.get(citation.doc_id, "")[citation.start : citation.end] == citation.quote
    title = f"[{prefix}{citation.number}] {location(citation)}"
    return Highlight(
        citation.start,
        citation.end,
        "mark",
        css if verbatim else f"{css} bad",
        label=f"[{prefix}{citation.number}]",
        title=title if verbatim else f"{title}: the quote is NOT the text at these offsets",
    )


def _windows(text: str, highlights: Sequence[Highlight]) -> list[tuple[int, int]]:
    """The stretches of ``text`` to show: the whole of a short document, else the highlights in context."""
    if len(text) <= WHOLE_DOCUMENT:
        return [(0, len(text))]
    windows: list[tuple[int, int]] = []
    for highlight in sorted(highlights, key=lambda h: h.start):
        start, end = _widen(text, highlight.start, highlight.end)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` with CONTEXT characters either side, cut at white space so words stay whole."""
    left, right = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    return left, right


def _nest(text: str, highlights: Sequence[Highlight]) -> list[Event]:
    """``text`` as events in which highlights nest properly: overlapping ones are closed and reopened
    where they cross, so the page's tags never interleave."""
    cuts = sorted({0, len(text), *(h.start for h in highlights), *(h.end for h in highlights)})
    events: list[Event] = []
    open_: list[Highlight] = []
    for start, end in pairwise(cuts):
        wanted = sorted(
            (h for h in highlights if h.start <= start and end <= h.end),
            key=lambda h: (h.start, -h.end, h.tag),
        )
        keep = 0
        while keep < min(len(open_), len(wanted)) and open_[keep] == wanted[keep]:
            keep += 1
        events += [Event("close", highlight=h) for h in reversed(open_[keep:])]
        events += [
            Event("open", text=h.label if h.label and h.start == start else "", highlight=h)
            for h in wanted[keep:]
        ]
        open_ = wanted
        events.append(Event("text", text[start:end]))
    events += [Event("close", highlight=h) for h in reversed(open_)]
    return events
