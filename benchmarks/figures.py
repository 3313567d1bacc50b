"""The figures: each function measures one group, project and baseline interleaved in the same run.

Latencies are taken in rounds; in each round every side answers every question several times, so
load from other processes hits both sides alike. A figure is then min / median / max over rounds of
that round's p50 or p95.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from assistant import Assistant
from assistant.embeddings import MiniLMEmbedder
from assistant.prompts import answer_messages, pack
from assistant.settings import load_settings
from assistant.tokens import encoding_for_model

from . import baseline, processes
from .corpus import SEED_QUESTIONS, novel_questions
from .measure import Figure, Stats, Target, latency_rounds, time_ms

WARM_ANSWER_MS = 15.0
WARM_SPEEDUP = 20.0
COLD_ASK_S = 1.5
SCALE_P95_MS = 30.0
PROMPT_TOKENS = 1500
PROMPT_MODEL = "gpt-4o-mini"


@dataclass(frozen=True)
class Sizes:
    """How much of everything to do: the full run, or the seconds-long smoke run."""

    rounds: int  # latency rounds
    project_samples: int  # per question per round
    baseline_samples: int  # per question per round (a baseline query costs ~0.3 s)
    novel: int  # never-seen questions per round
    process_runs: int  # cold starts, imports, memory
    ingest_pairs: int  # fresh-process article ingests per side
    scale_documents: int  # synthetic briefings (about 1.4 chunks each)


FULL = Sizes(
    rounds=5,
    project_samples=25,
    baseline_samples=4,
    novel=10,
    process_runs=5,
    ingest_pairs=4,
    scale_documents=7050,
)
SMOKE = Sizes(
    rounds=2,
    project_samples=2,
    baseline_samples=1,
    novel=2,
    process_runs=1,
    ingest_pairs=1,
    scale_documents=20,
)


def make_assistant(index_dir: Path, corpus: Path) -> Assistant:
    """Offline assistant with explicit settings: nothing read from the user's environment or .env."""
    return Assistant(load_settings(index_dir=index_dir, corpus=[corpus], backend="offline", _env_file=None))


def _rounds(
    sides: dict[str, tuple[Callable[[str], object], int]],
    questions: Callable[[int], Sequence[str]],
    rounds: int,
) -> dict[str, list[list[float]]]:
    """Per side, per round: latencies (ms) of every question asked ``samples`` times."""
    per_round: dict[str, list[list[float]]] = {side: [] for side in sides}
    for number in range(rounds):
        asked = questions(number)
        for side, (call, samples) in sides.items():
            per_round[side].append(
                [time_ms(lambda call=call, q=q: call(q)) for q in asked for _ in range(samples)]
            )
    return per_round


def _warm(calls: Sequence[Callable[[str], object]], questions: Sequence[str]) -> None:
    for call in calls:
        for question in questions:
            call(question)
            call(question)


def warm_latency(
    assistant: Assistant, collection: Collection, sizes: Sizes, scale: str, k: int
) -> list[Figure]:
    """Seed questions, repeated after warm-up: answer and search against the baseline query.

    Repeating a question lets the project's embedding cache answer the query vector; the
    ``novel`` figures below show the cost without that help.
    """

    def base(q: str) -> str:
        return baseline.answer(collection, q, k)

    _warm([assistant.ask, assistant.search, base], SEED_QUESTIONS)
    runs = _rounds(
        {
            "answer": (assistant.ask, sizes.project_samples),
            "search": (assistant.search, sizes.project_samples),
            "baseline": (base, sizes.baseline_samples),
        },
        lambda _: SEED_QUESTIONS,
        sizes.rounds,
    )
    base_p50, base_p95 = latency_rounds(runs["baseline"])
    answer_p50, answer_p95 = latency_rounds(runs["answer"])
    search_p50, search_p95 = latency_rounds(runs["search"])
    what = "retrieve + extract + verify, seed questions repeated"
    if scale == "article":
        speed = round(base_p50.median / answer_p50.median, 1)
        return [
            Figure(
                "answer_p50_ms",
                f"warm answer p50 ({what})",
                "ms",
                "lower",
                answer_p50,
                base_p50,
                Target(
                    f"≤ {WARM_ANSWER_MS:g} ms and ≥ {WARM_SPEEDUP:g}× baseline",
                    answer_p50.median <= WARM_ANSWER_MS and speed >= WARM_SPEEDUP,
                ),
            ),
            Figure("answer_p95_ms", "warm answer p95", "ms", "lower", answer_p95, base_p95),
            Figure(
                "search_p50_ms", "retrieval alone p50 (hybrid search)", "ms", "lower", search_p50, base_p50
            ),
            Figure("search_p95_ms", "retrieval alone p95", "ms", "lower", search_p95, base_p95),
        ]
    target = f"≤ {SCALE_P95_MS:g} ms"
    return [
        Figure(
            "scale_search_p95_ms",
            "10k chunks: search p95",
            "ms",
            "lower",
            search_p95,
            base_p95,
            Target(target, search_p95.median <= SCALE_P95_MS),
        ),
        Figure(
            "scale_answer_p95_ms",
            f"10k chunks: answer p95 ({what})",
            "ms",
            "lower",
            answer_p95,
            base_p95,
            Target(target, answer_p95.median <= SCALE_P95_MS),
        ),
    ]


