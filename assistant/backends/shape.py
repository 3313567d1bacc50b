"""How a model is asked for an answer: one request builder, two shapes, chosen per server once.

The model is shown the retriever's most relevant sentences, each with the id a draft cites it by
(``[3.2]``: passage 3, sentence 2, as :func:`assistant.verify.numbered_sentences` numbers them).

- *structured*: the reply is JSON, ``{"ids": [...], "answer": "..."}``, with the shown ids as an enum
  (a JSON schema: OpenAI structured outputs, llama.cpp ``json_schema``). The draft is built here: the
  cited sentences verbatim, led by the short answer when it is a verbatim part of one of them. A weak
  model can pick badly but cannot invent (``evals/model_path/REPORT.md`` § 3).
- *text*: plain sentences with ``[p.s]`` markers, for servers that do not enforce a schema.

Requests are plain OpenAI chat-completion dicts, so an in-process engine (xllamacpp's
``handle_chat_completions``) can send the very same ones. Which shape a server gets is decided by
:func:`detect`, once per (base URL, model) and remembered across processes (``servers``): llama.cpp
answers ``GET /props``; ``GET /v1/models`` names vLLM or OpenAI; any other server that answers it gets
one tiny probe; a server that answers neither gets the text shape.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ..models import ModelReply, Request, Source
from ..prompts import answer_messages
from ..settings import Settings
from ..text import NUMBER_WORDS, STOPWORDS, evidence_sentences, flatten, words
from . import servers

Shape = Literal["structured", "text"]

SHOWN_SENTENCES = 8  # the retriever's best sentences shown to the model: ~500 prompt tokens (REPORT § 2)
MAX_IDS = 3
LEAD_CHARS = 160
# The source markup and the prompt's own headings: a model that starts writing them has left the answer.
TEXT_STOPS = ["\n[", "<source", "Question:", "Sentences:"]
REPEAT_PENALTY = 1.1  # llama.cpp's own field
FREQUENCY_PENALTY = 0.3  # the OpenAI field, for servers that are not llama.cpp
_PROBE_VALUE = "zebra-purple-42"  # no model writes this unless a schema forces it


Kind = Literal["llama.cpp", "openai", "vllm", "other", "unknown"]


@dataclass(frozen=True)
class Server:
    """What a server is and what it honours, as detected."""

    kind: Kind
    structured: bool

    @property
    def llama_cpp(self) -> bool:
        return self.kind == "llama.cpp"


LLAMA_CPP = Server("llama.cpp", structured=True)
_detected: dict[tuple[str, str], Server] = {}
_detecting = threading.Lock()


def numbered_sentences(source: Source) -> list[tuple[str, str]]:
    """``("3.2", text)`` for each sentence a draft may cite: the numbering the verifier reads citations
    by (``assistant.verify.numbered_sentences``, a later stage; a test holds the two together)."""
    text = source.passage.text
    return [(f"{source.number}.{k}", text[span.start : span.end]) for k, span in evidence_sentences(text)]


def presented(request: Request, limit: int = SHOWN_SENTENCES) -> dict[str, str]:
    """id → sentence text for the ``limit`` most relevant sentences of the sources, best first; the
    same sentence repeated by overlapping passages is shown once."""
    by_source = {
        s.number: {text: sid for sid, text in reversed(numbered_sentences(s))} for s in request.sources
    }
    shown: dict[str, str] = {}
    seen: set[tuple[str, int]] = set()
    for sentence in request.evidence:
        if len(shown) == limit:
            break
        if sentence.passage_index >= len(request.sources) or (sentence.doc_id, sentence.start) in seen:
            continue
        sid = by_source[request.sources[sentence.passage_index].number].get(sentence.text)
        if sid is not None:  # text addressed to an AI has no id: it is never shown
            seen.add((sentence.doc_id, sentence.start))
            shown[sid] = sentence.text
    return shown


def schema(ids: Sequence[str], bounded: bool = True) -> dict[str, Any]:
    """Pick-the-ids, strict-mode compatible (every property required, no others). ``bounded`` adds
    ``maxItems`` and ``maxLength``, which llama.cpp enforces (a small model loops in a free string);
    OpenAI's strict subset may refuse length keywords, so for other servers the id cap is applied when
    the reply is read."""
    items: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": list(ids)}}
    answer: dict[str, Any] = {"type": "string"}
    if bounded:
        items["maxItems"] = MAX_IDS
        answer["maxLength"] = LEAD_CHARS
    return {
        "type": "object",
        "properties": {"ids": items, "answer": answer},
        "required": ["ids", "answer"],
        "additionalProperties": False,
    }


def build_request(
    request: Request, shape: Shape, server: Server, settings: Settings, stream: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """The chat-completion request for ``request`` in ``shape``, and the sentences it shows (id → text).
    llama.cpp's own fields are sent only to llama.cpp: OpenAI refuses unknown fields (400)."""
    sentences = presented(request)
    body: dict[str, Any] = {
        "model": settings.model,
        "messages": answer_messages(request.question, sentences, shape),
        "temperature": settings.temperature,  # llama.cpp's default is 0.8: always say
        "max_tokens": settings.max_answer_tokens,
    }
    if shape == "structured":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": "answer_ids",
                "strict": True,
                "schema": schema(list(sentences), bounded=server.llama_cpp),
            },
        }
    else:
        body["stop"] = TEXT_STOPS
        if server.llama_cpp:
            body["repeat_penalty"] = REPEAT_PENALTY
        else:
            body["frequency_penalty"] = FREQUENCY_PENALTY
    if server.llama_cpp:
        body["cache_prompt"] = True  # the system prompt and sources come first: a prefix cache hit
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body, sentences


