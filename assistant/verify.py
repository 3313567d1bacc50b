"""Stage 5: check every sentence of a draft answer against the source sentences it cites.

A draft cites a passage (``[3]``) or sentences of it (``[3.2]``, ``[3.2, 4.1]``: the 1-based sentence
numbers that :func:`numbered_sentences` shows the model). A claim is checked against exactly what it
cites (a whole passage: any of its sentences, or two adjacent ones; no citation: every sentence given).

Each claim gets a decision with its reason (``verification.rules`` does the reading):

- ``supported``: a cited sentence says it — verbatim, or with the same names, numbers, dates and
  negation, nobody's role swapped, every other word the source's or a near synonym, and close in
  meaning by the sentence embeddings (or, word for word, every word the source's and no doubt
  raised: then a pronoun or a short claim may leave the embeddings less close);
- ``unsupported``: the cited sentences lack one of its names, numbers or dates, or say otherwise;
- ``undecided``: the rules cannot tell (a paraphrase too free to check word by word). An
  :class:`Entailer` (a model), when one is given, judges all undecided claims of an answer in one
  call; without one they are dropped.

The supporting text becomes the citation's quote, with exact document offsets. What does not survive
is recorded with the reason; an answer with nothing left becomes a refusal. The same check runs for
every backend, sentence by sentence, so a streamed answer shows only sentences that have passed.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, Protocol

import numpy as np

from .embeddings import Embedder
from .models import Citation, DroppedSentence, Source, locate
from .text import NEGATIONS, STOPWORDS, Span, evidence_sentences, normalize, same_term, sentence_spans, words
from .verification.analysis import NO_REFERENTS, Analysis, Referents, analyse, is_pronoun
from .verification.decide import features, model
from .verification.lexicon import HEDGES
from .verification.rules import Assessment, Sentence, Similarity, assess, assess_merged
from .verification.slots import swapped_term, term_counts
from .verification.terms import is_term

_ID = r"\d+(?:\.\d+)?"
MARKER = re.compile(rf"\[({_ID}(?:\s*[,;]\s*{_ID})*)\]")
_PARTIAL_MARKER = re.compile(r"\[[\d\s.,;]*$")  # "[1" while the stream is still writing "[12]"
# A marker right after a sentence's stop ends it, whatever follows ("… [1]. zlib is …", '…." [1] zlib').
_CLOSED_BY_MARKER = re.compile(rf"(?<=\][.!?…])\s+|(?<=[.!?…][\"'”’)] )(\[{_ID}(?:\s*[,;]\s*{_ID})*\])\s+")
# A sentence that ends as written: '… from Gaul."' or "install_requires=[…], ...": the marker follows,
# no stop of its own
_ENDS_AS_WRITTEN = re.compile(r"""[.!?…]["'”’)\]]+$|(?:\.\.\.|…)$""")
_LEADING_MARKERS = re.compile(rf"^(?:\s*\[{_ID}(?:\s*[,;]\s*{_ID})*\])+")
_REFUSAL = re.compile(
    r"(?i)\b(?:not\s+in\s+(?:the\s+)?sources|(?:sources|documents|context)\s+(?:do|does)\s+not\s+"
    r"(?:say|contain|mention|answer|provide|specify)|cannot\s+answer|can't\s+answer)\b"
)
# Calibrated on evals/claims/article.yaml and rhine.yaml (python -m assistant.evaluation.claims).
LOW_THRESHOLD = 0.35  # cosine below which no cited text is about the claim at all
NOVEL_SHARE = 0.34  # share of a part's words (of a merged claim) its sentence may not use
CANDIDATES = 6  # cited units read closely per claim, the most overlapping first
WORD_CANDIDATES = 3  # of those, the ones whose words a claim's unmatched words are compared with
PAIR_HALF = 0.3  # each sentence of a two-sentence quote must be on topic by itself
JOINT_SENTENCES = 4  # sentences cited from several sources that a claim may merge

Verdict = Literal["supported", "unsupported", "undecided"]


