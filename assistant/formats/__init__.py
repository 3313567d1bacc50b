"""Stage 0 of ingest: the text of a file, whatever its format, and where its parts begin.

What is stored and quoted is the extracted text (``Document.text``): every citation offset points into
it. Each reader turns one format into readable text (paragraphs separated by blank lines, headings on
a line of their own) and records its sections: the page of a PDF (``p. 12``), the heading a part of a
web page, Word file, Markdown or reStructuredText file is under (``§ Results``); plain text has none.
Markdown and reStructuredText are read as they render (links as their words, no emphasis marks), like a
web page.

Files come from anywhere, so every reader works within limits checked before the expensive part (pages
declared, bytes a zip would unpack to, nesting depth) and says in one line why a file cannot be read,
or, when it is read other than as its format says (reStructuredText that docutils cannot parse in
bounded time, read as plain text), why in ``Extracted.note``, which ingest logs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from ..models import locate
from .base import Extracted, TextTooLarge, Unreadable

__all__ = ["READINGS", "Extracted", "TextTooLarge", "Unreadable", "extract", "locate", "reading", "supported"]


Reader = Callable[[bytes, int | None], Extracted]


def _reader(suffix: str, read_noindex: bool = False) -> Reader | None:
    """The reader for a file name's suffix; imported on demand (a text corpus never loads pypdf)."""
    if suffix in (".txt", ""):
        from .plain import read_text

        return read_text
    if suffix == ".md":
        from .markdown import read_markdown

        return read_markdown
    if suffix == ".rst":
        from .rst import read_rst

        return read_rst
    if suffix == ".pdf":
        from .pdf import read_pdf

        return read_pdf
    if suffix in (".html", ".htm"):
        from .html import read_html

        return partial(read_html, read_noindex=read_noindex)
    if suffix == ".docx":
        from .word import read_docx

        return read_docx
    return None


SUFFIXES = (".txt", ".md", ".pdf", ".html", ".htm", ".docx", ".rst")
"""What is read besides files without a suffix (``LICENSE``, ``README``), which are read if they are text."""
CONTAINERS = (".pdf", ".html", ".htm", ".docx")
"""Formats whose files hold much besides their text (images, markup): the size limit applies to the text
extracted, and the file itself may be up to ``CONTAINER_FACTOR`` times as large."""
CONTAINER_FACTOR = 5


READINGS = {".md": "rendered", ".html": "noindex-skipped", ".htm": "noindex-skipped"}
"""Formats whose text is read differently from how an older index stored it: a document of such a format
is extracted and embedded again once (``reading`` is part of its signature); other documents are kept."""


def reading(name: str, read_noindex: bool = False) -> tuple[str, ...]:
    """How a document of this name is read, when that changed since the first index format (or a
    setting changes it: a page that asks not to be indexed is skipped, or read)."""
    suffix = Path(name).suffix.lower()
    if suffix not in READINGS:
        return ()
    return (
        (READINGS[suffix], "noindex-read")
        if read_noindex and suffix in (".html", ".htm")
        else (READINGS[suffix],)
    )


def supported(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES or not path.suffix


def extract(path: Path, data: bytes, max_bytes: int | None, read_noindex: bool = False) -> Extracted:
    """The text of a file and its sections, or :class:`Unreadable` with the reason.

    ``max_bytes`` bounds the extracted text (UTF-8; None: no bound): a reader that produces text page
    by page stops as soon as it is passed (:class:`TextTooLarge`). Whatever a parser raises on a damaged or
    hostile file becomes :class:`Unreadable`: nothing else escapes. ``read_noindex``: read a web page
    that asks not to be indexed rather than skip it.
    """
    suffix = path.suffix.lower()
    reader = _reader(suffix, read_noindex)
    if reader is None:
        raise Unreadable(f"not a supported file type ({', '.join(SUFFIXES)})")
    if not data.strip():
        raise Unreadable("empty")
    try:
        extracted = reader(data, max_bytes)
    except Unreadable:
        raise
    except Exception as exc:  # a parser's failure on a file it cannot handle: say which, and why
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise Unreadable(f"not a readable {suffix.lstrip('.').upper() or 'text'} file ({detail})") from exc
    if not extracted.text.strip():
        raise Unreadable("empty")
    if max_bytes is not None and (size := len(extracted.text.encode("utf-8"))) > max_bytes:
        raise TextTooLarge(size, max_bytes)
    return extracted
