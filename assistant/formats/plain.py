"""Plain text and Markdown, stored exactly as written (decoded, nothing else); files without a suffix
(``LICENSE``, ``README``) are read the same way when their bytes are text."""

from __future__ import annotations

import codecs
import re

from ..models import Section
from .base import Extracted, Unreadable
from .builder import heading_label

_SNIFF_BYTES = 8192
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a BOM) or UTF-16 with a BOM; anything with NUL characters is binary."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise Unreadable(f"not {encoding.upper().removesuffix('-SIG')} (byte {exc.start})") from None
            break
    else:
        if b"\x00" in data[:_SNIFF_BYTES]:
            raise Unreadable("binary, not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unreadable(f"not UTF-8 (byte {exc.start})") from None
    if "\x00" in text:
        raise Unreadable("binary, not text")
    return text


def read_text(data: bytes, max_bytes: int | None) -> Extracted:
    return Extracted(text=decode_text(data))


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def read_markdown(data: bytes, max_bytes: int | None) -> Extracted:
    text = decode_text(data)
    return Extracted(text=text, sections=markdown_sections(text))


def markdown_sections(text: str) -> list[Section]:
    """A section per heading (``# Title`` or a line underlined with ``===``/``---``), outside code."""
    sections: list[Section] = []
    fence: str | None = None
    candidate: tuple[int, str] | None = None  # a one-line paragraph so far: a setext heading's text?
    in_paragraph = False
    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        body = line.rstrip("\r\n")
        opened = _FENCE.match(body)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        atx = _ATX.match(body)
        setext = _SETEXT.match(body)
        if opened:
            fence = opened.group(1)
        elif atx and atx.group(2):
            sections.append(
                Section(start=start + body.index(atx.group(2)), label=heading_label(atx.group(2)))
            )
        elif setext and candidate is not None:
            sections.append(Section(start=candidate[0], label=heading_label(candidate[1])))
        elif body.strip() and not atx:
            indent = len(body) - len(body.lstrip())
            candidate = None if in_paragraph else (start + indent, body.strip())
            in_paragraph = True
            continue
        candidate, in_paragraph = None, False
    return sections
