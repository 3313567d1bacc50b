"""The library's front door: ``Assistant`` ties ingest → index → retrieve → answer → verify together."""

from __future__ import annotations

import functools
import re
import threading
import time
from collections import defaultdict
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .backends import Backend, make_backend
from .backends.offline import OfflineBackend
from .backends.shape import lead_of
from .embeddings import Embedder, make_embedder
from .embeddings.stored import StoredVectors
from .errors import CorpusError, ModelReplyError, QuestionError
from .followup import carry_along, rewrite_problem
from .models import (
    REFUSAL,
    Answer,
    AnswerPath,
    Citation,
    DroppedSentence,
    Evidence,
    FollowUp,
    IndexStatus,
    IngestReport,
    ModelReply,
    Passage,
    Progress,
    Request,
    SentenceCheck,
    Source,
    Timings,
    Turn,
    Usage,
)
from .prompts import pack
from .reading import Reading
from .relevance import PICK, Shown, bears_on, own_words, question_parts
from .retrieve import Retriever
from .sanitize import without_sequences
from .settings import Settings, default_corpus, load_settings
from .tokens import encoding
from .verify import ClaimCheck, Entailer, StreamingVerifier, VerifiedAnswer, Verifier, is_refusal

if TYPE_CHECKING:
    import numpy as np

    from .index import Index

T = TypeVar("T")
# Control characters, and lone surrogates: bytes that were not UTF-8 (a command line in another
# encoding) arrive as U+DC80..U+DCFF, which no tokenizer can encode.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_BROKEN_LINE = re.compile(r"(?<![.?!:;])[ \t]*\n\s*")


