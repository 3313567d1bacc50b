"""Turn by turn, where two runs of ``answer_eval.py`` on one set disagree: for each turn one got right
and the other wrong, the question, both answers and paths, the model's raw reply, and every sentence
of the model's that was not shown, with the reason (the error analysis behind README "The model path").

    python evals/model_path/compare.py offline replay-smollm2 [SET]    # SET: dev (default), mixed, …
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def turns(run: str, stem: str) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads((RESULTS / f"answer_{run}_{stem}.json").read_text(encoding="utf-8"))
    return list(data["turns"])


def main() -> None:
    first, second = sys.argv[1], sys.argv[2]
    stem = sys.argv[3] if len(sys.argv) > 3 else "dev"
    for a, b in zip(turns(first, stem), turns(second, stem), strict=True):
        if a["correct"] == b["correct"]:
            continue
        print(f"{'GAIN' if b['correct'] else 'LOSS'} {b['case']} ({b['kind']}): {b['question']}")
        for run, turn in ((first, a), (second, b)):
            print(f"  {run}: {turn['path']}, {'right' if turn['correct'] else 'wrong'}: {turn['text']}")
        if b["reply"]:
            print(f"  raw: {' '.join(b['reply']['raw'].split())}")
        for dropped in b["dropped"]:
            print(f"  not shown: {dropped['text']} — {dropped['reason']}")
        if b["notice"]:
            print(f"  notice: {b['notice']}")


if __name__ == "__main__":
    main()
