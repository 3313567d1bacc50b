"""Any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp) through the ``openai`` client.

The model writes plain text with [n] markers (no JSON mode needed, so servers without structured
output work); verification happens afterwards, for every backend alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import openai
import tiktoken

from ..errors import BackendError, ConfigError
from ..models import Usage
from ..pricing import cost
from ..prompts import answer_messages, condense_messages
from ..settings import Settings, redact_url
from ..tokens import encoding_for_model
from . import Request, Turn

_LOCAL_KEY = "not-needed"  # local servers ignore the key, but the client insists on one


def make_client(settings: Settings) -> openai.OpenAI:
    """A client for ``settings``; a key is required only when talking to OpenAI itself."""
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if not key:
        if settings.base_url is None:
            raise ConfigError(
                "no API key: set OPENAI_API_KEY (or ASSISTANT_API_KEY), or point ASSISTANT_BASE_URL "
                "at a local server"
            )
        key = _LOCAL_KEY
    return openai.OpenAI(
        api_key=key,
        base_url=settings.base_url,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
    )


# A reply that is not JSON, or JSON not shaped like a completion: the client does not validate
# replies, so reading one fails with any of these.
MALFORMED = (ValueError, AttributeError, TypeError, KeyError, IndexError)
FAILURES = (openai.OpenAIError, httpx.HTTPError, *MALFORMED)
"""What a call to an OpenAI-compatible server can raise: catch these, then ``describe_failure``."""
BROKE_OFF = "the reply broke off before the answer was complete"


def describe_openai_error(exc: openai.OpenAIError) -> str:
    """One line for the user; never the key (nor the server's words, which may echo it), no traceback."""
    if isinstance(exc, openai.AuthenticationError):
        return "the server rejected the API key (401): check OPENAI_API_KEY or ASSISTANT_API_KEY"
    if isinstance(exc, openai.PermissionDeniedError):
        return "the API key is not allowed to use this model (403)"
    if isinstance(exc, openai.NotFoundError):
        return "not found (404): check ASSISTANT_MODEL and ASSISTANT_BASE_URL"
    if isinstance(exc, openai.RateLimitError):
        return "rate limited (429) after retries: wait and try again, or raise ASSISTANT_MAX_RETRIES"
    if isinstance(exc, openai.APITimeoutError):
        return "the server did not answer in time: raise ASSISTANT_TIMEOUT or check the server"
    if isinstance(exc, openai.APIConnectionError):
        return "cannot reach the server: is it running, and is ASSISTANT_BASE_URL right?"
    if isinstance(exc, openai.BadRequestError):
        return (
            "the server refused the request (400): check ASSISTANT_MODEL; if the prompt is too long "
            "for the model, lower ASSISTANT_CONTEXT_TOKENS"
        )
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code in (408, 409) or exc.status_code >= 500:  # the statuses the client retries
            return f"the server answered {exc.status_code} after retries"
        return f"the server refused the request ({exc.status_code})"
    if isinstance(exc, openai.APIResponseValidationError):
        return "the server's reply was not valid OpenAI JSON"
    return f"the server's reply could not be used ({type(exc).__name__})"


def describe_failure(exc: Exception, midway: bool = False) -> str:
    """One line for anything in ``FAILURES``; ``midway``: part of a streamed reply had arrived, so a
    lost connection means a cut answer, not an unreachable server."""
    if midway and isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        timed_out = isinstance(exc, openai.APITimeoutError | httpx.TimeoutException)
        return f"{BROKE_OFF} ({'timed out' if timed_out else 'connection lost'}): ask again"
    if isinstance(exc, openai.OpenAIError):
        return describe_openai_error(exc)
    if isinstance(exc, MALFORMED):
        return f"the server's reply was not valid OpenAI JSON ({type(exc).__name__})"
    return f"the server's reply could not be read ({type(exc).__name__})"


class OpenAIBackend:
    """Chat completions, streamed, against ``settings.base_url`` (OpenAI when unset)."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        self.model = settings.model
        self._settings = settings
        self._client = make_client(settings)
        self._where = redact_url(settings.base_url) if settings.base_url else "api.openai.com"
        self.context_encoding: tiktoken.Encoding | None = encoding_for_model(settings.model)

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
            stream = self._client.chat.completions.create(  # type: ignore[call-overload]
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
        """One non-streamed reply, for short helper calls (condensing, judging)."""
        text, _ = self._complete(messages, max_tokens)
        return text

    def _complete(self, messages: list[dict[str, str]], max_tokens: int) -> tuple[str, Usage]:
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
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
