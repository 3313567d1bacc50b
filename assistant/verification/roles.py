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

from .analysis import Analysis, Token, is_pronoun
from .lexicon import BE, OPPOSITES, SUBJECT_PRONOUNS
from .quantities import Quantity, same

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
PLACE_REACH = (
    4  # items (names whole, other words one by one) around a name where its claim neighbour may stand
)


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


def same_place(a: Group, b: Group) -> bool:
    """The same name, also with a word after it ("the Jurassic" / "the Jurassic Period")."""
    short, long = sorted((a, b), key=len)
    if long[: len(short)] == short:
        return not any(w in OPPOSITES for w in long[len(short) :])
    return same_group(a, b)


def _party(analysis: Analysis, k: int, step: int, subject: Group = ()) -> list[Group]:
    """The name at ``k`` and those joined to it ("Takaichi and Trump", "Sigismund of Austria"), walking
    back (``step`` -1) or on (+1); a subject pronoun is resolved."""
    tokens = analysis.tokens
    found = [_resolved(analysis, k, subject)]
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


def _resolved(analysis: Analysis, k: int, subject: Group = ()) -> Group:
    token = analysis.tokens[k]
    if token.name:
        return group(analysis, k)
    if token.surface.lower() in SUBJECT_PRONOUNS:
        for j in range(k - 1, -1, -1):
            if _sentence_break(analysis, j + 1):
                break
            if analysis.tokens[j].name and j + 1 < len(analysis.tokens) and analysis.verb_like(j + 1):
                return group(analysis, j)
        if subject:
            return tuple(canonical(w) for w in subject)
    return (token.surface.lower(),)


# -- who did what to whom ------------------------------------------------------------------------------


def role_conflict(claim: Analysis, source: Analysis, aligned: Alignment, subject: Group = ()) -> str | None:
    """For a verb both share: the claim's doer must not be the source's done-to, nor its done-to the
    source's doer; and where both name the doer right before the verb ("Iberia pushed up"), it must
    be the same. The doer stands before an active verb or after "by" for a passive. ``subject``: the
    name a subject pronoun stands for when its own sentence has none (the previous one's subject)."""
    names = {i for i in aligned if claim.tokens[i].name}
    if not names:
        return None
    subjects = [
        (said, stated)
        for i, j in aligned.items()
        if claim.verb_like(i)
        and (said := _subject(claim, i))
        and (stated := _subject(source, j))
        and not _meets(said, stated)
    ]
    for said, stated in subjects:
        for other_said, other_stated in subjects:
            if _meets(said, other_stated) and _meets(other_said, stated):
                return f"who did what is swapped: the source says {' '.join(stated[0])} did it"
    for i, j in aligned.items():
        if claim.tokens[i].name or not claim.verb_like(i):
            continue
        mine = _roles(claim, i, names)
        if not mine[0] and not mine[1]:
            continue
        if source.verb_like(j):
            theirs = _roles(source, j, _anchors(source, j), subject)
        else:  # a noun ("the Trump administration's announcement"): only a name right before it says who
            before = [k for k in _anchors(source, j) if j - 3 <= k < j and source.tokens[k].name]
            theirs = ([group(source, max(before))] if before else [], [])
        both = bool(theirs[0]) and bool(theirs[1])  # the source's verb has a doer and a done-to
        if both and (
            (_meets(mine[1], theirs[0]) and not _meets(mine[1], theirs[1]))
            or (_meets(mine[0], theirs[1]) and not _meets(mine[0], theirs[0]))
        ):
            return f"who did what is swapped around “{claim.tokens[i].surface}”"
        said, stated = _subject(claim, i), _subject(source, j)
        if (
            said
            and stated
            and not _meets(said, stated)
            and not any(_meets([g], said) for g in _all_groups(source))
        ):
            return f"the source says {' '.join(stated[0])} {source.tokens[j].surface}"
        if (
            said
            and stated
            and not _meets(said, stated)
            and not any(_meets([g], stated) for g in _all_groups(claim))
        ):
            return f"the source says {' '.join(stated[0])} {source.tokens[j].surface}"
    return None


