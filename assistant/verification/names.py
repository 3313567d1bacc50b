"""Names read whole ("Upper Rhine", "President Donald Trump"), the names joined to them ("Takaichi
and Trump"), and a subject pronoun resolved to its name: what the relation checks compare.

A subject pronoun ("he") stands for the nearest name before it that is itself a subject, or else for
the first name of the sentence before.
"""

from __future__ import annotations

from .analysis import Analysis
from .lexicon import OPPOSITES, SUBJECT_PRONOUNS

Group = tuple[str, ...]
Alignment = dict[int, int]  # claim token → source token

_JOINERS = frozenset({"and", "or", "of", "&", ",", "nor"})
_MONTHS = "january february march april june july august september october november december".split()
_ALIASES = (
    {
        "u.s": "us",
        "america": "us",
        "american": "us",
        "united": "us",
        "unite": "us",
        "u.k": "uk",
        "britain": "uk",
    }
    | {month[:3]: month for month in _MONTHS}  # "Jan. 1997" is January 1997
)


def canonical(lemma: str) -> str:
    return _ALIASES.get(lemma, lemma)


def group(analysis: Analysis, k: int) -> Group:
    """The whole name a name token belongs to, canonical; any other token stands alone."""
    tokens = analysis.tokens
    if not tokens[k].name:
        return (tokens[k].lemma,)
    low, high = k, k
    while low > 0 and tokens[low - 1].name and tokens[low - 1].end + 1 >= tokens[low].start:
        low -= 1
    while high + 1 < len(tokens) and tokens[high + 1].name and tokens[high].end + 1 >= tokens[high + 1].start:
        high += 1
    label = _label(analysis, high)
    return tuple(canonical(t.lemma) for t in tokens[low : high + 1]) + label


def _label(analysis: Analysis, k: int) -> tuple[str, ...]:
    """The number that makes name ``k`` one of a series ("Route 7", "Windows 10"): part of the name,
    so that "Route 12 replaces Route 7" is not "Route 7 replaces Route 12"."""
    tokens = analysis.tokens
    if (
        k + 1 < len(tokens)
        and tokens[k + 1].number
        and analysis.text[tokens[k].end : tokens[k + 1].start] == " "
    ):
        return (tokens[k + 1].lemma,)
    return ()


def same_group(a: Group, b: Group) -> bool:
    """The same name, or one the other with titles or first names before it ("Trump", "President
    Donald Trump") — but not with a direction ("Rhine" is not "Upper Rhine")."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    extra = long[: len(long) - len(short)]
    return long[len(extra) :] == short and not any(w in OPPOSITES for w in extra)


def same_place(a: Group, b: Group) -> bool:
    """The same name, also with a word after it ("the Jurassic" / "the Jurassic Period")."""
    short, long = sorted((a, b), key=len)
    if long[: len(short)] == short:
        return not any(w in OPPOSITES for w in long[len(short) :])
    return same_group(a, b)


def party(analysis: Analysis, k: int, step: int, subject: Group = ()) -> list[Group]:
    """The name at ``k`` and those joined to it ("Takaichi and Trump", "Sigismund of Austria"), walking
    back (``step`` -1) or on (+1); a subject pronoun is resolved."""
    tokens = analysis.tokens
    found = [resolved(analysis, k, subject)]
    edge = k
    while True:
        if step < 0:
            low = edge
            while low > 0 and tokens[low - 1].name and tokens[low - 1].end + 1 >= tokens[low].start:
                low -= 1
            j = low - 1
            gap_start, gap_end = (tokens[j].end, tokens[low].start) if j >= 0 else (0, 0)
        else:
            high = edge
            while (
                high + 1 < len(tokens)
                and tokens[high + 1].name
                and tokens[high].end + 1 >= tokens[high + 1].start
            ):
                high += 1
            j = high + 1
            gap_start, gap_end = (tokens[high].end, tokens[j].start) if j < len(tokens) else (0, 0)
        if not 0 <= j < len(tokens):
            return found
        between = analysis.text[gap_start:gap_end].strip()
        joiner = tokens[j].lemma in _JOINERS or between in (",", "&")
        if tokens[j].name and between in ("", ",", "&"):
            found.append(group(analysis, j))
            edge = j
        elif joiner and 0 <= j + step < len(tokens) and tokens[j + step].name:
            found.append(group(analysis, j + step))
            edge = j + step
        else:
            return found


def resolved(analysis: Analysis, k: int, subject: Group = ()) -> Group:
    token = analysis.tokens[k]
    if token.name:
        return group(analysis, k)
    if token.surface.lower() in SUBJECT_PRONOUNS:
        for j in range(k - 1, -1, -1):
            if sentence_break(analysis, j + 1):
                break
            if analysis.tokens[j].name and j + 1 < len(analysis.tokens) and analysis.verb_like(j + 1):
                return group(analysis, j)
        if subject:
            return tuple(canonical(w) for w in subject)
    return (token.surface.lower(),)


def clause_between(text: str, start: int, end: int) -> bool:
    return any(mark in text[start:end] for mark in (";", ":", " — ", " – ", ". "))


def sentence_break(source: Analysis, k: int) -> bool:
    gap = source.text[source.tokens[k - 1].end : source.tokens[k].start]
    return any(c in gap for c in ".!?") and source.tokens[k].surface[:1].isupper()
