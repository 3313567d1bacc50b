"""The eval gate file: limits per eval set and backend, validated on load with one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.evaluation import Limits, load_gate

GATE = """
dev.yaml:
  offline:
    min: {citation_validity: 1.0, answer_accuracy: 0.6}
    max: {unsupported_claims: 0}
  openai:
    min: {judge_faithfulness: 0.9}
"""


def test_load_gate_returns_the_limits_of_the_set_and_backend(tmp_path: Path) -> None:
    gate = tmp_path / "gate.yaml"
    gate.write_text(GATE, encoding="utf-8")
    assert load_gate(gate, Path("evals/dev.yaml"), "offline") == Limits(
        min={"citation_validity": 1.0, "answer_accuracy": 0.6}, max={"unsupported_claims": 0}
    )
    assert load_gate(gate, Path("dev.yaml"), "openai") == Limits(min={"judge_faithfulness": 0.9})


@pytest.mark.parametrize(
    ("content", "set_name", "backend", "message"),
    [
        (GATE, "other.yaml", "offline", "no gate for other.yaml with backend offline"),
        (GATE, "dev.yaml", "ollama", "no gate for dev.yaml with backend ollama (has: dev.yaml/offline"),
        ("dev.yaml: [", "dev.yaml", "offline", "cannot read gate file"),
        ("dev.yaml: {offline: {min: {accuracy: 1}}}", "dev.yaml", "offline", "unknown metric 'accuracy'"),
        ("dev.yaml: {offline: {min: {mrr: high}}}", "dev.yaml", "offline", "mrr must be a number"),
        ("dev.yaml: {offline: {floor: {mrr: 1}}}", "dev.yaml", "offline", "expected a mapping with min"),
    ],
)
def test_load_gate_rejects_what_it_cannot_use(
    tmp_path: Path, content: str, set_name: str, backend: str, message: str
) -> None:
    gate = tmp_path / "gate.yaml"
    gate.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_gate(gate, Path(set_name), backend)


def test_load_gate_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read gate file"):
        load_gate(tmp_path / "absent.yaml", Path("dev.yaml"), "offline")