def subject_differs(claim: Analysis, source: Analysis, aligned: Alignment) -> bool:
    """Whether, for a verb both share, each names a doer right before it and they differ."""
    for i, j in aligned.items():
        if claim.verb_like(i):
            said, stated = _subject(claim, i), _subject(source, j)
            if said and stated and not _meets(said, stated):
                return True
    return False


_AUXILIARIES = frozenset(
    "have has had will would could can may might shall should must do does did be is are was were".split()
)


def _subject(analysis: Analysis, i: int) -> list[Group]:
    """The name (and those joined to it) right before an active verb, auxiliaries, adverbs and one
    common noun aside ("Iberia pushed up", "the Trump administration strongly criticized"); a
    subject pronoun there is resolved within the sentence ("Trump took her … when he addressed")."""
    if analysis.passive(i):
        return []
    k = i - 1
    tokens = analysis.tokens
    nouns = 0
    while k >= 0 and not tokens[k].name:
        token = tokens[k]
        if token.surface.lower() in SUBJECT_PRONOUNS:
            resolved = _resolved(analysis, k)
            return [resolved] if resolved[0] not in SUBJECT_PRONOUNS else []
        if (
            token.lemma in _AUXILIARIES
            or token.surface.lower() in _AUXILIARIES
            or token.lemma in _ADVERBS
            or (token.surface.lower().endswith("ly") and token.content)
        ):
            k -= 1
        elif token.content and not analysis.verb_like(k) and nouns == 0:
            nouns += 1
            k -= 1
        else:
            return []
    if k < 0 or "," in analysis.text[tokens[k].end : tokens[i].start]:
        return []
    return _party(analysis, k, -1)


_ADVERBS = frozenset("also still not never already then just only".split())


def _meets(a: list[Group], b: list[Group]) -> bool:
    return any(same_group(x, y) for x in a for y in b)


def _all_groups(analysis: Analysis) -> Iterator[Group]:
    for k, token in enumerate(analysis.tokens):
        if token.name:
            yield group(analysis, k)


def _roles(
    analysis: Analysis, i: int, anchors: set[int], subject: Group = ()
) -> tuple[list[Group], list[Group]]:
    """(doers, done-tos) around word ``i`` within its clause."""
    text, tokens = analysis.text, analysis.tokens
    before = [k for k in anchors if k < i and not _clause_between(text, tokens[k].end, tokens[i].start)]
    after = [k for k in anchors if k > i and not _clause_between(text, tokens[i].end, tokens[k].start)]
    doers = _party(analysis, max(before), -1, subject) if before else []
    done = _party(analysis, min(after), +1, subject) if after else []
    if analysis.passive(i):
        agent = analysis.passive_agent(i)
        return (_party(analysis, agent, +1, subject) if agent is not None else []), doers
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
        near = {
            theirs[q][0]
            for p in homes
            for q in range(p - PLACE_REACH, p + PLACE_REACH + 1)
            if 0 <= q < len(theirs)
        }
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
                if any(
                    source.tokens[cx[0]].name and c not in claim_groups and not same_group(c, item)
                    for c, cx in close
                ):
                    return f"{' '.join(item)} is not said of what the claim says"
    return None


