"""How an eval run is read: a terminal summary, a self-contained HTML report, and the gate limits.

The HTML report exists to answer "why did this case fail?" without re-running anything: every cited
quote is highlighted in its source document, next to what the case expected.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import ConfigError
from ..models import Answer, Citation
from ..present import location, shorten
from ..verify import MARKER
from .runner import CaseResult, EvalReport, Summary, TurnResult

CONTEXT = 300  # characters of source shown on either side of a highlighted quote
WHOLE_DOCUMENT = 1500  # documents up to this length are shown whole
PASSED = "passed: all expected facts present, citations verbatim, every sentence supported"
PASSED_REFUSAL = "passed: refused as expected, closest evidence quoted verbatim"
GATE_METRICS = set(Summary.model_fields) - {"by_kind"}


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
    ]
    if s.judge_faithfulness is not None:
        rows.append(("judge faithfulness", _percent(s.judge_faithfulness)))
    rows += [
        ("refusal precision", _percent(s.refusal_precision)),
        ("refusal recall", _percent(s.refusal_recall)),
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


def _turn_label(case: CaseResult, number: int) -> str:
    return f"{case.id} #{number}" if len(case.turns) > 1 else case.id


def _failed_turns(report: EvalReport) -> Iterable[tuple[CaseResult, int, TurnResult]]:
    for case in report.cases:
        for number, turn in enumerate(case.turns, start=1):
            if not turn.passed:
                yield case, number, turn


# -- terminal --------------------------------------------------------------------------------------


def print_report(console: Console, report: EvalReport) -> None:
    """Headline metrics, pass rate per kind, and one line per failed turn, readable in 80 columns."""
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

    failed = list(_failed_turns(report))
    if not failed:
        console.print(Text("All cases passed.", style="green"))
        return
    console.print(Text(f"{len(failed)} failed turns:", style="bold"))
    for case, number, turn in failed:
        line = Text("✗ ", style="red")
        line.append(_turn_label(case, number), style="bold")
        line.append(f" ({case.kind})  ")
        line.append(shorten(turn.question, max(30, console.width - len(line) - 1)))
        console.print(line, no_wrap=True, overflow="ellipsis")
        console.print(Text("    " + "; ".join(turn.reasons), style="dim"), overflow="fold")


# -- HTML ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """A stretch of a document to highlight; ``tag`` and ``css`` say how."""

    start: int
    end: int
    tag: str
    css: str
    label: str = ""
    title: str = ""


def _e(text: object) -> str:
    return html.escape(str(text))


def write_html(report: EvalReport, path: Path) -> None:
    """One self-contained HTML file: no scripts, no external assets, every text escaped."""
    path.write_text(render_html(report), encoding="utf-8")


def render_html(report: EvalReport) -> str:
    """The whole page; failed cases come first and open, passed ones folded."""
    cases = sorted(report.cases, key=lambda case: case.passed)  # failed first, set order kept
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Eval {_e(report.dataset)}: {report.summary.cases_passed}/{report.summary.cases}</title>",
            f"<style>{CSS}</style></head><body>",
            _header(report),
            '<input type="radio" name="show" id="show-all" checked><label for="show-all">all cases</label>',
            '<input type="radio" name="show" id="show-failed"><label for="show-failed">failed only</label>',
            '<input type="radio" name="show" id="show-passed"><label for="show-passed">passed only</label>',
            "<main>",
            *(_case(case, report) for case in cases),
            "</main></body></html>",
        ]
    )


def _header(report: EvalReport) -> str:
    started = report.started_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    facts = [
        ("dataset", f"{report.dataset} ({report.dataset_path})"),
        ("backend", report.backend),
        ("model", report.model),
        ("top k", report.top_k),
        ("date", started),
        ("duration", f"{report.seconds:.1f} s"),
    ]
    cards = "".join(
        f"<div><b>{_e(value)}</b><span>{_e(label)}</span></div>" for label, value in metrics(report)
    )
    kinds = "".join(
        f"<tr><td>{_e(kind)}</td><td>{passed} / {total}</td><td>{_percent(passed / total)}</td></tr>"
        for kind, passed, total in kind_rows(report)
    )
    failed = "".join(
        f'<li><a href="#case-{_e(case.id)}">{_e(_turn_label(case, number))}</a> '
        f"<small>{_e(case.kind)}</small> {_e('; '.join(turn.reasons))}</li>"
        for case, number, turn in _failed_turns(report)
    )
    return (
        f"<header><h1>Eval: {_e(report.dataset)}</h1>"
        f"<dl>{''.join(f'<dt>{_e(k)}</dt><dd>{_e(v)}</dd>' for k, v in facts)}</dl>"
        f'<div class="cards">{cards}</div>'
        f"<table><tr><th>kind</th><th>passed</th><th>rate</th></tr>{kinds}</table>"
        + (f"<h2>Failed turns</h2><ol class=failed>{failed}</ol>" if failed else "<p>All cases passed.</p>")
        + "</header>"
    )


def _case(case: CaseResult, report: EvalReport) -> str:
    state = "pass" if case.passed else "fail"
    turns = "".join(
        _turn(turn, number, len(case.turns), report) for number, turn in enumerate(case.turns, start=1)
    )
    return (
        f'<details class="case {state}" id="case-{_e(case.id)}"{"" if case.passed else " open"}>'
        f'<summary><span class="badge {state}">{"PASS" if case.passed else "FAIL"}</span> '
        f"<b>{_e(case.id)}</b> <small>{_e(case.kind)}</small> "
        f"<q>{_e(shorten(case.turns[0].question, 100))}</q></summary>{turns}</details>"
    )


def _turn(turn: TurnResult, number: int, count: int, report: EvalReport) -> str:
    answer = turn.answer
    state = "pass" if turn.passed else "fail"
    why = "; ".join(turn.reasons) or (PASSED_REFUSAL if turn.expect.refuse else PASSED)
    parts = [
        f'<section class="turn {state}">',
        f"<h3>Turn {number} of {count}</h3>" if count > 1 else "",
        f'<p class="why {state}">{_e(why)}</p>',
        f"<p><b>Question:</b> {_e(turn.question)}</p>",
    ]
    if answer.standalone_question != turn.question:
        parts.append(f"<p><b>Standalone:</b> {_e(answer.standalone_question)}</p>")
    parts += [
        f'<p class="answer{" refused" if answer.refused else ""}"><b>Answer:</b> {_answer_text(answer)}</p>',
        _citations(answer),
        _sources(turn, report.documents),
        _expected(turn),
        _checks(turn),
        "</section>",
    ]
    return "".join(parts)


def _answer_text(answer: Answer) -> str:
    """The escaped answer, its [n] markers raised so that they read as references."""
    return MARKER.sub(lambda marker: f"<sup>{marker.group()}</sup>", _e(answer.text))


def _citation_items(citations: Sequence[Citation], prefix: str = "") -> str:
    return "".join(
        f"<li><b>[{prefix}{c.number}]</b> <code>{_e(location(c))}</code> “{_e(c.quote)}”</li>"
        for c in citations
    )


def _citations(answer: Answer) -> str:
    if answer.refused:
        if not answer.evidence:
            return ""
        items = _citation_items(answer.evidence, "e")
        return f"<p><b>Closest evidence</b> (not an answer):</p><ol class=plain>{items}</ol>"
    return f"<p><b>Citations:</b></p><ol class=plain>{_citation_items(answer.citations)}</ol>"


def _spans(turn: TurnResult, documents: dict[str, str]) -> dict[str, list[_Span]]:
    """Per document: the citations, the refusal's closest evidence and the expected evidence."""
    spans: dict[str, list[_Span]] = {}
    for citation in turn.answer.citations:
        spans.setdefault(citation.doc_id, []).append(_cited(citation, documents, "cite", ""))
    for citation in turn.answer.evidence:
        spans.setdefault(citation.doc_id, []).append(_cited(citation, documents, "evid", "e"))
    for quote in turn.expect.evidence:
        for doc_id, text in documents.items():
            for match in re.finditer(re.escape(quote), text):
                spans.setdefault(doc_id, []).append(
                    _Span(match.start(), match.end(), "span", "expected", title="expected evidence")
                )
    return spans


