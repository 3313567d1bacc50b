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

from .analysis import Analysis
from .names import Group, group, same_group
from .quantities import same_value

Anchor = tuple[str, Group | float]  # ("name", group) or ("number", value)

_BREAK = re.compile(
    r"(?<![A-Z])(?<!\b[a-z])[.!?](?=\s+[\"'(\[]?[A-Z]|\s{2,}|\n)"  # a stop (not "U.S. forces")
    r"|[;:](?=\s)|\s[—–]\s|\s-{1,2}\s"  # a semicolon, colon or dash
    r"|,\s+(?:and|but|while|whereas|or|so)\b|\s(?:while|whereas)\b"  # a conjunction
)


def _clauses(analysis: Analysis) -> list[list[Anchor]]:
    """The names (read whole) and numbers of each clause, in order."""
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
