"""The OpenAI client plumbing shared by the embedder and the answer backend: creating a client with
the configured retry policy, and describing its failures in one line.

A leaf: it imports nothing of the pipeline, so an embedder and a backend can both use it without
depending on each other.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai

from .errors import BackendError, ConfigError, RequestRefused
from .settings import Settings

_LOCAL_KEY = "not-needed"  # local servers ignore the key, but the client insists on one


def api_key(settings: Settings) -> str:
    """The key to send; one is required only when talking to OpenAI itself. Cheap: checked before any
    client is made, so that a missing key is reported at once."""
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if key:
        return key
    if settings.base_url is None:
        raise ConfigError(
            "no API key: set OPENAI_API_KEY (or ASSISTANT_API_KEY), or point ASSISTANT_BASE_URL "
            "at a local server"
        )
    return _LOCAL_KEY


def make_client(settings: Settings) -> openai.OpenAI:
    """A client for ``settings``."""
    return openai.OpenAI(
        api_key=api_key(settings),
        base_url=settings.base_url,
        # a refused or unroutable server fails within connect_timeout; a slow answer gets timeout
        timeout=openai.Timeout(settings.timeout, connect=min(settings.connect_timeout, settings.timeout)),
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


def is_passing(exc: Exception, midway: bool = False) -> bool:
    """A failure of the reply rather than of the setup: timeouts, rate limits, server errors, replies
    that are not OpenAI JSON, streams cut in the middle."""
    if midway and isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return True
    if isinstance(exc, openai.APITimeoutError | openai.RateLimitError | openai.APIResponseValidationError):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409) or exc.status_code >= 500
    return isinstance(exc, MALFORMED)


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


def reply_text(client: Any, name: str, **options: Any) -> str:
    """One chat completion's text ("" when there is none). A request the server refuses (400) raises
    ``RequestRefused``, so the caller can ask another way (without a schema); any other failure
    ``BackendError``; both say ``name`` (which model, where)."""
    try:
        response = client.chat.completions.create(**options)
        return (response.choices[0].message.content or "").strip() if response.choices else ""
    except openai.BadRequestError as exc:
        raise RequestRefused(f"{name}: {describe_failure(exc)}") from None
    except FAILURES as exc:
        raise BackendError(f"{name}: {describe_failure(exc)}") from None


def listed_in_reply(reply: str, key: str) -> list[Any] | None:
    """``value[key]`` of the first JSON object in a model's reply, when it is a list: a structured
    reply, even with prose or a code fence around it."""
    start = reply.find("{")
    if start < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(reply, start)
    except ValueError:
        return None
    listed = value.get(key) if isinstance(value, dict) else None
    return listed if isinstance(listed, list) else None
