"""Unanswerable questions made from answerable ones (``reading/synthetic.py``): each edit of SQuAD 2.0's
recipe, string in, strings out, and a whole set made reproducibly from a real eval set."""

from __future__ import annotations

from pathlib import Path

from assistant.evaluation.dataset import Expectation
from assistant.evaluation.sets import load_dataset
from assistant.reading.synthetic import EDITS, _edits, negatives

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = (
    "The Rhine flows from the Alps through Switzerland and Germany to the North Sea in 1939. "
    "The Danube flows to the Black Sea. Its length was measured in 1939 and again in 1962."
)


def _made(question: str, answer: str = "North Sea") -> dict[str, list[str]]:
    expect = Expectation(
        question=question,
        one_of=[answer],
        answers=[answer],
        evidence=["The Rhine flows from the Alps through Switzerland and Germany to the North Sea in 1939."],
    )
    found: dict[str, list[str]] = {}
    for kind, edited in _edits(question, DOCUMENT, expect):
        found.setdefault(kind, []).append(edited)
    return found


def test_another_name_of_the_same_document_first_from_the_answer_sentence() -> None:
    made = _made("Where does the Rhine flow to?")
    assert made["name"] == ["Where does the Alps flow to?", "Where does the Switzerland flow to?"]
    assert not any("North Sea" in q for q in made["name"])  # never the gold answer


def test_another_number_of_the_same_shape() -> None:
    assert _made("What happened to the Rhine in 1939?", "flows")["number"] == [
        "What happened to the Rhine in 1962?"
    ]


def test_an_antonym_a_negation_and_swapped_roles() -> None:
    made = _made("Where does the large Rhine meet the Danube?")
    assert "Where does the small Rhine meet the Danube?" in made["antonym"]
    assert made["negation"] == ["Where doesn't the large Rhine meet the Danube?"]
    assert made["roles"] == ["Where does the large Danube meet the Rhine?"]


def test_a_negative_question_is_not_negated_again() -> None:
    assert "negation" not in _made("Where doesn't the Rhine flow?")


def test_a_set_of_refusals_made_reproducibly_from_the_answerable_questions() -> None:
    dataset = load_dataset(ROOT / "evals" / "dev.yaml")
    made = negatives(dataset, 2)
    answerable = [c for c in dataset.cases if len(c.turns) == 1 and not c.turns[0].refuse]
    assert made.corpus == dataset.corpus and 0 < len(made.cases) <= 2 * len(answerable)
    assert all(c.kind == "unanswerable" and c.turns[0].refuse for c in made.cases)
    assert {c.id.rsplit("-", 1)[1] for c in made.cases} <= set(EDITS)
    assert [c.turns[0].question for c in negatives(dataset, 2).cases] == [
        c.turns[0].question for c in made.cases
    ]
    asked = {c.turns[0].question for c in dataset.cases for _ in c.turns}
    assert not asked & {c.turns[0].question for c in made.cases}
