"""What a number or an opposable word is said of: a number stays with its name and its word ("the
IJssel carries one ninth", "Augustus died in AD 14"), an opposite with its noun and its owner ("a darker
colour", "the Upper Rhine Graben … southwest Germany"), and an order word with its sides ("the
exercises follow the announcement")."""

from __future__ import annotations

from .analysis import Analysis, Token
from .lexicon import OPPOSITES
from .names import Alignment, Group, clause_between, group, same_group
from .quantities import Quantity, joined, same, same_durations


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
        if clause_between(analysis.text, token.end, offset) or "," in analysis.text[token.end : offset]:
            return None
        if token.name:
            return group(analysis, k)
    return None


def _numbers_of(source: Analysis, owner: Group) -> list[Quantity]:
    """The first number after each mention of a name, in its clause (both ends, for a range)."""
    found = []
    for k, token in enumerate(source.tokens):
        if token.name and same_group(group(source, k), owner):
            following = [q for q in source.quantities if q.start > token.end]
            if following and not clause_between(source.text, token.end, following[0].start):
                found.append(following[0])
                if len(following) > 1 and joined(source.text, following[0], following[1]):
                    found.append(following[1])
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
        if clause_between(analysis.text, tokens[k].end, tokens[i].start):
            return None
        if tokens[k].name:
            return group(analysis, k)
    return None


def number_word_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """A number keeps the word it is said with: "Augustus died in AD 70" is wrong where the source's
    death comes with 14, and 70 with something else."""
    claimed = list(claim.quantities)
    durations = {q: s for q, s, *_ in same_durations(claim.text, claimed, source.text, source.quantities)}
    for quantity in claimed:
        stated = durations.get(quantity) or next((q for q in source.quantities if same(quantity, q)), None)
        if stated is None:
            continue
        # the number and the other end of its range: "1–3 cm (0.39–1.18 in)" converts both
        ends = [q for q in source.quantities if q is stated or _one_range(source, stated, q)]
        for word in _words_beside(claim, quantity):
            if word not in aligned:
                continue
            at = source.tokens[aligned[word]]
            distance = _distance(source, at.start, at.end, stated)
            for other in source.quantities:
                if any(same(q, other) for q in claimed) or same(quantity, other) or other is stated:
                    continue
                if any(_conversion(source, end, other) for end in ends):  # "4,274 m (14,022 ft)"
                    continue
                if _distance(source, at.start, at.end, other) < distance and not clause_between(
                    source.text, min(at.end, other.end), max(at.start, other.start)
                ):
                    return f"the source gives {other.text} with “{at.surface}”, not {quantity.text}"
    return None


def _conversion(analysis: Analysis, a: Quantity, b: Quantity) -> bool:
    """Whether two numbers are one given in two units or as a range: only brackets and dashes between."""
    low, high = sorted((a, b), key=lambda q: q.start)
    between = analysis.text[low.end : high.start]
    return not between.strip(" ()–-") or (between.count("(") == 1 and len(between.split()) <= 2)


def _one_range(analysis: Analysis, a: Quantity, b: Quantity) -> bool:
    """Whether two numbers are the ends of one range ("1–3 cm"): only a dash between them."""
    low, high = sorted((a, b), key=lambda q: q.start)
    return analysis.text[low.end : high.start].strip() in ("–", "-", "—")


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


def possessor_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """ "Globex's parent company" is not the source's "Acme's parent company, Globex": a thing keeps
    its owner ("X's thing", "the thing of X") when the source names that owner too."""
    for i, token in enumerate(claim.tokens):
        if not token.name or not _possessive(token):
            continue
        owned = next((t for t in claim.tokens[i + 1 : i + 4] if t.content and not t.name), None)
        if owned is None or owned.index not in aligned:
            continue
        mine = group(claim, i)
        if not any(t.name and same_group(group(source, t.index), mine) for t in source.tokens):
            continue
        lemma = source.tokens[aligned[owned.index]].lemma
        owners = [_possessor(source, t.index) for t in source.tokens if t.lemma == lemma]
        if any(o is not None for o in owners) and not any(o and same_group(o, mine) for o in owners):
            theirs = next(o for o in owners if o is not None)
            return f"the source says {' '.join(theirs)}'s {owned.surface}, not {' '.join(mine)}'s"
    return None


def _possessive(token: Token) -> bool:
    return token.surface.endswith(("'s", "’s"))


def _possessor(analysis: Analysis, k: int) -> Group | None:
    """Whose word ``k`` is: a name with "'s" up to two words before it, or "of" and a name after it."""
    tokens = analysis.tokens
    for t in reversed(tokens[max(0, k - 3) : k]):
        if t.name and _possessive(t):
            return group(analysis, t.index)
        if t.name or (not t.content and t.lemma not in ("the", "a", "an")):
            break
    after = tokens[k + 1 : k + 4]
    if after and after[0].lemma == "of":
        named = next((t for t in after[1:] if t.name), None)
        if named is not None and all(t.lemma in ("the", "a", "an") for t in tokens[k + 2 : named.index]):
            return group(analysis, named.index)
    return None
