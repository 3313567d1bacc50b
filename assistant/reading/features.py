"""Measured signals of how well one sentence answers one question.

Each candidate sentence gets a fixed vector of numbers (``FEATURES``): meaning (embedding similarity),
shared words (plain, weighted by rarity among the retrieved sentences, and BM25), the question's
names and focus noun, a span of the asked type and how close it stands to the question's words, the
sentence's rank, negation, and shape. ``model.py`` combines them into a probability; nothing here
decides anything.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..lemmas import known_words
from ..text import (
    QUESTION_WORDS,
    STOPWORDS,
    Terms,
    canonical_names,
    forms,
    is_instruction,
    normalize,
    same_term,
    terms,
    word_forms,
)
from .memo import negated_words, words
from .question import Question, negative
from .spans import Span, extract, kind_of_span, typed

FEATURES: tuple[str, ...] = (
    "similarity",
    "similarity_gap",
    "coverage",
    "window_coverage",
    "weighted_coverage",
    "missing_weight",
    "absent_terms",
    "elsewhere",
    "alignment_min",
    "alignment_mean",
    "unaligned",
    "unaligned_weight",
    "substituted",
    "order",
    "qualifier",
    "bm25",
    "names",
    "names_all",
    "names_sentence",
    "names_anywhere",
    "focus",
    "focus_anywhere",
    "span",
    "span_closeness",
    "span_typed",
    "measure_missing",
    "rank",
    "passage_rank",
    "polarity",
    "contrast",
    "heading",
    "rules_first",
    "rules_second",
    "length",
    "question_terms",
    "why_uncovered",
)
DESCRIPTIONS: dict[str, str] = {
    "similarity": "meaning far from the question",
    "similarity_gap": "other sentences are closer in meaning",
    "coverage": "few of the question's words in the sentence",
    "window_coverage": "few of the question's words in or just before the sentence",
    "weighted_coverage": "the question's rarer words are missing",
    "missing_weight": "a distinctive word of the question is missing",
    "absent_terms": "words of the question appear nowhere in the passages",
    "elsewhere": "words of the question stand in other sentences, not this one",
    "alignment_min": "a word of the question has no counterpart here",
    "alignment_mean": "the question's words have weak counterparts here",
    "unaligned": "several words of the question have no counterpart here",
    "unaligned_weight": "a distinctive word of the question has no counterpart here",
    "substituted": "a word of the question is replaced by a related one (an antonym or another name?)",
    "order": "the question's words stand in another order (another role: who does what to whom)",
    "qualifier": "a qualifier of the question (largest, first, only, warmer…) is not in the sentence",
    "bm25": "weak word match (BM25)",
    "names": "a name or number of the question is missing",
    "names_all": "not every name or number of the question is there",
    "names_sentence": "a name or number of the question is not in the sentence itself",
    "names_anywhere": "a name or number of the question appears nowhere in the retrieved text",
    "focus_anywhere": "the thing asked about appears nowhere in the retrieved text",
    "focus": "the thing asked about is not named",
    "span": "no answer of the asked type",
    "span_closeness": "the answer of the asked type stands far from the question's words",
    "span_typed": "no answer of the asked type (a version, an address, a time, a name…)",
    "measure_missing": "says nothing of the measure asked (a width for 'how long', no year for 'what year')",
    "rank": "ranked low among the sentences",
    "passage_rank": "from a low-ranked passage",
    "polarity": "negation disagrees with the question (or the question says lacking, least…)",
    "contrast": "says the opposite of a word of the question (east for west, May for June…)",
    "heading": "a heading, not a statement",
    "rules_first": "the name, negation and answer-type checks did not pick it",
    "rules_second": "the name, negation and answer-type checks did not pick it as a runner-up",
    "length": "sentence length",
    "question_terms": "how much the question says",
    "why_uncovered": "a why-question takes for granted what the sentence does not fully say",
}
# Closed-class English opposites: a question that swaps one for the other asks about something else.
_OPPOSITES = [
    pair.split("/")
    for pair in """east/west north/south northern/southern eastern/western upper/lower up/down left/right
    before/after before/until after/until early/late earlier/later first/last into/from inflow/outflow
    increase/decrease increased/decreased rise/fall rose/fell high/low higher/lower highest/lowest
    more/less more/fewer most/least many/few large/small larger/smaller largest/smallest long/short
    longer/shorter longest/shortest big/small bigger/smaller biggest/smallest old/new older/newer
    oldest/newest ancient/modern inner/outer above/below over/under warm/cold warmer/colder hot/cold
    light/dark lighter/darker wide/narrow wider/narrower deep/shallow deeper/shallower fast/slow
    faster/slower major/minor maximum/minimum minimum/maximum inside/outside entrance/exit start/end
    begin/end began/ended beginning/end internal/external upstream/downstream left/right
    dominant/minor same/different positive/negative win/lose won/lost accept/reject first/second
    northward/southward eastward/westward former/current former/present weak/strong weaker/stronger
    weakest/strongest rich/poor richer/poorer inflow/outflow import/export imports/exports
    merge/diverge converge/diverge join/split born/die open/close include/exclude allow/forbid
    allow/prohibit permit/prohibit enable/disable add/remove always/never true/false succeed/fail
    success/failure win/defeat birth/death buy/sell sold/bought gain/lose out/into away/toward away/towards
    cold/warmer warm/colder natural/artificial rural/urban top/bottom wet/dry public/private
    legal/illegal""".split()
]
# And WordNet's direct antonyms (``antonyms.txt``: "gradual/sudden", "give/take"), but not of function
# words ("all/some", "same/other"), which a question uses without meaning the opposite of anything.
_WORDNET = Path(__file__).with_name("antonyms.txt")
_OPPOSITES += [
    line.split()[1:]
    for line in _WORDNET.read_text(encoding="utf-8").splitlines()
    if not line.startswith("#") and not STOPWORDS.intersection(line.split()[1:])
]
OPPOSITE: dict[str, set[str]] = {}
for _a, _b in _OPPOSITES:
    OPPOSITE.setdefault(_a, set()).add(_b)
    OPPOSITE.setdefault(_b, set()).add(_a)
# Signals where a high value speaks against the sentence (for the others, a low value does).
WORSE_WHEN_HIGH = frozenset(
    {
        "unaligned",
        "unaligned_weight",
        "substituted",
        "qualifier",
        "missing_weight",
        "absent_terms",
        "elsewhere",
        "rank",
        "passage_rank",
        "polarity",
        "contrast",
        "heading",
        "why_uncovered",
        "measure_missing",
    }
)
ALIGNED = 0.5  # word-vector cosine at which a sentence's word stands in for a question's word
_QUALIFIERS = frozenset("most least first last only main sole".split())
# A why-question takes its clause for granted ("Why did gzip switch to .z?"): its answer must say all of it.
_WHY = re.compile(r"(?i)^\W*(?:why|how come)\b")
BM25_K1 = 1.2  # the usual BM25 constants (Robertson et al.)
BM25_B = 0.75


@dataclass(frozen=True)
class Sentence:
    """A candidate: its text, what it can be taken to mention (itself, the sentence before it in the same
    paragraph, its document's title), its passage's rank (0 = best) and its cosine similarity to the
    question (as retrieval measured it: the reader embeds no sentence)."""

    text: str
    window: str
    passage_rank: int
    similarity: float
    rule: tuple[int, str | None] = (0, None)
    """Whether the first reader's rules pick it (1: first, 2: runner-up, 0: not) and the span they lead
    with."""


@dataclass(frozen=True)
class Measured:
    """One candidate's signals (in ``FEATURES`` order) and the span it offers."""

    values: np.ndarray
    span: Span | None


def measure(
    question: Question,
    candidates: Sequence[Sentence],
    pool: Sequence[str],
    word_vectors: Callable[[Sequence[str]], np.ndarray],
) -> list[Measured]:
    """Signals for each candidate. ``pool`` is every retrieved sentence: it says which words are
    common here (rarity is measured among them, not in a general corpus). ``word_vectors`` embeds
    single words, to tell a paraphrase ("empties" ~ "flows into") from a word with no counterpart."""
    asked = list(dict.fromkeys([*question.terms, *question.context_terms]))
    pool_terms = [sentence_terms(text) for text in pool]
    df = Counter(t for terms in pool_terms for t in set(terms))
    n = max(1, len(pool))
    idf = {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in asked}
    top_idf = math.log(1 + (n + 0.5) / 0.5)
    vocabulary = Terms(df)
    absent = sum(not same_term(t, vocabulary) for t in question.terms) / max(1, len(question.terms))
    mean_length = sum(len(t) for t in pool_terms) / n
    similarities = [c.similarity for c in candidates]
    best_similarity = max(similarities, default=0.0)
    span_kind = kind_of_span(question)
    typed_question = typed(question)
    windows = [_window_terms(c.window) for c in candidates]
    anywhere = Terms(vocabulary.union(*windows))  # the retrieved text, with the documents' titles
    names_anywhere = _share(question.names, anywhere)
    focus_anywhere = float(not question.focus or same_term(question.focus, anywhere))
    align = _aligner(question.terms, windows, word_vectors)
    qualifiers = _qualifiers(question.text)
    measured = []
    rows = zip(candidates, similarities, windows, strict=True)
    for rank, (candidate, similarity, window) in enumerate(rows):
        own = sentence_term_set(candidate.text)
        own_names = sentence_term_set(canonical_names(candidate.text)) if question.names else own
        alignment = align(window)
        pairs = zip(question.terms, alignment, strict=True)
        unaligned = [idf.get(t, top_idf) for t, a in pairs if a < ALIGNED]
        said = {w.lower() for w, _, _ in words(candidate.window)} if qualifiers else set()  # read if asked
        found = {t for t in asked if same_term(t, window)}
        weight = sum(idf[t] for t in asked) or 1.0
        missing = [idf[t] for t in asked if t not in found]
        span = _rule_span(candidate) or (extract(question, candidate.text) if span_kind else None)
        counts = Counter(sentence_terms(candidate.text))
        length = sum(counts.values())
        bm25 = sum(
            idf[t]
            * counts[t]
            * (BM25_K1 + 1)
            / (counts[t] + BM25_K1 * (1 - BM25_B + BM25_B * length / max(mean_length, 1.0)))
            for t in asked
            if counts.get(t)
        )
        values = {
            "similarity": similarity,
            "similarity_gap": similarity - best_similarity,
            "coverage": sum(same_term(t, own) for t in question.terms) / max(1, len(question.terms)),
            "window_coverage": len(found) / max(1, len(asked)),
            "weighted_coverage": sum(idf[t] for t in found) / weight,
            "missing_weight": max(missing, default=0.0) / top_idf,
            "absent_terms": absent,
            "elsewhere": sum(t not in found and same_term(t, vocabulary) for t in asked) / max(1, len(asked)),
            "alignment_min": min(alignment, default=1.0),
            "alignment_mean": sum(alignment) / len(alignment) if alignment else 1.0,
            "unaligned": len(unaligned) / max(1, len(question.terms)),
            "unaligned_weight": max(unaligned, default=0.0) / top_idf,
            "substituted": sum(ALIGNED <= a < 1.0 for a in alignment) / max(1, len(question.terms)),
            "order": _order(question.terms, candidate.text),
            "qualifier": sum(q not in said for q in qualifiers) / max(1, len(qualifiers)),
            "bm25": bm25 / (weight or 1.0),
            "names": _share(question.names, window),
            "names_all": float(_share(question.names, window) == 1.0),
            "names_sentence": _share(question.names, own_names),
            "focus": float(bool(question.focus) and same_term(question.focus or "", window)),
            "focus_anywhere": focus_anywhere,
            "names_anywhere": names_anywhere,
            "span": float(span is not None),
            "span_typed": float(span is not None and typed_question),
            "span_closeness": span.closeness if span else 0.0,
            "measure_missing": float(_measure_missing(question.text, candidate.window)),
            "rank": math.log1p(rank),
            "passage_rank": math.log1p(candidate.passage_rank),
            "polarity": float(
                _contradicts(question, candidate.text) or _denies(question.text, candidate.text)
            ),
            "contrast": float(
                _contrasts(question.text, candidate.text) or _other_of_set(question.text, candidate.text)
            ),
            "heading": float(candidate.text.rstrip()[-1:] not in '.!?"”’)'),
            "rules_first": float(candidate.rule[0] == 1),
            "rules_second": float(candidate.rule[0] == 2),
            "length": math.log1p(length),
            "question_terms": math.log1p(len(question.terms)),
            "why_uncovered": (1 - len(found) / max(1, len(asked))) * bool(_WHY.match(question.text)),
        }
        measured.append(Measured(np.array([values[f] for f in FEATURES]), span))
    return measured


# What a sentence that gives a measure says beside it: "How wide…" is answered by a width, not by the
# "30 km" of a distance; "What year…" by a year.
_MEASURES = {
    "long": "long length lengths",
    "wide": "wide width breadth broad across",
    "broad": "broad wide width breadth",
    "high": "high height tall altitude elevation",
    "tall": "tall height high",
    "deep": "deep depth",
    "far": "far distance away",
    "old": "old age aged",
    "heavy": "heavy weight weigh weighs",
    "fast": "fast speed",
}
_MEASURE = {word: frozenset(said.split()) for word, said in _MEASURES.items()}
_HOW = re.compile(r"(?i)\bhow\s+(\w+)")
_YEAR_ASKED = re.compile(r"(?i)\b(?:what|which)\s+(year|century|decade)\b")
_YEAR = re.compile(r"\b1\d{3}\b|\b20\d{2}\b")


def _measure_missing(question: str, window: str) -> bool:
    """The question asks for a measure ("How wide…", "What year…") and the text says none of it: no
    word of that dimension, no year, no century."""
    if (how := _HOW.search(question)) and (wanted := _MEASURE.get(how.group(1).lower())):
        return not wanted & {w.lower() for w, _, _ in words(window)}
    if asked := _YEAR_ASKED.search(question):
        unit = asked.group(1).lower()
        if unit == "year":
            return not _YEAR.search(window)
        return not re.search(rf"(?i)\b{unit[:5]}", window)
    return False


def _rule_span(candidate: Sentence) -> Span | None:
    """The span the rules lead with, where it stands in the sentence."""
    text = candidate.rule[1]
    if not text or (start := candidate.text.find(text)) < 0:
        return None
    return Span(text, start, start + len(text), closeness=1.0)


@lru_cache(maxsize=16384)
def sentence_terms(text: str) -> tuple[str, ...]:
    """The normalized content terms of a text, cached: the same retrieved sentences recur."""
    return tuple(terms(text))


@lru_cache(maxsize=2048)
def sentence_term_set(text: str) -> Terms:
    """``sentence_terms`` as a set that ``same_term`` looks words up in at once."""
    return Terms(sentence_terms(text))


def _window_terms(window: str) -> Terms:
    """``sentence_term_set(canonical_names(window))``, from the forms of the window's first line (the
    file's name) and of the rest (the window the rules read, ``rules.window``, whose forms they keep in
    ``word_forms``): no word spans a line break, nor does a country's name, so a window's terms are
    those of its two parts."""
    head, _, rest = canonical_names(window).partition("\n")
    found = (*forms(head), *word_forms(canonical_names(rest)))
    return Terms(t for t in found if t and t not in STOPWORDS and t not in QUESTION_WORDS)


def answerable_text(text: str) -> bool:
    """Text aimed at an AI ("Ignore previous instructions…") is never an answer, however well it matches."""
    return not is_instruction(text)


def _aligner(
    asked: Sequence[str], windows: Sequence[Set[str]], word_vectors: Callable[[Sequence[str]], np.ndarray]
) -> Callable[[Set[str]], list[float]]:
    """For a window's words: each question term's best match there, 1 for the same word, else the
    cosine of the closest word."""
    vocabulary = sorted({w for window in windows for w in window} | set(asked))
    if not asked or not vocabulary:
        return lambda window: []
    index = {w: i for i, w in enumerate(vocabulary)}
    vectors = word_vectors(vocabulary)
    similarity = vectors[[index[t] for t in asked]] @ vectors.T  # question terms × vocabulary

    def align(window: Set[str]) -> list[float]:
        columns = [index[w] for w in window]
        best = similarity[:, columns].max(axis=1).tolist() if columns else [0.0] * len(asked)
        return [1.0 if same_term(t, window) else best[i] for i, t in enumerate(asked)]

    return align


def _qualifiers(question: str) -> set[str]:
    """The words of a question that narrow what it asks to one of several: superlatives and comparatives
    ("largest", "warmer": the dictionary form differs by an -est / -er ending), "first", "only"…"""
    found = set()
    for word, _, _ in words(question):
        lower = word.lower()
        base = normalize(lower)
        if lower in _QUALIFIERS or (base != lower and lower.endswith(("est", "er")) and len(base) >= 3):
            found.add(lower)
    return found


def _order(asked: Sequence[str], sentence: str) -> float:
    """How far the sentence keeps the order of the question's words that it has: the share of pairs in
    the same order (1 with fewer than two). "Where does Lake Constance emerge from?" against "The Rhine
    emerges from Lake Constance" is reversed: the lake is not what emerges."""
    exact, starts = _first_places(sentence)
    places = []
    for term in asked:
        # the first token that is ``same_term(term, (token,))``: the same, or with the same five-letter start
        first = exact.get(term)
        if (
            len(term) >= 5
            and (start := starts.get(term[:5])) is not None
            and (first is None or start < first)
        ):
            first = start
        if first is not None:
            places.append(first)
    pairs = [(a, b) for i, a in enumerate(places) for b in places[i + 1 :] if a != b]
    return sum(a < b for a, b in pairs) / len(pairs) if pairs else 1.0


@lru_cache(maxsize=4096)
def _first_places(sentence: str) -> tuple[dict[str, int], dict[str, int]]:
    """Where each form of the sentence's words first stands, and each five-letter start of one (a
    shorter form's whole self, which no five-letter start equals): one pass, not one per word asked."""
    exact: dict[str, int] = {}
    starts: dict[str, int] = {}
    for place, token in enumerate(forms(sentence)):
        exact.setdefault(token, place)
        starts.setdefault(token[:5], place)
    return exact, starts


def _contrasts(question: str, sentence: str) -> bool:
    """The sentence says the opposite of a word of the question and not the word itself ("the longest
    bridge" for "the shortest bridge"), or the question adds "least" / "not" to what the sentence says."""
    asked = _forms(question)
    said = _forms(sentence)
    if any(word not in said and (OPPOSITE[word] & said) - asked for word in asked if word in OPPOSITE):
        return True
    return any(word not in said and stem in said for word, stem in _prefixed(asked)) or any(
        word not in asked and stem in asked for word, stem in _prefixed(said)
    )


# Negating prefixes and the shortest word each is taken to negate: "unknown", "insignificant",
# "disconnect", but not "unless", "install" or "discover".
_PREFIXES = {"un": 5, "non": 4, "in": 6, "im": 6, "il": 6, "ir": 6, "dis": 7}


@lru_cache(maxsize=16384)
def _prefixed(said: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """``(word, what it negates)`` for each word of ``said`` with a negating prefix (``_negatable``): few
    words have one, so ``_contrasts`` looks at those only, not at every word of every candidate."""
    return tuple((word, stem) for word in said for stem in _negatable(word))


@lru_cache(maxsize=16384)
def _negatable(word: str) -> tuple[str, ...]:
    """What ``word`` would negate, for each negating prefix it has ("significant" for
    "insignificant"): the same for every sentence it is compared with, so found once."""
    return tuple(
        word[len(prefix) :]
        for prefix, shortest in _PREFIXES.items()
        if word.startswith(prefix) and len(word) - len(prefix) >= shortest
    )


@lru_cache(maxsize=16384)
def _forms(text: str) -> frozenset[str]:
    """The words of a text, lower-case, as written and in their dictionary form ("ends" and "end"), but
    a comparative keeps its degree: "earlier" is not "early", which would make it the opposite of "late"."""
    found = set()
    known = known_words(text)  # a stored sentence's lower-case words and forms, found at ingest
    lowers = known[0] if known else [word.lower() for word, _, _ in words(text)]
    for i, lower in enumerate(lowers):
        found.add(lower)
        if lower.isalpha() and not lower.endswith(("er", "est")):
            found.add(known[1][i] if known else normalize(lower))
    return frozenset(found)


def _share(wanted: frozenset[str], vocabulary: Set[str]) -> float:
    return sum(same_term(t, vocabulary) for t in wanted) / len(wanted) if wanted else 1.0


def _contradicts(question: Question, sentence: str) -> bool:
    """The sentence negates what the question asserts, or the question asserts a negation (by the same
    test: "not", "cancelled", "failed"…) that the sentence does not make. A yes/no question may be
    answered either way."""
    if question.yes_no:
        return False
    if question.negative:
        return not (negative(sentence) or negated_words(sentence))
    return any(same_term(w, question.terms) for w in negated_words(sentence))


# Closed sets whose members exclude each other: a question that names one, against a sentence that names
# another and not it, asks about something the sentence does not say ("delimited in the South" against
# "delimited in the West and in the East").
_SIBLINGS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "north south east west northern southern eastern western northeast northwest southeast southwest "
        "northward southward eastward westward",
        "january february march april june july august september october november december",
        "monday tuesday wednesday thursday friday saturday sunday",
        "spring summer autumn winter",
        "first third fourth fifth sixth seventh eighth ninth tenth last",
        "upper lower middle",
    )
)
# Words by which a question says that something is missing, undone, rare or least: unless the sentence
# says so too (with the same word or any negation), it does not answer.
_DENIALS = frozenset(
    """least fewest lack lacks lacked lacking absent absence ceased cease ceases sparsely rarely seldom
    unable""".split()
)


def _other_of_set(question: str, sentence: str) -> bool:
    """The question names a member of a closed set (a direction, a month…) that the sentence does not,
    and the sentence names another member that the question does not (in any form: "Sundays")."""
    asked = _forms(question)
    said = _forms(sentence)
    return any((group & asked) - said and (group & said) - asked for group in _SIBLINGS)


def _denies(question: str, sentence: str) -> bool:
    """The question says something is lacking, ceased or least, and the sentence says nothing like it:
    "What banks are sparsely populated and lack industry?" against "Its banks are heavily populated"."""
    asked = {w.lower() for w, _, _ in words(question)} & _DENIALS
    if not asked:
        return False
    said = {w.lower() for w, _, _ in words(sentence)}
    return not (asked & said or said & _DENIALS or negated_words(sentence))
