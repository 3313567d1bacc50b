"""A when-question's span is a time of the event it asks about: a time in a clause of the other tense
dates another event of the sentence (string in, string out; no index)."""

from __future__ import annotations

import pytest

from assistant.reading.events import clause, other_event, tense
from assistant.reading.question import analyze
from assistant.reading.spans import extract

OFFICE = (
    "The invitation, which marks the first trip to the U.S. by Japan’s first female prime minister since "
    "she took office in October, is a strategic signal of deepening bilateral ties."
)
VISIT = "Trump has invited Takaichi, who took office in October, to visit the United States this spring."


def bounds(sentence: str, span: str) -> tuple[int, int]:
    start = sentence.index(span)
    return start, start + len(span)


@pytest.mark.parametrize(
    ("sentence", "span", "expected"),
    [
        (OFFICE, "October", "since she took office in October"),
        (VISIT, "this spring", "to visit the United States this spring."),
        ("On October 5, 2020, the bridge was opened.", "October 5, 2020", "On October 5, 2020"),
        ("The dam was finished in 1962 - after the war.", "after the war", "after the war."),
        ("It opened in 1890.", "1890", "It opened in 1890."),
    ],
)
def test_a_clause_runs_from_the_break_before_the_span_to_the_one_after(
    sentence: str, span: str, expected: str
) -> None:
    start, end = clause(sentence, *bounds(sentence, span))
    assert sentence[start:end].strip() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("When will she go?", "future"),
        ("She'll go in May", "future"),
        ("When did the Rhine freeze?", "past"),
        ("since she took office", "past"),
        ("to visit the United States", None),
        ("agreed to coordinate for the visit", None),  # regular "-ed" forms are not read
        ("she said she will go", None),  # both: no telling
    ],
)
def test_tense_is_read_from_auxiliaries_and_irregular_past_forms(text: str, expected: str | None) -> None:
    assert tense(text) == expected


def test_a_time_of_another_tense_is_another_events() -> None:
    assert other_event("When will she go?", OFFICE, *bounds(OFFICE, "October"))
    assert not other_event("When did she take office?", OFFICE, *bounds(OFFICE, "October"))
    assert not other_event("When is the visit?", OFFICE, *bounds(OFFICE, "October"))  # no tense asked


def test_a_when_questions_span_is_its_own_events_time() -> None:
    go = analyze("When will she go?")
    assert extract(go, OFFICE) is None  # the only time dates the taking of office
    span = extract(go, VISIT)
    assert span is not None and span.text == "this spring"  # not "October", nearer to nothing asked
    office = extract(analyze("When did she take office?"), VISIT)
    assert office is not None and office.text == "October"
