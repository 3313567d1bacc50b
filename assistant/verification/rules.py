"""A claim against one piece of source text (a sentence, or two adjacent ones): what the rules can
tell without a model.

Each claim word is aligned to a word of the source: the same lemma, or — for ordinary words — a near
synonym by word embedding. Names, numbers, dates, negation and opposites ("east"/"west") must match
exactly; a number must have the same value and bound; who did what to whom must not be swapped (the
names on either side of a shared verb, with passive voice taken into account); each name and number
must keep its own neighbours ("40 km long" is not "300 km long"). What breaks a rule is a conflict;
what the source lacks is counted, and the caller decides with the embeddings' closeness.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..text import same_term
from .analysis import Analysis, Referents, Token, analyse, is_framing, is_pronoun, is_time
from .anchors import (
    number_word_conflict,
    opposite_conflict,
    order_conflict,
    owner_conflict,
    possessor_conflict,
    quantity_conflict,
)
from .clauses import crossed_clauses, crossed_words
from .doers import (
    comparison_conflict,
    doer_conflict,
    infinitive_conflict,
    role_conflict,
    speaker_conflict,
    subject_differs,
)
from .lexicon import (
    BE,
    COMPASS,
    FRAME_VERBS,
    HEDGES,
    LIGHT_VERBS,
    NUMBER_NOUNS,
    PLACING,
    RATE_UNITS,
    SUBJECT_PRONOUNS,
    UNIT_WORDS,
)
from .names import canonical, group
from .phrases import (
    apposition_conflict,
    definition_conflict,
    modifier_conflict,
    object_conflict,
    place_conflict,
    place_doubt,
    preposition_conflict,
    slot_conflict,
    subject_conflict,
    swapped_attachment,
)
from .quantities import Quantity, range_partners, same, same_durations, same_value, unstated
from .sides import swapped_sides
from .verbs import kin, opposed
from .wording import event_doubt, restated

Similarity = Callable[[str, str], float]
UNLIKE = 0.3  # MiniLM cosine of two single words below which they are not even loosely alike
WORD_SIMILAR = 0.5  # MiniLM cosine of two single words above which an ordinary word may stand for another
PLACE_REACH = 4  # items around a name or number in the source where one of its claim neighbours must stand
BINDING_REACH = 3  # words on each side that bind a name or number to what it is said of
_DEMONYM_ENDINGS = frozenset({"", "a", "y", "e", "ese", "an", "ian", "n", "ish", "i"})


@dataclass
class Assessment:
    """What the rules found: conflicts settle a claim as unsupported by this text; the rest is counted."""

    conflicts: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # names, numbers and dates the text lacks
    novel: list[str] = field(default_factory=list)  # ordinary words the text does not use
    novel_verbs: list[str] = field(default_factory=list)  # of those, the ones that say what happens
    synonyms: list[tuple[str, str]] = field(default_factory=list)
    aligned: dict[int, int] = field(default_factory=dict)  # claim token → source token
    evidence: list[str] = field(default_factory=list)  # the stretch of source text the claim's words cover
    doubts: list[str] = field(default_factory=list)  # names or numbers far from their claim neighbours
    merged: bool = False  # checked part by part against several sentences
    subject_differs: bool = False  # the source names another doer right before a shared verb
    words: int = 0  # the claim's words that count
    untold: list[str] = field(default_factory=list)  # names the source leaves to its document's name
    unlike: int = 0  # novel words with no source word even loosely like them (cosine below UNLIKE)
    kin_verbs: list[tuple[str, str]] = field(default_factory=list)  # (claim verb, source verb), WordNet kin
    crossed: bool = False  # a verb the source does not say, its sides the other way round: never settled
    denied: bool = False  # the source negates a word the claim says positively

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.missing

    @property
    def novel_share(self) -> float:
        return len(self.novel) / max(self.words, 1)


def assess(
    claim: Analysis,
    source: Analysis,
    context: Referents,
    names: frozenset[str],
    similar: Similarity,
    given: frozenset[str] = frozenset(),
) -> Assessment:
    """``context``: the names of the sentence before ``source``, which its pronouns may stand for;
    ``names``: the words the sources write as names, by which a claim's first word is told to be one;
    ``given``: the words of the document's title, which every sentence of it is about ("zlib" in the
    zlib FAQ's "Versions 1.1.3 and before were subject to a double-free vulnerability")."""
    found = Assessment()
    licensed = _licensed(source.text)
    said_otherwise = restated(claim, source) | _durations(claim, source)
    bounds = [(q.start, q.end) for q in claim.quantities if q.bound]
    for token in claim.tokens:
        if not token.content or is_framing(token) or token.lemma in licensed:
            continue
        if token.index in said_otherwise:  # "extended the invitation" for "invited"
            verb = said_otherwise[token.index]
            if verb is not None:
                found.words += 1
                found.aligned[token.index] = verb
            continue
        if not token.number and any(a <= token.start < b for a, b in bounds):
            continue  # "no more than 25": the bound is compared with the number
        if token.lemma in FRAME_VERBS and not token.name:  # "the United States" says nothing
            _align_saying(claim, source, token, found)
            continue
        found.words += 1
        if token.number or token.lemma in NUMBER_NOUNS:
            _align_number(claim, source, token, found)
        elif _is_name(token, names):
            _align_name(claim, source, token, context, found, given)
        elif is_time(token):
            _align_exactly(source, token, found)
        elif token.sides:
            _align_opposable(claim, source, token, found)
        else:
            _align_word(claim, source, token, similar, found)
    _settle(claim, source, found.aligned)
    kin_at = _align_kin_verbs(claim, source, similar, found)
    _check_novel_verb_sides(claim, source, found)
    event = event_doubt(claim, source, found.aligned, found.novel_verbs)
    if event:  # "reversed the decision" for "decided": left to a model, never settled by closeness
        found.doubts.append(event)
        found.crossed = True
    if found.untold and not _subject_said(source, found.aligned):
        found.missing.extend(found.untold)
    if found.aligned:
        first, last = min(found.aligned.values()), max(found.aligned.values())
        found.evidence.append(source.text[source.tokens[first].start : source.tokens[last].end])
    _check_numbers(claim, source, found)
    _check_literals(claim, source, found)
    _check_directions(claim, source, found)
    _check_negation(claim, source, found)
    _check_hedges_and_causes(claim, source, found)
    _check_relations(claim, source, context, found, kin_at)
    return found