@dataclass(frozen=True)
class Claim:
    """One sentence of a draft, without its citation markers: ``refs`` are (source, sentence) pairs,
    the sentence ``None`` when the whole source is cited."""

    text: str
    refs: tuple[tuple[int, int | None], ...] = ()

    @property
    def cited(self) -> tuple[int, ...]:
        """The source numbers it cites, in order."""
        return tuple(dict.fromkeys(n for n, _ in self.refs))


@dataclass(frozen=True)
class _Unit:
    """Cited text a claim is checked against: a sentence, adjacent sentences, or sentences cited
    together from several sources. ``pieces`` are the quotes, each contiguous in its document."""

    pieces: tuple[tuple[Source, int, int], ...]  # (source, document start, document end)
    text: str
    parts: tuple[str, ...]  # the sentences
    before: str  # the sentence before it, whose names its pronouns may stand for ("" if none)

    @property
    def source(self) -> Source:
        return self.pieces[0][0]

    @property
    def start(self) -> int:
        return self.pieces[0][1]

    @property
    def end(self) -> int:
        return self.pieces[0][2]

    @cached_property
    def given(self) -> frozenset[str]:
        """The words of its documents' file names, which each of their sentences is about."""
        return frozenset().union(*(_title_words(s) for s, _, _ in self.pieces))

    @cached_property
    def context(self) -> Referents:
        return analyse(self.before).referents if self.before else NO_REFERENTS

    @cached_property
    def analysis(self) -> Analysis:
        return analyse(self.text)

    @cached_property
    def lemmas(self) -> frozenset[str]:
        """Its words' lemmas, cheaply: enough to tell which units a claim shares words with."""
        return frozenset(normalize(w) for w, _, _ in words(self.text))

    def sentences(self) -> list[Sentence]:
        """Its sentences, each with the names its pronouns may stand for (those of the one before)."""
        found, context = [], self.context
        for part in self.parts:
            analysis = analyse(part)
            found.append(Sentence(analysis, context, self.given))
            context = analysis.referents
        return found


@dataclass
class ClaimCheck:
    """The outcome of checking one claim: the decision, the text that supports it, and why."""

    claim: Claim
    support: _Unit | None
    reason: str = ""
    verdict: Verdict = "supported"
    signals: dict[str, float] | None = None  # what the fitted model weighed, when it was asked


@dataclass(frozen=True)
class Decision:
    """A model's judgement of one claim against its cited text; ``supported`` None: it gave none that
    can be read (the claim stays undecided)."""

    supported: bool | None
    reason: str


class Entailer(Protocol):
    """Judges claims the rules leave undecided: one call for all (claim, cited text) pairs of an answer."""

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[Decision]: ...


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text))


def parse_refs(marker_body: str) -> list[tuple[int, int | None]]:
    """ "3.2, 4" → [(3, 2), (4, None)]."""
    refs: list[tuple[int, int | None]] = []
    for item in re.split(r"[,;]", marker_body):
        number, _, sentence = item.strip().partition(".")
        refs.append((int(number), int(sentence) if sentence else None))
    return refs


def split_claims(draft: str) -> list[Claim]:
    """Sentences of a draft, each with what it cites (markers after a full stop included). A citation
    marker that closes a sentence ends it, whatever follows ("… [1]. zlib is …")."""
    merged: list[str] = []
    for span in (s for part in _CLOSED_BY_MARKER.split(draft) if part for s in _spans_of(part)):
        piece = span
        leading = _LEADING_MARKERS.match(piece)
        if leading and merged:
            merged[-1] += leading.group()
            piece = piece[leading.end() :]
        if MARKER.sub("", piece).strip():
            merged.append(piece)
    claims = []
    for piece in merged:
        refs = tuple(dict.fromkeys(ref for body in MARKER.findall(piece) for ref in parse_refs(body)))
        # a removed marker leaves a space before the full stop it stood by ("ends [1]." → "ends ."); a
        # space before punctuation that starts a word (".../foo", ".gitignore") is the source's own
        text = re.sub(r"\s+([.,;:!?])(?=\s|$)", r"\1", MARKER.sub("", piece)).strip()
        claims.append(Claim(text=text, refs=refs))
    return claims


