"""Work that needs a fresh process: ingest timings with an empty embedding cache, peak memory, and
the baseline's cold start. Prints one JSON object on stdout; ``processes.py`` starts these."""

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


def ingest_pair(args: argparse.Namespace) -> dict[str, Any]:
    """Project and baseline ingest of the same corpus, in the order given, each into a fresh store.

    Imports happen first and are not timed; the project's model load and the baseline's per-call
    sessions are, since each side pays them on every fresh ingest.
    """
    import onnxruntime  # noqa: F401  (both sides need it: keep it out of either timing)
    import tokenizers  # noqa: F401

    from assistant import Assistant
    from assistant.settings import load_settings

    from . import baseline

    texts = json.loads(Path(args.chunks).read_text(encoding="utf-8"))
    result: dict[str, Any] = {}
    for side in args.order.split(","):
        started = time.perf_counter()
        if side == "project":
            settings = load_settings(
                index_dir=Path(args.workdir) / "project", corpus=[Path(args.corpus)], _env_file=None
            )
            report = Assistant(settings).ingest()
            result["project"] = {"seconds": time.perf_counter() - started, "chunks": report.chunks}
        else:
            collection = baseline.ingest(Path(args.workdir) / "baseline", texts)
            result["baseline"] = {"seconds": time.perf_counter() - started, "chunks": collection.count()}
    return result


def serve_project(args: argparse.Namespace) -> dict[str, Any]:
    """Open an existing index and answer the questions a few times: the project's working set."""
    from assistant import Assistant
    from assistant.settings import load_settings

    settings = load_settings(index_dir=Path(args.index_dir), corpus=[Path(args.corpus)], _env_file=None)
    assistant = Assistant(settings)
    for _ in range(3):
        for question in args.question:
            assistant.ask(question)
    return {"chunks": assistant.retriever.size}


def serve_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """Open the baseline collection and query it the same number of times."""
    from . import baseline

    collection = baseline.open_collection(Path(args.path))
    for _ in range(3):
        for question in args.question:
            baseline.answer(collection, question, args.k)
    return {"chunks": collection.count()}


def baseline_ask(args: argparse.Namespace) -> dict[str, Any]:
    """The baseline's equivalent of ``assistant ask``: open the collection, query once, print."""
    from . import baseline

    return {"answer": baseline.answer(baseline.open_collection(Path(args.path)), args.question[0], args.k)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.child")
    parser.add_argument("--tracemalloc", action="store_true", help="Also report the Python-side peak.")
    commands = parser.add_subparsers(dest="command", required=True)
    pair = commands.add_parser("ingest-pair")
    pair.add_argument("--corpus", required=True)
    pair.add_argument("--chunks", required=True, help="JSON list of the chunk texts the baseline adds.")
    pair.add_argument("--workdir", required=True)
    pair.add_argument("--order", default="project,baseline")
    project = commands.add_parser("serve-project")
    project.add_argument("--index-dir", required=True)
    project.add_argument("--corpus", required=True)
    for name in ("serve-baseline", "baseline-ask"):
        command = commands.add_parser(name)
        command.add_argument("--path", required=True)
        command.add_argument("-k", type=int, default=5)
    for command in commands.choices.values():
        command.add_argument("--question", action="append", default=[])
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start()
    handlers = {
        "ingest-pair": ingest_pair,
        "serve-project": serve_project,
        "serve-baseline": serve_baseline,
        "baseline-ask": baseline_ask,
    }
    result = handlers[args.command](args)
    result["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    if args.tracemalloc:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
