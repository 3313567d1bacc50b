"""The model path: how a model is asked (structured ids or [p.s] text, per server), what of its answer is
shown (verified, on the question, within the cap, never a cut-off end), the fallback to the offline
reader, and what ``--json`` and ``ask -v`` reveal. Fast tests use the scripted model on loopback; one
slow test asks SmolLM2-135M-Instruct through llama.cpp's server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from assistant import Answer, Assistant
from assistant.backends import shape
from assistant.backends.openai import OpenAIBackend
from assistant.backends.shape import (
    LLAMA_CPP,
    ReplyReader,
    Server,
    _probe,
    build_request,
    draft_from_ids,
    lead_of,
    numbered_sentences,
    parse_ids,
)
from assistant.errors import BackendError
from assistant.evaluation.dataset import Expectation
from assistant.evaluation.runner import _off_topic, _truncated
from assistant.models import Citation, ModelReply, Request
from assistant.relevance import own_words
from assistant.settings import load_settings
from assistant.verify import numbered_sentences as verifier_numbering

from .conftest import ARTICLE
from .fault_server import FaultServer, Reply
from .fault_server import answer as fault_answer
from .fault_server import status as fault_status
from .scripted_model import ScriptedModel
from .test_answer import assert_grounded

TEXT = ARTICLE.read_text(encoding="utf-8")
WHEN = "When is the visit?"
SPRING = "to occur this spring"
AGREED = ["Takaichi and Trump agreed to coordinate for the visit to occur this spring.", SPRING]


@pytest.fixture
def request_for(shared_index: Path) -> Any:
    """The request the answer stage gets for a question (sources packed to a model's budget)."""
    model_assistant = Assistant(load_settings(index_dir=shared_index, backend="openai", api_key="x"))

    def build(question: str) -> Request:
        model_assistant.ensure_ready()
        sources, evidence, _ = model_assistant._gather(question, model_assistant.backend)
        return Request(question=question, sources=sources, evidence=evidence)

    return build


@contextmanager
def scripted(
    shared_index: Path, answers: dict[str, Any], finish: str = "stop", **settings: Any
) -> Iterator[tuple[Assistant, ScriptedModel]]:
    """An assistant asking the scripted model, which answers ``answers`` (question → sentences)."""
    model = ScriptedModel({"answers": answers}, finish=finish)
    with model:
        options: dict[str, Any] = {"backend": "openai", "base_url": model.url, "model": "scripted"}
        options["max_retries"] = 0
        yield Assistant(load_settings(index_dir=shared_index, **options, **settings)), model


# -- the request ----------------------------------------------------------------------------------


def test_the_ids_shown_are_the_ids_the_verifier_reads(request_for: Any) -> None:
    request = request_for("How did Beijing react to Takaichi's remarks on Taiwan?")
    assert len(request.sources) > 1
    for source in request.sources:
        assert numbered_sentences(source) == verifier_numbering(source)


def test_structured_requests_offer_exactly_the_shown_ids(request_for: Any) -> None:
    request = request_for(WHEN)
    settings = load_settings(model="m", temperature=0.0, max_answer_tokens=100)
    body, shown = build_request(request, "structured", LLAMA_CPP, settings)
    assert 3 <= len(shown) <= 8 and all(text in TEXT for text in shown.values())
    schema = body["response_format"]["json_schema"]
    assert schema["strict"] is True
    ids = schema["schema"]["properties"]["ids"]
    assert ids["items"]["enum"] == list(shown) and ids["maxItems"] == 3, "llama.cpp enforces the bounds"
    openai, _ = build_request(request, "structured", Server("openai", structured=True), settings)
    strict = openai["response_format"]["json_schema"]["schema"]
    assert "maxItems" not in strict["properties"]["ids"] and "maxLength" not in strict["properties"]["answer"]
    assert schema["schema"]["required"] == ["ids", "answer"]
    assert body["temperature"] == 0.0 and body["max_tokens"] == 100
    assert body["cache_prompt"] is True and "stop" not in body, "llama.cpp's prefix cache; JSON needs no stop"
    prompt = body["messages"][-1]["content"]
    assert all(f"[{sid}] " in prompt for sid in shown) and WHEN in prompt


def test_text_requests_stop_at_source_markup_and_penalise_repeats_as_the_server_allows(
    request_for: Any,
) -> None:
    request = request_for(WHEN)
    settings = load_settings(model="m")
    llama, _ = build_request(request, "text", LLAMA_CPP, settings)
    other, _ = build_request(request, "text", Server("openai", structured=True), settings)
    for body in (llama, other):
        assert "response_format" not in body and "\n[" in body["stop"] and "<source" in body["stop"]
        assert body["temperature"] == settings.temperature
    assert llama["repeat_penalty"] > 1 and "frequency_penalty" not in llama
    assert other["frequency_penalty"] > 0 and "repeat_penalty" not in other and "cache_prompt" not in other


def test_a_structured_reply_becomes_the_cited_sentences_verbatim() -> None:
    shown = {"1.1": "The visit is planned for this spring.", "2.3": "Kyodo News suggested the festival."}
    padded = '{"ids": ["2.3", "2.3", "9.9", "1.1"], "answer": "this spring"}\n\n\n'
    ids, lead = parse_ids(padded, shown) or ([], "")
    assert ids == ["2.3", "1.1"], "deduplicated, unknown ids ignored, order kept"
    assert draft_from_ids(ids, lead, shown) == (
        "This spring [1.1]. Kyodo News suggested the festival. [2.3] "
        "The visit is planned for this spring. [1.1]"
    )
    assert draft_from_ids(["1.1"], "in April 2021", shown) == "The visit is planned for this spring. [1.1]"
    draft = draft_from_ids(ids, lead, shown)
    assert lead_of(ModelReply(shape="structured", raw=padded, draft=draft)) == "This spring"
    unused = '{"ids": ["1.1"], "answer": "in April 2021"}'
    assert (
        lead_of(
            ModelReply(shape="structured", raw=unused, draft=draft_from_ids(["1.1"], "in April 2021", shown))
        )
        == ""
    )
    assert (
        draft_from_ids(["1.1"], "The visit is planned for", shown)
        == "The visit is planned for this spring. [1.1]"
    )
    versions = {"1.2": "This is zlib 1.2.13, a compression library.", "1.3": "It is free."}
    assert draft_from_ids(["1.2"], "1.2", versions) == "This is zlib 1.2.13, a compression library. [1.2]", (
        "a sentence id is no answer, and a lead must stand whole in its sentence"
    )
    assert draft_from_ids(["1.2"], "1.2.13", versions).startswith("1.2.13 [1.2]. ")
    assert draft_from_ids(["1.2"], "compression", versions).startswith("Compression [1.2]. ")
    assert (
        draft_from_ids(["1.2"], "compress", versions) == "This is zlib 1.2.13, a compression library. [1.2]"
    )
    assert parse_ids('{"ids": ["1.1"], "ans', shown) is None, "cut before the JSON closed"
    assert parse_ids("The answer is 1.1", shown) is None


def test_a_sentence_copied_whole_is_a_pick_and_anything_else_the_models_own_words() -> None:
    heading, sentence = "ZLIB DATA COMPRESSION LIBRARY", "To get strong\n    encryption, use GnuPG."
    cited = (f"{heading}\n\n{sentence}", heading, sentence)  # a unit of two sentences, and each of them
    assert not own_words("ZLIB DATA COMPRESSION LIBRARY  To get strong encryption, use GnuPG.", cited)
    assert not own_words("To get strong encryption, use GnuPG [1.2].", cited), "the marker aside"
    assert own_words("Use GnuPG.", cited), "a part taken out of a sentence"
    assert own_words("GnuPG gives strong encryption.", cited)
    # a structured reply: a part of a cited sentence is still that sentence, copied; only the lead is not
    assert not own_words("Use GnuPG.", cited, lead="")
    assert own_words("GnuPG [1.2].", cited, lead="GnuPG") and not own_words("Use GnuPG.", cited, lead="GnuPG")


def test_a_reply_is_read_from_plain_chunk_dicts_whatever_the_transport() -> None:
    def chunk(content: str | None, finish: str | None = None) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]}

    shown = {"1.1": "The visit is planned for this spring."}
    structured = ReplyReader("structured", shown)
    pieces = ['{"ids": ["1', '.1"], "answer": ', '"this spring"}', "\n\n"]
    assert [structured.feed(chunk(p)) for p in pieces] == ["", "", "", ""], "JSON is read at the end"
    structured.feed(chunk(None, "length"))
    structured.feed({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4}})
    draft, reply = structured.finish()
    assert draft == reply.draft == "This spring [1.1]. The visit is planned for this spring. [1.1]"
    assert reply.finish_reason == "length", "a complete object padded up to max_tokens is fine"
    assert reply.raw == "".join(pieces) and structured.usage == {"prompt_tokens": 9, "completion_tokens": 4}

    text = ReplyReader("text", shown)
    assert [text.feed(chunk(p)) for p in ["This spring ", "[1.1]."]] == ["This spring ", "[1.1]."]
    text.feed(chunk(None, "stop"))
    assert text.finish() == ("", ModelReply(shape="text", raw="This spring [1.1].", finish_reason="stop",
                                            draft="This spring [1.1]."))  # fmt: skip


