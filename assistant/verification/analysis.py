"""A sentence (or a claim) read once into what the rules compare: words with their lemmas and
offsets, which of them are names, numbers as values, what is negated, hedged or given as a cause,
and where a verb is in the passive voice ("was sold to Burgundy by Sigismund")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import takewhile

from ..text import NEGATIONS, OPENERS, QUESTION_WORDS, STOPWORDS, TIME_WORDS, normalize, words
from .lexicon import BE, CAUSES, FRAME_NOUNS, HEDGES, OPPOSITES, PLACING, PRONOUNS
from .quantities import Quantity, quantities
from .terms import in_address, is_compound_part, is_term, quoted
from .verbs import is_verb

# Stop words that still carry a claim's meaning for the rules (compared, never ignored).
_KEPT = frozenset("more most few fewer less least first before after over under only same all no not".split())
_FUNCTION = (STOPWORDS - _KEPT) | QUESTION_WORDS
# Capitalized at the start of a sentence or in a title, but never names.
_NEVER_NAMES = frozenset(
    """around near between among along across beyond within without despite amid since until per via
    following including regarding concerning unlike like toward towards upon onto ad bc bce ce bp""".split()
)
_NOT_OPENING_NAMES = STOPWORDS | QUESTION_WORDS | OPENERS
_MONTH_MAY = re.compile(r"May\s+\d|May\b(?=[,.]?\s*$)|May(?=,\s*\d)")  # "May 1932", "… in May."
_LEMMA_ALIASES = {"yr": "year", "yrs": "year", "ca": "circa"}  # "ca. 22,000" is no "can"
_SENTENCE_END = re.compile(r"(?:[.!?:;]|[.!?][\"'”’)\]]+)\s*[\"'“‘(\[]?$")


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
    sides: frozenset[tuple[int, int]]  # where it stands among opposites (lexicon.OPPOSITES), by form or lemma
    term: bool = False  # a lower-case name ("zlib", "man-db"): a name wherever it stands


@dataclass(frozen=True)
class Referents:
    """Names of a sentence that the pronouns of the next one may stand for."""

    subject: tuple[str, ...] = ()  # for "it", "he", "she", "they": the name, word by word
    named: frozenset[str] = frozenset()  # for "its", "her", "their", "this"
    last: frozenset[str] = frozenset()  # for "the latter"
    # also for "he", "she" when the subject is no person ("git"): the doer of a passive ("was given by X")
    agent: tuple[str, ...] = ()


NO_REFERENTS = Referents()


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
    def referents(self) -> Referents:
        """What a pronoun of the next sentence may stand for: "it", "he", "they" for its first name (the
        subject), "its", "her", "them" for any of its names, "the latter" for its last."""
        groups: list[list[str]] = []
        for previous, token in zip((None, *self.tokens), self.tokens, strict=False):
            if token.name:
                if previous is not None and previous.name and previous.index == token.index - 1:
                    groups[-1].append(token.lemma)
                else:
                    groups.append([token.lemma])
        subject = tuple(groups[0]) if groups else ()
        last = frozenset(groups[-1]) if groups else frozenset()
        agent: tuple[str, ...] = ()
        if not any(t.name and not t.term for t in self.tokens if t.lemma in subject):  # "git": no person
            agents = (self.passive_agent(t.index) for t in self.tokens if self.passive(t.index))
            at = next((k for k in agents if k is not None), None)
            agent = (
                () if at is None else tuple(t.lemma for t in takewhile(lambda t: t.name, self.tokens[at:]))
            )
        return Referents(subject, frozenset().union(*(frozenset(g) for g in groups)), last, agent)

    def verb_like(self, index: int) -> bool:
        """Whether a word reads as a finite verb or a participle: "invited", "sold", "took", or a
        present form right after its subject ("Washington seeks"). Adjectives in -er/-est are not."""
        token = self.tokens[index]
        surface = token.surface.lower()
        if not token.content or token.name or token.number:
            return False
        if token.start > 0 and self.text[token.start - 1] == "-":
            return False  # the end of a compound ("self-governed", "US-led") is an adjective
        if surface.endswith("ed") and surface != token.lemma:
            return True
        if surface.endswith("s") and index > 0:
            return surface != token.lemma and self._after_subject(index)
        if surface in _UNCHANGED_PAST and index > 0:  # "Northfield beat Southport": its past is its lemma
            return self.tokens[index - 1].name or is_pronoun(self.tokens[index - 1])
        return surface != token.lemma and not surface.endswith(("est", "er", "ing", "ly", "s"))

    def _after_subject(self, index: int) -> bool:
        previous = self.tokens[index - 1]
        if index > 1 and self.tokens[index - 2].name:
            joint = self.text[self.tokens[index - 2].end : previous.start]
            if joint == "-" or (joint == " " and previous.number):
                return True  # "gpg-agent offers", "Route 7 runs"
        if self._after_noun_phrase(index):
            return True
        return previous.name or previous.surface.lower() in (
            "he",
            "she",
            "it",
            "they",
            "this",
            "which",
            "that",
        )

    def _after_noun_phrase(self, index: int) -> bool:
        """Whether word ``index`` follows "the" and up to two nouns ("the parish council pays"), and no
        past verb follows it: then it is that verb's subject ("the new volunteers trained", "… taught")."""
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        if (
            following is not None
            and not following.surface.lower().endswith("s")
            and self.verb_like(index + 1)
        ):
            return False  # a past form ("trained", "taught"); an -s word would ask this one back
        k = index - 1
        while k >= 0 and index - k <= 2 and self.tokens[k].content and not self.tokens[k].number:
            if self.tokens[k].surface.lower().endswith(("ly", "s")) or self.tokens[k].name:
                return False
            k -= 1
        return (
            k < index - 1
            and k >= 0
            and self.tokens[k].lemma in _DETERMINERS
            and (
                k == 0
                or self.tokens[k].initial
                or self.text[self.tokens[k - 1].end : self.tokens[k].start].strip() == ","
            )
        )

    def passive(self, index: int) -> bool:
        """A participle after a form of "be" ("was sold"), or followed closely by "by"."""
        if not self.verb_like(index):
            return False
        before = [t for t in self.tokens[max(0, index - 3) : index] if t.lemma not in _ADVERBS]
        if before and before[-1].lemma in BE:
            return True
        after = self.tokens[index + 1 : index + 4]
        if after and after[0].lemma == "as":  # "known as", "described as"
            return True
        return any(
            t.lemma == "by" and k + 1 < len(after) and not after[k + 1].number for k, t in enumerate(after)
        )

    def passive_agent(self, index: int) -> int | None:
        """For a passive verb at ``index`` with a "by" agent, the index of the agent's first name:
        "was sold to Burgundy by Sigismund" → Sigismund ("by 9000 BP" names no agent)."""
        tokens = self.tokens
        for j in range(index + 1, min(index + 8, len(tokens))):
            if any(c in self.text[tokens[j - 1].end : tokens[j].start] for c in ".;"):
                return None
            if tokens[j].lemma == "by":
                for k in range(j + 1, min(j + 9, len(tokens))):
                    if tokens[k].number:
                        return None
                    if tokens[k].name:
                        return k
                return None
        return None


