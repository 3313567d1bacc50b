"""The claim-verifier calibration sets in evals/claims/ stay sound: enough claims of every style and
kind, and every supported claim's source still verbatim in one document of its corpus. A source that
drifted from its corpus would silently turn a true claim into a false one."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from assistant.ingest import load_corpus
from assistant.text import sentence_spans

from .conftest import ROOT

SETS = sorted((ROOT / "evals" / "claims").glob("*.yaml"))
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
MIN_CLAIMS = 60  # of each side, per set
MIN_PER_TAG = 6  # of each style and each kind, per set


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def corpus_of(path: Path) -> Path:
    return (path.parent / load(path)["corpus"]).resolve()


SQUAD_SETS = [p for p in SETS if corpus_of(p).suffix == ".json"]


def documents(corpus: Path) -> list[str]:
    """One string per document: each paragraph of a SQuAD JSON file, else what ingest reads."""
    if corpus.suffix == ".json":
        data = json.loads(corpus.read_text(encoding="utf-8"))
        return [p["context"] for article in data["data"] for p in article["paragraphs"]]
    return [doc.text for doc in load_corpus([corpus], max_bytes=50_000_000).documents]


def sentences_touched(text: str, source: str) -> int:
    """How many of the document's sentences the source overlaps."""
    start = text.index(source)
    end = start + len(source)
    return sum(1 for s in sentence_spans(text) if s.start < end and start < s.end)


def test_there_are_sets() -> None:
    assert SETS, "no evals/claims/*.yaml"


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_counts_and_tags(path: Path) -> None:
    data = load(path)
    assert data["name"] == path.stem
    supported, unsupported = data["supported"], data["unsupported"]
    assert len(supported) >= MIN_CLAIMS and len(unsupported) >= MIN_CLAIMS
    for item in supported:
        assert set(item) == {"claim", "source", "style"}, item
        assert item["style"] in STYLES, item
    for item in unsupported:
        assert set(item) == {"claim", "why", "kind"}, item
        assert item["kind"] in KINDS, item
        assert item["why"].strip(), item
    claims = [item["claim"] for item in supported + unsupported]
    assert all(c.strip() for c in claims)
    assert [c for c, n in Counter(claims).items() if n > 1] == []
    styles = Counter(item["style"] for item in supported)
    kinds = Counter(item["kind"] for item in unsupported)
    assert {s: styles[s] for s in STYLES if styles[s] < MIN_PER_TAG} == {}
    assert {k: kinds[k] for k in KINDS if kinds[k] < MIN_PER_TAG} == {}


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_every_source_is_verbatim_in_one_document(path: Path) -> None:
    data = load(path)
    docs = documents(corpus_of(path))
    assert docs
    missing = [item["source"] for item in data["supported"] if not any(item["source"] in d for d in docs)]
    assert missing == []
    # A merge states two adjacent sentences as one claim. (Other sources are one sentence as written,
    # but the verifier's splitter may cut one in two, e.g. at "ca. 22,000": that is for the verifier.)
    for item in (i for i in data["supported"] if i["style"] == "merge"):
        text = next(d for d in docs if item["source"] in d)
        assert sentences_touched(text, item["source"]) == 2, item


@pytest.mark.parametrize("path", SQUAD_SETS, ids=lambda p: p.stem)
def test_a_squad_set_cites_every_paragraph(path: Path) -> None:
    docs = documents(corpus_of(path))
    data = load(path)
    cited = {i for item in data["supported"] for i, d in enumerate(docs) if item["source"] in d}
    assert sorted(set(range(len(docs))) - cited) == []
