"""How an eval run reads in a terminal, and the headline numbers that the HTML report (``html.py``)
shows too."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..present import shorten
from ..sanitize import safe_line
from .runner import CaseResult, EvalReport, TurnResult

# -- metrics, shared by the terminal and the HTML report -------------------------------------------


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def metrics(report: EvalReport) -> list[tuple[str, str]]:
    """The headline numbers as (label, value) rows; metrics that do not apply are left out."""
    s = report.summary
    turns = [t for case in report.cases for t in case.turns]
    rows = [
        (
            "cases passed",
            f"{s.cases_passed} / {s.cases} ({_percent(s.cases_passed / s.cases if s.cases else None)})",
        ),
        (
            "answer accuracy",
            f"{_percent(s.answer_accuracy)} ({sum(t.correct for t in turns)} / {s.turns} turns)",
        ),
        (f"hit@{report.top_k}", _percent(s.hit_at_k)),
        ("MRR", "n/a" if s.mrr is None else f"{s.mrr:.3f}"),
        ("citation validity", f"{_percent(s.citation_validity)} of {s.citations} citations"),
        ("unsupported claims", f"{s.unsupported_claims} / {s.claims} claims"),
        ("groundedness", _percent(s.groundedness)),
        ("truncated / off-topic shown", f"{s.truncated_shown} / {s.off_topic_shown} sentences"),
        ("answer paths", ", ".join(f"{path} {count}" for path, count in s.paths.items()) or "n/a"),
    ]
    if report.judge or report.judge_note:
        rows.append(("judge", report.judge or report.judge_note or ""))
    if report.judge:
        judged = sum(1 for t in turns for j in t.judged or [] if j.supported is not None)
        rows.append(
            (
                "judge faithfulness",
                f"{_percent(s.judge_faithfulness)} of {judged} claims judged"
                f" ({s.judge_unreadable} without a readable verdict)",
            )
        )
    rows += [
        ("refusal precision", _percent(s.refusal_precision)),
        ("refusal recall", _percent(s.refusal_recall)),
        *([("lead span EM / F1", f"{_percent(s.exact_match)} / {_percent(s.f1)}")] if s.f1 else []),
        ("mean answer length", "n/a" if s.answer_chars is None else f"{s.answer_chars:,.0f} characters"),
        ("latency p50 / p95", f"{s.latency_p50_ms:,.1f} / {s.latency_p95_ms:,.1f} ms"),
        (
            "tokens per answer",
            f"{s.prompt_tokens_per_answer:,.0f} prompt / {s.completion_tokens_per_answer:,.0f} completion",
        ),
    ]
    if s.cost_usd_per_answer is not None:
        rows.append(("cost per answer", f"${s.cost_usd_per_answer:.6f}"))
    return rows


def kind_rows(report: EvalReport) -> list[tuple[str, int, int]]:
    """(kind, cases passed, cases) per kind: the counts behind ``summary.by_kind``."""
    counts: dict[str, list[int]] = {}
    for case in report.cases:
        passed_total = counts.setdefault(case.kind, [0, 0])
        passed_total[0] += case.passed
        passed_total[1] += 1
    return [(kind, passed, total) for kind, (passed, total) in sorted(counts.items())]


def turn_label(case: CaseResult, number: int) -> str:
    return f"{case.id} #{number}" if len(case.turns) > 1 else case.id


def failed_turns(report: EvalReport) -> Iterable[tuple[CaseResult, int, TurnResult]]:
    for case in report.cases:
        for number, turn in enumerate(case.turns, start=1):
            if not turn.passed:
                yield case, number, turn


# -- terminal --------------------------------------------------------------------------------------


def print_report(console: Console, report: EvalReport) -> None:
    """Headline metrics, pass rate per kind, and one line per failed turn, readable in 80 columns."""
    print_summary(console, report)
    failed = list(failed_turns(report))
    if not failed:
        console.print(Text("All cases passed.", style="green"))
        return
    console.print(Text(f"{len(failed)} failed turns:", style="bold"))
    for case, number, turn in failed:
        line = Text("✗ ", style="red")
        line.append(turn_label(case, number), style="bold")
        line.append(f" ({case.kind})  ")
        line.append(shorten(safe_line(turn.question), max(30, console.width - len(line) - 1)))
        console.print(line, no_wrap=True, overflow="ellipsis")
        console.print(Text("    " + safe_line("; ".join(turn.reasons)), style="dim"), overflow="fold")


def print_summary(console: Console, report: EvalReport) -> None:
    """Headline metrics and pass rate per kind (a pool of sets: its failures were listed per set)."""
    console.print(
        Text(
            f"{report.dataset} · {report.backend} ({report.model}) · {report.summary.cases} cases, "
            f"{report.summary.turns} turns · {report.seconds:.1f} s",
            style="bold",
        )
    )
    summary = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
    summary.add_column("metric", style="cyan", no_wrap=True)
    summary.add_column("value")
    for label, value in metrics(report):
        summary.add_row(label, value)
    console.print(summary)

    kinds = Table(box=box.SIMPLE, pad_edge=False)
    kinds.add_column("kind", style="cyan", no_wrap=True)
    kinds.add_column("passed", justify="right")
    kinds.add_column("rate", justify="right")
    for kind, passed, total in kind_rows(report):
        kinds.add_row(kind, f"{passed} / {total}", _percent(passed / total))
    console.print(kinds)
