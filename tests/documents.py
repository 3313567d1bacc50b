"""Real files for the format tests, made on the spot: PDFs drawn with reportlab, Word files written with
python-docx, web pages with the furniture real sites have, and the hostile files a corpus can hold.

Each maker writes one file and returns what a test needs to check it (which sentence is on which page,
under which heading). All text is original, written for these tests.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

# -- PDF --------------------------------------------------------------------------------------------

# Sentences a test looks for, by the page they are printed on.
REPORT_PAGES = {
    1: [
        "The harbour wall at Kessing was built in 1911 and has been repaired eleven times since.",
        "This summary sets out the engineers' findings and the options put to the town council.",
    ],
    2: [
        "Cores taken from the wall show that the mortar has lost most of its strength below the tide line.",
        "The engineers estimate that the wall will fail in a storm surge of more than 2.1 metres.",
    ],
    3: [
        "Raising the wall by 1.4 metres would cost 13.8 million euros and take two building seasons.",
        "The regional fund has agreed to pay two thirds of the cost of whichever option is chosen.",
        "Moving the fish market inland would cost less but would not protect the houses on Quay Street.",
    ],
    4: [
        "The council will hold a public vote on the options in the spring.",
    ],
}
REPORT_HEADINGS = {1: "Kessing harbour wall: engineering summary", 2: "Condition of the wall", 3: "Options"}


def report_pdf(path: Path) -> dict[int, list[str]]:
    """Four pages with a running header and page numbers; page 3 is set in two columns, with a
    paragraph that flows from the first column into the second."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
    )

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    width, height = A4
    margin = 2 * cm

    def furniture(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(margin, height - 1.2 * cm, "Kessing Town Council - Harbour Wall Study")
        canvas.drawCentredString(width / 2, 1.2 * cm, f"Page {doc.page}")
        canvas.restoreState()

    one = Frame(margin, margin, width - 2 * margin, height - 2 * margin, id="one")
    column = (width - 2 * margin - 1 * cm) / 2
    left = Frame(margin, margin, column, height - 2 * margin, id="left")
    right = Frame(margin + column + 1 * cm, margin, column, height - 2 * margin, id="right")
    doc = BaseDocTemplate(str(path), pagesize=A4, title="Kessing harbour wall")
    doc.addPageTemplates(
        [PageTemplate("one", [one], onPage=furniture), PageTemplate("two", [left, right], onPage=furniture)]
    )
    filler = (
        "Tide gauges along this part of the coast have been read every day since the wall was finished, "
        "and the readings agree with the marks left on the stones of the old ferry slip. "
    )
    story = [
        Paragraph(REPORT_HEADINGS[1], styles["Title"]),
        Paragraph(" ".join(REPORT_PAGES[1]), body),
        Paragraph(filler * 3, body),
        PageBreak(),
        Paragraph(REPORT_HEADINGS[2], styles["Heading1"]),
        Paragraph(REPORT_PAGES[2][0] + " " + filler, body),
        Paragraph(REPORT_PAGES[2][1], body),
        NextPageTemplate("two"),
        PageBreak(),
        Paragraph(REPORT_HEADINGS[3], styles["Heading2"]),
        Paragraph(REPORT_PAGES[3][0] + " " + filler * 12 + REPORT_PAGES[3][1], body),
        Paragraph(REPORT_PAGES[3][2], body),
        NextPageTemplate("one"),
        PageBreak(),
        Paragraph(REPORT_PAGES[4][0], body),
    ]
    doc.build(story)
    return REPORT_PAGES


HYPHENATED = ("The engineers recommend a full inspec-", "tion of the gates before every winter, and a well-",
              "known firm has offered to do it.")  # fmt: skip


def hyphenated_pdf(path: Path) -> None:
    """Lines drawn one by one, as a justified, hyphenated page has them."""
    path.write_bytes(_hyphenated())


def _hyphenated() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    target = io.BytesIO()
    canvas = Canvas(target)
    canvas.setFont("Helvetica", 11)
    for i, line in enumerate(HYPHENATED):
        canvas.drawString(72, 720 - 14 * i, line)
    canvas.save()
    return target.getvalue()


def image_only_pdf(path: Path, pages: int = 2) -> None:
    """What a scanner makes: pictures of pages, no text layer."""
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    for _ in range(pages):
        for row in range(30):
            canvas.rect(72, 760 - 20 * row, 300 + (row * 37) % 150, 8, fill=1)
        canvas.showPage()
    canvas.save()


def encrypted_pdf(path: Path, user_password: str) -> None:
    """AES-256 encrypted; with an empty user password it opens without asking (only editing is locked)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_hyphenated())))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    with path.open("wb") as file:
        writer.write(file)


def broken_pdf(path: Path) -> None:
    """A PDF header, then noise: a download cut short or a file that only claims to be a PDF."""
    path.write_bytes(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R" + bytes(range(256)) * 40
    )


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF with a correct cross-reference table around the given objects (numbered from 1)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


_PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
    b"/Resources << /Font << /F1 5 0 R >> >> >>"
)
_CONTENT = b"BT /F1 12 Tf 72 720 Td (A page among very many.) Tj ET"
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def million_pages_pdf(path: Path) -> None:
    """A small file whose page tree declares a million pages."""
    stream = b"<< /Length %d >>\nstream\n" % len(_CONTENT) + _CONTENT + b"\nendstream"
    path.write_bytes(
        _pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>",
                _PAGE,
                stream,
                _FONT,
            ]
        )
    )


def page_tree_bomb_pdf(path: Path) -> None:
    """A page tree that declares one page but, read out, holds a million: 1,000 references to a node
    that references the same page 1,000 times."""
    stream = b"<< /Length %d >>\nstream\n" % len(_CONTENT) + _CONTENT + b"\nendstream"
    fan = b"<< /Type /Pages /Parent 2 0 R /Kids [" + b"3 0 R " * 1000 + b"] /Count 1 >>"
    root_pages = b"<< /Type /Pages /Kids [" + b"6 0 R " * 1000 + b"] /Count 1 >>"
    page = _PAGE.replace(b"/Parent 2 0 R", b"/Parent 6 0 R")
    path.write_bytes(_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", root_pages, page, stream, _FONT, fan]))


# -- Word -------------------------------------------------------------------------------------------

MINUTES_HEADINGS = ["Minutes of the library committee", "Attendance", "Opening hours", "Budget"]
MINUTES = {
    "Attendance": "Seven of the nine members attended; the treasurer sent apologies.",
    "Opening hours": "From March the library will open until eight in the evening on Thursdays.",
    "Budget": "The committee approved a book budget of 14,500 euros for the coming year.",
}
MINUTES_TABLE = [["Item", "Owner", "Due"], ["Order new shelving", "Ana Ruiz", "April"],
                 ["Repair the lift", "Council", "June"]]  # fmt: skip


def minutes_docx(path: Path) -> None:
    """Headings, paragraphs, a bulleted list and a table, as Word writes them."""
    import docx

    document = docx.Document()
    document.core_properties.title = MINUTES_HEADINGS[0]
    document.add_heading(MINUTES_HEADINGS[0], level=0)
    document.add_paragraph("Held in the reading room on the first Monday of February.")
    document.add_heading("Attendance", level=1)
    document.add_paragraph(MINUTES["Attendance"])
    document.add_heading("Opening hours", level=1)
    document.add_paragraph(MINUTES["Opening hours"])
    document.add_paragraph("Extra staff will be found from the volunteer rota.", style="List Bullet")
    document.add_paragraph("The change will be reviewed after six months.", style="List Bullet")
    document.add_heading("Budget", level=1)
    paragraph = document.add_paragraph("The committee approved a book budget of ")
    paragraph.add_run("14,500 euros").bold = True
    paragraph.add_run(" for the coming year.")
    table = document.add_table(rows=0, cols=3)
    for row in MINUTES_TABLE:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    document.add_paragraph("The next meeting is on the first Monday of May.")
    document.save(str(path))


def zip_bomb_docx(path: Path, unpacked_mb: int = 300) -> None:
    """A real .docx whose main part unpacks to ``unpacked_mb`` MB of white space (about 0.3 MB packed)."""
    buffer = io.BytesIO()
    minutes_docx_to(buffer)
    source = zipfile.ZipFile(buffer)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                target.writestr(item, source.read(item))
        with target.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(source.read("word/document.xml")[:-20])
            block = b" " * (1 << 20)
            for _ in range(unpacked_mb):
                part.write(block)


def lying_zip_docx(path: Path) -> None:
    """A .docx whose zip directory declares 40 GB for its main part (a bomb's signature)."""
    buffer = io.BytesIO()
    minutes_docx_to(buffer)
    data = bytearray(buffer.getvalue())
    name = b"word/document.xml"
    central = data.rfind(b"PK\x01\x02", 0, data.find(name, data.find(b"PK\x01\x02")) + 1)
    while True:  # the central directory entry of word/document.xml
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_length] == name:
            break
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = (0xFFFFFFFE).to_bytes(4, "little")  # uncompressed size: ~4 GB
    path.write_bytes(bytes(data))


def minutes_docx_to(target: io.BytesIO) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Minutes", level=1)
    document.add_paragraph("A short document.")
    document.save(target)


# -- HTML -------------------------------------------------------------------------------------------

PAGE_SECTIONS = {
    "What the vote decided": "Of the 3,912 ballots cast, 2,405 supported the plan.",
    "Who pays": "The regional fund will cover two thirds of the cost.",
}
PAGE_FURNITURE = ["Accept all cookies", "Local news", "Sport and leisure", "All rights reserved",
                  "dataLayer", "font-family", "More from Local news"]  # fmt: skip


def article_html(path: Path) -> None:
    """A news page: cookie banner, nav bar, scripts and styles, the article, related links, footer."""
    path.write_text(
        """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Harbour town votes to rebuild its flood wall | The Coast Ledger</title>
<style>body { font-family: Georgia; }</style>
<script>window.dataLayer = window.dataLayer || [];</script></head>
<body>
<div class="cookie-consent">We use cookies. <button>Accept all cookies</button></div>
<header><a href="/">The Coast Ledger</a><nav><ul><li><a href="/local">Local news</a></li>
<li><a href="/sport">Sport and leisure</a></li></ul></nav></header>
<main><article>
<h1>Harbour town votes to rebuild its flood wall</h1>
<p>Residents voted on Tuesday to rebuild the harbour flood wall,
ending a debate that had divided the council.</p>
<h2>What the vote decided</h2>
<p>Of the 3,912 ballots cast, 2,405 supported the plan. Turnout was the highest on record.</p>
<ul><li>Raise the wall by 1.4 metres.</li><li>Keep the fish market where it is.</li></ul>
<h2>Who pays</h2>
<p>The regional fund will cover two thirds of the cost. The rest comes from a levy on moorings.</p>
<table><tr><th>Phase</th><th>Start</th></tr><tr><td>Survey</td><td>April</td></tr>
<tr><td>Foundations</td><td>June</td></tr></table>
</article>
<section class="related"><h2>More from Local news</h2><ul><li><a href="/a">Ferry times change</a></li>
</ul></section>
</main>
<footer>© The Coast Ledger. All rights reserved.</footer>
<script>document.title = document.title;</script>
</body></html>""",
        encoding="utf-8",
    )


def deep_html(path: Path, levels: int = 100_000) -> None:
    path.write_text("<html><body>" + "<div>" * levels + "deep" + "</div>" * levels + "</body></html>")


# -- text without a suffix --------------------------------------------------------------------------

LICENSE_TEXT = """Permission to copy

Anyone may copy and share the recipes in this folder, provided that the name of the
person who wrote each recipe is kept with it. No recipe may be sold.
"""


def license_file(path: Path) -> None:
    path.write_text(LICENSE_TEXT, encoding="utf-8")


def utf16_file(path: Path) -> None:
    path.write_bytes("Notes in UTF-16: the boiler was serviced in May.\n".encode("utf-16"))


def binary_file(path: Path) -> None:
    """An executable-like file: a header and NUL bytes."""
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(2000))
