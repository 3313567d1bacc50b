"""Text primitives shared by chunking, lexical search, extraction and verification.

Everything here works on character offsets into the original text, so that whatever is cut out can be
traced back to the exact place it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import simplemma

# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by white space and something
# that can start a sentence. Line breaks always end a sentence (headings, list items).
_BOUNDARY = re.compile(r"""[.!?…]+["'”’)\]]*\s+(?=["'“‘(\[]?[\w$€£¥])""")
_LINE = re.compile(r"[^\n]+")
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Z]\.){1,3}[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Sen|Rep|Gov|Lt|Col|Capt|No|vs"
    r"|etc|e\.g|i\.e|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec))\.?$"
)


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of a text: ``text[start:end]``."""

    start: int
    end: int


def sentence_spans(text: str) -> list[Span]:
    """Sentences of ``text`` as spans, stripped of surrounding white space."""
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        start = line.start()
        for boundary in _BOUNDARY.finditer(line.group()):
            cut = line.start() + boundary.start()
            before = text[start:cut].rstrip(".")
            if (
                _ABBREVIATION.search(before)
                and not text[cut : line.start() + boundary.end()].strip(".").strip()
            ):
                continue
            end = line.start() + boundary.end()
            _append_stripped(text, start, end, spans)
            start = end
        _append_stripped(text, start, line.end(), spans)
    return spans


def _append_stripped(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append(Span(start, end))


# -- words ---------------------------------------------------------------------------------------

_WORD = re.compile(
    r"(?:[A-Za-z]\.){2,}(?![A-Za-z])|[$€£¥]?\d[\d,.]*\d(?:st|nd|rd|th)?|[$€£¥]?\d(?:st|nd|rd|th)?|[^\W\d_]+(?:['’][^\W\d_]+)*"
)
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves also may might must shall us said say says
    according one ones s t""".split()
)
# Words that frame a question about a text rather than carry its meaning.
GENERIC = frozenset(
    "article document text source story report mention mentioned name named according state stated".split()
)
QUESTION_WORDS = frozenset("what when where who whom whose which why how".split())
NEGATIONS = frozenset("not no never neither nor without cannot n't none".split())
NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve dozen hundred thousand
    million billion trillion first second third fourth fifth half""".split()
)
_NUMBER_VALUES = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}
# Capitalized only because they open a sentence: not names.
OPENERS = frozenset(
    """however also still yet meanwhile additionally furthermore moreover instead overall both
    either yes in on at as after before during while since although though therefore thus""".split()
)
TIME_WORDS = frozenset(
    """january february march april june july august september october november december
    spring summer autumn fall winter monday tuesday wednesday thursday friday saturday sunday
    yesterday today tomorrow week weekend month year decade century morning evening night""".split()
)


def words(text: str) -> list[tuple[str, int, int]]:
    """Word tokens with their offsets: ``(word, start, end)``."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


@lru_cache(maxsize=65536)
def normalize(word: str) -> str:
    """The dictionary form of a word (took → take, drills → drill), lower-case and possessive-free;
    numbers lose currency signs, separators and ordinal endings; small number words become digits."""
    word = word.lower().replace("’", "'")
    if word[:1] in "$€£¥" or word[:1].isdigit():
        return re.sub(r"(?<=\d)(st|nd|rd|th)$", "", word.lstrip("$€£¥").replace(",", "")).rstrip(".")
    if word in _NUMBER_VALUES:
        return _NUMBER_VALUES[word]
    if word.endswith("'s"):
        word = word[:-2]
    if "." in word:  # U.S. → u.s
        return word.rstrip(".")
    return simplemma.lemmatize(word, lang="en").lower()


def terms(text: str) -> list[str]:
    """Normalized words of a text, stop words and question words removed: what lexical search sees."""
    return [
        term
        for word, _, _ in words(text)
        if (term := normalize(word)) and term not in STOPWORDS and term not in QUESTION_WORDS
    ]


