"""The reader: for each question a message asks, the sentence that answers it (with its short span),
or nothing when no sentence is likely enough to.

Candidates are the retrieved sentences closest to the question by meaning and shared words, and those
the first reader's rules pick (``rules``); each is measured (``features``), the fitted ranker orders
them and the fitted decider gives the best two the probability that answering with them is right
(``model``); those at or above the one threshold answer. The reading keeps the best candidates with
their probabilities and their weakest signals, so a refusal can say whether the documents lack the
answer or the reader missed it.

The reader embeds no sentence: their similarity to the question is the one retrieval measured
(``Evidence.similarity``), and a part of a message is scored again by the caller's ``rescore``
(retrieval's ``score_sentences``), so sentence vectors stored at ingest serve it too. ``embed`` is used
for single words only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import numpy as np

from ..models import Evidence, Passage
from ..text import STOPWORDS, flatten, normalize, same_term, words
from .features import FEATURES, Measured, Sentence, answerable_text, measure, sentence_term_set
from .model import DECIDED, Model, load
from .question import Question, analyze, defines, parts
from .rules import choose, window
from .spans import extract, typed
from .vectors import Embed, Rescore

POLARITY = FEATURES.index("polarity")
CONTRAST = FEATURES.index("contrast")
CANDIDATES = 10  # sentences weighed per question; the answer's sentence is among them for ~95 % of
# answerable Rhine questions (paragraphs 1-22)
SHOWN = 3  # candidates kept in a reading for explanation
LISTED = 3  # items of a list an answer introduces ("You need:") shown with it


@dataclass(frozen=True)
class Candidate:
    """A sentence the reader weighed: how likely it answers, its span, and what held it back."""

    evidence: Evidence
    probability: float
    span: str | None
    weak: tuple[str, ...]
    signals: dict[str, float]
    continued_by: tuple[Evidence, ...] = ()
    """The next sentences, when they carry on what this one starts (a step, a list): they go with it."""


@dataclass(frozen=True)
class PartReading:
    """One question of the message: the best candidates (best first) and those chosen to answer it
    (none: the reader refuses this part)."""

    question: Question
    candidates: tuple[Candidate, ...]
    chosen: tuple[Candidate, ...]


@dataclass(frozen=True)
class Reading:
    """What the reader found for every question a message asks, and the threshold it applied."""

    parts: tuple[PartReading, ...]
    threshold: float

    @property
    def answered(self) -> bool:
        return any(part.chosen for part in self.parts)


@dataclass(frozen=True)
class Weighed:
    """A candidate's measurements, before the model: what calibration fits on."""

    evidence: Evidence
    measured: Measured


class Reader:
    """``Reader().read(question, evidence, passages, embed)``: answer or refuse, with reasons."""

    def __init__(self, min_relevance: float, model: Model | None = None) -> None:
        self._model = model
        self.min_relevance = min_relevance

    @property
    def model(self) -> Model:
        """The given model, else the committed one, loaded when first needed (the calibration script
        builds a backend before there are weights that fit its features)."""
        if self._model is None:
            self._model = load()
        return self._model

    def read(
        self,
        question: str,
        evidence: Sequence[Evidence],
        passages: Sequence[Passage],
        embed: Embed,
        rescore: Rescore,
    ) -> Reading:
        """``evidence`` is scored against ``question``; a part of it that differs is scored again."""
        asked_parts = parts(question)
        readings = []
        for part in asked_parts:
            asked = analyze(part)
            scored = evidence if part == question else rescore(asked.full, evidence)
            weighed = weigh(asked, scored, passages, embed, self.min_relevance)
            readings.append(_continued(self._decide(asked, weighed), evidence, passages))
        return Reading(tuple(readings), self.model.threshold)

    def _decide(self, question: Question, weighed: Sequence[Weighed]) -> PartReading:
        if not weighed:
            return PartReading(question, (), ())
        values = np.vstack([w.measured.values for w in weighed])
        order, probabilities = self.model.rank(values)
        candidates = tuple(
            Candidate(
                evidence=weighed[i].evidence,
                probability=round(float(probabilities[i]), 4),
                span=weighed[i].measured.span.text if weighed[i].measured.span else None,
                weak=self.model.weak_signals(values[i]),
                signals={f: round(float(v), 4) for f, v in zip(FEATURES, values[i], strict=True)},
            )
            for i in order[:SHOWN]
        )
        chosen = tuple(c for c in candidates[:DECIDED] if c.probability >= self.model.threshold)
        return PartReading(question, candidates, chosen)


