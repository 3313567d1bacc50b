"""Part 1: which request fields does xllamacpp's llama.cpp server honour through the ``openai`` client?

Each probe is built so that "ignored" and "honoured" give different, checkable outputs (a schema the
model would never follow by itself, a stop string that must cut, a penalty that must change a
repetitive greedy output, ...). Prints one line per probe and writes results/capabilities.json.

    PYTHONPATH=$PWD /work/main/.venv/bin/python evals/model_path/probe_capabilities.py
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai
from common import RESULTS, start_server

ODD_SCHEMA = {  # nothing the model would write unprompted: a fixed key and a fixed, odd value
    "type": "object",
    "properties": {"verdict": {"type": "string", "enum": ["zebra-purple-42"]}},
    "required": ["verdict"],
    "additionalProperties": False,
}
ASK = [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}]
REPEAT = [{"role": "user", "content": "Write the word cat twenty times, separated by spaces."}]


def conforms_odd(text: str) -> bool:
    try:
        return json.loads(text) == {"verdict": "zebra-purple-42"}
    except ValueError:
        return False


def main() -> None:  # noqa: PLR0915 - one probe after another, on purpose
    server, base = start_server()
    root = base.removesuffix("/v1")
    client = openai.OpenAI(base_url=base, api_key="not-needed", max_retries=0, timeout=120)
    results: dict[str, Any] = {}

    def chat(messages: list[dict[str, str]] = ASK, **kw: Any) -> Any:
        kw.setdefault("temperature", 0.0)
        kw.setdefault("max_tokens", 60)
        return client.chat.completions.create(model="smollm2-135m", messages=messages, **kw)

    def record(name: str, honoured: bool | None, detail: Any) -> None:
        results[name] = {"honoured": honoured, "detail": detail}
        print(f"{name:38s} {honoured!s:6s} {json.dumps(detail, ensure_ascii=False)[:220]}")

    plain = chat().choices[0]
    record("baseline", None, {"text": plain.message.content, "finish": plain.finish_reason})

    # -- structured output ---------------------------------------------------------------------
    rf = {"type": "json_schema", "json_schema": {"name": "probe", "strict": True, "schema": ODD_SCHEMA}}
    r = chat(response_format=rf).choices[0]
    record("response_format json_schema", conforms_odd(r.message.content), r.message.content)

    r = chat(response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": ODD_SCHEMA}})
    record(
        "response_format json_schema no strict",
        conforms_odd(r.choices[0].message.content),
        r.choices[0].message.content,
    )

    r = chat(response_format={"type": "json_object"}).choices[0]
    try:
        json.loads(r.message.content)
        ok = True
    except ValueError:
        ok = False
    record("response_format json_object", ok, r.message.content)

    # json_object with a schema inside (llama.cpp extension: {"type":"json_object","schema":{...}})
    r = chat(response_format={"type": "json_object", "schema": ODD_SCHEMA}).choices[0]  # type: ignore[arg-type]
    record("response_format json_object+schema", conforms_odd(r.message.content), r.message.content)

    r = chat(extra_body={"json_schema": ODD_SCHEMA}).choices[0]
    record("extra_body json_schema", conforms_odd(r.message.content), r.message.content)

    r = chat(extra_body={"grammar": 'root ::= "XYZZY-" [0-9] [0-9]'}).choices[0]
    text = r.message.content or ""
    record("extra_body grammar (GBNF)", text.startswith("XYZZY-") and len(text) == 8, text)

    # an enum of ids inside an array: the pick-the-sentence design relies on it
    ids_schema = {
        "type": "object",
        "properties": {
            "ids": {
                "type": "array",
                "items": {"type": "string", "enum": ["3.2", "1.4"]},
                "minItems": 1,
                "maxItems": 2,
            },
        },
        "required": ["ids"],
        "additionalProperties": False,
    }
    r = chat(response_format={"type": "json_schema", "json_schema": {"name": "ids", "schema": ids_schema}})
    text = r.choices[0].message.content or ""
    try:
        ids = json.loads(text)["ids"]
        ok = 1 <= len(ids) <= 2 and set(ids) <= {"3.2", "1.4"}
    except (ValueError, KeyError, TypeError):
        ok = False
    record("json_schema enum items + maxItems", ok, text)

    # both given: which wins? (llama.cpp: json_schema and grammar are mutually exclusive -> 400?)
    try:
        r = chat(response_format=rf, extra_body={"grammar": 'root ::= "XYZZY"'})
        record("response_format + grammar together", None, r.choices[0].message.content)
    except openai.APIStatusError as exc:
        record("response_format + grammar together", None, f"{exc.status_code}: {str(exc)[:160]}")

    # a malformed schema: is it rejected (400) or ignored?
    try:
        r = chat(response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": 7}}})
        record("malformed schema", None, {"status": 200, "text": r.choices[0].message.content})
    except openai.APIStatusError as exc:
        record("malformed schema", None, f"{exc.status_code}: {str(exc)[:160]}")

    # an unknown response_format type
    try:
        r = chat(response_format={"type": "yaml"})  # type: ignore[arg-type,typeddict-item]
        record("response_format type=yaml", None, {"status": 200, "text": r.choices[0].message.content})
    except openai.APIStatusError as exc:
        record("response_format type=yaml", None, f"{exc.status_code}: {str(exc)[:160]}")

    # unknown top-level field: ignored or refused?
    try:
        r = chat(extra_body={"no_such_field": 1})
        record("unknown field", None, "accepted (ignored)")
    except openai.APIStatusError as exc:
        record("unknown field", None, f"{exc.status_code}: {str(exc)[:160]}")

    # -- stop, length ----------------------------------------------------------------------------
    r = chat(stop=["Paris"]).choices[0]
    record(
        "stop",
        "Paris" not in (r.message.content or "") and r.finish_reason == "stop",
        {"text": r.message.content, "finish": r.finish_reason},
    )

    r = chat(max_tokens=3)
    record(
        "finish_reason length (non-stream)",
        r.choices[0].finish_reason == "length",
        {
            "text": r.choices[0].message.content,
            "finish": r.choices[0].finish_reason,
            "completion_tokens": r.usage.completion_tokens if r.usage else None,
        },
    )

    stream = chat(max_tokens=3, stream=True, stream_options={"include_usage": True})
    finishes, usage, parts = [], None, []
    for ev in stream:
        usage = ev.usage or usage
        for c in ev.choices:
            if c.delta and c.delta.content:
                parts.append(c.delta.content)
            if c.finish_reason:
                finishes.append(c.finish_reason)
    record(
        "finish_reason length (stream)",
        finishes == ["length"],
        {"finishes": finishes, "text": "".join(parts), "usage": usage.model_dump() if usage else None},
    )

    # -- streaming with a schema --------------------------------------------------------------------
    t0 = time.monotonic()
    stream = chat(response_format=rf, stream=True, stream_options={"include_usage": True})
    parts, finishes, first = [], [], None
    for ev in stream:
        for c in ev.choices:
            if c.delta and c.delta.content:
                first = first or time.monotonic() - t0
                parts.append(c.delta.content)
            if c.finish_reason:
                finishes.append(c.finish_reason)
    record(
        "stream + json_schema",
        conforms_odd("".join(parts)),
        {
            "chunks": len(parts),
            "first_chunk_s": round(first or -1, 3),
            "finishes": finishes,
            "text": "".join(parts),
        },
    )

    # -- penalties ------------------------------------------------------------------------------------
    base_rep = chat(REPEAT, max_tokens=40).choices[0].message.content
    for name, kw in {
        "frequency_penalty": {"frequency_penalty": 2.0},
        "presence_penalty": {"presence_penalty": 2.0},
        "repeat_penalty (extra_body)": {"extra_body": {"repeat_penalty": 2.0}},
    }.items():
        out = chat(REPEAT, max_tokens=40, **kw).choices[0].message.content
        record(name, out != base_rep, {"without": base_rep[:80], "with": (out or "")[:80]})

    # -- seed -----------------------------------------------------------------------------------------
    story = [{"role": "user", "content": "Write one sentence about a dog."}]
    a = chat(story, temperature=1.0, seed=7).choices[0].message.content
    b = chat(story, temperature=1.0, seed=7).choices[0].message.content
    c = chat(story, temperature=1.0, seed=8).choices[0].message.content
    record("seed", a == b and a != c, {"seed7": a, "seed7 again": b, "seed8": c})

    # -- logit_bias -------------------------------------------------------------------------------------
    tokens = httpx.post(f"{root}/tokenize", json={"content": "The", "add_special": False}).json()["tokens"]
    first_word = (plain.message.content or "").split()[0]
    first_ids = httpx.post(f"{root}/tokenize", json={"content": first_word}).json()["tokens"]
    bias = {str(first_ids[0]): -100}
    out = chat(logit_bias=bias).choices[0].message.content or ""
    record(
        "logit_bias (OpenAI dict)",
        not out.startswith(first_word),
        {"banned": first_word, "token": first_ids[0], "text": out, "tokens_The": tokens},
    )

    # -- logprobs ----------------------------------------------------------------------------------------
    r = chat(max_tokens=3, logprobs=True, top_logprobs=3).choices[0]
    lp = r.logprobs.content if r.logprobs else None
    record(
        "logprobs/top_logprobs",
        bool(lp),
        [(t.token, round(t.logprob, 3), [x.token for x in t.top_logprobs]) for t in lp or []],
    )

    # -- n > 1 ------------------------------------------------------------------------------------------
    try:
        r = chat(n=2, temperature=1.0)
        record("n=2", len(r.choices) == 2, [c.message.content for c in r.choices])
    except openai.APIStatusError as exc:
        record("n=2", False, f"{exc.status_code}: {str(exc)[:160]}")

    # -- discovery endpoints --------------------------------------------------------------------------
    props = httpx.get(f"{root}/props").json()
    models = httpx.get(f"{base}/models").json()
    record(
        "GET /props",
        True,
        {k: props.get(k) for k in ("build_info", "model_alias", "total_slots")}
        | {
            "n_ctx": props["default_generation_settings"]["n_ctx"],
            "default_temperature": props["default_generation_settings"]["params"]["temperature"],
        },
    )
    record(
        "GET /v1/models",
        True,
        {
            "id": models["data"][0]["id"],
            "owned_by": models["data"][0]["owned_by"],
            "meta": models["data"][0].get("meta"),
        },
    )
    (RESULTS / "capabilities.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    del server


if __name__ == "__main__":
    main()