def test_the_schema_probe_trusts_only_a_reply_the_schema_forced() -> None:
    settings = load_settings(model="m")
    assert _probe(settings, lambda body: '{"verdict": "zebra-purple-42"}  ')
    assert not _probe(settings, lambda body: '{"verdict": "yes"}')
    assert not _probe(settings, lambda body: "Sure! Here is some JSON.")

    class Refused(Exception):
        status_code = 400

    def refuses(body: dict[str, Any]) -> str:
        raise Refused("unknown field response_format")

    def times_out(body: dict[str, Any]) -> str:
        raise TimeoutError

    assert _probe(settings, refuses) is False, "a refusal is an answer: not honoured"
    assert _probe(settings, times_out) is None, "a timeout says nothing: not remembered"


class ListingServer(FaultServer):
    """A scripted server that lists its models as vLLM does (``GET /v1/models``); GETs are recorded."""

    def __init__(self, *script: Reply) -> None:
        self.gets: list[str] = []
        super().__init__(*script)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Listing(super()._handler_class()):  # type: ignore[misc]
            def do_GET(self) -> None:
                server.gets.append(self.path)
                if self.path == "/v1/models":
                    self._send(200, "application/json", b'{"data": [{"id": "m", "owned_by": "vllm"}]}')
                else:
                    self._send(404, "application/json", b"{}")

        return Listing


