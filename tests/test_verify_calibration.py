"""The verifier against the claim sets in evals/claims/: true claims written the way strong chat
models answer, and false ones built from the documents' own words. Each claim is checked with no
citation against every sentence of its corpus, the most permissive setting.

The fitted model's weights come from article.yaml and rhine.yaml; the rules were developed on those
and on plaintext.yaml (issue 12). debdocs.yaml (Debian licence and documentation files) was written
before any of that work and is held out: rules were looked at against its dev half only
(``python -m assistant.evaluation.claims "debdocs[dev]"``), never against its test half. The figures
asserted are those measured (``python -m assistant.evaluation.claims``): a change that lets one more
false claim through fails here, and so does one that keeps two fewer true claims (one is the wobble
of int8 embeddings computed in other batches). Letting a false claim through is the costly error; an
undecided true claim only costs a sentence, or a model call where a model is configured."""

from __future__ import annotations

import pytest

from assistant.embeddings import MiniLMEmbedder
from assistant.evaluation.claims import CLAIM_SETS, HELD_OUT, Tally, half, load_claim_set, run_claim_set

# (true claims accepted, false claims accepted).
MEASURED = {
    "article": (59, 1),  # of 78 true, 71 false
    "rhine": (132, 0),  # of 153 true, 128 false
    "plaintext": (78, 0),  # of 94 true, 78 false; rules tuned on it
    "debdocs": (54, 4),  # of 64 true, 64 false; held out
    "debdocs[test]": (25, 1),  # of 32 true, 32 false; its never-examined half
}
FALSE_LIMIT = 0.03


@pytest.fixture(scope="module")
def tallies() -> dict[str, Tally]:
    embedder = MiniLMEmbedder()
    found = {}
    for name in ("article", "rhine", "plaintext", *HELD_OUT):
        claim_set = load_claim_set(CLAIM_SETS / f"{name}.yaml")
        found[name] = run_claim_set(claim_set, embedder)
        if name in HELD_OUT:
            found[f"{name}[test]"] = Tally(
                [o for o in found[name].outcomes if o.claim in half(claim_set, "test").claims]
            )
    return found


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
    strict=True, reason="held out: 4 of 64 false claims accepted (6 %), above the limit; issue 12 is open"
)


@pytest.mark.parametrize(
    "name", ["article", "rhine", "plaintext", pytest.param("debdocs", marks=HELD_OUT_MISS)]
)
def test_false_claims_stay_under_the_limit(tallies: dict[str, Tally], name: str) -> None:
    accepted_false, total_false = tallies[name].count(False)
    assert accepted_false / total_false <= FALSE_LIMIT


def test_nothing_verbatim_is_lost_and_filler_never_passes(tallies: dict[str, Tally]) -> None:
    for name in ("article", "rhine", "plaintext", "debdocs"):
        tally = tallies[name]
        assert tally.count(True, "verbatim")[0] >= tally.count(True, "verbatim")[1] - 1
        assert tally.count(False, "outside")[0] == 0
    for name in ("article", "rhine", "plaintext"):
        assert tallies[name].count(False, "role-swap")[0] == 0
