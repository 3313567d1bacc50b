"""The plain-text calibration set cannot rot or leak: its corpus is real text that is not in the held-out
corpus, every file is accounted for, the set loads (evidence verbatim, facts matching it), a third of it
is refusals, and it asks none of the held-out set's questions."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from assistant.evaluation import load_dataset
from assistant.evaluation.dataset import REFUSAL_KINDS

from .conftest import ROOT

EVALS = ROOT / "evals"
CORPUS = EVALS / "plaintext-cal" / "corpus"


def _digests(folder: object) -> set[str]:
    return {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in EVALS.joinpath(str(folder)).rglob("*")
        if p.is_file()
    }


def test_the_corpus_is_new_text_and_every_file_has_a_source() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.is_file()}
    assert len(files) >= 15 and all(name.endswith(".txt") for name in files)
    assert not _digests("plaintext-cal/corpus") & _digests("plaintext/corpus")
    sources = (EVALS / "plaintext-cal" / "SOURCES.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| `([^`]+)` \|", sources, flags=re.MULTILINE)) == files


def test_the_set_is_large_one_third_refusals_and_asks_new_questions() -> None:
    cal = load_dataset(EVALS / "plaintext-cal.yaml")
    kinds = Counter(case.kind for case in cal.cases)
    refusals = sum(case.kind in REFUSAL_KINDS for case in cal.cases)
    assert len(cal.cases) >= 60 and refusals * 3 >= len(cal.cases) - 3
    assert {"single-fact", "paraphrase", "multi-sentence", "multi-turn"} <= set(kinds)
    asked = {turn.question for case in cal.cases for turn in case.turns}
    for other in ("plaintext-dev.yaml", "plaintext-test.yaml"):
        assert not asked & {
            turn.question for case in load_dataset(EVALS / other).cases for turn in case.turns
        }
    for case in cal.cases:
        for turn in case.turns:
            reflowed = re.sub(r"\s+", " ", "\n".join(turn.evidence))
            assert all(re.search(fact, reflowed) for fact in turn.facts), case.id
