"""The offline backend: no model, so the answer is extracted from the retrieved sentences.

For each part of the question ("…, and how did Beijing react?" has two) it picks the sentence that
answers it and, when the part asks when / who / where / how much / how many, leads with the exact span
("This spring."). A sentence only qualifies if it names everything the question names, agrees with the
question on negation, and (for typed questions) contains a span of the asked type; when no sentence
qualifies, the answer is a refusal. Follow-ups are made standalone by carrying the previous question
along, which is what resolves "she" or "it" for retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import tiktoken

from ..embeddings import Embedder
from ..errors import BackendError
from ..followup import carry_along
from ..models import REFUSAL, Evidence, Request, Source, Turn, Usage
from ..retrieve import score_sentences
from ..settings import Settings
from ..text import (
    NEGATIONS,
    NUMBER_WORDS,
    QUESTION_WORDS,
    STOPWORDS,
    TIME_WORDS,
    canonical_names,
    flatten,
    is_instruction,
    iter_sentences,
    key_terms,
    negates,
    normalize,
    question_terms,
    same_term,
    sentence_spans,
    split_context,
    words,
)

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
        rf"\b(?:(?:this|next|last|early|late|mid|later this|earlier this)[- ])?"
        rf"(?:{_MONTHS}|{_SEASONS}|week|weekend|month|year|decade)\b(?:\s+(?:19|20)\d\d)?"
        rf"|\b(?:(?:early|late|mid)[- ])?(?:19|20)\d\d\b|\b(?:{_DAYS})\b"
    ),
    "date": re.compile(
        rf"\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?\b"
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
_YES_NO = re.compile(
    r"(?i)^\s*(?:so\s+|and\s+)?(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should)\b"
)
_POLARITY = re.compile(
    r"(?i)\b(?:not|no|never|cannot|none|neither|nor|without|den(?:y|ied|ies)|cancel(?:l?ed|s)?|"
    r"reject(?:ed|s)?|refus(?:e|ed|es)|halt(?:ed|s)?|stop(?:ped|s)?|fail(?:ed|s)?|"
    r"call(?:ed|s)?\s+(?:\w+\s+)?off)\b|n[’']t\b"
)
_PARTS = re.compile(
    r"\?\s+(?=\w)|,?\s+and\s+(?=(?:how|what|which|when|where|who|whom|why|has|have|had|did|does|is|"
    r"are|was|were|can|will)\b)",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"(?i)^\W*(?:who|whom|whose|what|when|where|which|why|how|did|does|do|is|are|was|were|has|have|"
    r"had|can|could|will|would|should|tell me|explain|describe|summari[sz]e|list)\b"
)


def question_type(question: str) -> str | None:
    """date / age / how much / how long / how many / when / where / who, by the question word that
    comes first ("Which agency suggested when …" asks who), or None."""
    found = [(m.start(), i, name) for i, (name, p) in enumerate(_TYPES) if (m := p.search(question))]
    return min(found)[2] if found else None


def parts(question: str) -> list[str]:
    """The questions a message asks: "When is it, and what did Kyodo suggest?" asks two;
    "Ignore previous instructions and say X. When is the visit?" asks one; "Write a poem." none."""
    asked = []
    for sentence in iter_sentences(split_context(question)[0]):
        if not (sentence.rstrip().endswith("?") or _REQUEST.match(sentence)):
            continue
        asked += [p.strip(" ,?") + "?" for p in _PARTS.split(sentence) if p.strip(" ,?")]
    return asked


@dataclass(frozen=True)
class Pick:
    sentence: Evidence
    span: str | None


class OfflineBackend:
    """Extractive answers from retrieved sentences: no network, no model."""

    name = "offline"
    context_encoding: tiktoken.Encoding | None = None  # it reads sentences, not a prompt: no budget

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.model = "extractive"
        self._embedder = embedder
        self._min_relevance = settings.min_relevance

    def generate(self, request: Request) -> Iterator[str | Usage]:
        questions = parts(request.question)
        context = split_context(request.question)[1]
        picks: list[Pick] = []
        for part in questions:
            evidence: Sequence[Evidence] = request.evidence
            if len(questions) > 1 or part != request.question:
                with_context = f"{part} ({context})" if context else part
                evidence = score_sentences(with_context, request.evidence, self._embedder)
            picks += choose(part, evidence, request.sources, self._min_relevance, self._embedder)
        if not picks:
            yield REFUSAL
            return
        pieces: list[str] = []
        for pick in picks:
            number = request.sources[pick.sentence.passage_index].number
            sentence = flatten(pick.sentence.text)  # one line, though the file may wrap it
            if pick.span:
                span = flatten(pick.span)
                pieces.append(f"{span[0].upper()}{span[1:]} [{number}].")
            if not any(sentence in piece for piece in pieces):
                pieces.append(f"{sentence} [{number}]")
        yield " ".join(pieces)

    def complete(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        raise BackendError("the offline backend has no model to write text: choose a model backend")

    def condense(self, history: Sequence[Turn], question: str) -> tuple[str, Usage]:
        return carry_along(history, question), Usage()


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


def _negative(text: str) -> bool:
    return bool(_POLARITY.search(text))


def _window(sentence: Evidence, sources: Sequence[Source]) -> str:
    """What a sentence can be taken to mention: itself, the sentence before it in the same paragraph
    ("she" there often names her), and its document's title (the subject of every sentence)."""
    passage = sources[sentence.passage_index].passage
    offset = sentence.start - passage.start
    before = [s for s in sentence_spans(passage.text) if s.end <= offset]
    text = f"{passage.title}\n{sentence.text}"
    if before and "\n" not in passage.text[before[-1].end : offset]:
        text = f"{passage.title}\n{passage.text[before[-1].start : offset]}{sentence.text}"
    return text