def test_a_detection_is_remembered_across_processes_until_the_server_answers_differently(
    shared_index: Path,
) -> None:
    ids = '{"ids": ["1.1"], "answer": ""}'
    server = ListingServer(fault_answer(ids))
    with server:
        settings = load_settings(index_dir=shared_index, backend="openai", base_url=server.url, model="m")
        assert OpenAIBackend(settings, None).server() == Server("vllm", structured=True)  # type: ignore[arg-type]
        assert server.gets == ["/props", "/v1/models"]
        cache = shared_index / "servers.json"
        assert cache.stat().st_mode & 0o777 == 0o600 and server.url in cache.read_text(encoding="utf-8")
        shape._detected.clear()  # what a new process starts with
        assistant = Assistant(settings)
        assert assistant.ask(WHEN).reply.shape == "structured"  # type: ignore[union-attr]
        assert server.gets == ["/props", "/v1/models"], "remembered: not asked again"
        server.script(fault_answer("This spring [1]."))  # the schema is no longer honoured
        answer = assistant.ask(WHEN)
        assert answer.path == "fallback" and server.url not in cache.read_text(encoding="utf-8")
        server.script(fault_answer(ids))
        assistant.ask(WHEN)
        assert server.gets == ["/props", "/v1/models"] * 2, "detected again"
        assert server.url in cache.read_text(encoding="utf-8")
        server.script(fault_status(400, "response_format is not supported"))
        with pytest.raises(BackendError):
            assistant.ask(WHEN)  # a refused request stays an error, and the detection is dropped
        assert server.url not in cache.read_text(encoding="utf-8")


# -- what is shown --------------------------------------------------------------------------------


def test_a_server_without_props_or_models_is_asked_in_text_without_a_probe(shared_index: Path) -> None:
    with scripted(shared_index, {WHEN: [AGREED]}) as (assistant, model):
        answer = assistant.ask(WHEN)
        assert [r["path"] for r in model.requests] == ["/v1/chat/completions"], "no probe spent"
        body = model.requests[0]["body"]
        assert "response_format" not in body and body["stream"] and "stop" in body
        assert answer.path == "model" and answer.reply and answer.reply.shape == "text"
        assert answer.reply.finish_reason == "stop" and answer.reply.raw.startswith(AGREED[0][:-1])
        assert answer.text == f"{AGREED[0][:-1]} [1]."
        assert [s.kept for s in answer.sentences] == [True]
        assert_grounded(answer)


