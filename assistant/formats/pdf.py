"""PDF: the text layer of every page, as paragraphs, with each page's number as its section.

pypdf gives the text line by line, in the order the page draws it (so a two-column page comes out
column by column); where each line sits comes from its text matrix. Lines are joined into paragraphs:
a new paragraph starts at a larger vertical gap, a change of font size, a bullet, or after a short line
that ends a sentence; a paragraph cut by a column or page break is joined again when it plainly goes
on (no full stop, a lower-case word next). A word hyphenated across a line break is mended when the
joined word is in the dictionary. Running headers, footers and page numbers (the same first or last
line on many pages) are dropped.

Limits come before the work: the page count the file declares, pypdf's own limits on the page tree
and on decompression, and the length of the extracted text.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import re
import statistics
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdf
import simplemma
from pypdf.errors import FileNotDecryptedError, PdfReadError
from pypdf.generic import DictionaryObject

from ..models import Section
from .base import Extracted, TextTooLarge, Unreadable

MAX_PAGES = 5000
# A page's drawing instructions: a dense page of text needs 10⁴ tokens and well under 1 MB; pypdf's own
# limits (2·10⁶ tokens, 75 MB per stream) let one hostile page take 30 s and 500 MB.
_LIMITS = pypdf.Configuration(
    page_tree_maximum_entries=MAX_PAGES + 100,
    stream_parsing_work_maximum_count=300_000,
    zlib_maximum_output_length=20_000_000,
    lzw_maximum_output_length=20_000_000,
    run_length_maximum_output_length=20_000_000,
)
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BULLET = re.compile(r"^(?:[•◦▪‣●○■□–—*-]\s|\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s)")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?[-–—]?\s*(?:\d{1,5}|[ivxlc]{1,6})\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,5})?$", re.I
)
_ENDS_SENTENCE = re.compile(r"[.!?:;…][\"'”’)\]]*$")


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float


@dataclass
class _Paragraph:
    pieces: list[tuple[int, str]] = field(default_factory=list)  # (page index, line text)
    last: _Line | None = None
    bullet: bool = False


def read_pdf(data: bytes, max_bytes: int | None) -> Extracted:
    with _quiet(), pypdf.apply_configuration(_LIMITS):
        reader = _open(data)
        pages = _pages(reader)
        labels = _labels(reader, len(pages))
        lines: list[list[_Line]] = []
        total = 0
        for number, page in enumerate(pages, start=1):
            try:
                page_lines = _lines(page)
            except Exception as exc:
                raise Unreadable(
                    f"page {number} of the PDF cannot be read ({exc or type(exc).__name__})"
                ) from exc
            total += sum(len(line.text) + 1 for line in page_lines)
            if max_bytes is not None and total > max_bytes:
                raise TextTooLarge(total, max_bytes, partial=True)
            lines.append(page_lines)
        if not any(lines):
            raise Unreadable(
                f"no text layer: scanned? ({len(pages)} page{'s' if len(pages) != 1 else ''}, no text "
                "to extract; run OCR on it first)"
            )
        title = _title(reader)
    _drop_running_lines(lines)
    text, sections = _assemble(_paragraphs(lines), labels, _vocabulary(lines))
    return Extracted(text=text, sections=sections, title=title)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pypdf logs (and warns) about every repair it makes to a damaged file: the skip reason, or
    nothing when the repair worked, is what the user needs."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _open(data: bytes) -> pypdf.PdfReader:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
    except (PdfReadError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise Unreadable(f"not a readable PDF ({exc or type(exc).__name__})") from None
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except (PdfReadError, NotImplementedError, pypdf.errors.DependencyError) as exc:
            raise Unreadable(f"encrypted PDF that cannot be opened here ({exc})") from None
        if not opened:
            raise Unreadable("encrypted PDF: it needs a password to open")
    return reader


def _pages(reader: pypdf.PdfReader) -> list[pypdf.PageObject]:
    """The pages, refusing a file that declares (or whose page tree holds) more than ``MAX_PAGES``."""
    try:
        tree = reader.root_object.get("/Pages")
        tree = tree.get_object() if tree is not None else None
        count_entry = tree.get("/Count", 0) if isinstance(tree, DictionaryObject) else 0
        declared = int(count_entry) if isinstance(count_entry, (int, float)) else 0
    except (KeyError, TypeError, ValueError, PdfReadError, FileNotDecryptedError):
        declared = 0
    if declared > MAX_PAGES:
        raise Unreadable(f"PDF declares {declared:,} pages, over the limit of {MAX_PAGES:,}")
    try:
        count = len(reader.pages)
    except pypdf.errors.LimitReachedError:
        raise Unreadable(f"PDF page tree holds over {MAX_PAGES:,} pages, the limit") from None
    if count > MAX_PAGES:
        raise Unreadable(f"PDF has {count:,} pages, over the limit of {MAX_PAGES:,}")
    return [reader.pages[i] for i in range(count)]


def _labels(reader: pypdf.PdfReader, count: int) -> list[str]:
    """``p. 12``, or the page's own label when the PDF numbers its pages (``p. iv``)."""
    try:
        labels = list(reader.page_labels) if "/PageLabels" in reader.root_object else []
    except Exception:  # a malformed label tree: fall back to counting
        labels = []
    if len(labels) != count or any(not label.strip() for label in labels):
        labels = [str(i) for i in range(1, count + 1)]
    return [f"p. {label.strip()}" for label in labels]


