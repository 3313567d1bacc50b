"""Any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp) through the ``openai`` client.

The model is asked in the shape the server honours (``shape``: sentence ids in a JSON schema, else
text with ``[p.s]`` markers); it yields the text as it streams, then the raw reply (``ModelReply``),
then the draft built from a structured reply, then usage.
Verification happens afterwards, for every backend alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

import tiktoken

from ..embeddings import Embedder
from ..errors import BackendError, ModelReplyError
from ..models import ModelReply, Request, Turn, Usage
from ..openai_client import BROKE_OFF, FAILURES, api_key, describe_failure, is_passing, make_client
from ..pricing import cost
from ..prompts import condense_messages
from ..settings import Settings, redact_url
from ..tokens import encoding_for_model
from .shape import ReplyReader, Server, Shape, build_request, detect, forget


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
        kind = ModelReplyError if is_passing(exc, midway) else BackendError
        return kind(f"{self._where}: {describe_failure(exc, midway)}")

    def _usage(self, usage: Any) -> Usage:
        """From the client's usage object, or a chunk's usage dict."""
        if not usage:
            return Usage()
        if isinstance(usage, dict):
            prompt, completion = usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0
        else:
            prompt, completion = usage.prompt_tokens or 0, usage.completion_tokens or 0
        return Usage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=cost(self._settings, prompt, completion),
        )

    def server(self) -> Server:
        """What the server honours: detected once per (base URL, model), remembered across processes."""
        key = self._settings.api_key.get_secret_value() if self._settings.api_key else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return detect(self._settings, self._probe, headers)

    def shape(self) -> tuple[Shape, Server]:
        server = self.server()
        chosen = self._settings.answer_shape
        if chosen == "auto":
            chosen = "structured" if server.structured else "text"
        return chosen, server

    def _answered_differently(self) -> None:
        """The server refused the schema or ignored it: what was detected no longer holds (unless the
        shape was set by hand, which is not ours to revise)."""
        if self._settings.answer_shape == "auto":
            forget(self._settings)

    def _probe(self, body: dict[str, Any]) -> str:
        response = self._client.with_options(max_retries=0).chat.completions.create(**body)
        return (response.choices[0].message.content or "") if response.choices else ""

    def generate(self, request: Request) -> Iterator[str | ModelReply | Usage]:
        shape, server = self.shape()
        body, shown = build_request(request, shape, server, self._settings)
        model, messages = body.pop("model"), body.pop("messages")
        extra = {k: body.pop(k) for k in ("repeat_penalty", "cache_prompt") if k in body}
        reader = ReplyReader(shape, shown)
        midway = False  # once text has arrived, a failure cuts an answer already being shown
        try:
            stream = self._client.chat.completions.create(
                model=model, messages=messages, extra_body=extra or None, **body
            )
            for event in stream:
                midway = True
                text = reader.feed(event.model_dump())
                if text:
                    yield text
        except FAILURES as exc:
            if shape == "structured" and getattr(exc, "status_code", None) in (400, 422):
                self._answered_differently()
            raise self._fail(exc, midway) from None
        if reader.finish_reason is None:
            raise ModelReplyError(f"{self._where}: {BROKE_OFF} (the stream ended early): ask again")
        rest, reply = reader.finish()
        if reader.unreadable:
            self._answered_differently()
        yield reply  # before a structured reply's draft: what in it is the model's own words is known
        if rest:
            yield rest
        yield self._usage(reader.usage)

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