def _cited(citation: Citation, documents: dict[str, str], css: str, prefix: str) -> _Span:
    verbatim = documents.get(citation.doc_id, "")[citation.start : citation.end] == citation.quote
    title = f"[{prefix}{citation.number}] {location(citation)}"
    return _Span(
        citation.start,
        citation.end,
        "mark",
        css if verbatim else f"{css} bad",
        label=f"[{prefix}{citation.number}]",
        title=title if verbatim else f"{title}: the quote is NOT the text at these offsets",
    )


def _sources(turn: TurnResult, documents: dict[str, str]) -> str:
    blocks = []
    for doc_id, spans in _spans(turn, documents).items():
        text = documents.get(doc_id)
        if text is None:
            blocks.append(f'<p class="bad">Document {_e(doc_id)} is not in the corpus.</p>')
            continue
        excerpts = []
        for start, end in _windows(text, spans):
            inside = [
                _Span(s.start - start, s.end - start, s.tag, s.css, s.label, s.title)
                for s in spans
                if start <= s.start and s.end <= end
            ]
            excerpts.append(
                ("… " if start else "")
                + _highlight(text[start:end], inside)
                + (" …" if end < len(text) else "")
            )
        blocks.append(
            f"<figure><figcaption>{_e(doc_id)} <small>({len(text):,} characters)</small></figcaption>"
            f'<div class="source">{"<hr>".join(excerpts)}</div></figure>'
        )
    return "".join(blocks)