INVITED_SPRING = [
    "President Donald Trump has invited Japan’s first female prime minister, Sanae Takaichi, "
    "to visit the United States this spring.",
    "has invited",
]
INVITED_CALL = [
    "President Donald Trump invited Japanese Prime Minister Sanae Takaichi to visit the United States "
    "this year during a phone call.",
    "this year during a phone call",
]
# Whole sentences of the article, copied: a model's picks, not answers in its own words.
PICK_CALL = [f"{INVITED_CALL[0][:-1]}, according to Japan’s foreign ministry.", INVITED_CALL[1]]
PICK_AGREED = [f"Japan’s foreign ministry stated that {AGREED[0][0].lower()}{AGREED[0][1:]}", SPRING]


def test_off_topic_sentences_picks_the_reader_passed_over_and_those_over_the_cap_are_not_shown(
    shared_index: Path,
) -> None:
    beside = ["The visit could also serve as a diplomatic counterweight.", "diplomatic counterweight"]
    with scripted(shared_index, {WHEN: [AGREED, beside, PICK_CALL]}) as (assistant, _):
        items = list(assistant.stream(WHEN))
        answer = items[-1]
        assert isinstance(answer, Answer) and answer.path == "model"
        assert items[:-1] == [answer.text] and answer.text.startswith(AGREED[0][:-1])
        reasons = {s.text: s.reason for s in answer.sentences if not s.kept}
        assert reasons[beside[0]].startswith("off-topic: says no when")
        # true and about the visit, copied whole, but not what the offline reader chose to answer with
        assert reasons[PICK_CALL[0]].startswith(
            "not shown: a pick of a sentence the offline reader did not choose"
        )
        assert {d.text for d in answer.dropped} == set(reasons)
    who = "Who invited Japan's prime minister to visit the United States?"
    with scripted(shared_index, {who: [INVITED_SPRING, INVITED_CALL]}, max_answer_sentences=1) as (
        assistant,
        _,
    ):
        answer = assistant.ask(who)
        assert answer.path == "model" and [s.kept for s in answer.sentences] == [True, False]
        assert answer.sentences[1].reason == "over the cap of 1 sentences (ASSISTANT_MAX_ANSWER_SENTENCES)"


def test_a_true_sentence_cannot_answer_a_false_premise_the_offline_reader_sees_through(
    shared_index: Path,
) -> None:
    question = "Why did China cancel its military drills off Taiwan?"
    drills = "China’s military drills off Taiwan also follow the Trump administration’s announcement"
    with scripted(shared_index, {question: [[f"{drills}.", drills]]}) as (assistant, _):
        answer = assistant.ask(question)
    assert answer.sentences[0].text == f"{drills}." and not answer.sentences[0].kept
    assert answer.sentences[0].reason.startswith("off-topic: the question asks about something denied")
    assert answer.path == "fallback" and answer.refused


def test_where_the_offline_reader_refuses_a_pick_cannot_overrule_it_but_the_models_own_answer_can(
    shared_index: Path,
) -> None:
    question = "Which three-country partnership did the two leaders say they would promote?"
    whole = (
        "Takaichi and Trump also agreed to promote cooperation among like-minded partners, including the "
        "Japan-U.S.-South Korea trilateral partnership, and to advance the vision of a free and open "
        "Indo-Pacific."
    )
    own = "They agreed to promote the Japan-U.S.-South Korea trilateral partnership."
    with scripted(shared_index, {question: [[whole, "trilateral partnership"]]}) as (assistant, _):
        picked = assistant.ask(question)
    assert picked.path == "fallback" and picked.refused, "the reader refuses it: a pick does not overrule"
    assert picked.sentences[0].reason.startswith("not shown: a pick of a sentence the offline reader found")
    with scripted(shared_index, {question: [[own, "trilateral partnership"]]}) as (assistant, _):
        answered = assistant.ask(question)
    assert answered.path == "model" and answered.text.startswith(own[:-1])