def _durations(claim: Analysis, source: Analysis) -> dict[int, int | None]:
    """The number and unit words of a length of time the source gives in another unit ("20 years" for
    "two decades"), each with its source counterpart."""
    found: dict[int, int | None] = {}
    for mine, theirs, (a, b), (c, _) in same_durations(
        claim.text, claim.quantities, source.text, source.quantities
    ):
        number = next(t.index for t in source.tokens if t.start >= theirs.start)
        unit = next(t.index for t in source.tokens if t.start >= c)
        for token in claim.tokens:
            if mine.start <= token.start < mine.end:
                found[token.index] = number
            elif a <= token.start < b:
                found[token.index] = unit
    return found


def _align_saying(claim: Analysis, source: Analysis, token: Token, found: Assessment) -> None:
    """A verb of saying matches any of the source's; it counts only when it names who says it."""
    match = next((t.index for t in source.tokens if t.lemma in FRAME_VERBS and not t.name), None)
    if match is not None:
        found.aligned[token.index] = match
    elif _attributed(claim, token):
        found.words += 1
        found.novel.append(token.surface)
        found.novel_verbs.append(token.surface)


def _align_number(claim: Analysis, source: Analysis, token: Token, found: Assessment) -> None:
    """A digit inside a quantity is compared as a value by _check_numbers; a lone number word exactly."""
    quantity = next((q for q in claim.quantities if q.start <= token.start < q.end), None)
    if quantity is None:
        _align_exactly(source, token, found)
        return
    stated = next((q for q in source.quantities if same(quantity, q)), None)
    at = next((t.index for t in source.tokens if stated and t.start >= stated.start), None)
    if at is not None:
        found.aligned[token.index] = at


def _align_exactly(source: Analysis, token: Token, found: Assessment) -> None:
    match = _find(token, source, exact=True)
    if match is None:
        found.missing.append(token.surface)
    else:
        found.aligned[token.index] = match


def _pair_of_names(source: Analysis) -> int | None:
    """The first of two names joined by "and" ("Takaichi and Trump"), if the source has such a pair."""
    tokens = source.tokens
    for k in range(len(tokens) - 2):
        if tokens[k].name and tokens[k + 1].lemma == "and" and tokens[k + 2].name:
            return k
    return None


def _align_name(
    claim: Analysis,
    source: Analysis,
    token: Token,
    context: Referents,
    found: Assessment,
    given: frozenset[str] = frozenset(),
) -> None:
    """The same name, or a pronoun that stands for it: "he" for the previous sentence's subject,
    "its" or "her" for any of its names (unless the claim makes the name a subject), "the latter"
    for its last."""
    match = _find_name(token, source, claim.lemmas)
    if match is None:
        match = _spelled_out(token, source)
    if match is None and _name_in(token.lemma, frozenset(context.subject)):
        match = next((t.index for t in source.tokens if t.surface.lower() in SUBJECT_PRONOUNS), None)
    if match is None and _name_in(token.lemma, frozenset(context.agent)):  # "… was given by X. He …"
        match = next((t.index for t in source.tokens if t.surface.lower() in _PERSONAL), None)
    if match is None and _name_in(token.lemma, context.named) and not _subject_of(claim, token):
        match = next(
            (t.index for t in source.tokens if is_pronoun(t) and t.surface.lower() not in SUBJECT_PRONOUNS),
            None,
        )
    if match is None and _name_in(token.lemma, context.last):
        match = next((t.index for t in source.tokens if t.lemma == "latter"), None)
    if match is None and token.lemma in given and _unnamed(claim, token, source):
        found.untold.append(token.surface)  # the document's subject, named by its file name
    elif match is None:
        found.missing.append(token.surface)
    else:
        found.aligned[token.index] = match


_PERSONAL = frozenset("he she".split())


def _align_opposable(claim: Analysis, source: Analysis, token: Token, found: Assessment) -> None:
    match, opposed = _opposite(token, source)
    if match is not None:
        found.aligned[token.index] = match
    elif opposed is not None:
        found.conflicts.append(f"it says {token.surface}, the source says {opposed}")
    elif any(g in COMPASS for g, _ in token.sides):
        found.missing.append(token.surface)  # "from the north": a direction is a fact, like a date
    else:
        found.novel.append(token.surface)
        if claim.verb_like(token.index):
            found.novel_verbs.append(token.surface)


def _align_word(
    claim: Analysis, source: Analysis, token: Token, similar: Similarity, found: Assessment
) -> None:
    """An ordinary word: the same lemma, the same stem, or a near synonym."""
    match = _find(token, source, exact=False, said=claim.lemmas)
    if match is None:
        match = _synonym(token, source, similar)
        if match is not None:
            found.synonyms.append((token.surface, source.tokens[match].surface))
    if match is not None:
        found.aligned[token.index] = match
        return
    found.novel.append(token.surface)
    if claim.verb_like(token.index) and token.lemma not in LIGHT_VERBS:
        found.novel_verbs.append(token.surface)
    if _nearest(token, source, similar)[1] < UNLIKE:
        found.unlike += 1


