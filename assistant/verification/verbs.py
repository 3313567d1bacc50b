"""Which verbs say the same event in other words, by WordNet 3.0 (``verbs.txt``, written by
evals/calibration/wordnet_verbs.py): two verbs of one synset ("supply"/"provide"), or one the direct
hypernym of the other ("shrink"/"decrease"). Word embeddings cannot tell these from wrong verbs (MiniLM
puts "supply"/"provide" and "send"/"provide" about equally close); WordNet's relations are made by hand.

Only a word's commonest senses count: "tell" shares a rare sense with "separate" ("tell apart").
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_VERBS = Path(__file__).with_name("verbs.txt")
SENSES = 3  # a word's senses that count, the commonest first (WordNet's order)


@cache
def _synsets() -> tuple[dict[str, frozenset[int]], list[frozenset[int]]]:
    """Each verb's synsets among its commonest senses, and each synset's direct hypernyms."""
    of: dict[str, set[int]] = {}
    hypernyms: list[frozenset[int]] = []
    lines = (line for line in _VERBS.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    for k, line in enumerate(lines):
        items = line.split()
        hypernyms.append(frozenset(int(w[1:]) for w in items if w.startswith(">")))
        for item in items:
            word, _, rank = item.partition(":")
            if rank and int(rank) <= SENSES:
                of.setdefault(word, set()).add(k)
    return {w: frozenset(s) for w, s in of.items()}, hypernyms


def is_verb(lemma: str) -> bool:
    """Whether WordNet has ``lemma`` as a verb (in any of its commonest senses)."""
    return lemma in _synsets()[0]


@cache
def kin(a: str, b: str) -> bool:
    """Whether verb lemmas ``a`` and ``b`` share a synset, or a synset of one is a direct hypernym of a
    synset of the other (commonest senses only)."""
    of, hypernyms = _synsets()
    first, second = of.get(a, frozenset()), of.get(b, frozenset())
    if not first or not second:
        return False
    return bool(
        first & second
        or any(hypernyms[s] & second for s in first)
        or any(hypernyms[s] & first for s in second)
    )


@cache
def _antonyms() -> tuple[tuple[str, str], ...]:
    """WordNet's direct antonym pairs of single-word verbs, both ways."""
    pairs: set[tuple[str, str]] = set()
    for line in _VERBS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        for item in line.split():
            if item.startswith("!"):
                a, _, b = item[1:].partition("=")
                pairs |= {(a, b), (b, a)}
    return tuple(sorted(pairs))


@cache
def opposed(a: str, b: str) -> bool:
    """Whether verb lemma ``a`` says the opposite of ``b``: a WordNet antonym pair whose words are
    ``a`` and ``b``, or share a synset with one of them and are kin of the other ("lose" for "retain":
    "lose"/"keep", "keep" kin of "retain"; "grow" for "decrease": "increase"/"decrease"). Kin on both
    sides reaches too far ("keep" and "use" through "conserve"/"waste"); two kin verbs are never opposed."""
    if kin(a, b):
        return False
    return any(
        (_same(a, x) and (y == b or kin(b, y))) or ((x == a or kin(a, x)) and _same(b, y))
        for x, y in _antonyms()
    )


def _same(a: str, b: str) -> bool:
    """The same verb, or two that share a synset (commonest senses)."""
    of = _synsets()[0]
    return a == b or bool(of.get(a, frozenset()) & of.get(b, frozenset()))
