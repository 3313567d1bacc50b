"""Which HTML extractor: selectolax (lexbor, with the project's furniture rules) or trafilatura.

``python -m benchmarks.html_choice`` (trafilatura must be installed: ``pip install trafilatura``).
Both feed the same text builder, so the text differs only in what each keeps. Scores per page of
:mod:`benchmarks.html_pages`: article paragraphs and list items kept, headings kept on a line of their
own, table rows kept as rows, furniture strings leaked; then speed, and a page nested 100,000 deep.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from assistant.formats import Extracted
from assistant.formats.builder import TextBuilder, table_row
from assistant.formats.html import decode_html, read_html

from .html_pages import Page, held_out, pages

Extractor = Callable[[bytes], Extracted]
RUNS = 20


def selectolax_extract(data: bytes) -> Extracted:
    return read_html(data, 10**8)


def trafilatura_extractor(**options: bool) -> Extractor:
    import trafilatura
    from lxml import etree

    def extract(data: bytes) -> Extracted:
        xml = trafilatura.extract(
            decode_html(data), output_format="xml", include_tables=True, include_comments=False, **options
        )
        builder = TextBuilder()
        if xml:
            main = etree.fromstring(xml.encode()).find("main")
            for element in main if main is not None else []:
                _add(element, builder)
        return Extracted(text=builder.text(), sections=builder.sections)

    def _text(element: etree._Element) -> str:
        """Source white space is a space; only ``<lb/>`` (a ``<br>``) breaks the line."""
        parts = []
        for node in element.iter():
            parts.append("\x00" if node.tag == "lb" else node.text or "")
            if node is not element:
                parts.append(node.tail or "")
        return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\x00")).strip()

    def _add(element: etree._Element, builder: TextBuilder) -> None:
        if element.tag == "head":
            builder.add(" ".join(_text(element).split()), "heading")
        elif element.tag == "list":
            for item in element.iter("item"):
                builder.add(_text(item))
        elif element.tag == "table":
            rows = [[" ".join(_text(c).split()) for c in row.iter("cell")] for row in element.iter("row")]
            builder.add("\n".join(table_row(r) for r in rows if any(r)))
        elif element.tag == "code":
            builder.add(
                "\n".join(line.rstrip() for line in "".join(element.itertext()).strip("\n").splitlines())
            )
        else:
            builder.add(_text(element))

    return extract


def _norm(text: str) -> str:
    return " ".join(text.split())


def score(page: Page, extracted: Extracted) -> dict[str, float]:
    text = _norm(extracted.text)
    lines = {_norm(line.strip().removeprefix("|").removesuffix("|")) for line in extracted.text.splitlines()}
    kept = sum(_norm(p) in text for p in page.paragraphs) / len(page.paragraphs)
    headings = sum(_norm(h) in lines for h in page.headings) / len(page.headings)
    rows = sum(_norm(r) in lines for r in page.rows) / len(page.rows) if page.rows else 1.0
    leaked = sum(f in text for f in page.furniture) / len(page.furniture)
    return {"paragraphs": kept, "headings": headings, "rows": rows, "leaked": leaked}


def timed(extract: Extractor, data: bytes) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        extract(data)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def deep_page(levels: int = 100_000) -> bytes:
    return (
        "<html><body>" + "<div>" * levels + "deep" + "</div>" * levels + "<p>After.</p></body></html>"
    ).encode()


def main() -> None:
    extractors: dict[str, Extractor] = {
        "selectolax": selectolax_extract,
        "trafilatura": trafilatura_extractor(),
        "trafilatura (favor_recall)": trafilatura_extractor(favor_recall=True),
    }
    out = sys.stdout
    for title, group in (("Tuned-on pages", pages()), ("Held-out pages", held_out())):
        out.write(f"\n{title}:\n\n")
        out.write("| extractor | page | paragraphs kept | headings kept | table rows kept ")
        out.write("| furniture leaked | ms/page |\n")
        out.write("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n")
        totals: dict[str, list[dict[str, float]]] = {name: [] for name in extractors}
        for page in group:
            data = page.html.encode()
            for name, extract in extractors.items():
                result = score(page, extract(data))
                result["ms"] = timed(extract, data)
                totals[name].append(result)
                out.write(
                    f"| {name} | {page.name} | {result['paragraphs']:.0%} | {result['headings']:.0%} | "
                    f"{result['rows']:.0%} | {result['leaked']:.0%} | {result['ms']:.2f} |\n"
                )
        for name, results in totals.items():
            mean = {key: statistics.mean(r[key] for r in results) for key in results[0]}
            out.write(
                f"| **{name}** | mean | {mean['paragraphs']:.0%} | {mean['headings']:.0%} | "
                f"{mean['rows']:.0%} | {mean['leaked']:.0%} | {mean['ms']:.2f} |\n"
            )
    real = sorted(Path.home().glob(".rustup/toolchains/*/share/doc/rust/html/**/*.html"))[:200]
    if real:
        out.write(f"\nReal pages (the first {len(real)} of the Rust documentation installed here):\n")
        for name, extract in extractors.items():
            started = time.perf_counter()
            sizes = [len(extract(path.read_bytes()).text) for path in real]
            elapsed = time.perf_counter() - started
            empty = sum(1 for s in sizes if s == 0)
            out.write(f"- {name}: {elapsed / len(real) * 1000:.1f} ms/page, {empty} pages with no text\n")
    out.write("\nA page nested 100,000 <div> deep:\n")
    data = deep_page()
    for name, extract in extractors.items():
        started = time.perf_counter()
        try:
            outcome = f"{len(extract(data).text)} characters of text"
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        out.write(f"- {name}: {outcome} in {time.perf_counter() - started:.2f} s\n")


if __name__ == "__main__":
    main()
