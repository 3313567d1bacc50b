"""Who did what to whom, and what each name and number is said of: the checks that catch a claim
built from the source's own words in the wrong relation ("Takaichi invited Trump", "five legions in
eight bases", "exercises off Japan").

They work on the claim's alignment to the source (claim token → source token) and on names read
whole ("Upper Rhine", "President Donald Trump"), with a few pronouns resolved: a subject pronoun
("he") stands for the nearest name before it that is itself a subject, or else for the first name of
the sentence before.
"""

from __future__ import annotations

from collections.abc import Iterator

from .analysis import Analysis, is_pronoun
from .lexicon import OPPOSITES
from .quantities import Quantity, same

Group = tuple[str, ...]
Alignment = dict[int, int]  # claim token → source token

_SUBJECT_PRONOUNS = frozenset("he she it they".split())
_JOINERS = frozenset({"and", "or", "of", "&", ",", "nor"})
_ALIASES = {"u.s": "us", "america": "us", "american": "us", "united": "us", "u.k": "uk", "britain": "uk"}
PLACE_REACH = 2  # items (names whole, other words one by one) around a name where its claim neighbour may stand


def canonical(lemma: str) -> str:
    return _ALIASES.get(lemma, lemma)


# -- names read whole --------------------------------------------------------------------------------


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
    return tuple(canonical(t.lemma) for t in tokens[low : high + 1])


