"""The model that judges what the verifier's rules leave undecided: one batched call per answer, the
decision and the model's reason recorded per sentence, and no claim accepted on a reply that cannot
be read. A real model on loopback (llama.cpp with SmolLM2) for the call itself; a scripted server for
the faults (a schema refused, an error, a reply that is not a verdict)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openai
import pytest

from assistant import Assistant
from assistant.embeddings import MiniLMEmbedder
from assistant.settings import load_settings
from assistant.verification.entail import CONTROL_QUOTES, ModelEntailer, entailer_for, parse_decisions
from assistant.verify import Verifier, verify_text

from .conftest import SMOLLM2
from .fault_server import FaultServer, Reply, answer, malformed, status
from .scripted_model import ScriptedModel
from .test_verify_rules import FREE, FREER, SALE, source

PAIRS = [
    (FREE, SALE),
    ("The $11 billion arms sale to Taiwan was cancelled.", SALE),
]


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key="x", max_retries=0, timeout=120)


YES, NO = ("SUPPORTED", "the same words"), ("UNSUPPORTED", "about something else")  # the control pairs


def decisions(*verdicts: tuple[str, str]) -> str:
    """A JSON reply to a call about these claims, the control pairs answered right: the first first,
    the second after the first half of the claims, the third last."""
    half = (len(verdicts) + 1) // 2
    listed = [YES, *verdicts[:half], NO, *verdicts[half:], NO]
    return json.dumps({"decisions": [{"reason": reason, "verdict": verdict} for verdict, reason in listed]})


@pytest.mark.slow
def test_a_real_model_judges_all_undecided_claims_in_one_structured_call(llama_server: str) -> None:
    entailer = ModelEntailer(client(llama_server), SMOLLM2, "smollm2")
    found = entailer.judge(PAIRS)
    assert entailer.calls == 1 and len(found) == 2
    # llama.cpp honours the schema: a verdict for every pair, used only if the model got the control
    # pairs right, whatever a 135M model makes of them
    if entailer.failed_controls:
        assert all(d.supported is None and "control pair" in d.reason for d in found)
    else:
        assert all(d.supported is not None for d in found), [d.reason for d in found]


def test_the_verifier_records_the_models_decision_per_sentence(embedder: MiniLMEmbedder) -> None:
    reply = decisions(("SUPPORTED", "drills are exercises"), ("UNSUPPORTED", "not said of a package"))
    with FaultServer(answer(reply)) as server:
        entailer = ModelEntailer(client(server.url), "scripted", "scripted")
        verifier = Verifier([source(SALE)], embedder, entailer)
        result = verify_text(f"{SALE[:-1]} [1]. {FREE} [1] {FREER} [1]", verifier)
        assert len(server.chat_requests) == 1
        body = server.chat_requests[0]["body"]
    assert body["response_format"]["json_schema"]["schema"]["properties"]["decisions"]["minItems"] == 5
    prompt = body["messages"][0]["content"]
    listed = [
        line.split(": ", 1)[1] for line in prompt.splitlines() if "Quote: " in line or "Claim: " in line
    ]
    assert listed == [
        SALE, SALE,  # a quote against itself
        SALE, FREE,
        CONTROL_QUOTES[1], FREER,  # the last claim against an unrelated quote
        SALE, FREER,
        CONTROL_QUOTES[0], FREE,  # the first claim against another
    ]  # fmt: skip
    assert [s.split(" [")[0] for s in result.sentences] == [SALE.rstrip("."), FREE.rstrip(".")]
    assert [c.reason for c in result.checks[1:]] == [
        "judged by the model: drills are exercises",
        "judged by the model: not said of a package",
    ]
    assert [d.text for d in result.dropped] == [FREER]


def test_a_server_that_refuses_the_schema_is_asked_in_text_from_then_on(embedder: MiniLMEmbedder) -> None:
    with FaultServer(
        status(400, "response_format is not supported"),
        answer(
            "1: SUPPORTED\n2: SUPPORTED - same sale\n3: UNSUPPORTED\n"
            "4: UNSUPPORTED - was announced\n5: UNSUPPORTED"
        ),
        answer("1: SUPPORTED - same\n2: UNSUPPORTED - no\n3: UNSUPPORTED - eggs\n4: UNSUPPORTED - ferries"),
    ) as server:
        entailer = ModelEntailer(client(server.url), "scripted", "scripted")
        first = entailer.judge(PAIRS)
        second = entailer.judge(PAIRS[:1])
        bodies = [r["body"] for r in server.chat_requests]
    assert ["response_format" in b for b in bodies] == [True, False, False]
    assert "N: SUPPORTED - reason" in bodies[1]["messages"][0]["content"]
    assert [(d.supported, d.reason) for d in first] == [
        (True, "same sale"),
        (False, "was announced"),
    ]
    assert [d.supported for d in second] == [False]


def verdicts(*words: str) -> Reply:
    return answer(json.dumps({"decisions": [{"reason": "-", "verdict": w} for w in words]}))


@pytest.mark.parametrize(
    "reply",
    [
        status(500, "the server fell over"),
        malformed(),
        answer("Sure! Both claims look fine to me."),
        verdicts("SUPPORTED", "SUPPORTED"),  # stops short: the other controls have no verdict
        verdicts(*["SUPPORTED"] * 5),  # yes to everything
        verdicts("UNSUPPORTED", "SUPPORTED", "UNSUPPORTED", "SUPPORTED", "UNSUPPORTED"),  # no to verbatim
        verdicts("SUPPORTED", "SUPPORTED", "SUPPORTED", "SUPPORTED", "UNSUPPORTED"),  # first yes, last no
    ],
    ids=["error", "malformed", "prose", "short", "yes-to-all", "no-to-verbatim", "by-position"],
)
def test_no_claim_is_accepted_on_a_reply_that_cannot_be_trusted(
    embedder: MiniLMEmbedder, reply: Reply
) -> None:
    with FaultServer(reply) as server:
        entailer = ModelEntailer(client(server.url), "scripted", "scripted")
        verifier = Verifier([source(SALE)], embedder, entailer)
        result = verify_text(f"{FREER} [1] {FREE} [1]", verifier)
        assert len(server.chat_requests) == 1
    assert [c.verdict for c in result.checks] == ["undecided", "undecided"]
    assert all(c.reason.startswith("undecided, the model") for c in result.checks)
    assert result.sentences == [] and [d.text for d in result.dropped] == [FREER, FREE]


def test_a_model_that_passes_the_controls_is_listened_to(embedder: MiniLMEmbedder) -> None:
    with FaultServer(verdicts("SUPPORTED", "SUPPORTED", "UNSUPPORTED", "SUPPORTED", "UNSUPPORTED")) as server:
        entailer = ModelEntailer(client(server.url), "scripted", "scripted")
        result = verify_text(f"{FREER} [1] {FREE} [1]", Verifier([source(SALE)], embedder, entailer))
    assert [c.verdict for c in result.checks] == ["supported", "supported"]
    assert entailer.failed_controls == 0


def test_parsing_reads_json_or_numbered_lines_and_nothing_else() -> None:
    listed = parse_decisions(decisions(("UNSUPPORTED", "x"), ("SUPPORTED", "y")), 5)
    assert [d.supported for d in listed] == [True, False, False, True, False]
    lines = parse_decisions("2: supported — a synonym\n1. UNSUPPORTED: wrong year", 3)
    assert [(d.supported, d.reason) for d in lines[:2]] == [(False, "wrong year"), (True, "a synonym")]
    assert lines[2].supported is None
    assert parse_decisions('{"decisions": [{"verdict": "MAYBE"}]}', 1)[0].supported is None


def test_the_judge_model_is_asked_when_one_is_set_and_offline_stays_rules_only() -> None:
    assert entailer_for(load_settings(backend="offline", judge_model="judge")) is None
    plain = entailer_for(load_settings(backend="openai", base_url="http://127.0.0.1:9/v1", model="m"))
    assert plain is not None and plain.model == "m"
    judged = entailer_for(
        load_settings(
            backend="openai",
            base_url="http://127.0.0.1:9/v1",
            model="m",
            judge_model="j",
            judge_base_url="http://127.0.0.1:8/v1",
        )
    )
    assert judged is not None and judged.model == "j" and "127.0.0.1:8" in judged.name


# -- through the assistant ------------------------------------------------------------------------------

FREE_WHEN = (
    "The two leaders agreed to work together so the trip happens this spring."  # undecided by the rules
)


class JudgingModel(ScriptedModel):
    """The scripted strong model, which also judges claims: SUPPORTED, but for a claim against an
    unrelated quote, unless ``fooled`` (a model that says yes to everything)."""

    def __init__(self, answers: dict[str, Any], fooled: bool = False) -> None:
        self.fooled = fooled
        super().__init__({"answers": answers})

    def reply(self, body: dict[str, Any]) -> str:
        prompt = str(body["messages"][-1]["content"])
        if "<pairs>" not in prompt:
            return super().reply(body)
        quotes = re.findall(r"^\d+\. Quote: (.*)$", prompt, re.MULTILINE)
        unrelated = "SUPPORTED" if self.fooled else "UNSUPPORTED"
        verdicts = [unrelated if q in CONTROL_QUOTES else "SUPPORTED" for q in quotes]
        return json.dumps({"decisions": [{"reason": "same meaning", "verdict": v} for v in verdicts]})


@pytest.mark.parametrize("fooled", [False, True], ids=["judged", "fooled"])
def test_a_model_answer_s_undecided_sentence_is_judged_by_the_model_in_one_more_call(
    shared_index: Path, fooled: bool
) -> None:
    when = "When is the visit?"
    with JudgingModel({when: [[FREE_WHEN, "to occur this spring"]]}, fooled=fooled) as model:
        settings = load_settings(index_dir=shared_index, backend="openai", base_url=model.url, model="m")
        found = Assistant(settings).ask(when)
        judged = [r["body"] for r in model.chat_requests if "<pairs>" in r["body"]["messages"][-1]["content"]]
    assert len(judged) == 1 and "response_format" in judged[0]
    mine = next(s for s in found.sentences if s.text == FREE_WHEN)
    if fooled:  # the model said yes to the unrelated control: its yes counts for nothing
        assert not mine.kept and "failed a control pair" in mine.reason and found.path == "fallback"
    else:
        assert mine.kept and mine.reason == "judged by the model: same meaning" and found.path == "model"