def parse_ids(raw: str, shown: dict[str, str]) -> tuple[list[str], str] | None:
    """(ids, answer) from a structured reply, or None when it holds no complete JSON object. The first
    JSON value counts (a grammar lets the model pad after it); ids are deduplicated (``uniqueItems`` is
    not enforced) and unknown ones ignored."""
    try:
        value, _ = json.JSONDecoder().raw_decode(raw.lstrip())
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("ids"), list):
        return None
    ids = [i for i in dict.fromkeys(value["ids"]) if isinstance(i, str) and i in shown][:MAX_IDS]
    answer = value.get("answer")
    return ids, answer.strip() if isinstance(answer, str) else ""


def draft_from_ids(ids: Sequence[str], answer: str, shown: dict[str, str]) -> str:
    """The cited sentences verbatim, each with its marker, led by the short answer when it is a
    verbatim part of one of them and a finished phrase (otherwise the model's own words are not used:
    "Trump told her he was" is the start of a sentence copied until the model stopped, not an answer)."""
    pieces = []
    lead = _lead_text(answer)
    whole = re.compile(rf"(?<![\w.,]){re.escape(lead.lower())}(?![\w]|[.,]\w)") if lead else None
    # A sentence id as the answer ("1.2") is the model naming its source, not answering; and a lead
    # must stand whole in its sentence: "1.2" is not in "zlib 1.2.13".
    home = (
        None
        if whole is None or lead in shown
        else next((i for i in ids if whole.search(flatten(shown[i]).lower())), None)
    )
    if (
        home is not None
        and not _dangling(lead)
        and lead.lower() != flatten(shown[home]).lower().strip(" .;,")
    ):
        pieces.append(f"{_capitalized(lead)} [{home}].")
    pieces += [f"{flatten(shown[i])} [{i}]" for i in ids]
    return " ".join(pieces)


def lead_of(reply: ModelReply) -> str:
    """The short answer that leads a structured reply's draft ("" when none does): the only words of
    such a reply that are the model's own; every other sentence of its draft is a cited one, copied."""
    try:
        value, _ = json.JSONDecoder().raw_decode(reply.raw.lstrip())
    except ValueError:
        return ""
    answer = value.get("answer") if isinstance(value, dict) else None
    lead = _capitalized(_lead_text(answer)) if isinstance(answer, str) else ""
    return lead if lead and reply.draft.startswith(f"{lead} [") else ""


def _lead_text(answer: str) -> str:
    return flatten(answer).strip(" .;,")


def _capitalized(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}"


def _dangling(phrase: str) -> bool:
    """Whether a phrase of several words ends on a word that leaves it unfinished ("he was", "of the")."""
    found = words(phrase)
    last = found[-1][0].lower() if found else ""
    return len(found) > 1 and last in STOPWORDS and last not in NUMBER_WORDS


class ReplyReader:
    """Reads a streamed reply from OpenAI chunk dicts (``chunk.model_dump()`` over HTTP, or what an
    in-process engine hands over): text to show as it comes (text shape), then the draft and the
    ``ModelReply``. One reader per request."""

    def __init__(self, shape: Shape, shown: dict[str, str]) -> None:
        self.shape = shape
        self._shown = shown
        self._raw: list[str] = []
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.unreadable = False  # a structured reply that holds no JSON object of the schema's shape

    def feed(self, chunk: dict[str, Any]) -> str:
        """The text of ``chunk`` to pass on now ("" for a structured reply, which is read at the end)."""
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        text = ""
        for choice in chunk.get("choices") or []:
            text += (choice.get("delta") or {}).get("content") or ""
            self.finish_reason = choice.get("finish_reason") or self.finish_reason
        self._raw.append(text)
        return text if self.shape == "text" else ""

    def finish(self) -> tuple[str, ModelReply]:
        """The draft still to verify ("" for the text shape, already passed on) and the reply."""
        raw = "".join(self._raw)
        draft, rest = raw, ""
        if self.shape == "structured":
            picked = parse_ids(raw, self._shown)
            self.unreadable = picked is None and self.finish_reason != "length"
            draft = rest = draft_from_ids(*picked, self._shown) if picked else ""
        return rest, ModelReply(shape=self.shape, raw=raw, finish_reason=self.finish_reason, draft=draft)