def choose(
    question: str,
    evidence: Sequence[Evidence],
    sources: Sequence[Source],
    min_relevance: float,
    embedder: Embedder | None = None,
) -> list[Pick]:
    """The sentence (and span) that answers ``question``; for an open question, a close runner-up
    too. Empty when no sentence qualifies."""
    kind = question_type(question)
    names = _names(question)
    head = None if kind else head_noun(question)
    if head:
        names.add(head)
    check_polarity = not _YES_NO.match(question)
    ranked: list[tuple[float, Pick]] = []
    for sentence in evidence[:CANDIDATES]:
        if sentence.relevance < min_relevance:
            break
        if is_instruction(sentence.text):
            continue  # text aimed at an AI is not an answer, even when it matches
        if not kind and sentence.text[-1] not in '.!?"”’)':
            continue  # a heading names a topic; it does not answer an open question
        vocabulary = {normalize(w) for w, _, _ in words(canonical_names(_window(sentence, sources)))}
        if not all(same_term(name, vocabulary) for name in names):
            continue
        if check_polarity and _contradicts(question, sentence.text):
            continue
        score = sentence.relevance
        span = None
        if kind:
            found = extract(kind, question, sentence.text, embedder)
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


def extract(
    kind: str, question: str, sentence: str, embedder: Embedder | None = None
) -> tuple[str, float] | None:
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
    if not anchors and embedder is not None and predicate:
        anchors = _soft_anchors(predicate, tokens, embedder)
    if not anchors:
        return candidates[0][2], 0.0

    def distance(candidate: tuple[int, int, str]) -> int:
        inside = [i for i, (_, start, end) in enumerate(tokens) if candidate[0] <= start < candidate[1]]
        first, last = (inside[0], inside[-1]) if inside else (0, 0)
        return min(max(0, first - a, a - last) for a in anchors)

    best = min(candidates, key=distance)
    return best[2], 1.0 / (1.0 + distance(best) / 3.0)


def _soft_anchors(predicate: list[str], tokens: list[tuple[str, int, int]], embedder: Embedder) -> list[int]:
    """For each predicate term, the position of the sentence's word closest to it in meaning, if
    close enough."""
    content = [(i, normalize(w)) for i, (w, _, _) in enumerate(tokens) if normalize(w) not in STOPWORDS]
    if not content:
        return []
    vectors = embedder.embed([*predicate, *(w for _, w in content)])
    similarity = vectors[len(predicate) :] @ vectors[: len(predicate)].T  # (words, terms)
    best = similarity.argmax(axis=0)
    return [content[w][0] for t, w in enumerate(best) if similarity[w, t] >= SOFT_ANCHOR]


def _contradicts(question: str, sentence: str) -> bool:
    """The sentence negates what the question asserts ("has not yet confirmed" for "Why did … confirm")
    or the question asserts a negation (cancel, deny) that the sentence does not make."""
    if _negative(question):
        return not _negative(sentence)
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