def _spans_of(text: str) -> list[str]:
    return [text[span.start : span.end] for span in sentence_spans(text)]


def numbered_sentences(source: Source) -> list[tuple[str, str]]:
    """The source's sentences with the ids a draft cites them by: ``("3.2", text)``. Text addressed to
    an AI keeps its number (so ids stay stable) but is left out: it never supports a claim."""
    text = source.passage.text
    return [(f"{source.number}.{k}", text[span.start : span.end]) for k, span in evidence_sentences(text)]


def _title_words(source: Source) -> frozenset[str]:
    """The words of a document's file name ("zlib-faq.txt", "libjpeg-readme-ijg.txt"), lemmatized:
    what the whole document is about. Numbers are left out (a version is checked, never given)."""
    stem = source.passage.doc_id.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return frozenset(
        lemma
        for word, _, _ in words(re.sub(r"[-_]", " ", stem))
        if (lemma := normalize(word)).isalpha() and lemma not in STOPWORDS
    ) | _heading_names(source.passage.title)


def _heading_names(title: str) -> frozenset[str]:
    """The names of a document's title when it reads as a heading ("MIT Kerberos for Debian", "README
    for libpng version 1.6.39"), not as its first sentence: what the whole document is about."""
    first = title.split(" — ", 1)[0].strip()
    if not first or len(first.split()) > 8 or first.endswith((".", ":")):
        return frozenset()
    return frozenset(t.lemma for t in analyse(first).tokens if t.name and is_term(t.lemma))


def _heading(text: str) -> bool:
    """Whether a line is a heading ("GNU GENERAL PUBLIC LICENSE"): with the line under it, it reads as
    one sentence ("… Version 3, 29 June 2007")."""
    return "\n" not in text.strip() and not re.search(r"[.!?:;,\"'”’)\]]\s*$", text)


def _qualified(text: str, flat_claim: str) -> bool:
    """Whether the source's words before a verbatim claim qualify it ("If run as root, the tests use
    …", "Unless the flag is set, …", "It is not true that …"): then the claim is no longer verbatim but
    a shortened sentence."""
    flat = _flatten(text)
    before = re.split(r"[.!?]\s", flat[: flat.index(flat_claim)])[-1]
    return any(
        w in HEDGES or w in NEGATIONS or w in _CONDITIONS or w.endswith("n't")
        for w in re.findall(r"[\w']+", before)
    )


_CONDITIONS = frozenset("if unless".split())


def _verbatim_but_named(
    claim: str, spelled: list[tuple[str, int, int]], unit: _Unit, names: frozenset[str]
) -> bool:
    """Whether the claim is the unit's words as written with only the document's name added ("None of
    the sample Kerberos clients and servers are installed" in MIT Kerberos's README, which says "None of
    the sample clients and servers are installed"): each of its sentences is about that, unless the
    sentence names another thing before those words. ``spelled``: the claim's words as (lemma, start,
    end); ``names``: the words the sources write as names."""
    added = [
        (start, end) for lemma, start, end in spelled if lemma in unit.given and lemma not in unit.lemmas
    ]
    if not added:
        return False
    for start, end in reversed(added):
        claim = claim[:start] + claim[end:]
    flat, said = _flatten(claim), _flatten(unit.text)
    if not flat or flat not in said or _qualified(unit.text, flat):
        return False
    lead = " ".join(unit.text.split()[: len(said[: said.index(flat)].split())])
    # what the sentence says before those words is no thing the name would replace ("Only root may …",
    # "Pen: version 2.0 …"), at most a pronoun ("It was packaged by …")
    return not any(
        (t.content and not is_pronoun(t)) or (t.name and (not t.initial or t.lemma in names))
        for t in analyse(lead).tokens
    )


