"""Part 4: follow-up rewriting (condensing) by SmolLM2 on the multi-turn cases of evals/dev.yaml.

For every follow-up turn, the history is the earlier turns with an idealised answer (their evidence
strings joined), so the measurement is about the rewrite, not about earlier answers. Variants:
  project    the project's prompts/condense.md through assistant.prompts.condense_messages (first line)
  fewshot    scratch prompts/condense_fewshot.md (one worked example, system/user split)
  raw        no rewrite (the follow-up as typed)            -- baseline
  concat     previous question + follow-up, no model         -- baseline
Measured: is it a question, share of the follow-up's content words kept, whether the expected referent
(hand-written regex per turn, below) appears, whether it leaked the turn's answer, and whether
retrieval with it puts an evidence string among the top 3 sentences (answerable turns only).

    PYTHONPATH=$PWD /work/main/.venv/bin/python evals/model_path/condense.py
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from common import RESULTS, ROOT, isolated_index, model_path, pct, prompt
from local_model import LocalModel

# What a correct rewrite must name (every regex must match), per (case id, turn index).
REFERENTS: dict[tuple[str, int], list[str]] = {
    ("mt-invite-when-festival", 1): [r"(?i)takaichi|prime minister"],
    ("mt-invite-when-festival", 2): [r"(?i)visit|trip"],
    ("mt-arms-sale", 1): [r"(?i)arms|weapons"],
    ("mt-arms-sale", 2): [r"(?i)arms|sale|announce"],
    ("mt-tokyo-meeting", 1): [r"(?i)meet|tokyo"],
    ("mt-tokyo-meeting", 2): [r"(?i)trump", r"(?i)takaichi"],
    ("mt-taiwan-remarks", 1): [r"(?i)takaichi", r"(?i)taiwan"],
    ("mt-taiwan-remarks", 2): [r"(?i)takaichi|remark|statement|comment"],
    ("mt-xi-unanswerable", 1): [r"(?i)\bxi\b|chinese president"],
    ("mt-confirmation", 1): [r"(?i)invitation"],
    ("mt-kyodo-festival", 1): [r"(?i)kyodo"],
    ("mt-kyodo-festival", 2): [r"(?i)festival|cherry"],
    ("mt-drills-false-premise", 1): [r"(?i)china|beijing", r"(?i)exercise|drill"],
}
QUESTION = re.compile(
    r"(?i)^\W*(who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|"
    r"has|have|had|can|could|will|would|should|and)\b|\?\s*$"
)


def fewshot_messages(history: list[tuple[str, str]], question: str) -> list[dict[str, str]]:
    system, user = prompt("condense_fewshot").split("=== user ===\n")
    lines = [f"User: {q}\nAssistant: {a}" for q, a in history[-3:]]
    user = user.replace("{history}", "\n".join(lines)).replace("{question}", question)
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]


def main() -> None:
    isolated_index()
    from assistant import Assistant
    from assistant.backends import Turn
    from assistant.evaluation.dataset import load_dataset
    from assistant.prompts import condense_messages
    from assistant.text import terms

    a = Assistant()
    cases = [c for c in load_dataset(ROOT / "evals" / "dev.yaml").cases if c.kind == "multi-turn"]
    model = LocalModel(model_path(), alias="smollm2-135m")

    def retrieves(query: str, evidence: list[str]) -> bool:
        top = a.retriever.evidence(query, a.search(query))[:3]
        return any(e in s.text or s.text in e for s in top for e in evidence)

    rows: list[dict[str, Any]] = []
    for case in cases:
        for i in range(1, len(case.turns)):
            turn = case.turns[i]
            history = [(t.question, " ".join(t.evidence)) for t in case.turns[:i]]
            variants: dict[str, tuple[str, float, int]] = {
                "raw": (turn.question, 0.0, 0),
                "concat": (f"{case.turns[i - 1].question} {turn.question}", 0.0, 0),
            }
            requests = {
                "project": condense_messages([Turn(q, ans) for q, ans in history], turn.question),
                "fewshot": fewshot_messages(history, turn.question),
            }
            for name, msgs in requests.items():
                t = time.perf_counter()
                reply = model.complete({"messages": msgs, "temperature": 0, "max_tokens": 60})
                latency = time.perf_counter() - t
                text = (reply["choices"][0]["message"]["content"] or "").strip()
                first = text.splitlines()[0].strip() if text else ""
                variants[name] = (first or turn.question, latency, reply["usage"]["completion_tokens"])
            asked = set(terms(turn.question))
            for name, (rewrite, latency, tokens) in variants.items():
                kept = set(terms(rewrite))
                rows.append(
                    {
                        "case": case.id,
                        "turn": i + 1,
                        "variant": name,
                        "question": turn.question,
                        "rewrite": rewrite,
                        "is_question": bool(QUESTION.search(rewrite)),
                        "content_kept": round(len(asked & kept) / len(asked), 3) if asked else 1.0,
                        "keeps_all_content": asked <= kept,
                        "names_referent": all(re.search(p, rewrite) for p in REFERENTS[(case.id, i)]),
                        "leaks_answer": bool(turn.facts) and all(re.search(p, rewrite) for p in turn.facts),
                        "retrieves_evidence": retrieves(rewrite, list(turn.evidence))
                        if turn.evidence
                        else None,
                        "latency_s": round(latency, 3),
                        "completion_tokens": tokens,
                    }
                )
    model.close()
    (RESULTS / "condense.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")

    def good(r: dict[str, Any]) -> bool:
        return r["is_question"] and r["keeps_all_content"] and r["names_referent"]

    summary = []
    for name in ("raw", "concat", "project", "fewshot"):
        rs = [r for r in rows if r["variant"] == name]
        ev = [r for r in rs if r["retrieves_evidence"] is not None]
        summary.append(
            {
                "variant": name,
                "n": len(rs),
                "is_question": round(sum(r["is_question"] for r in rs) / len(rs), 3),
                "keeps_all_content": round(sum(r["keeps_all_content"] for r in rs) / len(rs), 3),
                "content_kept_mean": round(sum(r["content_kept"] for r in rs) / len(rs), 3),
                "names_referent": round(sum(r["names_referent"] for r in rs) / len(rs), 3),
                "question+content+referent": round(sum(good(r) for r in rs) / len(rs), 3),
                "leaks_answer": round(sum(r["leaks_answer"] for r in rs) / len(rs), 3),
                "retrieves_evidence_top3": f"{sum(r['retrieves_evidence'] for r in ev)}/{len(ev)}",
                "latency_p50_s": round(pct([r["latency_s"] for r in rs], 50), 2),
            }
        )
        print(json.dumps(summary[-1]))
    (RESULTS / "condense_summary.json").write_text(json.dumps(summary, indent=1))
    for r in rows:
        if r["variant"] in ("project", "fewshot"):
            print(f"{r['case']}#{r['turn']} {r['variant']:8s} {r['question']!r} -> {r['rewrite']!r}")


if __name__ == "__main__":
    main()
