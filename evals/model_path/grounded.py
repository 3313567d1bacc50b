"""Part 3: prompt designs for grounded answers from numbered sentences, measured on evals/dev.yaml.

Sources are the project's retrieval (``Assistant.search``, packed to ``context_tokens`` like the real
backend), split with ``assistant.text.sentence_spans`` and numbered ``[p.s]`` (passage p in rank
order, sentence s); a sentence already shown in an earlier (overlapping) passage is not repeated.

Designs (prompts/<design>.md, system part above ``=== user ===``):
  text_markers    plain text, each sentence ends with [p.s]; refusal = "NOT IN SOURCES"
  json_sentences  {"refuse": bool, "sentences": [{"text", "cites": [id enum]}]}
  pick_ids        {"ids": [id enum, 0..3], "answer": short phrase}
  pick_one        {"id": id enum | "none"}
  (baseline)      no model: the retriever's most relevant sentence (Retriever.evidence)

The JSON designs use ``response_format`` json_schema with the valid ids as an enum, so an invalid id
cannot be produced. Cases: every other single-turn case of dev.yaml (answerable and refusal lists
each taken with stride 2) unless ``--all``.

    PYTHONPATH=$PWD /work/main/.venv/bin/python evals/model_path/grounded.py [--all] [--top=N] \
        [--limit=N] [design ...]
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from common import RESULTS, ROOT, isolated_index, model_path, pct, prompt
from local_model import LocalModel

DESIGNS = ("text_markers", "json_sentences", "pick_ids", "pick_one")
MAX_TOKENS = {"text_markers": 200, "json_sentences": 300, "pick_ids": 120, "pick_one": 40}
# *_v2: the same shapes with prompts that name no concrete id (v1 said '"2.3" is sentence 3 of source
# 2', and the model then cited 2.3 wherever it existed); json_sentences_v2 asks for "refuse" last.
REFUSAL_TEXT = re.compile(r"(?i)not\s+in\s+(the\s+)?sources")
MARKER = re.compile(r"\[(\d+\.\d+)\]")


@dataclass
class Item:
    case_id: str
    kind: str
    question: str
    facts: list[str]
    forbid: list[str]
    refuse: bool
    sentences: dict[str, str] = field(default_factory=dict)  # id -> text, in prompt order
    top_sentences: list[str] = field(default_factory=list)  # the retriever's 3 most relevant sentences
    gate_refuses: bool = False  # the project's relevance gate would refuse before any model call


def build_items(all_cases: bool, top: int | None = None, order: str = "relevance") -> list[Item]:
    """``top``: show only the retriever's ``top`` most relevant sentences (most relevant first, or in
    document order with ``order="doc"``), with the ids they have in the full numbering; None: every
    sentence of the packed passages, grouped by passage."""
    isolated_index()
    from assistant import Assistant
    from assistant.evaluation.dataset import load_dataset
    from assistant.prompts import pack
    from assistant.text import sentence_spans
    from assistant.tokens import encoding_for_model

    a = Assistant()
    enc = encoding_for_model("gpt-4o-mini")
    cases = [c for c in load_dataset(ROOT / "evals" / "dev.yaml").cases if c.kind != "multi-turn"]
    answerable = [c for c in cases if not c.turns[0].refuse]
    refusals = [c for c in cases if c.turns[0].refuse]
    if not all_cases:
        answerable, refusals = answerable[::2], refusals[::2]
    items = []
    for case in answerable + refusals:
        turn = case.turns[0]
        item = Item(case.id, case.kind, turn.question, list(turn.facts), list(turn.forbid), turn.refuse)
        passages = a.search(turn.question)
        sources = pack(passages, a.settings.context_tokens, enc)
        seen: set[tuple[str, int]] = set()
        ids: dict[tuple[str, int], str] = {}
        for source in sources:
            p = source.passage
            n = 0
            for span in sentence_spans(p.text):
                key = (p.doc_id, p.start + span.start)
                if key in seen:
                    continue
                seen.add(key)
                n += 1
                item.sentences[f"{source.number}.{n}"] = p.text[span.start : span.end]
                ids[key] = f"{source.number}.{n}"
        evidence = a.retriever.evidence(turn.question, [s.passage for s in sources])
        if top:
            chosen = evidence[:top]
            if order == "doc":  # reading order: the first listed is no longer the retriever's best
                chosen = sorted(chosen, key=lambda e: (e.doc_id, e.start))
            item.sentences = {ids[(e.doc_id, e.start)]: e.text for e in chosen}
        item.top_sentences = [e.text for e in evidence[:3]]
        item.gate_refuses = not evidence or evidence[0].relevance < a.settings.min_relevance
        items.append(item)
    return items


def render(item: Item, grouped: bool) -> str:
    lines, current = [], None
    for sid, text in item.sentences.items():
        passage = sid.split(".")[0]
        if current is not None and passage != current and grouped:
            lines.append("")
        current = passage
        lines.append(f"[{sid}] {text}")
    return "\n".join(lines)


def messages(design: str, item: Item, grouped: bool) -> list[dict[str, str]]:
    system, user = prompt(design).split("=== user ===\n")
    user = user.replace("{sentences}", render(item, grouped)).replace("{question}", item.question)
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]


def shape(design: str) -> str:
    return design.removesuffix("_v2")


def schema(design: str, ids: list[str]) -> dict[str, Any] | None:
    refuse_last = design == "json_sentences_v2"
    design = shape(design)
    id_enum = {"type": "string", "enum": ids}
    if design == "json_sentences":
        sentence = {
            "type": "object",
            "properties": {
                "text": {"type": "string", "maxLength": 300},
                "cites": {"type": "array", "items": id_enum, "minItems": 1, "maxItems": 2},
            },
            "required": ["text", "cites"],
            "additionalProperties": False,
        }
        fields = {
            "refuse": {"type": "boolean"},
            "sentences": {"type": "array", "items": sentence, "maxItems": 3},
        }
        if refuse_last:  # llama.cpp writes properties in schema order
            fields = {"sentences": fields["sentences"], "refuse": fields["refuse"]}
        return {
            "type": "object",
            "properties": fields,
            "required": list(fields),
            "additionalProperties": False,
        }
    if design == "pick_ids":
        return {
            "type": "object",
            "properties": {
                "ids": {"type": "array", "items": id_enum, "maxItems": 3},
                "answer": {"type": "string", "maxLength": 120},
            },
            "required": ["ids", "answer"],
            "additionalProperties": False,
        }
    if design == "pick_one":
        return {
            "type": "object",
            "properties": {"id": {"type": "string", "enum": [*ids, "none"]}},
            "required": ["id"],
            "additionalProperties": False,
        }
    return None


@dataclass
class Parsed:
    parses: bool
    refused: bool
    cites: list[str]
    text: str  # the model's own answer words (for pick_one: the picked sentence)


def parse(design: str, reply: str, item: Item) -> Parsed:
    design = shape(design)
    if design == "text_markers":
        if REFUSAL_TEXT.search(reply):
            return Parsed(True, True, [], "")
        cites = MARKER.findall(reply)
        return Parsed(bool(cites), False, cites, MARKER.sub("", reply).strip())
    try:
        data = json.loads(reply)
    except ValueError:
        return Parsed(False, False, [], "")
    try:
        if design == "json_sentences":
            sentences = data["sentences"]
            cites = [c for s in sentences for c in s["cites"]]
            text = " ".join(s["text"] for s in sentences)
            return Parsed(True, bool(data["refuse"]) or not sentences, cites, text)
        if design == "pick_ids":
            return Parsed(True, not data["ids"], list(dict.fromkeys(data["ids"])), data["answer"])
        if design == "pick_one":
            picked = data["id"]
            return Parsed(
                True, picked == "none", [] if picked == "none" else [picked], item.sentences.get(picked, "")
            )
    except (KeyError, TypeError):
        return Parsed(False, False, [], "")
    raise ValueError(design)


def all_match(patterns: list[str], text: str) -> bool:
    return bool(text) and all(re.search(p, text) for p in patterns)


def any_match(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def score(design: str, item: Item, parsed: Parsed, reply: str) -> dict[str, Any]:
    valid = [c for c in parsed.cites if c in item.sentences]
    cited_text = " ".join(item.sentences[c] for c in valid)
    row: dict[str, Any] = {
        "case": item.case_id,
        "kind": item.kind,
        "refuse_expected": item.refuse,
        "gate_refuses": item.gate_refuses,
        "parses": parsed.parses,
        "refused": parsed.refused,
        "n_cites": len(parsed.cites),
        "all_cites_valid": bool(parsed.cites) and len(valid) == len(parsed.cites),
        "first_cite_is_first_listed": bool(parsed.cites) and parsed.cites[0] == next(iter(item.sentences)),
        "cited_has_facts": (not item.refuse) and all_match(item.facts, cited_text),
        "text_has_facts": (not item.refuse) and all_match(item.facts, parsed.text),
        "forbidden": any_match(item.forbid, parsed.text),
        "reply": reply,
    }
    if shape(design) == "pick_ids":
        row["answer_in_cited"] = bool(parsed.text) and parsed.text.lower() in cited_text.lower()
    return row


def baseline_rows(items: list[Item], k: int) -> list[dict[str, Any]]:
    """No model: cite the retriever's k most relevant sentences."""
    rows = []
    for it in items:
        text = " ".join(it.top_sentences[:k])
        rows.append(
            {
                "case": it.case_id,
                "kind": it.kind,
                "refuse_expected": it.refuse,
                "gate_refuses": it.gate_refuses,
                "parses": True,
                "refused": False,
                "n_cites": k,
                "all_cites_valid": True,
                "cited_has_facts": (not it.refuse) and all_match(it.facts, text),
                "text_has_facts": (not it.refuse) and all_match(it.facts, text),
                "forbidden": any_match(it.forbid, text),
                "reply": text[:400],
                "latency_s": 0.0,
                "completion_tokens": 0,
                "finish": "n/a",
            }
        )
    return rows


