"""Stage 5: check every sentence of a draft answer against the sources it cites.

A sentence survives only if a sentence of a cited source (or two adjacent ones) supports it: it is a
verbatim part of it, or it carries all of its names, numbers and dates, agrees on negation and is
close in meaning. The supporting text becomes the citation's quote, with exact document offsets. What
does not survive is recorded with the reason; an answer with nothing left becomes a refusal.

The same check runs for every backend, and it runs sentence by sentence, so a streamed answer shows
only sentences that have already passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .embeddings import Embedder
from .models import Citation, DroppedSentence, Source, locate
from .text import (
    STOPWORDS,
    Span,
    is_instruction,
    key_terms,
    negated_words,
    normalize,
    same_term,
    sentence_spans,
    terms,
    words,
)

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_PARTIAL_MARKER = re.compile(r"\[[\d\s,;]*$")  # "[1" while the stream is still writing "[12]"
_CLOSED_BY_MARKER = re.compile(r"(?<=\][.!?…])\s+|(?<=[.!?…][\"'”’)] \[\d\])\s+")
_CLOSED_QUOTE = re.compile(r"""[.!?…]["'”’)\]]+$""")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+")
_REFUSAL = re.compile(
    r"(?i)\b(?:not\s+in\s+(?:the\s+)?sources|(?:sources|documents|context)\s+(?:do|does)\s+not\s+"
    r"(?:say|contain|mention|answer|provide|specify)|cannot\s+answer|can't\s+answer)\b"
)
# Calibrated on the first 96 claims of evals/claims/article.yaml (47 true paraphrases, 49 false claims).
SUPPORT_THRESHOLD = 0.5  # cosine between a claim and the sentence that supports it
NOVEL_SHARE = 0.15  # share of a claim's words its source may say otherwise (paraphrase)
SHORT_CLAIM = 6  # a claim of this many words or fewer must use the source's words
PAIR_MIN_TERMS = 10  # shorter claims state one fact: a two-sentence quote cannot carry them
NAME_REACH = 4  # content words around a name in the source where its claim neighbour may stand
PAIR_HALF = 0.3  # each sentence of a two-sentence quote must be on topic by itself


@dataclass(frozen=True)
class Claim:
    """One sentence of a draft, without its citation markers."""

    text: str
    cited: tuple[int, ...]


@dataclass(frozen=True)
class _Unit:
    """A sentence, or two adjacent sentences, of a source: what a claim can be checked against."""

    source: Source
    start: int  # document offsets
    end: int
    text: str
    parts: tuple[str, ...]  # the sentence, or the two sentences of a pair
    normalized: str
    words: frozenset[str]


@dataclass
class ClaimCheck:
    """The outcome of checking one claim: the source text that supports it, or why none does."""

    claim: Claim
    support: _Unit | None
    reason: str = ""


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text))


def split_claims(draft: str) -> list[Claim]:
    """Sentences of a draft, each with the numbers it cites (markers after a full stop included).
    A citation marker that closes a sentence ends it, whatever follows ("… [1]. zlib is …")."""
    merged: list[str] = []
    for span in (s for part in _CLOSED_BY_MARKER.split(draft) for s in _spans_of(part)):
        piece = span
        leading = _LEADING_MARKERS.match(piece)
        if leading and merged:
            merged[-1] += leading.group()
            piece = piece[leading.end() :]
        if MARKER.sub("", piece).strip():
            merged.append(piece)
    claims = []
    for piece in merged:
        cited = tuple(int(n) for group in MARKER.findall(piece) for n in re.split(r"[,;]", group))
        text = re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", piece)).strip()
        claims.append(Claim(text=text, cited=cited))
    return claims


def _spans_of(text: str) -> list[str]:
    return [text[span.start : span.end] for span in sentence_spans(text)]