def same_group(a: Group, b: Group) -> bool:
    """The same name, or one the other with titles or first names before it ("Trump", "President
    Donald Trump") — but not with a direction ("Rhine" is not "Upper Rhine")."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    extra = long[: len(long) - len(short)]
    return long[len(extra) :] == short and not any(w in OPPOSITES for w in extra)


def _party(analysis: Analysis, k: int, step: int, context: frozenset[str]) -> list[Group]:
    """The name at ``k`` and those joined to it ("Takaichi and Trump", "Sigismund of Austria"), walking
    back (``step`` -1) or on (+1); a subject pronoun is resolved."""
    tokens = analysis.tokens
    found = [_resolved(analysis, k, context)]
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
            while high + 1 < len(tokens) and tokens[high + 1].name and tokens[high].end + 1 >= tokens[high + 1].start:
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


def _resolved(analysis: Analysis, k: int, context: frozenset[str]) -> Group:
    token = analysis.tokens[k]
    if token.name:
        return group(analysis, k)
    if token.surface.lower() in _SUBJECT_PRONOUNS:
        for j in range(k - 1, -1, -1):
            if _sentence_break(analysis, j + 1):
                break
            if analysis.tokens[j].name and j + 1 < len(analysis.tokens) and analysis.verb_like(j + 1):
                return group(analysis, j)
    return (token.surface.lower(),)


# -- who did what to whom ------------------------------------------------------------------------------


def role_conflict(claim: Analysis, source: Analysis, aligned: Alignment, context: frozenset[str]) -> str | None:
    """For a verb both share: the claim's doer must not be the source's done-to, nor its done-to the
    source's doer; and where both name the doer right before the verb ("Iberia pushed up"), it must
    be the same. The doer stands before an active verb or after "by" for a passive."""
    names = {i for i in aligned if claim.tokens[i].name}
    if not names:
        return None
    for i, j in aligned.items():
        if claim.tokens[i].name or not claim.verb_like(i):
            continue
        mine = _roles(claim, i, names, frozenset())
        if not mine[0] and not mine[1]:
            continue
        if source.verb_like(j):
            theirs = _roles(source, j, _anchors(source, j), context)
        else:  # a noun ("the Trump administration's announcement"): only a name right before it says who
            before = [k for k in _anchors(source, j) if j - 3 <= k < j and source.tokens[k].name]
            theirs = ([group(source, max(before))] if before else [], [])
        if _meets(mine[1], theirs[0]) and not _meets(mine[1], theirs[1]) or (
            _meets(mine[0], theirs[1]) and not _meets(mine[0], theirs[0])
        ):
            return f"who did what is swapped around “{claim.tokens[i].surface}”"
        said, stated = _subject(claim, i), _subject(source, j)
        if said and stated and not _meets(said, stated) and not any(_meets([g], said) for g in _all_groups(source)):
            return f"the source says {' '.join(stated[0])} {source.tokens[j].surface}"
        if said and stated and not _meets(said, stated) and not any(_meets([g], stated) for g in _all_groups(claim)):
            return f"the source says {' '.join(stated[0])} {source.tokens[j].surface}"
    return None


_AUXILIARIES = frozenset("have has had will would could can may might shall should must do does did be is are was were".split())


def _subject(analysis: Analysis, i: int) -> list[Group]:
    """The name (and those joined to it) right before an active verb, auxiliaries and adverbs aside:
    "Iberia pushed up", "Italian, Occitan and Portuguese retain"."""
    if analysis.passive(i):
        return []
    k = i - 1
    tokens = analysis.tokens
    while k >= 0 and (tokens[k].lemma in _AUXILIARIES or tokens[k].surface.lower() in _AUXILIARIES
                      or tokens[k].lemma in ("also", "still", "not", "never", "already", "then")):
        k -= 1
    if k < 0 or not tokens[k].name or "," in analysis.text[tokens[k].end : tokens[i].start]:
        return []
    return _party(analysis, k, -1, frozenset())


def _meets(a: list[Group], b: list[Group]) -> bool:
    return any(same_group(x, y) for x in a for y in b)


def _all_groups(analysis: Analysis) -> Iterator[Group]:
    for k, token in enumerate(analysis.tokens):
        if token.name:
            yield group(analysis, k)


def _roles(analysis: Analysis, i: int, anchors: set[int], context: frozenset[str]) -> tuple[list[Group], list[Group]]:
    """(doers, done-tos) around word ``i`` within its clause."""
    text, tokens = analysis.text, analysis.tokens
    before = [k for k in anchors if k < i and not _clause_between(text, tokens[k].end, tokens[i].start)]
    after = [k for k in anchors if k > i and not _clause_between(text, tokens[i].end, tokens[k].start)]
    doers = _party(analysis, max(before), -1, context) if before else []
    done = _party(analysis, min(after), +1, context) if after else []
    if analysis.passive(i):
        agent = analysis.passive_agent(i)
        return (_party(analysis, agent, +1, context) if agent is not None else []), doers
    return doers, done


def _clause_between(text: str, start: int, end: int) -> bool:
    return any(mark in text[start:end] for mark in (";", ":", " — ", " – ", ". "))


def _anchors(source: Analysis, j: int) -> set[int]:
    """The names and pronouns of the source sentence that holds word ``j``."""
    tokens = source.tokens
    low, high = j, j
    while low > 0 and not _sentence_break(source, low):
        low -= 1
    while high + 1 < len(tokens) and not _sentence_break(source, high + 1):
        high += 1
    return {k for k in range(low, high + 1) if tokens[k].name or is_pronoun(tokens[k])}


def _sentence_break(source: Analysis, k: int) -> bool:
    gap = source.text[source.tokens[k - 1].end : source.tokens[k].start]
    return any(c in gap for c in ".!?") and source.tokens[k].surface[:1].isupper()


# -- what a name is said of ----------------------------------------------------------------------------


def place_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """A name keeps what the claim says of it: one of its neighbours in the claim (the next name or
    word on either side) stands within PLACE_REACH of it in the source; when none does, and a name
    neighbour is elsewhere or an ordinary one stands by another name, the claim mixes things up
    ("exercises off Japan" against "exercises off Taiwan", "Alemannia on the Lower Rhine" against
    "Francia on the Lower Rhine, … Alemannia on the High Rhine")."""
    mine = _items(claim)
    theirs = _items(source)
    claim_groups = {g for g, _ in mine if len(g) > 1 or g[0] in {t.lemma for t in claim.tokens if t.name}}
    for position, (item, indices) in enumerate(mine):
        if not claim.tokens[indices[0]].name or not all(i in aligned for i in indices):
            continue
        neighbours = [mine[p] for p in (position - 1, position + 1) if 0 <= p < len(mine)]
        neighbours = [(g, ix) for g, ix in neighbours if all(i in aligned for i in ix)]
        if not neighbours:
            continue
        homes = [p for p, (g, _) in enumerate(theirs) if same_group(g, item)]
        if not homes:
            continue
        near = {theirs[q][0] for p in homes for q in range(p - PLACE_REACH, p + PLACE_REACH + 1) if 0 <= q < len(theirs)}
        wanted = [_source_item(source, aligned, g, ix) for g, ix in neighbours]
        if any(any(same_group(w, n) for n in near) for w in wanted):
            continue
        for (_, ix), w in zip(neighbours, wanted, strict=True):
            if claim.tokens[ix[0]].name:
                continue
            for p, (other, _) in enumerate(theirs):
                if other != w:
                    continue
                close = [theirs[q] for q in (p - 1, p + 1) if 0 <= q < len(theirs)]
                if any(source.tokens[cx[0]].name and c not in claim_groups and not same_group(c, item) for c, cx in close):
                    return f"{' '.join(item)} is not said of what the claim says"
    return None


def _items(analysis: Analysis) -> list[tuple[Group, tuple[int, ...]]]:
    """Content words one by one, names whole: (group, token indices)."""
    items: list[tuple[Group, tuple[int, ...]]] = []
    tokens = analysis.tokens
    k = 0
    while k < len(tokens):
        token = tokens[k]
        if token.name:
            g = group(analysis, k)
            items.append((g, tuple(range(k, k + len(g)))))
            k += len(g)
            continue
        if token.content:
            items.append(((token.lemma,), (k,)))
        k += 1
    return items


def _source_item(source: Analysis, aligned: Alignment, g: Group, indices: tuple[int, ...]) -> Group:
    """A claim neighbour as the source writes it."""
    at = aligned[indices[0]]
    return group(source, at) if source.tokens[at].name else (source.tokens[at].lemma,)


# -- what a number or an opposite is said of ------------------------------------------------------------


def quantity_conflict(claim: Analysis, source: Analysis) -> str | None:
    """A number stays with its name: "The IJssel carries two ninths" is wrong where the source gives the
    IJssel one ninth and another river two ninths."""
    for quantity in claim.quantities:
        stated = [q for q in source.quantities if same(quantity, q)]
        if not stated:
            continue
        owner = _owner(claim, quantity.start)
        if owner is None:
            continue
        theirs = [_owner(source, q.start) for q in stated]
        if all(t is None for t in theirs) or any(t is not None and same_group(t, owner) for t in theirs):
            continue
        mine = _numbers_of(source, owner)
        if mine and not any(same(quantity, q) for q in mine):
            return f"the source gives {owner[-1]} {mine[0].text}, not {quantity.text}"
    return None


def _owner(analysis: Analysis, offset: int) -> Group | None:
    """The nearest name before an offset, in the same clause."""
    for k in range(len(analysis.tokens) - 1, -1, -1):
        token = analysis.tokens[k]
        if token.start >= offset:
            continue
        if _clause_between(analysis.text, token.end, offset) or "," in analysis.text[token.end : offset]:
            return None
        if token.name:
            return group(analysis, k)
    return None


def _numbers_of(source: Analysis, owner: Group) -> list[Quantity]:
    """The first number after each mention of a name, in its clause."""
    found = []
    for k, token in enumerate(source.tokens):
        if token.name and same_group(group(source, k), owner):
            following = [q for q in source.quantities if q.start > token.end]
            if following and not _clause_between(source.text, token.end, following[0].start):
                found.append(following[0])
    return found


def opposite_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """An opposable word keeps its noun: "lighter in colour" is wrong where the source has "a darker
    colour" and "lighter" elsewhere."""
    for i in aligned:
        word = claim.tokens[i]
        sides = OPPOSITES.get(word.lemma)
        if not sides or word.name:
            continue
        head = next((t for t in claim.tokens[i + 1 : i + 4] if t.content and t.index in aligned), None)
        if head is None:
            continue
        groups = {g for g, _ in sides}
        opposed, agreeing = [], []
        for at in (t.index for t in source.tokens if t.lemma == source.tokens[aligned[head.index]].lemma):
            for t in source.tokens[max(0, at - 3) : at]:
                theirs = OPPOSITES.get(t.lemma)
                if not theirs or t.name:
                    continue
                if theirs & sides:
                    agreeing.append(t)
                elif {g for g, _ in theirs} & groups:
                    opposed.append((t, at))
        if opposed and not agreeing:
            t, at = opposed[0]
            return f"the source says {t.surface} {source.tokens[at].surface}"
    return None
