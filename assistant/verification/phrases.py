"""What a name or a phrase is said of: a name keeps its neighbours ("exercises off Taiwan", not "off
Japan"), a word its preposition's name ("sold to Burgundy"), a definition its start, and two words
their places ("packages uploaded for testing reach unstable")."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

from .analysis import Analysis, Token, is_time
from .lexicon import BE, DETERMINING, FRAME_VERBS
from .names import Alignment, Group, clause_between, group, same_group, same_place

PLACE_REACH = (
    4  # items (names whole, other words one by one) around a name where its claim neighbour may stand
)


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
    not across a comma or a verb of saying) within ``reach`` items of it in the source. Paraphrases
    can move words further, so a miss only counts against the claim."""
    mine = _items(claim)
    theirs = _items(source)
    position_of = _positions(source, theirs)
    aside = _parenthesised(source)
    # the same, with what the source says in parentheses left out: "The Rhine (Romansh: Rein, …) is a
    # European river that begins …" keeps "Rhine" by "begins" (for words outside parentheses only)
    outside = _positions(source, [(g, ix) for g, ix in theirs if ix[0] not in aside])
    for position, (item, indices) in enumerate(mine):
        first = claim.tokens[indices[0]]
        if not first.name or not all(i in aligned for i in indices):
            continue
        neighbours = [mine[p] for p in (position - 1, position + 1) if 0 <= p < len(mine)]
        neighbours = [
            (g, ix)
            for g, ix in neighbours
            if all(i in aligned for i in ix) and not _attribution_between(claim, first, claim.tokens[ix[0]])
        ]
        if not neighbours:
            continue
        homes = {p for p, (g, _) in enumerate(theirs) if same_group(g, item)} | {
            position_of[aligned[indices[0]]]
        }
        near = {q for p in homes for q in range(p - reach, p + reach + 1)}
        if any(position_of.get(aligned[ix[0]]) in near for _, ix in neighbours):
            continue
        home = aligned[indices[0]]
        if home not in aside and any(
            aligned[ix[0]] not in aside and abs(outside[aligned[ix[0]]] - outside[home]) <= reach
            for _, ix in neighbours
        ):
            continue
        return f"{first.surface} is not said of what the claim says"
    return None


def _positions(source: Analysis, items: list[tuple[Group, tuple[int, ...]]]) -> dict[int, int]:
    """Each source word's place among ``items``; a word that is no item (a pronoun) sits where the next
    item is."""
    position_of: dict[int, int] = {}
    for p, (_, ix) in enumerate(items):
        for i in ix:
            position_of[i] = p
    starts = [ix[0] for _, ix in items]
    for k in range(len(source.tokens)):
        position_of.setdefault(k, bisect_right(starts, k))
    return position_of


def _parenthesised(analysis: Analysis) -> frozenset[int]:
    """The words inside parentheses: an aside, which does not part a word from its neighbours."""
    inside, depth, at = set(), 0, 0
    for token in analysis.tokens:
        between = analysis.text[at : token.start]
        depth = max(0, depth + between.count("(") - between.count(")"))
        if depth:
            inside.add(token.index)
        at = token.end
    return frozenset(inside)


def _attribution_between(claim: Analysis, a: Token, b: Token) -> bool:
    """Whether a comma or a verb of saying stands between two words: "the ministry says Trump invited"
    tells who said it, and the source may give that anywhere ("…, according to the ministry")."""
    low, high = sorted((a, b), key=lambda t: t.start)
    return "," in claim.text[low.start : high.end] or any(
        t.lemma in FRAME_VERBS and not t.name for t in claim.tokens[low.index + 1 : high.index]
    )


_NOT_ADVERBS = ("mily", "pply", "mbly", "maly", "poly", "fly")  # "family", "supply", "assembly" …


def adverb(token: Token) -> bool:
    """An adverb in -ly ("fundamentally", "sharply"): it moves freely in a sentence, so it is nobody's
    neighbour."""
    word = token.surface.lower()
    return not token.name and len(word) >= 6 and word.endswith("ly") and not word.endswith(_NOT_ADVERBS)


def _items(analysis: Analysis) -> list[tuple[Group, tuple[int, ...]]]:
    """Content words one by one (adverbs in -ly aside), names whole: (group, token indices)."""
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
        if token.content and not adverb(token):
            items.append(((token.lemma,), (k,)))
        k += 1
    return items


def _source_item(source: Analysis, aligned: Alignment, g: Group, indices: tuple[int, ...]) -> Group:
    """A claim neighbour as the source writes it."""
    at = aligned[indices[0]]
    return group(source, at) if source.tokens[at].name else (source.tokens[at].lemma,)


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