_DETERMINERS = frozenset("the this that its their our your".split())
# Verbs whose past form is their plain form: after a name or a pronoun they are the verb it does.
_UNCHANGED_PAST = frozenset(
    "beat bet burst cast cost cut hit hurt let put quit read set shut split spread upset".split()
)
_ADVERBS = frozenset("also still already just only not never yet then now fully largely widely often".split())


@lru_cache(maxsize=32768)
def analyse(text: str) -> Analysis:
    tokens: list[Token] = []
    for index, (word, start, end) in enumerate(words(text)):
        lemma = _LEMMA_ALIASES.get(word.lower(), normalize(word))
        initial = not text[:start].strip() or bool(_SENTENCE_END.search(text[max(0, start - 8) : start]))
        lowered = word.lower()
        number = lemma[:1].isdigit()
        capital = word[:1].isupper()
        name = (
            capital
            and not number
            and lowered not in _NEVER_NAMES
            and not (initial and (lowered in _NOT_OPENING_NAMES or _common_opener(word, lemma)))
        )
        content = lemma not in _FUNCTION and lowered not in _FUNCTION
        if word == "May" and not initial and _MONTH_MAY.match(text, start):
            content = True  # "in May 1932", "May 3": the month, not the modal
        sides = OPPOSITES.get(lowered, frozenset()) | OPPOSITES.get(lemma, frozenset())
        if lowered == "longer" and tokens and tokens[-1].surface.lower() in ("no", "any"):
            content, sides = False, frozenset()  # "no longer allowed": a negation, not a length
        term = (
            not capital
            and content
            and not in_address(text, start, end)
            and (is_term(lemma) or is_compound_part(text, start, end) or quoted(text, start, end))
        )
        tokens.append(
            Token(
                word,
                lemma,
                index,
                start,
                end,
                (name and lemma != "i") or term,
                initial,
                content,
                number,
                sides,
                term,
            )
        )
    lemmas = frozenset(t.lemma for t in tokens)
    return Analysis(
        text=text,
        tokens=tuple(tokens),
        quantities=tuple(quantities(text)),
        negated=frozenset(_negated(tokens)),
        negative=any(_negation(t, tokens) for t in tokens) or _denies(tokens),
        hedged=bool(lemmas & HEDGES),
        causes=frozenset(lemmas & CAUSES),
        lemmas=lemmas,
        names=frozenset(t.lemma for t in tokens if t.name),
        capitalized=frozenset(t.lemma for t in tokens if t.name and not t.initial),
    )