def weigh(
    question: Question,
    evidence: Sequence[Evidence],
    passages: Sequence[Passage],
    embed: Embed,
    min_relevance: float,
) -> list[Weighed]:
    """The ``CANDIDATES`` sentences closest to the question (by meaning and shared words), and those the
    first reader's rules pick, measured. For a typed question the closest are taken among the sentences
    that hold a span of its type first.

    ``evidence`` must be scored against ``question.full`` (its ``similarity`` is the meaning signal);
    ``embed`` is used for single words only, to tell a paraphrase from a missing word."""
    pool = [e for e in evidence if answerable_text(e.text)]
    if not pool:
        return []
    closeness = [0.5 * e.similarity + 0.5 * _coverage(question, sentence_term_set(e.text)) for e in pool]
    order = sorted(range(len(pool)), key=lambda i: (-closeness[i], pool[i].passage_index, pool[i].start))
    if question.defined:  # "What is tiktoken?": the sentences that start "tiktoken is …" first
        order.sort(key=lambda i: not defines(question, pool[i].text))
    if typed(question):  # a sentence without a span of the asked type cannot answer: weigh those with one,
        # and for "who" first those that mark a name as a person's (an address, a copyright notice)
        spans = [span.closeness if (span := extract(question, e.text)) else -1.0 for e in pool]
        order.sort(key=lambda i: (spans[i] < 0, question.kind == "who" and spans[i] < 1.0))
    picks = {
        (pick.sentence.doc_id, pick.sentence.start): (place, pick.span)
        for place, pick in enumerate(choose(question.text, evidence, passages, min_relevance, embed), 1)
    }
    # a passage's place among those with something answerable: text aimed at an AI, planted above the
    # documents' own passages, does not push them down
    places = {index: place for place, index in enumerate(sorted({e.passage_index for e in pool}))}
    chosen = order[:CANDIDATES]
    chosen += [i for i in order[CANDIDATES:] if (pool[i].doc_id, pool[i].start) in picks]
    sentences = [
        Sentence(
            text=pool[i].text,
            window=f"{_file_name(pool[i].doc_id)}\n{window(pool[i], passages[pool[i].passage_index])}",
            passage_rank=places[pool[i].passage_index],
            similarity=pool[i].similarity,
            rule=picks.get((pool[i].doc_id, pool[i].start), (0, None)),
        )
        for i in chosen
    ]
    measured = measure(question, sentences, [e.text for e in pool], embed)
    return [
        Weighed(pool[i], m)
        for i, m, sentence in zip(chosen, measured, sentences, strict=True)
        if _can_answer(question, sentence, m, _is_section_heading(pool[i]))
    ]


def _can_answer(question: Question, sentence: Sentence, measured: Measured, section_heading: bool) -> bool:
    """What no weight can outweigh: a sentence that denies what the question takes for granted ("has not
    yet confirmed" for "Why did … confirm"; nothing like "lack" or "least" for "What lacks …") or says
    the opposite of one of its words ("the northern flanks" for "the southern flanks"; "the West" for "the
    South") does not answer it; a question of the document (an FAQ's "How do I install it?") asks and
    answers nothing; a typed question (when, who, how many, which version) needs a span of its type (unless
    the rules found one); a heading names a topic and answers nothing — the document's own section
    headings ("cargo-vendor(1)" for "What does cargo vendor do?") answer only a typed question with
    their span ("Version 1.19 (2024-01-01)")."""
    if measured.values[POLARITY] or measured.values[CONTRAST] or sentence.text.rstrip().endswith("?"):
        return False
    if section_heading:
        return typed(question) and bool(measured.span)
    if sentence.rule[0]:
        return True
    return bool(measured.span) or (not typed(question) and not _heading(sentence.text))


# How a sentence says it carries on the one before: the next step, or the way to do what it said.
_CONTINUES = re.compile(
    r"^\W*(?:to do (?:this|so|that)|then|next|after that|afterwards|otherwise|alternatively|in that case"
    r"|if so|finally|first|second(?:ly)?|third(?:ly)?)\b",
    re.IGNORECASE,
)


