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

from . import baseline, figures, real, replicate, report, vectors
from .corpus import ARTICLE, SEED_QUESTIONS, QuestionMaker, write_real_corpus
from .measure import Figure

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"
Step = Callable[[str], None]


def _scrub_environment() -> None:
    """The user's ASSISTANT_* / OPENAI_* settings must not change what is measured."""
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")):
            del os.environ[name]


def article_figures(
    workdir: Path, sizes: figures.Sizes, step: Step, cache: Path
) -> tuple[list[Figure], dict[str, Any]]:
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
    workdir: Path, sizes: figures.Sizes, step: Step, cache: Path
) -> tuple[list[Figure], dict[str, Any]]:
    """Ingest speed on a slice of real text (fresh, every run), then answering at about 10,000
    chunks of it (built once, kept in ``cache``)."""
    step(
        f"real text: ingest of a {sizes.ingest_bytes / 1e6:g} MB slice (project, fair baseline, model alone)"
    )
    slice_ = workdir / "ingest-corpus"
    details: dict[str, Any] = {"slice": write_real_corpus(slice_, sizes.ingest_bytes)}
    results, details["ingest"] = figures.real_ingest(slice_, workdir, sizes)
    folder = real.folder_for(sizes.real_bytes, cache)
    step(f"real text: the ~10k index ({_cached(folder)}: {folder})")
    details["index"], corpus, index, plain = real.build(folder, sizes.real_bytes, step)
    assistant = figures.make_assistant(index, corpus)
    collection = baseline.open_plain(plain)
    where = f"{collection.count():,} chunks"
    ask = QuestionMaker(corpus, seed=2)
    step(f"real text: latency at {where}")
    results += figures.latency(
        assistant, collection, sizes, "10k", where, lambda _: ask(sizes.questions), True
    )
    step("real text: cold start, no-op and one-file ingest, memory (new processes)")
    results += figures.cold_start(workdir, "10k", where, index, corpus, plain, sizes, None)
    results.append(figures.noop_ingest(workdir, "10k", where, index, corpus, sizes))
    results += figures.one_file_ingest(workdir, "10k", where, index, corpus, sizes)
    results += figures.memory(workdir, "10k", where, index, corpus, plain, ask(20), sizes, target=True)
    return results, details


def large_figures(
    workdir: Path, sizes: figures.Sizes, step: Step, cache: Path
) -> tuple[list[Figure], dict[str, Any]]:
    """Answer at about 100,000 chunks (real text replicated: see ``replicate.py``)."""
    step(f"large: the real text to replicate ({sizes.base_bytes / 1e6:g} MB)")
    base, base_corpus, _, _ = real.build(real.folder_for(sizes.base_bytes, cache), sizes.base_bytes, step)
    folder = cache / f"large-{replicate.cache_key(base_corpus, sizes.copies)}"
    step(f"large: the replicated index ({_cached(folder)}: {folder})")
    built, corpus, index, plain = replicate.build(
        lambda: vectors.read(real.vectors_folder(cache)), base_corpus, sizes.copies, folder, step
    )
    assistant = figures.make_assistant(index, corpus)
    collection = baseline.open_plain(plain)
    where = f"{collection.count():,} chunks (replicated)"
    ask = QuestionMaker(corpus, seed=3)
    step(f"large: latency at {where}")
    results = figures.latency(
        assistant, collection, sizes, "100k", where, lambda _: ask(sizes.questions), True
    )
    step("large: cold start, no-op and one-file ingest, memory (new processes)")
    results += figures.cold_start(
        workdir, "100k", where, index, corpus, plain, sizes, figures.COLD_ASK_S["100k"]
    )
    results.append(figures.noop_ingest(workdir, "100k", where, index, corpus, sizes))
    results += figures.one_file_ingest(workdir, "100k", where, index, corpus, sizes)
    results += figures.memory(workdir, "100k", where, index, corpus, plain, ask(20), sizes, target=True)
    return results, {"folder": str(folder), "base": base, **built}


Part = Callable[[Path, figures.Sizes, Step, Path], tuple[list[Figure], dict[str, Any]]]
PARTS: dict[str, Part] = {"article": article_figures, "real": real_figures, "large": large_figures}


def build(sizes: figures.Sizes, step: Step, cache: Path) -> None:
    """The cached indexes only (``--build-only``): run it before a timed run, on a quiet machine."""
    real.build(real.folder_for(sizes.real_bytes, cache), sizes.real_bytes, step)
    _, base_corpus, _, _ = real.build(real.folder_for(sizes.base_bytes, cache), sizes.base_bytes, step)
    folder = cache / f"large-{replicate.cache_key(base_corpus, sizes.copies)}"
    replicate.build(lambda: vectors.read(real.vectors_folder(cache)), base_corpus, sizes.copies, folder, step)


def _cached(folder: Path) -> str:
    return "cached" if (folder / "built.json").exists() else "building"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="Tiny sizes, for CI: the code cannot rot.")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file to write.")
    parser.add_argument("--real-mb", type=float, help="Real text for the '10k' index, in MB (full: 6).")
    parser.add_argument(
        "--base-mb", type=float, help="Real text replicated into the '100k' index (full: 1.5 MB)."
    )
    parser.add_argument("--copies", type=int, help="Copies of it in the '100k' index (full: 40).")
    parser.add_argument("--rounds", type=int, help="Latency rounds (full: 5).")
    parser.add_argument(
        "--runs", type=int, help="New processes per cold-start, no-op and memory figure (full: 5, 3)."
    )
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"Which parts to run, comma-separated (default: {','.join(PARTS)}).",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="Build the cached indexes, measure nothing."
    )
    args = parser.parse_args()
    _scrub_environment()
    sizes = figures.SMOKE if args.smoke else figures.FULL
    if args.real_mb is not None:  # a smaller run on a busy machine: the tables name the chunk counts
        sizes = dataclasses.replace(sizes, real_bytes=int(args.real_mb * 1_000_000))
    if args.base_mb is not None:
        sizes = dataclasses.replace(sizes, base_bytes=int(args.base_mb * 1_000_000))
    if args.copies is not None:
        sizes = dataclasses.replace(sizes, copies=args.copies)
    if args.rounds is not None:
        sizes = dataclasses.replace(sizes, rounds=args.rounds)
    if args.runs is not None:
        sizes = dataclasses.replace(
            sizes, process_runs=args.runs, memory_runs=min(args.runs, sizes.memory_runs)
        )
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

    parts = [part for part in PARTS if part in args.parts.split(",")]
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as folder:
        workdir = Path(folder)
        cache = workdir / "cache" if args.smoke else real.CACHE
        if args.build_only:
            build(sizes, step, cache)
            return
        for part in parts:
            measured = PARTS[part](workdir, sizes, step, cache)
            save(part, *measured, finished=part == parts[-1])
            step(
                f"{part}: done ({time.perf_counter() - started:.0f} s since the start, load {report.load()})"
            )
    out = Console(width=None if sys.stdout.isatty() else 200)
    out.print(report.table(results, f"assistant vs plain Chroma ({meta['mode']}, {meta['seconds']} s)"))
    step(f"wrote {args.output} (and {args.output.with_suffix('.md').name})")
