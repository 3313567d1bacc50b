"""Which event a span of a sentence belongs to: its clause, and that clause's tense.

A sentence often holds several events, each with its own time: "The invitation, the first trip by
Japan's prime minister since she took office in October, …" dates the taking of office, not the trip.
A when-question asks the time of its own event ("When will she go?"), so a span counts as an answer
only in the clause of the event asked about. Clauses are cut at punctuation and at the words that open
a subordinate or relative clause; the tense is read from auxiliaries and common irregular past forms
(English grammar, not any document's wording). Regular "-ed" forms are not read: "United", "planned"
or "agreed to" say little about when the event is.
"""

from __future__ import annotations

import re

_BREAK = re.compile(
    r"[,;:()\[\]—–]|\s-\s"
    r"|\b(?:which|who|whom|whose|that|since|because|although|though|while|whereas|until|unless|when|where"
    r"|after|before)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(r"\b(?:will|shall|going to|won[’']t)\b|[’']ll\b", re.IGNORECASE)
# Past auxiliaries and irregular past forms that are not also present or participle forms ("put", "read").
_PAST = re.compile(
    r"\b(?:was|were|had|did|didn[’']t|wasn[’']t|weren[’']t|ago|took|went|came|made|said|became|began|gave"
    r"|got|held|left|met|ran|saw|told|thought|found|knew|led|brought|built|bought|fell|rose|won|lost|wrote"
    r"|spoke|sent|spent|stood|kept|paid|grew|drew|flew|froze|broke|chose|drove|ate|fought|caught|taught"
    r"|sold|felt|heard|meant|sat|struck|threw|understood|wore|woke|forgot|hid|rode|sang|sank|shook|slept"
    r"|arose|fled|sought|swept|withdrew|overtook|undertook|foresaw)\b",
    re.IGNORECASE,
)


def clause(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the clause that holds ``sentence[start:end]``: from the last break before it (a
    punctuation mark is left out, an opening word such as "since" kept) to the first break after it.
    Breaks inside the span ("October 5, 2020", "after the war") do not cut it."""
    first, last = 0, len(sentence)
    for found in _BREAK.finditer(sentence):
        if found.end() <= start:
            first = found.start() if found.group()[0].isalpha() else found.end()
        elif found.start() >= end:
            last = found.start()
            break
    return first, last


def tense(text: str) -> str | None:
    """ "future", "past", or None when the text says neither or both."""
    future, past = bool(_FUTURE.search(text)), bool(_PAST.search(text))
    if future == past:
        return None
    return "future" if future else "past"


def other_event(question: str, sentence: str, start: int, end: int) -> bool:
    """The span's clause is in the other tense than the question ("took office in October" for "When
    will she go?"): its time is another event's."""
    asked = tense(question)
    if asked is None:
        return False
    said = tense(sentence[slice(*clause(sentence, start, end))])
    return said is not None and said != asked
