"""An LLM judge in the RAGAS faithfulness style: split the answer into claims, check each one
against the quotes the answer cites. It complements, never replaces, the offline verifier."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..errors import BackendError
from ..prompts import template
from ..verify import MARKER, split_claims

if TYPE_CHECKING:
    from ..core import Assistant
    from ..models import Answer

_VERDICT = re.compile(r"(?im)^\s*(\d+)\s*[:.)-]\s*(SUPPORTED|UNSUPPORTED)\b")


class JudgedClaim(BaseModel):
    claim: str
    supported: bool
    verdict: str  # what the judge said, or why there was no verdict


def judge_claims(assistant: Assistant, answer: Answer) -> list[JudgedClaim]:
    """One verdict per claim; a claim the judge does not rule on counts as unsupported."""
    claims = [MARKER.sub("", c.text).strip() for c in split_claims(answer.text)]
    if not claims:
        return []
    quotes = "\n".join(f"[{c.number}] {c.quote}" for c in answer.citations)
    prompt = template("judge").format(
        quotes=quotes, claims="\n".join(f"{i}. {claim}" for i, claim in enumerate(claims, start=1))
    )
    try:
        messages = [{"role": "user", "content": prompt}]
        reply = assistant.backend.complete(messages, max_tokens=20 * len(claims) + 20)
    except BackendError as exc:
        return [JudgedClaim(claim=c, supported=False, verdict=f"no verdict: {exc}") for c in claims]
    verdicts = {int(n): word.upper() for n, word in _VERDICT.findall(reply)}
    return [
        JudgedClaim(
            claim=claim,
            supported=verdicts.get(i) == "SUPPORTED",
            verdict=verdicts.get(i, "no verdict"),
        )
        for i, claim in enumerate(claims, start=1)
    ]