def _title(reader: pypdf.PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # metadata is optional and often broken: the text is what matters
        return None
    title = " ".join(str(title or "").split())
    return title if title and title.lower() not in ("untitled", "title") else None


# -- lines ------------------------------------------------------------------------------------------


def _lines(page: pypdf.PageObject) -> list[_Line]:
    """The page's lines in drawing order, each with where it starts and the font size most of its
    characters are set in (not a bullet's or a superscript's)."""
    lines: list[_Line] = []
    parts: list[str] = []
    start: tuple[float, float] | None = None
    sizes: dict[float, int] = {}

    def finish() -> None:
        nonlocal start
        text = " ".join(_CONTROL.sub(" ", "".join(parts)).translate(_LIGATURES).split())
        if text and start is not None:
            lines.append(_Line(text, *start, max(sizes, key=sizes.__getitem__)))
        parts.clear()
        sizes.clear()
        start = None

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        nonlocal start
        a, b, c, d, e, f = _multiply(tm, cm)
        scaled = round(float(size or 0) * (abs(a * d - b * c) ** 0.5 or 1.0), 1)
        for i, piece in enumerate(text.split("\n")):
            if i:
                finish()
            if piece.strip():
                if start is None:
                    start = (e, f)
                sizes[scaled] = sizes.get(scaled, 0) + len(piece.strip())
            parts.append(piece)

    page.extract_text(visitor_text=visit)
    finish()
    return lines


def _multiply(m: list[float], n: list[float]) -> tuple[float, ...]:
    a, b, c, d, e, f = (float(v) for v in m)
    p, q, r, s, t, u = (float(v) for v in n)
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _drop_running_lines(pages: list[list[_Line]]) -> None:
    """Running headers and footers: among the two top and two bottom lines of each page, a page number,
    or a line repeated there (digits aside) on 3 pages, or on 2 that are 40% of them."""
    with_text = [lines for lines in pages if lines]
    if len(with_text) < 2:
        return
    edges = [_edges(lines) for lines in with_text]
    counts: dict[str, int] = {}
    for edge in edges:
        for key in {_shape(line.text) for line in edge}:
            counts[key] = counts.get(key, 0) + 1
    repeated = {k for k, n in counts.items() if n >= 3 or (n >= 2 and n >= 0.4 * len(with_text))}
    for lines, edge in zip(with_text, edges, strict=True):
        running = {
            id(line) for line in edge if _shape(line.text) in repeated or _PAGE_NUMBER.match(line.text)
        }
        lines[:] = [line for line in lines if id(line) not in running]


def _edges(lines: list[_Line]) -> list[_Line]:
    by_height = sorted(lines, key=lambda line: line.y)
    return by_height[:2] + by_height[-2:] if len(by_height) > 4 else by_height


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


# -- paragraphs -------------------------------------------------------------------------------------


def _paragraphs(pages: list[list[_Line]]) -> list[_Paragraph]:
    every = [line for lines in pages for line in lines]
    if not every:
        return []
    body = statistics.median(line.size for line in every) or 1.0
    gaps = [
        a.y - b.y
        for lines in pages
        for a, b in itertools.pairwise(lines)
        if 0 < a.y - b.y < 3 * body and _same_size(a, b)
    ]
    leading = statistics.median(gaps) if gaps else 1.2 * body
    paragraphs: list[_Paragraph] = []
    current = _Paragraph()
    for index, lines in enumerate(pages):
        widths = sorted(len(line.text) for line in lines)
        full = widths[int(0.8 * (len(widths) - 1))] if widths else 0
        for line in lines:
            previous = current.last
            bullet = bool(_BULLET.match(line.text))
            if previous is not None and _breaks(
                previous,
                line,
                bullet,
                leading,
                full,
                same_page=bool(current.pieces and current.pieces[-1][0] == index),
            ):
                paragraphs.append(current)
                current = _Paragraph(bullet=bullet)
            elif previous is None:
                current.bullet = bullet
            current.pieces.append((index, line.text))
            current.last = line
    if current.pieces:
        paragraphs.append(current)
    return paragraphs


def _same_size(a: _Line, b: _Line) -> bool:
    return abs(a.size - b.size) <= 0.15 * max(a.size, b.size, 1.0)


def _breaks(
    previous: _Line, line: _Line, bullet: bool, leading: float, full: int, *, same_page: bool
) -> bool:
    """Whether ``line`` starts a new paragraph after ``previous``."""
    goes_on = not _ENDS_SENTENCE.search(previous.text) and line.text[:1].islower()
    gap = previous.y - line.y
    if not same_page or gap <= 0.3 * leading:  # a new page or column (or the same line, drawn later)
        return not goes_on
    if bullet or not _same_size(previous, line):
        return True
    if gap > 1.4 * leading:
        return True
    return bool(_ENDS_SENTENCE.search(previous.text)) and len(previous.text) < 0.7 * full and not goes_on


def _join(left: str, right: str, vocabulary: set[str]) -> str:
    """Two lines of one paragraph: a space between them, or a word hyphenated at the line end made
    whole. The hyphen goes when the document spells the word whole elsewhere, or when the dictionary
    knows the whole word and the halves are not both words themselves (``inspec-tion``, but
    ``well-known``)."""
    if left.endswith("\u00ad"):
        return left[:-1] + right
    head = re.search(r"(\w+)-$", left)
    tail = re.match(r"\w+", right)
    if not (head and tail and right[:1].islower()):
        return f"{left} {right}"
    first, second = head.group(1).lower(), tail.group().lower()
    whole = first + second
    if f"{first}-{second}" in vocabulary:
        return left + right
    if whole in vocabulary or (simplemma.is_known(whole, lang="en") and not (_word(first) and _word(second))):
        return left[:-1] + right
    return left + right


def _word(part: str) -> bool:
    return len(part) >= 4 and simplemma.is_known(part, lang="en")


def _vocabulary(pages: list[list[_Line]]) -> set[str]:
    """Every word of the document, hyphenated ones included, as it is spelled within a line."""
    return {w.lower() for lines in pages for line in lines for w in re.findall(r"\w+(?:-\w+)*", line.text)}


def _assemble(
    paragraphs: list[_Paragraph], labels: list[str], vocabulary: set[str]
) -> tuple[str, list[Section]]:
    """Paragraphs separated by blank lines; a section wherever a page's first line lands."""
    out: list[str] = []
    length = 0
    sections: list[Section] = []
    seen_page = -1
    for paragraph in paragraphs:
        if out:
            out.append("\n\n")
            length += 2
        text = ""
        for page, piece in paragraph.pieces:
            joined = _join(text, piece, vocabulary) if text else piece
            if page != seen_page:
                offset = length + len(joined) - len(piece)
                sections.append(Section(start=offset, label=labels[page]))
                seen_page = page
            text = joined
        out.append(text)
        length += len(text)
    return "".join(out), sections
