"""A scripted OpenAI-compatible server for fault tests: a real HTTP server on 127.0.0.1, in a thread.

Each request to ``/v1/chat/completions`` gets the next scripted reply (the last one repeats): an answer
(streamed as server-sent events when asked to stream), an HTTP error with an optional ``Retry-After``,
malformed JSON, a stream cut off in the middle, a reply slower than the client's timeout, or one held
until the test releases it. Every request is recorded, so a test can count retries and read the prompt
that was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Kind = Literal["answer", "status", "malformed", "cut", "slow", "held"]


@dataclass(frozen=True)
class Reply:
    """One scripted reply; build it with the functions below."""

    kind: Kind
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0
    chunked: bool = True
    stall: float = 0.0
    finish: str = "stop"


def answer(text: str, finish: str = "stop") -> Reply:
    """A complete answer: JSON, or a stream that ends with a finish_reason (``"length"``: the model hit
    max_tokens), usage and ``[DONE]``."""
    return Reply("answer", text=text, finish=finish)


def status(code: int, message: str = "scripted error", retry_after: float | None = None) -> Reply:
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    body = json.dumps({"error": {"message": message, "type": "scripted", "code": code}})
    return Reply("status", status=code, headers=headers, body=body)


def malformed(body: str = '{"id": "chatcmpl-1", "choices": [{"mess') -> Reply:
    """200 with a body that is not valid JSON (as an event of a stream, when streaming)."""
    return Reply("malformed", body=body)


def cut(text: str, chunked: bool = True, stall: float = 0.0) -> Reply:
    """The first part of a streamed answer, then the connection closes: no finish_reason, no [DONE].

    ``chunked``: the body is chunked and the last chunk never comes (the client sees a broken body);
    otherwise the body is delimited by the connection closing (the client sees a clean end of data).
    ``stall``: seconds of silence before the close (past the client's timeout, it gives up first).
    """
    return Reply("cut", text=text, chunked=chunked, stall=stall)


def slow(delay: float, text: str = "This spring [1].") -> Reply:
    """Nothing for ``delay`` seconds, then an answer."""
    return Reply("slow", text=text, delay=delay)


def held(text: str) -> Reply:
    """Nothing until the test calls ``release()``, then an answer: a model that is slow for as long as
    the test needs, with no timing to guess."""
    return Reply("held", text=text)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (after its timeout, or on a cut stream) is part of the script."""


class FaultServer:
    """``with FaultServer(answer("…")) as server:`` — ``server.url`` is the ``/v1`` base URL."""

    def __init__(self, *script: Reply) -> None:
        self._script = list(script) or [answer("This spring [1].")]
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._closing = threading.Event()
        self._released = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def release(self) -> None:
        """Let ``held`` replies go."""
        self._released.set()

    def script(self, *replies: Reply) -> None:
        """Replace what the next requests get (the last reply repeats) and forget earlier requests;
        ``held`` replies wait for a new ``release()``."""
        with self._lock:
            self._script = list(replies)
            self.requests.clear()
            self._released.clear()

    def wait_for_requests(self, count: int, timeout: float = 120.0) -> None:
        """Block until ``count`` requests have arrived since the last ``script()``: a ``held`` one is
        then in flight, so a test can act on a request the client is really waiting for."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"{len(self.requests)} of {count} requests arrived in {timeout:g} s")

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            self._arrived.notify_all()
            return self._script.pop(0) if len(self._script) > 1 else self._script[0]

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    @property
    def streamed_requests(self) -> list[dict[str, Any]]:
        """Answer requests (condensing a follow-up is a plain request)."""
        return [r for r in self.chat_requests if r["body"].get("stream")]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                request = {
                    "path": self.path,
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                    "body": body,
                    "time": time.monotonic(),
                }
                reply = server._next(request)
                if reply.kind == "slow":
                    if server._closing.wait(reply.delay):
                        return
                    reply = answer(reply.text)
                if reply.kind == "held":
                    while not server._released.wait(0.05):
                        if server._closing.is_set():
                            return
                    reply = answer(reply.text)
                streaming = bool(body.get("stream"))
                if reply.kind == "status":
                    self._send(reply.status, "application/json", reply.body.encode(), reply.headers)
                elif reply.kind == "malformed":
                    if streaming:
                        self._sse([f"data: {reply.body}\n\n"], chunked=True, complete=True)
                    else:
                        self._send(200, "application/json", reply.body.encode())
                elif reply.kind == "cut":
                    events = [_event(piece) for piece in _pieces(reply.text)]
                    self._sse(events, chunked=reply.chunked, complete=False)
                    server._closing.wait(reply.stall)
                elif streaming:
                    events = [_event(piece) for piece in _pieces(reply.text)]
                    events += [_event("", finish=reply.finish), _usage_event(), "data: [DONE]\n\n"]
                    self._sse(events, chunked=True, complete=True)
                else:
                    self._send(200, "application/json", json.dumps(_completion(reply.text)).encode())

            def _send(
                self, code: int, content_type: str, data: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _sse(self, events: list[str], chunked: bool, complete: bool) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                for event in events:
                    data = event.encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
                    self.wfile.flush()
                if complete:
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.close_connection = True  # cut: the rest never comes
                self.wfile.flush()

        return Handler


def _pieces(text: str, size: int = 7) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


def _event(content: str, finish: str | None = None) -> str:
    chunk = {
        "id": "chatcmpl-fault",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fault-model",
        "choices": [{"index": 0, "delta": {"content": content} if content else {}, "finish_reason": finish}],
    }
    return f"data: {json.dumps(chunk)}\n\n"


def _usage_event() -> str:
    chunk = {
        "id": "chatcmpl-fault",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fault-model",
        "choices": [],
        "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
    }
    return f"data: {json.dumps(chunk)}\n\n"


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": 0,
        "model": "fault-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55},
    }