def _align_kin_verbs(
    claim: Analysis, source: Analysis, similar: Similarity, found: Assessment
) -> frozenset[int]:
    """A novel verb the source says in other words: a source verb WordNet relates to it ("supplies" for
    "provides", "shrank" for "decreased") within the stretch the claim's other words cover. It is
    aligned like a shared verb, so that who does what to whom is checked around it. A verb WordNet
    calls the opposite of the source's there ("lose" for "keep"), whether novel or taken for a near
    synonym ("sold" for "bought"), is a conflict when the words on its sides keep their sides; with
    them the other way round it may be the converse ("Eastham sold the mill to the council" for "the
    council bought the mill from Eastham") or a swap: the claim is left to a model (``crossed``). The
    claim words aligned by kinship whose aligned neighbours stand on the same sides in the source are
    returned: their place is settled."""
    settled: set[int] = set()
    if not found.aligned:
        return frozenset()
    low, high = min(found.aligned.values()), max(found.aligned.values())
    verbs = [t for t in source.tokens if _verbal(source, t.index) and t.lemma not in FRAME_VERBS]
    for claim_word, _ in list(found.synonyms):
        i = next(
            (t.index for t in claim.tokens if t.surface == claim_word and t.index in found.aligned), None
        )
        if (
            i is None
            or not claim.verb_like(i)
            or not opposed(claim.tokens[i].lemma, source.tokens[found.aligned[i]].lemma)
        ):
            continue
        j = found.aligned.pop(i)
        found.synonyms = [pair for pair in found.synonyms if pair[0] != claim_word]
        found.novel.append(claim_word)
        found.novel_verbs.append(claim_word)
        if _keeps_sides(claim, i, j, found.aligned):
            found.conflicts.append(f"it says {claim_word}, the source says {source.tokens[j].surface}")
        else:
            found.crossed = True  # a converse, or a swap: the rules cannot tell
    for token in claim.tokens:
        light = token.lemma in LIGHT_VERBS and token.surface in found.novel and claim.verb_like(token.index)
        if (token.surface not in found.novel_verbs and not light) or token.index in found.aligned:
            continue
        if token.lemma in FRAME_VERBS:
            continue  # who says it is compared by _align_saying; "was told" is no "said"
        # where the verb may stand: between its neighbours' source words, or in the stretch the claim covers
        near = [
            t
            for t in verbs
            if _keeps_sides(claim, token.index, t.index, found.aligned) or low <= t.index <= high
        ]
        related = [] if token.sides else [t.index for t in near if kin(token.lemma, t.lemma)]
        between = [j for j in related if _keeps_sides(claim, token.index, j, found.aligned)]
        # a kin verb in its place says the claim's verb; an opposite elsewhere is about something else
        contrary = None if between else next((t for t in near if opposed(token.lemma, t.lemma)), None)
        if contrary is not None:
            if _keeps_sides(claim, token.index, contrary.index, found.aligned):
                found.conflicts.append(f"it says {token.surface}, the source says {contrary.surface}")
            else:
                found.crossed = True  # a converse, or a swap: the rules cannot tell
            continue
        if not related:
            continue  # (an opposable word, "win" or "lose", keeps its own group)
        match = (between or related)[0]
        found.aligned[token.index] = match
        found.novel.remove(token.surface)
        if token.surface in found.novel_verbs:
            found.novel_verbs.remove(token.surface)
        if _nearest(token, source, similar)[1] < UNLIKE:
            found.unlike -= 1
        found.kin_verbs.append((token.surface, source.tokens[match].surface))
        if between and _sides(claim, token.index, found.aligned).count(None) == 0:
            settled.add(token.index)
    return frozenset(settled)


def _sides(claim: Analysis, verb: int, aligned: dict[int, int]) -> list[int | None]:
    """The source words of the claim words nearest a verb on its left and on its right (None if none)."""
    left = next((aligned[i] for i in range(verb - 1, -1, -1) if i in aligned), None)
    right = next((aligned[i] for i in range(verb + 1, len(claim.tokens)) if i in aligned), None)
    return [left, right]


def _keeps_sides(claim: Analysis, verb: int, j: int, aligned: dict[int, int]) -> bool:
    """Whether source word ``j`` stands between the source words of the claim verb's neighbours."""
    left, right = _sides(claim, verb, aligned)
    return (left is None or left < j) and (right is None or j < right)


def _check_novel_verb_sides(claim: Analysis, source: Analysis, found: Assessment) -> None:
    """A verb the source does not say, between two words it does, in the other order round a verb of
    the source's, both voices active: "The city museum supports the Hartley Foundation" for "The
    Hartley Foundation funds the city museum". Who does what to whom may be swapped, or the verb may be
    the other's converse ("paid a fine to the tribunal" for "the tribunal fined"): the rules cannot
    tell, so no closeness settles the claim (a model may judge it)."""
    for token in claim.tokens:
        if (
            token.surface not in found.novel_verbs
            or token.index in found.aligned
            or claim.passive(token.index)
        ):
            continue
        left = _side(claim, token.index, -1, found.aligned)
        right = _side(claim, token.index, +1, found.aligned)
        if left is None or right is None or found.aligned[left] < found.aligned[right]:
            continue
        low, high = found.aligned[right], found.aligned[left]
        if any(_verbal(source, k) and not source.passive(k) for k in range(low + 1, high)):
            found.doubts.append(
                f"{claim.tokens[left].surface} and {claim.tokens[right].surface} stand the other way round"
                f" “{token.surface}” in the source"
            )
            found.crossed = True
            return


def _side(claim: Analysis, verb: int, step: int, aligned: dict[int, int]) -> int | None:
    """The verb's nearest word on one side that the source says, in its clause."""
    k = verb + step
    while 0 <= k < len(claim.tokens):
        near, far = sorted((claim.tokens[k], claim.tokens[k - step]), key=lambda t: t.start)
        if any(c in claim.text[near.end : far.start] for c in ",;:()—–"):
            return None
        if k in aligned and claim.tokens[k].content and not claim.tokens[k].number:
            return k
        k += step
    return None


def _verbal(analysis: Analysis, k: int) -> bool:
    """Whether word ``k`` reads as a verb: ``verb_like``, or an inflected form after no determiner ("and
    provides more", where "the Rhine's water" is a noun and "a separate statement" an adjective)."""
    token = analysis.tokens[k]
    if not token.content or token.name or token.number:
        return False
    if analysis.verb_like(k):
        return True
    before = analysis.tokens[k - 1].surface.lower() if k else ""
    return token.surface.lower() != token.lemma and before not in _DETERMINERS and not before.endswith("'s")


_DETERMINERS = frozenset("the a an its their his her our your my this these that those each every".split())


def _unnamed(claim: Analysis, token: Token, source: Analysis) -> bool:
    """Whether no other word of the claim's name ("man" of "man-db") is in the source."""
    whole = group(claim, token.index)
    return not any(_find_name(t, source) is not None for t in claim.tokens if t.name and t.lemma in whole)


def _subject_said(source: Analysis, aligned: dict[int, int]) -> bool:
    """Whether every word before the source's first verb is one the claim says too: then the source's
    subject is the claim's, with its name left to the document ("Versions 1.1.3 and before were …",
    "This software is copyright …"), and not another thing ("The gzip format was designed …" for the
    zlib format). Hedges and opposable words aside ("former maintainer")."""
    tokens = source.tokens
    first_verb = next(
        (t.index for t in tokens if source.verb_like(t.index) or t.lemma in BE or t.lemma in _MODALS),
        len(tokens),
    )
    said = set(aligned.values())
    return all(
        t.index in said or not t.content or t.number or is_pronoun(t) or t.lemma in HEDGES or t.sides
        for t in tokens[:first_verb]
    )


