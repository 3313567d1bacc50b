"""The claims the rules leave undecided, judged by a model in ONE call per answer (issue 12).

Rules settle the clear cases (names, numbers, dates, negation, roles); what is left is a paraphrase
too free to check word by word, and only a model can read it. All of an answer's undecided claims go
to the model at once, each with the text it cites, and the decision and the model's reason are
recorded per sentence. The model is the judge model when one is set (``ASSISTANT_JUDGE_MODEL``), else
the answer model; the offline backend has none, so offline answers stay rules-only.

The reply is asked for as JSON under a schema (one verdict and reason per claim, the verdict from an
enum) where the server honours ``response_format``; a server that refuses the schema (400) gets the
plain-text form from then on. A claim the reply gives no readable verdict for, or a call that fails,
keeps no verdict (``Decision.supported`` None): it stays undecided and is dropped, never accepted.
So does every claim of a call in which the model misjudged one of three control pairs (a quote against
itself, two claims against unrelated quotes): a model that says yes to everything cannot fool it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..errors import BackendError, RequestRefused
from ..openai_client import listed_in_reply, make_client, reply_text
from ..prompts import template
from ..settings import Settings, redact_url
from ..verify import Decision

VERDICTS = ("SUPPORTED", "UNSUPPORTED")
CONTROL_QUOTES = (  # they support no claim of ours
    "Tickets for the ferry can be bought at the harbour office.",
    "The recipe needs two eggs, a cup of flour and a pinch of salt.",
)
_CONTROLS = "a quote against itself, claims against unrelated quotes"
_LINE = re.compile(r"(?im)^[ \t]*(\d+)[ \t]*[:.)-][ \t]*(SUPPORTED|UNSUPPORTED)\b[ \t:;,.—–-]*(.*)$")
_REASON_CHARS = 200  # a reason is recorded per sentence: one line, not an essay
_TOKENS_PER_CLAIM = 60  # a verdict and a short reason
_JSON_REPLY = (
    'Reply with JSON only: {{"decisions": [{{"reason": "...", "verdict": "SUPPORTED"}}, ...]}}, one '
    "decision per pair, in order, each with a reason of a few words."
)
_TEXT_REPLY = (
    "Reply with one line per pair, in order, in the form `N: SUPPORTED - reason` or "
    "`N: UNSUPPORTED - reason` (a reason of a few words), and nothing else."
)


class ModelEntailer:
    """One chat completion judges every (claim, cited text) pair of an answer."""

    def __init__(self, client: Any, model: str, name: str) -> None:
        """``client``: anything with ``chat.completions.create`` (an ``openai`` client, the local
        backend's in-process model); ``name`` says which model and where, in reasons and errors."""
        self._client, self.model, self.name = client, model, name
        self._schema = True  # until the server refuses one
        self.calls = 0
        self.failed_controls = 0  # calls whose verdicts were not used

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[Decision]:
        """The pairs go among three control pairs whose answers are known: the first quote against
        itself (SUPPORTED) first, the last claim against an unrelated quote (UNSUPPORTED) in the middle,
        the first claim against another unrelated quote (UNSUPPORTED) last. A model that gets any of
        them wrong (one that says yes, or no, to everything, or answers by position) is not listened to."""
        if not pairs:
            return []
        self.calls += 1
        (claim, quote), half = pairs[0], (len(pairs) + 1) // 2
        asked = [
            (quote or claim, quote or claim),
            *pairs[:half],
            (pairs[-1][0], CONTROL_QUOTES[1]),
            *pairs[half:],
            (claim, CONTROL_QUOTES[0]),
        ]
        try:
            reply = self._ask(asked)
        except BackendError as exc:
            return [Decision(None, f"the model could not judge it ({exc})")] * len(pairs)
        found = parse_decisions(reply, len(asked))
        controls = [found[0].supported, found[1 + half].supported, found[-1].supported]
        if controls != [True, False, False]:
            self.failed_controls += 1
            return [Decision(None, f"the model failed a control pair ({_CONTROLS}): not used")] * len(pairs)
        return found[1 : 1 + half] + found[2 + half : -1]

    def _ask(self, pairs: Sequence[tuple[str, str]]) -> str:
        options: dict[str, Any] = {
            "model": self.model,
            "temperature": 0.0,
            "max_tokens": _TOKENS_PER_CLAIM * len(pairs) + 40,
        }
        if self._schema:
            try:
                messages = entail_messages(pairs, structured=True)
                return self._reply(messages=messages, response_format=decision_schema(len(pairs)), **options)
            except RequestRefused:
                self._schema = False  # this server takes no schema: ask in text from now on
        return self._reply(messages=entail_messages(pairs, structured=False), **options)

    def _reply(self, **options: Any) -> str:
        return reply_text(self._client, self.name, **options)


def entailer_for(settings: Settings) -> ModelEntailer | None:
    """The judge model when one is set, else the answer model; None for the offline backend."""
    if settings.backend == "offline":
        return None
    if settings.judge_model is None and settings.judge_base_url is None:
        if settings.backend == "local":
            from ..backends.local import LocalClient, model_file  # the engine is shared with the backend

            path = model_file(settings)
            return ModelEntailer(LocalClient(path, settings), path.name, f"{path.name} (in-process)")
        where = redact_url(settings.base_url) if settings.base_url else "api.openai.com"
        return ModelEntailer(make_client(settings), settings.model, f"{settings.model} ({where})")
    same_server = settings.judge_base_url in (None, settings.base_url)
    judge = settings.model_copy(
        update={
            "model": settings.judge_model or settings.model,
            "base_url": settings.judge_base_url or settings.base_url,
            "api_key": settings.judge_api_key or (settings.api_key if same_server else None),
        }
    )
    where = redact_url(judge.base_url) if judge.base_url else "api.openai.com"
    return ModelEntailer(make_client(judge), judge.model, f"{judge.model} ({where})")


def entail_messages(pairs: Sequence[tuple[str, str]], structured: bool) -> list[dict[str, str]]:
    """The prompt: each pair numbered, its quote then its claim, each on one line."""
    listed = "\n".join(
        f"{i}. Quote: {_one_line(quote) or '(none)'}\n   Claim: {_one_line(claim)}"
        for i, (claim, quote) in enumerate(pairs, start=1)
    )
    text = template("entail").format(pairs=listed, reply=_JSON_REPLY if structured else _TEXT_REPLY)
    return [{"role": "user", "content": text}]


def _one_line(text: str) -> str:
    """White space folded, and the fence's tag kept inert inside the data."""
    return " ".join(text.split()).replace("</pairs", "<\\/pairs").replace("<pairs", "<\\pairs")


def decision_schema(claims: int) -> dict[str, Any]:
    """``{"decisions": [{"reason", "verdict"}, ...]}``, exactly one per claim (OpenAI strict-mode
    compatible); the reason comes first, so a model reasons before it decides."""
    decision = {
        "type": "object",
        "properties": {"reason": {"type": "string"}, "verdict": {"type": "string", "enum": list(VERDICTS)}},
        "required": ["reason", "verdict"],
        "additionalProperties": False,
    }
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "decisions",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {
                    "decisions": {"type": "array", "items": decision, "minItems": claims, "maxItems": claims}
                },
                "required": ["decisions"],
                "additionalProperties": False,
            },
        },
    }


def parse_decisions(reply: str, claims: int) -> list[Decision]:
    """A verdict per claim, in order: from ``{"decisions": [...]}`` (the first JSON object in the
    reply), else from ``N: SUPPORTED - reason`` lines; no verdict where the reply gives none."""
    found: dict[int, tuple[str, str]] = {}
    for i, item in enumerate((listed_in_reply(reply, "decisions") or [])[:claims], start=1):
        if isinstance(item, dict) and str(item.get("verdict", "")).upper() in VERDICTS:
            found[i] = (str(item["verdict"]).upper(), str(item.get("reason", "")))
    if not found:
        for n, word, reason in _LINE.findall(reply):
            found.setdefault(int(n), (word.upper(), reason))
    unreadable = f"the model gave no readable verdict ({reply[:80]!r})"
    return [
        Decision(
            found[i][0] == "SUPPORTED", " ".join(found[i][1].split())[:_REASON_CHARS] or found[i][0].lower()
        )
        if i in found
        else Decision(None, unreadable)
        for i in range(1, claims + 1)
    ]
