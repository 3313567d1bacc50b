"""A re-ingest of a corpus that has not changed is decided without Chroma or the model
(``unchanged.py``), and every change, to the corpus or to the index behind its back, still takes the
full path. Each ingest runs as a new process, as a user's would, and reports what it loaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import filelock
import pytest
from chromadb.api.shared_system_client import SharedSystemClient

from assistant import Assistant
from assistant.errors import IndexDamagedError
from assistant.settings import load_settings
from assistant.unchanged import noop_report, record_path

INGEST = """
import json, sys, threading
from assistant import Assistant
from assistant.errors import AssistantError
try:
    report = Assistant().ingest([sys.argv[1]])
except AssistantError as exc:
    print(json.dumps({"error": str(exc)}))
    raise SystemExit(0)
print(json.dumps({
    **report.model_dump(mode="json", include={"added", "updated", "unchanged", "removed", "chunks"}),
    "chroma": "chromadb" in sys.modules,
    "model": "onnxruntime" in sys.modules or any(t.name == "minilm-load" for t in threading.enumerate()),
}))
"""


def ingest(corpus: Path) -> dict[str, Any]:
    """``Assistant().ingest(corpus)`` in a new process: its report, and whether it loaded Chroma or
    the model."""
    done = subprocess.run(
        [sys.executable, "-c", INGEST, str(corpus)],
        capture_output=True, text=True, env=os.environ.copy(), check=True, timeout=300,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(autouse=True)
def _close_chroma() -> Iterator[None]:
    """The test's index closed after it: Chroma keeps a client per folder for the whole process, with
    its files open (a suite's worth of them pass the 1,024 descriptors ``select`` takes)."""
    yield
    system = SharedSystemClient._identifier_to_system.pop(str(load_settings().index_dir), None)
    SharedSystemClient._identifier_to_refcount.pop(str(load_settings().index_dir), None)
    if system is not None:
        system.stop()


def counts(result: dict[str, Any]) -> tuple[int, int, int, int]:
    return result["added"], result["updated"], result["unchanged"], result["removed"]


def test_a_noop_reingest_loads_neither_chroma_nor_the_model(corpus_dir: Path) -> None:
    (corpus_dir / "second.txt").write_text("The second document says the ferry leaves at noon.\n")
    first = Assistant().ingest([corpus_dir])
    assert (first.added, first.unchanged) == (2, 0)
    again = ingest(corpus_dir)
    assert counts(again) == (0, 0, 2, 0) and again["chunks"] == first.chunks
    assert not again["chroma"] and not again["model"]

    # touched: same content, new time: the full path reads it (and records again)
    os.utime(corpus_dir / "second.txt", ns=(1_000_000_000, 1_000_000_000))
    touched = ingest(corpus_dir)
    assert counts(touched) == (0, 0, 2, 0) and touched["chroma"]
    assert noop_report(load_settings(), [corpus_dir]) is not None

    (corpus_dir / "second.txt").write_text("The second document says the ferry leaves at one.\n")
    assert noop_report(load_settings(), [corpus_dir]) is None
    assert counts(ingest(corpus_dir)) == (0, 1, 1, 0)
    (corpus_dir / "second.txt").unlink()
    assert noop_report(load_settings(), [corpus_dir]) is None
    assert counts(ingest(corpus_dir)) == (0, 0, 1, 1)


def test_an_index_changed_behind_its_back_takes_the_full_path(corpus_dir: Path) -> None:
    settings = load_settings()
    first = Assistant(settings)
    first.ingest([corpus_dir])
    assert noop_report(settings, [corpus_dir]) is not None, "recorded: decided without Chroma"
    collection = first.index.collection
    collection.delete(ids=collection.get(limit=1)["ids"])  # a chunk deleted, not by an ingest
    assert noop_report(settings, [corpus_dir]) is None
    with pytest.raises(IndexDamagedError, match="chunks where the last ingest left"):
        Assistant(settings).ingest([corpus_dir])


def test_a_lost_vector_segment_or_changed_derived_data_takes_the_full_path(corpus_dir: Path) -> None:
    settings = load_settings()
    Assistant(settings).ingest([corpus_dir])
    derived = next((settings.index_dir / "derived" / settings.collection).iterdir())
    (derived / "meta.json").write_text((derived / "meta.json").read_text() + " ")
    assert noop_report(settings, [corpus_dir]) is None, "derived data edited"
    (segment,) = [p for p in settings.index_dir.iterdir() if p.is_dir() and p.name != "derived"]
    Assistant(settings).ingest([corpus_dir])  # the full path: the data still opens, so it is recorded anew
    assert noop_report(settings, [corpus_dir]) is not None
    shutil.rmtree(segment)
    assert noop_report(settings, [corpus_dir]) is None


def test_other_settings_a_bad_record_or_a_running_ingest_take_the_full_path(corpus_dir: Path) -> None:
    settings = load_settings()
    Assistant(settings).ingest([corpus_dir])
    assert noop_report(settings, [corpus_dir]) is not None
    assert noop_report(load_settings(chunk_tokens=120), [corpus_dir]) is None
    assert noop_report(settings, [corpus_dir / "trump-invites-takaichi.txt"]) is None, "other roots"
    held = filelock.FileLock(str(settings.index_dir / f"{settings.collection}.ingest.lock"))
    with held:
        assert noop_report(settings, [corpus_dir]) is None
    record_path(settings).write_text("{not json")
    assert noop_report(settings, [corpus_dir]) is None


def test_a_format_read_anew_redoes_only_its_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a format's reading changes (``formats.READINGS``, as Markdown's did when it began to be read
    as it renders), an existing index redoes the documents of that format once, on the next ingest —
    also the one a no-op record would otherwise have skipped — and keeps every other document."""
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "readme.md").write_text("# Tool\n\nThe tool is a [fast](https://example.org) parser.\n")
    (corpus / "notes.txt").write_text("The boiler was serviced in May.\n")
    assert ingest(corpus)["added"] == 2
    assert ingest(corpus)["unchanged"] == 2  # a no-op, decided from the record
    monkeypatch.setattr("assistant.formats.READINGS", {".md": "read another way"})
    monkeypatch.setattr("assistant.unchanged.READINGS", {".md": "read another way"})
    report = Assistant().ingest([corpus])
    assert (report.updated, report.unchanged) == (1, 1)
    assert Assistant().ingest([corpus]).unchanged == 2
