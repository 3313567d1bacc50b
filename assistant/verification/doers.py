"""Who did what to whom: the claim's doer of a verb both share must not be the source's done-to, nor
the other way round ("Takaichi invited Trump", "the committee elects the members"), with the voice of
each verb taken into account."""

from __future__ import annotations

from collections.abc import Iterator

from .analysis import Analysis, Token, is_pronoun
from .lexicon import BE, DETERMINING, SUBJECT_PRONOUNS
from .names import Alignment, Group, clause_between, group, party, resolved, same_group, sentence_break


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
        swapped = _patient_swapped(claim, i, names, source, j)
        if swapped:
            return swapped
        mine = _roles(claim, i, names)
        if not mine[0] and not mine[1]:
            continue
        if source.verb_like(j) or _after_modal(source, j):
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
            and (
                not any(_meets([g], said) for g in _all_groups(source))
                or not any(_meets([g], stated) for g in _all_groups(claim))
            )
        ):
            return f"the source says {' '.join(stated[0])} {source.tokens[j].surface}"
    return None


def _patient_swapped(claim: Analysis, i: int, names: set[int], source: Analysis, j: int) -> str | None:
    """A passive verb both share whose subject in the claim stands after the verb in the source, where
    another name is its subject: "e2fsprogs is built against the libs provided by MIT Kerberos" for
    "MIT Kerberos is built against the libs provided by e2fsprogs"."""
    if not (claim.passive(i) and source.passive(j)):
        return None
    named = {k for k in _anchors(source, j) if source.tokens[k].name}  # not "it is suggested to"
    said, stated = _roles(claim, i, names)[1], _roles(source, j, named)[1]
    if not said or not stated or _meets(said, stated):
        return None
    text, tokens = source.text, source.tokens
    after = [
        group(source, k)
        for k in _anchors(source, j)
        if k > j and tokens[k].name and not clause_between(text, tokens[j].end, tokens[k].start)
    ]
    if _meets(said, after):
        return f"the source says {' '.join(stated[0])} is {tokens[j].surface}, not {' '.join(said[0])}"
    return None


def _after_modal(analysis: Analysis, j: int) -> bool:
    """A verb's plain form after a modal ("other GNU packages will use"), which ``verb_like`` leaves
    out (it cannot tell "use" the verb from "use" the noun by its form)."""
    token = analysis.tokens[j]
    return j > 0 and token.content and not token.name and analysis.tokens[j - 1].lemma in _MODALS


_MODALS = frozenset("will would can could may might shall should must".split())


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
            name = resolved(analysis, k)
            return [name] if name[0] not in SUBJECT_PRONOUNS else []
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
    if k < 0:
        return []
    if "," in analysis.text[tokens[k].end : tokens[i].start]:
        return [group(analysis, k)] if _apposition(analysis, k, i) else []
    return party(analysis, k, -1)


def _apposition(analysis: Analysis, k: int, verb: int) -> bool:
    """Whether name ``k`` stands in commas right before the verb, after a noun it renames: "The head
    gardener, Maria Lopez, reports to …" (Maria Lopez reports)."""
    tokens, text = analysis.tokens, analysis.text
    low = k
    while low > 0 and tokens[low - 1].name and tokens[low - 1].end + 1 >= tokens[low].start:
        low -= 1
    if low == 0 or text[tokens[k].end : tokens[verb].start].strip() != ",":
        return False
    previous = tokens[low - 1]
    return text[previous.end : tokens[low].start].strip() == "," and previous.content and not previous.name


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
    before = [k for k in anchors if k < i and not clause_between(text, tokens[k].end, tokens[i].start)]
    after = [k for k in anchors if k > i and not clause_between(text, tokens[i].end, tokens[k].start)]
    doers = party(analysis, max(before), -1, subject) if before else []
    done = party(analysis, min(after), +1, subject) if after else []
    if analysis.passive(i):
        agent = analysis.passive_agent(i)
        return (party(analysis, agent, +1, subject) if agent is not None else []), doers
    return doers, done


