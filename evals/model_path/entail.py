"""Part 5: can SmolLM2 judge whether cited sentences support a claim? Measured on evals/claims.yaml.

Each claim is shown with the sentence(s) a model would cite: for a supported claim, the article
sentence(s) its ``source`` spans; for an unsupported claim, the article sentence the project's
retriever ranks most relevant to it (the most confusable one). Claims are shuffled (seed 0) so a batch
mixes both kinds. Runs:
  batch 1   one claim per call, schema {"supported": boolean}, with logprobs: P(true) gives a
            threshold-free score (ROC AUC)
  batch 6   six claims per call, schema {"verdicts": [6 x "SUPPORTED"|"UNSUPPORTED"]}
Reports accuracy, balanced accuracy, per-class recall, ROC AUC, and a one-sided binomial test of the
accuracy against the majority-class rate (what always answering one label gets).

    PYTHONPATH=$PWD /work/main/.venv/bin/python evals/model_path/entail.py
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path
from typing import Any

import yaml
from common import RESULTS, ROOT, isolated_index, model_path, pct, prompt
from local_model import LocalModel


def load_claims() -> list[dict[str, Any]]:
    isolated_index()
    from assistant import Assistant
    from assistant.text import sentence_spans

    path = ROOT / "evals" / "claims.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    article = (path.parent / raw["article"]).resolve().read_text(encoding="utf-8")
    spans = sentence_spans(article)
    a = Assistant()
    claims = []
    for item in raw["supported"]:
        start = article.index(item["source"])
        end = start + len(item["source"])
        quotes = [article[s.start : s.end] for s in spans if s.start < end and s.end > start]
        claims.append({"claim": item["claim"], "quotes": quotes, "label": True})
    for item in raw["unsupported"]:
        top = a.retriever.evidence(item["claim"], a.search(item["claim"]))
        claims.append({"claim": item["claim"], "quotes": [top[0].text], "label": False})
    random.Random(0).shuffle(claims)
    return claims


def render(batch: list[dict[str, Any]]) -> list[dict[str, str]]:
    system, user = prompt("entail").split("=== user ===\n")
    items = []
    for n, c in enumerate(batch, start=1):
        quote = " ".join(c["quotes"])
        items.append(f"Item {n}\nQuote: {quote}\nClaim: {c['claim']}")
    user = user.replace("{items}", "\n\n".join(items))
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]


def auc(scores: list[float], labels: list[bool]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def report(
    name: str,
    preds: list[bool],
    labels: list[bool],
    scores: list[float] | None,
    latencies: list[float],
    tokens: list[int],
) -> dict[str, Any]:
    n = len(labels)
    correct = sum(p == y for p, y in zip(preds, labels, strict=True))
    pos = sum(labels)
    tpr = sum(p and y for p, y in zip(preds, labels, strict=True)) / pos
    tnr = sum((not p) and (not y) for p, y in zip(preds, labels, strict=True)) / (n - pos)
    majority = max(pos, n - pos) / n
    out = {
        "run": name,
        "n": n,
        "accuracy": round(correct / n, 3),
        "balanced_accuracy": round((tpr + tnr) / 2, 3),
        "recall_supported": round(tpr, 3),
        "recall_unsupported": round(tnr, 3),
        "said_supported": round(sum(preds) / n, 3),
        "majority_rate": round(majority, 3),
        "p_value_vs_majority": round(binom_sf(correct, n, majority), 4),
        "latency_p50_s_per_call": round(pct(latencies, 50), 2),
        "calls": len(latencies),
        "completion_tokens_total": sum(tokens),
    }
    if scores is not None:
        out["roc_auc_p_true"] = round(auc(scores, labels), 3)
    print(json.dumps(out))
    return out


def p_true(reply: dict[str, Any]) -> float | None:
    """P(true) / (P(true) + P(false)) at the token where the boolean is written."""
    for tok in (reply["choices"][0].get("logprobs") or {}).get("content") or []:
        if tok["token"].strip() in ("true", "false"):
            probs = {"true": 0.0, "false": 0.0}
            for alt in tok.get("top_logprobs", []):
                word = alt["token"].strip()
                if word in probs:
                    probs[word] += math.exp(alt["logprob"])
            total = probs["true"] + probs["false"]
            return probs["true"] / total if total else None
    return None


def main() -> None:
    claims = load_claims()
    labels = [c["label"] for c in claims]
    print(
        f"{len(claims)} claims: {sum(labels)} supported, {len(labels) - sum(labels)} unsupported; "
        f"two-sentence quotes: {sum(len(c['quotes']) > 1 for c in claims)}"
    )
    model = LocalModel(model_path(), alias="smollm2-135m")
    results = []
    rows = []

    preds, scores, lat, toks = [], [], [], []
    one = {
        "type": "object",
        "properties": {"supported": {"type": "boolean"}},
        "required": ["supported"],
        "additionalProperties": False,
    }
    for c in claims:
        t = time.perf_counter()
        reply = model.complete(
            {
                "messages": render([c]),
                "temperature": 0,
                "max_tokens": 20,
                "logprobs": True,
                "top_logprobs": 10,
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "verdict", "strict": True, "schema": one},
                },
            }
        )
        lat.append(time.perf_counter() - t)
        toks.append(reply["usage"]["completion_tokens"])
        pred = bool(json.loads(reply["choices"][0]["message"]["content"])["supported"])
        score = p_true(reply)
        preds.append(pred)
        scores.append(score if score is not None else float(pred))
        rows.append(
            {"run": "batch1", "claim": c["claim"], "label": c["label"], "pred": pred, "p_true": score}
        )
    results.append(report("batch 1, {supported: bool}", preds, labels, scores, lat, toks))

    size = 6
    preds, lat, toks = [], [], []
    for i in range(0, len(claims), size):
        batch = claims[i : i + size]
        many = {
            "type": "object",
            "properties": {
                "verdicts": {
                    "type": "array",
                    "minItems": len(batch),
                    "maxItems": len(batch),
                    "items": {"type": "string", "enum": ["SUPPORTED", "UNSUPPORTED"]},
                }
            },
            "required": ["verdicts"],
            "additionalProperties": False,
        }
        t = time.perf_counter()
        reply = model.complete(
            {
                "messages": render(batch),
                "temperature": 0,
                "max_tokens": 120,
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "verdicts", "strict": True, "schema": many},
                },
            }
        )
        lat.append(time.perf_counter() - t)
        toks.append(reply["usage"]["completion_tokens"])
        verdicts = json.loads(reply["choices"][0]["message"]["content"])["verdicts"]
        for c, v in zip(batch, verdicts, strict=True):
            preds.append(v == "SUPPORTED")
            rows.append(
                {"run": f"batch{size}", "claim": c["claim"], "label": c["label"], "pred": v == "SUPPORTED"}
            )
    results.append(report(f"batch {size}, verdict enum array", preds, labels, None, lat, toks))
    model.close()
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    Path(RESULTS / "entail.jsonl").write_text("\n".join(lines) + "\n")
    (RESULTS / "entail_summary.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
