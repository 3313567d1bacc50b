"""Claim words that say again what the source says by its construction, not by a word of its own.

A paraphrase often turns a source's verb into a noun with a verb of its own ("extended the
invitation" for "invited"), a measure into a verb ("the exercises lasted two days" for "two days of
military exercises"), or a copyright line into a sentence ("the copyright belongs to X" for
"Copyright (c) X"). The added verb is no word the source uses, yet it says nothing the source does
not. Each is recognised here by its construction only, never by the word alone: the noun, the
quantity or the copyright line must be the source's, so the other rules still check everything else
(names, numbers, who does what).
"""

from __future__ import annotations

import re

from ..text import same_term
from .analysis import Analysis, Token, is_time
from .quantities import Quantity, same

# Verbs that carry a noun made from another verb: "extended/made/issued an invitation" is "invited".
SUPPORT_VERBS = frozenset("extend give make issue offer pay conduct carry hold perform deliver".split())
# Verbs whose subject is such a noun: "the invitation came" is "invited".
EVENT_VERBS = frozenset("come happen occur".split())
# Words that state a quantity of their subject: "lasted two days", "was worth $11 billion".
MEASURE_WORDS = frozenset("last cost worth total amount span measure weigh".split())
# Words a claim may use to say who holds a copyright the source states by a copyright line.
HOLDING_WORDS = frozenset("belong hold holder own owner".split())
_UNITS = frozenset("day hour minute km kilometre metre meter mile ton tonne litre percent dozen".split())
_DETERMINERS = frozenset("a an the its their his her this that".split())
_COPYRIGHT_LINE = re.compile(r"(?i)\bcopyright\b\s*:?\s*(?:\(c\)|©|\d{4})")


def restated(claim: Analysis, source: Analysis) -> dict[int, int | None]:
    """Claim words that restate a construction of the source: the claim word's index → the source verb
    it stands for (a support or event verb, then checked as that verb), or None (it adds nothing)."""
    found: dict[int, int | None] = {}
    holding = _holders_kept(claim, source)
    for token in claim.tokens:
        if token.lemma in source.lemmas or not token.content:
            continue
        if (holding and token.lemma in HOLDING_WORDS) or (
            token.lemma in MEASURE_WORDS and _measures(claim, source, token)
        ):
            found[token.index] = None
        elif token.lemma in SUPPORT_VERBS | EVENT_VERBS and claim.verb_like(token.index):
            verb = _nominalised(claim, source, token)
            if verb is not None:
                found[token.index] = verb
    return found


def event_doubt(claim: Analysis, source: Analysis, aligned: dict[int, int], novel: list[str]) -> str | None:
    """A verb the source does not say, acting on a noun the claim makes of the source's verb, says
    something of that event the source does not: "reversed the decision" for "decided", "accepted the
    invitation" for "invited" (a support verb, "made the decision", says only the event itself)."""
    tokens = claim.tokens
    for verb in tokens:
        if verb.surface not in novel or verb.index in aligned or not claim.verb_like(verb.index):
            continue
        k = verb.index + 1
        while k < len(tokens) and tokens[k].lemma in _DETERMINERS:
            k += 1
        if k == len(tokens) or k not in aligned or claim.verb_like(k):
            continue
        event = source.tokens[aligned[k]]
        if event.lemma != tokens[k].lemma and source.verb_like(event.index):
            return f"the source says “{event.surface}”, nothing that “{verb.surface}” it"
    return None


def _holders_kept(claim: Analysis, source: Analysis) -> bool:
    """Whether the source states a copyright by its line ("Copyright (c) 2013 Ana Ruiz") and the claim
    speaks of the copyright without making a holder the thing copyrighted ("the copyright of Ana Ruiz
    belongs to …")."""
    line = _COPYRIGHT_LINE.search(source.text)
    if line is None or "copyright" not in claim.lemmas:
        return False
    holders = {t.lemma for t in source.tokens if t.name and t.start >= line.end()}
    tokens = claim.tokens
    for k, token in enumerate(tokens[:-2]):
        if token.lemma == "copyright" and tokens[k + 1].lemma in ("of", "on", "for"):
            owned = next((t for t in tokens[k + 2 :] if t.content), None)
            if owned is not None and owned.lemma in holders:
                return False
    return True


def _nominalised(claim: Analysis, source: Analysis, verb: Token) -> int | None:
    """The source verb whose noun the claim verb carries: its object ("extended the invitation") for a
    support verb, its subject ("the invitation came") for an event verb. The noun must differ from the
    verb's own form ("invitation", not "invited")."""
    tokens = claim.tokens
    if verb.lemma in SUPPORT_VERBS:
        k = verb.index + 1
        while k < len(tokens) and tokens[k].lemma in _DETERMINERS:
            k += 1
    else:
        k = verb.index - 1
    if not 0 <= k < len(tokens):
        return None
    noun = tokens[k]
    if not noun.content or noun.name or noun.number or claim.verb_like(k):
        return None
    return next(
        (
            t.index
            for t in source.tokens
            if source.verb_like(t.index)
            and t.lemma != noun.lemma
            and not source.passive(t.index)
            and same_term(noun.lemma, [t.lemma])
        ),
        None,
    )


def _measures(claim: Analysis, source: Analysis, word: Token) -> bool:
    """Whether the claim gives, right after ``word``, a quantity that the source puts before the noun
    the claim makes its subject: "The sale was worth $11 billion" for "a $11 billion arms sale"."""
    stated = next((q for q in claim.quantities if q.start > word.end), None)
    if stated is None or len(claim.text[word.end : stated.start].split()) > 2:
        return False
    subject = next(
        (t for t in reversed(claim.tokens[: word.index]) if t.content and not t.number and not t.name),
        None,
    )
    if subject is None:
        return False
    return any(
        same(stated, quantity) and _head(source, quantity) in (subject.lemma, *_stems(source, subject.lemma))
        for quantity in source.quantities
    )


def _head(source: Analysis, quantity: Quantity) -> str:
    """The noun a source's quantity measures: the last word of the run of words after it, past a unit
    and "of" ("two days of military exercises" → exercises, "a $11 billion arms sale to" → sale)."""
    after = [t for t in source.tokens if t.start >= quantity.end]
    if len(after) > 1 and after[1].lemma == "of" and (after[0].lemma in _UNITS or is_time(after[0])):
        after = after[2:]  # "two days of …", "40 km of …"
    head = ""
    for t in after:
        if not t.content or t.number or source.verb_like(t.index):
            break
        head = t.lemma
        if source.text[t.end : t.end + 1] in ",;:.)":
            break
    return head


def _stems(source: Analysis, lemma: str) -> tuple[str, ...]:
    """The source's words of the same stem as ``lemma``."""
    return tuple(t.lemma for t in source.tokens if same_term(lemma, [t.lemma]))