def place_doubt(claim: Analysis, source: Analysis, aligned: Alignment, reach: int) -> str | None:
    """Each name of the claim keeps one of its claim neighbours (the next name or word on either side,
    not across a comma) within ``reach`` items of it in the source. Paraphrases can move words
    further, so a miss only counts against the claim."""
    mine = _items(claim)
    theirs = _items(source)
    position_of: dict[int, int] = {}
    for p, (_, ix) in enumerate(theirs):
        for i in ix:
            position_of[i] = p
    for k in range(len(source.tokens)):  # a word that is no item (a pronoun) sits where the next item is
        position_of.setdefault(k, next((p for p, (_, ix) in enumerate(theirs) if ix[0] > k), len(theirs)))
    for position, (item, indices) in enumerate(mine):
        first = claim.tokens[indices[0]]
        if not first.name or not all(i in aligned for i in indices):
            continue
        neighbours = [mine[p] for p in (position - 1, position + 1) if 0 <= p < len(mine)]
        neighbours = [
            (g, ix)
            for g, ix in neighbours
            if all(i in aligned for i in ix)
            and ","
            not in claim.text[
                min(first.start, claim.tokens[ix[0]].start) : max(first.end, claim.tokens[ix[0]].end)
            ]
        ]
        if not neighbours:
            continue
        homes = {p for p, (g, _) in enumerate(theirs) if same_group(g, item)} | {
            position_of[aligned[indices[0]]]
        }
        near = {q for p in homes for q in range(p - reach, p + reach + 1)}
        if not any(position_of.get(aligned[ix[0]]) in near for _, ix in neighbours):
            return f"{first.surface} is not said of what the claim says"
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
        sides = word.sides
        if not sides or word.name:
            continue
        head = next((t for t in claim.tokens[i + 1 : i + 4] if t.content and t.index in aligned), None)
        if head is None:
            continue
        groups = {g for g, _ in sides}
        opposed, agreeing = [], []
        for at in (aligned[head.index],):
            window = source.tokens[max(0, at - 6) : at]
            commas = [
                k for k, t in enumerate(window[1:], 1) if "," in source.text[window[k - 1].end : t.start]
            ]
            for t in window[commas[-1] if commas else 0 :]:
                theirs = t.sides
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


# -- what a phrase is said of ---------------------------------------------------------------------------

_PLACE_PREPOSITIONS = frozenset("in on at off near into onto from to of".split())
_PARTICLES = frozenset("off up out down away back".split())
_DETERMINERS = frozenset("the a an its their his her".split())


def preposition_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """ "X in Y" must be the source's "X in Y" when the source says X in some place: "the North Sea in
    Germany" is wrong where it says "the North Sea in the Netherlands", "Alemannia on the Lower
    Rhine" where it says "Alemannia on the High Rhine", "sold the Alsace to Sigismund" where it says
    "sold to Burgundy"; and "an upper canal at Fußach" where it says "a lower canal at Fußach"."""
    theirs = list(_attachments(source))
    for word, preposition, name in _attachments(claim):
        if word not in aligned or name not in aligned:
            continue
        wanted = group(claim, name)
        lemma = source.tokens[aligned[word]].lemma
        said = [(w, n) for w, p, n in theirs if source.tokens[w].lemma == lemma and p == preposition]
        if not said:
            continue
        same_places = [w for w, n in said if same_place(group(source, n), wanted)]
        if not same_places:
            place = " ".join(group(source, said[0][1]))
            return f"the source says {claim.tokens[word].surface} {preposition} {place}"
        mine = _modifier(claim, word)
        theirs_modifier = _modifier(source, same_places[0])
        if mine is not None and all(_opposed(mine, _modifier(source, w)) for w in same_places):
            assert theirs_modifier is not None
            return f"the source says {theirs_modifier.surface} {source.tokens[same_places[0]].surface}"
    return None


def object_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """ "X for Y" must not put a word where the source puts a name: "a replacement for zip" is wrong
    where the source says "a replacement for 'compress'" (and "zip" elsewhere)."""
    theirs = list(_attachments(source, _OBJECT_PREPOSITIONS, names_only=False))
    for word, preposition, thing in _attachments(claim, _OBJECT_PREPOSITIONS, names_only=False):
        if word not in aligned or claim.tokens[thing].name:
            continue
        lemma = source.tokens[aligned[word]].lemma
        said = [n for w, p, n in theirs if source.tokens[w].lemma == lemma and p == preposition]
        named = said and all(source.tokens[n].name for n in said)
        if named and not any(source.tokens[n].lemma == claim.tokens[thing].lemma for n in said):
            place = " ".join(group(source, said[0]))
            return f"the source says {claim.tokens[word].surface} {preposition} {place}"
    return None


_OBJECT_PREPOSITIONS = frozenset("for by with as".split())


