"""The eval report: terminal summary, self-contained HTML with highlighted quotes, and gate limits.

One real eval run (offline backend, a tiny corpus written here) feeds every test that needs a report.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from assistant.evaluation import EvalReport, Limits, load_dataset, run_eval
from assistant.evaluation.html import PASSED, render_html, write_html
from assistant.evaluation.judge import JudgedClaim
from assistant.evaluation.report import print_report
from assistant.evaluation.runner import pool, summarize
from assistant.models import DroppedSentence
from assistant.settings import load_settings

SCRIPT = "<script>alert(1)</script>"
MUSEUM = f"""The Harbor Museum opens at nine in the morning and closes at five in the afternoon.
Admission to the Harbor Museum is free on Sundays.
The museum was founded in 1921 by the shipbuilder Clara Voss.
Its web form once received the text {SCRIPT} from a prankster, and the curator kept it.
"""
PLANTS = """carrots tulips roses beans onions lettuce garlic peppers leeks radishes squash fennel basil
thyme mint sage dill kale chard peas""".split()
GARDEN = "\n".join(  # longer than the report shows whole, so it is cut to excerpts
    [
        "The Riverside Garden covers four hectares along the river bank.",
        *(
            f"Bed number {i} of the garden is planted with {p} every year by volunteers."
            for i, p in enumerate(PLANTS, 1)
        ),
        "The bed behind the old shed is left fallow so that the soil can rest between seasons.",
        "The compost heaps sit behind the greenhouse, next to the rainwater tanks.",
        "The head gardener of the Riverside Garden is Tomas Brandt, who has worked there since 2009.",
    ]
)
EVAL_SET = r"""
name: tiny
corpus: corpus
cases:
  - id: founder
    kind: single-fact
    question: Who founded the Harbor Museum?
    facts: ['(?i)clara\s+voss']
    evidence: ["The museum was founded in 1921 by the shipbuilder Clara Voss."]
  - id: wrong-expectation  # expects the gardener for a museum question: fails whatever is answered
    kind: single-fact
    question: When does the Harbor Museum open?
    facts: ['(?i)tomas\s+brandt']
    evidence: ["The head gardener of the Riverside Garden is Tomas Brandt"]
  - id: museum-cafe
    kind: unanswerable
    question: What does the Harbor Museum cafe serve for lunch?
    refuse: true
  - id: gardener-chat
    kind: multi-turn
    turns:
      - question: Who is the head gardener of the Riverside Garden?
        facts: ['(?i)tomas\s+brandt']
        evidence: ["The head gardener of the Riverside Garden is Tomas Brandt"]
      - question: Since when has he worked there?
        facts: ['2009']
        evidence: ["who has worked there since 2009"]
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny set and its corpus, and a second set of two of its cases on the same corpus."""
    root = tmp_path_factory.mktemp("eval")
    (root / "corpus").mkdir()
    (root / "corpus" / "museum.txt").write_text(MUSEUM, encoding="utf-8")
    (root / "corpus" / "garden.txt").write_text(GARDEN, encoding="utf-8")
    (root / "tiny.yaml").write_text(EVAL_SET, encoding="utf-8")
    two = yaml.safe_load(EVAL_SET) | {"name": "two"}
    two["cases"] = two["cases"][:2]
    (root / "two.yaml").write_text(yaml.safe_dump(two), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def report(root: Path) -> Iterator[EvalReport]:
    """One eval run for the module, as isolated as conftest's per-test environment."""
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith(("ASSISTANT_", "OPENAI_"))]:
            env.delenv(name)
        env.setenv("ASSISTANT_INDEX_DIR", str(root / "index"))
        env.chdir(root)
        yield run_eval(load_dataset(root / "tiny.yaml"), load_settings(backend="offline"))