_MODALS = frozenset("will would can could may might shall should must do does did have has had".split())


def _subject_of(claim: Analysis, token: Token) -> bool:
    """Whether a name stands right before its verb ("The Kromme Rijn flows"): then only "it" or "the
    latter" can stand for it in the source, not "its"."""
    k = token.index + 1
    while k < len(claim.tokens) and claim.tokens[k].name:
        k += 1
    return k < len(claim.tokens) and claim.verb_like(k)


def _settle(claim: Analysis, source: Analysis, aligned: dict[int, int]) -> None:
    """A word the source uses more than once is aligned to the use nearest the claim's neighbouring
    words ("Iberia pushed up the Pyrenees", not "were pushed laterally" earlier on)."""
    order = sorted(aligned)
    for position, i in enumerate(order):
        lemma = source.tokens[aligned[i]].lemma
        uses = [t.index for t in source.tokens if t.lemma == lemma]
        if len(uses) < 2:
            continue
        near = [aligned[order[p]] for p in (position - 1, position + 1) if 0 <= p < len(order)]
        near = [j for j in near if source.tokens[j].lemma != lemma]
        if near:
            aligned[i] = min(uses, key=lambda j: min(abs(j - n) for n in near))


def _attributed(claim: Analysis, token: Token) -> bool:
    """Whether a verb of saying has a named speaker: "Japan's foreign ministry said" does, "is
    described as" and "according to the article" do not."""
    before = claim.tokens[max(0, token.index - 4) : token.index]
    if before and before[-1].lemma in BE:
        return False
    return (
        any(t.name for t in before) and "," not in claim.text[before[0].start : token.start]
        if before
        else False
    )


# -- alignment -----------------------------------------------------------------------------------


def _is_name(token: Token, names: frozenset[str]) -> bool:
    """A capitalized word is a name, except at the start of a sentence when the sources do not write it
    as a name ("Most of …", "Per the ministry …")."""
    if not token.name:
        return False
    return token.term or not token.initial or _name_in(token.lemma, names)


def _same_name(a: str, b: str) -> bool:
    """Same name, or a country and its people ("Japan" / "Japanese", "China" / "Chinese")."""
    a, b = canonical(a), canonical(b)
    if a == b:
        return True
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    return common >= 4 and a[common:] in _DEMONYM_ENDINGS and b[common:] in _DEMONYM_ENDINGS


def _name_in(lemma: str, names: frozenset[str]) -> bool:
    return any(_same_name(lemma, other) for other in names)


def _spelled_out(token: Token, source: Analysis) -> int | None:
    """Where the source spells out an acronym of the claim: "GPL" for "General Public License",
    "LGPL" for "Lesser General Public License" (the first word of the run)."""
    letters = token.surface
    if not (2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()):
        return None
    tokens = source.tokens
    for k in range(len(tokens) - len(letters) + 1):
        run = tokens[k : k + len(letters)]
        if all(t.name and t.surface[:1].upper() == c for t, c in zip(run, letters, strict=True)):
            return k
    return None


def _find_name(token: Token, source: Analysis, said: frozenset[str] | None = None) -> int | None:
    """The same name in the source; given the lemmas the claim ``said``, not a part of a hyphenated name
    whose other parts the claim lacks."""
    same = _derived if token.term else _same_name
    return next(
        (
            t.index
            for t in source.tokens
            if same(token.lemma, t.lemma) and (said is None or _whole(source, t.index, said))
        ),
        None,
    )


def _derived(a: str, b: str) -> bool:
    """The same coined word in another form ("vendorizes", "vendorizing"): jargon the lemmatizer does not
    know, so its endings are compared here."""
    if _same_name(a, b):
        return True
    for ending in _DERIVATIONS:
        if a.endswith(ending) and len(a) - len(ending) >= 5:
            stem = a[: len(a) - len(ending)]
            if b.startswith(stem) and b[len(stem) :] in _DERIVATIONS:
                return True
    return False


_DERIVATIONS = ("izing", "ising", "ized", "ised", "izes", "ises", "ing", "ed", "es", "s", "e", "")


def _whole(source: Analysis, k: int, said: frozenset[str]) -> bool:
    """Whether the claim says every part of the hyphenated name word ``k`` belongs to ("man-db",
    "Upstream-Contact"), or word ``k`` is no part of one."""
    parts = _compound(source, k)
    return len(parts) == 1 or all(lemma in said for lemma in parts)


def _compound(analysis: Analysis, k: int) -> tuple[str, ...]:
    """The lemmas of the hyphenated name word ``k`` is part of ("man-db" → man, db), or its own."""
    tokens, text = analysis.tokens, analysis.text
    low, high = k, k
    while low > 0 and text[tokens[low - 1].end : tokens[low].start] == "-" and tokens[low - 1].name:
        low -= 1
    while (
        high + 1 < len(tokens)
        and text[tokens[high].end : tokens[high + 1].start] == "-"
        and tokens[high + 1].name
    ):
        high += 1
    return tuple(t.lemma for t in tokens[low : high + 1])


_NEGATING = frozenset("not no never cannot n't".split())


def _find(token: Token, source: Analysis, exact: bool, said: frozenset[str] | None = None) -> int | None:
    """The source's use of a claim word; given the lemmas the claim ``said``, not a part of a hyphenated
    name whose other parts the claim lacks ("man" is not the "man" of "man-db")."""

    def own(other: Token) -> bool:
        return said is None or _whole(source, other.index, said)

    for other in source.tokens:
        if (other.lemma == token.lemma or canonical(other.lemma) == canonical(token.lemma)) and own(other):
            return other.index
    if token.lemma in _NEGATING:  # "does not" for "doesn't"
        for other in source.tokens:
            if other.lemma in _NEGATING or other.surface.lower().replace("’", "'").endswith("n't"):
                return other.index
    if exact:
        return None
    for other in source.tokens:
        if (
            other.content
            and not other.number
            and same_term(token.lemma, [other.lemma])
            and not (other.sides or token.sides)
            and own(other)
        ):
            return other.index
    return None


