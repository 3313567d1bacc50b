"""Run an eval set through the real pipeline and measure retrieval, answers, citations and grounding."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from ..core import Assistant
from ..errors import ConfigError
from ..models import Answer, Passage, Source
from ..settings import Settings, load_settings
from ..verify import Verifier, split_claims
from .dataset import Case, Dataset, Expectation
from .judge import Judge, JudgedClaim
from .squad import exact_match, f1, lead_span


class TurnResult(BaseModel):
    """One question of a case, graded. ``hit``/``reciprocal_rank`` come from searching the standalone
    question again (same retrieval as the answer; a model backend may have seen fewer passages)."""

    question: str
    expect: Expectation
    answer: Answer
    passages: list[Passage]
    hit: bool | None = Field(description="All evidence within the top-k passages (None: no evidence).")
    reciprocal_rank: float | None
    correct: bool
    exact_match: float | None = Field(default=None, description="Lead span vs gold answers (SQuAD EM).")
    f1: float | None = Field(default=None, description="Lead span vs gold answers (SQuAD F1).")
    invalid_citations: list[str] = Field(
        description="Quotes not verbatim at their offsets: citation numbers, e1… for refusal evidence."
    )
    unsupported: list[str] = Field(description="Answer sentences their own quotes do not support.")
    claims: int
    truncated: list[str] = Field(
        default_factory=list, description="Shown sentences that are the unfinished end of a cut reply."
    )
    off_topic: list[str] = Field(
        default_factory=list,
        description="Shown sentences of an answerable turn with none of its facts that quote none of its "
        "evidence.",
    )
    judged: list[JudgedClaim] | None = None
    latency_ms: float
    reasons: list[str] = Field(default_factory=list, description="Why the turn failed.")

    @property
    def passed(self) -> bool:
        return not self.reasons


class CaseResult(BaseModel):
    id: str
    kind: str
    turns: list[TurnResult]

    @property
    def passed(self) -> bool:
        return all(turn.passed for turn in self.turns)


class Summary(BaseModel):
    cases: int
    cases_passed: int
    turns: int
    answer_accuracy: float = Field(description="Turns answered or refused correctly.")
    hit_at_k: float | None
    mrr: float | None
    citations: int
    citation_validity: float = Field(description="Citations whose quote is verbatim at its offsets.")
    claims: int
    unsupported_claims: int
    groundedness: float
    truncated_shown: int = Field(default=0, description="Unfinished ends of cut replies that were shown.")
    off_topic_shown: int = Field(default=0, description="Shown sentences that bear on none of the expected.")
    paths: dict[str, int] = Field(default_factory=dict, description="Answers per path: model, fallback …")
    judge_faithfulness: float | None = Field(
        default=None, description="Of the claims the judge gave a readable verdict on, the supported share."
    )
    judge_unreadable: int = Field(default=0, description="Claims the judge gave no readable verdict on.")
    refusal_precision: float | None
    refusal_recall: float | None
    exact_match: float | None = Field(default=None, description="Mean SQuAD EM of lead spans, refusals 0.")
    f1: float | None = Field(default=None, description="Mean SQuAD F1 of lead spans, refusals 0.")
    answer_chars: float | None = Field(default=None, description="Mean length of the answers given.")
    latency_p50_ms: float
    latency_p95_ms: float
    prompt_tokens_per_answer: float
    completion_tokens_per_answer: float
    cost_usd_per_answer: float | None
    by_kind: dict[str, float] = Field(description="Share of cases passed, per kind.")


class EvalReport(BaseModel):
    dataset: str
    dataset_path: str
    backend: str
    model: str
    top_k: int
    judge: str | None = Field(default=None, description="The model that judged faithfulness, and where.")
    judge_note: str | None = Field(default=None, description="Why faithfulness was not judged.")
    started_at: datetime
    seconds: float
    summary: Summary
    cases: list[CaseResult]
    documents: dict[str, str] = Field(description="Corpus texts, for the HTML report.")


def run_eval(
    dataset: Dataset,
    settings: Settings | None = None,
    judge: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    judge_self: bool = False,
) -> EvalReport:
    """Ask every case of ``dataset`` (each conversation fresh) and grade the answers.

    The set's corpus is indexed in its own collection. ``judge`` adds an LLM-judge faithfulness
    check; by default it runs whenever the backend is a model. A judge that would be the model under
    test is refused (an error when the judge was asked for, a note otherwise) unless ``judge_self``.
    """
    settings = load_settings(
        settings,
        corpus=[dataset.corpus],
        collection=f"eval-{_slug(dataset.name)}",
    )
    use_judge, note = _choose_judge(settings, judge, judge_self)
    assistant = Assistant(settings)
    assistant.ensure_ready()
    documents = dataset.documents()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    results = []
    for number, case in enumerate(dataset.cases, start=1):
        results.append(_run_case(case, assistant, documents, use_judge))
        if progress:
            progress(number, len(dataset.cases))
    backend = assistant.backend
    return EvalReport(
        dataset=dataset.name,
        dataset_path=str(dataset.path),
        backend=backend.name,
        model=backend.model,
        top_k=settings.top_k,
        judge=use_judge.name if use_judge else None,
        judge_note=note,
        started_at=started_at,
        seconds=round(time.perf_counter() - started, 3),
        summary=summarize(results),
        cases=results,
        documents=documents,
    )


def _choose_judge(
    settings: Settings, judge: bool | None, judge_self: bool
) -> tuple[Judge | None, str | None]:
    """The judge to use, or None and why not."""
    if judge is False or (judge is None and settings.backend == "offline"):
        return None, None
    chosen = Judge(settings)
    if chosen.is_self and not judge_self:
        problem = (
            f"the judge would be the model under test ({chosen.name}): set ASSISTANT_JUDGE_MODEL "
            "(and ASSISTANT_JUDGE_BASE_URL / ASSISTANT_JUDGE_API_KEY), or pass --judge-self"
        )
        if judge:
            raise ConfigError(f"faithfulness not judged: {problem}")
        return None, f"not judged: {problem}"
    return chosen, None


def _run_case(
    case: Case, assistant: Assistant, documents: dict[str, str], use_judge: Judge | None
) -> CaseResult:
    conversation = assistant.chat()
    turns = []
    for expect in case.turns:
        started = time.perf_counter()
        answer = conversation.ask(expect.question)
        latency = (time.perf_counter() - started) * 1000
        passages = assistant.retriever.search(answer.standalone_question)
        turns.append(grade(expect, answer, passages, documents, assistant, use_judge, latency))
    return CaseResult(id=case.id, kind=case.kind, turns=turns)


def grade(
    expect: Expectation,
    answer: Answer,
    passages: Sequence[Passage],
    documents: dict[str, str],
    assistant: Assistant,
    use_judge: Judge | None,
    latency_ms: float,
) -> TurnResult:
    reasons: list[str] = []
    hit, reciprocal_rank = _retrieval(expect.evidence, passages, documents)
    if expect.refuse:
        correct = answer.refused
        if not correct:
            reasons.append("answered, but the documents do not support an answer")
    else:
        missing = [p for p in expect.facts if not re.search(p, answer.text)]
        if expect.one_of and not any(re.search(p, answer.text) for p in expect.one_of):
            missing.append(f"one of {' | '.join(expect.one_of)}")
        correct = not answer.refused and not missing
        if answer.refused:
            reasons.append("refused, but the documents answer it")
        elif missing:
            reasons.append(f"missing facts: {', '.join(missing)}")
    forbidden = [p for p in expect.forbid if re.search(p, answer.text)]
    if forbidden:
        correct = False
        reasons.append(f"says what it must not: {', '.join(forbidden)}")

    invalid = [
        f"{prefix}{c.number}"
        for prefix, citations in (("", answer.citations), ("e", answer.evidence))
        for c in citations
        if documents.get(c.doc_id, "")[c.start : c.end] != c.quote
    ]
    if invalid:
        reasons.append(f"quotes not verbatim at their offsets: {', '.join(invalid)}")
    unsupported, claims = _unsupported(answer, assistant)
    if unsupported:
        reasons.append(f"unsupported sentences: {len(unsupported)}")
    truncated = _truncated(answer)
    if truncated:
        reasons.append(f"shows the unfinished end of a cut reply: {truncated[0]!r}")
    off_topic = [] if expect.refuse else _off_topic(answer, expect, documents)
    judged = None
    if use_judge and not answer.refused:
        judged = use_judge.judge(answer)
    lead = "" if answer.refused else lead_span(answer.text)
    return TurnResult(
        question=expect.question,
        expect=expect,
        answer=answer,
        passages=list(passages),
        hit=hit,
        reciprocal_rank=reciprocal_rank,
        correct=correct,
        exact_match=exact_match(lead, expect.answers) if expect.answers else None,
        f1=f1(lead, expect.answers) if expect.answers else None,
        invalid_citations=invalid,
        unsupported=unsupported,
        claims=claims,
        truncated=truncated,
        off_topic=off_topic,
        judged=judged,
        latency_ms=round(latency_ms, 3),
        reasons=reasons,
    )


def _retrieval(
    evidence: Sequence[str], passages: Sequence[Passage], documents: dict[str, str]
) -> tuple[bool | None, float | None]:
    """Whether the top-k passages hold all the evidence, and 1/rank of the first that holds any."""
    if not evidence:
        return None, None
    places = {
        quote: [
            (doc_id, match.start(), match.end())
            for doc_id, text in documents.items()
            for match in re.finditer(re.escape(quote), text)
        ]
        for quote in evidence
    }

    def holds(passage: Passage, quote: str) -> bool:
        return any(
            doc_id == passage.doc_id and passage.start <= start and end <= passage.end
            for doc_id, start, end in places[quote]
        )

    hit = all(any(holds(p, quote) for p in passages) for quote in evidence)
    first = next(
        (p.rank for p in passages if any(holds(p, quote) for quote in evidence)),
        None,
    )
    return hit, (1.0 / first if first else 0.0)


def _unsupported(answer: Answer, assistant: Assistant) -> tuple[list[str], int]:
    """Re-check each sentence of the answer against only the quotes it cites."""
    if answer.refused:
        return [], 0
    sources = [
        Source(
            number=c.number,
            passage=Passage(
                rank=c.number,
                chunk_id=c.chunk_id,
                doc_id=c.doc_id,
                title=c.doc_id,
                text=c.quote,
                start=c.start,
                end=c.end,
                score=0.0,
            ),
        )
        for c in answer.citations  # numbered once each: a quote is a source of its own
    ]
    verifier = Verifier(sources, assistant.embedder)
    claims = split_claims(answer.text)
    unsupported = [
        claim.text for claim in claims if not claim.cited or verifier.check(claim).verdict != "supported"
    ]
    return unsupported, len(claims)


def _truncated(answer: Answer) -> list[str]:
    """Shown sentences that are the last sentence of a reply cut at max_tokens (never complete)."""
    reply = answer.reply
    if answer.refused or answer.path != "model" or reply is None or reply.finish_reason != "length":
        return []
    drafted = split_claims(reply.draft)
    tail = drafted[-1].text if drafted else ""
    return [c.text for c in split_claims(answer.text) if tail and c.text.rstrip(".!?") == tail.rstrip(".!?")]


def _off_topic(answer: Answer, expect: Expectation, documents: dict[str, str]) -> list[str]:
    """Shown sentences that match none of the expected facts and quote no expected evidence: true,
    perhaps, but not what was asked."""
    if answer.refused:
        return []
    places = [
        (doc_id, match.start(), match.end())
        for quote in expect.evidence
        for doc_id, text in documents.items()
        for match in re.finditer(re.escape(quote), text)
    ]
    by_number = {c.number: c for c in answer.citations}
    found = []
    for claim in split_claims(answer.text):
        if any(re.search(p, claim.text) for p in [*expect.facts, *expect.one_of]):
            continue
        quotes = [by_number[n] for n in claim.cited if n in by_number]
        if any(q.doc_id == d and q.start < end and start < q.end for q in quotes for d, start, end in places):
            continue
        found.append(claim.text)
    return found


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 3)


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def summarize(results: Sequence[CaseResult]) -> Summary:
    turns = [t for case in results for t in case.turns]
    with_evidence = [t for t in turns if t.hit is not None]
    citations = sum(len(t.answer.citations) + len(t.answer.evidence) for t in turns)
    invalid = sum(len(t.invalid_citations) for t in turns)
    claims = sum(t.claims for t in turns)
    unsupported = sum(len(t.unsupported) for t in turns)
    judged = [j for t in turns for j in (t.judged or []) if j.supported is not None]
    unreadable = sum(j.supported is None for t in turns for j in (t.judged or []))
    expected_refusals = [t for t in turns if t.expect.refuse]
    refusals = [t for t in turns if t.answer.refused]
    answers = [t.answer for t in turns]
    given = [len(a.text) for a in answers if not a.refused]
    spans = [t for t in turns if t.f1 is not None]
    costs = [a.usage.cost_usd for a in answers if a.usage.cost_usd is not None]
    kinds: dict[str, list[bool]] = {}
    for case in results:
        kinds.setdefault(case.kind, []).append(case.passed)
    return Summary(
        cases=len(results),
        cases_passed=sum(case.passed for case in results),
        turns=len(turns),
        answer_accuracy=_ratio(sum(t.correct for t in turns), len(turns)) or 0.0,
        hit_at_k=_ratio(sum(bool(t.hit) for t in with_evidence), len(with_evidence)),
        mrr=_ratio(sum(t.reciprocal_rank or 0.0 for t in with_evidence), len(with_evidence)),
        citations=citations,
        citation_validity=_ratio(citations - invalid, citations) or (0.0 if citations else 1.0),
        claims=claims,
        unsupported_claims=unsupported,
        groundedness=_ratio(claims - unsupported, claims) or (0.0 if claims else 1.0),
        truncated_shown=sum(len(t.truncated) for t in turns),
        off_topic_shown=sum(len(t.off_topic) for t in turns),
        paths={path: sum(a.path == path for a in answers) for path in sorted({a.path for a in answers})},
        judge_faithfulness=_ratio(sum(bool(j.supported) for j in judged), len(judged)),
        judge_unreadable=unreadable,
        refusal_precision=_ratio(sum(t.expect.refuse for t in refusals), len(refusals)),
        refusal_recall=_ratio(sum(t.answer.refused for t in expected_refusals), len(expected_refusals)),
        exact_match=_ratio(sum(t.exact_match or 0.0 for t in spans), len(spans)),
        f1=_ratio(sum(t.f1 or 0.0 for t in spans), len(spans)),
        answer_chars=round(statistics.fmean(given), 1) if given else None,
        latency_p50_ms=_percentile([t.latency_ms for t in turns], 50),
        latency_p95_ms=_percentile([t.latency_ms for t in turns], 95),
        prompt_tokens_per_answer=round(statistics.fmean(a.usage.prompt_tokens for a in answers), 1)
        if answers
        else 0.0,
        completion_tokens_per_answer=round(statistics.fmean(a.usage.completion_tokens for a in answers), 1)
        if answers
        else 0.0,
        cost_usd_per_answer=round(statistics.fmean(costs), 8) if costs else None,
        by_kind={kind: round(sum(v) / len(v), 4) for kind, v in sorted(kinds.items())},
    )


def pool(name: str, reports: Sequence[EvalReport]) -> EvalReport:
    """The cases of several runs graded as one set called ``name``. A held-out set of 29 questions
    moves by 3.4 points per question, so a refit that trades one case between sets fails a floor
    tight on each; the gate on the pool holds their sum, where a loss is a loss."""
    cases = [case for report in reports for case in report.cases]
    return reports[0].model_copy(
        update={
            "dataset": name,
            "dataset_path": ", ".join(report.dataset_path for report in reports),
            "seconds": sum(report.seconds for report in reports),
            "summary": summarize(cases),
            "cases": cases,
            "documents": {k: v for report in reports for k, v in report.documents.items()},
        }
    )


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "set"
