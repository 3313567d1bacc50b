"""The rustc book eval set cannot rot or leak: its corpus is real pages of the rustc book copied byte for
byte from the toolchain's offline documentation, every file has a source row with its digest, the set
loads (evidence verbatim in the extracted text, facts matching it), about a third of it is refusals, and
it asks no other set's questions."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from assistant.evaluation import Dataset, load_dataset

from .conftest import ROOT
from .eval_sets import assert_broad_and_new

EVALS = ROOT / "evals"
SET = EVALS / "rustcbook-test.yaml"
CORPUS = EVALS / "rustcbook" / "corpus"
# Where rustup puts the rustc book; the bytes are checked against it when this toolchain is installed.
BOOK = Path.home() / ".rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html/rustc"
SOURCE_ROW = re.compile(r"^\| `([^`]+)` \| [^|]+ \| (\d+) \| `([0-9a-f]{16})` \|", flags=re.MULTILINE)
PAGE = re.compile(r"[a-z0-9-]+\.html")
NEVER = {"print.html", "toc.html"}  # the whole book on one page, and the table of contents


def _sources() -> dict[str, tuple[int, str]]:
    """SOURCES.md's rows: file name -> (bytes, first 16 hex digits of its SHA-256)."""
    text = (EVALS / "rustcbook" / "SOURCES.md").read_text(encoding="utf-8")
    return {name: (int(size), digest) for name, size, digest in SOURCE_ROW.findall(text)}


def _files() -> dict[str, Path]:
    return {p.name: p for p in CORPUS.iterdir() if p.is_file()}


def _installed(name: str) -> Path:
    """The toolchain's copy of a corpus file: a flat name stands for the page in its subfolder
    (``codegen-options-index.html`` is ``codegen-options/index.html``)."""
    direct = BOOK / name
    if direct.is_file():
        return direct
    folder, _, page = name.rpartition("-")
    return BOOK / folder / page


def test_every_corpus_file_is_a_listed_book_page_with_its_size_and_digest() -> None:
    files, sources = _files(), _sources()
    assert set(sources) == set(files)
    assert 14 <= len(files) <= 20
    assert not NEVER & set(files)
    assert sum(size for size, _ in sources.values()) < 1_000_000
    for name, path in files.items():
        data = path.read_bytes()
        assert PAGE.fullmatch(name), name
        assert sources[name] == (len(data), hashlib.sha256(data).hexdigest()[:16]), name


def test_files_are_the_installed_book_pages_byte_for_byte() -> None:
    if not BOOK.is_dir():
        pytest.skip(f"the rustc book is not installed at {BOOK}")
    for name, path in _files().items():
        assert path.read_bytes() == _installed(name).read_bytes(), name


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset(SET)


def test_the_set_is_broad_one_third_refusals_and_asks_new_questions(dataset: Dataset) -> None:
    assert_broad_and_new(dataset, SET, 60)


def test_answers_come_from_every_part_of_an_html_page(dataset: Dataset) -> None:
    """Table rows and commands in code blocks are asked about, not only prose, on every page."""
    evidence = [quote for case in dataset.cases for turn in case.turns for quote in turn.evidence]
    assert sum(quote.startswith("| ") and quote.endswith(" |") for quote in evidence) >= 3
    assert sum(quote.startswith("$ ") for quote in evidence) >= 4
    texts = dataset.documents().values()
    pages = {text for text in texts for quote in evidence if quote in text}
    assert len(pages) == len(_files())
