"""Text analyses the reader repeats on the same strings, memoized: a corpus's sentences come back
question after question, and each candidate is looked at by several signals."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from ..text import negated_words as _negated_words
from ..text import same_term
from ..text import words as _words

SIZE = 32_768


@lru_cache(maxsize=SIZE)
def words(value: str) -> tuple[tuple[str, int, int], ...]:
    """``text.words``: (word, start, end) of each word."""
    return tuple(_words(value))


@lru_cache(maxsize=SIZE)
def negated_words(value: str) -> frozenset[str]:
    """``text.negated_words``: the words a negation applies to."""
    return frozenset(_negated_words(value))


def negates(value: str, about: Iterable[str]) -> bool:
    """``text.negates``: the text negates one of ``about``."""
    return any(same_term(word, about) for word in negated_words(value))
