"""The first offline reader's rules, kept as one signal of the calibrated reader.

Before the reader was calibrated, a sentence qualified as an answer only if it named everything the
question names, agreed with the question on negation and (for a typed question) held a span of the
asked type; among the qualified, the most relevant won, with a bonus for a span next to the question's
words. Those checks are general English (no document's facts), and they are precise on questions
whose answer hinges on one name or one negation. Here they no longer decide: ``choose`` says which
sentences the rules would pick, and the fitted model weighs that against the other signals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..lemmas import known_sentences
from ..models import Evidence, Passage
from ..text import (
    NEGATIONS,
    NUMBER_WORDS,
    QUESTION_WORDS,
    STOPWORDS,
    TIME_WORDS,
    Span,
    canonical_names,
    is_instruction,
    key_terms,
    normalize,
    question_terms,
    same_term,
    sentence_spans,
    word_forms,
)
from .memo import negates, words
from .question import YES_NO, negative
from .spans import FULL_DATE
from .vectors import Embed

CANDIDATES = 8  # sentences considered per question part
RUNNER_UP_MARGIN = 0.03  # an open question also gets the second sentence when it is this close
SOFT_ANCHOR = 0.45  # word similarity at which "visit" stands in for the question's "go"
PROXIMITY_WEIGHT = 0.15  # a span next to the question's terms beats one elsewhere in a sentence
SPECIFICITY_WEIGHT = 0.05  # a precise span ("this spring") beats a vague one ("this year") at equal relevance

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_SEASONS = "spring|summer|autumn|fall|winter"
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday|tomorrow"
_UNITS = (
    "seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?"
    "|(?:kilo|centi|milli)?met(?:re|er)s?|km|cm|mm|m|miles?|feet|foot|ft|yards?|inches|inch"
)
_NUMBER = r"\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several|dozens?"
_NAME = r"[A-Z][\w’'.-]*"
SPANS: dict[str, re.Pattern[str]] = {
    "when": re.compile(
        rf"{FULL_DATE}|\b(?:(?:this|next|last|early|late|mid|later this|earlier this)[- ])?"
        rf"(?:{_MONTHS}|{_SEASONS}|week|weekend|month|year|decade)\b(?:\s+(?:19|20)\d\d)?"
        rf"|\b(?:(?:early|late|mid)[- ])?(?:19|20)\d\d\b|\b(?:{_DAYS})\b"
    ),
    "date": re.compile(
        rf"{FULL_DATE}|\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?\b"
        rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})(?:\s+(?:19|20)\d\d)?\b|\b(?:{_DAYS})\b"
    ),
    "how much": re.compile(
        r"[$€£¥]\s?\d[\d,.]*(?:\s?(?:thousand|million|billion|trillion)\b)?"
        r"|\b\d[\d,.]*\s?(?:dollars|euros|yen|percent|per cent)\b|\b\d[\d,.]*%"
    ),
    "how many": re.compile(rf"\b(?:{_NUMBER})(?:st|nd|rd|th)?\s+[a-z][\w-]*", re.IGNORECASE),
    "how long": re.compile(rf"\b(?:{_NUMBER}|an?)\s+(?:{_UNITS})\b", re.IGNORECASE),
    "age": re.compile(r"\b\d{1,3}[- ]years?[- ]old\b|\baged?\s+\d{1,3}\b"),
    "where": re.compile(
        rf"\b(?:in|at|off|aboard|near|from|inside|outside)\s+(?:the\s+)?(?:[a-z][\w-]*\s+){{0,2}}?"
        rf"{_NAME}(?:\s+{_NAME})*"
    ),
    "who": re.compile(rf"\b{_NAME}(?:\s+{_NAME})*"),
}
_TYPES = (
    ("date", re.compile(r"(?i)\b(?:what|which)\s+(?:exact\s+)?(?:date|day)\b")),
    ("age", re.compile(r"(?i)\bhow old\b|\bwhat age\b")),
    ("how much", re.compile(r"(?i)\bhow (?:much|big|large|expensive)\b|\bwhat (?:amount|price|sum)\b")),
    ("how long", re.compile(r"(?i)\bhow (?:long|far|tall|high|deep|wide)\b")),
    ("how many", re.compile(r"(?i)\bhow many\b|\bwhat number\b")),
    ("when", re.compile(r"(?i)\bwhen\b|\b(?:what|which) (?:time|year|month|season)\b")),
    ("where", re.compile(r"(?i)\bwhere\b|\b(?:what|which) (?:place|city|country|location)\b")),
    (
        "who",
        re.compile(
            r"(?i)\bwho(?:m|se)?\b|\b(?:what|which) (?:person|leader|official|(?:news )?agency)\b"
            r"|\b(?:full )?name of\b"
        ),
    ),
)
# "Which political party does …", "What is Takaichi's favourite food": the noun asked about.
_HEAD_NOUN = re.compile(
    r"^\W*(?:[Ii]n\s+|[Oo]n\s+|[Aa]t\s+|[Ff]rom\s+)?(?:[Ww]hat|[Ww]hich)\s+(?:(?:is|was|are|were)\s+)?"
    r"(?:the\s+|a\s+|an\s+)?(?:(?:[A-Z][\w.-]*\s+)*[A-Z][\w’'.-]*[’']s\s+)?"
    r"((?:[a-z][\w-]*\s+){0,2}?)([a-z][\w-]*)"
    r"(?=\s+(?:of|did|does|do|is|are|was|were|has|have|had|will|would|can|could|might|should|that|"
    r"who|in|on|for|to|by|with|[A-Z])\b|\s*\?)"
)


def question_type(question: str) -> str | None:
    """date / age / how much / how long / how many / when / where / who, by the question word that
    comes first ("Which agency suggested when …" asks who), or None."""
    found = [(m.start(), i, name) for i, (name, p) in enumerate(_TYPES) if (m := p.search(question))]
    return min(found)[2] if found else None


@dataclass(frozen=True)
class Pick:
    sentence: Evidence
    span: str | None


def _names(question: str) -> set[str]:
    """Names and figures the question mentions (not dates: "his October visit" is a modifier)."""
    return {
        t
        for t in key_terms(canonical_names(question))
        if t != "not" and t not in TIME_WORDS and t not in {normalize(w) for w in NUMBER_WORDS}
    } - {normalize(w) for w in QUESTION_WORDS}


def head_noun(question: str) -> str | None:
    """The thing a "what/which <noun>" question asks for: a sentence that answers it names it."""
    match = _HEAD_NOUN.match(question)
    if not match or any(normalize(w) in STOPWORDS for w in match.group(1).split()):
        return None
    head = normalize(match.group(2))
    return None if head in STOPWORDS else head


def window(sentence: Evidence, passage: Passage) -> str:
    """What a sentence can be taken to mention: itself, the sentence before it in the same paragraph
    ("she" there often names her), and its document's title (the subject of every sentence)."""
    offset = sentence.start - passage.start
    before = [s for s in _sentence_spans(passage.text) if s.end <= offset]
    if before and "\n" not in passage.text[before[-1].end : offset]:
        return f"{passage.title}\n{passage.text[before[-1].start : offset]}{sentence.text}"
    return f"{passage.title}\n{sentence.text}"