def test_an_answer_to_one_part_of_a_two_part_question_is_not_shown(shared_index: Path) -> None:
    question = "When is the visit, and what did Kyodo News suggest it could coincide with?"
    festival = ["Kyodo News suggested the trip could coincide with the cherry blossom festival.", "coincide"]
    with scripted(shared_index, {question: [AGREED]}) as (assistant, _):
        items = list(assistant.stream(question))
    answer = items[-1]
    assert isinstance(answer, Answer) and answer.path == "fallback"
    assert answer.notice and "Kyodo News suggest" in answer.notice and "unanswered" in answer.notice
    assert " ".join(map(str, items[:-1])) == answer.text, "the model's half answer never reached the screen"
    assert answer.sentences[0].text == AGREED[0] and not answer.sentences[0].kept
    with scripted(shared_index, {question: [AGREED, festival]}) as (assistant, _):
        whole = assistant.ask(question)
    assert whole.path == "model" and "this spring" in whole.text and "cherry blossom" in whole.text


def test_a_reply_cut_at_max_tokens_loses_its_unfinished_sentence(shared_index: Path) -> None:
    cut = {WHEN: [AGREED, ["The visit to", SPRING]]}
    with scripted(shared_index, cut, finish="length") as (
        assistant,
        _,
    ):
        answer = assistant.ask(WHEN)
        assert answer.reply and answer.reply.finish_reason == "length"
        assert answer.path == "model" and "The visit to" not in answer.text
        assert answer.dropped[-1].text == "The visit to"
        assert answer.dropped[-1].reason.startswith("unfinished: the reply was cut at max_tokens")


def test_when_nothing_of_the_model_survives_the_offline_reader_answers_and_says_so(
    shared_index: Path, assistant: Assistant
) -> None:
    invented = {WHEN: [["The visit is in April 2021.", SPRING]]}
    offline = assistant.ask(WHEN)
    with scripted(shared_index, invented) as (model_assistant, _):
        answer = model_assistant.ask(WHEN)
        assert answer.path == "fallback" and answer.backend == "openai"
        assert answer.notice == (
            "No sentence of the model's answer passed the checks; this is the offline reader's answer."
        )
        assert (answer.text, answer.citations) == (offline.text, offline.citations)
        assert (answer.sentences[0].reader, answer.sentences[0].kept) == ("model", False)
        assert all(s.reader == "offline" for s in answer.sentences[1:])
    with scripted(shared_index, {WHEN: [PICK_CALL]}) as (model_assistant, _):
        answer = model_assistant.ask(WHEN)
        assert (answer.path, answer.text) == ("fallback", offline.text)
        assert answer.notice == (
            "The model only pointed at sentences the offline reader did not take as an answer; "
            "this is the offline reader's answer."
        )
    with scripted(shared_index, {WHEN: [PICK_AGREED]}) as (model_assistant, _):
        items = list(model_assistant.stream(WHEN))
        picked = items[-1]
        assert isinstance(picked, Answer) and (picked.path, picked.text) == ("fallback", offline.text)
        assert " ".join(map(str, items[:-1])) == offline.text, "the model's pick never reached the screen"
        assert picked.notice == (
            "The model only pointed at sentences the offline reader chose too, with no answer in its own "
            "words; this is the offline reader's answer."
        )
        assert (picked.sentences[0].text, picked.sentences[0].kept) == (PICK_AGREED[0], False)
    with scripted(shared_index, {}) as (model_assistant, _):  # the model says NOT IN SOURCES
        answer = model_assistant.ask(WHEN)
        assert answer.path == "fallback" and answer.text == offline.text
        assert (
            answer.notice
            == "The model found no answer in the documents; this is the offline reader's answer."
        )