def _synonym(token: Token, source: Analysis, similar: Similarity) -> int | None:
    best, score = _nearest(token, source, similar)
    return best if score >= WORD_SIMILAR else None


def _nearest(token: Token, source: Analysis, similar: Similarity) -> tuple[int | None, float]:
    """The ordinary source word most like the claim word, and how alike they are."""
    best, best_score = None, -1.0
    for other in source.tokens:
        if not other.content or other.number or other.name or other.sides:
            continue
        score = similar(token.lemma, other.lemma)
        if score >= best_score:
            best, best_score = other.index, score
    return best, best_score


def _opposite(token: Token, source: Analysis) -> tuple[int | None, str | None]:
    """The source word on the same side of the claim word's opposition, or the one on the other side."""
    sides = token.sides
    opposed = None
    for other in source.tokens:
        theirs = other.sides
        if not theirs:
            continue
        if sides & theirs:
            return other.index, None
        if {g for g, _ in sides} & {g for g, _ in theirs}:
            opposed = opposed or other.surface
    return None, opposed


def _licensed(text: str) -> frozenset[str]:
    """Words a claim may use to spell out a unit the source writes as a symbol ("$" → dollar), or to
    name what an address is ("Paul Ganssle <paul@ganssle.io>": his e-mail address)."""
    padded = f" {text} "
    spelled = {w for symbol, spelled in UNIT_WORDS.items() if symbol in padded for w in spelled.split()}
    if _MAIL.search(text):
        spelled |= {"e", "mail", "email", "address"}
    if _WEB.search(text):
        spelled |= {"website", "site", "web", "page", "url", "address"}
    return frozenset(spelled)


_MAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_WEB = re.compile(r"\b(?:https?://|www\.)\S+")


# -- checks --------------------------------------------------------------------------------------


def _check_numbers(claim: Analysis, source: Analysis, found: Assessment) -> None:
    """Each number of the claim is one the source states; "the two" may stand for two names joined;
    one end of a range is no value the source gives ("about 3 cm" for "about 1–3 cm")."""
    partners = range_partners(source.text, list(source.quantities))
    for quantity in claim.quantities:
        ends = [(q, partners[q]) for q in source.quantities if q in partners and same(quantity, q)]
        if ends and not any(same_value(ends[0][1].value, q.value) for q in claim.quantities):
            found.conflicts.append(
                f"{quantity.text} is one end of a range in the source (with {ends[0][1].text})"
            )
            return
    elsewhere = {
        mine for mine, *_ in same_durations(claim.text, claim.quantities, source.text, source.quantities)
    }
    for quantity in unstated(list(claim.quantities), list(source.quantities)):
        if quantity in elsewhere:
            continue  # "20 years" for "two decades"
        if any(same_value(quantity.value, q.value) for q in source.quantities):
            found.conflicts.append(f"{quantity.text}: the source gives another bound")
        elif (
            quantity.text.lower() == "two"
            and _pair_of_names(source) is not None
            and not _counted_otherwise(claim, source, quantity, found.aligned)
        ):
            continue
        elif any(c.isdigit() for c in quantity.text) or not any(
            t.start >= quantity.start and t.end <= quantity.end and t.name for t in claim.tokens
        ):  # a number word inside a name ("Ten Commandments") is the name's; "4K" is a number
            found.missing.append(quantity.text)


def _counted_otherwise(
    claim: Analysis, source: Analysis, quantity: Quantity, aligned: dict[int, int]
) -> bool:
    """Whether the thing a claim counts is counted by another number in the source ("two sets" where
    the source has "one set"): then "two" is no pair of names."""
    counted = next((t for t in claim.tokens if t.start > quantity.end), None)
    if counted is None or counted.index not in aligned:
        return False
    at = source.tokens[aligned[counted.index]]
    return any(0 <= at.start - q.end <= 2 for q in source.quantities)


_LITERAL = re.compile(r"(?<![\w/.])(?:~|\$\w+)?/[\w.+-]+(?:/[\w.+-]*)*|(?<![\w-])--?[a-zA-Z][\w-]*")


def _check_literals(claim: Analysis, source: Analysis, found: Assessment) -> None:
    """Paths and command-line options are names written as code, and quotations are quoted: each of the
    claim's must be in the source as written ("/usr/share/ca-certificates/" is not
    "/usr/local/share/ca-certificates/")."""
    theirs = {m.group().rstrip(".,;:") for m in _LITERAL.finditer(source.text)}
    for match in _LITERAL.finditer(claim.text):
        literal = match.group().rstrip(".,;:")
        if literal not in theirs and len(literal) > 2:
            found.missing.append(literal)
    # what the claim puts in quotes it quotes: the source's words as written ("a small pen for big texts")
    said = _plain(source.text)
    for match in _QUOTATION.finditer(claim.text):
        if _plain(match.group(1)) not in said:
            found.missing.append(match.group())


_QUOTATION = re.compile(r"[\"“]([^\"“”\n]+)[\"”]")


def _plain(text: str) -> str:
    """Text as a quotation is compared: case, quote marks, white space and closing stops aside."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", " ").replace("”", " ").replace('"', " ")
    return " ".join(text.lower().split()).strip(" .,;:!?")


def _check_directions(claim: Analysis, source: Analysis, found: Assessment) -> None:
    """ "from X to Y" must not be the source's "from Y to X"; "per year" must be the source's "per
    year", not "per century"."""
    mine, theirs = _after_words(claim, "from", "to"), _after_words(source, "from", "to")
    for start, end in mine:
        if (end, start) in theirs and (start, end) not in theirs:
            found.conflicts.append(f"the source says from {end} to {start}")
            return
    rates = {b for a, b in _after_words(source, "per")} | _licensed(source.text)
    for _, unit in _after_words(claim, "per"):
        if unit in RATE_UNITS and unit not in rates:
            found.missing.append(f"per {unit}")


def _after_words(analysis: Analysis, first: str, second: str | None = None) -> set[tuple[str, str]]:
    """For "from X to Y": the (X, Y) lemma pairs; for "per X" (``second`` None): ("per", X)."""
    tokens = analysis.tokens
    found = set()
    for k, token in enumerate(tokens):
        if token.lemma != first:
            continue
        start = next((t.lemma for t in tokens[k + 1 : k + 4] if t.content), None)
        if start is None:
            continue
        if second is None:
            found.add((first, start))
            continue
        for m in range(k + 2, min(k + 13, len(tokens))):
            if tokens[m].lemma == second:
                end = next((t.lemma for t in tokens[m + 1 : m + 4] if t.content), None)
                if end is not None:
                    found.add((start, end))
                break
    return found


