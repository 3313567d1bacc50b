"""A sentence (or a claim) read once into what the rules compare: words with their lemmas and
offsets, which of them are names, numbers as values, what is negated, hedged or given as a cause,
and where a verb is in the passive voice ("was sold to Burgundy by Sigismund")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..text import NEGATIONS, OPENERS, QUESTION_WORDS, STOPWORDS, TIME_WORDS, negated_words, normalize, words
from .lexicon import BE, CAUSES, FRAME_NOUNS, HEDGES, OPPOSITES, PRONOUNS
from .quantities import Quantity, quantities

# Stop words that still carry a claim's meaning for the rules (compared, never ignored).
_KEPT = frozenset("more most few fewer less least first before after over under only same all no not".split())
_FUNCTION = (STOPWORDS - _KEPT) | QUESTION_WORDS
# Capitalized at the start of a sentence or in a title, but never names.
_NEVER_NAMES = frozenset(
    """around near between among along across beyond within without despite amid since until per via
    following including regarding concerning unlike like toward towards upon onto""".split()
)
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n]|[.!?][\"'”’)\]]+)\s*[\"'“‘(\[]?$")


@dataclass(frozen=True, slots=True)
class Token:
    surface: str
    lemma: str
    index: int
    start: int
    end: int
    name: bool  # capitalized inside a sentence ("Tokyo"), or a capitalized opener that is no common word
    initial: bool  # opens a sentence
    content: bool  # neither a function word nor punctuation
    number: bool


@dataclass(frozen=True)
class Analysis:
    text: str
    tokens: tuple[Token, ...]
    quantities: tuple[Quantity, ...]
    negated: frozenset[str]  # the words a negation applies to
    negative: bool
    hedged: bool
    causes: frozenset[str]
    lemmas: frozenset[str]
    names: frozenset[str]
    capitalized: frozenset[str]  # lemmas written with a capital anywhere but at a sentence start

    @property
    def referents(self) -> frozenset[str]:
        """What a pronoun of the next sentence may stand for: its first name and its last two ("it"
        for the subject, "the latter" for the last one named), each with the names written with it."""
        groups: list[list[str]] = []
        for previous, token in zip((None, *self.tokens), self.tokens, strict=False):
            if token.name:
                if previous is not None and previous.name and previous.index == token.index - 1:
                    groups[-1].append(token.lemma)
                else:
                    groups.append([token.lemma])
        chosen = groups[:1] + groups[-2:]
        return frozenset(lemma for group in chosen for lemma in group)

    @property
    def content(self) -> list[Token]:
        return [t for t in self.tokens if t.content]

    def verb_like(self, index: int) -> bool:
        """Whether a word reads as a finite verb: inflected for the past ("sold", "invited"), or for
        the present right after its subject ("Washington seeks")."""
        token = self.tokens[index]
        surface = token.surface.lower()
        if not token.content or token.name or token.number or surface == token.lemma:
            return surface == token.lemma and index > 0 and surface.endswith("s") and self._after_subject(index)
        if surface.endswith("ed") or not surface.endswith(("s", "ing")):
            return True
        return surface.endswith("s") and self._after_subject(index)

    def _after_subject(self, index: int) -> bool:
        previous = self.tokens[index - 1]
        return previous.name or previous.surface.lower() in ("he", "she", "it", "they", "this", "which", "that")

    def passive_agent(self, index: int) -> int | None:
        """For a verb at token ``index`` in the passive with a "by" agent, the index of the agent's
        first word: "was sold to Burgundy by Sigismund" → Sigismund."""
        tokens = self.tokens
        if not tokens[index].surface.lower().endswith(("ed", "en", "wn", "ld", "lt", "pt", "ht", "ne")):
            return None
        for j in range(index + 1, min(index + 8, len(tokens))):
            if tokens[j].lemma == "by":
                for k in range(j + 1, min(j + 4, len(tokens))):
                    if tokens[k].name or tokens[k].number:
                        return k
                return None
            if any(c in self.text[tokens[j - 1].end : tokens[j].start] for c in ".;") or tokens[j].lemma in (
                "and", "but", "which", "that"
            ):
                return None
        return None


@lru_cache(maxsize=8192)
def analyse(text: str) -> Analysis:
    tokens = []
    for index, (word, start, end) in enumerate(words(text)):
        lemma = normalize(word)
        initial = bool(_SENTENCE_END.search(text[:start]))
        lowered = word.lower()
        number = lemma[:1].isdigit()
        capital = word[:1].isupper()
        name = (
            capital
            and not number
            and lowered not in _NEVER_NAMES
            and not (initial and lowered in STOPWORDS | QUESTION_WORDS | OPENERS)
        )
        content = lemma not in _FUNCTION and lowered not in _FUNCTION
        tokens.append(Token(word, lemma, index, start, end, name and lemma != "i", initial, content, number))
    lemmas = frozenset(t.lemma for t in tokens)
    return Analysis(
        text=text,
        tokens=tuple(tokens),
        quantities=tuple(quantities(text)),
        negated=frozenset(negated_words(text)),
        negative=any(t.surface.lower() in NEGATIONS or t.surface.lower().endswith("n't") for t in tokens),
        hedged=bool(lemmas & HEDGES),
        causes=frozenset(lemmas & CAUSES),
        lemmas=lemmas,
        names=frozenset(t.lemma for t in tokens if t.name),
        capitalized=frozenset(t.lemma for t in tokens if t.name and not t.initial),
    )


def is_time(token: Token) -> bool:
    return token.lemma in TIME_WORDS


def is_opposable(token: Token) -> bool:
    return token.lemma in OPPOSITES


def is_framing(token: Token) -> bool:
    return token.lemma in FRAME_NOUNS


def is_pronoun(token: Token) -> bool:
    return token.surface.lower() in PRONOUNS


def is_be(token: Token) -> bool:
    return token.lemma in BE
