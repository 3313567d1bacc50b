"""Short answers: the part of a sentence that a who / when / where / how many / how much / what-X
question asks for.

Candidates of the asked type are found with patterns for names, times and quantities (English, not
tied to any document); the one chosen stands nearest to the words the question and the sentence
share, because an answer sits next to what was asked ("took office in October", "empties into the
North Sea"), and never repeats the question's own words. A time whose clause is in the other tense than
the question ("since she took office in October" for "When will she go?") is another event's
(``events``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..text import NEGATIONS, OPENERS, QUESTION_WORDS, STOPWORDS, TIME_WORDS, normalize, same_term
from .events import other_event
from .memo import words
from .question import Question

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_SEASONS = "spring|summer|autumn|fall|winter"
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday|tomorrow"
_ORDINAL = (
    r"\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
)
_NUMBER_WORD = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|twenty|thirty|forty"
    "|fifty|hundred|a few|several|dozens?|hundreds|thousands|millions"
)
_NUMBER = (
    rf"\d[\d,.]*(?:\s(?:thousand|million|billion|trillion))?"
    rf"|(?:{_NUMBER_WORD})(?:\s(?:hundred|thousand|million))?"
)
# A number as legal and technical text writes it: "twelve (12)", "fifty percent (50%)"; the unit may
# stand on the next line of a hard-wrapped paragraph.
_QUANTITY = rf"(?:{_NUMBER})(?:\s*\(\d[\d,.]*%?\))?"
_UNITS = (
    r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century"
    r"|(?:kilo|centi|milli)?met(?:re|er)s?|km|cm|mm|m|mi|miles?|feet|foot|ft|yards?|inch(?:es)?"
    r"|(?:square|cubic)\s+\w+|km2|km²|m3/s|m³/s|hectares?|acres?|tonnes?|tons?|kg|kilograms?|litres?|liters?"
    r"|degrees?|°C|°F|knots?|mph|km/h"
)
_UPPER = r"[A-ZÀ-ÖØ-ÞĀ-Ž]"
_NAME_WORD = rf"{_UPPER}[\w’'.-]*"
_LINK = r"(?:of|de|la|le|van|von|der|den|du|des|da|di|del|am|an|upon|on)"
_NAME_RUN = rf"{_NAME_WORD}(?: +(?:{_LINK} +(?:the +)?)?{_NAME_WORD})*"  # on one line
_ADDRESS = (
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?|ftp)://[^\s<>\"')\]]*[^\s<>\"')\].,;:]|www\.[\w-]+(?:\.[\w-]+)+"
)
_WHOLE_ADDRESS = re.compile(_ADDRESS)
# A file's path or a dotted name, written as one token: "pip/_vendor/vendor.txt", "/etc/passwd",
# "usr/share/doc", "numpy.core.ma", "setup.py"; each dotted part two characters or more ("e.g" and
# "U.S" are none).
_SLASHED = re.compile(r"(?<![\w/.-])/?[\w.-]*\w(?:/[\w.-]*\w)+")
_DOTTED = re.compile(r"\b[A-Za-z_]\w+(?:\.[A-Za-z_]\w+)+\b")
# A release number: "1.47.0", "2.1.x", "0.89", "3.6.1-2", or "version 2" / "v3" written out.
# "3.8+" (3.8 and later) keeps its plus.
_VERSION = (
    r"\b\d+(?:\.(?:\d+|x))+(?:[a-z]\w*|[-+~][\w.+~]*\w)?\b\+?|\b(?:version|release|v)\s?\d+(?:\.\d+)*\b"
)
# The name a version number is written onto ("HTTP/1.1", "zlib-1.2.13"): it is that thing's version.
_VERSION_OF = re.compile(r"([A-Za-z][\w.]*)[/-]$")
_VERSION_NOUNS = frozenset({"version", "release"})
# What marks a name as a person's or a holder's in plain text: their address after it ("Mark Nudelman
# <markn@…>", "Ted Ts'o at tytso@…", "Adam Caudill (@adamcaudill)"), or a copyright notice before it.
_PERSON_AFTER = re.compile(r",?\s*(?:\([^()@]{1,30}\)\s*)?(?:<[^<>\s]+@|at\s+[\w.+-]+@|\(@\w)")
_HOLDER_BEFORE = re.compile(
    r"(?i)\bcopyright\s*(?:\(c\)|©)?\s*(?:(?:\d{4}|[-–,]|\s)+)?(?:by\s+)?(?:the\s+)?$"
)
_CURRENCY = re.compile(r"[$€£¥]|\b(?:dollars|euros|yen|pounds|pence|cents|percent|per cent)\b|%")

FULL_DATE = (  # also the first reader's (``rules.SPANS``)
    rf"\b\d{{4}}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b"  # 2023-01-27, as changelogs write it
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})(?:,?\s+\d{{4}})\b"  # 27 January 2023: the whole date
)
PATTERNS: dict[str, re.Pattern[str]] = {
    "when": re.compile(
        rf"{FULL_DATE}|"
        rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?(?:\d{{3,4}}s?|\d{{1,4}}\s?(?:BC|AD|BCE|CE))\b"
        rf"(?:\s?(?:BC|AD|BCE|CE)\b)?"
        rf"|\b(?:(?:early|late|mid|the)[- ])?(?:{_ORDINAL})(?:[- ][Cc]entury)\b(?:\s?(?:BC|AD|BCE|CE)\b)?"
        rf"|\b(?:(?:this|next|last|early|late|mid|later this|earlier this)[- ])?"
        rf"(?:{_MONTHS}|{_SEASONS})\b(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?(?:,?\s+\d{{4}})?"
        rf"|\b(?:this|next|last)\s+(?:week|weekend|month|year|decade)\b|\b(?:{_DAYS})\b"
        rf"|\b(?:during|after|before)\s+(?:the\s+)?{_NAME_RUN}"
    ),
    "date": re.compile(
        rf"{FULL_DATE}|\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
        rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})(?:\s+\d{{4}})?\b|\b(?:{_DAYS})\b"
    ),
    "how much": re.compile(
        rf"[$€£¥]\s?\d[\d,.]*(?:\s?(?:thousand|million|billion|trillion)\b)?"
        rf"|\b\d[\d,.]*\s?(?:dollars|euros|yen|pounds|percent|per cent)\b|\b\d[\d,.]*\s?%"
        rf"|\b{_QUANTITY}\s*(?:{_UNITS})\b(?:\s\([^)]{{1,30}}\))?"
        rf"|\b(?:{_NUMBER})\s+(?:[a-z][\w-]*\s+)?[a-z][\w-]*"
    ),
    "how many": re.compile(rf"\b(?:{_NUMBER})(?:\s+[a-z][\w-]*)?", re.IGNORECASE),
    "how long": re.compile(rf"\b(?:{_QUANTITY}|an?)\s*(?:{_UNITS})\b(?:\s\([^)]{{1,30}}\))?", re.IGNORECASE),
    "age": re.compile(r"\b\d{1,3}[- ]years?[- ]old\b|\baged?\s+\d{1,3}\b"),
    "who": re.compile(rf"\b{_NAME_RUN}"),
    "where": re.compile(rf"{_ADDRESS}|\b{_NAME_RUN}"),
    "address": re.compile(_ADDRESS),
    "version": re.compile(_VERSION, re.IGNORECASE),
    "what": re.compile(rf"\b{_NAME_RUN}|\b(?:{_NUMBER})(?:\s?(?:{_UNITS}))?\b"),
}
# Last words of a name that make it a place or a thing, never a "who" (English naming, not one document's).
_PLACE_NOUNS = frozenset(
    """street road walk lane avenue square place way drive row court terrace bridge river lake sea ocean
    canal valley mountain alps gorge delta falls island bay gulf coast park garden hall church cathedral
    chapel castle tower station airport port harbour harbor plain forest hill hills desert region
    province county district city town village border line""".split()
)
_COURTESY = frozenset({"please", "kindly", "see", "note"})  # imperatives that open a sentence, never names
_COUNTED = frozenset({"how many", "how much", "how long", "what"})
_ENUMERATOR = re.compile(r"\d+(?:\.\d+)*\.(?:\s|$)")
_CHUNK_GAP = re.compile(r"[ -]*")
_CHUNK_WORDS = 4
_IDENTIFIER_CHAR = re.compile(r"\w")


@dataclass(frozen=True)
class Span:
    """A short answer inside a sentence: ``sentence[start:end] == text``."""

    text: str
    start: int
    end: int
    closeness: float
    """1 when it stands next to a word of the question, falling with the distance; 0 with no anchor."""


def kind_of_span(question: Question) -> str | None:
    """Which pattern answers the question: its type, else "version" for a which-version / which-release
    question, else "what" for any other what/which-noun question."""
    if question.kind:
        return question.kind
    if question.focus in _VERSION_NOUNS:
        return "version"
    return "what" if question.focus else None


def typed(question: Question) -> bool:
    """Does the question ask for a span of a closed type (a time, a number, a name, an address, a
    version), so that a sentence without one cannot answer it?"""
    return kind_of_span(question) not in (None, "what")


@lru_cache(maxsize=4096)
def extract(question: Question, sentence: str) -> Span | None:
    """The span of ``sentence`` that answers ``question``, or None when it holds none of its type.
    Cached: the reader looks for spans when it picks a typed question's candidates and again when it
    measures them."""
    kind = kind_of_span(question)
    if kind is None:
        return None
    asked = set(question.terms) | set(question.context_terms)
    candidates = [c for c in _candidates(kind, sentence, asked) if c]
    if kind == "how much":  # a price or a share, when there is one, not "14 costs"
        candidates = [c for c in candidates if _CURRENCY.search(c[0])] or candidates
    if kind in ("when", "date"):  # a time in a clause of the other tense dates another event
        candidates = [c for c in candidates if not other_event(question.text, sentence, c[1], c[2])]
    if not candidates:
        return None
    if kind == "who":
        subject = _subject(question.text, sentence, candidates) or _person(sentence, candidates)
        if subject:
            return Span(*subject, closeness=1.0)
    tokens = words(sentence)
    anchors = [i for i, (w, _, _) in enumerate(tokens) if same_term(normalize(w), asked)]
    if not anchors:
        return Span(*candidates[0], closeness=0.0)

    def distance(candidate: tuple[str, int, int]) -> int:
        inside = [i for i, (_, start, _) in enumerate(tokens) if candidate[1] <= start < candidate[2]]
        first, last = (inside[0], inside[-1]) if inside else (0, 0)
        return min(max(0, first - a, a - last) for a in anchors)

    best = min(candidates, key=lambda c: (distance(c), -len(c[0])))
    return Span(*best, closeness=1.0 / (1.0 + distance(best) / 3.0))


def _subject(
    question: str, sentence: str, candidates: list[tuple[str, int, int]]
) -> tuple[str, int, int] | None:
    """For "who <verb> …": the name before the verb, or after "by" when the verb is passive."""
    head = [normalize(w) for w, _, _ in words(question)]
    if len(head) < 2 or head[0] not in ("who", "whom") or head[1] in STOPWORDS:
        return None
    for word, start, end in words(sentence):
        if not same_term(normalize(word), [head[1]]):
            continue
        if sentence[end:].lstrip().startswith("by "):
            following = [c for c in candidates if c[1] >= end]
            return following[0] if following else None
        preceding = [c for c in candidates if c[2] <= start]
        return preceding[-1] if preceding else None
    return None


def _person(sentence: str, candidates: list[tuple[str, int, int]]) -> tuple[str, int, int] | None:
    """The name a sentence marks as a person's or a copyright holder's by its form, if any."""
    for candidate in candidates:
        if _PERSON_AFTER.match(sentence, candidate[2]) or _HOLDER_BEFORE.search(sentence[: candidate[1]]):
            return candidate
    return None


def _candidates(kind: str, sentence: str, asked: set[str]) -> list[tuple[str, int, int]]:
    places = [(m.start(), m.end()) for m in PATTERNS[kind].finditer(sentence)]
    if kind == "what":
        places += _chunks(sentence)
    addresses = [(m.start(), m.end()) for m in _WHOLE_ADDRESS.finditer(sentence)]
    found = []
    for place in places:
        if any(a < place[1] and place[0] < b and (a, b) != place for a, b in addresses):
            continue  # a piece of an address ("help" of help-libtasn1@gnu.org) answers nothing
        if place in addresses or kind == "version":
            owner = _VERSION_OF.search(sentence, 0, place[0]) if kind == "version" else None
            if owner and not same_term(normalize(owner.group(1)), asked):
                continue  # "HTTP/1.1" answers which HTTP, not which Python version
            if normalize(sentence[place[0] : place[1]]) not in asked:  # an address or a version is whole
                found.append((sentence[place[0] : place[1]], *place))
            continue
        if kind in _COUNTED and _ENUMERATOR.match(sentence, place[0]) and not sentence[: place[0]].strip():
            continue  # "6.1. New Versions": a section's number counts nothing
        start, end = _trim(sentence, *place, asked, kind)
        if start >= end:
            continue
        text = sentence[start:end]
        content = {normalize(w) for w, _, _ in words(text)} - STOPWORDS
        if not content or all(same_term(t, asked) for t in content):
            continue  # the question's own words are not its answer
        if kind in ("who", "where") and content <= TIME_WORDS:
            continue  # "March" is capitalized, but it is neither who nor where
        if kind == "who" and normalize(words(text)[-1][0]) in _PLACE_NOUNS:
            continue  # "Church Walk", "Rhine Gorge": a place, not who
        found.append((text, start, end))
    return found


def cuts_a_path(sentence: str, span: str) -> bool:
    """Whether ``span`` stands in ``sentence`` only as a piece of a path or a dotted name ("txt" of
    pip/_vendor/vendor.txt, "core" of numpy.core.ma): such a piece answers nothing, so it must not
    lead an answer. A slash alone does not make a path ("and/or", "km/h", "TCP/IP"): it needs a leading
    slash, two slashes, a dot or an underscore."""
    paths = [
        m.span()
        for m in _SLASHED.finditer(sentence)
        if m.group().startswith("/") or m.group().count("/") > 1 or any(c in m.group() for c in "._")
    ]
    paths += [m.span() for m in _DOTTED.finditer(sentence)]
    places = [m.start() for m in re.finditer(re.escape(span), sentence)] if span else []
    return bool(places) and all(
        any(a < start < b or a < start + len(span) < b for a, b in paths) for start in places
    )


def _chunks(sentence: str) -> list[tuple[int, int]]:
    """Runs of up to four content words with nothing but spaces or hyphens between them: noun phrases,
    roughly ("canalisation projects", "Gaulish name Rēnos")."""
    runs: list[list[tuple[int, int]]] = []
    for word, start, end in words(sentence):
        if word.lower() in STOPWORDS:
            runs.append([])
            continue
        if runs and runs[-1] and _CHUNK_GAP.fullmatch(sentence[runs[-1][-1][1] : start]):
            runs[-1].append((start, end))
        else:
            runs.append([(start, end)])
    return [(run[0][0], run[-1][1]) for run in runs if run and len(run) <= _CHUNK_WORDS]


def _trim(sentence: str, start: int, end: int, asked: set[str], kind: str) -> tuple[int, int]:
    """Drop question words, function words and punctuation from the ends of a candidate; for names,
    a sentence-opening word and a possessive ending too."""
    tokens = [(w, s + start, e + start) for w, s, e in words(sentence[start:end])]
    names = kind in ("who", "where", "what")
    drop = QUESTION_WORDS | NEGATIONS
    if names:
        drop |= STOPWORDS | OPENERS | _COURTESY
    while tokens and (normalize(tokens[0][0]) in drop or tokens[0][0].lower() in drop):
        tokens.pop(0)
    while tokens and (tokens[-1][0].lower() in STOPWORDS):
        tokens.pop()
    if names:
        while tokens and same_term(normalize(tokens[0][0]), asked):
            tokens.pop(0)
        while tokens and same_term(normalize(tokens[-1][0]), asked):
            tokens.pop()
    if not tokens:
        return start, start
    first, last = tokens[0][1], tokens[-1][2]
    first, last = _whole_tokens(sentence, first, last)
    text = sentence[first:last]
    if names and re.search(r"[’']s$", text):
        last -= 2
    # keep a closing bracket that belongs to the span: "1,230 km (760 mi)"
    if "(" in sentence[first:last] and ")" in sentence[last : end + 1]:
        last = sentence.index(")", last) + 1
    return first, last


def _whole_tokens(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span that would cut a run of word characters: an identifier ("Z_DEFAULT_COMPRESSION",
    "deflateInit2", "utf8_decode") is one token to a reader, though ``words`` sees letters and digits
    apart."""
    while (
        start > 0 and _IDENTIFIER_CHAR.match(sentence[start - 1]) and _IDENTIFIER_CHAR.match(sentence[start])
    ):
        start -= 1
    while (
        end < len(sentence)
        and _IDENTIFIER_CHAR.match(sentence[end])
        and _IDENTIFIER_CHAR.match(sentence[end - 1])
    ):
        end += 1
    return start, end