def _check_negation(claim: Analysis, source: Analysis, found: Assessment) -> None:
    """A negative claim needs a source that negates one of its words; a positive claim fails when a
    word it relies on is negated in the source ("has not yet confirmed", "was not informed")."""
    negated_sources = {t.index for t in source.tokens if t.lemma in source.negated}
    claim_negated = {t.index for t in claim.tokens if t.lemma in claim.negated}
    if claim.negative:
        region = (
            (min(found.aligned.values()) - 3, max(found.aligned.values()) + 3) if found.aligned else (0, -1)
        )
        negations = {
            t.index for t in source.tokens if t.lemma in _NEGATING or t.surface.lower().endswith("n't")
        }
        ok = any(found.aligned.get(i) in negated_sources for i in claim_negated) or any(
            region[0] <= k <= region[1] for k in negated_sources | negations
        )
        if not ok:
            found.conflicts.append("the source does not say it negatively")
            return
        moved = _negation_moved(claim_negated, source, negated_sources, found.aligned)
        if moved is not None:
            found.conflicts.append(
                f"the source negates {source.tokens[moved].surface}, not what the claim does"
            )
            return
    claim_negations = [
        t.index for t in claim.tokens if t.lemma in _NEGATING or t.surface.lower().endswith("n't")
    ]
    for claim_index, source_index in found.aligned.items():
        if source_index in negated_sources and claim_index not in claim_negated:
            if any(0 < found.aligned.get(i, -1) - source_index <= 4 for i in claim_negated):
                continue  # the claim negates what follows: "needs no extra setup" for "doesn't need any"
            if any(0 < claim_index - k <= 3 for k in claim_negations) or _negated_place(
                claim, claim_index, claim_negations
            ):
                continue  # the claim negates it too, through another verb: "does not handle memory …"
            found.conflicts.append(f"the source says not {source.tokens[source_index].surface}")
            found.denied = _only_denied(source, source_index)
            return
    if claim.negative:
        return
    if found.novel and found.aligned:
        low, high = min(found.aligned.values()), max(found.aligned.values())
        denied = [k for k in negated_sources if low <= k <= high]
        if denied:
            found.conflicts.append(f"the source says not {source.tokens[denied[0]].surface}")
            found.denied = _only_denied(source, denied[0])


def _only_denied(source: Analysis, index: int) -> bool:
    """Whether the source denies word ``index`` and nowhere states it: no name ("not the Git list" sets
    a name apart), and no use of it as a verb without a negation right before ("copies public
    branches, but it does not copy tags" states "copies"; "Enabling X does not enable Y" states nothing)."""
    word = source.tokens[index]

    def stated(k: int) -> bool:
        before = source.tokens[max(0, k - 3) : k]
        negated = any(t.lemma in _NEGATING or t.surface.lower().endswith("n't") for t in before)
        return source.verb_like(k) and not negated

    return not word.name and not any(stated(t.index) for t in source.tokens if t.lemma == word.lemma)


def _negation_moved(
    claim_negated: set[int], source: Analysis, negated: set[int], aligned: dict[int, int]
) -> int | None:
    """Where the claim negates a word the source says positively in another clause than the one it
    negates ("does not run on Linux" for "does not support Windows, but it runs on Linux"): the source
    word negated."""
    said = [aligned[i] for i in claim_negated if i in aligned]
    if not said or any(j in negated for j in said) or not negated:
        return None
    text, tokens = source.text, source.tokens
    for k in sorted(negated):
        low, high = sorted((tokens[k], tokens[said[0]]), key=lambda t: t.start)
        if not _CLAUSE_SEAM.search(text[low.end : high.start]):
            return None
    return min(negated)


def _negated_place(claim: Analysis, k: int, negations: list[int]) -> bool:
    """Whether word ``k`` is the place a negated verb of its clause names: "are not stored on the smart
    card" (a negation, a verb, a preposition of place, then the place)."""
    for n in negations:
        between = claim.tokens[n + 1 : k]
        if (
            len(between) <= 5
            and any(t.lemma in PLACING for t in between)
            and not any(c in claim.text[claim.tokens[n].end : claim.tokens[k].start] for c in ",;:")
        ):
            return True
    return False


_CLAUSE_SEAM = re.compile(r"[,;:]\s*(?:but|while|whereas|although|though|yet)\b|;|\bbut\b")


def _check_hedges_and_causes(claim: Analysis, source: Analysis, found: Assessment) -> None:
    if found.aligned and source.hedged and not claim.hedged and not claim.negative:
        aligned = set(found.aligned.values())
        for k, token in enumerate(source.tokens):
            if token.lemma not in HEDGES or _hedge_kept(claim, token, found):
                continue
            governed = next(
                (
                    t
                    for t in source.tokens[k + 1 : k + 8]
                    if t.content
                    and t.index in aligned
                    and t.lemma not in _ADVERBS
                    and not _NEXT_CLAUSE.search(source.text, token.end, t.start)
                ),
                None,
            )
            if governed is not None:
                found.conflicts.append(f"the source says only that it {token.surface} {governed.surface}")
                return
    dropped = _dropped_condition(claim, source, found)
    if dropped:
        found.conflicts.append(dropped)
        return
    if claim.causes and not source.causes and not _REASON_CLAUSE.search(source.text):
        found.conflicts.append("the source gives no cause")


_NEXT_CLAUSE = re.compile(r"[,;]\s*(?:and|but|while|whereas|or)\b|;")  # a hedge holds in its own clause
# "…, as the Scheldt ends in the same delta": a clause of reason without a word of cause.
_REASON_CLAUSE = re.compile(r",\s+(?:as|since)\s+(?:the|a|an|it|they|he|she|this|these|its|their|[A-Z]\w+)\b")


