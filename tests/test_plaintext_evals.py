"""The plain-text eval data cannot rot: the corpus stays real hard-wrapped text of the size CI can
ingest, both eval sets load (evidence verbatim, facts matching it), and every verifier claim quotes
the corpus verbatim with an allowed tag."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import pytest
import yaml

from assistant.evaluation import Dataset, load_dataset
from assistant.evaluation.dataset import REFUSAL_KINDS

from .conftest import ROOT

EVALS = ROOT / "evals"
CORPUS = EVALS / "plaintext" / "corpus"
CLAIMS_PATH = EVALS / "claims" / "plaintext.yaml"
STYLES = {"verbatim", "short", "paraphrase", "reorder", "synonym", "pronoun", "merge"}
KINDS = {
    "role-swap",
    "wrong-number",
    "wrong-date",
    "negation",
    "entity-mix",
    "wrong-relation",
    "outside",
    "invented",
}


@cache
def documents() -> dict[str, str]:
    """The corpus files today's ingest reads (*.txt), by path inside the corpus."""
    return {
        path.relative_to(CORPUS).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(CORPUS.rglob("*.txt"))
    }


def files_quoting(quote: str) -> list[str]:
    return [name for name, text in documents().items() if quote in text]


@pytest.fixture(scope="module")
def test_set() -> Dataset:
    return load_dataset(EVALS / "plaintext-test.yaml")


@pytest.fixture(scope="module")
def dev_set() -> Dataset:
    return load_dataset(EVALS / "plaintext-dev.yaml")


def test_the_corpus_is_hard_wrapped_text_small_enough_for_ci() -> None:
    files = [path for path in CORPUS.rglob("*") if path.is_file()]
    sizes = {path.relative_to(CORPUS).as_posix(): path.stat().st_size for path in files}
    assert len(documents()) >= 32
    assert max(sizes.values()) <= 60_000
    assert sum(sizes.values()) <= 450_000
    assert 2 <= len(list((CORPUS / "extensionless").iterdir())) <= 3
    for path in files:
        long_lines = [line for line in path.read_text(encoding="utf-8").splitlines() if len(line) > 80]
        assert len(long_lines) <= 1, path


def test_sources_md_accounts_for_every_file() -> None:
    sources = (EVALS / "plaintext" / "SOURCES.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+)` \|", sources, flags=re.MULTILINE))
    present = {path.relative_to(CORPUS).as_posix() for path in CORPUS.rglob("*") if path.is_file()}
    assert listed == present


def test_the_held_out_set_is_broad_and_one_third_refusals(test_set: Dataset) -> None:
    kinds = Counter(case.kind for case in test_set.cases)
    refusals = sum(kinds[kind] for kind in REFUSAL_KINDS)
    assert len(test_set.cases) >= 45
    assert refusals >= 15
    assert refusals * 3 >= len(test_set.cases)
    assert 2 <= kinds["multi-turn"] <= 3
    assert set(kinds) == {"single-fact", "paraphrase", "multi-sentence", "multi-turn", *REFUSAL_KINDS}
    quoted = {
        name
        for case in test_set.cases
        for turn in case.turns
        for quote in turn.evidence
        for name in files_quoting(quote)
    }
    assert len(quoted) >= 20


def test_the_dev_set_is_separate_and_has_the_same_mix(dev_set: Dataset, test_set: Dataset) -> None:
    assert 15 <= len(dev_set.cases) <= 30
    assert {case.kind for case in dev_set.cases} == {case.kind for case in test_set.cases}
    asked = {turn.question for case in test_set.cases for turn in case.turns}
    assert not asked & {turn.question for case in dev_set.cases for turn in case.turns}
    assert not {case.id for case in test_set.cases} & {case.id for case in dev_set.cases}


@pytest.mark.parametrize("name", ["plaintext-test.yaml", "plaintext-dev.yaml"])
def test_facts_match_the_evidence_reflowed_to_single_spaces(name: str) -> None:
    """An answer that quotes a hard-wrapped sentence on one line must still be graded correct."""
    for case in load_dataset(EVALS / name).cases:
        for turn in case.turns:
            reflowed = re.sub(r"\s+", " ", "\n".join(turn.evidence))
            for fact in turn.facts:
                assert re.search(fact, reflowed), (case.id, fact)


def test_the_verifier_claims_quote_the_corpus_verbatim() -> None:
    claims = yaml.safe_load(CLAIMS_PATH.read_text(encoding="utf-8"))
    assert (CLAIMS_PATH.parent / claims["corpus"]).resolve() == CORPUS.resolve()
    supported, unsupported = claims["supported"], claims["unsupported"]
    assert len(supported) >= 55
    assert len(unsupported) >= 55
    for item in supported:
        assert set(item) == {"claim", "source", "style"}, item
        assert item["style"] in STYLES, item
        assert files_quoting(item["source"]), item["source"]
    for item in unsupported:
        assert set(item) == {"claim", "why", "kind"}, item
        assert item["kind"] in KINDS, item
    said = [item["claim"] for item in supported + unsupported]
    assert len(said) == len(set(said))
    assert {item["style"] for item in supported} == STYLES
    assert {item["kind"] for item in unsupported} == KINDS


def test_a_wrong_source_is_caught() -> None:
    """The verbatim check is byte-exact: a reflowed source (the wrap replaced by a space) fails."""
    source = "Per-CPU stats are disabled by default because they take up too\n\tmuch space."
    assert files_quoting(source) == ["procps-faq.txt"]
    assert not files_quoting(re.sub(r"\s+", " ", source))