def _flatten(text: str) -> str:
    """Case, quotes and white space do not matter for a verbatim match."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split()).strip(" .;:,!?\"'")


class Verifier:
    """Checks claims against a fixed set of numbered sources."""

    def __init__(self, sources: Sequence[Source], embedder: Embedder, threshold: float = SUPPORT_THRESHOLD):
        self._sources = {s.number: s for s in sources}
        self._embedder = embedder
        self._threshold = threshold
        self._units: dict[int, list[_Unit]] = {}

    def units(self, number: int) -> list[_Unit]:
        if number not in self._units:
            self._units[number] = list(_units_of(self._sources[number]))
        return self._units[number]

    def check(self, claim: Claim) -> ClaimCheck:
        unknown = [n for n in claim.cited if n not in self._sources]
        if unknown:
            return ClaimCheck(claim, None, f"cites [{unknown[0]}], which is not one of the sources given")
        numbers = claim.cited or tuple(self._sources)
        candidates = [unit for n in dict.fromkeys(numbers) for unit in self.units(n)]
        if not candidates:
            return ClaimCheck(claim, None, "no source to check it against")
        flat = _flatten(claim.text)
        claim_terms = set(terms(claim.text))
        if claim_terms:
            verbatim = [u for u in candidates if flat and flat in u.normalized]
            if verbatim:
                return ClaimCheck(claim, min(verbatim, key=lambda u: u.end - u.start))
        else:
            return ClaimCheck(claim, None, "says nothing that a source could support")
        needed = key_terms(claim.text)
        negated = "not" in needed
        needed.discard("not")
        named = [u for u in candidates if needed <= u.words]
        if not named:
            missing = sorted(needed - set().union(*(u.words for u in candidates)))
            if missing:
                return ClaimCheck(claim, None, f"{', '.join(missing)} not in the cited source")
            return ClaimCheck(claim, None, "no single cited sentence has all its names and numbers")
        fitting = [u for u in named if _agrees_on_negation(claim_terms, negated, u)]
        if not fitting:
            return ClaimCheck(claim, None, "the cited source says the opposite")
        if len(claim_terms) < PAIR_MIN_TERMS:  # one fact: one sentence must carry it
            fitting = [u for u in fitting if len(u.parts) == 1]
        fitting = [u for u in fitting if _names_in_place(claim.text, u.text)]
        worded = [(u, _novel(claim_terms, u)) for u in fitting]
        allowed = int(NOVEL_SHARE * len(claim_terms)) if len(claim_terms) > SHORT_CLAIM else 0
        worded = [(u, novel) for u, novel in worded if len(novel) <= allowed]
        if not worded:
            if not fitting:
                return ClaimCheck(claim, None, "no single cited sentence says all of it")
            fewest = min((_novel(claim_terms, u) for u in fitting), key=len)
            return ClaimCheck(claim, None, f"the cited source does not say: {', '.join(sorted(fewest))}")
        texts = list(dict.fromkeys(t for u, _ in worded for t in (u.text, *u.parts)))
        vectors = dict(zip(texts, self._embedder.embed([claim.text, *texts])[1:], strict=True))
        claim_vector = self._embedder.embed([claim.text])[0]

        def closeness(unit: _Unit) -> float:
            """Cosine to the unit; for a pair, each half must be on topic too."""
            whole = float(vectors[unit.text] @ claim_vector)
            if len(unit.parts) > 1 and min(float(vectors[p] @ claim_vector) for p in unit.parts) < PAIR_HALF:
                return 0.0
            return whole

        best_score, best = max(
            ((closeness(u), u) for u, _ in worded), key=lambda pair: (pair[0], -(pair[1].end - pair[1].start))
        )
        if best_score < self._threshold:
            return ClaimCheck(
                claim, None, f"not close enough in meaning to any cited sentence ({best_score:.2f})"
            )
        return ClaimCheck(claim, best)


def _content(text: str) -> list[tuple[str, bool]]:
    """The words that carry meaning, normalized, each marked when it is a name."""
    names = key_terms(text)
    return [(t, t in names) for w, _, _ in words(text) if (t := normalize(w)) not in STOPWORDS]


def _names_in_place(claim: str, source: str) -> bool:
    """Each name of the claim keeps a neighbour it has in the source: "exercises off Japan" is not
    supported by "exercises off Taiwan … Japan and China", nor "Takaichi invited" by "invited …
    Takaichi". Word order beyond that is not checked."""
    said, found = _content(claim), _content(source)
    for i, (term, is_name) in enumerate(said):
        if not is_name or term[:1].isdigit():
            continue
        mine = {said[j][0] for j in (i - 1, i + 1) if 0 <= j < len(said)}
        if not mine:
            continue
        theirs = {
            found[j][0]
            for k, (other, _) in enumerate(found)
            if same_term(other, [term])
            for j in range(k - NAME_REACH, k + NAME_REACH + 1)
            if 0 <= j < len(found) and j != k
        }
        if not any(same_term(word, theirs) for word in mine):
            return False
    return True


def _agrees_on_negation(claim_terms: set[str], negated: bool, unit: _Unit) -> bool:
    """A negative claim needs a source that negates one of its words. A positive claim fails when
    the source negates one of its words ("has not yet confirmed"), or negates a word the claim
    says otherwise ("not informed" for "was told"); a negation of something else is no matter."""
    denied = negated_words(unit.text)
    if negated:
        return any(same_term(word, claim_terms) for word in denied)
    if any(same_term(word, claim_terms) for word in denied):
        return False
    return not (denied and _novel(claim_terms, unit))


def _novel(claim_terms: set[str], unit: _Unit) -> set[str]:
    """The claim's words that the unit does not use (in any inflection)."""
    return {t for t in claim_terms if not same_term(t, unit.words)}