@lru_cache(maxsize=1024)
def _sentence_spans(text: str) -> tuple[Span, ...]:
    """A passage's sentences, split once (or at ingest): every candidate of a question looks into the
    same passages."""
    if (known := known_sentences(text)) is not None:
        return tuple(Span(start, end) for start, end in known)
    return tuple(sentence_spans(text))


def choose(
    question: str,
    evidence: Sequence[Evidence],
    passages: Sequence[Passage],
    min_relevance: float,
    embed: Embed | None = None,
) -> list[Pick]:
    """The sentence (and span) that answers ``question``; for an open question, a close runner-up
    too. Empty when no sentence qualifies."""
    kind = question_type(question)
    names = _names(question)
    head = None if kind else head_noun(question)
    if head:
        names.add(head)
    check_polarity = not YES_NO.match(question)
    ranked: list[tuple[float, Pick]] = []
    for sentence in evidence[:CANDIDATES]:
        if sentence.relevance < min_relevance:
            break
        if is_instruction(sentence.text):
            continue  # text aimed at an AI is not an answer, even when it matches
        if not kind and sentence.text[-1] not in '.!?"”’)':
            continue  # a heading names a topic; it does not answer an open question
        vocabulary = word_forms(canonical_names(window(sentence, passages[sentence.passage_index])))
        if not all(same_term(name, vocabulary) for name in names):
            continue
        if check_polarity and _contradicts(question, sentence.text):
            continue
        score = sentence.relevance
        span = None
        if kind:
            found = extract(kind, question, sentence.text, embed)
            if not found:
                continue
            span = found[0]
            score += SPECIFICITY_WEIGHT * _specificity(kind, span) + PROXIMITY_WEIGHT * found[1]
        ranked.append((score, Pick(sentence, span)))
    ranked.sort(key=lambda item: -item[0])
    if not ranked:
        return []
    picks = [ranked[0][1]]
    if kind is None and len(ranked) > 1 and ranked[1][0] >= ranked[0][0] - RUNNER_UP_MARGIN:
        picks.append(ranked[1][1])
    return picks