def novel_latency(
    assistant: Assistant,
    collection: Collection,
    sizes: Sizes,
    questions: Callable[[int], Sequence[str]],
    key: str,
    label: str,
    k: int,
) -> Figure:
    """Questions asked for the first time: the query and the retrieved sentences are embedded anew."""
    runs = _rounds(
        {"answer": (assistant.ask, 1), "baseline": (lambda q: baseline.answer(collection, q, k), 1)},
        questions,
        sizes.rounds,
    )
    p50, _ = latency_rounds(runs["answer"])
    base_p50, _ = latency_rounds(runs["baseline"])
    return Figure(key, label, "ms", "lower", p50, base_p50)


def scale_novel_questions(documents: int, count: int) -> Callable[[int], list[str]]:
    return lambda number: novel_questions(documents, count, seed=1000 + number)


def scale_ingest(assistant: Assistant, baseline_path: Path) -> tuple[Figure, Collection, dict[str, Any]]:
    """One ingest per side of the whole synthetic corpus into fresh stores (minutes each).

    The baseline adds exactly the chunks the project stored, so both embed the same texts; the
    project's time also covers reading the files, chunking and building its BM25 index.
    """
    started = time.perf_counter()
    report = assistant.ingest()
    project_s = time.perf_counter() - started
    texts = [chunk.text for chunk in assistant.index.chunks()]
    started = time.perf_counter()
    collection = baseline.ingest(baseline_path, texts)
    baseline_s = time.perf_counter() - started
    figure = Figure(
        "scale_ingest_chunks_per_s",
        f"ingest {len(texts):,} synthetic chunks (1 run per side)",
        "chunks/s",
        "higher",
        Stats.of([report.chunks / project_s]),
        Stats.of([len(texts) / baseline_s]),
        Target("≥ baseline", report.chunks / project_s >= len(texts) / baseline_s),
    )
    details = {
        "chunks": report.chunks,
        "documents": report.added,
        "project_seconds": round(project_s, 2),
        "project_sync_seconds": report.seconds,
        "baseline_seconds": round(baseline_s, 2),
        "mean_chunk_chars": round(sum(map(len, texts)) / len(texts)),
    }
    return figure, collection, details


def article_ingest(corpus: Path, texts: Sequence[str], workdir: Path, sizes: Sizes) -> Figure:
    """Fresh-process ingests (an in-process repeat would hit the project's embedding cache), both
    sides in each process, alternating which goes first."""
    chunks_file = workdir / "article-chunks.json"
    chunks_file.write_text(json.dumps(list(texts)), encoding="utf-8")
    env = processes.isolated_env(workdir)
    rates: dict[str, list[float]] = {"project": [], "baseline": []}
    for number in range(sizes.ingest_pairs):
        order = "project,baseline" if number % 2 == 0 else "baseline,project"
        folder = workdir / f"ingest-{number}"
        folder.mkdir()
        result = processes.child(
            [
                "ingest-pair",
                "--corpus",
                str(corpus),
                "--chunks",
                str(chunks_file),
                "--workdir",
                str(folder),
                "--order",
                order,
            ],
            folder,
            env,
        )
        for side, values in rates.items():
            values.append(result[side]["chunks"] / result[side]["seconds"])
    project, base = Stats.of(rates["project"]), Stats.of(rates["baseline"])
    return Figure(
        "ingest_article_chunks_per_s",
        f"ingest the article ({len(texts)} chunks), fresh process",
        "chunks/s",
        "higher",
        project,
        base,
        Target("≥ baseline", project.median >= base.median),
    )


