"""What is said together: a claim must not take a name from one clause of its source and a number or
another name from another clause, while giving each the other's company.

"man-db took five minutes …, while man took around 40 seconds" against "man took five minutes …;
man-db took around 40 seconds": in the claim man-db and "five" share a clause; in the source they
never do, and man-db shares its clause with what the claim puts in its other clause (40). The same
holds for "a Front-Cover Text may be at most 25 words, and a Back-Cover Text at most 5" and for two
names ("man-db uses catgets, while man uses gettext"). A reordered true claim moves words between
clauses too, but it does not hand an anchor another clause's partner.
"""

from __future__ import annotations

import re

from ..text import NEGATIONS
from .analysis import Analysis
from .lexicon import BE
from .names import Group, group, same_group
from .quantities import same_value

Anchor = tuple[str, Group | float]  # ("name", group) or ("number", value)

_BREAK = re.compile(
    r"(?<![A-Z])(?<!\b[a-z])[.!?](?=\s+[\"'(\[]?[A-Z]|\s{2,}|\n)"  # a stop (not "U.S. forces")
    r"|[;:](?=\s)|\s[—–]\s|\s-{1,2}\s"  # a semicolon, colon or dash
    r"|,\s+(?:and|but|while|whereas|or|so)\b|\s(?:while|whereas)\b"  # a conjunction
)


def _clauses(analysis: Analysis, cuts: list[int] | None = None) -> list[list[Anchor]]:
    """The names (read whole) and numbers of each clause, in order."""
    if cuts is None:
        cuts = [m.start() for m in _BREAK.finditer(analysis.text)]
    found: list[list[Anchor]] = [[] for _ in range(len(cuts) + 1)]

    def clause_of(offset: int) -> int:
        return sum(1 for c in cuts if c < offset)

    seen: set[int] = set()
    for k, token in enumerate(analysis.tokens):
        if token.name and k not in seen:
            whole = group(analysis, k)
            seen.update(range(k, k + len(whole)))
            found[clause_of(token.start)].append(("name", whole))
    for quantity in analysis.quantities:
        found[clause_of(quantity.start)].append(("number", quantity.value))
    return found


def _same(a: Anchor, b: Anchor) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "number":
        return same_value(float(a[1]), float(b[1]))  # type: ignore[arg-type]
    return same_group(a[1], b[1])  # type: ignore[arg-type]


def _has(clause: list[Anchor], anchor: Anchor) -> bool:
    return any(_same(anchor, other) for other in clause)


def crossed_clauses(claim: Analysis, source: Analysis) -> str | None:
    """Two anchors of one claim clause that the source never says together, one of them said there
    beside an anchor of another claim clause (its partner may be no name: "man")."""
    mine, theirs = _clauses(claim), _clauses(source)
    if len(mine) < 2:
        return None
    for position, clause in enumerate(mine):
        others = [x for p, c in enumerate(mine) if p != position for x in c]
        for i, a in enumerate(clause):
            for b in clause[i + 1 :]:
                if _same(a, b):
                    continue
                rest = [x for x in others if not _same(x, a) and not _same(x, b)]
                with_a = [c for c in theirs if _has(c, a)]
                with_b = [c for c in theirs if _has(c, b)]
                if not with_a or not with_b or any(_has(c, b) for c in with_a):
                    continue
                if any(_has(c, x) for c in with_a + with_b for x in rest):
                    return f"{_show(a)} and {_show(b)} are not said together in the source"
    return None


def _show(anchor: Anchor) -> str:
    kind, value = anchor
    if kind == "number":
        return f"{float(value):g}"  # type: ignore[arg-type]
    return " ".join(value)  # type: ignore[arg-type]


def crossed_words(claim: Analysis, source: Analysis) -> str | None:
    """A word that the source says in one clause only keeps that clause's name or number: "licensed
    under MIT, and its documentation under CC-BY" against "licensed under CC-BY, and its documentation
    under MIT" (documentation goes with MIT), where the claim's clause with the word has the other
    clause's anchor."""
    (mine, anchors_mine), (theirs, anchors_theirs) = _clause_words(claim), _clause_words(source)
    if len(mine) < 2 or len(theirs) < 2:
        return None
    subject = _subject_words(source)  # the sentence's subject goes on in a later clause's "it"
    for position, words_here in enumerate(mine):
        elsewhere = [x for p, c in enumerate(anchors_mine) if p != position for x in c]
        for word in words_here - subject:
            homes = [p for p, c in enumerate(theirs) if word in c]
            if len(homes) != 1:
                continue
            home = anchors_theirs[homes[0]]
            for anchor in anchors_mine[position]:
                if _has(home, anchor) or not any(_has(c, anchor) for c in anchors_theirs):
                    continue
                if any(_has(home, other) for other in elsewhere):
                    return (
                        f"{word} goes with {_show(next(o for o in elsewhere if _has(home, o)))} in the source"
                    )
    return None


def _clause_words(analysis: Analysis) -> tuple[list[set[str]], list[list[Anchor]]]:
    """The common content words and the anchors of each clause, where "and" before a name also starts
    one when a verb goes before it and a common word after it ("Bob is chair and Anna secretary")."""
    cuts = sorted({m.start() for m in _BREAK.finditer(analysis.text)} | set(_and_clauses(analysis)))
    found: list[set[str]] = [set() for _ in range(len(cuts) + 1)]
    for token in analysis.tokens:
        if token.content and not token.name and not token.number and len(token.lemma) > 2:
            found[sum(1 for c in cuts if c < token.start)].add(token.lemma)
    return found, _clauses(analysis, cuts)


def _subject_words(analysis: Analysis) -> set[str]:
    """The content words before the sentence's first verb."""
    found = set()
    for token in analysis.tokens:
        if analysis.verb_like(token.index) or token.lemma in BE:
            break
        found.add(token.lemma)
    return found


def _and_clauses(analysis: Analysis) -> list[int]:
    """Where "and" before a name starts a clause: a verb before it, a common word after it."""
    tokens, cuts = analysis.tokens, []
    for k, token in enumerate(tokens[1:-1], start=1):
        if token.lemma != "and" or not tokens[k + 1].name:
            continue
        stop = _next_break(analysis.text, token.start) or len(analysis.text)
        after = [t for t in tokens[k + 1 :] if t.start < stop]
        if any(analysis.verb_like(t.index) or t.lemma in BE for t in tokens[:k]) and any(
            t.content and not t.name and not t.number and t.lemma not in NEGATIONS for t in after
        ):
            cuts.append(token.start)
    return cuts


def _next_break(text: str, start: int) -> int | None:
    found = _BREAK.search(text, start)
    return found.start() if found else None