def _dropped_condition(claim: Analysis, source: Analysis, found: Assessment) -> str | None:
    """ "If run as a non-root user, the tests use 'nobody'": a claim of the main clause alone ("the
    tests use 'nobody'") drops the condition, unless it keeps one of its own."""
    aligned = set(found.aligned.values())
    for token in source.tokens:
        if token.lemma not in ("if", "unless") or _hedge_kept(claim, token, found):
            continue
        comma = source.text.find(",", token.end)
        if comma < 0:
            continue
        inside = {t.index for t in source.tokens if token.end <= t.start < comma}
        after = {t.index for t in source.tokens if t.start > comma}
        if aligned & after and not aligned & inside:
            return f"the source says it only {token.surface.lower()} {source.text[token.end : comma].strip()}"
    return None


_ADVERBS = frozenset("probably possibly perhaps also even still already just only likely".split())
# "former maintainer" is kept by a claim in the past tense ("was the maintainer").
_PAST_HEDGES = frozenset("former formerly previously once originally initially".split())
_CONDITIONS = frozenset("if when whenever unless provided once".split())
_PERMISSIONS = frozenset("may can".split())
_ALLOWING = frozenset("allow permit entitle able free right option".split())
_RELATIVES = frozenset("that who which".split())


def _hedge_kept(claim: Analysis, hedge: Token, found: Assessment) -> bool:
    """Whether the claim keeps what a source's hedge says: the past for "former", a condition for
    "if" (its own "if" or "when", or a relative clause: "tests that run as root")."""
    if hedge.lemma in _PAST_HEDGES:
        return any(
            (t.lemma in BE and t.surface.lower() in ("was", "were")) or t.lemma == "use" for t in claim.tokens
        ) or any(claim.verb_like(t.index) and t.surface.lower().endswith("ed") for t in claim.tokens)
    if hedge.lemma in _PERMISSIONS:  # licence text: "You may charge a fee" is a permission
        return any(t.lemma in _PERMISSIONS or t.lemma in _ALLOWING for t in claim.tokens)
    if hedge.lemma in ("if", "unless"):
        return any(t.lemma in _CONDITIONS for t in claim.tokens) or any(
            t.lemma in _RELATIVES and t.index + 1 in found.aligned for t in claim.tokens
        )
    return False


def _check_relations(
    claim: Analysis, source: Analysis, context: Referents, found: Assessment, kin_at: frozenset[int]
) -> None:
    """Roles (``doers``), what names and phrases are said of (``phrases``), and what numbers and
    opposites are said of (``anchors``). A verb aligned by WordNet (``kin_at``) has had its sides
    checked; it is no neighbour a name must keep (the doubt is for words the source says itself)."""
    for conflict in (
        role_conflict(claim, source, found.aligned, context.subject),
        order_conflict(claim, source, found.aligned),
        place_conflict(claim, source, found.aligned),
        quantity_conflict(claim, source),
        opposite_conflict(claim, source, found.aligned),
        owner_conflict(claim, source, found.aligned),
        possessor_conflict(claim, source, found.aligned),
        preposition_conflict(claim, source, found.aligned),
        number_word_conflict(claim, source, found.aligned),
        _crossed_anchors(claim, source, found),
        crossed_clauses(claim, source),
        crossed_words(claim, source),
        object_conflict(claim, source, found.aligned),
        swapped_attachment(claim, source, found.aligned),
        definition_conflict(claim, source, found.aligned),
        subject_conflict(claim, source, found.aligned),
        modifier_conflict(claim, source, found.aligned),
        apposition_conflict(claim, source, found.aligned),
        slot_conflict(claim, source, found.aligned),
        doer_conflict(claim, source, found.aligned),
        infinitive_conflict(claim, source, found.aligned),
        speaker_conflict(claim, source),
        comparison_conflict(claim, source),
        swapped_sides(claim, source, found.aligned),
    ):
        if conflict:
            found.conflicts.append(conflict)
            return
    doubt = place_doubt(
        claim, source, {i: j for i, j in found.aligned.items() if i not in kin_at}, PLACE_REACH
    )
    if doubt:
        found.doubts.append(doubt)
    found.subject_differs = subject_differs(claim, source, found.aligned)


def _crossed_anchors(claim: Analysis, source: Analysis, found: Assessment) -> str | None:
    """Two of the claim's numbers, or two of its names, must not trade neighbours ("40 km long, up to
    300 km wide" against "300 km long and up to 40 km wide"); a name and a number are compared by
    clause (``clauses.crossed_clauses``), since a reordered claim moves them apart."""
    content = [t for t in claim.tokens if t.content and not is_framing(t)]
    anchors = [t for t in content if (t.name or t.number or t.sides) and t.index in found.aligned]
    voiced = _voice_changed(claim, source, found.aligned)
    for a_pos, a in enumerate(anchors):
        for b in anchors[a_pos + 1 :]:
            if voiced and a.name and b.name:
                continue  # "B was succeeded by A" for "A succeeded B": the roles are compared by voice
            same_kind = (a.number, a.name, bool(a.sides)) == (b.number, b.name, bool(b.sides))
            if a.lemma != b.lemma and same_kind and _crossed(claim, source, found, a, b):
                return f"{a.surface} and {b.surface} trade places"
    return None


def _voice_changed(claim: Analysis, source: Analysis, aligned: dict[int, int]) -> bool:
    """Whether a verb the claim shares with the source is passive in one and active in the other: then
    its doer and done-to have swapped places in the sentence, not in meaning (``doers`` compares them)."""
    return any(
        claim.verb_like(i) and source.verb_like(j) and claim.passive(i) != source.passive(j)
        for i, j in aligned.items()
    )


def _neighbours(analysis: Analysis, index: int, lemma: str) -> set[str]:
    """Content lemmas within BINDING_REACH content words of each occurrence of ``lemma``."""
    content = [t for t in analysis.tokens if t.content and not is_framing(t)]
    near: set[str] = set()
    for position, token in enumerate(content):
        if token.lemma == lemma or token.index == index:
            for p in range(max(0, position - BINDING_REACH), min(len(content), position + BINDING_REACH + 1)):
                if p != position:
                    near.add(content[p].lemma)
    return near


