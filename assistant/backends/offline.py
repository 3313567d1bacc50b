"""The offline backend: no model, so the answer is extracted from the retrieved sentences.

A thin adapter over ``assistant.reading``: the calibrated reader picks, for each question the message
asks, the sentence likely enough to answer it (and its short span for who / when / where / how many /
how much / what-X questions), or nothing; this module writes that as "Span [n.k]. Sentence [n]." or a
refusal. The span cites the one sentence it was read from: a short span may also stand in another
sentence of the passage, and its quote must be the sentence that answers. Follow-ups are made
standalone by carrying the previous question along, which is what resolves "she" or "it" for retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import tiktoken

from ..embeddings import Embedder
from ..followup import carry_along
from ..models import REFUSAL, Evidence, Explanation, Request, Source, Turn, Usage
from ..reading import Reader, Reading
from ..reading.explain import explain
from ..reading.spans import cuts_a_path
from ..retrieve import score_sentences
from ..settings import Settings
from ..text import evidence_sentences, flatten


class OfflineBackend:
    """Extractive answers from retrieved sentences: no network, no model."""

    name = "offline"
    context_encoding: tiktoken.Encoding | None = None  # it reads sentences, not a prompt: no budget

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.model = "extractive"
        self._embedder = embedder
        self.reader = Reader(settings.min_relevance)

    def read(self, request: Request) -> Reading:
        """What the reader makes of the request: the chosen sentences and the best candidates, with
        their probabilities and weakest signals (what ``--explain`` shows)."""
        passages = [source.passage for source in request.sources]
        return self.reader.read(
            request.question, request.evidence, passages, self._embedder.embed, self._rescore
        )

    def explain(self, request: Request, retrieval_refused: bool = False) -> Explanation:
        """The reading in words: the best candidates, their probabilities, why each was not enough."""
        return explain(self.read(request), retrieval_refused)

    def _rescore(self, question: str, evidence: Sequence[Evidence]) -> list[Evidence]:
        return score_sentences(question, evidence, self._embedder)

    def generate(self, request: Request) -> Iterator[str | Usage]:
        pieces: list[str] = []
        for part in self.read(request).parts:
            for position, chosen in enumerate(part.chosen):
                source = request.sources[chosen.evidence.passage_index]
                number = source.number
                sentence = flatten(chosen.evidence.text)  # one line, though the file may wrap it
                # the best sentence's span leads (never a piece of a path); the next sentence only adds
                if chosen.span and position == 0 and not cuts_a_path(chosen.evidence.text, chosen.span):
                    span = flatten(chosen.span)
                    pieces.append(f"{_sentence_case(span)} [{_sentence_id(source, chosen.evidence)}].")
                if not any(sentence in piece for piece in pieces):
                    pieces.append(f"{sentence} [{number}]")
                for continued in chosen.continued_by:  # the steps or items that carry it on
                    following = flatten(continued.text)
                    if not any(following in piece for piece in pieces):
                        pieces.append(f"{following} [{number}]")
        yield " ".join(pieces) if pieces else REFUSAL

    def condense(self, history: Sequence[Turn], question: str) -> tuple[str, Usage]:
        return carry_along(history, question), Usage()


def _sentence_id(source: Source, evidence: Evidence) -> str:
    """The id a draft cites one sentence of a source by ("3.2", as ``verify.numbered_sentences``
    numbers them), or the source's number when the sentence is not one of its own."""
    offset = evidence.start - source.passage.start
    for k, span in evidence_sentences(source.passage.text):
        if span.start == offset:
            return f"{source.number}.{k}"
    return str(source.number)


_CODE = re.compile(r"\w_\w|::|\w\(")  # snake_case, a path (std::fs), a call


def _sentence_case(span: str) -> str:
    """The span as a sentence's start: a plain word gets a capital, but a URL, an address, a path, an
    option or code ("http://…", "--fresh", "int asn1_decode_der") is left as written, since changing
    it would make it wrong."""
    first = span.split(maxsplit=1)[0] if span.strip() else span
    if not first.replace("-", "").replace("'", "").isalpha() or first.startswith("-") or _CODE.search(span):
        return span
    return span[0].upper() + span[1:]
