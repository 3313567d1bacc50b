"""A reading in words: per question, the best candidates with their probability and what held each back.

This is what ``assistant ask --explain`` shows, so that a user can tell a document that lacks the
answer (every candidate weak on the question's names or words) from a reader that missed it (a
candidate close to the threshold that does hold the answer).
"""

from __future__ import annotations

from ..models import Explanation, ReadQuestion, WeighedSentence
from ..text import flatten
from .reader import Candidate, Reading


def explain(reading: Reading, retrieval_refused: bool = False) -> Explanation:
    """The reading as an ``Explanation`` record; ``retrieval_refused``: the pipeline refused before
    reading, because no retrieved sentence was relevant enough."""
    return Explanation(
        threshold=reading.threshold,
        retrieval_refused=retrieval_refused,
        questions=[
            ReadQuestion(
                question=part.question.text,
                candidates=[_weighed(c, c in part.chosen, reading.threshold) for c in part.candidates],
            )
            for part in reading.parts
        ],
    )


def _weighed(candidate: Candidate, chosen: bool, threshold: float) -> WeighedSentence:
    return WeighedSentence(
        doc_id=candidate.evidence.doc_id,
        start=candidate.evidence.start,
        end=candidate.evidence.end,
        text=flatten(candidate.evidence.text),
        probability=candidate.probability,
        span=candidate.span,
        chosen=chosen,
        reasons=[] if chosen else reasons(candidate, threshold),
    )


def reasons(candidate: Candidate, threshold: float) -> list[str]:
    """Why a candidate did not answer: below the threshold (and its weakest signals), or outranked."""
    if candidate.probability >= threshold:
        return ["a likelier sentence answered"]
    return [f"probability {candidate.probability:.2f} below the threshold {threshold:.2f}", *candidate.weak]
