"""Web pages: the main text, without navigation, scripts, styles, banners and footers.

Parsed with selectolax's lexbor (an HTML5 parser in C, without recursion). Its tree construction
still walks the stack of open elements for many tags, so a page nested 100,000 levels deep would take
minutes: the nesting is estimated by a linear scan first, and a page beyond any written by a person is
refused. The tree is then walked with a loop, never recursively.
"""

from __future__ import annotations

import codecs
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .base import Extracted, Unreadable
from .builder import TextBuilder, clean, table_row

MAX_PARSE_WORK = 100_000_000
"""Sum over all tags of the nesting depth at that tag: about the parser's work. A large real page
(500,000 tags, 20 deep on average) needs 10⁷; 100,000 nested ``<div>`` need 5·10⁹ (20 s here)."""

# Never text: gone with everything inside.
_DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object", "embed",
    "nav", "footer", "aside", "form", "button", "select", "input", "textarea", "dialog", "menu",
    "video", "audio", "map",
)  # fmt: skip
_DROP_SELECTOR = ", ".join(
    [
        *_DROP_TAGS,
        "[hidden]",
        "[aria-hidden='true']",
        "[role='navigation']",
        "[role='banner']",
        "[role='contentinfo']",
        "[role='complementary']",
        "[role='search']",
        "[role='dialog']",
        "[role='alertdialog']",
    ]
)
# class or id words of page furniture (site chrome, banners, sharing, comments)
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:cookies?|consent|gdpr|newsletter|subscribe|subscription|share|sharing|social"
    r"|related|recommended|breadcrumbs?|sidebar|navbar|nav|menu|masthead|footer|advert|advertisement"
    r"|ads?|sponsored|promo|popup|modal|banner|skip|sr-only|visually-hidden|screen-reader-text"
    r"|comments?|disqus|toc|pagination|pager|header|noprint|editsection|printfooter|catlinks)(?:$|[\s_-])",
    re.IGNORECASE,
)
_MAIN_SELECTORS = ("main", "[role='main']", "article")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HEADING_TAGS = tuple(sorted(_HEADINGS))
_BLOCKS = frozenset(
    """address article blockquote body caption center dd details dialog dir div dl dt fieldset
    figcaption figure h1 h2 h3 h4 h5 h6 header hgroup hr legend li main ol p pre section summary
    table tbody td tfoot th thead tr ul""".split()
)
_LAYOUT_INSIDE = "h1, h2, h3, h4, h5, h6, ul, ol, blockquote"
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr keygen".split())
_OPTIONAL_END = frozenset(
    "p li dt dd option optgroup tr td th thead tbody tfoot colgroup caption rb rt rp html head body".split()
)
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
_RAW = re.compile(rb"<!--.*?-->|<(script|style|textarea|title)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def read_html(data: bytes, max_bytes: int | None, read_noindex: bool = False) -> Extracted:
    html = decode_html(data)
    depth, work = nesting(data)
    if work > MAX_PARSE_WORK:
        raise Unreadable(
            f"HTML nested {depth:,} levels deep: too deep to parse in bounded time "
            "(no page written by a person nests like this)"
        )
    tree = LexborHTMLParser(html)
    if (target := _redirect(tree)) is not None:
        raise Unreadable(f"a page that only redirects to {target}")
    if not read_noindex and _asks_not_to_be_indexed(tree):
        raise Unreadable(NOINDEX)
    title_node = tree.css_first("title")
    title = clean(title_node.text()) if title_node is not None else ""
    why_empty = _why_empty(tree)  # read before scripts and frames are dropped
    for node in tree.css(_DROP_SELECTOR):
        if _attached(node):
            node.decompose()
    _drop_furniture(tree)
    root = _main(tree)
    builder = TextBuilder()
    if root is not None:
        _walk(root, builder)
    if why_empty and not builder.text().strip():
        raise Unreadable(why_empty)
    if root is None:
        return Extracted(text="")
    if not title:
        first = tree.css_first("h1")
        title = clean(first.text()) if first is not None else ""
    return Extracted(text=builder.text(), sections=builder.sections, title=title or None)


_REFRESH = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*[;,]\s*(?:url\s*=\s*)?['\"]?([^'\"]*)", re.IGNORECASE)
IMMEDIATE_REDIRECT_S = 5
"""A ``<meta http-equiv="refresh">`` with a URL and at most this delay sends the reader on at once: the
page's own text is only the notice ("Redirecting to…", mdBook and Sphinx leave such pages behind)."""


def _why_empty(tree: LexborHTMLParser) -> str | None:
    """What to tell the person whose page has no text of its own: a frameset's text is in the pages it
    frames (javadoc's index.html), a web app's is built in the browser."""
    frames = [f.attributes.get("src") or "" for f in tree.css("frame, iframe")]
    if tree.css_first("frameset") is not None or (frames and tree.body is None):
        named = [_printable(src) for src in frames if src.strip()][:3]
        return "a frameset: its text is in the pages it frames" + (f" ({', '.join(named)})" if named else "")
    if tree.css_first("script") is not None:
        return "no text without JavaScript: the page builds its content in the browser"
    return None


def _printable(text: str, most: int = 120) -> str:
    """``text`` from a document as one short printable line, for a message."""
    shown = "".join(c if c.isprintable() else "?" for c in text.strip())
    return shown if len(shown) <= most else shown[: most - 1] + "…"


NOINDEX = (
    "the page asks not to be indexed (robots noindex: a print version that repeats the other pages, "
    "a contents page or a moved stub); ASSISTANT_READ_NOINDEX=true reads it"
)


def _asks_not_to_be_indexed(tree: LexborHTMLParser) -> bool:
    """``<meta name="robots" content="noindex">`` (or ``none``): what documentation builds put on
    pages whose text is elsewhere — mdBook's print.html is the whole book again, so every answer would
    cite each sentence twice and half the passages retrieved would be copies."""
    for meta in tree.css("meta"):
        if (meta.attributes.get("name") or "").strip().lower() != "robots":
            continue
        rules = {rule.strip().lower() for rule in (meta.attributes.get("content") or "").split(",")}
        if rules & {"noindex", "none"}:
            return True
    return False


def _redirect(tree: LexborHTMLParser) -> str | None:
    """Where the page sends its reader at once, if it does (shown printable and shortened)."""
    for meta in tree.css("meta"):
        if (meta.attributes.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        found = _REFRESH.match(meta.attributes.get("content") or "")
        if found and found.group(2).strip() and float(found.group(1)) <= IMMEDIATE_REDIRECT_S:
            return _printable(found.group(2))
    return None


def decode_html(data: bytes) -> str:
    """By the byte order mark, else the ``<meta charset>`` in the first 2 KB, else UTF-8 (Windows-1252
    when the bytes are not UTF-8)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    declared = _META_CHARSET.search(data[:2048])
    if declared:
        try:
            return data.decode(codecs.lookup(declared.group(1).decode("ascii")).name, errors="replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def nesting(data: bytes) -> tuple[int, int]:
    """(deepest nesting, sum of the depth at every tag), counting the elements that must be closed
    explicitly, outside comments, scripts and styles: an upper bound on what the parser will see."""
    depth = deepest = work = 0
    for match in _TAG.finditer(_RAW.sub(b"", data)):
        closing, name, self_closing = match.groups()
        name = name.lower().decode("ascii")
        if name in _VOID or name in _OPTIONAL_END or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
            continue
        depth += 1
        work += depth
        deepest = max(deepest, depth)
    return deepest, work


def _attached(node: LexborNode) -> bool:
    """Not inside something already removed (selectors match before any removal)."""
    return node.parent is not None


def _drop_furniture(tree: LexborHTMLParser) -> None:
    """Elements whose class or id names page furniture, and page-level headers without a heading,
    unless they hold the page's main content. A heading and what is inside it are never furniture:
    documentation generators mark a heading's self-link ``<a class="header">`` (mdBook: the Rust book)."""
    for node in tree.css("[class], [id]"):
        if node.tag in ("html", "body", "main", "article", *_HEADINGS) or not _attached(node):
            continue
        if _inside(node, _HEADING_TAGS):
            continue
        names = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if _FURNITURE.search(names) and not node.css_first("main, article, [role='main'], h1"):
            node.decompose()
    for node in tree.css("header"):
        if _attached(node) and not _inside(node, ("article", "main")) and not node.css_first("h1"):
            node.decompose()


def _inside(node: LexborNode, tags: tuple[str, ...]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _main(tree: LexborHTMLParser) -> LexborNode | None:
    """The one ``main`` (or ``article``) element when the page has exactly one, else the body."""
    for selector in _MAIN_SELECTORS:
        found = tree.css(selector)
        if len(found) == 1:
            return found[0]
    return tree.body


class _Walker:
    """Turns elements into blocks: text inside a table cell stays in its cell, whatever its tags."""

    def __init__(self, builder: TextBuilder) -> None:
        self.builder = builder
        self.inline: list[str] = []
        self.rows: list[str] = []
        self.cells: list[str] = []
        self.in_cell = 0
        self.in_pre = 0
        self.layout: list[bool] = []  # per open table (outside cells): a layout table, not data?

    def flush(self, heading: bool = False) -> None:
        raw = "".join(self.inline)
        self.inline = []
        if self.in_pre:
            text = "\n".join(line.rstrip() for line in raw.strip("\n").splitlines())
        else:
            text = clean(raw)
        if heading:
            self.builder.add(" ".join(text.split()), "heading")
        else:
            self.builder.add(text)

    def enter(self, node: LexborNode) -> None:
        tag = node.tag
        if tag == "-text":
            text = node.text_content or ""
            self.inline.append(text if self.in_pre else _WHITESPACE.sub(" ", text))
        elif tag == "br":
            self.inline.append("\n" if not self.in_cell else " ")
        elif tag == "table" and not self.in_cell:
            self.flush()
            self.layout.append(_is_layout(node))
        elif tag in ("td", "th") and not self._in_layout():
            self.in_cell += 1
            self.inline = [] if self.in_cell == 1 else [*self.inline, " "]
        elif tag in _BLOCKS:
            if self.in_cell:
                self.inline.append(" ")
            else:
                self.flush()
                self.in_pre += tag == "pre"

    def _in_layout(self) -> bool:
        return not self.in_cell and bool(self.layout) and self.layout[-1]

    def leave(self, node: LexborNode) -> None:
        tag = node.tag
        if tag == "table" and not self.in_cell:
            if not self.layout.pop():
                self.builder.add("\n".join(self.rows))
            self.rows = []
            self.flush()
        elif self._in_layout() and tag in ("td", "th", "tr"):
            self.flush()
        elif tag in ("td", "th"):
            self.in_cell -= 1
            if self.in_cell == 0:
                self.cells.append(" ".join(clean("".join(self.inline)).split()))
                self.inline = []
        elif self.in_cell:
            if tag in _BLOCKS:
                self.inline.append(" ")
        elif tag == "tr":
            if any(self.cells):
                self.rows.append(table_row(self.cells))
            self.cells = []
        elif tag in _HEADINGS:
            self.flush(heading=True)
        elif tag in _BLOCKS:
            self.flush()
            self.in_pre -= tag == "pre"


def _is_layout(table: LexborNode) -> bool:
    """A table that lays out a page (old sites) rather than holding data: headings, lists or other
    tables inside it. Its cells are read as blocks, not joined into rows."""
    if table.attributes.get("role") == "presentation" or table.css_first(_LAYOUT_INSIDE) is not None:
        return True
    return any(inner.mem_id != table.mem_id for inner in table.css("table"))


def _walk(root: LexborNode, builder: TextBuilder) -> None:
    """Depth first, with a loop: no recursion however deep the tree."""
    walker = _Walker(builder)
    node: LexborNode | None = root
    while node is not None:
        walker.enter(node)
        child = node.first_child if node.tag not in ("-text", "-comment") else None
        if child is not None:
            node = child
            continue
        while node is not None:
            if node.tag not in ("-text", "-comment"):
                walker.leave(node)
            if node.mem_id == root.mem_id:
                node = None
                break
            sibling = node.next
            if sibling is not None:
                node = sibling
                break
            node = node.parent
    walker.flush()
