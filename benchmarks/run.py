"""``python -m benchmarks``: the project against the plain Chroma pipeline, same data, same run.

Order matters for honesty: the baseline is built from the chunks the project stored, latencies are
measured in interleaved rounds, and anything the project's embedding cache would flatter (a repeated
ingest) runs in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from . import baseline, figures, report
from .corpus import ARTICLE, ARTICLE_QUESTIONS, SEED_QUESTIONS, write_corpus
from .measure import Figure

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"
Step = Callable[[str], None]


def _scrub_environment() -> None:
    """The user's ASSISTANT_* / OPENAI_* settings must not change what is measured."""
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")):
            del os.environ[name]


def article_figures(workdir: Path, sizes: figures.Sizes, step: Step) -> tuple[list[Figure], dict[str, Any]]:
    """Everything on the bundled article: warm latency, ingest, cold start, memory, prompt size."""
    step("article: building the project index and the baseline collection")
    assistant = figures.make_assistant(workdir / "article-index", ARTICLE)
    assistant.ensure_ready()
    texts = [chunk.text for chunk in assistant.index.chunks()]
    collection = baseline.ingest(workdir / "article-baseline", texts)
    k = assistant.settings.top_k
    details: dict[str, Any] = {
        "chunks": len(texts),
        "same_model_cosine": figures.same_model_check(SEED_QUESTIONS[0]),
        "answers": {
            q: {"project": assistant.ask(q).text, "baseline_top_chunk": baseline.answer(collection, q, k)}
            for q in SEED_QUESTIONS
        },
    }
    step("article: warm latency (answer, search, baseline query)")
    results = figures.warm_latency(assistant, collection, sizes, "article", "article")
    per_round = min(sizes.novel, len(ARTICLE_QUESTIONS) // sizes.rounds)
    results.append(
        figures.first_ask_latency(
            assistant, collection, sizes, lambda n: ARTICLE_QUESTIONS[n * per_round : (n + 1) * per_round],
            "first_ask_p50_ms", "first-ask answer p50, article",
        )
    )  # fmt: skip
    prompt, details["prompt_tokens"] = figures.prompt_tokens(assistant)
    step("article: ingest in fresh processes")
    results.append(figures.article_ingest(ARTICLE, texts, workdir, sizes))
    step("article: cold start, imports and memory (new processes)")
    index, baseline_path = workdir / "article-index", workdir / "article-baseline"
    cold, details["imports"] = figures.cold_start(workdir, index, ARTICLE, baseline_path, sizes)
    results += cold
    results += figures.memory(
        workdir, "article", "article", index, ARTICLE, baseline_path, sizes, tracemalloc=True
    )
    results.append(prompt)
    return results, details


def scale_figures(workdir: Path, sizes: figures.Sizes, step: Step) -> tuple[list[Figure], dict[str, Any]]:
    """Ingest and query at about 10,000 synthetic chunks."""
    step(f"scale: writing {sizes.scale_documents:,} synthetic briefings")
    corpus = write_corpus(workdir / "scale-corpus", sizes.scale_documents)
    assistant = figures.make_assistant(workdir / "scale-index", corpus)
    step("scale: project ingest, then baseline ingest of the same chunks (the long part)")
    ingest, collection, details = figures.scale_ingest(assistant, workdir / "scale-baseline")
    where = f"{details['chunks']:,} chunks"
    step("scale: query latency")
    results = [ingest, *figures.warm_latency(assistant, collection, sizes, "scale", where)]
    results.append(
        figures.first_ask_latency(
            assistant, collection, sizes, figures.scale_questions(sizes.scale_documents, sizes.novel),
            "scale_first_ask_p50_ms", f"first-ask answer p50, {where}",
        )
    )  # fmt: skip
    step("scale: memory (new processes)")
    index, baseline_path = workdir / "scale-index", workdir / "scale-baseline"
    results += figures.memory(workdir, "scale", where, index, corpus, baseline_path, sizes, tracemalloc=False)
    return results, details


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="Tiny sizes, for CI: the code cannot rot.")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file to write.")
    args = parser.parse_args()
    _scrub_environment()
    sizes = figures.SMOKE if args.smoke else figures.FULL
    log = Console(stderr=True)

    def step(message: str) -> None:
        log.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {message}")

    meta: dict[str, Any] = {
        "mode": "smoke" if args.smoke else "full",
        "sizes": vars(sizes),
        "machine": report.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_before": report.load(),
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as folder:
        article, article_details = article_figures(Path(folder), sizes, step)
        scale, scale_details = scale_figures(Path(folder), sizes, step)
    results = article + scale
    meta.update(
        seconds=round(time.perf_counter() - started, 1),
        load_average_after=report.load(),
        benchmark_process_peak_rss_mb=report.own_peak_rss_mb(),
    )
    report.write_json(args.output, results, meta, {"article": article_details, "scale": scale_details})
    args.output.with_suffix(".md").write_text(report.markdown(results) + "\n", encoding="utf-8")
    out = Console(width=None if sys.stdout.isatty() else 200)
    out.print(report.table(results, f"assistant vs plain Chroma ({meta['mode']}, {meta['seconds']} s)"))
    step(f"wrote {args.output} (and {args.output.with_suffix('.md').name})")
