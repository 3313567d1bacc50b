"""``python -m benchmarks``: the project against the plain Chroma pipeline, same data, same run.

Order matters for honesty: the baseline is built from the chunks the project stored, every latency
is measured in interleaved rounds, and anything the project's embedding cache would flatter (a
repeated ingest) runs in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from . import baseline, figures, report
from .corpus import ARTICLE, ARTICLE_QUESTIONS, SEED_QUESTIONS, write_corpus
from .measure import Figure

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"


def _scrub_environment() -> None:
    """The user's ASSISTANT_* / OPENAI_* settings must not change what is measured."""
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")):
            del os.environ[name]


def measure(workdir: Path, sizes: figures.Sizes, log: Console) -> tuple[list[Figure], dict[str, Any]]:
    results: list[Figure] = []
    details: dict[str, Any] = {}

    def step(message: str) -> None:
        log.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {message}")

    step("article: building the project index and the baseline collection")
    article = figures.make_assistant(workdir / "article-index", ARTICLE)
    article.ensure_ready()
    k = article.settings.top_k
    texts = [chunk.text for chunk in article.index.chunks()]
    article_base = baseline.ingest(workdir / "article-baseline", texts)
    details["article"] = {
        "chunks": len(texts),
        "same_model_cosine": figures.same_model_check(SEED_QUESTIONS[0]),
        "answers": {
            q: {"project": article.ask(q).text, "baseline_top_chunk": baseline.answer(article_base, q, k)}
            for q in SEED_QUESTIONS
        },
    }

    step("article: warm latency (answer, search, baseline query)")
    results += figures.warm_latency(article, article_base, sizes, "article", k)
    per_round = max(1, len(ARTICLE_QUESTIONS) // sizes.rounds)
    results.append(
        figures.novel_latency(
            article,
            article_base,
            sizes,
            lambda n: ARTICLE_QUESTIONS[n * per_round : (n + 1) * per_round],
            "answer_first_ask_p50_ms",
            "answer p50, each question asked once (query not cached)",
            k,
        )
    )
    prompt, details["prompt_tokens"] = figures.prompt_tokens(article)

    step("article: ingest in fresh processes")
    results.append(figures.article_ingest(ARTICLE, texts, workdir, sizes))

    step("cold start and imports (new processes)")
    cold, details["imports"] = figures.cold_start(
        workdir, workdir / "article-index", ARTICLE, workdir / "article-baseline", sizes
    )
    results += cold
    results += figures.memory(
        workdir,
        "article",
        workdir / "article-index",
        ARTICLE,
        workdir / "article-baseline",
        sizes,
        tracemalloc=True,
    )
    results.append(prompt)

    step(f"scale: writing {sizes.scale_documents:,} synthetic briefings")
    corpus = write_corpus(workdir / "scale-corpus", sizes.scale_documents)
    scale = figures.make_assistant(workdir / "scale-index", corpus)
    step("scale: project ingest, then baseline ingest of the same chunks (the long part)")
    ingest, scale_base, details["scale"] = figures.scale_ingest(scale, workdir / "scale-baseline")
    results.append(ingest)
    step("scale: query latency")
    results += figures.warm_latency(scale, scale_base, sizes, "scale", k)
    results.append(
        figures.novel_latency(
            scale,
            scale_base,
            sizes,
            figures.scale_novel_questions(sizes.scale_documents, sizes.novel),
            "scale_answer_novel_p50_ms",
            "10k chunks: answer p50, never-asked questions",
            k,
        )
    )
    results += figures.memory(
        workdir,
        "scale",
        workdir / "scale-index",
        corpus,
        workdir / "scale-baseline",
        sizes,
        tracemalloc=False,
    )
    return results, details


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="Tiny sizes, seconds not minutes (for CI).")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file to write.")
    args = parser.parse_args()
    _scrub_environment()
    sizes = figures.SMOKE if args.smoke else figures.FULL
    log = Console(stderr=True)
    started, load_before = time.perf_counter(), report.load()
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as folder:
        results, details = measure(Path(folder), sizes, log)
    meta = {
        "mode": "smoke" if args.smoke else "full",
        "sizes": vars(sizes),
        "machine": report.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.perf_counter() - started, 1),
        "load_average_before": load_before,
        "load_average_after": report.load(),
        "benchmark_process_peak_rss_mb": report.own_peak_rss_mb(),
    }
    report.write_json(args.output, results, meta, details)
    args.output.with_suffix(".md").write_text(report.markdown(results) + "\n", encoding="utf-8")
    Console().print(report.table(results, f"assistant vs plain Chroma ({meta['mode']}, {meta['seconds']} s)"))
    log.print(f"wrote {args.output}")
