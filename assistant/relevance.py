"""Whether a model's verified sentence may be shown for the question, with the offline reader as the
judge: a weak model cannot make an answer worse than the reader's, and a good one can still help.

The reader (``assistant.reading``) runs first on the same evidence and either answers each question
the message asks with the sentences it chose, or refuses it. A model's sentence is one of two kinds:

- a *pick*: a sentence it cites, copied whole. That is selection, and a small model selects worse
  than retrieval ranks (SmolLM2-135M: ``evals/model_path/REPORT.md`` § 3). A pick is shown only when
  the reader chose that sentence too, or when the model's own answer cites it (it is that answer's
  quote). A pick of any other sentence is not shown: where the reader refuses, a pick does not
  overrule it (SmolLM2's picks there were right 2 times and wrong 2 times on ``evals/dev.yaml``);
- the model's *own words*: a sentence it wrote, or a part it took out of a sentence (the short answer
  of a structured reply). Verified against what it cites, of the asked-for type (a time for "when"),
  sharing a word with the question and citing a sentence retrieved as relevant, it is shown, also
  where the reader chose other sentences or refused: reading the sentence for the question is what
  a model adds to the reader.

An answer of picks only repeats the reader's choice with less in it (no short answer, often fewer
sentences), so the caller shows the reader's answer instead (``assistant.core``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .embeddings import Embedder
from .models import Request
from .reading import PartReading, Reading
from .reading.question import YES_NO, negative, parts
from .reading.rules import extract, question_type
from .text import (
    canonical_names,
    is_instruction,
    negates,
    normalize,
    question_terms,
    same_term,
    split_context,
    terms,
    words,
)

_MARKER = re.compile(r"\[\d+(?:\.\d+)?(?:\s*,\s*\d+(?:\.\d+)?)*\]")  # "[3.2]", "[1, 2]"
PICK = "not shown: a pick"
"""How the reasons for a pick that is not shown begin (the caller's notice depends on it)."""


@dataclass(frozen=True)
class Shown:
    """A sentence about to be shown: its text, the text it cites (with the sentence before and the
    document's title, where its pronouns' names are), where the cited text is in its document, whether
    it is the model's own words, and (for a pick) whether the model's own answer cites the same text."""

    text: str
    cited: str
    context: str
    doc_id: str
    start: int
    end: int
    own: bool = True
    vouched: bool = False


def question_parts(question: str) -> list[str]:
    """The questions a message asks ("When is it, and what did Kyodo suggest?" asks two)."""
    return parts(split_context(question)[0]) or [question]


def own_words(text: str, cited: Sequence[str], lead: str | None = None) -> bool:
    """Whether ``text`` is the model's own answer rather than one of the ``cited`` sentences copied
    whole (case, punctuation and the marker aside). ``lead``: for a structured reply, the short answer
    leading its draft ("" for none), its only own words: the verifier may split a cited sentence into
    claims that are each a part of it, and those are still copies."""
    if lead is not None:
        return bool(lead) and _plain(text) == _plain(lead)
    plain = _plain(text)
    return not any(plain == _plain(sentence) for sentence in cited)


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
    embed = embedder.embed if embedder else None
    for part, part_reading in zip(asked, readings, strict=True):
        kind = question_type(part)
        if kind and not extract(kind, part, shown.text, embed):
            reasons.append(f"off-topic: says no {kind} (the question asks {kind})")
            continue
        why = _own_answer(part, shown) if shown.own else _pick(shown, part_reading, reading.threshold)
        if why:
            reasons.append(why)
        else:
            answered.append(part)
    return answered, None if answered else reasons[0]


def _own_answer(part: str, shown: Shown) -> str | None:
    """Why the model's own sentence does not answer ``part``, or None: it must share a word with it,
    and the sentence it cites must agree with the question on negation, as the reader's rules demand
    ("has not yet confirmed" does not answer "Why did … confirm", nor a plain fact "Why did … cancel")."""
    if not YES_NO.match(part):
        if negative(part) and not (negative(shown.cited) or negative(shown.text)):
            return "off-topic: the question asks about something denied or undone; the cited sentence is not"
        if not negative(part) and negates(shown.cited, question_terms(part)):
            return "off-topic: the cited sentence denies what the question takes for granted"
    asked = terms(part)
    vocabulary = {
        normalize(w) for w, _, _ in words(canonical_names(f"{shown.context}\n{shown.cited}\n{shown.text}"))
    }
    if asked and not any(same_term(t, vocabulary) for t in asked):
        return f"off-topic: shares no word with the question ({', '.join(dict.fromkeys(asked))})"
    return None


def _pick(shown: Shown, reading: PartReading | None, threshold: float) -> str | None:
    """Why a copied sentence is not shown for this part, or None: the reader chose it too, or the
    model's own answer cites it."""
    if shown.vouched:
        return None
    chosen = reading.chosen if reading else ()
    if any(_cites(shown, c.evidence.doc_id, c.evidence.start) for c in chosen):
        return None
    candidates = reading.candidates if reading else ()
    place = next(
        (k for k, c in enumerate(candidates) if _cites(shown, c.evidence.doc_id, c.evidence.start)), -1
    )
    rated = (
        f"its candidate {place + 1}, p={candidates[place].probability:.2f}" if place >= 0 else "not its best"
    )
    if not chosen:
        return (
            f"{PICK} of a sentence the offline reader found too weak to answer ({rated}, threshold "
            f"{threshold:.2f}); a model overrules it only with an answer in its own words"
        )
    return f"{PICK} of a sentence the offline reader did not choose ({rated}), and none of the model's own"


def _cites(shown: Shown, doc_id: str, start: int) -> bool:
    return doc_id == shown.doc_id and shown.start <= start < shown.end


def _plain(text: str) -> str:
    return " ".join(normalize(w) for w, _, _ in words(_MARKER.sub(" ", text)))