def swapped_attachment(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """Doer and source trade places around a shared verb: "the licensor receives a license from the
    recipient" against "the recipient receives a license from the licensor". The verb's doer in
    each text (a word before it, in its clause) is what the other text puts after its preposition."""
    prepositions = _PLACE_PREPOSITIONS | _OBJECT_PREPOSITIONS
    theirs = list(_attachments(source, prepositions, names_only=False))
    for word, preposition, thing in _attachments(claim, prepositions, names_only=False):
        if word not in aligned:
            continue
        verb, mine = aligned[word], claim.tokens[_head(claim, thing)].lemma
        for w, p, n in theirs:
            other = source.tokens[_head(source, n)].lemma
            if w != verb or p != preposition or other == mine:
                continue
            if _before_in_clause(claim, word, other) and _before_in_clause(source, verb, mine):
                return f"the source says {source.tokens[w].surface} {preposition} {other}, not {mine}"
    return None


def definition_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """ "X means Y" needs a source that says "means", and the claim's Y must begin where the source's
    does: "A Larger Work means code not governed by this License" is wrong where "'Larger Work' means
    a work which combines Covered Code … with code not governed by the terms of this License"."""
    for token in claim.tokens:
        if token.lemma in _DEFINING and token.index not in aligned:
            return "the source defines nothing"
    for i, j in aligned.items():
        if claim.tokens[i].lemma not in _DEFINING or source.tokens[j].lemma != claim.tokens[i].lemma:
            continue
        mine = next((t.index for t in claim.tokens[i + 1 :] if t.content and t.lemma not in _EITHER), None)
        theirs = next((t.index for t in source.tokens[j + 1 :] if t.content and t.lemma not in _EITHER), None)
        if mine is None or theirs is None or mine not in aligned:
            continue
        if aligned[mine] != theirs and source.tokens[aligned[mine]].lemma != source.tokens[theirs].lemma:
            return f"the source says {source.tokens[j].surface} {source.tokens[theirs].surface}"
    return None


_DEFINING = frozenset("mean means".split())
_EITHER = frozenset("either both".split())


def _head(analysis: Analysis, k: int) -> int:
    """The last word of the run of content words from ``k`` ("original licensor" → licensor)."""
    tokens = analysis.tokens
    while (
        k + 1 < len(tokens)
        and tokens[k + 1].content
        and not tokens[k + 1].number
        and not analysis.text[tokens[k].end : tokens[k + 1].start].strip()
    ):
        k += 1
    return k


def _before_in_clause(analysis: Analysis, k: int, lemma: str) -> bool:
    """Whether a word stands before word ``k`` in its clause."""
    tokens = analysis.tokens
    return any(
        t.lemma == lemma and not _clause_between(analysis.text, t.end, tokens[k].start) for t in tokens[:k]
    )


def _modifier(analysis: Analysis, k: int) -> Token | None:
    """An opposable word right before word ``k`` ("upper canal")."""
    before = [t for t in analysis.tokens[max(0, k - 2) : k] if t.sides and not t.name]
    return before[-1] if before else None


def _opposed(a: Token, b: Token | None) -> bool:
    if b is None:
        return False
    mine, theirs = a.sides, b.sides
    return bool({g for g, _ in mine} & {g for g, _ in theirs}) and not mine & theirs


def _attachments(
    analysis: Analysis, prepositions: frozenset[str] = _PLACE_PREPOSITIONS, names_only: bool = True
) -> Iterator[tuple[int, str, int]]:
    """(word, preposition, name) for "exercises off Taiwan", "Alemannia on the High Rhine", "branches
    off from the Oude Maas", and for a verb past its object: "sold (the Alsace) to Burgundy"."""
    tokens = analysis.tokens
    for k, token in enumerate(tokens):
        if not token.content:
            continue
        j = _preposition_after(analysis, k, prepositions)
        if j is None:
            continue
        if "," in analysis.text[token.end : tokens[j].start]:
            continue
        n = j + 1
        while n < len(tokens) and tokens[n].lemma in _DETERMINERS:
            n += 1
        if (
            n < len(tokens)
            and (tokens[n].name or (not names_only and tokens[n].content))
            and not _clause_between(analysis.text, token.end, tokens[n].start)
        ):
            yield k, tokens[j].lemma, n


def _preposition_after(analysis: Analysis, k: int, prepositions: frozenset[str]) -> int | None:
    """The preposition right after word ``k`` (a particle aside), or within five words after a verb
    ("sold the Alsace to"), in the same clause."""
    tokens = analysis.tokens
    reach = 5 if analysis.verb_like(k) else 1
    for j in range(k + 1, min(k + 1 + reach, len(tokens))):
        if tokens[j].lemma in _PARTICLES and j == k + 1:
            continue
        if tokens[j].lemma in prepositions:
            return j
        if analysis.verb_like(j) or "," in analysis.text[tokens[j - 1].end : tokens[j].start]:
            return None
    return None


def owner_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """An opposable word keeps its owner: "the Upper Rhine Graben lies in northwest Germany" is wrong
    where northwest Germany is the Lower Rhine Embayment's and the Graben's is southwest Germany."""
    for i, j in aligned.items():
        word = claim.tokens[i]
        sides = word.sides
        if not sides or word.name:
            continue
        mine, theirs = _owner_of(claim, i), _owner_of(source, j)
        if mine is None or theirs is None or same_group(mine, theirs):
            continue
        groups = {g for g, _ in sides}
        for k, token in enumerate(source.tokens):
            if token.name and same_group(group(source, k), mine):
                for t in source.tokens[k + 1 : k + 7]:
                    other = t.sides
                    if other and not t.name and {g for g, _ in other} & groups and not other & sides:
                        return f"the source says {' '.join(mine)} … {t.surface}"
    return None


def _owner_of(analysis: Analysis, i: int) -> Group | None:
    """The nearest name before word ``i`` in its clause (across commas)."""
    tokens = analysis.tokens
    for k in range(i - 1, -1, -1):
        if _clause_between(analysis.text, tokens[k].end, tokens[i].start):
            return None
        if tokens[k].name:
            return group(analysis, k)
    return None


def number_word_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """A number keeps the word it is said with: "Augustus died in AD 70" is wrong where the source's
    death comes with 14, and 70 with something else."""
    claimed = list(claim.quantities)
    for quantity in claimed:
        stated = next((q for q in source.quantities if same(quantity, q)), None)
        if stated is None:
            continue
        for word in _words_beside(claim, quantity):
            if word not in aligned:
                continue
            at = source.tokens[aligned[word]]
            distance = _distance(source, at.start, at.end, stated)
            for other in source.quantities:
                if any(same(q, other) for q in claimed) or same(quantity, other):
                    continue
                if _conversion(source, stated, other):  # "4,274 m (14,022 ft)", "1–3 cm (0.39–1.18 in)"
                    continue
                if _distance(source, at.start, at.end, other) < distance and not _clause_between(
                    source.text, min(at.end, other.end), max(at.start, other.start)
                ):
                    return f"the source gives {other.text} with “{at.surface}”, not {quantity.text}"
    return None


def _conversion(analysis: Analysis, a: Quantity, b: Quantity) -> bool:
    """Whether two numbers are one given in two units or as a range: only brackets and dashes between."""
    low, high = sorted((a, b), key=lambda q: q.start)
    between = analysis.text[low.end : high.start]
    return not between.strip(" ()–-") or (between.count("(") == 1 and len(between.split()) <= 2)


def _words_beside(analysis: Analysis, quantity: Quantity) -> list[int]:
    """The ordinary words right next to a number (three tokens either side)."""
    tokens = analysis.tokens
    inside = [t.index for t in tokens if quantity.start <= t.start < quantity.end]
    if not inside:
        return []
    around = [
        *range(max(0, inside[0] - 3), inside[0]),
        *range(inside[-1] + 1, min(len(tokens), inside[-1] + 4)),
    ]
    return [k for k in around if tokens[k].content and not tokens[k].name and not tokens[k].number]


def _distance(analysis: Analysis, start: int, end: int, quantity: Quantity) -> int:
    """Words between a span and a number."""
    low, high = (end, quantity.start) if end <= quantity.start else (quantity.end, start)
    return len(analysis.text[low:high].split())


def order_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """What comes before and after an order word keeps its side: "the sale was announced after the
    exercises" is wrong where "the exercises follow the announcement"."""
    for i, j in aligned.items():
        if not any(g == _ORDER_GROUP for g, _ in claim.tokens[i].sides):
            continue
        before = [aligned[k] for k in aligned if k < i and claim.tokens[k].content]
        after = [aligned[k] for k in aligned if k > i and claim.tokens[k].content]
        if before and after and all(b > j for b in before) and all(a < j for a in after):
            return f"the source has the order the other way round around “{source.tokens[j].surface}”"
    return None


_ORDER_GROUP = next(g for g, _ in OPPOSITES["after"])


_DETERMINING = frozenset("a an the this that these those its their his her our your my".split())
_COORDINATION = frozenset({"and", "or", "nor", "&"})


def _slot(analysis: Analysis, k: int) -> str | None:
    """The word that word ``k`` fills a place of: the one before it, determiners aside ("for testing",
    "reach unstable"); None at the start of a clause, after punctuation, or in a list ("X and Y")."""
    tokens = analysis.tokens
    j = k - 1
    while j >= 0 and tokens[j].lemma in _DETERMINING:
        j -= 1
    if j < 0 or any(c in analysis.text[tokens[j].end : tokens[k].start] for c in ",;:()—–\"'"):
        return None
    lemma = tokens[j].lemma
    return None if lemma in _COORDINATION else lemma


def slot_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """Two of the claim's words trade the places the source gives them: "packages uploaded for testing
    reach unstable" against "packages uploaded for unstable reach testing". Each word's place is the
    word before it; a word moved within a list, or to a clause of its own, keeps no place."""
    pairs = [(i, j) for i, j in aligned.items() if claim.tokens[i].content and not claim.tokens[i].number]
    for p, (a, a_src) in enumerate(pairs):
        for b, b_src in pairs[p + 1 :]:
            lemmas = {claim.tokens[a].lemma, claim.tokens[b].lemma}
            if len(lemmas) < 2 or source.tokens[a_src].lemma == source.tokens[b_src].lemma:
                continue
            mine = _slot(claim, a), _slot(claim, b)
            theirs = _slot(source, a_src), _slot(source, b_src)
            if None in mine or None in theirs or mine[0] == mine[1] or lemmas & {*mine}:
                continue
            if mine == (theirs[1], theirs[0]):
                words = claim.tokens[a].surface, claim.tokens[b].surface
                return f"{words[0]} and {words[1]} trade places (the source says {theirs[0]} {words[0]})"
    return None


_CLAUSE_WORDS = frozenset("that which who whom whose while whereas because although".split())


def _part(analysis: Analysis, verb: int, step: int) -> int | None:
    """The nearest content word before (``step`` -1) or after (+1) a verb in its clause, auxiliaries,
    adverbs and other verbs' particles aside: the verb's subject or its object."""
    tokens, k = analysis.tokens, verb + step
    while 0 <= k < len(tokens):
        near, far = sorted((tokens[k], tokens[k - step]), key=lambda t: t.start)
        if any(c in analysis.text[near.end : far.start] for c in ",;:()—–"):
            return None
        token = tokens[k]
        if token.lemma in _CLAUSE_WORDS or (step < 0 and token.lemma in ("by", "to", "for")):
            return None
        if step > 0 and not token.content and token.lemma not in _DETERMINING | {"by"}:
            following = tokens[k + 1] if k + 1 < len(tokens) else None
            if following is None or not (following.lemma in _DETERMINING or following.name):
                return None  # "forbidden to enter": no object; "offered to the school": one
        if token.content and not token.number and not _adverb(token):
            if analysis.verb_like(k):
                return None
            while step > 0 and k + 1 < len(tokens) and _noun_goes_on(analysis, k + 1):
                k += 1
            return k
        k += step
    return None


_STILL = _ADVERBS | frozenset("yet now again even ever".split())


def _adverb(token: Token) -> bool:
    surface = token.surface.lower()
    return surface.endswith("ly") or token.lemma in _AUXILIARIES | _STILL or surface in _AUXILIARIES


def _noun_goes_on(analysis: Analysis, k: int) -> bool:
    """Whether word ``k`` continues the noun before it ("climbing frame"): content, no verb, no adverb,
    nothing between them."""
    token, previous = analysis.tokens[k], analysis.tokens[k - 1]
    joined = analysis.text[previous.end : token.start].strip() in ("", "-")
    if not joined or not token.content or token.number or token.name or token.lemma in _QUANTIFIERS:
        return False
    return not _adverb(token) and not analysis.verb_like(k)


_QUANTIFIERS = frozenset("every each all some any no last next first other".split())


def _doers(analysis: Analysis, verb: int) -> dict[int, bool]:
    """Word → whether it does what the verb says (True) or has it done to it (False): before an active
    verb the doer, after it the object; before a passive one (a form of "be" before it) the object,
    after "by" the doer."""
    before_verb = [t for t in analysis.tokens[max(0, verb - 3) : verb] if t.lemma not in _STILL]
    after_verb = [t for t in analysis.tokens[verb + 1 : verb + 4] if t.lemma not in _STILL | _DETERMINING]
    passive = (bool(before_verb) and before_verb[-1].lemma in BE) or (
        len(after_verb) > 1 and after_verb[0].lemma == "by" and not after_verb[1].number
    )  # "a library written by A.M. Kuchling", not "fell by 120 m"
    found: dict[int, bool] = {}
    before, after = _part(analysis, verb, -1), _part(analysis, verb, +1)
    direct = (
        after is not None
        and all(  # no preposition between the verb and its object
            t.lemma in _DETERMINING or t.content for t in analysis.tokens[verb + 1 : after]
        )
    )
    if not passive and not direct and not _relative_subject(analysis, before):
        return found  # "the army forbidden to enter", "pairs allocated in the range": passives without "be"
    if before is not None:
        found[before] = not passive
    if after is not None:
        by = any(t.lemma == "by" for t in analysis.tokens[verb + 1 : after])
        found[after] = passive and by
    return found


def _relative_subject(analysis: Analysis, subject: int | None) -> bool:
    """Whether a word opens a relative clause as its subject ("the grant that the town council
    awarded"): then the verb after it is active, its object the noun the clause is about."""
    if subject is None:
        return False
    k = subject - 1
    while k >= 0 and analysis.tokens[k].lemma not in _RELATIVES:
        if not (analysis.tokens[k].lemma in _DETERMINING or _noun_goes_on(analysis, k + 1)):
            return False
        k -= 1
    return k >= 0


_RELATIVES = frozenset("that which whom".split())


def doer_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """For a verb both share, a word the claim makes its doer must not be what the source has it done
    to, nor the other way round: "the school will offer the council its frame" against "the frame will
    be offered to the school"; "the committee elects the members" against "a committee elected by the
    members". Names and ordinary words alike; the voice of each verb taken into account."""
    for i, j in aligned.items():
        said = claim.tokens[i]
        if not source.verb_like(j):
            continue
        if not (claim.verb_like(i) or (said.lemma == source.tokens[j].lemma and said.surface != said.lemma)):
            continue  # "the committee elects": a present verb after an ordinary noun, as the source's verb
        if sum(t.lemma == source.tokens[j].lemma for t in source.tokens) > 1:
            continue  # "took her with him … after Takaichi took office": which one the claim means is open
        theirs = _doers(source, j)
        for word, does in _doers(claim, i).items():
            k = aligned.get(word)
            if k is not None and k in theirs and theirs[k] != does:
                role = "the doer" if theirs[k] else "the object"
                return f"{source.tokens[k].surface} is {role} of “{source.tokens[j].surface}” in the source"
    return None
