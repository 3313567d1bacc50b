"""Follow-up questions made standalone: the carry-along rewrite, and the check a model's rewrite must pass.

"When will she go?" cannot be retrieved on its own. Without a model it is sent with the previous
question carried along ("When will she go? (Who invited Japan's prime minister?)"): nothing is lost
and retrieval finds what "she" refers to. A model may write a better standalone question, but a small
one mostly does not (SmolLM2-135M: 1 of 13 rewrites kept the question, the others were statements,
echoed prompt lines or answers, evals/model_path/REPORT.md § 4). So a rewrite is used only when it is
a question that resolves what the follow-up referred to ("she" is gone), keeps its content words,
question words and negation, adds no word the conversation does not contain, and gives no
instruction; otherwise the carry-along rewrite is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Turn
from .text import NEGATIONS, QUESTION_WORDS, is_instruction, normalize, same_term, split_context, terms, words

_REFERRING = re.compile(
    r"(?i)\b(?:she|her|hers|he|him|his|it|its|they|them|their|there|then|that|those|these|this one)\b"
    r"|^\s*(?:and|but|so|also|what about|how about)\b"
)
_ASKS = re.compile(
    r"(?i)^\W*(?:who|whom|whose|what|when|where|which|why|how|did|does|do|is|are|was|were|has|have|"
    r"had|can|could|will|would|should|may|might|must|shall|in|on|at|for|from|to|by|with)\b"
)


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the conversation: it refers back ("she", "and Beijing?") or has
    no content word of its own ("Why?")."""
    return bool(_REFERRING.search(question)) or not terms(question)


def carry_along(history: Sequence[Turn], question: str) -> str:
    """The follow-up with the previous question (and its own context, flattened) in parentheses:
    "When was that? (Where did they meet? Who invited her?)", never nested deeper than that."""
    if not history or not is_follow_up(question):
        return question
    own, context = split_context(history[-1].question)
    previous = f"{own} {context}".strip()
    return f"{question} ({previous})"


def rewrite_problem(rewrite: str, question: str, history: Sequence[Turn]) -> str | None:
    """Why ``rewrite`` cannot stand for the follow-up ``question``, or None when it can."""
    own = split_context(rewrite)[0]  # a carried-along context is checked as part of the words only
    if not own or not (own.endswith("?") and _ASKS.match(own)) or own.count("?") > 1:
        return "not a question"
    if is_instruction(rewrite):
        return "gives an instruction"
    unresolved = _REFERRING.search(own) if is_follow_up(question) else None
    if unresolved:
        return f"still refers back ({unresolved.group().strip()!r})"
    tokens = {word.lower() for word, _, _ in words(rewrite)}
    vocabulary = set(terms(rewrite))
    dropped = [t for t in terms(question) if not same_term(t, vocabulary)]
    dropped += sorted(({w.lower() for w, _, _ in words(question)} & QUESTION_WORDS) - tokens)
    if dropped:
        return f"drops {', '.join(dict.fromkeys(dropped))}"
    if _negated(question) and not _negated(rewrite):
        return "drops the negation"
    known = set(terms(question)) | {t for turn in history for t in terms(f"{turn.question} {turn.answer}")}
    added = [t for t in dict.fromkeys(vocabulary) if not same_term(t, known)]
    if added:
        return f"adds {', '.join(added)}, which the conversation does not say"
    return None


def _negated(text: str) -> bool:
    return any(
        normalize(word) in NEGATIONS or word.lower().endswith(("n't", "n’t")) for word, _, _ in words(text)
    )
