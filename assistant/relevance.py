"""Whether a model's sentence bears on what the question asks, so that a true but beside-the-point
sentence is not shown, and a model's answer weaker than the offline reader's is not preferred to it.

The offline reader is the judge (one analysis of the question, not a second): for each question the
message asks it ranks the retrieved sentences by the calibrated probability that answering with them
is right (``assistant.reading``). A model's sentence bears on a part of the question when the sentence
it cites is one of the reader's best candidates for that part and at least ``RELATIVE`` as likely to
answer as the reader's own best one, and the model's own sentence still says something of the asked-for
type (a time for "when", a number for "how many"). Within that, the model chooses, including where
the reader would refuse: its best candidate is below the reader's threshold, and a model may still
find it answers. A sentence the reader rates far below its best is a weaker answer than the reader's:
it is not shown, and when nothing else is, the reader's answer is. Measured with SmolLM2-135M on
``evals/dev.yaml`` (README, "The model path"): its off-topic picks are the reader's 4th to 9th
candidates or below a fifth of the best one's probability; its useful ones are the reader's best.
"""

from __future__ import annotations

from dataclasses import dataclass

from .embeddings import Embedder
from .models import Request
from .reading import PartReading, Reading
from .reading.question import names as named_in
from .reading.question import parts
from .reading.rules import choose, extract, head_noun, question_type
from .text import canonical_names, is_instruction, normalize, same_term, split_context, words

RELATIVE = 0.5
"""A model's cited sentence must be at least this share of the reader's best candidate's probability."""
WEAKER = "off-topic: a weaker answer than the offline reader's"


@dataclass(frozen=True)
class Shown:
    """A sentence about to be shown: its text, the text it cites (with the sentence before and the
    document's title, where its pronouns' names are), and where the cited text is in its document."""

    text: str
    cited: str
    context: str
    doc_id: str
    start: int
    end: int


def question_parts(question: str) -> list[str]:
    """The questions a message asks ("When is it, and what did Kyodo suggest?" asks two)."""
    return parts(split_context(question)[0]) or [question]


def bears_on(
    question: str,
    shown: Shown,
    request: Request,
    reading: Reading,
    min_relevance: float,
    embedder: Embedder | None = None,
) -> tuple[list[str], str | None]:
    """The parts of ``question`` that ``shown`` answers, and why it answers none (None when it does).
    ``reading`` is the offline reader's reading of the same question and evidence."""
    if is_instruction(shown.text) or is_instruction(shown.cited):
        return [], "off-topic: text addressed to an AI, not an answer"
    cited = [e for e in request.evidence if e.doc_id == shown.doc_id and shown.start <= e.start < shown.end]
    if not cited:
        return [], "off-topic: the cited sentence was not retrieved for this question"
    relevance = max(e.relevance for e in cited)
    if relevance < min_relevance:
        return [], f"off-topic: the cited sentence is not about the question (relevance {relevance:.2f})"
    asked = question_parts(question)
    readings = list(reading.parts) if len(reading.parts) == len(asked) else [None] * len(asked)
    answered, reasons = [], []
    passages = [source.passage for source in request.sources]
    embed = embedder.embed if embedder else None
    for part, part_reading in zip(asked, readings, strict=True):
        kind = question_type(part)
        if kind and not extract(kind, part, shown.text, embed):
            reasons.append(f"off-topic: says no {kind} (the question asks {kind})")
            continue
        if not any(choose(part, [e], passages, min_relevance, embed) for e in cited):
            reasons.append(_why_not(part, kind, shown))
            continue
        why = _weaker(shown, part_reading)
        if why:
            reasons.append(why)
        else:
            answered.append(part)
    return answered, None if answered else reasons[0]


def _weaker(shown: Shown, reading: PartReading | None) -> str | None:
    """Why the offline reader does not take the cited sentence as an answer to this part, or None."""
    candidates = reading.candidates if reading else ()
    if not candidates:
        return "off-topic: the offline reader found no sentence that could answer it"
    best = candidates[0].probability
    for place, candidate in enumerate(candidates):
        e = candidate.evidence
        if e.doc_id == shown.doc_id and shown.start <= e.start < shown.end:
            if candidate.probability >= RELATIVE * best:
                return None
            return f"{WEAKER} (its candidate {place + 1}, p={candidate.probability:.2f} against {best:.2f})"
    return f"off-topic: not among the offline reader's {len(candidates)} best candidates"


def _why_not(part: str, kind: str | None, shown: Shown) -> str:
    """Why the reader's rules would not take the cited sentence as an answer to ``part``."""
    names = named_in(part)
    head = None if kind else head_noun(part)
    if head:
        names.add(head)
    vocabulary = {
        normalize(w) for w, _, _ in words(canonical_names(f"{shown.context}\n{shown.cited}\n{shown.text}"))
    }
    missing = sorted(n for n in names if not same_term(n, vocabulary))
    if missing:
        return f"off-topic: does not mention {', '.join(missing)}"
    return "off-topic: the cited sentence does not answer it (negation, or no answer of the asked type)"
