"""Whether a model's sentence bears on what the question asks, so that a true but beside-the-point
sentence is not shown.

It reads the question the way the offline reader does (one analysis, not a second): the parts it
asks, the names and the thing each part is about, and the type of answer it wants (when, who, how
many …). A sentence bears on a part when the sentence with what it cites names everything the part
names (each word itself, or a word close to it in meaning: "warship" ~ "carrier", as the offline
reader anchors a question's verbs), says something of the asked-for type (a time for "when"), and the
sentence it cites was retrieved as relevant to the question. It bears on the question when it bears on
any part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .backends.offline import SOFT_ANCHOR, extract, head_noun, parts, question_type

# The question analysis lives with the offline reader (moving to ``assistant/reading/``): this is the
# one place that imports it for the model path.
from .backends.offline import _names as named_in
from .embeddings import Embedder
from .models import Evidence
from .text import STOPWORDS, canonical_names, is_instruction, normalize, same_term, split_context, words


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


def off_topic(
    question: str,
    shown: Shown,
    evidence: Sequence[Evidence],
    min_relevance: float,
    embedder: Embedder | None = None,
) -> str | None:
    """Why ``shown`` does not bear on ``question``, or None when it does."""
    if is_instruction(shown.text) or is_instruction(shown.cited):
        return "off-topic: text addressed to an AI, not an answer"
    relevance = max(
        (e.relevance for e in evidence if e.doc_id == shown.doc_id and shown.start <= e.start < shown.end),
        default=None,
    )
    if relevance is None:
        return "off-topic: the cited sentence was not retrieved for this question"
    if relevance < min_relevance:
        return f"off-topic: the cited sentence is not about the question (relevance {relevance:.2f})"
    vocabulary = {
        normalize(w) for w, _, _ in words(canonical_names(f"{shown.context}\n{shown.cited}\n{shown.text}"))
    }
    reasons = []
    for part in parts(split_context(question)[0]) or [question]:
        kind = question_type(part)
        names = named_in(part)
        head = None if kind else head_noun(part)
        if head:
            names.add(head)
        missing = _unmentioned(sorted(n for n in names if not same_term(n, vocabulary)), vocabulary, embedder)
        if missing:
            reasons.append(f"off-topic: does not mention {', '.join(missing)}")
        elif kind and not extract(kind, part, shown.text, embedder):
            reasons.append(f"off-topic: says no {kind} (the question asks {kind})")
        else:
            return None
    return reasons[0]


def _unmentioned(terms: list[str], vocabulary: set[str], embedder: Embedder | None) -> list[str]:
    """The terms no word of ``vocabulary`` stands for, by meaning (cosine of the word vectors)."""
    content = sorted(w for w in vocabulary if w not in STOPWORDS and w.isalpha())
    if not terms or embedder is None or not content:
        return terms
    vectors = embedder.embed([*terms, *content])
    similarity = vectors[len(terms) :] @ vectors[: len(terms)].T  # (words, terms)
    return [t for i, t in enumerate(terms) if similarity[:, i].max() < SOFT_ANCHOR]
