"""Any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp) through the ``openai`` client.

The model writes plain text with [n] markers (no JSON mode needed, so servers without structured
output work); verification happens afterwards, for every backend alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

import tiktoken

from ..embeddings import Embedder
from ..errors import BackendError
from ..models import Request, Turn, Usage
from ..openai_client import BROKE_OFF, FAILURES, api_key, describe_failure, make_client
from ..pricing import cost
from ..prompts import answer_messages, condense_messages
from ..settings import Settings, redact_url
from ..tokens import encoding_for_model


class OpenAIBackend:
    """Chat completions, streamed, against ``settings.base_url`` (OpenAI when unset)."""

    name = "openai"

    def __init__(
        self, settings: Settings, embedder: Embedder, client: Any = None, where: str | None = None
    ) -> None:
        """``client``: another transport with ``chat.completions.create`` (the local backend's
        in-process model), and ``where`` names it in errors; by default an ``openai`` client, made at
        the first request. Nothing heavy here (no client, no tokenizer): a server that is not there
        must be reported as soon as the first request is tried, not after seconds of set-up. A
        missing key is cheap to find, and found now."""
        if client is None:
            api_key(settings)
        self.model = settings.model
        self._settings = settings
        self._transport = client
        self._where = where or (redact_url(settings.base_url) if settings.base_url else "api.openai.com")

    @cached_property
    def _client(self) -> Any:
        return self._transport or make_client(self._settings)

    @cached_property
    def context_encoding(self) -> tiktoken.Encoding | None:
        return encoding_for_model(self.model)

    def _fail(self, exc: Exception, midway: bool = False) -> BackendError:
        return BackendError(f"{self._where}: {describe_failure(exc, midway)}")

    def _usage(self, usage: Any) -> Usage:
        if usage is None:
            return Usage()
        prompt, completion = usage.prompt_tokens or 0, usage.completion_tokens or 0
        return Usage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=cost(self._settings, prompt, completion),
        )

    def generate(self, request: Request) -> Iterator[str | Usage]:
        messages = answer_messages(request.question, request.sources)
        midway = False  # once text has arrived, a failure cuts an answer already being shown
        try:
            stream = self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=self._settings.temperature,
                max_tokens=self._settings.max_answer_tokens,
                stream=True,
                stream_options={"include_usage": True},
            )
            finished = False
            usage = None
            for event in stream:
                midway = True
                if event.usage is not None:
                    usage = event.usage
                for choice in event.choices:
                    if choice.delta and choice.delta.content:
                        yield choice.delta.content
                    if choice.finish_reason:
                        finished = True
        except FAILURES as exc:
            raise self._fail(exc, midway) from None
        if not finished:
            raise BackendError(f"{self._where}: {BROKE_OFF} (the stream ended early): ask again")
        yield self._usage(usage)

    def complete(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        """One non-streamed reply, for short helper calls (judging)."""
        text, _ = self._complete(messages, max_tokens)
        return text

    def _complete(self, messages: list[dict[str, str]], max_tokens: int) -> tuple[str, Usage]:
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=0.0,
                max_tokens=max_tokens,
            )
            text = (response.choices[0].message.content or "").strip() if response.choices else ""
            return text, self._usage(response.usage)
        except FAILURES as exc:
            raise self._fail(exc) from None

    def condense(self, history: Sequence[Turn], question: str) -> tuple[str, Usage]:
        text, usage = self._complete(condense_messages(history, question), max_tokens=200)
        first_line = text.splitlines()[0].strip() if text else ""
        return first_line or question, usage
