"""An LLM judge in the RAGAS faithfulness style: split the answer into claims, check each one
against the quotes the answer cites. It complements, never replaces, the offline verifier.

The judge is its own model (``ASSISTANT_JUDGE_MODEL``, ``_BASE_URL``, ``_API_KEY``): a model that
judges its own answers measures nothing (SmolLM2 judging itself gave 0 parseable verdicts in 67 calls,
reported as 0 % faithfulness). When the judge would be the model under test, the runner refuses to
judge unless asked (``--judge-self``). The reply is asked for as JSON under a schema (one verdict per
claim, from an enum) where the server honours ``response_format``; a server that refuses the schema
gets the plain-text prompt. A claim whose verdict cannot be read has no verdict (``supported`` None):
it is counted and shown, never taken as unsupported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..errors import BackendError, ConfigError, RequestRefused
from ..openai_client import listed_in_reply, make_client, reply_text
from ..prompts import template
from ..settings import Settings, redact_url
from ..verify import MARKER, split_claims

if TYPE_CHECKING:
    from ..models import Answer

_VERDICT = re.compile(r"(?im)^\s*(\d+)\s*[:.)-]\s*(SUPPORTED|UNSUPPORTED)\b")
VERDICTS = ("SUPPORTED", "UNSUPPORTED")


class JudgedClaim(BaseModel):
    claim: str
    supported: bool | None  # None: the judge gave no readable verdict
    verdict: str  # what the judge said, or why there was no verdict


class Judge:
    """The judge the settings name; by default the model under test, which ``is_self`` says."""

    def __init__(self, settings: Settings) -> None:
        same_server = settings.judge_base_url in (None, settings.base_url)
        self.is_self = settings.judge_model in (None, settings.model) and same_server
        if settings.backend == "local":
            self.is_self = settings.judge_model is None and settings.judge_base_url is None
        if settings.backend == "offline" and settings.judge_model is None:
            raise ConfigError("the offline backend has no model to judge with: set ASSISTANT_JUDGE_MODEL")
        self._client: Any
        if self.is_self and settings.backend == "local":
            from ..backends.local import LocalClient, model_file

            path = model_file(settings)
            self.model, where = path.name, "in-process"
            self._client = LocalClient(path, settings)
        else:
            key = settings.judge_api_key or (settings.api_key if same_server else None)
            judge = settings.model_copy(
                update={
                    "model": settings.judge_model or settings.model,
                    "base_url": settings.judge_base_url or settings.base_url,
                    "api_key": key,
                }
            )
            self.model = judge.model
            where = redact_url(judge.base_url) if judge.base_url else "api.openai.com"
            self._client = make_client(judge)
        self.name = f"{self.model} ({where})"
        self._schema = True  # until the server refuses one

    def judge(self, answer: Answer) -> list[JudgedClaim]:
        """One verdict per claim of ``answer``, or none where the judge's reply says nothing readable."""
        claims = [MARKER.sub("", c.text).strip() for c in split_claims(answer.text)]
        if not claims:
            return []
        quotes = "\n".join(f"[{c.number}] {c.quote}" for c in answer.citations)
        prompt = template("judge").format(
            quotes=quotes, claims="\n".join(f"{i}. {claim}" for i, claim in enumerate(claims, start=1))
        )
        try:
            reply = self._ask(prompt, len(claims))
        except BackendError as exc:
            return [JudgedClaim(claim=c, supported=None, verdict=f"no verdict: {exc}") for c in claims]
        verdicts = parse_verdicts(reply, len(claims))
        unreadable = f"no verdict: {reply[:80]!r}"
        return [
            JudgedClaim(
                claim=claim,
                supported=None if verdict is None else verdict == "SUPPORTED",
                verdict=verdict or unreadable,
            )
            for claim, verdict in zip(claims, verdicts, strict=True)
        ]

    def _ask(self, prompt: str, claims: int) -> str:
        messages = [{"role": "user", "content": prompt}]
        options: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0.0}
        options["max_tokens"] = 20 * claims + 40  # slack: a grammar-bound reply may pad with white space
        if self._schema:
            try:
                return self._reply(response_format=verdict_schema(claims), **options)
            except RequestRefused:
                self._schema = False  # refused (400): this server takes no schema; ask in text from now on
        return self._reply(**options)

    def _reply(self, **options: Any) -> str:
        return reply_text(self._client, f"judge {self.name}", **options)


def verdict_schema(claims: int) -> dict[str, Any]:
    """``{"verdicts": [...]}``, exactly one verdict per claim (OpenAI strict-mode compatible)."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "verdicts",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {
                    "verdicts": {
                        "type": "array",
                        "items": {"type": "string", "enum": list(VERDICTS)},
                        "minItems": claims,
                        "maxItems": claims,
                    }
                },
                "required": ["verdicts"],
                "additionalProperties": False,
            },
        },
    }


def parse_verdicts(reply: str, claims: int) -> list[str | None]:
    """The verdict for each claim, in order: from ``{"verdicts": [...]}`` (the first JSON object in
    the reply), else from ``N: SUPPORTED`` lines; None where the reply gives none."""
    listed = listed_in_reply(reply, "verdicts")
    if listed is not None:
        words = [str(v).upper() if str(v).upper() in VERDICTS else None for v in listed[:claims]]
        return words + [None] * (claims - len(words))
    lines = {int(n): word.upper() for n, word in _VERDICT.findall(reply)}
    return [lines.get(i) for i in range(1, claims + 1)]
