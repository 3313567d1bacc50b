"""What every hand-written eval set must be: broad, about a third refusals, no question another set
asks, and facts that match their own evidence (the sets are written before the assistant reads them)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from assistant.evaluation import Dataset, load_dataset
from assistant.evaluation.dataset import REFUSAL_KINDS

KINDS = {"single-fact", "paraphrase", "multi-sentence", "multi-turn", "unanswerable", "false-premise"}


def questions(dataset: Dataset) -> set[str]:
    return {turn.question for case in dataset.cases for turn in case.turns}


def assert_broad_and_new(dataset: Dataset, path: Path, minimum: int) -> None:
    """``dataset`` (loaded from ``path``) has every kind, ``minimum`` cases or more, 30-40 % of them
    refusals, no question of another set beside it, and facts that its evidence bears out."""
    refusals = sum(case.kind in REFUSAL_KINDS for case in dataset.cases)
    assert len(dataset.cases) >= minimum
    assert 0.3 <= refusals / len(dataset.cases) <= 0.4
    assert set(Counter(case.kind for case in dataset.cases)) == KINDS
    asked = questions(dataset)
    for other in path.parent.glob("*.yaml"):
        if other.name not in {path.name, "gate.yaml"}:
            assert not asked & questions(load_dataset(other)), other.name
    for case in dataset.cases:
        for turn in case.turns:
            reflowed = re.sub(r"\s+", " ", "\n".join(turn.evidence))
            assert all(re.search(fact, reflowed) for fact in turn.facts), case.id
