"""The verifier against the claim sets in evals/claims/: true claims written the way strong chat
models answer, and false ones built from the documents' own words. Each claim is checked with no
citation against every sentence of its corpus, the most permissive setting.

The rules and the fitted model were calibrated on article.yaml and rhine.yaml; plaintext.yaml is
held out. The figures asserted are those measured (``python -m assistant.evaluation.claims``): a
change that lets one more false claim through fails here, and so does one that keeps two fewer true
claims (one is the wobble of int8 embeddings computed in other batches). Letting a false claim
through is the costly error; an undecided true claim only costs a sentence, or a model call where a
model is configured."""

from __future__ import annotations

import pytest

from assistant.embeddings import MiniLMEmbedder
from assistant.evaluation.claims import CLAIM_SETS, Tally, load_claim_set, run_claim_set

# (true claims accepted, false claims accepted) as measured with the hard-wrap sentence splitter.
MEASURED = {
    "article": (57, 1),  # of 78 true, 71 false
    "rhine": (131, 0),  # of 153 true, 128 false
    "plaintext": (63, 7),  # of 94 true, 78 false; held out
}
FALSE_LIMIT = 0.03


@pytest.fixture(scope="module")
def tallies() -> dict[str, Tally]:
    embedder = MiniLMEmbedder()
    return {name: run_claim_set(load_claim_set(CLAIM_SETS / f"{name}.yaml"), embedder) for name in MEASURED}


@pytest.mark.parametrize("name", MEASURED)
def test_acceptance_per_claim_set(tallies: dict[str, Tally], name: str) -> None:
    true_accepted, false_accepted = MEASURED[name]
    tally = tallies[name]
    accepted_true, _ = tally.count(True)
    accepted_false, _ = tally.count(False)
    wrongly = [o.claim.text for o in tally.outcomes if not o.claim.supported and o.accepted]
    assert accepted_false <= false_accepted, wrongly
    assert accepted_true >= true_accepted - 1


HELD_OUT_MISS = pytest.mark.xfail(
    strict=True, reason="held out: 7 of 78 false claims accepted (9 %), above the limit; issue 12 is open"
)


@pytest.mark.parametrize("name", ["article", "rhine", pytest.param("plaintext", marks=HELD_OUT_MISS)])
def test_false_claims_stay_under_the_limit(tallies: dict[str, Tally], name: str) -> None:
    accepted_false, total_false = tallies[name].count(False)
    assert accepted_false / total_false <= FALSE_LIMIT


def test_nothing_verbatim_is_lost_and_filler_never_passes(tallies: dict[str, Tally]) -> None:
    for name in ("article", "rhine"):
        tally = tallies[name]
        assert tally.count(True, "verbatim")[0] >= tally.count(True, "verbatim")[1] - 1
        assert tally.count(False, "outside")[0] == 0
        assert tally.count(False, "role-swap")[0] == 0
