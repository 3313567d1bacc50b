"""Extracted text is assembled here, block by block, so that every format comes out alike: paragraphs,
headings and list items each a block of their own between blank lines, table rows one per line as
``| cell | cell |``, and the place where each section begins recorded as it is written.

Sentence splitting joins lines that look hard-wrapped; a blank line, or a line that starts with ``|``,
always ends a sentence, so neither a list item without a full stop nor a long table row runs into
the next one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..models import Section

Kind = Literal["paragraph", "heading"]

_SPACE = re.compile(r"[^\S\n]+")
_AROUND_NEWLINE = re.compile(r" ?\n ?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
LABEL_CHARS = 80


def clean(text: str) -> str:
    """Runs of white space become one space; line breaks stay; control characters go."""
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _AROUND_NEWLINE.sub("\n", _SPACE.sub(" ", text)).strip()


def table_row(cells: list[str]) -> str:
    """``| a | b |``: a row reads as one, and stands alone."""
    return "| " + " | ".join(cells) + " |"


def heading_label(text: str) -> str:
    """``§ Heading`` on one line, cut to a length a citation can carry."""
    flat = " ".join(text.split())
    if len(flat) > LABEL_CHARS:
        flat = flat[: LABEL_CHARS - 1].rstrip() + "…"
    return f"§ {flat}"


@dataclass
class TextBuilder:
    """Collects blocks into one text, a blank line between two."""

    _parts: list[str] = field(default_factory=list)
    _length: int = 0
    _pending: str | None = None
    sections: list[Section] = field(default_factory=list)

    @property
    def length(self) -> int:
        return self._length

    def section(self, label: str) -> None:
        """The next block begins a section called ``label`` (a page, say)."""
        self._pending = label

    def add(self, text: str, kind: Kind = "paragraph") -> None:
        """Append a block (already cleaned); an empty one is ignored."""
        if not text:
            return
        if self._parts:
            self._parts.append("\n\n")
            self._length += 2
        label = heading_label(text) if kind == "heading" else self._pending
        if label is not None:
            if self.sections and self.sections[-1].start == self._length:
                self.sections[-1] = Section(start=self._length, label=label)
            else:
                self.sections.append(Section(start=self._length, label=label))
            self._pending = None
        self._parts.append(text)
        self._length += len(text)

    def text(self) -> str:
        return "".join(self._parts)