def _units_of(source: Source) -> Iterator[_Unit]:
    """Sentences and adjacent pairs; text addressed to an AI ("ignore previous instructions") never
    supports a claim, so a model that obeys an injected instruction cannot cite it."""
    passage = source.passage
    spans = [s for s in sentence_spans(passage.text) if not is_instruction(passage.text[s.start : s.end])]
    for i, span in enumerate(spans):
        yield _unit(source, span, span)
        if i + 1 < len(spans) and "\n" not in passage.text[span.end : spans[i + 1].start]:
            yield _unit(source, span, spans[i + 1])


def _unit(source: Source, first: Span, last: Span) -> _Unit:
    passage = source.passage
    text = passage.text[first.start : last.end]
    vocabulary = {normalize(w) for w, _, _ in words(text)}
    parts = (
        (text,)
        if first == last
        else (passage.text[first.start : first.end], passage.text[last.start : last.end])
    )
    return _Unit(
        source=source,
        start=passage.start + first.start,
        end=passage.start + last.end,
        text=text,
        parts=parts,
        normalized=_flatten(text),
        words=frozenset(vocabulary | key_terms(text)),
    )


@dataclass
class VerifiedAnswer:
    """The surviving sentences with renumbered citations, and what was dropped."""

    sentences: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    dropped: list[DroppedSentence] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


class AnswerBuilder:
    """Accumulates checked claims into an answer: citations numbered in order of first use."""

    def __init__(self) -> None:
        self.result = VerifiedAnswer()
        self._numbers: dict[tuple[str, int, int], int] = {}
        self._said: set[str] = set()

    def add(self, check: ClaimCheck) -> str | None:
        """The sentence as shown to the user (with its new marker), or None if it was dropped."""
        unit = check.support
        if unit is None:
            self.result.dropped.append(DroppedSentence(text=check.claim.text, reason=check.reason))
            return None
        if check.claim.text in self._said:
            return None  # a model that repeats itself is shown once
        self._said.add(check.claim.text)
        key = (unit.source.passage.doc_id, unit.start, unit.end)
        if key not in self._numbers:
            self._numbers[key] = len(self._numbers) + 1
            self.result.citations.append(
                Citation(
                    number=self._numbers[key],
                    doc_id=unit.source.passage.doc_id,
                    chunk_id=unit.source.passage.chunk_id,
                    quote=unit.text,
                    start=unit.start,
                    end=unit.end,
                    section=locate(unit.source.passage.sections, unit.start),
                )
            )
        text = check.claim.text
        marker = f"[{self._numbers[key]}]"
        if _CLOSED_QUOTE.search(text):  # '… from Gaul."': the marker follows the quote, no stop after it
            sentence = f"{text} {marker}"
        else:
            body, stop = (text[:-1], text[-1]) if text[-1] in ".!?" else (text, ".")
            sentence = f"{body.rstrip()} {marker}{stop}"
        self.result.sentences.append(sentence)
        return sentence


def verify_text(draft: str, verifier: Verifier) -> VerifiedAnswer:
    builder = AnswerBuilder()
    for claim in split_claims(draft):
        builder.add(verifier.check(claim))
    return builder.result


class StreamingVerifier:
    """Feeds streamed text in; yields each sentence once it is complete and has passed."""

    def __init__(self, verifier: Verifier) -> None:
        self._verifier = verifier
        self._builder = AnswerBuilder()
        self._buffer = ""

    @property
    def result(self) -> VerifiedAnswer:
        return self._builder.result

    def feed(self, delta: str) -> Iterator[str]:
        self._buffer += delta
        # Everything up to the start of the last sentence is complete (its markers included).
        last_start = self._find_last_sentence_start()
        if last_start is None:
            return
        complete, self._buffer = self._buffer[:last_start], self._buffer[last_start:]
        yield from self._emit(split_claims(complete))

    def finish(self) -> Iterator[str]:
        complete, self._buffer = self._buffer, ""
        yield from self._emit(split_claims(complete))

    def _find_last_sentence_start(self) -> int | None:
        """Where the last sentence with any text begins, after the markers that close the one before."""
        for span in reversed(sentence_spans(self._buffer)[1:]):
            rest = self._buffer[span.start :]
            leading = _LEADING_MARKERS.match(rest)
            if _PARTIAL_MARKER.sub("", MARKER.sub("", rest)).strip():
                return span.start + (leading.end() if leading else 0)
        return None

    def _emit(self, claims: Iterable[Claim]) -> Iterator[str]:
        for claim in claims:
            if is_refusal(claim.text):  # "NOT IN SOURCES" is an answer about the sources, not a claim
                continue
            shown = self._builder.add(self._verifier.check(claim))
            if shown is not None:
                yield shown