# "According to the Quill README, …": the claim says the documents say it; what it names must be the
# supporting document (its file name's words), and the rest must stand by itself.
_SAID_BY_DOCUMENT = re.compile(
    r"(?i)^(?:according to|as (?:stated|noted|explained|described) in|per) (?:the )?"
    r"(?P<what>[\w.+-]+(?: [\w.+-]+)? )??"
    r"(?:readme|documentation|docs|faq|manual|guide|document|article|text|notes|licen[cs]e|changelog|sources?),\s+"
)


def _introduces(text: str) -> bool:
    """Whether a sentence ends with a colon: what follows it belongs to it, even a paragraph below
    ("add the following option to the ssh configuration file:" and the option)."""
    return text.rstrip().endswith(":")


def _asks(text: str) -> bool:
    """Whether a sentence is a question ("Is zlib subject to export controls?")."""
    return text.rstrip(" \"'”’)]").endswith("?")


def _flatten(text: str) -> str:
    """Case, quotes and white space do not matter for a verbatim match."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split()).strip(" .;:,!?\"'")


class Verifier:
    """Checks claims against a fixed set of numbered sources."""

    def __init__(
        self,
        sources: Sequence[Source],
        embedder: Embedder,
        entailer: Entailer | None = None,
    ):
        self._sources = {s.number: s for s in sources}
        self._embedder = embedder
        self.entailer = entailer
        self._sentences: dict[int, list[tuple[int, Span]]] = {}
        self._units: dict[int, list[_Unit]] = {}
        self._names: dict[int, frozenset[str]] = {}
        self._terms: dict[frozenset[int], Counter[tuple[str, str]]] = {}

    # -- what a claim is checked against ------------------------------------------------------------

    def sentences(self, number: int) -> list[tuple[int, Span]]:
        """(1-based sentence number, span in the passage) of the sentences that may support a claim."""
        if number not in self._sentences:
            self._sentences[number] = evidence_sentences(self._sources[number].passage.text)
        return self._sentences[number]

    def units(self, number: int) -> list[_Unit]:
        """Each sentence of a source, and each two adjacent sentences of one paragraph (or a sentence
        ending with a colon and the paragraph it introduces)."""
        if number not in self._units:
            source = self._sources[number]
            text = source.passage.text
            spans = self.sentences(number)
            units = []
            for i, (k, span) in enumerate(spans):
                before = spans[i - 1] if i and spans[i - 1][0] == k - 1 else None
                at = i - 1
                while before and at and spans[at - 1][0] == before[0] - 1 and _pronoun_led(text, before[1]):
                    at -= 1  # "Nettle doesn't … . It doesn't … . It doesn't …": the last "it" is Nettle
                    before = spans[at]
                units.append(self._unit(source, [span], before[1] if before else None))
                if i + 1 < len(spans) and spans[i + 1][0] == k + 1:
                    following = spans[i + 1][1]
                    if "\n\n" not in text[span.end : following.start] or _introduces(
                        text[span.start : span.end]
                    ):
                        units.append(self._unit(source, [span, following], before[1] if before else None))
            self._units[number] = units
        return self._units[number]

    def names(self, number: int) -> frozenset[str]:
        """The words a source writes as names (capitalized inside a sentence)."""
        if number not in self._names:
            self._names[number] = frozenset().union(
                *(u.analysis.capitalized for u in self.units(number) if len(u.parts) == 1)
            )
        return self._names[number]

    def terms(self, numbers: frozenset[int]) -> Counter[tuple[str, str]]:
        """How often the sources join two words as one term ("dev profile", "workspace.metadata")."""
        if numbers not in self._terms:
            self._terms[numbers] = sum(
                (term_counts(self._sources[n].passage.text) for n in sorted(numbers)), Counter()
            )
        return self._terms[numbers]

    def _unit(self, source: Source, spans: list[Span], before: Span | None) -> _Unit:
        text = source.passage.text
        start, end = spans[0].start, spans[-1].end
        return _Unit(
            pieces=((source, source.passage.start + start, source.passage.start + end),),
            text=text[start:end],
            parts=tuple(text[s.start : s.end] for s in spans),
            before=text[before.start : before.end] if before else "",
        )

    def _scope(self, claim: Claim) -> list[_Unit] | str:
        """The units a claim may be supported by, or why it cannot be checked."""
        refs = claim.refs or tuple((n, None) for n in self._sources)
        units: list[_Unit] = []
        chosen: dict[int, list[int]] = {}
        for number, sentence in refs:
            if number not in self._sources:
                return f"cites [{number}], which is not one of the sources given"
            if sentence is None:
                units.extend(self.units(number))
                continue
            spans = dict(self.sentences(number))
            if sentence not in spans:
                return f"cites [{number}.{sentence}], which is not a sentence of source {number}"
            chosen.setdefault(number, []).append(sentence)
        for number, ks in chosen.items():
            for k in ks:
                units.extend(
                    u for u in self.units(number) if len(u.parts) == 1 and u.text == self._text(number, k)
                )
        cited = [(n, k) for n, ks in chosen.items() for k in sorted(set(ks))]
        if 1 < len(cited) <= JOINT_SENTENCES:
            units.append(self._joint(cited))
        elif claim.refs and not chosen and 1 < len(claim.cited) <= JOINT_SENTENCES:
            whole = [(n, k) for n in claim.cited for k, _ in self.sentences(n)]
            if 1 < len(whole) <= JOINT_SENTENCES:
                units.append(self._joint(whole))
        return units

    def _text(self, number: int, k: int) -> str:
        span = dict(self.sentences(number))[k]
        return self._sources[number].passage.text[span.start : span.end]

    def _joint(self, cited: list[tuple[int, int]]) -> _Unit:
        """Sentences cited together: one quote per run of adjacent sentences of a source."""
        pieces: list[tuple[Source, int, int]] = []
        parts: list[str] = []
        previous: tuple[int, int] | None = None
        for number, k in cited:
            source = self._sources[number]
            span = dict(self.sentences(number))[k]
            parts.append(source.passage.text[span.start : span.end])
            begin, stop = source.passage.start + span.start, source.passage.start + span.end
            if previous == (number, k - 1) and pieces:
                pieces[-1] = (source, pieces[-1][1], stop)
            else:
                pieces.append((source, begin, stop))
            previous = (number, k)
        return _Unit(pieces=tuple(pieces), text=" ".join(parts), parts=tuple(parts), before="")

    # -- the decision -------------------------------------------------------------------------------

    def check(self, claim: Claim) -> ClaimCheck:
        said = _SAID_BY_DOCUMENT.match(claim.text)
        if said and said.end() < len(claim.text):
            rest = claim.text[said.end() :]
            found = self.check(Claim(rest[:1].upper() + rest[1:], claim.refs))
            named = {normalize(w) for w, _, _ in words(said.group("what") or "")}
            if found.verdict == "supported" and found.support and named <= found.support.given:
                return ClaimCheck(
                    claim, found.support, f"{found.reason}, as the document says", signals=found.signals
                )
        return self._check(claim)

    def _check(self, claim: Claim) -> ClaimCheck:
        scope = self._scope(claim)
        if isinstance(scope, str):
            return ClaimCheck(claim, None, scope, "unsupported")
        if not scope:
            return ClaimCheck(claim, None, "no source to check it against", "unsupported")
        flat = _flatten(claim.text)
        analysis = analyse(claim.text)
        if not any(t.content for t in analysis.tokens):
            return ClaimCheck(claim, None, "says nothing that a source could support", "unsupported")
        if not _asks(claim.text):  # "Is zlib subject to export controls?" says neither yes nor no
            scope = [u for u in scope if not any(_asks(part) for part in u.parts)] or scope
        verbatim = [u for u in scope if flat and flat in _flatten(u.text) and not _qualified(u.text, flat)]
        if verbatim:
            return ClaimCheck(claim, min(verbatim, key=lambda u: len(u.text)), "verbatim")
        names = frozenset().union(*(self.names(n) for n in {u.source.number for u in scope}))
        spelled = [(normalize(w), start, end) for w, start, end in words(claim.text)]
        lemmas = {lemma for lemma, _, _ in spelled}
        named = [u for u in scope if lemmas & u.given and _verbatim_but_named(claim.text, spelled, u, names)]
        if named:
            return ClaimCheck(claim, min(named, key=lambda u: len(u.text)), "verbatim, naming the document")
        candidates = _closest(analysis, scope)
        similar = self._word_similarity(analysis, candidates)
        assessed = [
            (
                u,
                assess(analysis, u.analysis, u.context, names, similar, u.given)
                if len(u.parts) == 1 or _heading(u.parts[0]) or _introduces(u.parts[0])
                else assess_merged(claim.text, u.sentences(), names, similar, _part_fits),
            )
            for u in candidates
        ]
        terms = self.terms(frozenset(u.source.number for u in scope))
        for u, found in assessed:
            if found.clean and (swapped := swapped_term(analysis, u.analysis, terms)):
                found.conflicts.append(swapped)
        # "crates.io does not allow bare * versions" for "crates.io allows bare * versions"
        denying = [a for _, a in assessed if a.denied and not a.novel and not a.missing]
        if denying and not analysis.negative:
            why = denying[0].conflicts[0]
            return ClaimCheck(
                claim, None, f"{why}, in a sentence that says every other word of it", "unsupported"
            )
        clean = sorted((ua for ua in assessed if ua[1].clean), key=lambda ua: len(ua[1].novel))[:3]
        if not clean:
            unit, found = assessed[0]
            reason = (found.conflicts or [f"{', '.join(found.missing)} not in the cited source"])[0]
            return ClaimCheck(claim, None, reason, "unsupported")
        closeness = self._closeness(claim.text, clean)
        score, unit, found = min(
            ((closeness[i], u, a) for i, (u, a) in enumerate(clean)),
            key=lambda item: (len(item[2].novel) - 2 * item[0], len(item[1].text)),
        )
        signals = features(found, score)
        probability = model().probability(signals)
        if probability >= model().accept and not found.crossed:
            return ClaimCheck(claim, unit, _support_reason(found, score, probability), signals=signals)
        if max(closeness) >= LOW_THRESHOLD and _word_for_word(found):
            kin = "".join(f"; {a} for {b}" for a, b in found.kin_verbs)  # a verb WordNet relates
            return ClaimCheck(claim, unit, f"every word is the cited source's (closeness {score:.2f}{kin})")
        if max(closeness) < LOW_THRESHOLD:
            return ClaimCheck(
                claim, None, f"no cited sentence is about it ({max(closeness):.2f})", "unsupported"
            )
        if found.doubts:
            why = found.doubts[0]
        elif found.novel:
            why = f"the cited source does not say: {', '.join(found.novel)}"
        else:
            why = "not close enough in meaning to the cited source"
        return ClaimCheck(claim, unit, f"{why} (p={probability:.2f})", "undecided", signals)

    def _closeness(self, claim: str, assessed: list[tuple[_Unit, Assessment]]) -> list[float]:
        """Cosine of the claim to what supports it: the stretch of source its words cover, or the
        whole unit (for two sentences, each must be on topic by itself)."""
        spans = {u.text: " … ".join(a.evidence) for u, a in assessed if a.evidence}
        wholes = [u for u, _ in assessed if u.text not in spans or len(u.parts) > 1]
        texts = list(dict.fromkeys([*spans.values(), *(t for u in wholes for t in (u.text, *u.parts))]))
        vectors = self._embedder.embed([claim, *texts])
        claim_vector, by_text = vectors[0], dict(zip(texts, vectors[1:], strict=True))
        scores = []
        for unit, _ in assessed:
            whole = float(by_text[unit.text] @ claim_vector) if unit in wholes else 0.0
            if len(unit.parts) > 1 and min(float(by_text[p] @ claim_vector) for p in unit.parts) < PAIR_HALF:
                whole = 0.0
            span = float(by_text[spans[unit.text]] @ claim_vector) if unit.text in spans else 0.0
            scores.append(max(whole, span))
        return scores

    def _word_similarity(self, claim: Analysis, units: list[_Unit]) -> Similarity:
        """Cosine of single words by the embedder, for the claim's words against the units' words."""
        claim_words = {
            t.lemma for t in claim.tokens if t.content and not t.name and not t.number and not t.sides
        }
        unit_words = {
            t.lemma
            for u in units[:WORD_CANDIDATES]
            for t in u.analysis.tokens
            if t.content and not t.number and not t.name and not t.sides
        }
        novel = sorted(w for w in claim_words - unit_words if not same_term(w, unit_words))
        if not novel:
            return lambda a, b: 1.0 if a == b else 0.0
        others = sorted(unit_words - claim_words)
        vectors = self._embedder.embed(novel + others)
        index = {w: i for i, w in enumerate(novel + others)}

        def similar(a: str, b: str) -> float:
            if a == b:
                return 1.0
            if a not in index or b not in index:
                return 0.0
            return float(np.dot(vectors[index[a]], vectors[index[b]]))

        return similar

    def decide(self, checks: Sequence[ClaimCheck]) -> list[ClaimCheck]:
        """Undecided checks settled: by the entailer in one call when there is one, else dropped."""
        undecided = [c for c in checks if c.verdict == "undecided"]
        if not undecided:
            return list(checks)
        if self.entailer is None:
            settled = {
                id(c): ClaimCheck(c.claim, None, f"undecided, no model to ask: {c.reason}", "undecided")
                for c in undecided
            }
        else:
            pairs = [(c.claim.text, c.support.text if c.support else "") for c in undecided]
            decisions = self.entailer.judge(pairs)
            settled = {id(c): _settle(c, d) for c, d in zip(undecided, decisions, strict=True)}
        return [settled.get(id(c), c) for c in checks]


def _settle(check: ClaimCheck, decision: Decision) -> ClaimCheck:
    """An undecided check as the model judged it; without a readable verdict it stays undecided."""
    if decision.supported is None:
        return ClaimCheck(check.claim, None, f"undecided, {decision.reason}", "undecided", check.signals)
    verdict: Verdict = "supported" if decision.supported else "unsupported"
    support = check.support if decision.supported else None
    return ClaimCheck(check.claim, support, f"judged by the model: {decision.reason}", verdict, check.signals)


def _closest(claim: Analysis, scope: list[_Unit]) -> list[_Unit]:
    """The units that share most of the claim's words (names and numbers count double)."""
    wanted = {t.lemma: 2 if (t.name or t.number) else 1 for t in claim.tokens if t.content}

    def overlap(unit: _Unit) -> tuple[int, int]:
        lemmas = unit.lemmas
        return (sum(weight for lemma, weight in wanted.items() if lemma in lemmas), -len(unit.text))

    return heapq.nlargest(CANDIDATES, scope, key=overlap)


