"""The model path on an eval set, three ways: the offline reader, SmolLM2-135M-Instruct served by
xllamacpp on loopback (one thread), and the scripted strong model (``tests/scripted_model.py``).

    PYTHONPATH=$PWD /work/main/.venv/bin/python evals/model_path/answer_eval.py offline|smollm2|strong [SET]
    … answer_eval.py smollm2-offline-condense   # diagnostic: SmolLM2 answers, follow-ups condensed offline
    … answer_eval.py replay-smollm2 [SET]   # SmolLM2's recorded replies (results/answer_smollm2_SET.json)
    PYTHONPATH=$PWD /work/main/.venv/bin/python evals/model_path/answer_eval.py table [SET]   # README table

``answer_smollm2-main_SET.json`` is SmolLM2's run under the code before the reader judged relevance
(commit 9ed640b): for dev.yaml the live run, for a held-out set its replies replayed there.

Each run indexes the set's corpus in a fresh temp dir, prints the terminal report and writes
``results/answer_<name>.json``: the summary and, per turn, the path, the reply, the answer and what
was dropped. No judge: SmolLM2 cannot judge (REPORT § 5) and the scripted model does not.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"


def settings_for(name: str, stack: ExitStack, stem: str = "dev") -> dict[str, Any]:
    if name == "offline":
        return {}
    if name == "smollm2-offline-condense":  # what the model path gives once follow-ups are condensed well
        from assistant.backends.offline import OfflineBackend
        from assistant.backends.openai import OpenAIBackend

        OpenAIBackend.condense = OfflineBackend.condense  # type: ignore[method-assign,assignment]
        return settings_for("smollm2", stack)
    if name == "smollm2":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from serve import serve  # beside this file

        from tests.conftest import free_port

        port = free_port()
        server = serve(port, threads=1)
        stack.callback(lambda: server)  # kept alive for the run
        return {
            "backend": "openai",
            "base_url": f"http://127.0.0.1:{port}/v1",
            "model": "smollm2-135m",
            "timeout": 300.0,
            "max_retries": 0,
        }
    if name == "strong":
        from tests.scripted_model import ScriptedModel

        model = stack.enter_context(ScriptedModel())
        return {"backend": "openai", "base_url": model.url, "model": "scripted-strong", "max_retries": 0}
    if name == "replay-smollm2":  # SmolLM2's recorded replies, under today's checks and policy
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from replay import ReplayModel  # beside this file

        replay = ReplayModel(RESULTS / f"answer_smollm2_{stem}.json")
        stack.enter_context(replay)
        stack.callback(lambda: replay.missing and print(f"not recorded: {replay.missing}", file=sys.stderr))
        return {
            "backend": "openai",
            "base_url": replay.url,
            "model": "replay-smollm2",
            "answer_shape": "structured",
            "max_retries": 0,
        }
    raise SystemExit(
        f"unknown run {name!r}: offline, smollm2, smollm2-offline-condense, replay-smollm2 or strong"
    )


ROWS = {
    "offline": "offline reader",
    "smollm2-main": "SmolLM2-135M-Instruct (structured), the rules-only relevance check of before",
    "smollm2": "SmolLM2-135M-Instruct (structured), live",
    "replay-smollm2": "SmolLM2-135M-Instruct (structured), its replies replayed under this commit's checks",
    "strong": "scripted strong model (text)",
}


def table(stem: str) -> str:
    """The README's table from the three runs' results."""
    lines = [
        "| answers by | accuracy | refusal P / R | unsupported | truncated shown "
        "| off-topic shown (the model's) | paths (model / fallback / gate) | latency p50 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in ROWS.items():
        path = RESULTS / f"answer_{name}_{stem}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        s = data["summary"]
        by_model = sum(len(t["off_topic"]) for t in data["turns"] if t["path"] == "model")
        paths = s["paths"]
        routes = f"{paths.get('model', 0)} / {paths.get('fallback', 0)} / {paths.get('gate', 0)}"
        latency = f"{s['latency_p50_ms'] / 1000:,.2f} s"
        if name == "replay-smollm2" or (name == "smollm2-main" and stem != "dev"):
            latency = "— (replayed)"  # a live run's replies under other code: no model time
        if name == "offline":
            routes = f"— (offline {paths.get('offline', 0)}, gate {paths.get('gate', 0)})"
        lines.append(
            f"| {label} | {s['answer_accuracy']:.1%} "
            f"| {s['refusal_precision']:.1%} / {s['refusal_recall']:.1%} "
            f"| {s['unsupported_claims']} of {s['claims']} | {s['truncated_shown']} "
            f"| {s['off_topic_shown']} ({by_model}) "
            f"| {routes} | {latency} |"
        )
    return "\n".join(lines)


def main() -> None:
    name = sys.argv[1]
    set_path = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "evals" / "dev.yaml"
    if name == "table":
        print(table(set_path.stem))
        return
    os.environ["ASSISTANT_INDEX_DIR"] = tempfile.mkdtemp(prefix=f"answer-eval-{name}-")
    sys.path.insert(0, str(ROOT))
    from assistant.evaluation.report import print_report
    from assistant.evaluation.runner import run_eval
    from assistant.evaluation.sets import load_dataset
    from assistant.present import console
    from assistant.settings import load_settings

    with ExitStack() as stack:
        settings = load_settings(**settings_for(name, stack, set_path.stem))

        def progress(done: int, total: int) -> None:
            print(f"{done}/{total}", file=sys.stderr, flush=True)

        report = run_eval(load_dataset(set_path), settings, judge=False, progress=progress)
    print_report(console(), report)
    turns = [
        {
            "case": case.id,
            "kind": case.kind,
            "question": t.question,
            "standalone": t.answer.standalone_question,
            "follow_up": t.answer.follow_up.model_dump() if t.answer.follow_up else None,
            "correct": t.correct,
            "path": t.answer.path,
            "notice": t.answer.notice,
            "text": t.answer.text,
            "reply": t.answer.reply.model_dump() if t.answer.reply else None,
            "dropped": [d.model_dump() for d in t.answer.dropped],
            "truncated": t.truncated,
            "off_topic": t.off_topic,
            "latency_ms": t.latency_ms,
            "reasons": t.reasons,
        }
        for case in report.cases
        for t in case.turns
    ]
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"answer_{name}_{set_path.stem}.json"
    out.write_text(
        json.dumps({"summary": report.summary.model_dump(), "turns": turns}, indent=1, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
