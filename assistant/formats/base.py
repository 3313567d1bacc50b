"""What every reader returns or raises: the extracted text with its sections, or why there is none."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Section


class Unreadable(Exception):
    """This file cannot become a document; the message says why, to the person who has the file."""


class TextTooLarge(Unreadable):
    """The extracted text outgrew ``limit``; ``partial`` when reading stopped there."""

    def __init__(self, size: int, limit: int, partial: bool = False) -> None:
        super().__init__(f"extracted text of {size / 1e6:.3g} MB{' or more' if partial else ''}")
        self.size = size
        self.limit = limit
        self.partial = partial


@dataclass(frozen=True)
class Extracted:
    text: str
    sections: list[Section] = field(default_factory=list)
    title: str | None = None
    note: str | None = None
    """Why the file was read other than as its format says (one line), to tell the person who has it."""
