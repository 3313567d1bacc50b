"""simplemma's dictionary, decoded once and kept between processes: the same entries and the same lemmas,
and a damaged or unwritable cache never stops a lemma."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import lemmas

WORDS = ["visits", "took", "drills", "children", "better", "running", "U.S.", "geese", "was", "analyses"]


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return lemmas.kept_file("en")


def test_the_kept_dictionary_is_simplemmas(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    decoded = lemmas.kept_dictionary("en")
    assert kept.is_file() and kept.stat().st_mode & 0o777 == 0o600
    assert decoded == lemmas._decode("en")

    def refuse(lang: str) -> dict[bytes, bytes]:
        raise AssertionError("decoded again, not read from the kept file")

    monkeypatch.setattr(lemmas, "_decode", refuse)
    assert lemmas.kept_dictionary("en") == decoded


def test_a_damaged_or_unwritable_cache_still_gives_the_dictionary(kept: Path) -> None:
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"\x00not marshal data")
    decoded = lemmas.kept_dictionary("en")
    assert len(decoded) > 100_000
    assert kept.stat().st_size > 1_000_000, "replaced by the whole dictionary"
    kept.unlink()
    kept.parent.rmdir()
    kept.parent.write_text("a file, not a folder")  # unwritable, also as root
    assert lemmas.kept_dictionary("en") == decoded


def test_a_new_process_lemmatises_as_simplemma_does(tmp_path: Path) -> None:
    """Through the kept file (made by the first process, read by the second), every lemma is
    simplemma's own: a process that never loads ``assistant.text`` gives the reference."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    script = (
        "import sys, simplemma\n"
        "if sys.argv[1] == 'kept':\n"
        "    import assistant.text\n"
        "words = sys.argv[2:]\n"
        "print([simplemma.lemmatize(w, lang='en') for w in words], "
        "[simplemma.is_known(w, lang='en') for w in words])\n"
    )

    def lemmatise(how: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, how, *WORDS], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    reference = lemmatise("plain")
    assert lemmatise("kept") == reference  # decodes and keeps
    assert any((tmp_path / "cache" / "assistant" / "lemmas").iterdir())
    assert lemmatise("kept") == reference  # reads the kept file
