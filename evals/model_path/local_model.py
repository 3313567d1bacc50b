"""Prototype: a GGUF model run in-process by xllamacpp, with OpenAI-shaped streaming, no HTTP round trip.

``xllamacpp.Server`` loads the model and runs llama.cpp's server loop on its own thread;
``handle_chat_completions(request_dict, callback)`` feeds the request to the same code path as
``POST /v1/chat/completions`` and calls ``callback(chunk_dict)`` once per OpenAI chunk, on the *calling*
thread, with the GIL released in between; the callback returning True stops the stream (and the server
cancels the task: the next request starts at once). The call blocks, so ``stream`` runs it on a worker
thread and hands chunks over a queue: the consumer gets a plain generator that can be closed early
(Ctrl+C, a verifier that has seen enough) and stays interruptible while waiting.

The server also always opens an HTTP listener; binding it to a Unix socket in a private directory
keeps it off TCP entirely (measured: works, ``listening_address`` = ``unix:///…``).
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xllamacpp

_DONE = object()


class LocalModelError(RuntimeError):
    """The engine refused the request (bad schema, bad messages) or failed mid-stream."""


class LocalModel:
    """One GGUF, loaded once, serving OpenAI chat-completion dicts in-process."""

    def __init__(self, path: str | Path, n_ctx: int = 4096, threads: int = 1, alias: str = "local") -> None:
        self._dir = tempfile.mkdtemp(prefix="assistant-llm-")  # 0700: the socket is ours alone
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.hostnames = [str(Path(self._dir) / "llm.sock")]  # no TCP port
        params.port = 0
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.model_alias = [alias]  # a set<string>: a bare str becomes one alias per character
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.verbosity = -1
        params.endpoint_metrics = False
        self.alias = alias
        self._server: xllamacpp.Server | None = xllamacpp.Server(params)

    def close(self) -> None:
        self._server = None  # the destructor stops the loop thread
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> LocalModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _engine(self) -> xllamacpp.Server:
        if self._server is None:
            raise LocalModelError("the model is closed")
        return self._server

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """One non-streamed chat completion (OpenAI response dict)."""
        try:
            reply = self._engine().handle_chat_completions({**request, "stream": False})
        except ValueError as exc:  # llama.cpp's invalid_argument: a 400 over HTTP
            raise LocalModelError(str(exc)) from None
        if "error" in reply:
            raise LocalModelError(str(reply["error"]))
        return reply

    def stream(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """OpenAI chunk dicts as the engine produces them; closing the generator cancels generation."""
        engine = self._engine()
        chunks: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            chunks.put(chunk)
            return stop.is_set()

        def work() -> None:
            try:
                engine.handle_chat_completions(
                    {**request, "stream": True, "stream_options": {"include_usage": True}}, on_chunk
                )
            except Exception as exc:
                chunks.put(exc)
            finally:
                chunks.put(_DONE)

        worker = threading.Thread(target=work, name="llm-stream", daemon=True)
        worker.start()
        try:
            while True:
                try:
                    item = chunks.get(timeout=0.2)  # a timeout keeps Ctrl+C deliverable
                except queue.Empty:
                    continue
                if item is _DONE:
                    return
                if isinstance(item, ValueError):
                    raise LocalModelError(str(item))
                if isinstance(item, Exception):
                    raise item
                if "error" in item:
                    raise LocalModelError(str(item["error"]))
                yield item
        finally:
            stop.set()  # the engine sees it at the next token and cancels the task
            worker.join(timeout=30)