def cold_start(
    workdir: Path, index_dir: Path, corpus: Path, baseline_path: Path, sizes: Sizes
) -> tuple[list[Figure], dict[str, Any]]:
    """``assistant ask`` as a new process on an existing index, and what importing costs."""
    env = processes.isolated_env(workdir, index_dir=str(index_dir), corpus=str(corpus))
    question = SEED_QUESTIONS[0]
    ask = processes.wall_times(
        [processes.assistant_command(), "ask", question, "--no-stream"], workdir, env, sizes.process_runs
    )
    base = processes.wall_times(
        [
            sys.executable,
            "-m",
            "benchmarks.child",
            "baseline-ask",
            "--path",
            str(baseline_path),
            "--question",
            question,
        ],
        workdir,
        env,
        sizes.process_runs,
    )
    imports = {
        module: processes.wall_times(
            [sys.executable, "-c", f"import {module}"], workdir, env, sizes.process_runs
        )
        for module in ("assistant", "chromadb")
    }
    ask_stats = Stats.of(ask)
    figures = [
        Figure(
            "cold_ask_s",
            f'cold `assistant ask "{question}" --no-stream`, existing index',
            "s",
            "lower",
            ask_stats,
            Stats.of(base),
            Target(f"≤ {COLD_ASK_S:g} s", ask_stats.median <= COLD_ASK_S),
            note="baseline: new process that imports chromadb, opens the collection and queries",
        ),
        Figure(
            "import_s",
            "`python -c 'import assistant'` (baseline: import chromadb)",
            "s",
            "lower",
            Stats.of(imports["assistant"]),
            Stats.of(imports["chromadb"]),
        ),
    ]
    details = {
        "import_assistant_by_package": processes.import_breakdown("assistant", workdir, env),
        "import_assistant_cli_by_package": processes.import_breakdown("assistant.cli", workdir, env),
    }
    return figures, details


def memory(
    workdir: Path,
    scale: str,
    index_dir: Path,
    corpus: Path,
    baseline_path: Path,
    sizes: Sizes,
    tracemalloc: bool,
) -> list[Figure]:
    """Peak RSS of a fresh process that opens the index and answers the seed questions 3 times."""
    env = processes.isolated_env(workdir)
    questions = [arg for q in SEED_QUESTIONS for arg in ("--question", q)]
    project_args = ["serve-project", "--index-dir", str(index_dir), "--corpus", str(corpus), *questions]
    base_args = ["serve-baseline", "--path", str(baseline_path), *questions]
    project = [processes.child(project_args, workdir, env)["rss_mb"] for _ in range(sizes.process_runs)]
    base = [processes.child(base_args, workdir, env)["rss_mb"] for _ in range(sizes.process_runs)]
    label = "the article" if scale == "article" else "10k chunks"
    figures = [
        Figure(
            f"{scale}_peak_rss_mb",
            f"peak RSS, open + answer ({label})",
            "MiB",
            "lower",
            Stats.of(project, 1),
            Stats.of(base, 1),
        )
    ]
    if tracemalloc:
        traced = [
            processes.child(["--tracemalloc", *project_args], workdir, env)["tracemalloc_peak_mb"]
            for _ in range(sizes.process_runs)
        ]
        figures.append(
            Figure(
                f"{scale}_python_peak_mb",
                f"Python-side peak (tracemalloc), {label}",
                "MiB",
                "lower",
                Stats.of(traced, 1),
            )
        )
    return figures


def prompt_tokens(assistant: Assistant) -> tuple[Figure, dict[str, int]]:
    """Tokens the OpenAI backend would send per answer, at the default source budget.

    Sources are packed exactly as ``Assistant.stream`` packs them for a backend with a token budget;
    message overhead follows OpenAI's counting (3 per message, 3 to prime the reply).
    """
    encoding = encoding_for_model(PROMPT_MODEL)
    counts = {}
    for question in SEED_QUESTIONS:
        sources = pack(assistant.search(question), assistant.settings.context_tokens, encoding)
        counts[question] = 3 + sum(
            3 + len(encoding.encode_ordinary(m["role"])) + len(encoding.encode_ordinary(m["content"]))
            for m in answer_messages(question, sources)
        )
    stats = Stats.of(list(counts.values()), 0)
    figure = Figure(
        "prompt_tokens",
        f"prompt tokens per generative answer ({PROMPT_MODEL}, "
        f"context_tokens={assistant.settings.context_tokens})",
        "tokens",
        "lower",
        stats,
        target=Target(f"≤ {PROMPT_TOKENS:,}", stats.max <= PROMPT_TOKENS),
        note="over the seed questions; no server needed",
    )
    return figure, counts


def same_model_check(question: str) -> float:
    """Cosine of the baseline's and the project's vector for one text: both sides run one model."""
    ours = MiniLMEmbedder.shared().embed([question])[0]
    theirs = np.asarray(baseline.PackagedMiniLM()([question])[0], dtype=np.float32)
    return round(float(ours @ theirs / np.linalg.norm(theirs)), 5)