def summary(design: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if not r["refuse_expected"]]
    ref = [r for r in rows if r["refuse_expected"]]
    answered = [r for r in ans if not r["refused"]]

    def share(xs: list[Any], pred: Any) -> float:
        return round(sum(1 for x in xs if pred(x)) / len(xs), 3) if xs else float("nan")

    out = {
        "design": design,
        "n": len(rows),
        "n_answerable": len(ans),
        "n_refusal": len(ref),
        "parses": share(rows, lambda r: r["parses"]),
        "first cite = first listed (non-refused)": share(
            [r for r in rows if not r["refused"]], lambda r: r.get("first_cite_is_first_listed", True)
        ),
        "cites_valid (of non-refused)": share(
            [r for r in rows if not r["refused"]], lambda r: r["all_cites_valid"]
        ),
        "cited_has_facts (answerable)": share(ans, lambda r: r["cited_has_facts"]),
        "text_has_facts (answerable)": share(ans, lambda r: r["text_has_facts"]),
        "cited_has_facts (answered)": share(answered, lambda r: r["cited_has_facts"]),
        "false_refusal (answerable)": share(ans, lambda r: r["refused"]),
        "refused (refusal cases)": share(ref, lambda r: r["refused"]),
        "refused incl. relevance gate (refusal cases)": share(
            ref, lambda r: r["refused"] or r["gate_refuses"]
        ),
        "forbidden text": share(rows, lambda r: r["forbidden"]),
        "finish=length": share(rows, lambda r: r["finish"] == "length"),
        "latency_p50_s": round(pct([r["latency_s"] for r in rows], 50), 2),
        "latency_p90_s": round(pct([r["latency_s"] for r in rows], 90), 2),
        "completion_tokens_mean": round(sum(r["completion_tokens"] for r in rows) / len(rows), 1),
    }
    if shape(design) == "pick_ids":
        out["answer_span_in_cited (answered)"] = share(answered, lambda r: r.get("answer_in_cited"))
    return out


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    designs = args or list(DESIGNS)
    order = "doc" if "--order=doc" in sys.argv else "relevance"
    top = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--top=")), None)
    items = build_items("--all" in sys.argv, top, order)
    limit = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--limit=")), None)
    if limit:
        items = items[:limit]
    print(
        f"{len(items)} questions ({sum(not i.refuse for i in items)} answerable); "
        f"sentences per prompt: {sum(len(i.sentences) for i in items) / len(items):.1f}"
    )
    tag = "all" if "--all" in sys.argv else "half"
    tag += f"_top{top}" if top else "_full"
    tag += "_doc" if order == "doc" else ""
    tag += f"_limit{limit}" if limit else ""
    summaries = [
        summary("baseline_top1_sentence", baseline_rows(items, 1)),
        summary("baseline_top3_sentences", baseline_rows(items, 3)),
    ]
    for s in summaries:
        print(json.dumps(s))
    model = LocalModel(model_path(), alias="smollm2-135m")
    for design in designs:
        rows = []
        for item in items:
            request: dict[str, Any] = {
                "messages": messages(design, item, grouped=top is None),
                "temperature": 0,
                "max_tokens": MAX_TOKENS[shape(design)],
            }
            sch = schema(design, list(item.sentences))
            if sch:
                request["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": design, "strict": True, "schema": sch},
                }
            t = time.perf_counter()
            reply = model.complete(request)
            latency = time.perf_counter() - t
            text = reply["choices"][0]["message"]["content"] or ""
            row = score(design, item, parse(design, text, item), text)
            usage = reply["usage"]
            row.update(
                latency_s=round(latency, 3),
                completion_tokens=usage["completion_tokens"],
                prompt_tokens=usage["prompt_tokens"],
                finish=reply["choices"][0]["finish_reason"],
            )
            rows.append(row)
        (RESULTS / f"grounded_{design}_{tag}.jsonl").write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
        )
        summaries.append(summary(design, rows))
        print(json.dumps(summaries[-1]))
    model.close()
    (RESULTS / f"grounded_summary_{tag}_{'-'.join(designs)}.json").write_text(json.dumps(summaries, indent=1))


if __name__ == "__main__":
    main()
