"""A non-editable install finds its prompts and bundled corpus (they live outside the package)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_the_wheel_carries_prompts_and_corpus(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        env={**os.environ, "PIP_NO_INDEX": "1"},
    )
    wheel = next(tmp_path.glob("assistant-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for prompt in ("system", "answer", "answer_ids", "condense", "judge"):
        assert f"assistant/_data/prompts/{prompt}.md" in names
    assert "assistant/_data/corpus/trump-invites-takaichi.txt" in names

    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    probe = (
        "from assistant.resources import data_dir; from assistant.prompts import template; "
        "print(data_dir('prompts')); print(len(template('system')) > 100)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(unpacked)},
    )
    location, loaded = result.stdout.split()
    assert Path(location) == unpacked / "assistant" / "_data" / "prompts"
    assert loaded == "True"