def _anchors(source: Analysis, j: int) -> set[int]:
    """The names and pronouns of the source sentence that holds word ``j``."""
    tokens = source.tokens
    low, high = j, j
    while low > 0 and not sentence_break(source, low):
        low -= 1
    while high + 1 < len(tokens) and not sentence_break(source, high + 1):
        high += 1
    return {k for k in range(low, high + 1) if tokens[k].name or is_pronoun(tokens[k])}


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
        if step > 0 and not token.content and token.lemma not in DETERMINING | {"by"}:
            following = tokens[k + 1] if k + 1 < len(tokens) else None
            if following is None or not (following.lemma in DETERMINING or following.name):
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
    after_verb = [t for t in analysis.tokens[verb + 1 : verb + 4] if t.lemma not in _STILL | DETERMINING]
    passive = (bool(before_verb) and before_verb[-1].lemma in BE) or (
        len(after_verb) > 1 and after_verb[0].lemma == "by" and not after_verb[1].number
    )  # "a library written by A.M. Kuchling", not "fell by 120 m"
    found: dict[int, bool] = {}
    before, after = _part(analysis, verb, -1), _part(analysis, verb, +1)
    direct = (
        after is not None
        and all(  # no preposition between the verb and its object
            t.lemma in DETERMINING or t.content for t in analysis.tokens[verb + 1 : after]
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
        if not (analysis.tokens[k].lemma in DETERMINING or _noun_goes_on(analysis, k + 1)):
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
            doer = next((d for d, did in theirs.items() if did), None)
            if (
                does
                and not claim.passive(i)
                and k is not None
                and doer is not None
                and k not in theirs
                and _elsewhere(source, k, j, doer)
            ):
                deed = f"{source.tokens[doer].surface} {source.tokens[j].surface}"
                return f"the source says {deed}, not {claim.tokens[word].surface}"
    return None


def _elsewhere(source: Analysis, k: int, verb: int, doer: int) -> bool:
    """Whether a name the claim makes a verb's doer stands after that verb in the source, in a phrase of
    its own ("the council bought the mill from Eastham"), where another word is the
    verb's doer: then the claim ("Eastham bought the mill") gives the deed to the wrong party."""
    tokens = source.tokens
    if not tokens[k].name or k <= verb or same_group(group(source, k), group(source, doer)):
        return False
    first = k
    while first > 0 and tokens[first - 1].name:
        first -= 1
    return first > 0 and tokens[first - 1].lemma in _OBJECT_OF  # "from Eastham", not ", the river Aare"


_OBJECT_OF = frozenset(
    "from to of for at in on into than after before".split()
)  # not "with": "A works with B"


def infinitive_conflict(claim: Analysis, source: Analysis, aligned: Alignment) -> str | None:
    """ "X invited Y to visit": Y is who visits. A claim that makes X the doer of the infinitive's verb
    ("X visited", "X will visit") swaps who does it, though both names stand in the source."""
    for i, j in aligned.items():
        finite = claim.verb_like(i) or (i > 0 and claim.tokens[i - 1].lemma in _AUXILIARIES)
        if not finite or j < 2 or source.tokens[j - 1].lemma != "to" or not source.tokens[j - 2].name:
            continue
        said = _subject(claim, i)
        if not said:
            continue
        asked = group(source, j - 2)
        k = j - 2 - len(asked)  # the word before the asked one: the verb that asks
        if (
            k < 0
            or not source.verb_like(k)
            or clause_between(source.text, source.tokens[k].end, source.tokens[j].start)
        ):
            continue
        asking = _subject(source, k)
        if asking and _meets(said, asking) and not _meets(said, [asked]):
            return f"the source says {' '.join(asked)} {source.tokens[j].surface}, not {' '.join(said[0])}"
    return None


_SAYING = frozenset("say state report mention note".split())  # "X says …"; "according to X"
_SPEAKER_REACH = 4  # words before a verb of saying (or after "according to") where its speaker stands


def speaker_conflict(claim: Analysis, source: Analysis) -> str | None:
    """Who says it is a role too: where both name who says something ("Japan's foreign ministry says
    …", "…, according to Takaichi"), the claim's speaker must be one of the source's, not a name the
    source has doing something else ("Trump says the ministry invited Takaichi")."""
    said, stated = _speakers(claim), _speakers(source)
    if not said or not stated or any(same_group(a, b) for a in said for b in stated):
        return None
    return f"who says it is swapped: the source has {' '.join(stated[0])} say it"


def _speakers(analysis: Analysis) -> list[Group]:
    """The names right before a verb of saying ("Takaichi said", no comma or verb between; not "it was
    reported") and after "according to" or "per" (up to a comma)."""
    tokens, text = analysis.tokens, analysis.text
    found: list[Group] = []
    for k, token in enumerate(tokens):
        if token.name:
            continue
        if token.lemma in _SAYING and (token.lemma == "say" or token.surface.lower() != token.lemma):
            span = []
            for t in reversed(tokens[max(0, k - _SPEAKER_REACH) : k]):
                if "," in text[t.end : tokens[t.index + 1].start] or (
                    not t.name and analysis.verb_like(t.index)
                ):
                    break
                span.append(t)
        elif token.surface.lower() in ("according", "per"):
            span = []
            for t in tokens[k + 1 : k + 2 + _SPEAKER_REACH]:
                if "," in text[token.end : t.start]:
                    break
                span.append(t)
        else:
            continue
        found += [group(analysis, t.index) for t in span if t.name]
    return found


_COMPARED_REACH = 8  # words before a comparative where what is compared may stand


def comparison_conflict(claim: Analysis, source: Analysis) -> str | None:
    """ "The Amazon is longer than the Nile" is not the source's "the Nile is longer than the Amazon":
    what is compared, and what with, keep their sides of "than"."""
    stated = _comparisons(source)
    for mine, degree, theirs in _comparisons(claim):
        for first, other, second in stated:
            if other == degree and same_group(mine, second) and same_group(theirs, first):
                return f"the comparison is turned round: the source says {' '.join(first)} is {degree} than"
    return None


def _comparisons(analysis: Analysis) -> list[tuple[Group, str, Group]]:
    """(what is compared, the comparative, what with) for each "… longer than …" with a name on each
    side."""
    tokens, found = analysis.tokens, []
    for k, token in enumerate(tokens):
        if token.lemma != "than" or k < 2:
            continue
        before = next(
            (t for t in reversed(tokens[max(0, k - 1 - _COMPARED_REACH) : k - 1]) if t.name or t.term), None
        )
        after = next((t for t in tokens[k + 1 : k + 4] if t.name or t.term), None)
        if (
            before is not None
            and after is not None
            and not clause_between(analysis.text, before.end, token.start)
        ):
            found.append(
                (group(analysis, before.index), tokens[k - 1].surface.lower(), group(analysis, after.index))
            )
    return found