def _specificity(kind: str | None, span: str | None) -> int:
    """A named month, season, day or year is a more precise answer than "this week"."""
    if kind != "when" or not span:
        return 0
    return int(bool(re.search(rf"(?i)\b(?:{_MONTHS}|{_SEASONS}|{_DAYS})\b|\d", span)))


def extract(kind: str, question: str, sentence: str, embed: Embed | None = None) -> tuple[str, float] | None:
    """The span of ``sentence`` that answers a ``kind`` question, and how close (0..1] it stands to
    the question's own terms: an answer sits next to what was asked ("took office in October").
    With an embedder, a term the sentence says in other words ("go" ~ "visit") anchors too."""
    asked = {normalize(w) for w, _, _ in words(question)}
    candidates = []
    for match in SPANS[kind].finditer(sentence):
        text = match.group().strip(" ,;:—-")
        if kind == "who":
            text = _trim_name(text, asked)
            if normalize(text) in TIME_WORDS:
                continue  # "March" is capitalized, but it is not who
        elif kind == "where" and re.search(r"[’']s$", text):
            continue  # "according to Japan’s ministry": a possessive is not a place
        if not text or {normalize(w) for w, _, _ in words(text)} <= asked | STOPWORDS:
            continue
        candidates.append((match.start(), match.end(), text))
    if not candidates:
        return None
    if kind == "who":
        subject = _subject(question, sentence, candidates)
        if subject:
            return subject, 1.0
    tokens = words(sentence)
    names = _names(question)
    predicate = [t for t in question_terms(question) if t not in names] or question_terms(question)
    anchors = [i for i, (w, _, _) in enumerate(tokens) if same_term(normalize(w), predicate)]
    if not anchors and embed is not None and predicate:
        anchors = _soft_anchors(predicate, tokens, embed)
    if not anchors:
        return candidates[0][2], 0.0

    def distance(candidate: tuple[int, int, str]) -> int:
        inside = [i for i, (_, start, end) in enumerate(tokens) if candidate[0] <= start < candidate[1]]
        first, last = (inside[0], inside[-1]) if inside else (0, 0)
        return min(max(0, first - a, a - last) for a in anchors)

    best = min(candidates, key=distance)
    return best[2], 1.0 / (1.0 + distance(best) / 3.0)


def _soft_anchors(predicate: list[str], tokens: Sequence[tuple[str, int, int]], embed: Embed) -> list[int]:
    """For each predicate term, the position of the sentence's word closest to it in meaning, if
    close enough."""
    content = [(i, normalize(w)) for i, (w, _, _) in enumerate(tokens) if normalize(w) not in STOPWORDS]
    if not content:
        return []
    vectors = embed([*predicate, *(w for _, w in content)])
    similarity = vectors[len(predicate) :] @ vectors[: len(predicate)].T  # (words, terms)
    best = similarity.argmax(axis=0)
    return [content[w][0] for t, w in enumerate(best) if similarity[w, t] >= SOFT_ANCHOR]


def _contradicts(question: str, sentence: str) -> bool:
    """The sentence negates what the question asserts ("has not yet confirmed" for "Why did … confirm")
    or the question asserts a negation (cancel, deny) that the sentence does not make."""
    if negative(question):
        return not negative(sentence)
    return negates(sentence, question_terms(question))


def _subject(question: str, sentence: str, candidates: list[tuple[int, int, str]]) -> str | None:
    """For "who <verb> …": the name before the verb, or after "by" when the verb is passive."""
    head = [normalize(w) for w, _, _ in words(question)]
    if len(head) < 2 or head[0] not in ("who", "whom") or head[1] in STOPWORDS:
        return None
    for word, start, end in words(sentence):
        if not same_term(normalize(word), [head[1]]):
            continue
        after = sentence[end:].lstrip()
        if after.startswith("by "):
            following = [c for c in candidates if c[0] >= end]
            return following[0][2] if following else None
        preceding = [c for c in candidates if c[1] <= start]
        return preceding[-1][2] if preceding else None
    return None


def _trim_name(text: str, asked: set[str]) -> str:
    """Drop question words and function words from the ends of a capitalized run."""
    parts_ = text.split()
    while parts_ and (normalize(parts_[0]) in asked | STOPWORDS | QUESTION_WORDS | NEGATIONS):
        parts_.pop(0)
    while parts_ and normalize(parts_[-1]) in STOPWORDS:
        parts_.pop()
    return re.sub(r"[’']s$", "", " ".join(parts_))
