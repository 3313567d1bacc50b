"""Whether a model's sentence bears on what the question asks, so that a true but beside-the-point
sentence is not shown.

It judges the way the offline reader does (one analysis of the question, not a second): a sentence
bears on a part of the question when the sentence it cites would qualify as an answer to that part
for the offline reader — retrieved as relevant, naming everything the part names (in it, the sentence
before or the document's title), agreeing with it on negation, holding a span of the asked-for type
(a time for "when") — and the model's own sentence still says something of that type. The model then
chooses among the sentences that qualify; it cannot bring in one that does not. Measured on
``evals/dev.yaml`` with SmolLM2-135M, a looser check (any name, matched by meaning) let through a
true sentence beside the point in most answers (README, "With a model").
"""

from __future__ import annotations

from dataclasses import dataclass

from .embeddings import Embedder
from .models import Request
from .reading.question import names as named_in
from .reading.question import parts
from .reading.rules import choose, extract, head_noun, question_type
from .text import canonical_names, is_instruction, normalize, same_term, split_context, words


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
    question: str, shown: Shown, request: Request, min_relevance: float, embedder: Embedder | None = None
) -> tuple[list[str], str | None]:
    """The parts of ``question`` that ``shown`` answers, and why it answers none (None when it does)."""
    if is_instruction(shown.text) or is_instruction(shown.cited):
        return [], "off-topic: text addressed to an AI, not an answer"
    cited = [e for e in request.evidence if e.doc_id == shown.doc_id and shown.start <= e.start < shown.end]
    if not cited:
        return [], "off-topic: the cited sentence was not retrieved for this question"
    relevance = max(e.relevance for e in cited)
    if relevance < min_relevance:
        return [], f"off-topic: the cited sentence is not about the question (relevance {relevance:.2f})"
    answered, reasons = [], []
    passages = [source.passage for source in request.sources]
    embed = embedder.embed if embedder else None
    for part in question_parts(question):
        kind = question_type(part)
        if kind and not extract(kind, part, shown.text, embed):
            reasons.append(f"off-topic: says no {kind} (the question asks {kind})")
        elif not any(choose(part, [e], passages, min_relevance, embed) for e in cited):
            reasons.append(_why_not(part, kind, shown))
        else:
            answered.append(part)
    return answered, None if answered else reasons[0]


def _why_not(part: str, kind: str | None, shown: Shown) -> str:
    """Why the offline reader would not take the cited sentence as an answer to ``part``."""
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