_INSTRUCTION = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|earlier|preceding|system|original)\b"
    r"|^\W*(?:system|assistant|developer)\s*:"
    r"|\b(?:reveal|print|show|repeat|leak)\s+(?:your|the)\s+(?:system\s+)?(?:prompt|instructions)\b"
    r"|\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+)?(?:ai|assistants?|chatbots?|llms?|models?)\b"
    r"|\b(?:answer|respond|reply)\s+(?:to\s+)?(?:every|all|each|any)\s+(?:questions?|quer(?:y|ies))\b"
    r"|\b(?:tell|inform)\s+(?:the\s+)?users?\b"
    r"|\b(?:end|start|begin)\s+(?:every|each|all|your)\s+(?:answers?|responses?|replies)\b"
    r"|\byou\s+are\s+now\b|\bas\s+an\s+ai\b"
)


def is_instruction(sentence: str) -> bool:
    """Text that addresses an AI ("Ignore previous instructions…", "SYSTEM: …") is never a fact to
    answer with or to support a claim, wherever it appears."""
    return bool(_INSTRUCTION.search(sentence))


_ALIASES = (
    (re.compile(r"\b(?:United States(?: of America)?|America)\b"), "U.S."),
    (re.compile(r"\b(?:United Kingdom|Britain)\b"), "U.K."),
)


def canonical_names(text: str) -> str:
    """One spelling per country name, so that "United States" and "U.S." are the same name."""
    for pattern, name in _ALIASES:
        text = pattern.sub(name, text)
    return text


def same_term(word: str, candidates: Iterable[str]) -> bool:
    """Same normalized term, allowing for endings the light stemmer keeps (invite ~ invited)."""
    return any(word == c or (len(c) >= 5 and len(word) >= 5 and word[:5] == c[:5]) for c in candidates)


def coverage(question: str, text: str) -> float:
    """Share of the question's terms that occur in ``text``. The terms of a follow-up's own words
    count double those of the context it carries ("When will she go? (Who invited …?)")."""
    own, context = split_context(question)
    own_terms, context_terms = question_terms(own), question_terms(context)
    total = 2 * len(own_terms) + len(context_terms)
    if not total:
        return 0.0
    vocabulary = {normalize(w) for w, _, _ in words(text)}
    found = 2 * sum(same_term(t, vocabulary) for t in own_terms)
    found += sum(same_term(t, vocabulary) for t in context_terms)
    return found / total


_CONTEXT = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)\s*$")


def split_context(question: str) -> tuple[str, str]:
    """ "When will she go? (Who invited …?)" → the question itself, and the context carried along."""
    match = _CONTEXT.search(question)
    if not match:
        return question.strip(), ""
    return question[: match.start()].strip(), match.group().strip()[1:-1]


def question_terms(question: str) -> list[str]:
    """The terms that carry a question's meaning: not "article", "mentioned", "according"…"""
    found = [t for t in terms(question) if t not in GENERIC]
    return list(dict.fromkeys(found))


_HEDGES = frozenset({"yet", "be", "been", "being", "have", "has", "also", "even", "always", "ever", "so"})


def negated_words(text: str) -> set[str]:
    """The words a negation applies to: "has not yet confirmed the call" → {"confirm"}."""
    tokens = [normalize(w) for w, _, _ in words(text)]
    found = set()
    for i, token in enumerate(tokens):
        if token in NEGATIONS or token.endswith("n't"):
            following = [t for t in tokens[i + 1 : i + 5] if t not in _HEDGES]
            if following:
                found.add(following[0])
    return found


def negates(text: str, about: Iterable[str]) -> bool:
    """Whether ``text`` negates one of the terms ``about``; a negation elsewhere in the sentence
    ("was not informed" for a question about the Chinese president) says nothing about them."""
    about = list(about)
    return any(same_term(word, about) for word in negated_words(text))


def key_terms(text: str) -> set[str]:
    """Terms a claim cannot change and stay true: names, numbers, dates, and negation.

    A name is a capitalized word that is not an ordinary word at the start of a sentence.
    """
    found: set[str] = set()
    sentence_start = True
    for word, _, _ in words(text):
        term = normalize(word)
        lowered = word.lower()
        if term[:1].isdigit() or lowered in NUMBER_WORDS or lowered in TIME_WORDS:
            found.add(term)
        elif lowered in NEGATIONS or lowered.endswith("n't"):
            found.add("not")
        elif word[:1].isupper() and not (sentence_start and lowered in STOPWORDS | QUESTION_WORDS | OPENERS):
            found.add(term)
        sentence_start = False
    return found - {"i"}


def iter_sentences(text: str) -> Iterator[str]:
    for span in sentence_spans(text):
        yield text[span.start : span.end]
