"""Replays a recorded model run (``results/answer_<run>_<set>.json``) as an OpenAI-compatible server on
loopback: each answer request gets the raw reply recorded for its question, with its finish reason, and
each follow-up rewrite the standalone question that run used. At temperature 0 the model's reply
depends on the prompt only, so while the prompt and retrieval are unchanged, a replay shows what a
change to the checks, the relevance rule or the fallback policy does to that model's answers in
seconds, without running the model again. A question the recording lacks gets an empty reply (the
model found nothing): a replay is only faithful for the prompts it recorded.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fault_server import FaultServer, Reply, answer  # noqa: E402


def _inside(text: str, tag: str) -> str:
    match = re.search(rf"<{tag}>\n?(.*?)\n?</{tag}>", text, re.DOTALL)
    return match.group(1).strip() if match else ""


class ReplayModel(FaultServer):
    """``with ReplayModel(path) as model:`` — ``model.url`` is the ``/v1`` base URL."""

    def __init__(self, recording: Path) -> None:
        turns = json.loads(recording.read_text(encoding="utf-8"))["turns"]
        self.replies: dict[str, dict[str, Any]] = {t["standalone"]: t["reply"] for t in turns if t["reply"]}
        self.rewrites: dict[str, str] = {t["question"]: t["standalone"] for t in turns}
        self.missing: list[str] = []
        super().__init__()

    def _next(self, request: dict[str, Any]) -> Reply:
        prompt = str((request["body"].get("messages") or [{}])[-1].get("content", ""))
        question = _inside(prompt, "question")
        with self._lock:
            self.requests.append(request)
            if "<conversation>" in prompt:
                return answer(self.rewrites.get(question, question))
            reply = self.replies.get(question)
            if reply is None:
                self.missing.append(question)
                return answer('{"ids": [], "answer": ""}')
            return answer(reply["raw"], finish=reply["finish_reason"] or "stop")