def _word_for_word(found: Assessment) -> bool:
    """Whether the source says every word of the claim, none by a synonym, and no doubt was raised: a
    claim the rules read through. Its closeness may still be low (a pronoun for the subject, a short
    claim from a long sentence); in the claim sets every false claim read this far broke a rule."""
    return not (found.novel or found.synonyms or found.doubts or found.subject_differs or found.untold)


def _pronoun_led(text: str, span: Span) -> bool:
    """Whether a sentence's subject is a pronoun ("It doesn't do memory allocation."), so that a
    pronoun of the next sentence stands for what this one's stands for."""
    first = text[span.start : span.end].split(maxsplit=1)[:1]
    return bool(first) and first[0].lower() in _CHAINED


_CHAINED = frozenset("it he she they".split())


def _part_fits(found: Assessment) -> bool:
    """Whether a part of a merged claim uses few enough words its sentence does not."""
    return len(found.novel) <= max(1, int(NOVEL_SHARE * found.words)) and not found.novel_verbs


def _support_reason(found: Assessment, score: float, probability: float) -> str:
    said = "".join(f"; {a} for {b}" for a, b in found.synonyms + found.kin_verbs)
    return f"the cited source says it (closeness {score:.2f}, p={probability:.2f}{said})"


@dataclass
class VerifiedAnswer:
    """The surviving sentences with renumbered citations, and what was dropped."""

    sentences: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    dropped: list[DroppedSentence] = field(default_factory=list)
    checks: list[ClaimCheck] = field(default_factory=list)  # every decision, in order

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
        """The sentence as shown to the user (with its new markers), or None if it was dropped."""
        self.result.checks.append(check)
        unit = check.support
        if unit is None or check.verdict != "supported":
            self.result.dropped.append(DroppedSentence(text=check.claim.text, reason=check.reason))
            return None
        if check.claim.text in self._said:
            return None  # a model that repeats itself is shown once
        self._said.add(check.claim.text)
        numbers = []
        for source, start, end in unit.pieces:
            key = (source.passage.doc_id, start, end)
            if key not in self._numbers:
                self._numbers[key] = len(self._numbers) + 1
                offset = source.passage.start
                self.result.citations.append(
                    Citation(
                        number=self._numbers[key],
                        doc_id=source.passage.doc_id,
                        chunk_id=source.passage.chunk_id,
                        quote=source.passage.text[start - offset : end - offset],
                        start=start,
                        end=end,
                        section=locate(source.passage.sections, start),
                    )
                )
            numbers.append(self._numbers[key])
        text = check.claim.text
        marker = f"[{', '.join(str(n) for n in dict.fromkeys(numbers))}]"
        if _ENDS_AS_WRITTEN.search(text):
            sentence = f"{text} {marker}"
        else:
            body, stop = (text[:-1], text[-1]) if text[-1] in ".!?" else (text, ".")
            sentence = f"{body.rstrip()} {marker}{stop}"
        self.result.sentences.append(sentence)
        return sentence