def _crossed(claim: Analysis, source: Analysis, found: Assessment, a: Token, b: Token) -> bool:
    a_source, b_source = source.tokens[found.aligned[a.index]], source.tokens[found.aligned[b.index]]
    if a_source.lemma == b_source.lemma:
        return False
    claim_a = _neighbours(claim, a.index, a.lemma) - {a.lemma, b.lemma}
    claim_b = _neighbours(claim, b.index, b.lemma) - {a.lemma, b.lemma}
    source_a = _neighbours(source, a_source.index, a_source.lemma) - {a_source.lemma, b_source.lemma}
    source_b = _neighbours(source, b_source.index, b_source.lemma) - {a_source.lemma, b_source.lemma}
    claim_a = {_source_lemma(claim, source, found, lemma) for lemma in claim_a}
    claim_b = {_source_lemma(claim, source, found, lemma) for lemma in claim_b}
    keep_a, swap_a = len(claim_a & source_a), len(claim_a & source_b)
    keep_b, swap_b = len(claim_b & source_b), len(claim_b & source_a)
    return swap_a > keep_a and swap_b > keep_b


def _source_lemma(claim: Analysis, source: Analysis, found: Assessment, lemma: str) -> str:
    """A claim lemma as the source words it (its aligned word), for comparing neighbourhoods."""
    for i, j in found.aligned.items():
        if claim.tokens[i].lemma == lemma:
            return source.tokens[j].lemma
    return lemma


# -- claims that merge sentences -----------------------------------------------------------------

_CLAUSE_BREAK = re.compile(
    r",\s+(?:and|but|while|whereas|which|where|after|before|when|whose|so)\s+|;\s+|:\s+|\s+[—–]\s+"
    r"|\s+(?:and|but|while|whereas)\s+(?=\S+\s+\w+)|(?<=[a-z])\s+(?:that|who)\s+(?=[a-z]+\s+\w+)"
)


@dataclass(frozen=True)
class Sentence:
    """A source sentence with the names of the one before it (what its pronouns may stand for)."""

    analysis: Analysis
    context: Referents
    given: frozenset[str] = frozenset()  # the words of its document's title


def assess_merged(
    claim: str,
    sentences: list[Sentence],
    names: frozenset[str],
    similar: Similarity,
    allowed: Callable[[Assessment], bool],
) -> Assessment:
    """A claim made of several sentences: it must split at clause breaks into parts that each one
    sentence says by itself (so a name of one sentence cannot take the verb of the other); one more
    part than sentences, since a sentence may give two clauses of the claim ("minizip, which lives in
    contrib and is not part of zlib"). ``allowed`` says whether a part's unmatched words are few enough."""
    crossed = crossed_clauses(analyse(claim), analyse(" ".join(s.analysis.text for s in sentences)))
    if crossed:  # each part may be said by one sentence, yet with the other sentence's names
        return Assessment(conflicts=[crossed])
    best: Assessment | None = None
    fitting: Assessment | None = None  # the reading that leaves fewest words unsaid
    for found in _fits(claim, sentences, names, similar, allowed, depth=len(sentences) + 1):
        if found.clean and allowed(found):
            if not found.novel:
                return found
            if fitting is None or len(found.novel) < len(fitting.novel):
                fitting = found
        best = best or found
    if fitting is not None:
        return fitting
    if best is None or best.clean:
        best = Assessment(conflicts=["no part of it is said by one cited sentence alone"])
    return best


def _fits(
    claim: str,
    sentences: list[Sentence],
    names: frozenset[str],
    similar: Similarity,
    allowed: Callable[[Assessment], bool],
    depth: int,
) -> Iterator[Assessment]:
    if not claim.strip(" ,;:."):
        return
    for sentence in sentences:
        yield assess(analyse(claim), sentence.analysis, sentence.context, names, similar, sentence.given)
    if depth < 2:
        return
    for cut in _CLAUSE_BREAK.finditer(claim):
        left, right = claim[: cut.start()], claim[cut.end() :]
        if len(left.split()) < 2 or len(right.split()) < 2:
            continue
        for sentence in sentences:
            first = assess(analyse(left), sentence.analysis, sentence.context, names, similar, sentence.given)
            if not (first.clean and allowed(first)):
                continue
            for second in _fits(right, sentences, names, similar, allowed, depth - 1):
                if second.clean and allowed(second):
                    yield _joined(first, second)
    for left, rights in _elliptic_parts(claim):
        firsts = [a for a in _each(left, sentences, names, similar) if a.clean and allowed(a)]
        seconds = [a for r in rights for a in _each(r, sentences, names, similar) if a.clean and allowed(a)]
        if firsts and seconds:
            yield _joined(firsts[0], seconds[0])


def _each(
    part: str, sentences: list[Sentence], names: frozenset[str], similar: Similarity
) -> list[Assessment]:
    return [assess(analyse(part), s.analysis, s.context, names, similar, s.given) for s in sentences]


_COORDINATION = re.compile(r",?\s+(?:and|or|nor)\s+")


def _elliptic_parts(claim: str) -> Iterator[tuple[str, list[str]]]:
    """A claim that coordinates two short phrases, read as two whole clauses: "Nettle doesn't do
    algorithm selection or memory allocation" → "Nettle doesn't do algorithm selection" and "Nettle
    doesn't do memory allocation" (the second phrase in place of the first's last words, as many as
    it has, one fewer or one more)."""
    for cut in _COORDINATION.finditer(claim):
        left, right = claim[: cut.start()].split(), claim[cut.end() :].rstrip(" .").split()
        shared = analyse(" ".join(right))
        if not right or len(right) > 4 or any(shared.verb_like(t.index) for t in shared.tokens):
            continue
        counts = sorted(k for k in {len(right) - 1, len(right), len(right) + 1} if 1 <= k <= len(left) - 2)
        if counts:
            yield " ".join(left), [" ".join(left[:-k] + right) for k in counts]


def _joined(first: Assessment, second: Assessment) -> Assessment:
    """Two parts' findings as one (token indices are per part, so alignments are not kept)."""
    return Assessment(
        conflicts=first.conflicts + second.conflicts,
        missing=first.missing + second.missing,
        novel=first.novel + second.novel,
        synonyms=first.synonyms + second.synonyms,
        novel_verbs=first.novel_verbs + second.novel_verbs,
        doubts=first.doubts + second.doubts,
        merged=True,
        subject_differs=first.subject_differs or second.subject_differs,
        evidence=first.evidence + second.evidence,
        words=first.words + second.words,
        unlike=first.unlike + second.unlike,
        kin_verbs=first.kin_verbs + second.kin_verbs,
        crossed=first.crossed or second.crossed,
    )
