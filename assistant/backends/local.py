"""``--backend local``: a GGUF model run in this process by llama.cpp (xllamacpp), no server needed.

It is a transport under the OpenAI backend, not a backend of its own: ``LocalClient`` answers
``client.chat.completions.create(...)`` with the same request dicts and the same chunk dicts as an
OpenAI-compatible server, because ``xllamacpp.Server.handle_chat_completions`` runs a request dict
through llama.cpp's own ``/v1/chat/completions`` code. Streaming, verification and the fallback are
the OpenAI backend's, shared rather than copied.

The model is loaded on the first request, once per process (per file and parameters), and kept.
llama.cpp's server also opens a listener; it is bound to a Unix socket in a private temporary folder,
never a TCP port, and the folder is removed at exit. xllamacpp is an optional extra
(``pip install "assistant[local]"``) and is imported only here, only when the backend is built.
"""

from __future__ import annotations

import atexit
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from ..embeddings import Embedder
from ..errors import BackendError, ConfigError, RequestRefused
from ..settings import Settings
from .openai import OpenAIBackend

GGUF_MAGIC = b"GGUF"
_DONE = object()
# Client-side options of ``create`` that are not part of the request body.
_CLIENT_ONLY = frozenset({"extra_body", "extra_headers", "extra_query", "timeout"})


class LocalBackend(OpenAIBackend):
    """The OpenAI backend, talking to a GGUF file in-process instead of a server."""

    name = "local"

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        path = model_file(settings)
        # The file names the model: answers say which one, and no OpenAI list price applies to it.
        settings = settings.model_copy(update={"model": path.name, "base_url": None})
        super().__init__(settings, embedder, client=LocalClient(path, settings), where=path.name)


def model_file(settings: Settings) -> Path:
    """The GGUF the settings name, checked before anything loads: one clear error per mistake."""
    try:
        import xllamacpp  # noqa: F401  # ~65 ms; the model itself loads on the first request
    except ImportError:
        raise ConfigError('the local backend needs xllamacpp: pip install "assistant[local]"') from None
    if settings.model_path is None:
        raise ConfigError("the local backend needs a model file: set ASSISTANT_MODEL_PATH=path/to/model.gguf")
    path = settings.model_path
    if not path.is_file():
        raise ConfigError(f"ASSISTANT_MODEL_PATH: no such file: {path}")
    try:
        with path.open("rb") as file:
            magic = file.read(len(GGUF_MAGIC))
    except OSError as exc:
        raise ConfigError(f"ASSISTANT_MODEL_PATH: cannot read {path}: {exc.strerror or exc}") from None
    if magic != GGUF_MAGIC:
        raise ConfigError(f"ASSISTANT_MODEL_PATH: {path} is not a GGUF model file")
    return path


class LocalClient:
    """The slice of ``openai.OpenAI`` the backend uses: ``chat.completions.create(**request)``."""

    def __init__(self, path: Path, settings: Settings) -> None:
        self.chat = self  # client.chat.completions.create(...) without two more classes
        self.completions = self
        self._key = (str(path.resolve()), settings.local_context, settings.local_threads)
        self._where = path.name
        self._timeout = settings.timeout

    def create(self, **options: Any) -> ChatCompletion | Iterator[ChatCompletionChunk]:
        """A completion, or with ``stream=True`` its chunks, typed as the ``openai`` client types them."""
        request = {k: v for k, v in options.items() if k not in _CLIENT_ONLY}
        request.update(options.get("extra_body") or {})
        engine = _engine(*self._key)
        if request.get("stream"):
            return self._stream(engine, request)
        try:
            reply = engine.handle_chat_completions(request)
        except ValueError as exc:  # llama.cpp's invalid_argument: a 400 over HTTP
            raise self._refused(exc) from None
        if "error" in reply:
            raise self._refused(reply["error"])
        return ChatCompletion.model_validate(reply)

    def _refused(self, problem: object) -> RequestRefused:
        return RequestRefused(f"{self._where}: the local model refused the request ({problem})")

    def _stream(self, engine: Any, request: dict[str, Any]) -> Iterator[ChatCompletionChunk]:
        """Chunks as the engine produces them. The engine's call blocks, so it runs on a worker thread
        and hands chunks over a queue; closing this generator cancels the generation (the callback
        returns True at the next token)."""
        chunks: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            chunks.put(chunk)  # only enqueue: an exception here would be swallowed by the engine
            return stop.is_set()

        def work() -> None:
            try:
                engine.handle_chat_completions(request, on_chunk)
            except Exception as exc:
                chunks.put(exc)
            finally:
                chunks.put(_DONE)

        worker = threading.Thread(target=work, name="local-model", daemon=True)
        worker.start()
        try:
            last = time.monotonic()
            while True:
                try:
                    item = chunks.get(timeout=0.2)  # a short wait keeps Ctrl+C deliverable
                except queue.Empty:
                    if time.monotonic() - last > self._timeout:
                        raise BackendError(
                            f"{self._where}: the local model wrote nothing for {self._timeout:g} s: "
                            "raise ASSISTANT_TIMEOUT"
                        ) from None
                    continue
                last = time.monotonic()
                if item is _DONE:
                    return
                if isinstance(item, Exception):
                    raise self._refused(item)
                if "error" in item:
                    raise self._refused(item["error"])
                yield ChatCompletionChunk.model_validate(item)
        finally:
            stop.set()
            worker.join(timeout=self._timeout)


_engines: dict[tuple[str, int, int], Any] = {}
_folders: list[str] = []
_lock = threading.Lock()


def _engine(path: str, n_ctx: int, threads: int) -> Any:
    """The loaded model for these parameters, loaded on first use and kept for the process."""
    with _lock:
        if (path, n_ctx, threads) not in _engines:
            _engines[path, n_ctx, threads] = _load(path, n_ctx, threads)
        return _engines[path, n_ctx, threads]


def _load(path: str, n_ctx: int, threads: int) -> Any:
    import xllamacpp

    folder = tempfile.mkdtemp(prefix="assistant-model-")  # 0700: the socket is ours alone
    _folders.append(folder)
    params = xllamacpp.CommonParams()
    params.model.path = path
    params.hostnames = [str(Path(folder) / "model.sock")]  # a Unix socket: no TCP port is opened
    params.port = 0
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.model_alias = ["local"]  # a C++ set<string>: a bare str would give one alias per character
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.verbosity = -1
    params.endpoint_metrics = False
    try:
        return xllamacpp.Server(params)
    except Exception as exc:  # llama.cpp could not load it: a damaged file, an unknown architecture
        raise BackendError(f"{Path(path).name}: llama.cpp could not load the model ({exc})") from None


@atexit.register
def _remove_sockets() -> None:
    _engines.clear()
    for folder in _folders:
        shutil.rmtree(folder, ignore_errors=True)
