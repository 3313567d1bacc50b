"""Eval sets by file type: the project's YAML format, or SQuAD 2.0 JSON as it is published."""

from __future__ import annotations

from pathlib import Path

from .dataset import Dataset, load_yaml_set
from .squad import load_squad


def load_dataset(path: Path, paragraphs: tuple[int, int] | None = None) -> Dataset:
    """The eval set at ``path``, validated; ``paragraphs`` picks a range of a SQuAD file's paragraphs
    (calibrate on one part, report on another)."""
    if path.suffix.lower() == ".json":
        return load_squad(path, paragraphs)
    return load_yaml_set(path)
