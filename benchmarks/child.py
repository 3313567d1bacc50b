"""``python -m benchmarks.child``: the measurements that need a process of their own (a fresh cache,
their own peak memory). Each prints one JSON line with its results and its peak resident memory."""

from __future__ import annotations

import argparse
import json
import re
import time
import tracemalloc
from pathlib import Path
from typing import Any


def _peak_rss_mb() -> float:
    """VmHWM: the peak of this process alone. (``ru_maxrss`` would report the parent's peak when
    that is larger, since Linux carries it across fork and exec.)"""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    if match is None:
        raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")
    return int(match.group(1)) / 1024


def _project(index_dir: str, corpus: str) -> Any:
    from assistant import Assistant
    from assistant.settings import load_settings

    return Assistant(load_settings(index_dir=Path(index_dir), corpus=[Path(corpus)], _env_file=None))


def ingest_pair(args: argparse.Namespace) -> dict[str, Any]:
    """The article ingested by each side in the order given, each into a fresh store.

    Imports happen first and are not timed; each side's model load is, since each pays it on every
    fresh ingest (Chroma default pays it on every call).
    """
    import onnxruntime  # noqa: F401  (every side needs it: keep it out of any timing)
    import tokenizers  # noqa: F401

    from . import baseline

    texts = json.loads(Path(args.chunks).read_text(encoding="utf-8"))
    result: dict[str, Any] = {}
    for side in args.order.split(","):
        started = time.perf_counter()
        folder = Path(args.workdir) / side
        if side == "project":
            chunks = _project(str(folder), args.corpus).ingest().chunks
        elif side == "fair":
            chunks = baseline.fair_ingest(folder, texts).count()
        else:
            chunks = baseline.ingest(folder, texts).count()
        result[side] = {"seconds": time.perf_counter() - started, "chunks": chunks}
    return result


def ingest_one(args: argparse.Namespace) -> dict[str, Any]:
    """One large ingest by one side (the project reads the corpus; the fair baseline adds the chunk
    texts the project stored), or the model alone on those texts: the floor."""
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    from . import baseline

    started, cpu = time.perf_counter(), time.process_time()
    if args.side == "project":
        chunks = _project(args.workdir, args.corpus).ingest().chunks
    else:
        texts = json.loads(Path(args.chunks).read_text(encoding="utf-8"))
        if args.side == "fair":
            chunks = baseline.fair_ingest(Path(args.workdir), texts).count()
        else:  # the floor: the project's model work on the same texts (chunks and sentences), nothing else
            from assistant.derived import spans_of
            from assistant.embeddings import MiniLMEmbedder

            model = MiniLMEmbedder.shared()
            model.count_tokens(["load"])
            spans = [spans_of(text) for text in texts]
            started, cpu = time.perf_counter(), time.process_time()
            for i in range(0, len(texts), 256):
                model.embed_passages(texts[i : i + 256], spans[i : i + 256])
            chunks = len(texts)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "chunks": chunks,
    }


def serve(args: argparse.Namespace) -> dict[str, Any]:
    """Open an index and answer the questions once each: a working set after 20 questions."""
    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    if args.side == "project":
        assistant = _project(args.path, args.corpus)
        for question in questions:
            assistant.ask(question)
        return {"chunks": assistant.retriever.size}
    from . import baseline

    collection = baseline.open_plain(Path(args.path))
    for question in questions:
        baseline.answer(collection, question, args.k, fair=args.side == "fair")
    return {"chunks": collection.count()}


def baseline_ask(args: argparse.Namespace) -> dict[str, Any]:
    """A baseline's equivalent of ``assistant ask``: open the collection, query once, print."""
    from . import baseline

    collection = baseline.open_plain(Path(args.path))
    return {"answer": baseline.answer(collection, args.question, args.k, fair=args.side == "fair")}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.child")
    parser.add_argument("--tracemalloc", action="store_true", help="Also report the Python-side peak.")
    commands = parser.add_subparsers(dest="command", required=True)
    pair = commands.add_parser("ingest-pair")
    pair.add_argument("--corpus", required=True)
    pair.add_argument("--chunks", required=True, help="JSON list of the chunk texts the baselines add.")
    pair.add_argument("--workdir", required=True)
    pair.add_argument("--order", default="project,fair,default")
    one = commands.add_parser("ingest-one")
    one.add_argument("--side", choices=("project", "fair", "floor"), required=True)
    one.add_argument("--corpus", default="")
    one.add_argument("--chunks", default="")
    one.add_argument("--workdir", required=True)
    served = commands.add_parser("serve")
    served.add_argument("--questions", required=True, help="JSON list of questions.")
    asked = commands.add_parser("baseline-ask")
    asked.add_argument("--question", required=True)
    for command in (served, asked):
        command.add_argument("--side", choices=("project", "fair", "default"), required=True)
        command.add_argument("--path", required=True, help="Index folder (project) or collection folder.")
        command.add_argument("--corpus", default="")
        command.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start()
    handlers = {
        "ingest-pair": ingest_pair,
        "ingest-one": ingest_one,
        "serve": serve,
        "baseline-ask": baseline_ask,
    }
    result = handlers[args.command](args)
    result["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    if args.tracemalloc:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