def clean_question(question: str, max_tokens: int) -> str:
    """Terminal escape sequences, control characters and undecodable bytes removed, white space trimmed;
    empty or over-long questions refused."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = _CONTROL.sub(" ", without_sequences(question)).strip()
    text = _BROKEN_LINE.sub(" ", text)  # "When is\nthe visit?" is one question typed on two lines
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > max_tokens:  # a token is at least one character: count only when it could matter
        tokens = len(encoding().encode_ordinary(text))
        if tokens > max_tokens:
            raise QuestionError(
                f"the question is {tokens:,} tokens long; the limit is {max_tokens:,} "
                "(ASSISTANT_MAX_QUESTION_TOKENS)"
            )
    return text


class Stopwatch:
    """Wall time per step of an answer, in ms. A step may run in pieces: a streamed draft alternates
    between the backend writing (generate) and the verifier checking (verify)."""

    def __init__(self) -> None:
        self._seconds: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def measure(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._seconds[step] += time.perf_counter() - started

    def timed(self, items: Iterable[T], step: str) -> Iterator[T]:
        """``items``, with the time spent producing each one charged to ``step``."""
        iterator = iter(items)
        while True:
            with self.measure(step):
                item = next(iterator, _END)
            if item is _END:
                return
            yield item  # type: ignore[misc]

    def timings(self) -> Timings:
        ms = {step: round(seconds * 1000, 3) for step, seconds in self._seconds.items()}
        return Timings(
            retrieve_ms=ms.get("retrieve", 0.0),
            generate_ms=ms.get("generate", 0.0),
            verify_ms=ms.get("verify", 0.0),
        )


_END = object()


class Assistant:
    """Answers questions from a corpus, with verified quotes, or says the corpus does not say.

    ``Assistant()`` works offline and answers from the corpus the index belongs to: the one last
    ingested (``assistant ingest PATH``), else the bundled article; ``corpus_roots`` says which. Pass
    ``Settings`` or keyword overrides (``Assistant(corpus=["~/notes"])``,
    ``Assistant(backend="openai", model="gpt-4o-mini")``) for anything else. The index is built or
    brought up to date on first use. One instance can serve many threads.
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        self.settings = load_settings(settings, **overrides)
        self._lock = threading.RLock()
        self._embedder: Embedder | None = None
        self._vectors: Embedder | None = None
        self._index: Index | None = None
        self._retriever: Retriever | None = None
        self._backend: Backend | None = None
        self._fallback: OfflineBackend | None = None
        self._entailer: Entailer | Literal[False] | None = False  # False: not made yet
        self._ready = False

    # -- parts, created on first use ------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = make_embedder(self.settings)
            return self._embedder

    @property
    def vectors(self) -> Embedder:
        """The embedder answering uses: the words of the documents have vectors stored at ingest, and
        a question's own words were embedded with it, so the reader and the verifier run no model."""
        with self._lock:
            if self._vectors is None:
                self._vectors = StoredVectors(self.embedder, self._stored_vectors)
            return self._vectors

    def _stored_vectors(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        retriever = self._retriever
        return retriever.stored_vectors(texts) if retriever is not None else [None] * len(texts)

    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                embedder = self.embedder  # the model loads in a thread of its own while Chroma is imported
                from .index import Index  # only when the index is needed (Chroma's client: only to write)
                from .integrity import ensure_intact

                index = Index(self.settings, embedder)
                ensure_intact(index)  # a few ms: an index that lost data says so, never answers from it
                self._index = index
            return self._index

    @property
    def backend(self) -> Backend:
        with self._lock:
            if self._backend is None:
                self._backend = make_backend(self.settings, self.vectors)
            return self._backend

    @property
    def entailer(self) -> Entailer | None:
        """The model that judges claims the verifier's rules leave undecided (one call per answer): the
        judge model when one is set, else the answer model; None offline (rules only)."""
        with self._lock:
            if self._entailer is False:
                from .verification.entail import entailer_for  # imports the openai client

                self._entailer = entailer_for(self.settings)
            return self._entailer

    def corpus(self) -> list[Path]:
        """The named corpus, else the one the index belongs to (recorded before its last ingest's first
        write), else the bundled one."""
        if self.settings.corpus_is_explicit:
            return self.settings.corpus
        return self.index.recorded_corpus() or default_corpus()

    @property
    def corpus_roots(self) -> list[Path]:
        """The files and folders answers come from (``settings.corpus`` only when it was named)."""
        return self.corpus()

    def status(self, full: bool = False) -> IndexStatus:
        """The index: its corpus, size, embedder, when it was built, and whether it is fresh, stale,
        incomplete or damaged. ``full`` checks every chunk (``assistant ingest --check``)."""
        from .integrity import status

        with self._lock:
            return status(self.settings, self.embedder, full=full)

    def repair(self, progress: Progress | None = None) -> tuple[list[str], IngestReport]:
        """Rebuild a damaged index from its recorded corpus (else bring it up to date): what was wrong,
        and the ingest report."""
        from .integrity import repair

        with self._lock:
            self._index, self._retriever, self._ready = None, None, False  # they may hold the old one
            problems, report = repair(self.settings, self.embedder, progress)
            self._refresh()
            return problems, report

    # -- indexing -------------------------------------------------------------------------------

    def ingest(
        self, paths: Sequence[str | Path] | None = None, progress: Progress | None = None
    ) -> IngestReport:
        """Make the index hold exactly the documents under ``paths`` (default: the corpus)."""
        from .unchanged import noop_report  # here: reading files is not the answer path's business

        roots = [Path(p).expanduser() for p in paths] if paths else self._named_corpus()
        with self._lock:
            if self._index is None and (report := noop_report(self.settings, roots)) is not None:
                return report  # nothing changed: decided without Chroma or the model
            report = self.index.sync(roots, progress)
            self._refresh()
            return report

    def ensure_ready(self, progress: Progress | None = None) -> IngestReport | None:
        """Index the corpus if the index is missing, stale or incomplete (an interrupted ingest is
        finished, for the corpus it was ingesting); the report when anything was done."""
        with self._lock:
            if self._ready:
                return None
            report = None
            roots = self.corpus()
            gone = [root for root in roots if not root.exists()]
            if gone and not self.settings.corpus_is_explicit:
                raise CorpusError(
                    f"the index belongs to {gone[0]}, which is not there: put it back, or run "
                    "`assistant ingest PATH` (or `assistant ingest --bundled`) to answer from another corpus"
                )
            if not self.index.is_fresh(roots):
                # decided again once the ingest lock is held: another process may be ingesting right now
                report = self.index.sync(self._named_corpus(), progress, if_stale=True)
            self._refresh()
            return report

    def _named_corpus(self) -> list[Path] | None:
        """The corpus the settings name, or None for "the one the index belongs to"."""
        return self.settings.corpus if self.settings.corpus_is_explicit else None

    def _refresh(self) -> None:
        if self._retriever is None:
            self._retriever = Retriever(self.index, self.embedder, self.settings)
        else:
            self._retriever.refresh()
        self._ready = True

    @property
    def retriever(self) -> Retriever:
        self.ensure_ready()
        assert self._retriever is not None
        return self._retriever

    # -- asking ---------------------------------------------------------------------------------

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        query = clean_question(query, self.settings.max_question_tokens)
        return self.retriever.search(query, k)

    def ask(self, question: str) -> Answer:
        """Answer one question (no conversation)."""
        return _last_answer(self.stream(question))

    def explain(self, answer: Answer) -> Answer:
        """``answer`` with what the offline reader made of its question (whatever the backend): the best
        candidate sentences, their probabilities and why each was not enough."""
        from .backends.offline import OfflineBackend

        backend = self.backend
        reader = (
            backend if isinstance(backend, OfflineBackend) else OfflineBackend(self.settings, self.vectors)
        )
        *_, request = self._gather(answer.standalone_question, reader)
        evidence = request.evidence
        gated = not evidence or evidence[0].relevance < self.settings.min_relevance
        return answer.model_copy(update={"explanation": reader.explain(request, gated)})

    def stream(self, question: str, history: Sequence[Turn] = ()) -> Iterator[str | Answer]:
        """Verified sentences as they are produced, then the final ``Answer``.

        A sentence is yielded only after it has passed verification (and, from a model, the relevance
        check and the sentence cap). When nothing of a model's answer survives, or the model fails
        before a sentence was shown, the offline reader answers from the same evidence and the
        ``Answer`` says so. If the backend fails after sentences were shown, the error is raised and no
        ``Answer`` is produced: a cut answer is never presented as complete.
        """
        question = clean_question(question, self.settings.max_question_tokens)
        self.ensure_ready()
        backend = self.backend
        watch = Stopwatch()
        with watch.measure("generate"):
            standalone, follow_up, usage = self._understand(question, history)
        with watch.measure("retrieve"):
            sources, evidence, everything = self._gather(standalone, backend)
        outcome = _Outcome(path="gate")
        if evidence and evidence[0].relevance >= self.settings.min_relevance:
            request = Request(question=standalone, sources=sources, evidence=evidence)
            outcome = yield from self._answer(request, everything, watch)
            usage = _add(usage, outcome.usage)
        answer = self._assemble(question, standalone, outcome, evidence, usage, watch)
        yield answer.model_copy(update={"follow_up": follow_up}) if follow_up else answer

    def _understand(self, question: str, history: Sequence[Turn]) -> tuple[str, FollowUp | None, Usage]:
        """The question as it stands on its own: a follow-up is rewritten in the light of the history.
        The backend's rewrite is used only when it passes ``rewrite_problem``; else the carry-along."""
        if not history:
            return question, None, Usage()
        rewrite, usage = self.backend.condense(history, question)
        fallback = carry_along(history, question)
        problem = None if rewrite == fallback else rewrite_problem(rewrite, question, history)
        follow_up = FollowUp(rewrite=rewrite, accepted=problem is None, problem=problem)
        return (rewrite if problem is None else fallback), follow_up, usage

    def _gather(self, question: str, backend: Backend) -> tuple[list[Source], list[Evidence], Request]:
        """The passages to answer from, numbered (packed to the model's budget), and their sentences
        scored against the question, most relevant first; and the unpacked request the offline reader
        answers from (itself, or when a model's answer falls back to it)."""
        passages = self.retriever.search(question)
        evidence = self.retriever.evidence(question, passages)
        everything = Request(
            question=question,
            sources=[Source(number=i + 1, passage=p) for i, p in enumerate(passages)],
            evidence=evidence,
        )
        if backend.context_encoding is None:
            return list(everything.sources), evidence, everything
        sources = pack(passages, self.settings.context_tokens, backend.context_encoding)
        return sources, [e for e in evidence if e.passage_index < len(sources)], everything

    def _answer(
        self, request: Request, everything: Request, watch: Stopwatch
    ) -> Generator[str, None, _Outcome]:
        """The backend's draft, verified sentence by sentence as it streams; for a model, a fallback
        to the offline reader when none of its sentences survives or it fails before any is shown."""
        if self.backend.name == "offline":
            return (yield from self._read(self.backend, request, watch, "offline", []))
        failure: str | None = None
        shown: list[str] = []
        with watch.measure("verify"):
            reading = self._offline().read(everything)  # the judge of what bears on the question
        try:
            outcome = yield from self._read(self.backend, request, watch, "model", shown, reading)
        except ModelReplyError as exc:
            if shown:
                raise  # sentences are on screen: a different answer after them would mislead
            failure, outcome = str(exc), _Outcome(path="model")
        if outcome.verified.sentences and not outcome.unanswered and not outcome.picks_only:
            return outcome
        if outcome.picks_only:
            notice = (
                "The model only pointed at sentences the offline reader chose too, with no answer in its "
                "own words; this is the offline reader's answer."
            )
            outcome.hold("not shown: a pick of the offline reader's own sentences; its answer says more")
        elif outcome.unanswered:
            part = outcome.unanswered[0]
            notice = f"The model's answer left “{part}” unanswered; this is the offline reader's answer."
            outcome.hold(f"not shown: the answer left “{part}” unanswered")
        elif failure:
            notice = f"The model failed ({failure}); this is the offline reader's answer."
        elif outcome.reply is not None and (not outcome.reply.draft or is_refusal(outcome.reply.draft)):
            notice = "The model found no answer in the documents; this is the offline reader's answer."
        elif any(s.reason.startswith(PICK) for s in outcome.sentences):
            notice = (
                "The model only pointed at sentences the offline reader did not take as an answer; this is "
                "the offline reader's answer."
            )
        else:
            notice = (
                "No sentence of the model's answer passed the checks; this is the offline reader's answer."
            )
        fallback = yield from self._read(self._offline(), everything, watch, "fallback", [])
        return _Outcome(
            path="fallback",
            verified=fallback.verified,
            reply=outcome.reply,
            usage=outcome.usage,
            notice=notice,
            earlier=outcome.sentences,
        )

    def _read(
        self,
        backend: Backend,
        request: Request,
        watch: Stopwatch,
        path: AnswerPath,
        shown: list[str],
        reading: Reading | None = None,
    ) -> Generator[str, None, _Outcome]:
        """One backend's draft through the verifier (and, given the offline ``reading``, the relevance
        check and the cap); what it yields is also added to ``shown``."""
        gate = _Gate(request, reading, self.settings, self.vectors) if reading is not None else None
        entailer = self.entailer if backend.name != "offline" else None
        verifier = StreamingVerifier(Verifier(request.sources, self.vectors, entailer), gate)
        # A model's sentences are held until it has said something in its own words (picks alone give the
        # reader's answer instead) and, for a question of several parts, until every part is answered.
        held: list[str] = []
        released = 0
        usage, reply = Usage(), None
        for item in watch.timed(backend.generate(request), "generate"):
            if isinstance(item, Usage):
                usage = _add(usage, item)
                continue
            if isinstance(item, ModelReply):
                reply = item
                if gate is not None:
                    gate.reply = item
                continue
            with watch.measure("verify"):
                held += verifier.feed(item)
            if gate is None or (gate.spoke and len(gate.parts) == 1):
                shown += held[released:]
                yield from held[released:]
                released = len(held)
        cut = None
        if reply is not None and reply.finish_reason == "length" and reply.shape == "text":
            cut = "unfinished: the reply was cut at max_tokens (ASSISTANT_MAX_ANSWER_TOKENS)"
        with watch.measure("verify"):
            held += verifier.finish(cut)
        unanswered = gate.unanswered if gate is not None and held else []
        picks_only = gate is not None and bool(held) and not gate.spoke
        if not unanswered and not picks_only:
            shown += held[released:]
            yield from held[released:]
        return _Outcome(
            path=path,
            verified=verifier.result,
            reply=reply,
            usage=usage,
            unanswered=unanswered,
            picks_only=picks_only,
        )

    def _offline(self) -> OfflineBackend:
        """The offline reader a model's answer is judged by and falls back to."""
        with self._lock:
            if self._fallback is None:
                self._fallback = OfflineBackend(self.settings, self.vectors)
            return self._fallback

    def _assemble(
        self,
        question: str,
        standalone: str,
        outcome: _Outcome,
        evidence: Sequence[Evidence],
        usage: Usage,
        watch: Stopwatch,
    ) -> Answer:
        """The final record: the verified answer with its citations, or a refusal that shows the
        closest evidence (when retrieval found nothing relevant enough, or verification left nothing)."""
        verified = outcome.verified
        refused = not verified.sentences
        return Answer(
            question=question,
            standalone_question=standalone,
            text=REFUSAL if refused else verified.text,
            refused=refused,
            citations=[] if refused else verified.citations,
            evidence=_closest(evidence) if refused else [],
            dropped=[
                *(DroppedSentence(text=s.text, reason=s.reason) for s in outcome.earlier if not s.kept),
                *verified.dropped,
            ],
            backend=self.backend.name,
            model=self.backend.model,
            path=outcome.path,
            notice=outcome.notice,
            reply=outcome.reply,
            sentences=[*outcome.earlier, *outcome.sentences],
            usage=usage,
            timings=watch.timings(),
        )

    def chat(self) -> Conversation:
        """A conversation: follow-up questions are understood in the light of earlier ones."""
        return Conversation(self)


class Conversation:
    """Questions asked in order; each is made standalone from the history before retrieval."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.history: list[Turn] = []
        self.answers: list[Answer] = []

    def ask(self, question: str) -> Answer:
        return _last_answer(self.stream(question))

    def stream(self, question: str) -> Iterator[str | Answer]:
        for item in self.assistant.stream(question, self.history):
            if isinstance(item, Answer):
                self.history.append(Turn(question=item.standalone_question, answer=item.text))
                self.answers.append(item)
            yield item

    def reset(self) -> None:
        self.history.clear()
        self.answers.clear()


@dataclass
class _Outcome:
    """What one answer attempt produced: the verified answer, the path, and the model's reply."""

    path: AnswerPath
    verified: VerifiedAnswer = field(default_factory=VerifiedAnswer)
    reply: ModelReply | None = None
    usage: Usage = field(default_factory=Usage)
    notice: str | None = None
    earlier: list[SentenceCheck] = field(default_factory=list)  # the model's, when offline answered
    unanswered: list[str] = field(default_factory=list)  # parts of the question no shown sentence answers
    picks_only: bool = False  # the model's sentences that passed are all copies: none in its own words
    held_because: str | None = None  # why sentences that passed every check were still not shown

    def hold(self, reason: str) -> None:
        """The answer is not shown after all (it leaves part of the question unanswered)."""
        self.held_because = reason

    @property
    def sentences(self) -> list[SentenceCheck]:
        """Every sentence judged, kept or dropped with the reason, in the order they came."""
        reader: Literal["model", "offline"] = "model" if self.path == "model" else "offline"
        dropped = {d.text: d.reason for d in self.verified.dropped}
        checked = {c.claim.text for c in self.verified.checks}
        found, kept = [], set()
        for check in self.verified.checks:
            text = check.claim.text
            if text in dropped:
                found.append(SentenceCheck(text=text, kept=False, reason=dropped[text], reader=reader))
            elif text in kept:
                found.append(
                    SentenceCheck(text=text, kept=False, reason="repeats an earlier sentence", reader=reader)
                )
            elif self.held_because is not None:
                found.append(SentenceCheck(text=text, kept=False, reason=self.held_because, reader=reader))
            else:
                kept.add(text)
                found.append(SentenceCheck(text=text, kept=True, reason=check.reason, reader=reader))
        found += [
            SentenceCheck(text=d.text, kept=False, reason=d.reason, reader=reader)
            for d in self.verified.dropped
            if d.text not in checked  # an unfinished last sentence, never checked
        ]
        return found


class _Gate:
    """After verification, a model's sentence is shown only if it bears on the question, and only up
    to ``max_answer_sentences``; the reason when it is not."""

    def __init__(self, request: Request, reading: Reading, settings: Settings, embedder: Embedder) -> None:
        self._request = request
        self._reading = reading
        self._settings = settings
        self._embedder = embedder
        self._kept: set[str] = set()
        self.parts = question_parts(request.question)
        self._answered: set[str] = set()
        self.spoke = False  # a sentence in the model's own words was accepted
        self.reply: ModelReply | None = None  # a structured reply arrives before its draft
        self._vouched: set[tuple[str, int, int]] = set()  # what those sentences cite

    @property
    def unanswered(self) -> list[str]:
        """Parts of the question that no sentence shown so far answers."""
        return [p for p in self.parts if p not in self._answered]

    def __call__(self, check: ClaimCheck) -> str | None:
        text = check.claim.text
        if text in self._kept:
            return None  # a repeat: the answer builder shows it once
        unit = check.support
        assert unit is not None
        where = (unit.source.passage.doc_id, unit.start, unit.end)
        lead = lead_of(self.reply) if self.reply is not None and self.reply.shape == "structured" else None
        shown = Shown(
            text=text,
            cited=unit.text,
            context=f"{unit.source.passage.title}\n{unit.before}",
            doc_id=where[0],
            start=unit.start,
            end=unit.end,
            own=own_words(text, (unit.text, *unit.parts), lead),
            vouched=where in self._vouched,
        )
        answered, why = bears_on(
            self._request.question,
            shown,
            self._request,
            self._reading,
            self._settings.min_relevance,
            self._embedder,
        )
        cap = self._settings.max_answer_sentences
        if why is None and len(self._kept) >= cap:
            why = f"over the cap of {cap} sentences (ASSISTANT_MAX_ANSWER_SENTENCES)"
        if why is None:
            self._kept.add(text)
            self._answered.update(answered)
            if shown.own:
                self.spoke = True
                self._vouched.add(where)
        return why


def _last_answer(items: Iterator[str | Answer]) -> Answer:
    answer = None
    for item in items:
        if isinstance(item, Answer):
            answer = item
    assert answer is not None, "stream() always ends with an Answer"
    return answer


def _closest(evidence: Sequence[Evidence], n: int = 3) -> list[Citation]:
    """The best sentences to show beside a refusal; a line of only rules or punctuation ("| --- |",
    "+------+") says nothing to show, however close the model puts it."""
    evidence = [e for e in evidence if any(c.isalnum() for c in e.text)]
    return [
        Citation(
            number=i + 1,
            doc_id=e.doc_id,
            chunk_id=e.chunk_id,
            quote=e.text,
            start=e.start,
            end=e.end,
            section=e.section,
        )
        for i, e in enumerate(evidence[:n])
    ]


def _add(a: Usage, b: Usage) -> Usage:
    costs = [c for c in (a.cost_usd, b.cost_usd) if c is not None]
    return Usage(
        prompt_tokens=a.prompt_tokens + b.prompt_tokens,
        completion_tokens=a.completion_tokens + b.completion_tokens,
        cost_usd=round(sum(costs), 8) if costs else None,
    )


@functools.cache
def _default_assistant() -> Assistant:
    return Assistant()


def ask(question: str) -> Answer:
    """One-off question to a default ``Assistant`` (settings from the environment), kept for reuse."""
    return _default_assistant().ask(question)