def _windows(text: str, spans: Sequence[_Span]) -> list[tuple[int, int]]:
    """The stretches of ``text`` to show: the whole of a short document, else the spans in context."""
    if len(text) <= WHOLE_DOCUMENT:
        return [(0, len(text))]
    windows: list[tuple[int, int]] = []
    for span in sorted(spans, key=lambda s: s.start):
        start, end = _widen(text, span.start, span.end)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` with CONTEXT characters either side, cut at white space so words stay whole."""
    left, right = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    return left, right


def _highlight(text: str, spans: Sequence[_Span]) -> str:
    """Escaped ``text`` with every span wrapped in its tag; overlapping spans are split so tags nest."""
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[str] = []
    open_: list[_Span] = []
    for start, end in pairwise(cuts):
        wanted = sorted(
            (s for s in spans if s.start <= start and end <= s.end), key=lambda s: (s.start, -s.end, s.tag)
        )
        keep = 0
        while keep < min(len(open_), len(wanted)) and open_[keep] == wanted[keep]:
            keep += 1
        out += [f"</{s.tag}>" for s in reversed(open_[keep:])]
        for span in wanted[keep:]:
            if span.label and span.start == start:
                out.append(f'<sup class="{_e(span.css)}">{_e(span.label)}</sup>')
            out.append(f'<{span.tag} class="{_e(span.css)}" title="{_e(span.title)}">')
        open_ = wanted
        out.append(_e(text[start:end]))
    out += [f"</{s.tag}>" for s in reversed(open_)]
    return "".join(out)


def _expected(turn: TurnResult) -> str:
    expect = turn.expect
    rows = [("refuse", "yes" if expect.refuse else "no")]
    rows += [("fact", f"<code>{_e(p)}</code>") for p in expect.facts]
    rows += [("evidence", f'<span class="expected">{_e(q)}</span>') for q in expect.evidence]
    rows += [("forbid", f"<code>{_e(p)}</code>") for p in expect.forbid]
    return f"<table class=kv><caption>Expected</caption>{_rows(rows)}</table>"


def _checks(turn: TurnResult) -> str:
    answer = turn.answer
    timings = answer.timings
    rows = [
        ("correct", "yes" if turn.correct else "no"),
        ("retrieval hit", "n/a" if turn.hit is None else ("yes" if turn.hit else "no")),
        ("reciprocal rank", "n/a" if turn.reciprocal_rank is None else f"{turn.reciprocal_rank:.3f}"),
        ("citations verbatim", "yes" if not turn.invalid_citations else ", ".join(turn.invalid_citations)),
        ("claims", f"{turn.claims} ({len(turn.unsupported)} unsupported)"),
        (
            "latency",
            f"{turn.latency_ms:,.0f} ms (retrieve {timings.retrieve_ms:,.0f}, generate "
            f"{timings.generate_ms:,.0f}, verify {timings.verify_ms:,.0f})",
        ),
        ("tokens", f"{answer.usage.prompt_tokens} prompt / {answer.usage.completion_tokens} completion"),
    ]
    rows += [("unsupported", f'<span class="bad">{_e(s)}</span>') for s in turn.unsupported]
    rows += [("dropped", f"{_e(d.text)} <small>— {_e(d.reason)}</small>") for d in answer.dropped]
    rows += [
        ("judge", f"{'✓' if j.supported else '✗'} {_e(j.claim)} <small>— {_e(j.verdict)}</small>")
        for j in turn.judged or []
    ]
    passages = "".join(
        f"<li><code>{_e(location(p))}</code> <small>score {p.score:.4f}</small></li>" for p in turn.passages
    )
    return (
        f"<table class=kv><caption>Checks</caption>{_rows(rows)}</table>"
        f"<details><summary>Retrieved passages ({len(turn.passages)})</summary><ol>{passages}</ol></details>"
    )


def _rows(rows: Iterable[tuple[str, str]]) -> str:
    """Table rows; the values are HTML already escaped by the caller."""
    return "".join(f"<tr><th>{_e(key)}</th><td>{value}</td></tr>" for key, value in rows)


CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#222}
h1{margin:.2rem 0}dl{display:grid;grid-template-columns:max-content 1fr;gap:0 1rem}dt{color:#666}
.cards{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
.cards div{border:1px solid #ddd;border-radius:6px;padding:.4rem .7rem;min-width:9rem}
.cards b{display:block;font-size:1.05rem}.cards span{color:#666;font-size:.85rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{text-align:left;padding:.15rem .6rem;vertical-align:top}
th{color:#555;font-weight:600}caption{text-align:left;font-weight:600}
.case{border:1px solid #ddd;border-left:6px solid #2a7;border-radius:6px;margin:.6rem 0;padding:.3rem .8rem}
.case.fail{border-left-color:#c33}.case summary{cursor:pointer}
.badge{font-weight:700;font-size:.8rem;padding:.05rem .4rem;border-radius:4px;color:#fff}
.badge.pass{background:#2a7}.badge.fail{background:#c33}
.turn{border-top:1px solid #eee;padding:.4rem 0}.why.fail{color:#c33;font-weight:600}.why.pass{color:#2a7}
.answer.refused{color:#a60}.bad{color:#c33}
.source{white-space:pre-wrap;background:#fafafa;border:1px solid #eee;padding:.5rem;font-size:.9rem}
figure{margin:.5rem 0}figcaption{font-weight:600}
mark.cite{background:#ffe16b}mark.evid{background:#cfe3ff}mark.bad{background:#ffb3b3}
sup.cite,sup.evid{font-weight:700;color:#555}
.expected{text-decoration:underline 2px dashed #2a7;text-underline-offset:3px}
ol.plain{margin:.2rem 0}ol.failed li{margin:.1rem 0}
input[name=show]{margin-left:1rem}
#show-failed:checked~main .case.pass,#show-passed:checked~main .case.fail{display:none}
"""


# -- gate ------------------------------------------------------------------------------------------


def gate_for(gate_file: Path, set_path: Path, backend: str) -> dict[str, dict[str, float]]:
    """The ``{"min": ..., "max": ...}`` limits for this eval set and backend, checked before use."""
    try:
        raw = yaml.safe_load(gate_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read gate file {gate_file}: {exc}") from None
    where = f"{gate_file}: {set_path.name} / {backend}"
    sets = raw if isinstance(raw, dict) else {}
    backends = sets.get(set_path.name)
    if not isinstance(backends, dict) or backend not in backends:
        known = ", ".join(f"{name}/{b}" for name, bs in sets.items() if isinstance(bs, dict) for b in bs)
        raise ConfigError(
            f"{gate_file}: no gate for {set_path.name} with backend {backend} (has: {known or 'none'})"
        )
    entry = backends[backend] or {}
    if not isinstance(entry, dict) or set(entry) - {"min", "max"}:
        raise ConfigError(f"{where}: expected a mapping with min and/or max")
    return {bound: _limits(entry.get(bound), f"{where} {bound}") for bound in ("min", "max")}


def _limits(raw: Any, where: str) -> dict[str, float]:
    """Metric → number; a typo in a metric name would otherwise fail the gate with a puzzling None."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of metric to number")
    for name, value in raw.items():
        if name not in GATE_METRICS:
            raise ConfigError(f"{where}: unknown metric {name!r} (one of: {', '.join(sorted(GATE_METRICS))})")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: {name} must be a number, not {value!r}")
    return dict(raw)