@pytest.fixture(scope="module")
def page(report: EvalReport, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("html") / "report.html"
    write_html(report, path)
    return path.read_text(encoding="utf-8")


def test_the_tiny_set_has_passes_and_failures(report: EvalReport) -> None:
    """The other tests are only meaningful when the report holds both."""
    assert {case.passed for case in report.cases} == {True, False}
    assert not next(c for c in report.cases if c.id == "wrong-expectation").passed


def test_terminal_report_names_metrics_and_failed_cases(report: EvalReport) -> None:
    console = Console(record=True, width=80)
    print_report(console, report)
    text = console.export_text()
    for name in (
        "cases passed",
        "answer accuracy",
        "hit@5",
        "MRR",
        "citation validity",
        "unsupported claims",
        "groundedness",
        "refusal precision",
        "refusal recall",
        "latency p50 / p95",
        "tokens per answer",
        "multi-turn",
    ):
        assert name in text
    assert "judge faithfulness" not in text  # offline: no judge ran
    failed = [case.id for case in report.cases if not case.passed]
    for case_id in failed:
        assert case_id in text
    assert "gardener-chat" not in text  # it passed: not listed
    assert max(len(line) for line in text.splitlines()) <= 80


def _marks(page: str, css: str) -> set[str]:
    """The text inside each <mark> of a class, with nested tags (expected evidence) removed."""
    inner = re.findall(rf'<mark class="{css}"[^>]*>(.*?)</mark>', page, flags=re.S)
    return {re.sub(r"<[^>]+>", "", part) for part in inner}


def test_html_highlights_every_quote_in_its_source(report: EvalReport, page: str) -> None:
    turns = [turn for case in report.cases for turn in case.turns]
    cited = {c.quote for t in turns for c in t.answer.citations}
    closest = {c.quote for t in turns for c in t.answer.evidence}
    assert cited
    assert {html.escape(q) for q in cited} <= _marks(page, "cite")
    assert {html.escape(q) for q in closest} <= _marks(page, "evid")
    gardener = "The head gardener of the Riverside Garden is Tomas Brandt"
    assert f'<span class="expected" title="expected evidence">{gardener}</span>' in page


def test_html_shows_long_documents_as_excerpts(report: EvalReport, page: str) -> None:
    assert any(
        c.doc_id == "garden.txt" for case in report.cases for t in case.turns for c in t.answer.citations
    )
    assert "Bed number 1 of the garden is planted with carrots" not in page
    assert "… " in page


def test_html_escapes_document_text(page: str) -> None:
    assert html.escape(SCRIPT) in page
    assert "<script" not in page.lower()


def test_html_marks_each_case_and_lists_failures_first(report: EvalReport, page: str) -> None:
    states = {
        case_id: state for state, case_id in re.findall(r'class="case (pass|fail)" id="case-([^"]+)"', page)
    }
    assert states == {case.id: "pass" if case.passed else "fail" for case in report.cases}
    order = [state for state, _ in re.findall(r'class="case (pass|fail)" id="case-([^"]+)"', page)]
    assert order == sorted(order)  # "fail" < "pass"
    assert (
        "wrong-expectation" in page.split("<main>", maxsplit=1)[0]
    )  # linked from the failed list in the header
    for reason in (r for case in report.cases for t in case.turns for r in t.reasons):
        assert html.escape(reason) in page
    if any(t.passed and not t.expect.refuse for case in report.cases for t in case.turns):
        assert PASSED in page
    assert "Standalone:" in page  # the follow-up of the multi-turn case was rewritten


def test_html_is_one_self_contained_file(page: str) -> None:
    assert page.startswith("<!doctype html>")
    assert not re.search(r"https?://", page)
    assert not re.search(r"<(link|img|iframe|object|embed)\b|@import|url\(", page, flags=re.I)


def test_html_flags_a_quote_that_is_not_at_its_offsets(report: EvalReport) -> None:
    """A moved citation overlaps the real one: it is marked as wrong and the tags still nest."""
    case = next(c for c in report.cases if c.id == "gardener-chat")
    turn = case.turns[0]
    good = turn.answer.citations[0]
    moved = good.model_copy(update={"number": 2, "start": good.start - 20, "end": good.end - 20})
    answer = turn.answer.model_copy(update={"citations": [good, moved]})
    broken = case.model_copy(update={"turns": [turn.model_copy(update={"answer": answer})]})
    page = render_html(report.model_copy(update={"cases": [broken]}))
    assert '<mark class="cite bad" title="[2] garden.txt:' in page
    assert "the quote is NOT the text at these offsets" in page
    assert page.count("<mark") == page.count("</mark>") > 2  # the overlap is split, not crossed
    assert re.search(r"<sup[^>]*>\[1\]</sup><mark class=\"cite\"", page)


def test_html_shows_unsupported_dropped_and_judged_sentences(report: EvalReport) -> None:
    case = next(c for c in report.cases if c.id == "gardener-chat")
    answer = case.turns[0].answer.model_copy(
        update={"dropped": [DroppedSentence(text="He <b>owns</b> it.", reason="no quote supports it")]}
    )
    turn = case.turns[0].model_copy(
        update={
            "answer": answer,
            "unsupported": ["Tomas & Clara run it."],
            "judged": [
                JudgedClaim(claim="Tomas <i>is</i> head gardener", supported=True, verdict="SUPPORTED")
            ],
        }
    )
    page = render_html(report.model_copy(update={"cases": [case.model_copy(update={"turns": [turn]})]}))
    assert "Tomas &amp; Clara run it." in page
    assert "He &lt;b&gt;owns&lt;/b&gt; it. <small>— no quote supports it</small>" in page
    assert "✓ Tomas &lt;i&gt;is&lt;/i&gt; head gardener <small>— SUPPORTED</small>" in page


def test_json_round_trips(report: EvalReport) -> None:
    assert EvalReport.model_validate_json(report.model_dump_json()) == report


def test_gate_failures_flags_a_broken_floor_and_ceiling(report: EvalReport) -> None:
    summary = report.summary
    assert Limits(min={"citation_validity": 1.0}, max={"unsupported_claims": 0}).failures(summary) == []
    failures = Limits(
        min={"answer_accuracy": summary.answer_accuracy + 0.01}, max={"turns": summary.turns - 1}
    ).failures(summary)
    assert failures == [
        f"answer_accuracy = {summary.answer_accuracy} < {summary.answer_accuracy + 0.01}",
        f"turns = {summary.turns} > {summary.turns - 1}",
    ]


def test_a_pool_grades_the_cases_of_its_sets_together(report: EvalReport) -> None:
    first = report.model_copy(update={"cases": report.cases[:1], "summary": summarize(report.cases[:1])})
    pooled = pool("both", [first, report])
    assert pooled.dataset == "both"
    assert pooled.cases == [*report.cases[:1], *report.cases]
    assert pooled.summary.turns == first.summary.turns + report.summary.turns
    right = sum(t.correct for case in pooled.cases for t in case.turns)
    assert pooled.summary.answer_accuracy == round(right / pooled.summary.turns, 4)
    alone = {first.summary.answer_accuracy, report.summary.answer_accuracy}
    assert pooled.summary.answer_accuracy not in alone  # weighted by turns, not either set's figure


ASSISTANT = str(Path(sys.executable).with_name("assistant"))


def _eval(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {"ASSISTANT_INDEX_DIR": str(root / "cli-index"), "COLUMNS": "100"}
    return subprocess.run(
        [ASSISTANT, "eval", *args], check=False, cwd=root, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_eval_gates_each_set_and_their_pool(root: Path, report: EvalReport) -> None:
    """Floors each set passes, and a pool floor above what the two sets reach together."""
    gate = root / "gate.yaml"
    limits = {"offline": {"min": {"citation_validity": 1.0}}}
    pooled = {"offline": {"min": {"answer_accuracy": 0.99}, "max": {"unsupported_claims": 0}}}
    gate.write_text(yaml.safe_dump({"tiny.yaml": limits, "two.yaml": limits, "both": pooled}))
    result = _eval(root, "--set", "tiny.yaml", "--set", "two.yaml", "--pool", "both", "--gate", str(gate))
    assert result.returncode == 1, result.stderr
    out = result.stdout + result.stderr
    assert "tiny ·" in out and "two ·" in out and "both · offline" in out
    assert "gate passed: tiny.yaml (1 limits)" in out and "gate passed: two.yaml (1 limits)" in out
    assert "gate failed: both: answer_accuracy = " in out and "< 0.99" in out
    assert "Traceback" not in out


def test_eval_refuses_a_gate_without_the_pool_before_running_anything(root: Path) -> None:
    gate = root / "gate-no-pool.yaml"
    gate.write_text(yaml.safe_dump({"tiny.yaml": {"offline": {"min": {"citation_validity": 1.0}}}}))
    result = _eval(root, "--set", "tiny.yaml", "--pool", "both", "--gate", str(gate))
    assert result.returncode != 0
    assert "no gate for both with backend offline" in result.stderr + result.stdout
    assert "answer accuracy" not in result.stdout  # failed before the set ran


def test_eval_writes_one_report_from_several_sets_only_as_a_pool(root: Path, tmp_path: Path) -> None:
    result = _eval(root, "--set", "tiny.yaml", "--set", "two.yaml", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 2 and "name a --pool" in result.stderr
    assert not (tmp_path / "r.json").exists()
