"""The HTML documentation eval set cannot rot or leak: its corpus is real pages of the Rust book copied
byte for byte from the toolchain's offline documentation, every file has a source row with its digest,
the pages are spread over the book, the set loads (evidence verbatim in the extracted text, facts
matching it), about a third of it is refusals, and it asks no other set's questions."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from assistant.evaluation import Dataset, load_dataset

from .conftest import ROOT
from .eval_sets import assert_broad_and_new

EVALS = ROOT / "evals"
SET = EVALS / "htmldocs-test.yaml"
CORPUS = EVALS / "htmldocs" / "corpus"
# Where rustup puts the book; the bytes are checked against it when this toolchain is installed.
BOOK = Path.home() / ".rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html/book"
SOURCE_ROW = re.compile(r"^\| `([^`]+)` \| [^|]+ \| (\d+) \| `([0-9a-f]{16})` \|", flags=re.MULTILINE)
PAGE = re.compile(r"(ch(\d\d)-\d\d|appendix-\d\d)-[a-z0-9-]+\.html")
PROBED_CHAPTERS = {"04", "08", "15", "16"}  # the lead had already asked questions of these


def _sources() -> dict[str, tuple[int, str]]:
    """SOURCES.md's rows: file name -> (bytes, first 16 hex digits of its SHA-256)."""
    text = (EVALS / "htmldocs" / "SOURCES.md").read_text(encoding="utf-8")
    return {name: (int(size), digest) for name, size, digest in SOURCE_ROW.findall(text)}


def _files() -> dict[str, Path]:
    return {p.name: p for p in CORPUS.iterdir() if p.is_file()}


def test_every_corpus_file_is_a_listed_book_page_with_its_size_and_digest() -> None:
    files, sources = _files(), _sources()
    assert set(sources) == set(files)
    assert 18 <= len(files) <= 24
    assert sum(size for size, _ in sources.values()) < 1_200_000
    for name, path in files.items():
        data = path.read_bytes()
        assert PAGE.fullmatch(name), name
        assert sources[name] == (len(data), hashlib.sha256(data).hexdigest()[:16]), name


def test_pages_are_spread_over_the_book_and_few_are_from_probed_chapters() -> None:
    chapters = [m.group(2) for m in map(PAGE.fullmatch, _files()) if m and m.group(2)]
    assert len(set(chapters)) >= 15
    assert sum(chapter in PROBED_CHAPTERS for chapter in chapters) <= 4
    assert any(name.startswith("appendix-") for name in _files())


def test_files_are_the_installed_book_pages_byte_for_byte() -> None:
    if not BOOK.is_dir():
        pytest.skip(f"the Rust book is not installed at {BOOK}")
    for name, path in _files().items():
        assert path.read_bytes() == (BOOK / name).read_bytes(), name


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset(SET)


def test_the_set_is_broad_one_third_refusals_and_asks_new_questions(dataset: Dataset) -> None:
    assert_broad_and_new(dataset, SET, 45)


def test_answers_come_from_every_part_of_an_html_page(dataset: Dataset) -> None:
    """Table rows and commands in code blocks are asked about, not only prose, on most pages."""
    evidence = [quote for case in dataset.cases for turn in case.turns for quote in turn.evidence]
    assert sum(quote.startswith("| ") and quote.endswith(" |") for quote in evidence) >= 2
    assert sum(quote.startswith("$ ") for quote in evidence) >= 3
    texts = dataset.documents().values()
    pages = {text for text in texts for quote in evidence if quote in text}
    assert len(pages) >= 18