def _continued(part: PartReading, evidence: Sequence[Evidence], passages: Sequence[Passage]) -> PartReading:
    """An open question's answer ("How can I build it?") with what carries it on: the items of the list
    it introduces with a colon (up to ``LISTED``), or the next sentence of its paragraph when that begins
    "To do this", "Then", "Otherwise"… (a procedure is one step per sentence) and does not itself end in a
    colon. A typed question's span needs no more."""
    if typed(part.question) or not part.chosen:
        return part
    first = part.chosen[0]
    taken = {c.evidence.start for c in part.chosen}
    listed = first.evidence.text.rstrip().endswith(":")
    if not listed and _HOW.match(part.question.text):  # "Install with pip." and, below it, the command
        after = _next_sentence(first.evidence, evidence, passages, blank_line=True)
        if after is not None and after.start not in taken and _command_for(part.question, after.text):
            return replace(part, chosen=(replace(first, continued_by=(after,)), *part.chosen[1:]))
    following: list[Evidence] = []
    current = first.evidence
    while len(following) < (LISTED if listed else 1):
        after = _next_sentence(current, evidence, passages, blank_line=listed and not following)
        if after is None or after.start in taken or not (listed or _CONTINUES.match(after.text)):
            break
        following.append(after)
        current = after
    if not listed and following and following[-1].text.rstrip().endswith(":"):
        following.pop()  # "First, this one:" introduces what follows it, which is not shown
    if not following:
        return part
    return replace(part, chosen=(replace(first, continued_by=tuple(following)), *part.chosen[1:]))


_HOW = re.compile(r"(?i)^\W*how\s+(?:do|can|should|would|to)\b")


def _command_for(question: Question, text: str) -> bool:
    """A line that reads as a command, not prose (one line, no closing stop, no function words: "You can
    then run the tests with" is the start of a sentence), and names a word of the question: "python -m
    pip install rich" below "Install with pip…" for "How do I install Rich?"."""
    line = text.strip()
    if "\n" in line or not line or line[-1] in ".!?:;,":
        return False
    said = [w.lower() for w, _, _ in words(line)]
    return not STOPWORDS.intersection(said) and any(same_term(normalize(w), question.terms) for w in said)


def _next_sentence(
    sentence: Evidence, evidence: Sequence[Evidence], passages: Sequence[Passage], blank_line: bool
) -> Evidence | None:
    """The sentence right after ``sentence`` in its passage, in the same paragraph (or after one blank
    line, ``blank_line``), if it may be shown."""
    passage = passages[sentence.passage_index]
    after = [e for e in evidence if e.doc_id == sentence.doc_id and sentence.end <= e.start < passage.end]
    if not after:
        return None
    following = min(after, key=lambda e: e.start)
    gap = passage.text[sentence.end - passage.start : following.start - passage.start]
    if gap.count("\n") > (2 if blank_line else 1) or gap.strip() or not answerable_text(following.text):
        return None
    return following


def _file_name(doc_id: str) -> str:
    """A document's file name as words ("e2fsprogs-readme.txt" → "e2fsprogs readme"): users name a file
    by what it is called ("the Click licence file", "the e2fsprogs README") more than by its first line."""
    return re.sub(r"[-_.]+", " ", PurePosixPath(doc_id).stem).strip()


def _coverage(question: Question, vocabulary: Set[str]) -> float:
    """Share of the question's terms in a sentence; the question's own terms count double those of the
    context a follow-up carries."""
    total = 2 * len(question.terms) + len(question.context_terms)
    found = 2 * sum(same_term(t, vocabulary) for t in question.terms)
    found += sum(same_term(t, vocabulary) for t in question.context_terms)
    return found / total if total else 0.0


def _is_section_heading(evidence: Evidence) -> bool:
    """The sentence is the heading of the section it stands in (as the document's format marks it)."""
    label = (evidence.section or "").removeprefix("§").strip()
    return bool(label) and flatten(evidence.text).strip() == flatten(label)


def _heading(text: str) -> bool:
    return text.rstrip()[-1:] not in '.!?"”’)'
