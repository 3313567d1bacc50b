"""Part 2: in-process (LocalModel) vs HTTP (openai client -> xllamacpp server), same prompts.

The prompt is the project's real answer prompt (prompts/system.md + answer.md, sources packed to
1,000 tokens) for the first N questions of evals/dev.yaml. ``cache_prompt: false`` makes every request
process its whole prompt (a fair comparison); a second in-process pass with the cache on shows what
llama.cpp's prefix cache saves. Also checks early cancellation and the cost of loading the model.

    PYTHONPATH=$PWD /work/main/.venv/bin/python evals/model_path/bench_inprocess.py [N]
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import openai
from common import RESULTS, isolated_index, model_path, pct, start_server
from local_model import LocalModel


def messages_for(questions: list[str]) -> list[list[dict[str, str]]]:
    isolated_index()
    from assistant import Assistant
    from assistant.prompts import answer_messages, pack
    from assistant.tokens import encoding_for_model

    a = Assistant()
    enc = encoding_for_model("gpt-4o-mini")
    return [answer_messages(q, pack(a.search(q), a.settings.context_tokens, enc)) for q in questions]


def summarise(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    out = {
        "name": name,
        "n": len(runs),
        "ttft_p50_s": round(pct([r["ttft"] for r in runs], 50), 3),
        "ttft_p90_s": round(pct([r["ttft"] for r in runs], 90), 3),
        "total_p50_s": round(pct([r["total"] for r in runs], 50), 3),
        "prompt_tokens_mean": round(sum(r["prompt_tokens"] for r in runs) / len(runs)),
        "completion_tokens_mean": round(sum(r["completion_tokens"] for r in runs) / len(runs), 1),
        "gen_tok_per_s_p50": round(pct([r["gen_tps"] for r in runs], 50), 1),
    }
    print(json.dumps(out))
    return out


def run_inprocess(model: LocalModel, msgs: list[dict[str, str]], cache: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    first = None
    usage: dict[str, Any] = {}
    for chunk in model.stream({"messages": msgs, "temperature": 0, "max_tokens": 150, "cache_prompt": cache}):
        for choice in chunk.get("choices", []):
            if (choice.get("delta") or {}).get("content") and first is None:
                first = time.perf_counter()
        usage = chunk.get("usage") or usage
    end = time.perf_counter()
    first = first or end
    n = usage.get("completion_tokens", 0)
    return {
        "ttft": first - t0,
        "total": end - t0,
        "prompt_tokens": usage.get("prompt_tokens", 0),
        "completion_tokens": n,
        "gen_tps": (n - 1) / (end - first) if n > 1 and end > first else 0.0,
    }


def run_http(client: openai.OpenAI, msgs: list[dict[str, str]]) -> dict[str, Any]:
    t0 = time.perf_counter()
    first = None
    usage = None
    stream = client.chat.completions.create(
        model="smollm2-135m",
        messages=msgs,
        temperature=0,
        max_tokens=150,
        stream=True,  # type: ignore[arg-type]
        stream_options={"include_usage": True},
        extra_body={"cache_prompt": False},
    )
    for ev in stream:
        usage = ev.usage or usage
        for c in ev.choices:
            if c.delta and c.delta.content and first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    first = first or end
    n = usage.completion_tokens if usage else 0
    return {
        "ttft": first - t0,
        "total": end - t0,
        "prompt_tokens": usage.prompt_tokens if usage else 0,
        "completion_tokens": n,
        "gen_tps": (n - 1) / (end - first) if n > 1 and end > first else 0.0,
    }


def load() -> float:
    return round(os.getloadavg()[0], 2)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    from common import ROOT

    from assistant.evaluation.dataset import load_dataset

    cases = [c for c in load_dataset(ROOT / "evals" / "dev.yaml").cases if c.kind != "multi-turn"][:n]
    all_msgs = messages_for([c.turns[0].question for c in cases])
    report: dict[str, Any] = {"load_before": load()}

    t = time.perf_counter()
    model = LocalModel(model_path(), alias="smollm2-135m")
    report["inprocess_load_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    server, base = start_server()
    report["http_server_ready_s"] = round(time.perf_counter() - t, 3)
    client = openai.OpenAI(base_url=base, api_key="not-needed", max_retries=0, timeout=300)
    print("load: in-process", report["inprocess_load_s"], "s; HTTP ready", report["http_server_ready_s"], "s")

    # warm-up both, then interleave (alternating which goes first) so machine load hits both alike
    run_inprocess(model, all_msgs[0], cache=False)
    run_http(client, all_msgs[0])
    inproc, http, cached = [], [], []
    for i, msgs in enumerate(all_msgs):
        pair = [
            lambda m=msgs: inproc.append(run_inprocess(model, m, cache=False)),
            lambda m=msgs: http.append(run_http(client, m)),
        ]
        for run in pair if i % 2 == 0 else pair[::-1]:
            run()
    for msgs in all_msgs:
        cached.append(run_inprocess(model, msgs, cache=True))
    report["inprocess_nocache"] = summarise("in-process, cache_prompt=false", inproc)
    report["http_nocache"] = summarise("HTTP (openai client), cache_prompt=false", http)
    report["inprocess_cache"] = summarise("in-process, cache_prompt=true (prefix reuse)", cached)

    # early cancellation: close the generator after 3 chunks; the next request must not wait for the
    # cancelled one (500 tokens would take ~15 s). Compared with the same request just before.
    probe = all_msgs[1]
    before = run_inprocess(model, probe, cache=False)["ttft"]
    gen = model.stream(
        {
            "messages": [{"role": "user", "content": "Write a long story about a dragon."}],
            "temperature": 0,
            "max_tokens": 500,
            "cache_prompt": False,
        }
    )
    for _, _chunk in zip(range(3), gen, strict=False):
        pass
    t = time.perf_counter()
    gen.close()
    closed = time.perf_counter() - t
    after = run_inprocess(model, probe, cache=False)["ttft"]
    report["cancel"] = {
        "close_s": round(closed, 3),
        "ttft_before_s": round(before, 3),
        "ttft_after_s": round(after, 3),
    }
    print("cancel", report["cancel"])

    # errors surface as exceptions
    try:
        bad = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": 7}}}
        model.complete({"messages": [{"role": "user", "content": "x"}], "response_format": bad})
        report["bad_schema"] = "no error"
    except Exception as exc:
        report["bad_schema"] = f"{type(exc).__name__}: {str(exc)[:120]}"
    print("bad schema ->", report["bad_schema"])
    model.close()
    del server
    report["load_after"] = load()
    print("load average before/after", report["load_before"], report["load_after"])
    (RESULTS / "inprocess.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