def test_ask_json_and_verbose_show_the_reply_and_what_was_not_shown(shared_index: Path) -> None:
    beside = ["The visit could also serve as a diplomatic counterweight.", "diplomatic counterweight"]
    reply = [AGREED, beside]
    with ScriptedModel({"answers": {WHEN: reply}}) as model:
        env = {**os.environ, "ASSISTANT_INDEX_DIR": str(shared_index), "NO_COLOR": "1", "COLUMNS": "300"}
        command = [str(Path(sys.executable).with_name("assistant")), "ask", WHEN, "--backend", "openai"]
        command += ["--base-url", model.url, "--model", "scripted"]
        shown = subprocess.run([*command, "-v"], capture_output=True, text=True, env=env, check=True).stdout
        raw = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env, check=True).stdout
    assert "Not shown:\n  ✗ The visit could also serve as a diplomatic counterweight." in shown
    assert "off-topic: says no when (the question asks when)" in shown
    data = json.loads(raw)
    assert data["path"] == "model" and data["reply"]["finish_reason"] == "stop"
    assert data["reply"]["raw"].startswith("Takaichi and Trump agreed") and data["reply"]["shape"] == "text"
    assert [(s["kept"], s["reason"].split(":")[0]) for s in data["sentences"]] == [
        (True, "verbatim"),
        (False, "off-topic"),
    ]


# -- eval metrics ---------------------------------------------------------------------------------


def _answer(text: str, citations: list[Citation], **fields: Any) -> Answer:
    return Answer(question="q", standalone_question="q", text=text, refused=False, citations=citations,
                  backend="openai", model="m", **fields)  # fmt: skip


def test_the_eval_counts_cut_off_and_off_topic_sentences_shown() -> None:
    start = TEXT.index("Japan’s foreign ministry stated that Takaichi")
    spring = Citation(number=1, doc_id=ARTICLE.name, chunk_id="c", quote="q", start=start, end=start + 90)
    start = TEXT.index("The visit, if it occurs")
    watched = Citation(number=2, doc_id=ARTICLE.name, chunk_id="c", quote="q", start=start, end=start + 60)
    text = "The leaders agreed on a date [1]. The visit will be closely watched [2]. The visit to [1]."
    cut = ModelReply(shape="text", raw="…", finish_reason="length", draft="x [1.1]. The visit to [2.1]")
    expect = Expectation(question="q", facts=["(?i)spring"], evidence=["for the visit to occur this spring"])
    documents = {ARTICLE.name: TEXT}

    assert _truncated(_answer(text, [spring, watched], path="model", reply=cut)) == ["The visit to."]
    assert _truncated(_answer(text, [spring, watched], path="fallback", reply=cut)) == []
    assert _off_topic(_answer(text, [spring, watched]), expect, documents) == [
        "The visit will be closely watched."
    ]


# -- a real small model ---------------------------------------------------------------------------


@pytest.mark.slow
def test_smollm2_is_asked_for_ids_and_the_answer_is_never_worse_than_offline(
    llama_server: str, shared_index: Path, assistant: Assistant
) -> None:
    settings: dict[str, Any] = {"backend": "openai", "base_url": llama_server, "model": "smollm2-135m"}
    settings["timeout"] = 300.0
    model_assistant = Assistant(load_settings(index_dir=shared_index, **settings))
    items = list(model_assistant.stream(WHEN))
    answer = items[-1]
    assert isinstance(answer, Answer) and answer.reply is not None
    assert answer.reply.shape == "structured", "llama.cpp's /props: the schema is honoured"
    assert json.loads(answer.reply.raw.strip())["ids"], "a reply the schema shaped"
    assert answer.path in ("model", "fallback") and not answer.refused
    assert " ".join(str(i) for i in items[:-1]) == answer.text
    assert "spring" in answer.text or answer.text == assistant.ask(WHEN).text
    assert_grounded(answer)


@pytest.mark.slow
def test_a_strong_model_on_the_dev_set_is_never_worse_than_offline(tmp_path: Path) -> None:
    """The whole dev set offline and through the scripted strong model (~1 min): the README's rows."""
    from assistant.evaluation.runner import run_eval
    from assistant.evaluation.sets import load_dataset

    from .conftest import ROOT

    dev = load_dataset(ROOT / "evals" / "dev.yaml")
    offline = run_eval(dev, load_settings(), judge=False).summary
    with ScriptedModel() as model:
        settings = load_settings(backend="openai", base_url=model.url, model="scripted", max_retries=0)
        summary = run_eval(dev, settings, judge=False).summary
    assert summary.answer_accuracy >= offline.answer_accuracy, "never worse than the offline reader"
    assert summary.unsupported_claims == 0 and summary.citation_validity == 1.0
    assert summary.truncated_shown == 0
    assert summary.paths["model"] >= 25, "the model's own words where the offline reader sees an answer"