_OBJECT_PREPOSITIONS = frozenset("for by with as behind above below beneath beside".split())


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
    a work which combines Covered Code … with code not governed by the terms of this License". Before
    "to" it intends, not defines ("Nettle is meant to fit almost anywhere")."""
    for token in claim.tokens:
        intends = token.index + 1 < len(claim.tokens) and claim.tokens[token.index + 1].lemma == "to"
        if token.lemma in _DEFINING and token.index not in aligned and not intends:
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


def subject_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """ "A is B": when the source says "B is C", the claim's A must be C, not a thing the source does
    not name at all ("Heavy industry is the dominant economic sector in the Middle Rhine area" where
    "the dominant economic sectors in the Middle Rhine area are viniculture and tourism")."""
    tokens = claim.tokens
    be = next((t.index for t in tokens if t.lemma in BE), None)
    if be is None:
        return None
    subject = [t for t in tokens[:be] if t.content]
    if not subject or any(t.index in aligned or t.number for t in subject):
        return None
    said = [aligned[t.index] for t in tokens[be + 1 :] if t.content and t.index in aligned]
    if not said:
        return None
    for copula in (t for t in source.tokens if t.lemma in BE and t.index > max(said)):
        if min(said) < _clause_start(source, copula.index):
            continue
        complement = []
        for t in source.tokens[copula.index + 1 :]:
            if clause_between(source.text, source.tokens[t.index - 1].end, t.start):
                break
            if t.content:
                complement.append(t)
        if complement and not any(t.index in aligned.values() for t in complement):
            before = source.tokens[copula.index - 1].surface
            return f"the source says {before} {copula.surface} {complement[0].surface}"
    return None


def _clause_start(analysis: Analysis, k: int) -> int:
    """The first word of the clause word ``k`` stands in."""
    tokens = analysis.tokens
    while k > 0 and not clause_between(analysis.text, tokens[k - 1].end, tokens[k].start):
        k -= 1
    return k


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
        t.lemma == lemma and not clause_between(analysis.text, t.end, tokens[k].start) for t in tokens[:k]
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
            and not clause_between(analysis.text, token.end, tokens[n].start)
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


_COORDINATION = frozenset({"and", "or", "nor", "&"})


def _slot(analysis: Analysis, k: int) -> str | None:
    """The word that word ``k`` fills a place of: the one before it, determiners aside ("for testing",
    "reach unstable"); None at the start of a clause, after punctuation, or in a list ("X and Y")."""
    tokens = analysis.tokens
    j = k - 1
    while j >= 0 and tokens[j].lemma in DETERMINING:
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


def modifier_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """A noun keeps the name that modifies it: "a gpg-agent emulation" is not the source's "ssh-agent
    emulation" when gpg-agent stands elsewhere in it. Only where each side has a name in the noun's
    compound, and neither's is in the other's compound ("Rhine–Meuse delta" holds "Rhine delta")."""
    for i, j in aligned.items():
        if not (_plain_noun(claim, i) and _plain_noun(source, j)):
            continue
        mine, theirs = _compound_names(claim, i), _compound_names(source, j)
        if not mine or not theirs or any(same_group(a, b) for a in mine for b in theirs):
            continue
        elsewhere = [group(source, k) for k, t in enumerate(source.tokens) if t.name]
        if any(same_group(a, b) for a in mine for b in elsewhere):
            return f"the source's {source.tokens[j].surface} is {' '.join(theirs[0])}'s"
    return None


def _plain_noun(analysis: Analysis, k: int) -> bool:
    """A common noun by its form: no name, number, time word, verb or adverb in -ly."""
    token = analysis.tokens[k]
    return (
        token.content
        and not (token.name or token.number or is_time(token))
        and not analysis.verb_like(k)
        and not token.surface.lower().endswith("ly")
    )


def _compound_names(analysis: Analysis, k: int) -> list[Group]:
    """The names in the compound that ends at word ``k`` ("gpg-agent emulation", "Rhine–Meuse
    delta"): the words right before it, joined by spaces, hyphens or dashes, up to three, each a
    name or a common noun."""
    tokens, found = analysis.tokens, []
    for m in range(k - 1, max(-1, k - 4), -1):
        gap = analysis.text[tokens[m].end : tokens[m + 1].start]
        if gap not in (" ", "-", "–", "—") or not (tokens[m].name or _plain_noun(analysis, m)):
            break
        if tokens[m].name and not is_time(tokens[m]):
            found.append(group(analysis, m))
    return found


def apposition_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """What a name is renamed as stays with it: "the head gardener, Maria Lopez" is not "the head
    gardener, Ben Hall" when the source names Ben Hall otherwise."""
    theirs = _appositions(source)
    for noun, name in _appositions(claim):
        others = [g for n, g in theirs if n == noun]
        named = [group(source, k) for k, t in enumerate(source.tokens) if t.name]
        if (
            others
            and not any(same_group(name, g) for g in others)
            and any(same_group(name, g) for g in named)
        ):
            return f"the source's {noun} is {' '.join(others[0])}"
    return None


def _appositions(analysis: Analysis) -> list[tuple[str, Group]]:
    """(noun, name) for "the head gardener, Maria Lopez" and "Maria Lopez, the head gardener"."""
    tokens, text, found = analysis.tokens, analysis.text, []
    for k, token in enumerate(tokens[:-1]):
        after = tokens[k + 1]
        if text[token.end : after.start].strip() != ",":
            continue
        if _plain_noun(analysis, k) and after.name:
            found.append((token.lemma, group(analysis, k + 1)))
        elif token.name and after.lemma in ("the", "a", "an", "its", "their"):
            for m in range(k + 2, min(k + 6, len(tokens))):
                end = tokens[m + 1].start if m + 1 < len(tokens) else len(text)
                if not _plain_noun(analysis, m):
                    break
                if m + 1 == len(tokens) or text[tokens[m].end : end].strip()[:1] in (",", ".", ";"):
                    found.append((tokens[m].lemma, group(analysis, k)))
                    break
    return found
