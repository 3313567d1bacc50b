"""The verifier against the claim sets in evals/claims/: how many true claims it keeps and how many
false ones it lets through, per file, per style and per kind.

Each claim is checked with no citation against every document of its corpus (each document one
source): the most permissive setting, since an answer cites only a few passages. Run it with
``python -m assistant.evaluation.claims`` (``--cache FILE`` keeps embeddings between runs).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ..embeddings import Embedder, MiniLMEmbedder
from ..ingest import load_corpus
from ..models import Passage, Source
from ..verify import Claim, Verifier

CLAIM_SETS = Path(__file__).resolve().parents[2] / "evals" / "claims"


@dataclass(frozen=True)
class LabelledClaim:
    text: str
    supported: bool
    tag: str  # the style of a supported claim, the kind of an unsupported one


@dataclass(frozen=True)
class ClaimSet:
    name: str
    documents: list[tuple[str, str]]  # (id, text)
    claims: list[LabelledClaim]

    def sources(self) -> list[Source]:
        """Each document as one numbered source, its passage the whole text."""
        return [
            Source(
                number=i,
                passage=Passage(
                    rank=i, chunk_id=f"{doc_id}#0", doc_id=doc_id, title=doc_id, text=text,
                    start=0, end=len(text), score=0.0,
                ),
            )
            for i, (doc_id, text) in enumerate(self.documents, start=1)
        ]


def load_claim_set(path: Path) -> ClaimSet:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    corpus = (path.parent / data["corpus"]).resolve()
    if corpus.suffix == ".json":
        squad = json.loads(corpus.read_text(encoding="utf-8"))
        paragraphs = [p["context"] for article in squad["data"] for p in article["paragraphs"]]
        documents = [(f"{corpus.stem}/{i}", text) for i, text in enumerate(paragraphs)]
    else:
        documents = [(d.id, d.text) for d in load_corpus([corpus], max_bytes=50_000_000).documents]
    claims = [LabelledClaim(c["claim"], True, c["style"]) for c in data["supported"]]
    claims += [LabelledClaim(c["claim"], False, c["kind"]) for c in data["unsupported"]]
    return ClaimSet(name=data["name"], documents=documents, claims=claims)


@dataclass
class Outcome:
    claim: LabelledClaim
    verdict: str  # supported, unsupported or undecided
    reason: str

    @property
    def accepted(self) -> bool:
        return self.verdict == "supported"


@dataclass
class Tally:
    """Accepted out of total, per tag and overall, for each side."""

    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, supported: bool, tag: str | None = None) -> tuple[int, int]:
        chosen = [o for o in self.outcomes if o.claim.supported == supported and tag in (None, o.claim.tag)]
        return sum(o.accepted for o in chosen), len(chosen)

    def tags(self, supported: bool) -> list[str]:
        return sorted(Counter(o.claim.tag for o in self.outcomes if o.claim.supported == supported))


def run_claim_set(claim_set: ClaimSet, embedder: Embedder) -> Tally:
    verifier = Verifier(claim_set.sources(), embedder)
    tally = Tally()
    for claim in claim_set.claims:
        check = verifier.check(Claim(claim.text, ()))
        tally.outcomes.append(Outcome(claim, check.verdict, check.reason))
    return tally


def describe(name: str, tally: Tally) -> str:
    def cell(supported: bool, tag: str | None = None) -> str:
        accepted, total = tally.count(supported, tag)
        return f"{accepted}/{total} ({100 * accepted / max(total, 1):.0f} %)"

    undecided = [sum(o.verdict == "undecided" for o in tally.outcomes if o.claim.supported == s) for s in (True, False)]
    lines = [
        f"{name}: true accepted {cell(True)}, false accepted {cell(False)}"
        f" (undecided: {undecided[0]} true, {undecided[1]} false)"
    ]
    lines.append("  styles: " + ", ".join(f"{t} {cell(True, t)}" for t in tally.tags(True)))
    lines.append("  kinds:  " + ", ".join(f"{t} {cell(False, t)}" for t in tally.tags(False)))
    return "\n".join(lines)


class DiskCachedEmbedder:
    """An embedder whose vectors persist in a file between runs (for iterating on the rules)."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self._inner, self._path = inner, path
        self._vectors: dict[str, np.ndarray] = pickle.loads(path.read_bytes()) if path.exists() else {}
        self._dirty = False

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def max_tokens(self) -> int | None:
        return self._inner.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._inner.count_tokens(texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, self._inner.embed(missing), strict=True))
            self._dirty = True
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def save(self) -> None:
        if self._dirty:
            self._path.write_bytes(pickle.dumps(self._vectors))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", help="claim set names (default: all in evals/claims)")
    parser.add_argument("--cache", type=Path, help="keep embeddings in this file between runs")
    parser.add_argument("--show", choices=["false", "true", "both"], help="list the misjudged claims")
    args = parser.parse_args(argv)
    embedder: Embedder = MiniLMEmbedder()
    if args.cache:
        embedder = DiskCachedEmbedder(embedder, args.cache)
    names = args.sets or sorted(p.stem for p in CLAIM_SETS.glob("*.yaml"))
    for name in names:
        started = time.perf_counter()
        tally = run_claim_set(load_claim_set(CLAIM_SETS / f"{name}.yaml"), embedder)
        print(describe(name, tally), f"\n  {time.perf_counter() - started:.1f} s")
        for outcome in tally.outcomes:
            wrong = outcome.accepted != outcome.claim.supported
            if wrong and args.show in ("both", "true" if outcome.claim.supported else "false"):
                print(f"    [{outcome.claim.tag}] {outcome.claim.text}  -- {outcome.verdict}: {outcome.reason}")
    if isinstance(embedder, DiskCachedEmbedder):
        embedder.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
