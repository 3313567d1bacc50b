"""Prompt files (``prompts/*.md``), rendered with sources fenced off as data and packed to a budget."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import tiktoken

from .models import Passage, Source, Turn
from .resources import data_dir


@cache
def template(name: str) -> str:
    return (data_dir("prompts") / f"{name}.md").read_text(encoding="utf-8")


def _fence(text: str, tag: str) -> str:
    """Keep text from closing its own fence: ``</source>`` inside a document stays inert."""
    return text.replace(f"</{tag}", f"<\\/{tag}").replace(f"<{tag}", f"<\\{tag}")


def render_source(source: Source) -> str:
    passage = source.passage
    return (
        f'<source number="{source.number}" document="{_fence(passage.doc_id, "source")}">\n'
        f"{_fence(passage.text, 'source')}\n</source>"
    )


def pack(passages: Sequence[Passage], budget: int, encoding: tiktoken.Encoding) -> list[Source]:
    """Number passages in rank order while their rendered tokens fit ``budget`` (at least one)."""
    sources: list[Source] = []
    used = 0
    for passage in passages:
        source = Source(number=len(sources) + 1, passage=passage)
        cost = len(encoding.encode_ordinary(render_source(source))) + 1
        if sources and used + cost > budget:
            break
        sources.append(source)
        used += cost
    return sources


def answer_messages(question: str, sentences: Mapping[str, str], shape: str = "text") -> list[dict[str, str]]:
    """The answer prompt: numbered sentences (id → text), then the question, the stable part first so
    a server's prefix cache can reuse it. ``shape`` "structured" asks for ids in JSON, "text" for
    sentences with ``[p.s]`` markers."""
    lines = "\n".join(f"[{sid}] {' '.join(text.split())}" for sid, text in sentences.items())
    user = template("answer_ids" if shape == "structured" else "answer").format(
        sentences=_fence(lines, "sentences"), question=_fence(question, "question")
    )
    return [
        {"role": "system", "content": template("system").strip()},
        {"role": "user", "content": user},
    ]


def condense_messages(history: Sequence[Turn], question: str) -> list[dict[str, str]]:
    lines = []
    for turn in history[-3:]:
        lines += [f"User: {turn.question}", f"Assistant: {turn.answer}"]
    text = template("condense").format(
        history=_fence("\n".join(lines), "conversation"), question=_fence(question, "question")
    )
    return [{"role": "user", "content": text}]
