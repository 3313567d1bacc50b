"""Which side of a relation a thing stands on, for things that are no names: "Command-line options
override the settings in the configuration file" is not "the settings in the configuration file
override command-line options", nor is "files compressed with xz are smaller than files compressed
with gzip" the same the other way round.

The names' roles are checked by ``doers``; ordinary words have no such check, so a claim that swaps
two of the source's noun phrases around its verb keeps every word and reads close. Here a relation the
claim shares with the source — a verb in the same voice, or a word and its preposition ("a wrapper
around", "precedence over", "smaller than") — must not have the claim's words on its two sides standing
the other way round in the source, wherever the source repeats them.
"""

from __future__ import annotations

from .analysis import Analysis
from .lexicon import BE
from .phrases import adverb

# Relations that read the same both ways round: "A meets B" is "B meets A".
SYMMETRIC = frozenset(
    """meet marry border touch join merge connect link neighbour equal match resemble differ
    compete collide agree disagree""".split()
)
_LINKS = frozenset("around over than for of to from into with about against".split())
_BREAKS = ",;:()—–"


def swapped_sides(claim: Analysis, source: Analysis, aligned: dict[int, int]) -> str | None:
    """The claim's words on either side of a shared relation, both the other way round in the source
    around every use of that relation (and never on their own sides)."""
    for i, j in aligned.items():
        pivot = claim.tokens[i]
        if pivot.name or pivot.number or pivot.lemma in SYMMETRIC or source.tokens[j].lemma != pivot.lemma:
            continue
        last = _relation_end(claim, source, i, j)
        if last is None:
            continue
        left = _side(claim, i, -1, aligned)
        right = _side(claim, last, +1, aligned)
        if left is None or right is None:
            continue
        lefts = _uses(source, source.tokens[aligned[left]].lemma)
        rights = _uses(source, source.tokens[aligned[right]].lemma)
        pivots = [k for k in _uses(source, pivot.lemma) if _relation_end(claim, source, i, k) is not None]
        kept = any(a < k < b for k in pivots for a in lefts for b in rights)
        turned = any(b < k < a for k in pivots for a in lefts for b in rights)
        if turned and not kept:
            return (
                f"{claim.tokens[left].surface} and {claim.tokens[right].surface} stand the other way round"
                f" “{pivot.surface}” in the source"
            )
    return None


def _relation_end(claim: Analysis, source: Analysis, i: int, j: int) -> int | None:
    """The claim's last word of the relation at ``i`` (its preposition, if one follows) when source word
    ``j`` is that relation: a verb in the same voice in both, or the same word followed by the same
    preposition in both ("a wrapper around", "smaller than")."""
    if claim.verb_like(i) and source.verb_like(j):
        return i if _passive(claim, i) == _passive(source, j) else None
    after = claim.tokens[i + 1] if i + 1 < len(claim.tokens) else None
    theirs = source.tokens[j + 1] if j + 1 < len(source.tokens) else None
    if after is None or theirs is None or after.lemma not in _LINKS or after.lemma != theirs.lemma:
        return None
    if after.lemma == "of" or any(c in claim.text[claim.tokens[i].end : after.start] for c in _BREAKS):
        return None  # "the museum of the city" is no relation between two things
    return i + 1


def _passive(analysis: Analysis, k: int) -> bool:
    """``Analysis.passive``, also with an adverb in -ly after "be" ("is significantly shortened")."""
    before = [t for t in analysis.tokens[max(0, k - 4) : k] if not adverb(t)]
    return analysis.passive(k) or bool(before and before[-1].lemma in BE)


def _side(claim: Analysis, k: int, step: int, aligned: dict[int, int]) -> int | None:
    """The nearest word beside ``k`` in its clause (one way) that the source says: a thing, no verb and
    no adverb ("fundamentally" moves freely)."""
    at = k + step
    while 0 <= at < len(claim.tokens):
        near, far = sorted((claim.tokens[at], claim.tokens[at - step]), key=lambda t: t.start)
        if any(c in claim.text[near.end : far.start] for c in _BREAKS):
            return None
        token = claim.tokens[at]
        if (
            at in aligned
            and token.content
            and not token.number
            and not claim.verb_like(at)
            and not adverb(token)
        ):
            return at
        at += step
    return None


def _uses(source: Analysis, lemma: str) -> list[int]:
    return [t.index for t in source.tokens if t.lemma == lemma]
