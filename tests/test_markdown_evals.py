"""The Markdown eval sets cannot rot or leak: both corpora are real READMEs copied byte for byte from
package METADATA, every file has a source, no package is on both sides, both sets load (evidence
verbatim, facts matching it), about a third of each is refusals, and neither asks another set's
questions."""

from __future__ import annotations

import hashlib
import re
from importlib import metadata
from pathlib import Path

import pytest

from assistant.evaluation import load_dataset

from .conftest import ROOT
from .eval_sets import assert_broad_and_new

EVALS = ROOT / "evals"
# set file -> (corpus folder, minimum files, minimum cases)
SETS = {"markdown-cal.yaml": ("markdown-cal", 14, 30), "markdown-test.yaml": ("markdown", 16, 40)}
# The lead had already seen the assistant's answers on these: they may only be calibration data.
SEEN = {"rich", "httpx", "tiktoken", "pydantic-settings", "hypothesis"}
SOURCE_ROW = re.compile(r"^\| `([^`]+)` \| `[^`]+` \| (\S+) (\S+) \|", flags=re.MULTILINE)


def _sources(folder: str) -> dict[str, tuple[str, str]]:
    """SOURCES.md's rows: file name -> (package, version)."""
    text = (EVALS / folder / "SOURCES.md").read_text(encoding="utf-8")
    return {name: (package, version) for name, package, version in SOURCE_ROW.findall(text)}


def _files(folder: str) -> dict[str, Path]:
    return {p.name: p for p in (EVALS / folder / "corpus").iterdir() if p.is_file()}


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_corpus_file_is_a_listed_markdown_readme(name: str) -> None:
    folder, least, _ = SETS[name]
    files = _files(folder)
    assert len(files) >= least and all(n.endswith("-readme.md") for n in files)
    sources = _sources(folder)
    assert set(sources) == set(files)
    assert all(f"{package}-readme.md" == n for n, (package, _) in sources.items())


def test_no_package_or_file_is_in_both_corpora_and_the_seen_ones_are_calibration() -> None:
    cal, test = _sources("markdown-cal"), _sources("markdown")
    packages = {p.lower() for p, _ in cal.values()}, {p.lower() for p, _ in test.values()}
    assert not packages[0] & packages[1]
    assert SEEN.issubset(packages[0])
    digests = [
        {hashlib.sha256(p.read_bytes()).hexdigest() for p in _files(f).values()}
        for f in ("markdown-cal", "markdown")
    ]
    assert not digests[0] & digests[1]


@pytest.mark.parametrize("folder", ["markdown-cal", "markdown"])
def test_files_are_the_installed_metadata_description_byte_for_byte(folder: str) -> None:
    """Checked against the virtual environment's METADATA where the same version is installed."""
    checked = 0
    for file_name, (package, version) in _sources(folder).items():
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            continue
        raw = dist.read_text("METADATA")
        if dist.version != version or raw is None:
            continue
        assert raw.partition("\n\n")[2] == (EVALS / folder / "corpus" / file_name).read_text(encoding="utf-8")
        checked += 1
    if not checked:
        pytest.skip("none of the source packages is installed at the recorded version")


@pytest.mark.parametrize("name", sorted(SETS))
def test_the_set_is_broad_one_third_refusals_and_asks_new_questions(name: str) -> None:
    assert_broad_and_new(load_dataset(EVALS / name), EVALS / name, SETS[name][2])
