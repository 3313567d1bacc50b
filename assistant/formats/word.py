"""Word (.docx): paragraphs, list items, headings and tables in document order; each heading begins a
section.

A .docx is a zip archive, and python-docx unpacks every part of it into memory: the zip directory is
read first (entries, and the sizes they declare) and an archive that would unpack to more than the
limit is refused before anything is inflated. Python's zipfile never inflates a part beyond the size
its directory declares, so the check holds against a lying archive too. The XML parser python-docx
uses resolves no entities and limits nesting (lxml without ``huge_tree``).
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from .base import Extracted, Unreadable
from .builder import TextBuilder, clean, table_row

MAX_UNPACKED = 100_000_000
MAX_DOCUMENT_XML = 60_000_000
MAX_ENTRIES = 10_000
_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"


def read_docx(data: bytes, max_bytes: int | None) -> Extracted:
    _check_archive(data)
    document = docx.Document(io.BytesIO(data))
    builder = TextBuilder()
    first_heading: str | None = None
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = clean(block.text)
            if _is_heading(block):
                builder.add(" ".join(text.split()), "heading")
                first_heading = first_heading or " ".join(text.split()) or None
            else:
                builder.add(text)
        elif isinstance(block, Table):
            builder.add(_table(block))
    title = clean(document.core_properties.title or "") or first_heading
    return Extracted(text=builder.text(), sections=builder.sections, title=title)


def _check_archive(data: bytes) -> None:
    """Refuse what is not a .docx, or would unpack to too much, from the zip directory alone."""
    entries = _declared_entries(data)
    if entries is None:
        raise Unreadable("not a Word .docx file (not a zip archive)")
    if entries > MAX_ENTRIES:
        raise Unreadable(
            f"zip archive of {entries:,} parts, over the limit of {MAX_ENTRIES:,}: not a document"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Unreadable(f"not a Word .docx file ({exc})") from None
    infos = archive.infolist()
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED:
        raise Unreadable(
            f"zip bomb? its parts would unpack to {unpacked / 1e6:,.0f} MB, over the limit of "
            f"{MAX_UNPACKED / 1e6:,.0f} MB"
        )
    main = next((info for info in infos if info.filename == "word/document.xml"), None)
    if main is None:
        raise Unreadable("not a Word .docx file (no word/document.xml)")
    if main.file_size > MAX_DOCUMENT_XML:
        raise Unreadable(
            f"its text part would unpack to {main.file_size / 1e6:,.0f} MB of XML, over the limit of "
            f"{MAX_DOCUMENT_XML / 1e6:,.0f} MB"
        )


def _declared_entries(data: bytes) -> int | None:
    """The entry count the end-of-directory record declares (before zipfile reads the directory)."""
    end = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    if count == 0xFFFF:  # ZIP64: the real count is in the ZIP64 end record
        end64 = data.rfind(_EOCD64, 0, end)
        if end64 >= 0:
            count = int.from_bytes(data[end64 + 32 : end64 + 40], "little")
    return count


def _is_heading(paragraph: Paragraph) -> bool:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    return name.startswith("Heading") or name == "Title"


def _table(table: Table) -> str:
    """One line per row, ``| cell | cell |``; a merged cell counts once."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(" ".join(clean(cell.text).split()))
        if any(cells):
            rows.append(table_row(cells))
    return "\n".join(rows)