def detect(
    settings: Settings, probe: Callable[[dict[str, Any]], str], headers: dict[str, str] | None = None
) -> Server:
    """What the server at ``settings.base_url`` honours: asked once per (base URL, model), remembered
    across processes (``servers``) until it answers differently (``forget``). ``probe`` sends one
    non-streamed request and returns the reply's text (it may raise)."""
    key = (settings.base_url or "", settings.model)
    with _detecting:
        if key not in _detected:
            _detected[key] = _recalled(settings) or _detect_and_remember(settings, probe, headers or {})
        return _detected[key]


def forget(settings: Settings) -> None:
    """The server answered differently from what was detected: detect it again at the next request."""
    with _detecting:
        _detected.pop((settings.base_url or "", settings.model), None)
        servers.forget(settings)


def _recalled(settings: Settings) -> Server | None:
    entry = servers.recall(settings) or {}
    if entry.get("kind") not in get_args(Kind) or not isinstance(entry.get("structured"), bool):
        return None
    return Server(entry["kind"], structured=entry["structured"])


def _detect_and_remember(
    settings: Settings, probe: Callable[[dict[str, Any]], str], headers: dict[str, str]
) -> Server:
    server, definite = _detect(settings, probe, headers)
    if definite and settings.base_url is not None:
        servers.remember(settings, {"kind": server.kind, "structured": server.structured})
    return server


def _detect(
    settings: Settings, probe: Callable[[dict[str, Any]], str], headers: dict[str, str]
) -> tuple[Server, bool]:
    """What the server honours, and whether that is a definite answer (worth remembering)."""
    if settings.base_url is None:
        return Server("openai", structured=True), True
    base = settings.base_url.rstrip("/")
    root = base.removesuffix("/v1")
    timeout = min(settings.timeout, 5.0)
    props = _get(f"{root}/props", headers, timeout)
    if isinstance(props, dict) and "default_generation_settings" in props:
        return LLAMA_CPP, True
    models = _get(f"{base}/models", headers, timeout)
    if not isinstance(models, dict) or not isinstance(models.get("data"), list):
        return Server("unknown", structured=False), False  # no model list: ask nothing more of it
    owners = {str(m.get("owned_by", "")) for m in models["data"] if isinstance(m, dict)}
    if "llamacpp" in owners:
        return LLAMA_CPP, True
    if owners & {"vllm", "openai", "system"}:
        return Server("vllm" if "vllm" in owners else "openai", structured=True), True
    honoured = _probe(settings, probe)
    return Server("other", structured=bool(honoured)), honoured is not None


def _get(url: str, headers: dict[str, str], timeout: float) -> Any:
    import httpx  # here: ~0.1 s of CPU that an offline answer does not need

    try:
        response = httpx.get(url, headers=headers, timeout=timeout)
        return response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def _probe(settings: Settings, probe: Callable[[dict[str, Any]], str]) -> bool | None:
    """One tiny request whose schema forces a value no model writes unasked: honoured iff it comes back;
    None when the request failed for another reason than a refusal (a timeout, a 5xx): not known."""
    forced = {
        "type": "object",
        "properties": {"verdict": {"type": "string", "enum": [_PROBE_VALUE]}},
        "required": ["verdict"],
        "additionalProperties": False,
    }
    body = {
        "model": settings.model,
        "messages": [{"role": "user", "content": "Reply with JSON."}],
        "temperature": 0.0,
        "max_tokens": 16,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "probe", "strict": True, "schema": forced},
        },
    }
    try:
        text = probe(body)
    except Exception as exc:  # a refusal (400, 422) means "not honoured"; a timeout or a 5xx says nothing
        return False if getattr(exc, "status_code", None) in (400, 422) else None
    try:
        value, _ = json.JSONDecoder().raw_decode(text.lstrip())
    except ValueError:  # prose: the schema was ignored
        return False
    return value == {"verdict": _PROBE_VALUE}
