"""``python -m benchmarks``: the project against two plain Chroma pipelines (the fair one, with one
kept embedder, and Chroma's default), same data, same run: the bundled article, about 10,000 chunks
of real text, and about 100,000 chunks (that index replicated, cached between runs).

Order matters for honesty: the baselines are built from the chunks the project stored, latencies
are measured in interleaved rounds on questions never asked before in the run, and anything the
project's embedding cache would flatter (a repeated ingest) runs in a fresh process.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from assistant import Assistant

from . import baseline, figures, replicate, report
from .corpus import ARTICLE, SEED_QUESTIONS, QuestionMaker, write_real_corpus
from .measure import Figure

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"
Step = Callable[[str], None]


def _scrub_environment() -> None:
    """The user's ASSISTANT_* / OPENAI_* settings must not change what is measured."""
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")):
            del os.environ[name]


def article_figures(workdir: Path, sizes: figures.Sizes, step: Step) -> tuple[list[Figure], dict[str, Any]]:
    """Everything on the bundled article (7 chunks)."""
    step("article: building the project index and the baseline collection")
    assistant = figures.make_assistant(workdir / "article-index", ARTICLE)
    assistant.ensure_ready()
    texts = [chunk.text for chunk in assistant.index.chunks()]
    plain = workdir / "article-baseline"
    collection = baseline.fair_ingest(plain, texts)
    k = assistant.settings.top_k
    details: dict[str, Any] = {
        "chunks": len(texts),
        "same_model_cosine": figures.same_model_check(SEED_QUESTIONS[0]),
        "answers": {
            q: {
                "project": assistant.ask(q).text,
                "baseline_top_chunk": baseline.answer(collection, q, k, True),
            }
            for q in SEED_QUESTIONS
        },
    }
    step("article: latency (new questions for every side, then repeated ones)")
    ask = QuestionMaker(ARTICLE.parent, seed=1)
    results = figures.latency(
        assistant, collection, sizes, "article", "article", lambda _: ask(sizes.questions), targets=False
    )
    prompt, details["prompt_tokens"] = figures.prompt_tokens(assistant)
    step("article: ingest in fresh processes")
    results.append(figures.article_ingest(ARTICLE, texts, workdir, sizes))
    step("article: cold start, imports and memory (new processes)")
    index = workdir / "article-index"
    results += figures.cold_start(
        workdir, "article", "article (7 chunks)", index, ARTICLE, plain, sizes, figures.COLD_ASK_S["article"]
    )
    imported, details["imports"] = figures.imports(workdir, sizes)
    results.append(imported)
    results += figures.memory(
        workdir, "article", "article", index, ARTICLE, plain, ask(20), sizes, target=False
    )
    results.append(prompt)
    return results, details


def real_figures(
    workdir: Path, sizes: figures.Sizes, step: Step
) -> tuple[list[Figure], dict[str, Any], Assistant, Path]:
    """Ingest and answer at about 10,000 chunks of real text."""
    step(f"real text: writing about {sizes.real_bytes / 1e6:g} MB of it")
    corpus = workdir / "real-corpus"
    details: dict[str, Any] = {"corpus": write_real_corpus(corpus, sizes.real_bytes)}
    step("real text: project ingest, fair baseline ingest, model alone (the long part)")
    where = "real text"
    results, assistant, details["ingest"] = figures.real_ingest(corpus, workdir, where)
    where = f"{details['ingest']['chunks']:,} chunks"
    plain = workdir / "real-baseline"
    collection = baseline.open_plain(plain)
    ask = QuestionMaker(corpus, seed=2)
    step(f"real text: latency at {where}")
    results += figures.latency(
        assistant, collection, sizes, "10k", where, lambda _: ask(sizes.questions), True
    )
    step("real text: cold start, no-op ingest, memory (new processes)")
    index = workdir / "real-index"
    results += figures.cold_start(workdir, "10k", where, index, corpus, plain, sizes, None)
    results.append(figures.noop_ingest(workdir, "10k", where, index, corpus, sizes))
    results += figures.memory(workdir, "10k", where, index, corpus, plain, ask(20), sizes, target=True)
    return results, details, assistant, corpus


def large_figures(
    workdir: Path, sizes: figures.Sizes, step: Step, base: Assistant, base_corpus: Path, smoke: bool
) -> tuple[list[Figure], dict[str, Any]]:
    """Answer at about 100,000 chunks (the real-text index replicated: see ``replicate.py``)."""
    key = replicate.cache_key(base_corpus, sizes.copies)
    folder = (workdir / "large") if smoke else replicate.CACHE / f"large-{key}"
    step(f"large: the replicated index ({'cached' if (folder / 'done').exists() else 'building'}: {folder})")
    corpus, index, plain = replicate.build(base, base_corpus, sizes.copies, folder)
    assistant = figures.make_assistant(index, corpus)
    collection = baseline.open_plain(plain)
    where = f"{collection.count():,} chunks (replicated)"
    ask = QuestionMaker(corpus, seed=3)
    step(f"large: latency at {where}")
    results = figures.latency(
        assistant, collection, sizes, "100k", where, lambda _: ask(sizes.questions), True
    )
    step("large: cold start, no-op ingest, memory (new processes)")
    results += figures.cold_start(
        workdir, "100k", where, index, corpus, plain, sizes, figures.COLD_ASK_S["100k"]
    )
    results.append(figures.noop_ingest(workdir, "100k", where, index, corpus, sizes))
    results += figures.memory(workdir, "100k", where, index, corpus, plain, ask(20), sizes, target=True)
    return results, {"folder": str(folder), "copies": sizes.copies, "sigma": replicate.SIGMA}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="Tiny sizes, for CI: the code cannot rot.")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file to write.")
    parser.add_argument("--real-mb", type=float, help="Real text for the '10k' index, in MB (full: 8).")
    parser.add_argument("--copies", type=int, help="Copies of it in the '100k' index (full: 10).")
    args = parser.parse_args()
    _scrub_environment()
    sizes = figures.SMOKE if args.smoke else figures.FULL
    if args.real_mb is not None:  # a smaller run on a busy machine: the tables name the chunk counts
        sizes = dataclasses.replace(sizes, real_bytes=int(args.real_mb * 1_000_000))
    if args.copies is not None:
        sizes = dataclasses.replace(sizes, copies=args.copies)
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
    results: list[Figure] = []
    details: dict[str, Any] = {}

    def save(part: str, figures_: list[Figure], details_: dict[str, Any], finished: bool = False) -> None:
        """Written after each part, so that a run stopped half-way keeps what it measured."""
        results.extend(figures_)
        details[part] = details_
        meta.update(
            finished=finished,
            seconds=round(time.perf_counter() - started, 1),
            load_average_after=report.load(),
            benchmark_process_peak_rss_mb=report.own_peak_rss_mb(),
        )
        report.write_json(args.output, results, meta, details)
        args.output.with_suffix(".md").write_text(report.markdown(results) + "\n", encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as folder:
        workdir = Path(folder)
        save("article", *article_figures(workdir, sizes, step))
        real, real_details, base, base_corpus = real_figures(workdir, sizes, step)
        save("real", real, real_details)
        save("large", *large_figures(workdir, sizes, step, base, base_corpus, args.smoke), finished=True)
    out = Console(width=None if sys.stdout.isatty() else 200)
    out.print(report.table(results, f"assistant vs plain Chroma ({meta['mode']}, {meta['seconds']} s)"))
    step(f"wrote {args.output} (and {args.output.with_suffix('.md').name})")