def verify_text(draft: str, verifier: Verifier) -> VerifiedAnswer:
    builder = AnswerBuilder()
    claims = [c for c in split_claims(draft) if not is_refusal(c.text)]
    for check in verifier.decide([verifier.check(claim) for claim in claims]):
        builder.add(check)
    return builder.result


class StreamingVerifier:
    """Feeds streamed text in; yields each sentence once it is complete and has passed.

    With an entailer, the first undecided sentence holds back the ones after it (so the answer keeps
    its order) until the end, when one call judges all undecided sentences."""

    def __init__(self, verifier: Verifier, gate: Callable[[ClaimCheck], str | None] | None = None) -> None:
        self._verifier = verifier
        self._builder = AnswerBuilder()
        self._buffer = ""
        self._held: list[ClaimCheck] = []
        self._gate = gate  # after verification: why a supported sentence is still not shown, or None

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

    def finish(self, cut: str | None = None) -> Iterator[str]:
        """The rest; ``cut`` says why the last sentence is unfinished (the reply hit max_tokens): it is
        recorded as dropped with that reason, never checked or shown."""
        complete, self._buffer = self._buffer, ""
        if cut is not None:
            unfinished = MARKER.sub("", _PARTIAL_MARKER.sub("", complete)).strip()
            if unfinished:
                self._builder.result.dropped.append(DroppedSentence(text=unfinished, reason=cut))
            complete = ""
        yield from self._emit(split_claims(complete))
        held, self._held = self._held, []
        yield from self._add(self._verifier.decide(held))

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
            check = self._verifier.check(claim)
            if self._held or (check.verdict == "undecided" and self._verifier.entailer is not None):
                self._held.append(check)
                continue
            yield from self._add(self._verifier.decide([check]))

    def _add(self, checks: Iterable[ClaimCheck]) -> Iterator[str]:
        for check in checks:
            why = self._gate(check) if self._gate and check.verdict == "supported" and check.support else None
            if why is not None:
                self._builder.result.checks.append(check)
                self._builder.result.dropped.append(DroppedSentence(text=check.claim.text, reason=why))
                continue
            shown = self._builder.add(check)
            if shown is not None:
                yield shown
