"""A term of the documents put in another term's place: "the release profile inherits …" where the
source says "the dev profile inherits …", "the cargo yank command" for "the cargo logout command", "the
workspace.package table" for "the workspace.metadata table".

Documentation names its things with ordinary words joined to a head ("dev profile", "release profile",
"package table", "metadata table"), and a claim that swaps one such word for another keeps every other
word of the source and reads close: the embeddings see one word changed, the rules one novel word. What
gives the swap away is that the documents themselves join the claim's word to the same neighbour
elsewhere ("release profile" is a term of theirs) while the source has another word in that place. A
synonym a paraphrase puts there ("the standard profile") is no term of the documents, and a word the
claim adds where the source has none ("the release profile" for "this profile") takes nobody's place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from itertools import pairwise

from ..text import STOPWORDS, normalize, same_term, words
from .analysis import Analysis, Token

Pairs = Mapping[tuple[str, str], int]

RECURS = 2  # uses of a pair of words in the documents that make it one of their terms

# What may stand between two words of one term: nothing but a space, or the joints of code names
# ("workspace.package", "git/db", "package-name", "build_override", "std::io").
JOINTS = frozenset({" ", ".", "/", "-", "_", "::"})


def joined(text: str, first: Token, second: Token) -> bool:
    """Whether two tokens stand side by side as one term would, with no punctuation between them."""
    return second.index == first.index + 1 and text[first.end : second.start] in JOINTS


def term_counts(text: str) -> Counter[tuple[str, str]]:
    """How often a text joins two words as one term ("dev profile", "workspace.metadata"), by lemma."""
    found = words(text)
    return Counter(
        (normalize(a), normalize(b))
        for (a, _, end), (b, start, _) in pairwise(found)
        if text[end:start] in JOINTS
        and not {a.lower(), b.lower()} & STOPWORDS
        and not (a[:1].isdigit() or b[:1].isdigit())
    )


def _joined_words(source: Analysis, lemma: str, step: int) -> list[Token | None]:
    """For each use of ``lemma`` in the source, the content word joined to it on the side ``step``
    (None where there is none)."""
    found: list[Token | None] = []
    for token in source.tokens:
        if token.lemma != lemma:
            continue
        at = token.index + step
        word = source.tokens[at] if 0 <= at < len(source.tokens) else None
        if word is not None:
            first, second = (token, word) if step > 0 else (word, token)
            if not word.content or word.number or not joined(source.text, first, second):
                word = None
        found.append(word)
    return found


def swapped_term(claim: Analysis, source: Analysis, pairs: Pairs) -> str | None:
    """A word of the claim the source does not use, joined to a word the source shares with it, where
    the source joins another word to that one wherever it uses it, and the documents join the claim's
    word to it elsewhere (``pairs``: the lemma pairs the documents join as terms)."""
    for token in claim.tokens:
        if not token.content or token.number or token.name or token.sides or token.lemma in source.lemmas:
            continue  # a word of a pair of opposites ("earlier", "later") is the opposites' check's
        for step in (-1, +1):
            k = token.index + step
            if not 0 <= k < len(claim.tokens):
                continue
            neighbour = claim.tokens[k]
            first, second = (neighbour, token) if step < 0 else (token, neighbour)
            if not neighbour.content or neighbour.number or not joined(claim.text, first, second):
                continue
            if pairs.get((first.lemma, second.lemma), 0) < RECURS:
                continue
            theirs = _joined_words(source, neighbour.lemma, -step)
            if not theirs or any(word is None for word in theirs):
                continue  # the source does not use the neighbour, or uses it alone somewhere
            told = next(w for w in theirs if w is not None)
            if same_term(token.lemma, {told.lemma}):
                continue  # "environment variable" for "environmental variable"
            if not pairs.get((neighbour.lemma, told.lemma) if step < 0 else (told.lemma, neighbour.lemma)):
                continue  # the source's own pair is no term ("years before"): "before" is a function word
            said = (
                f"{neighbour.surface} {told.surface}" if step < 0 else f"{told.surface} {neighbour.surface}"
            )
            return f"the source says {said!r}, not {first.surface + ' ' + second.surface!r} (another term)"
    return None