def _common_opener(word: str, lemma: str) -> bool:
    """Whether a sentence's capitalized first word is an ordinary word, not a name: one of a pair of
    opposites ("Earlier versions …", "Previous versions …") or a verb's -ing form ("Working out …",
    "Building groff …")."""
    lowered = word.lower()
    stem = lowered[:-3]
    return (
        lowered in OPPOSITES
        or lemma in OPPOSITES
        or (lowered.endswith("ing") and any(is_verb(w) for w in (lemma, stem, stem + "e")))
    )


_NEGATION_HEDGES = frozenset(
    {"yet", "be", "have", "do", "also", "even", "always", "ever", "so", "longer", "long", "really"}
)


_ARTICLES = frozenset("a an the".split())  # "not a goal" negates the goal


def _negation(token: Token, tokens: Sequence[Token] = ()) -> bool:
    """A word that negates: "not", "no", "doesn't" — but not the "no" of a bound ("no more than 25")."""
    surface = token.surface.lower().replace("’", "'")
    if surface == "no" and token.index + 2 < len(tokens):
        following = tokens[token.index + 1].lemma, tokens[token.index + 2].lemma
        if following[0] in _COMPARATIVES and following[1] == "than":
            return False
    return surface in NEGATIONS or surface.endswith("n't")


_COMPARATIVES = frozenset("more less fewer later earlier greater much many".split())


def _denies(tokens: list[Token]) -> bool:
    """Whether a verb denies the verb it governs ("refuse to install", "prevents it from flowing")."""
    return any(
        token.lemma in _DENYING and any(t.lemma in ("from", "to") for t in tokens[i + 1 : i + 6])
        for i, token in enumerate(tokens)
    )


# Verbs that deny the verb they govern: "prevents it from flowing", "failed to demolish".
_DENYING = frozenset("prevent stop keep fail refuse forbid prohibit ban block".split())


def _negated(tokens: list[Token]) -> set[str]:
    """The words a negation applies to: "has not yet confirmed the call" → {"confirm"};
    "hasn't confirmed" too (the lemmatizer turns "hasn't" into "have"); "prevents it from flowing" →
    {"flow"}."""
    found = set()
    for i, token in enumerate(tokens):
        if token.lemma in _DENYING:
            for j in range(i + 1, min(i + 6, len(tokens))):
                if tokens[j].lemma in ("from", "to") and j + 1 < len(tokens):
                    found.add(tokens[j + 1].lemma)
                    break
        if _negation(token, tokens):
            following = [
                t.lemma for t in tokens[i + 1 : i + 5] if t.lemma not in _NEGATION_HEDGES | _ARTICLES
            ]
            if following:
                found.add(following[0])
            if following[:1] and following[0] in PLACING and len(following) > 1:
                found.add(following[1])  # "not on the smart card": the card, not only "on"
            if following[:1] == ["of"]:  # "None of the sample clients are installed": installed
                be = next((t.index for t in tokens[i + 2 : i + 12] if t.lemma in BE), None)
                said = [t.lemma for t in tokens[be + 1 : be + 4] if t.content] if be is not None else []
                found.update(said[:1])
    return found


def is_time(token: Token) -> bool:
    surface = token.surface.lower()
    times = TIME_WORDS | _MORE_TIME_WORDS
    return surface in times or (surface.endswith("s") and surface[:-1] in times)


_MORE_TIME_WORDS = frozenset({"weekday", "fortnight", "weeknight"})  # "on weekdays" is not "on Saturdays"


def is_framing(token: Token) -> bool:
    return token.lemma in FRAME_NOUNS


def is_pronoun(token: Token) -> bool:
    return token.surface.lower() in PRONOUNS
