"""Unanswerable questions made from answerable ones, as SQuAD 2.0 made its own, for calibration.

SQuAD 2.0's unanswerable questions were written from answerable ones by a few edits: another name or
number of the same document, a negation, an antonym, or the roles swapped. The calibration sets have
few such questions of their own, so the decider learns too little about sentences that match a question
well but do not answer it. ``negatives`` applies the same edits to a set's answerable questions; each
edited question expects a refusal. Deterministic: the same set gives the same questions.

Made from calibration sets only; never from a held-out set.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence

from ..evaluation.dataset import Case, Dataset, Expectation
from ..text import STOPWORDS, TIME_WORDS, normalize, words
from .features import OPPOSITE
from .question import negative

EDITS = ("name", "number", "antonym", "negation", "roles")
# A name: capitalized words in a row, joined by at most one lower-case particle ("Lake of Constance").
_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:of|de|van|von|am|du)?\s*[A-Z][\w'’-]+)*")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
# The first auxiliary verb of a question and its negation ("Where does the Rhine empty?" → "Where doesn't…").
_NEGATED = {
    **{
        verb: verb + "n't"
        for verb in "is are was were does do did has have had could would should must".split()
    },
    "can": "can't",
    "will": "won't",
}
_AUXILIARY = re.compile(rf"\b({'|'.join(_NEGATED)})\b")


def negatives(dataset: Dataset, per_question: int = 1) -> Dataset:
    """Refusal cases made by editing the answerable single-turn questions of ``dataset`` (at most
    ``per_question`` each, edits of different kinds), against the same corpus."""
    documents = dataset.documents()
    cases = []
    for case in dataset.cases:
        expect = case.turns[0]
        if len(case.turns) != 1 or expect.refuse:
            continue
        text = _document_of(expect, documents)
        made = list(dict.fromkeys(_edits(expect.question, text, expect)))
        for number, (kind, question) in enumerate(_pick(made, expect.question, per_question)):
            refusal = {"id": f"{case.id}-syn{number}-{kind}", "kind": "unanswerable", "question": question}
            cases.append(Case.model_validate({**refusal, "refuse": True}))
    return Dataset(name=f"{dataset.name}-synthetic", corpus=dataset.corpus, cases=cases, path=dataset.path)


def _document_of(expect: Expectation, documents: dict[str, str]) -> str:
    """The text of the document that holds the question's evidence (all of them when none does)."""
    for text in documents.values():
        if expect.evidence and expect.evidence[0] in text:
            return text
    return "\n".join(documents.values())


def _pick(made: list[tuple[str, str]], question: str, n: int) -> list[tuple[str, str]]:
    """``n`` of the edits, of different kinds, chosen by the question's hash (reproducible)."""
    by_kind: dict[str, list[str]] = {}
    for kind, edited in made:
        by_kind.setdefault(kind, []).append(edited)
    kinds = sorted(by_kind, key=lambda k: _hash(question + k))[:n]
    return [(k, by_kind[k][_hash(question) % len(by_kind[k])]) for k in kinds]


def _edits(question: str, document: str, expect: Expectation) -> Iterator[tuple[str, str]]:
    """Every edit of ``question`` that SQuAD's recipe allows, as (kind, edited question)."""
    gold = " ".join(expect.answers).lower()
    asked = _names(question)
    others = [n for n in _names(document) if n.lower() not in gold and not _overlaps(n, asked)]
    others = [n for n in others if n.lower() not in TIME_WORDS]
    for name in asked:
        for other in _nearest(others, name, expect.evidence):
            yield "name", _replace(question, name, other)
    numbers = _NUMBER.findall(document)
    for figure in _NUMBER.findall(question):
        shape = _shape(figure)
        for other in sorted({n for n in numbers if _shape(n) == shape and n != figure and n not in gold}):
            yield "number", _replace(question, figure, other)
    for word, start, end in words(question):
        for opposite in sorted(OPPOSITE.get(word.lower(), ())):
            yield "antonym", question[:start] + opposite + question[end:]
    if (auxiliary := _AUXILIARY.search(question)) and not negative(question):
        yield (
            "negation",
            question[: auxiliary.start()] + _NEGATED[auxiliary.group()] + question[auxiliary.end() :],
        )
    if len(asked) >= 2:
        first, second = asked[0], asked[1]
        swapped = question.replace(first, "\0").replace(second, first).replace("\0", second)
        if swapped != question:
            yield "roles", swapped


def _names(text: str) -> list[str]:
    """Names of a text in order of first use, without the capitalized first word of a sentence when it
    is an ordinary word ("What", "The")."""
    found: list[str] = []
    for match in _NAME.finditer(text):
        name = match.group().replace("’", "'")
        head, _, rest = name.partition(" ")
        if normalize(head) in STOPWORDS or head.lower() in _QUESTION_WORDS:
            name = rest.strip()
        if name and name[:1].isupper() and name not in found:
            found.append(name)
    return found


_QUESTION_WORDS = frozenset("what which who whom whose where when why how in on at of for to by from".split())


def _overlaps(name: str, names: Sequence[str]) -> bool:
    """``name`` shares a word with one of ``names`` ("Rhine" and "Old Rhine Bridge"), or its first four
    letters: another spelling ("Rhin" for "Rhine") would not make the question another one."""
    own = {word[:4] for word in name.lower().split()}
    return any(own & {word[:4] for word in other.lower().split()} for other in names)


def _nearest(others: list[str], name: str, evidence: Sequence[str]) -> list[str]:
    """The names that could stand for ``name``: those of the answer's own sentence first (SQuAD's
    editors took them from the paragraph), else two of the document's, by hash."""
    quoted = " ".join(evidence)
    near = [n for n in others if n in quoted]
    if near:
        return near[:2]
    return sorted(others, key=lambda n: _hash(name + n))[:2]


def _shape(figure: str) -> str:
    """A number's shape: a year stays a year ("1939" → "1848"), a count a count."""
    plain = figure.replace(",", "")
    return "year" if re.fullmatch(r"1\d{3}|20\d{2}", plain) else f"{len(plain)}"


def _replace(text: str, old: str, new: str) -> str:
    return re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", new, text, count=1)


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
