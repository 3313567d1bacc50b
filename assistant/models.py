"""The typed records that cross stage boundaries: documents, chunks, passages, sources, evidence,
requests, answers. Every stage imports its inputs and outputs from here and nothing from a later
stage, so the pipeline reads one way (see ARCHITECTURE.md)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, computed_field


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Section(_Record):
    """Where a part of a document begins: from ``start`` on, the text is under ``label``."""

    start: int = Field(description="Offset in the document's text.")
    label: str = Field(description="What a person looks up: 'p. 12' in a PDF, '§ Results' under a heading.")


def locate(sections: Sequence[Section], offset: int) -> str | None:
    """The label in effect at ``offset``: the last section that begins at or before it."""
    index = bisect.bisect_right([s.start for s in sections], offset) - 1
    return sections[index].label if index >= 0 else None


class Document(_Record):
    """One file of the corpus, exactly as read."""

    id: str = Field(description="Path relative to its corpus root, with forward slashes.")
    title: str
    text: str
    path: Path
    sha256: str = Field(description="Hash of the file's bytes.")
    size: int
    mtime_ns: int
    sections: list[Section] = Field(
        default_factory=list, description="In order of ``start``; none for plain text."
    )


class SkippedFile(_Record):
    path: Path
    reason: str


class Chunk(_Record):
    """A piece of a document that is embedded on its own: ``document.text[start:end] == text``."""

    id: str
    doc_id: str
    index: int
    text: str
    start: int
    end: int
    tokens: int


class StoredChunk(_Record):
    """A chunk as the index holds it, with the document facts stored beside it."""

    id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    sections: tuple[Section, ...] = ()

    def as_passage(self, rank: int, score: float, **scores: float | None) -> Passage:
        """This chunk as a ranked search result."""
        return Passage(
            rank=rank,
            chunk_id=self.id,
            doc_id=self.doc_id,
            title=self.title,
            text=self.text,
            start=self.start,
            end=self.end,
            sections=list(self.sections),
            score=score,
            **scores,
        )


class Passage(_Record):
    """A retrieved chunk, ranked. Offsets point into the document."""

    rank: int
    chunk_id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    sections: list[Section] = Field(
        default_factory=list, description="The document's sections in effect within it (page, heading)."
    )
    score: float = Field(description="Fused score: higher is better; comparable within one query.")
    vector_score: float | None = Field(default=None, description="Cosine similarity, -1..1.")
    lexical_score: float | None = Field(default=None, description="BM25 score.")


class Source(_Record):
    """A passage as numbered in what the answer stage is given: citations refer to ``number``."""

    number: int
    passage: Passage


class Evidence(_Record):
    """A sentence of a retrieved passage, scored against the question."""

    passage_index: int = Field(description="Position of its passage in the retrieval result.")
    doc_id: str
    chunk_id: str
    text: str
    start: int
    end: int
    similarity: float = Field(description="Cosine similarity of sentence and question.")
    coverage: float = Field(description="Share of the question's terms found in the sentence.")
    relevance: float
    section: str | None = Field(default=None, description="Its page or heading: 'p. 12', '§ Results'.")
    vector: bytes | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="The sentence's unit vector as stored at ingest (float32 bytes; see ``embedding``), "
        "so that whoever scores it against a question embeds only the question. None: embed the text.",
    )

    def embedding(self) -> np.ndarray | None:
        """The stored vector as an array, or None when none was stored."""
        return None if self.vector is None else np.frombuffer(self.vector, dtype=np.float32)


class Citation(_Record):
    """A numbered source of an answer with a verbatim quote: ``document.text[start:end] == quote``."""

    number: int
    doc_id: str
    chunk_id: str
    quote: str
    start: int
    end: int
    section: str | None = Field(
        default=None, description="Where a person finds it in the document: 'p. 12', '§ Results'."
    )


class Turn(_Record):
    """A finished exchange of a conversation, as the answer stage needs to see it."""

    question: str
    answer: str


class Request(_Record):
    """What an answer backend answers from: the question, numbered sources and their scored sentences."""

    question: str
    sources: Sequence[Source]
    evidence: Sequence[Evidence]


REFUSAL = "The documents do not answer this."
"""What the assistant says when the documents do not answer the question."""


class DroppedSentence(_Record):
    text: str
    reason: str


class SentenceCheck(_Record):
    """One sentence of a draft as the answer stage judged it: shown, or dropped and why."""

    text: str
    kept: bool
    reason: str = Field(
        description="Why it was kept (support) or dropped (verification, off-topic, cap, cut)."
    )
    reader: Literal["model", "offline"] = Field(default="model", description="Who wrote it.")


class ModelReply(_Record):
    """What the model sent, before any check: for ``--json`` and for telling a bad model from a bad check."""

    shape: Literal["structured", "text"] = Field(
        description="Sentence ids in JSON, or text with [p.s] markers."
    )
    raw: str
    finish_reason: str | None = Field(default=None, description="'length' means max_tokens cut the reply.")
    draft: str = Field(default="", description="The reply as sentences with markers, what was verified.")


AnswerPath = Literal["offline", "model", "fallback", "gate"]
"""Which path produced an answer: the offline reader as the chosen backend; the model's verified
sentences; the offline reader because the model's answer did not survive (or the model failed); or
the relevance gate, which refused before any reader was asked."""


class Usage(_Record):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None


class Timings(_Record):
    # total_ms is computed: it is written to JSON and must be accepted (and ignored) when read back
    model_config = ConfigDict(frozen=True, extra="ignore")

    retrieve_ms: float = 0.0
    generate_ms: float = 0.0
    verify_ms: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_ms(self) -> float:
        return round(self.retrieve_ms + self.generate_ms + self.verify_ms, 3)


class WeighedSentence(_Record):
    """A sentence the offline reader weighed for one question, and why it did or did not answer."""

    doc_id: str
    start: int
    end: int
    text: str
    probability: float = Field(description="Fitted probability that answering with it is right.")
    span: str | None = Field(default=None, description="The short answer it would lead with.")
    chosen: bool = Field(description="It is (part of) the answer.")
    reasons: list[str] = Field(
        default_factory=list, description="Why it was not enough: the threshold, its weakest signals."
    )


class ReadQuestion(_Record):
    """One question of a message, as the reader saw it, with its best candidates, best first."""

    question: str
    candidates: list[WeighedSentence] = Field(default_factory=list)


class Explanation(_Record):
    """What the offline reader made of a question: whether the documents lack the answer or the reader
    missed it."""

    threshold: float = Field(description="The one probability at or above which the reader answers.")
    retrieval_refused: bool = Field(
        description="No sentence was relevant enough to be read: the refusal came before the reader."
    )
    questions: list[ReadQuestion] = Field(default_factory=list)


class FollowUp(_Record):
    """How a follow-up was made standalone: the backend's rewrite when it passed the check, else the
    carry-along rewrite (the previous question in parentheses)."""

    rewrite: str = Field(description="What the backend proposed.")
    accepted: bool
    problem: str | None = Field(default=None, description="Why the rewrite was not used.")


class Answer(_Record):
    """What the assistant says, and the proof: every sentence of ``text`` is backed by a citation."""

    question: str
    standalone_question: str = Field(description="The question after resolving follow-ups.")
    follow_up: FollowUp | None = Field(default=None, description="For a follow-up: how it was rewritten.")
    text: str
    refused: bool = Field(description="True when the sources do not contain the answer.")
    citations: list[Citation] = Field(default_factory=list)
    evidence: list[Citation] = Field(
        default_factory=list,
        description="On a refusal: the closest passages found, for the reader.",
    )
    dropped: list[DroppedSentence] = Field(
        default_factory=list, description="Sentences the verifier removed, and why."
    )
    backend: str
    model: str
    path: AnswerPath = Field(default="offline", description="Which path produced the text.")
    notice: str | None = Field(default=None, description="One line for the reader when the model fell back.")
    reply: ModelReply | None = Field(default=None, description="The model's raw reply, when one was asked.")
    sentences: list[SentenceCheck] = Field(
        default_factory=list, description="Every sentence of the draft(s), kept or dropped, in order."
    )
    usage: Usage = Field(default_factory=Usage)
    timings: Timings = Field(default_factory=Timings)
    explanation: Explanation | None = Field(
        default=None, description="With --explain: the reader's best candidates and their scores."
    )


class IngestReport(_Record):
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = Field(default=0, description="Chunks in the index after the run.")
    embedded: int = Field(default=0, description="Chunks embedded by this run.")
    seconds: float = 0.0
    skipped: list[SkippedFile] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


class IndexStatus(_Record):
    """What an index holds and whether it can be trusted: what ``assistant status`` shows."""

    location: str = Field(description="The embedded index's folder, or the Chroma server's URL.")
    collection: str
    corpus: list[Path] = Field(
        default_factory=list, description="The roots it belongs to (resolved); empty before any ingest."
    )
    bundled: bool = Field(description="The corpus is the bundled one.")
    condition: Literal["empty", "fresh", "stale", "incomplete", "damaged"]
    documents: int | None = Field(default=None, description="Documents, once an ingest has completed.")
    chunks: int = 0
    embedder: str
    generation: int = Field(default=0, description="Complete ingests so far.")
    built_at: datetime | None = Field(default=None, description="When the last ingest completed.")
    problems: list[str] = Field(default_factory=list, description="What is damaged.")
    fix: str | None = Field(default=None, description="The command that makes it fresh.")
    full_check: bool = Field(default=False, description="Every chunk was checked, not a sample.")


Progress = Callable[[str, int, int], None]
"""Called during an ingest with (stage, done, total): stage ``reading`` or ``chunking`` (files to
read), or ``embedding`` (chunks; its total grows while files are still being read)."""
