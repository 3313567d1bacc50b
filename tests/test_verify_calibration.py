"""The verifier against evals/claims/article.yaml: honest paraphrases of the article and claims that reuse its
names and numbers but say something it does not. Letting a false claim through is the costly error,
so the gate on it is tight; rejecting a true paraphrase only costs a sentence of the answer."""

from __future__ import annotations

import yaml

from assistant import Assistant
from assistant.models import Source
from assistant.verify import Claim, Verifier

from .conftest import ARTICLE, ROOT

CLAIMS = yaml.safe_load((ROOT / "evals" / "claims" / "article.yaml").read_text(encoding="utf-8"))


def verifier_over_the_whole_article(assistant: Assistant) -> Verifier:
    """Every chunk is a source: the most permissive setting (an answer cites only a few)."""
    passages = [chunk.as_passage(i, 0.0) for i, chunk in enumerate(assistant.index.chunks(), start=1)]
    return Verifier([Source(number=p.rank, passage=p) for p in passages], assistant.embedder)


def test_the_calibration_set_is_about_the_article() -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    assert len(CLAIMS["supported"]) >= 30
    assert len(CLAIMS["unsupported"]) >= 30
    for item in CLAIMS["supported"]:
        assert item["source"] in text


def test_the_verifier_holds_its_measured_rates(assistant: Assistant) -> None:
    """A regression floor, not the goal: on the 149 claims of evals/claims/article.yaml the verifier
    accepts 46 of 78 true claims (59 %) and 5 of 71 false ones (7 %: three role swaps, "has confirmed
    the call but not the invitation", "will set a precedent"). Issue 12 asks for ≥ 90 % and ≤ 2 % on
    each claims file; that work is not in yet, so this only keeps the verifier from getting worse."""
    assistant.ensure_ready()
    verifier = verifier_over_the_whole_article(assistant)
    accepted_false = [
        c["claim"] for c in CLAIMS["unsupported"] if verifier.check(Claim(c["claim"], ())).support
    ]
    accepted_true = [c["claim"] for c in CLAIMS["supported"] if verifier.check(Claim(c["claim"], ())).support]
    assert len(accepted_false) <= 5, accepted_false
    assert len(accepted_true) >= 46
