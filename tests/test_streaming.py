"""Ingest streams: a file too large to hold is read in windows that end at line breaks, and what is
stored is exactly what a whole read would quote (offsets into the file's text); progress comes per
stage while it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, ingest
from assistant.ingest import FileRef, LargeDocument, read_large
from assistant.settings import load_settings
from assistant.text import sentence_spans

from .conftest import ARTICLE


@pytest.fixture
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files over 3 kB count as large, and are read 1 kB at a time."""
    monkeypatch.setattr(ingest, "LARGE_BYTES", 3000)
    monkeypatch.setattr(ingest, "WINDOW_BYTES", 1000)


def ref(path: Path) -> FileRef:
    stat = path.stat()
    return FileRef(path, path.name, stat.st_size, stat.st_mtime_ns)


def test_a_large_file_is_stored_as_a_whole_read_would_quote_it(small_windows: None, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    article = ARTICLE.read_text(encoding="utf-8")
    # a byte-order mark, and characters of two, three and four bytes on every side of the cuts
    text = "Überblick — 北京 🌸 notes.\n" + "\n".join(f"Ünïcödé line {n} 北京 🌸 said." for n in range(60))
    (corpus / "unicode.txt").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (corpus / "article.txt").write_text(article, encoding="utf-8")
    seen: list[tuple[str, int, int]] = []
    assistant = Assistant(load_settings(corpus=[corpus]))
    report = assistant.ingest(progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert (report.added, report.skipped, report.warnings) == (2, [], [])

    chunks = list(assistant.index.chunks())
    for doc_id, whole in (("unicode.txt", text), ("article.txt", article)):
        mine = sorted((c for c in chunks if c.doc_id == doc_id), key=lambda c: c.start)
        assert mine and all(whole[c.start : c.end] == c.text for c in mine), "offsets into the file's text"
        covered = [(c.start, c.end) for c in mine]
        for sentence in sentence_spans(whole):
            assert any(a <= sentence.start and sentence.end <= b for a, b in covered), "nothing lost"
    answer = assistant.ask("When is the visit?")
    assert not answer.refused and article[answer.citations[0].start : answer.citations[0].end] == (
        answer.citations[0].quote
    )
    stages = [stage for stage, _, _ in seen]
    assert stages.index("reading") < stages.index("chunking") < stages.index("embedding")
    splitting = [(done, total) for stage, done, total in seen if stage == "splitting"]
    assert splitting and splitting[-1][0] == splitting[-1][1], "the large file's megabytes, to the last"
    assert stages.index("splitting") < stages.index("embedding"), "reported before its chunks are embedded"
    assert seen[-1] == ("embedding", report.embedded, report.embedded)


def test_a_large_file_is_checked_like_any_other(small_windows: None, tmp_path: Path) -> None:
    late = tmp_path / "late.txt"
    late.write_bytes(b"Fine text.\n" * 400 + b"\xff broken\n")
    assert read_large(ref(late), None).reason == "not UTF-8 (byte 4400)"  # type: ignore[union-attr]
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00" * 5000)
    assert read_large(ref(binary), None).reason == "binary, not text"  # type: ignore[union-attr]
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b" \n" * 3000)
    assert read_large(ref(blank), None).reason == "empty"  # type: ignore[union-attr]
    one_line = tmp_path / "one-line.txt"
    one_line.write_text("北京" * 2000, encoding="utf-8")  # no line break to cut at
    document = read_large(ref(one_line), None)
    assert isinstance(document, LargeDocument)
    assert "".join(text for _, text in document.windows()) == "北京" * 2000
    assert [offset for offset, _ in document.windows()] == [start for _, start in document.starts]
