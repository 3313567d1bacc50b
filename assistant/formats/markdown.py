"""Markdown, read as it renders: a link is its words, ``**bold**`` and ``code`` lose their marks, a table
is rows of cells, a heading starts a section. Stored as such (like a web page), so a quote reads as
the rendered page does and the reader and the embedder see words, not ``[BPE](https://en.wikipedia.org/…)``.

markdown-it-py (CommonMark, with GitHub's tables and strikethrough) turns the file into HTML, and the
web-page reader takes it from there: one way to read structure, with its limits on nesting. Raw HTML in
the file (README banners, ``<details>``) goes the same way: scripts, comments and hidden parts never
become text. A link's address is kept after its words, ``the documentation (https://…)``, because in a
README it is often the answer ("Where are the docs?"); a relative link, an image, a badge or a link in a
heading (a changelog's "[5.2.1](…compare…)") is not.
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .base import Extracted
from .html import read_html
from .plain import decode_text

_SHOWN_TARGET = re.compile(r"(?i)(?:https?://|mailto:)\S+")


@cache
def _parser() -> MarkdownIt:
    # "commonmark" bounds nesting (maxNesting 20): what a file nests deeper (30,000 ">") is left out
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def read_markdown(data: bytes, max_bytes: int | None) -> Extracted:
    parser = _parser()
    tokens = parser.parse(decode_text(data))
    for before, token in zip([None, *tokens], tokens, strict=False):
        in_heading = before is not None and before.type == "heading_open"  # a changelog's compare link
        if token.type == "inline" and token.children and not in_heading:
            token.children = _with_targets(token.children)
    return read_html(parser.renderer.render(tokens, parser.options, {}).encode("utf-8"), max_bytes)


def _with_targets(children: list[Token]) -> list[Token]:
    """The inline tokens, with each absolute link's address after its words, unless the words are the
    address already (an autolink) or there are none (a badge: an image inside a link)."""
    shown: list[Token] = []
    open_links: list[tuple[str, list[str]]] = []  # (address, the link's words so far)
    for token in children:
        shown.append(token)
        if token.type == "link_open":
            open_links.append((str(token.attrGet("href") or ""), []))
        elif token.type in ("text", "code_inline") and open_links:
            open_links[-1][1].append(token.content)
        elif token.type == "link_close" and open_links:
            href, said = open_links.pop()
            words = "".join(said).strip()
            if words and _SHOWN_TARGET.fullmatch(href) and href.removeprefix("mailto:") not in words:
                shown.append(Token("text", "", 0, content=f" ({href.removeprefix('mailto:')})"))
    return shown
