"""The verifier against the claim sets in evals/claims/: true claims written the way strong chat models
answer, and false ones built from the documents' own words. Each claim is checked with no citation
against every sentence of its corpus, the most permissive setting.

The fitted model's weights come from article.yaml and rhine.yaml; the rules were developed on those and
on plaintext.yaml (issue 12). Two sets are held out. debdocs.yaml (Debian licence and documentation
files) was written before any of that work: rules were developed against its dev half only (``python -m
assistant.evaluation.claims "debdocs[dev]"``). mixed.yaml (the mixed-format corpus: PDF, web page, Word
file, text, README) was written before the verifier was ever run on it. On 2026-11-27 the rules of that
day were measured once on both (mixed 63 of 72 true and 4 of 64 false accepted; debdocs[test] 24 of 32
and 1 of 32); then the misses of both were read and two fixes to the doer check followed (a passive
without "be", a relative clause's subject), which left those figures as they were. Neither set is
untouched since. Later the same day seven rule changes made on the calibration sets alone (+5 true and -1
false there) left both held-out figures exactly as they were, and so did the next session's rule
changes (+5 true on the calibration sets, and role checks tried on hand-written false claims), counted
after each batch, never read, but for debdocs' one false claim accepted, which the last batch (negation,
conditions, "May", from hand-written claims) rejects. Session 6 added readmes.yaml (six Debian package
READMEs, written before the verifier was run on it: 65 of 84 true and 5 of 83 false accepted then) as
calibration data, and rule changes from it and from hand-written role swaps left both held-out figures
as they were, counted after each batch. So did session 8's (+12 true on the calibration sets, each rule
also tried on hand-written false claims; evals/claims/ERRORS.md), counted after each commit, never read.
rustbook.yaml (the Rust book pages of evals/htmldocs/corpus) was written in session 11 in one go,
committed, then measured once with the rules of that day (90 of 104 true and 11 of 78 false accepted;
its dev and test halves 45/52 and 5/39, 45/52 and 6/39) without reading which claims were misjudged: it
is the one held-out set whose misses nobody has read. cargo.yaml (fourteen Cargo book pages, the same kind
of text as rustbook) was written in session 11 as calibration data for rustbook's failures (59 of 65
true and 14 of 72 false accepted on its first run); two rules made from its misses (a term of the
documents put in another term's place; a claim a sentence denies word for word) took it to 6 of 72 and
rustbook to 7 of 78 (counted twice, never read), the other sets unchanged. The figures asserted are
those measured (``python -m assistant.evaluation.claims``): a change that lets one more false claim
through fails here, and so does one that keeps two fewer true claims (one is the wobble of int8
embeddings computed in other batches). Letting a false claim through is the costly error; an undecided
true claim only costs a sentence, or a model call where a model is configured."""

from __future__ import annotations

import pytest

from assistant.embeddings import MiniLMEmbedder
from assistant.evaluation.claims import CLAIM_SETS, HELD_OUT, Tally, half, load_claim_set, run_claim_set

# (true claims accepted, false claims accepted).
MEASURED = {
    "article": (69, 1),  # of 78 true, 71 false
    "rhine": (144, 0),  # of 153 true, 128 false
    "plaintext": (82, 0),  # of 94 true, 78 false; rules tuned on it
    "readmes": (74, 0),  # of 84 true, 83 false; written in session 6, rules tuned on it
    "debdocs": (53, 0),  # of 64 true, 64 false; held out
    "debdocs[test]": (24, 0),  # of 32 true, 32 false; its half not used to develop rules
    "mixed": (63, 4),  # of 72 true, 64 false; held out
    "cargo": (59, 6),  # of 65 true, 72 false; written in session 11, rules tuned on it
    "rustbook": (90, 7),  # of 104 true, 78 false; held out, misses never read (session 11)
}
FALSE_LIMIT = 0.02  # issue 12: at most 2 % of false claims accepted
TRUE_GOAL = 0.90  # issue 12: at least 90 % of true claims accepted
SETS = ("article", "rhine", "plaintext", "readmes", "cargo", *HELD_OUT, "mixed", "rustbook")


@pytest.fixture(scope="module")
def tallies() -> dict[str, Tally]:
    embedder = MiniLMEmbedder()
    found = {}
    for name in SETS:
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


MIXED_MISS = pytest.mark.xfail(
    strict=True, reason="held out: 4 of 64 false claims accepted (6 %), three of them role swaps; issue 12"
)
RUSTBOOK_MISS = pytest.mark.xfail(
    strict=True, reason="held out: 7 of 78 false claims accepted (9 %); issue 12"
)
CARGO_MISS = pytest.mark.xfail(
    strict=True,
    reason="calibration: 6 of 72 false claims accepted (8 %): two role swaps, three negations or wrong"
    " relations read through a novel verb or an opposite, one outside claim; issue 12",
)


@pytest.mark.parametrize(
    "name",
    [
        "article",
        "rhine",
        "plaintext",
        "readmes",
        pytest.param("cargo", marks=CARGO_MISS),
        "debdocs",
        pytest.param("mixed", marks=MIXED_MISS),
        pytest.param("rustbook", marks=RUSTBOOK_MISS),
    ],
)
def test_false_claims_stay_under_the_limit(tallies: dict[str, Tally], name: str) -> None:
    accepted_false, total_false = tallies[name].count(False)
    assert accepted_false / total_false <= FALSE_LIMIT


@pytest.mark.xfail(
    strict=True, reason="held out: 83 % (debdocs), 88 % (mixed) and 87 % (rustbook) of true claims; issue 12"
)
@pytest.mark.parametrize("name", ["debdocs", "mixed", "rustbook"])
def test_true_claims_reach_the_goal_on_held_out_sets(tallies: dict[str, Tally], name: str) -> None:
    accepted_true, total_true = tallies[name].count(True)
    assert accepted_true / total_true >= TRUE_GOAL


def test_nothing_verbatim_is_lost_and_filler_never_passes(tallies: dict[str, Tally]) -> None:
    for name in SETS:
        tally = tallies[name]
        assert tally.count(True, "verbatim")[0] >= tally.count(True, "verbatim")[1] - 1
        if name != "cargo":  # its one outside claim accepted: test_cargo_lets_no_filler_or_role_swap_through
            assert tally.count(False, "outside")[0] == 0
    for name in ("article", "rhine", "plaintext", "readmes"):
        assert tallies[name].count(False, "role-swap")[0] == 0


@pytest.mark.xfail(
    strict=True,
    reason="cargo: 1 outside claim accepted ('Cargo itself is written in Rust', for 'Cargo is the Rust"
    " package manager') and 2 role swaps (include/exclude around 'which if set, overrides'; a heading);"
    " issue 12",
)
def test_cargo_lets_no_filler_or_role_swap_through(tallies: dict[str, Tally]) -> None:
    assert tallies["cargo"].count(False, "outside")[0] == 0
    assert tallies["cargo"].count(False, "role-swap")[0] == 0
