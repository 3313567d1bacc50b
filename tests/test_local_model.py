"""``--backend local``: SmolLM2's GGUF run in-process by xllamacpp, behind the OpenAI backend's
streaming, verification and errors. The model loads once per process (about a second)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from assistant import Answer, Assistant, ConfigError
from assistant.backends.local import LocalClient
from assistant.errors import RequestRefused
from assistant.settings import load_settings

from .test_answer import assert_grounded


def test_the_model_file_is_checked_before_anything_loads(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="set ASSISTANT_MODEL_PATH=path/to/model.gguf"):
        Assistant(backend="local").backend
    with pytest.raises(ConfigError, match="no such file"):
        Assistant(backend="local", model_path=tmp_path / "missing.gguf").backend
    text = tmp_path / "notes.gguf"
    text.write_text("not a model", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not a GGUF model file"):
        Assistant(backend="local", model_path=text).backend


def test_without_xllamacpp_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch, smollm2: Path) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # what an install without the extra has
    with pytest.raises(ConfigError, match=r'pip install "assistant\[local\]"'):
        Assistant(backend="local", model_path=smollm2).backend


@pytest.mark.slow
def test_local_answers_stream_record_usage_and_are_verified(smollm2: Path, shared_index: Path) -> None:
    local = Assistant(
        load_settings(
            index_dir=shared_index,
            backend="local",
            model_path=smollm2,
            max_answer_tokens=48,
            context_tokens=200,  # one chunk: a ~400-token prompt keeps the test short
            timeout=300,
        )
    )
    items = list(local.stream("When is the visit?"))
    answer = items[-1]
    assert isinstance(answer, Answer)
    assert answer.backend == "local" and answer.model == smollm2.name
    assert answer.usage.prompt_tokens > 100 and answer.usage.completion_tokens > 0
    assert answer.usage.cost_usd is None  # no list price for a file
    assert " ".join(items[:-1]) == ("" if answer.refused else answer.text)
    assert_grounded(answer)


@pytest.mark.slow
def test_closing_a_stream_cancels_the_generation_and_refusals_are_one_line(smollm2: Path) -> None:
    client = LocalClient(smollm2, load_settings(timeout=300))
    request = {"messages": [{"role": "user", "content": "Count from one to five hundred."}]}
    # ignore_eos (llama.cpp's own field, passed as the openai client passes extras): 400 tokens unless
    # cancelled.
    stream = client.chat.completions.create(
        **request, max_tokens=400, temperature=0.0, stream=True, extra_body={"ignore_eos": True}
    )
    arrived = []
    for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        arrived.append(time.monotonic())
        if len(arrived) == 6:
            break
    per_token = (arrived[5] - arrived[1]) / 4
    started = time.monotonic()
    stream.close()  # type: ignore[attr-defined]
    assert time.monotonic() - started < 100 * per_token  # not the ~394 tokens left to write
    assert not [t for t in threading.enumerate() if t.name == "local-model"]  # the engine let go
    reply = client.chat.completions.create(**request, max_tokens=4, temperature=0.0)
    assert reply.usage is not None and reply.usage.completion_tokens <= 4
    bad_schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "bogus"}}}
    with pytest.raises(RequestRefused, match=r"^SmolLM2.*refused the request \(.*bogus") as refused:
        client.chat.completions.create(**request, max_tokens=4, response_format=bad_schema)
    assert "\n" not in str(refused.value)
