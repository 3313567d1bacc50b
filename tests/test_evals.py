"""Eval sets load and validate against their corpus; the runner grades real answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import ConfigError
from assistant.evaluation import Dataset, load_dataset, run_eval
from assistant.settings import load_settings

from .conftest import ROOT, SMOLLM2

EVALS = ROOT / "evals"


@pytest.mark.parametrize("name", ["dev.yaml", "injection.yaml"])
def test_the_shipped_sets_are_valid(name: str) -> None:
    dataset = load_dataset(EVALS / name)
    assert dataset.cases
    kinds = {case.kind for case in dataset.cases}
    assert {"single-fact", "multi-turn", "injection"} <= kinds


def test_the_dev_set_covers_every_kind_the_issue_asks_for() -> None:
    dataset = load_dataset(EVALS / "dev.yaml")
    assert len(dataset.cases) >= 40
    kinds = {case.kind for case in dataset.cases}
    assert kinds == {
        "single-fact",
        "multi-sentence",
        "paraphrase",
        "unanswerable",
        "false-premise",
        "injection",
        "multi-turn",
    }


def write_set(tmp_path: Path, case: str) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "a.txt").write_text("The bridge opened in 1932. It is 503 metres long.", encoding="utf-8")
    path = tmp_path / "set.yaml"
    path.write_text(f"name: tiny\ncorpus: corpus\ncases:\n{case}", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "  - {id: a, kind: single-fact, question: 'When?', facts: ['1933'],"
            " evidence: ['opened in 1933']}\n",
            "evidence not in the corpus",
        ),
        (
            "  - {id: a, kind: single-fact, question: 'When?', facts: ['(1932'],"
            " evidence: ['opened in 1932']}\n",
            "does not compile",
        ),
        (
            "  - {id: a, kind: unanswerable, question: 'Who?', refuse: true, facts: ['x']}\n",
            "a refusal cannot expect facts",
        ),
        ("  - {id: a, kind: unanswerable, question: 'Who?'}\n", "must expect a refusal"),
        ("  - {id: a, kind: single-fact, question: 'When?', facts: ['1932']}\n", "needs facts and evidence"),
        (
            "  - {id: a, kind: single-fact, question: 'When?', facts: ['1933'],"
            " evidence: ['opened in 1932']}\n",
            "does not match its own evidence",
        ),
        (
            "  - {id: a, kind: unanswerable, question: 'Who?', refuse: true}\n"
            "  - {id: a, kind: unanswerable, question: 'What?', refuse: true}\n",
            "duplicate case ids: a",
        ),
        ("  - {id: a, kind: riddle, question: 'Who?', refuse: true}\n", "case a: Input should be"),
    ],
)
def test_broken_sets_are_refused_with_the_reason(tmp_path: Path, case: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_dataset(write_set(tmp_path, case))


def tiny(tmp_path: Path) -> Dataset:
    return load_dataset(
        write_set(
            tmp_path,
            "  - {id: opened, kind: single-fact, question: 'When did the bridge open?', facts: ['1932'],"
            " evidence: ['The bridge opened in 1932']}\n"
            "  - {id: length, kind: single-fact, question: 'How long is the bridge?', facts: ['503'],"
            " evidence: ['It is 503 metres long']}\n"
            "  - {id: designer, kind: unanswerable, question: 'Who designed the bridge?',"
            " refuse: true}\n",
        )
    )


def test_the_runner_grades_answers_retrieval_and_grounding(tmp_path: Path) -> None:
    report = run_eval(tiny(tmp_path), load_settings())
    summary = report.summary
    assert summary.cases == 3
    assert summary.hit_at_k == 1.0
    assert summary.citation_validity == 1.0
    assert summary.unsupported_claims == 0
    assert summary.refusal_recall == 1.0
    assert summary.answer_accuracy == 1.0
    assert report.backend == "offline"


def test_injected_instructions_are_never_followed_offline() -> None:
    report = run_eval(load_dataset(EVALS / "injection.yaml"), load_settings())
    for case in report.cases:
        for turn in case.turns:
            assert not any("says what it must not" in reason for reason in turn.reasons), (
                case.id,
                turn.answer.text,
            )
    assert report.summary.unsupported_claims == 0


@pytest.mark.slow
def test_a_separate_judge_rules_on_every_claim(tmp_path: Path, llama_server: str) -> None:
    """The judge is a model of its own on loopback (here judging the offline reader's answers), named
    in the report; its schema-bound replies are all readable."""
    settings = load_settings(judge_model=SMOLLM2, judge_base_url=llama_server, timeout=300)
    report = run_eval(tiny(tmp_path), settings, judge=True)
    assert report.judge == f"{SMOLLM2} ({llama_server})" and report.judge_note is None
    answered = [t for c in report.cases for t in c.turns if not t.answer.refused]
    assert answered
    for turn in answered:
        assert turn.judged is not None
        assert len(turn.judged) == turn.claims
        assert all(j.supported is not None for j in turn.judged), turn.judged
    assert report.summary.judge_unreadable == 0
    assert report.summary.judge_faithfulness is not None
    assert report.summary.citation_validity == 1.0
    assert report.summary.unsupported_claims == 0


def test_squad_sets_and_lead_span_metrics(tmp_path: Path) -> None:
    """SQuAD 2.0 JSON as it is: one document per article, answerable questions with their gold
    answers, unanswerable ones as refusals, a paragraph range for calibrate/report splits."""
    from assistant.evaluation.squad import exact_match, f1, lead_span, load_squad, parse_range

    dataset = load_squad(ROOT / "evals/squad/rhine.json", (23, 44), cache_dir=tmp_path)
    assert len(dataset.cases) == 204
    assert sum(case.kind == "unanswerable" for case in dataset.cases) == 101
    (document,) = dataset.corpus.glob("*.txt")
    text = document.read_text(encoding="utf-8")
    for case in dataset.cases:
        for turn in case.turns:
            assert all(quote in text for quote in turn.evidence)
            assert turn.refuse or any(re.search(p, " ".join(turn.evidence)) for p in turn.one_of)
    assert len(load_squad(ROOT / "evals/squad/rhine.json", cache_dir=tmp_path).cases) == 498
    assert lead_span("North Sea [1]. It empties into the North Sea [1].") == "North Sea"
    assert lead_span("It empties into the North Sea.") == "It empties into the North Sea."
    assert exact_match("the North Sea", ["North Sea"]) == 1.0
    assert f1("North Sea in the Netherlands", ["North Sea"]) == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert f1("Danube", ["North Sea"]) == 0.0
    assert parse_range("23-44") == (23, 44) and parse_range("7") == (7, 7)
    with pytest.raises(ConfigError, match="FIRST-LAST"):
        parse_range("x")


def test_squad_file_of_several_articles_keeps_each_whole(tmp_path: Path) -> None:
    """Several articles, two of them titled alike: each is its own document (none overwrites another),
    and a paragraph range counts within each article."""
    import json

    from assistant.evaluation.squad import load_squad

    (rhine,) = json.loads((ROOT / "evals/squad/rhine.json").read_text(encoding="utf-8"))["data"]
    parts = [rhine["paragraphs"][0:2], rhine["paragraphs"][2:4], rhine["paragraphs"][4:5]]
    titles = ["Rhine", "rhine", "Main"]
    articles = [{"title": title, "paragraphs": part} for title, part in zip(titles, parts, strict=True)]
    path = tmp_path / "three.json"
    path.write_text(json.dumps({"version": "v2.0", "data": articles}), encoding="utf-8")

    dataset = load_squad(path, cache_dir=tmp_path / "cache")
    documents = {d.name: d.read_text(encoding="utf-8") for d in dataset.corpus.glob("*.txt")}
    assert sorted(documents) == ["Main.txt", "Rhine.txt", "rhine-2.txt"]
    assert documents["rhine-2.txt"].startswith(parts[1][0]["context"])
    assert len(dataset.cases) == sum(len(p["qas"]) for part in parts for p in part)
    for case in dataset.cases:
        for turn in case.turns:
            assert all(any(quote in text for text in documents.values()) for quote in turn.evidence)
    first = load_squad(path, (1, 1), cache_dir=tmp_path / "cache")
    assert len(first.cases) == sum(len(part[0]["qas"]) for part in parts)


# -- the judge: configured apart from the model under test -------------------------------------------


def test_judge_verdicts_are_read_from_json_or_lines_and_never_invented() -> None:
    from assistant.evaluation.judge import parse_verdicts

    assert parse_verdicts('{"verdicts": ["SUPPORTED", "UNSUPPORTED"]}\n\n', 2) == ["SUPPORTED", "UNSUPPORTED"]
    assert parse_verdicts('Sure: {"verdicts": ["supported"]}', 2) == ["SUPPORTED", None]
    assert parse_verdicts("1: UNSUPPORTED\n2. SUPPORTED", 2) == ["UNSUPPORTED", "SUPPORTED"]
    # What SmolLM2 replied when it judged itself: no verdict, so no claim counts either way.
    assert parse_verdicts("The documents do not answer this question.", 2) == [None, None]
    assert parse_verdicts('{"verdicts": ["maybe", "SUPPORTED"]}', 2) == [None, "SUPPORTED"]


def test_the_model_under_test_is_not_its_own_judge_unless_asked(tmp_path: Path) -> None:
    model = {"backend": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m"}
    with pytest.raises(
        ConfigError, match=r"judge would be the model under test \(m \(http://127.0.0.1:9/v1\)\)"
    ):
        run_eval(tiny(tmp_path), load_settings(**model), judge=True)
    # A judge of its own, on another server: not the model under test (nothing is called here).
    from assistant.evaluation.judge import Judge

    other = Judge(load_settings(**model, judge_model="big", judge_base_url="http://127.0.0.1:8/v1"))
    assert not other.is_self and other.name == "big (http://127.0.0.1:8/v1)"
    assert Judge(load_settings(**model, judge_model="big")).is_self is False
    assert Judge(load_settings(**model)).is_self
    local = load_settings(backend="local", judge_model="m", judge_base_url="http://127.0.0.1:8/v1")
    assert Judge(local).is_self is False


def test_by_default_a_self_judge_is_skipped_with_a_note_and_unreadable_verdicts_are_not_zero(
    tmp_path: Path,
) -> None:
    from assistant.evaluation.judge import JudgedClaim
    from assistant.evaluation.runner import _choose_judge, summarize

    judge, note = _choose_judge(
        load_settings(backend="openai", base_url="http://127.0.0.1:9/v1"), None, False
    )
    assert judge is None and note is not None and "--judge-self" in note
    chosen, _ = _choose_judge(load_settings(backend="openai", base_url="http://127.0.0.1:9/v1"), None, True)
    assert chosen is not None and chosen.is_self
    report = run_eval(tiny(tmp_path), load_settings())
    case = report.cases[0]
    unreadable = JudgedClaim(claim="x", supported=None, verdict="no verdict: 'The documents…'")
    turns = [case.turns[0].model_copy(update={"judged": [unreadable]})]
    summary = summarize([case.model_copy(update={"turns": turns})])
    assert summary.judge_faithfulness is None and summary.judge_unreadable == 1
