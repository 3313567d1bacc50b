"""A scripted "strong model": an OpenAI-compatible server on 127.0.0.1 that answers each question with
the reply written for it in ``evals/model_path/strong.yaml``, the way a capable model would.

It reads the prompt the assistant sends: a follow-up (a condense request, with a ``<conversation>``)
gets the scripted standalone rewrite; an answer request gets the scripted sentences, each citing the
id of the shown sentence that contains its ``cite`` text (no marker when none is shown), or
``NOT IN SOURCES``. Built on ``FaultServer``, so requests are recorded the same way. It offers no
``/props`` and no ``/v1/models``: the assistant asks it in the text shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .fault_server import FaultServer, Reply, answer

STRONG = Path(__file__).resolve().parent.parent / "evals" / "model_path" / "strong.yaml"
REFUSE = "NOT IN SOURCES"
_SHOWN = re.compile(r"^\[(\d+\.\d+)\] (.*)$", re.MULTILINE)


def _inside(text: str, tag: str) -> str:
    match = re.search(rf"<{tag}>\n?(.*?)\n?</{tag}>", text, re.DOTALL)
    return match.group(1).strip() if match else ""


class ScriptedModel(FaultServer):
    """``with ScriptedModel() as model:`` — ``model.url`` is the ``/v1`` base URL."""

    def __init__(self, script: Path | Mapping[str, Any] = STRONG, finish: str = "stop") -> None:
        data = yaml.safe_load(script.read_text(encoding="utf-8")) if isinstance(script, Path) else script
        self.rewrites: dict[str, str] = dict(data.get("rewrites") or {})
        self.answers: dict[str, Any] = dict(data.get("answers") or {})
        self.finish = finish  # "length": every reply ends as if cut at max_tokens
        super().__init__()

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
        return answer(self.reply(request["body"]), finish=self.finish)

    def reply(self, body: dict[str, Any]) -> str:
        prompt = str((body.get("messages") or [{}])[-1].get("content", ""))
        question = _inside(prompt, "question")
        if "<conversation>" in prompt:
            return self.rewrites.get(question, question)
        script = self.answers.get(question, "refuse")
        if script == "refuse":
            return REFUSE
        shown = dict(_SHOWN.findall(_inside(prompt, "sentences")))
        sentences = []
        for say, cite in script:
            sid = next((i for i, text in shown.items() if cite in text), None)
            marker = f" [{sid}]" if sid else ""
            text, stop = (say[:-1], say[-1]) if say[-1] in ".!?" else (say, "")  # no stop: cut short
            sentences.append(f"{text}{marker}{stop}")
        return " ".join(sentences)
