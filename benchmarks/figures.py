"""The figures: each function measures one group, project and baseline interleaved in the same run.

Latencies are taken in rounds; in each round every side answers every question several times, so
load from other processes hits both sides alike. A latency figure is min / median / max over rounds
of that round's p50 or p95; a target is checked against the median.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from assistant import Assistant
from assistant.backends.shape import Server, build_request
from assistant.embeddings import MiniLMEmbedder
from assistant.models import Request
from assistant.prompts import pack
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
BASELINE_QUERY = "baseline: collection.query(query_texts=[q], n_results=k) (embeds, then searches); top chunk"


@dataclass(frozen=True)
class Sizes:
    """How much of everything to do: the full run, or the seconds-long smoke run."""

    rounds: int  # latency rounds
    project_samples: int  # per question per round
    baseline_samples: int  # per question per round (a baseline query costs ~0.3 s)
    novel: int  # never-asked questions per round
    process_runs: int  # cold starts and imports
    memory_runs: int  # memory children (peak memory barely varies)
    warmup_runs: int  # unmeasured process runs first (OS file cache)
    ingest_pairs: int  # fresh-process article ingests per side
    scale_documents: int  # synthetic briefings (about 1.4 chunks each)


FULL = Sizes(
    rounds=5, project_samples=25, baseline_samples=4, novel=10, process_runs=5, memory_runs=3, warmup_runs=1,
    ingest_pairs=4, scale_documents=7050,
)  # fmt: skip
SMOKE = Sizes(
    rounds=2, project_samples=2, baseline_samples=1, novel=2, process_runs=1, memory_runs=1, warmup_runs=0,
    ingest_pairs=1, scale_documents=20,
)  # fmt: skip


def make_assistant(index_dir: Path, corpus: Path) -> Assistant:
    """Offline assistant with explicit settings: nothing read from the user's environment or .env."""
    return Assistant(load_settings(index_dir=index_dir, corpus=[corpus], backend="offline", _env_file=None))


Call = Callable[[str], object]


def _rounds(
    sides: dict[str, tuple[Call, int]], questions: Callable[[int], Sequence[str]], rounds: int
) -> dict[str, list[list[float]]]:
    """Per side, per round: latencies (ms) of every question of the round, each asked ``samples`` times."""
    per_round: dict[str, list[list[float]]] = {side: [] for side in sides}
    for number in range(rounds):
        asked = questions(number)
        for side, (call, samples) in sides.items():
            per_round[side].append(
                [time_ms(lambda call=call, q=q: call(q)) for q in asked for _ in range(samples)]
            )
    return per_round


def warm_latency(
    assistant: Assistant, collection: Collection, sizes: Sizes, scale: str, where: str
) -> list[Figure]:
    """Seed questions, repeated after warm-up: answer and search against the baseline query.

    Repeating a question lets the project's embedding cache supply the query vector; the
    ``first_ask`` figures show the cost without that help.
    """
    k = assistant.settings.top_k

    def base(question: str) -> str:
        return baseline.answer(collection, question, k)

    for call in (assistant.ask, assistant.search, base):
        for question in SEED_QUESTIONS:
            call(question)
            call(question)
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
    answer_note = f"Assistant.ask (retrieve + extract + verify), seed questions repeated; {BASELINE_QUERY}"
    search_note = f"Assistant.search (vector + BM25, fused); {BASELINE_QUERY}"
    if scale == "article":
        warm = Target(
            f"≤ {WARM_ANSWER_MS:g} ms and ≥ {WARM_SPEEDUP:g}× faster",
            answer_p50.median <= WARM_ANSWER_MS and base_p50.median >= WARM_SPEEDUP * answer_p50.median,
        )
        return [
            Figure("answer_p50_ms", "warm answer p50, article", "ms", "lower", answer_p50, base_p50, warm,
                   answer_note),
            Figure("answer_p95_ms", "warm answer p95, article", "ms", "lower", answer_p95, base_p95,
                   note=answer_note),
            Figure("search_p50_ms", "search p50, article", "ms", "lower", search_p50, base_p50,
                   note=search_note),
            Figure("search_p95_ms", "search p95, article", "ms", "lower", search_p95, base_p95,
                   note=search_note),
        ]  # fmt: skip
    target = f"≤ {SCALE_P95_MS:g} ms"
    return [
        Figure("scale_search_p95_ms", f"search p95, {where}", "ms", "lower", search_p95, base_p95,
               Target(target, search_p95.median <= SCALE_P95_MS), search_note),
        Figure("scale_answer_p95_ms", f"answer p95, {where}", "ms", "lower", answer_p95, base_p95,
               Target(target, answer_p95.median <= SCALE_P95_MS), answer_note),
    ]  # fmt: skip


def first_ask_latency(
    assistant: Assistant, collection: Collection, sizes: Sizes, questions: Callable[[int], Sequence[str]],
    key: str, label: str,
) -> Figure:  # fmt: skip
    """Questions asked for the first time: the query (and any unseen sentence) is embedded anew."""
    k = assistant.settings.top_k
    runs = _rounds(
        {"answer": (assistant.ask, 1), "baseline": (lambda q: baseline.answer(collection, q, k), 1)},
        questions,
        sizes.rounds,
    )
    p50, _ = latency_rounds(runs["answer"])
    base_p50, _ = latency_rounds(runs["baseline"])
    note = f"Assistant.ask on questions not asked before in the run (no cached vectors); {BASELINE_QUERY}"
    return Figure(key, label, "ms", "lower", p50, base_p50, note=note)


def scale_questions(documents: int, count: int) -> Callable[[int], list[str]]:
    return lambda number: novel_questions(documents, count, seed=1000 + number)


def scale_ingest(assistant: Assistant, baseline_path: Path) -> tuple[Figure, Collection, dict[str, Any]]:
    """One ingest per side of the whole synthetic corpus into fresh stores (minutes each).

    The baseline adds exactly the chunks the project stored, so both embed the same texts; the
    project's time also covers reading the files, chunking and building its BM25 index.
    """
    started, cpu = time.perf_counter(), time.process_time()
    report = assistant.ingest()
    project_s, project_cpu = time.perf_counter() - started, time.process_time() - cpu
    project_load = os.getloadavg()[1]  # 5-minute load average: other processes competing
    texts = [chunk.text for chunk in assistant.index.chunks()]
    started, cpu = time.perf_counter(), time.process_time()
    collection = baseline.ingest(baseline_path, texts)
    baseline_s, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu
    baseline_load = os.getloadavg()[1]
    project, base = Stats.of([report.chunks / project_s]), Stats.of([len(texts) / baseline_s])
    figure = Figure(
        "scale_ingest_chunks_per_s", f"ingest, {len(texts):,} synthetic chunks", "chunks/s", "higher",
        project, base, Target("≥ baseline", project.median >= base.median),
        "one run per side (minutes each): Assistant.ingest into a fresh index (read, chunk, embed, store, "
        "BM25) vs baseline collection.add of the same chunk texts into a fresh collection",
    )  # fmt: skip
    details = {
        "chunks": report.chunks,
        "documents": report.added,
        "project_seconds": round(project_s, 2),
        "project_sync_seconds": report.seconds,
        "baseline_seconds": round(baseline_s, 2),
        "project_cpu_seconds": round(project_cpu, 2),  # all threads: less sensitive to other load
        "baseline_cpu_seconds": round(baseline_cpu, 2),
        "load_average_5min_after": {"project": round(project_load, 2), "baseline": round(baseline_load, 2)},
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
            ["ingest-pair", "--corpus", str(corpus), "--chunks", str(chunks_file),
             "--workdir", str(folder), "--order", order],
            folder, env,
        )  # fmt: skip
        for side, values in rates.items():
            values.append(result[side]["chunks"] / result[side]["seconds"])
    project, base = Stats.of(rates["project"]), Stats.of(rates["baseline"])
    return Figure(
        "ingest_article_chunks_per_s", f"ingest, article ({len(texts)} chunks)", "chunks/s", "higher",
        project, base, Target("≥ baseline", project.median >= base.median),
        "fresh process per run, both sides in it, alternating order; project time includes loading the "
        "model, the baseline's includes its per-call sessions",
    )  # fmt: skip


def cold_start(
    workdir: Path, index_dir: Path, corpus: Path, baseline_path: Path, sizes: Sizes
) -> tuple[list[Figure], dict[str, Any]]:
    """``assistant ask`` as a new process on an existing index, and what importing costs."""
    env = processes.isolated_env(workdir, index_dir=str(index_dir), corpus=str(corpus))
    question = SEED_QUESTIONS[0]

    def times(command: list[str]) -> list[float]:
        return processes.wall_times(command, workdir, env, sizes.process_runs, sizes.warmup_runs)

    ask = Stats.of(times([processes.assistant_command(), "ask", question, "--no-stream"]))
    base = Stats.of(
        times([sys.executable, "-m", "benchmarks.child", "baseline-ask", "--path", str(baseline_path),
               "--question", question])
    )  # fmt: skip
    imports = {m: Stats.of(times([sys.executable, "-c", f"import {m}"])) for m in ("assistant", "chromadb")}
    figures = [
        Figure("cold_ask_s", "cold `assistant ask`, existing index", "s", "lower", ask, base,
               Target(f"≤ {COLD_ASK_S:g} s", ask.median <= COLD_ASK_S),
               f'wall time of `assistant ask "{question}" --no-stream` as a new process; baseline: a new '
               "process that imports chromadb, opens the collection, queries and prints the top chunk"),
        Figure("import_s", "`import assistant`", "s", "lower", imports["assistant"], imports["chromadb"],
               note="wall time of `python -c 'import assistant'`; baseline: `python -c 'import chromadb'`"),
    ]  # fmt: skip
    details = {
        "import_assistant_by_package": processes.import_breakdown("assistant", workdir, env),
        "import_assistant_cli_by_package": processes.import_breakdown("assistant.cli", workdir, env),
    }
    return figures, details


def memory(
    workdir: Path, scale: str, where: str, index_dir: Path, corpus: Path, baseline_path: Path, sizes: Sizes,
    tracemalloc: bool,
) -> list[Figure]:  # fmt: skip
    """Peak RSS of a fresh process that opens the index and answers the seed questions 3 times."""
    env = processes.isolated_env(workdir)
    questions = [arg for q in SEED_QUESTIONS for arg in ("--question", q)]
    project_args = ["serve-project", "--index-dir", str(index_dir), "--corpus", str(corpus), *questions]
    base_args = ["serve-baseline", "--path", str(baseline_path), *questions]
    project = [processes.child(project_args, workdir, env)["peak_rss_mb"] for _ in range(sizes.memory_runs)]
    base = [processes.child(base_args, workdir, env)["peak_rss_mb"] for _ in range(sizes.memory_runs)]
    note = "new process: open the index, answer the seed questions 3 times; VmHWM. Baseline: same queries"
    figures = [
        Figure(f"{scale}_peak_rss_mb", f"peak RSS, {where}", "MiB", "lower", Stats.of(project, 1),
               Stats.of(base, 1), note=note)
    ]  # fmt: skip
    if tracemalloc:
        traced = [
            processes.child(["--tracemalloc", *project_args], workdir, env)["tracemalloc_peak_mb"]
            for _ in range(sizes.memory_runs)
        ]
        figures.append(
            Figure(f"{scale}_python_peak_mb", f"Python-side peak, {where}", "MiB", "lower",
                   Stats.of(traced, 1), note="tracemalloc peak in the same process (imports included)")
        )  # fmt: skip
    return figures


OPENAI = Server("openai", structured=True)


def prompt_tokens(assistant: Assistant) -> tuple[Figure, dict[str, int]]:
    """Tokens the OpenAI backend would send per answer, at the default source budget.

    Sources are packed exactly as ``Assistant.stream`` packs them for a backend with a token budget;
    message overhead follows OpenAI's counting (3 per message, 3 to prime the reply).
    """
    encoding = encoding_for_model(PROMPT_MODEL)
    counts = {}
    for question in SEED_QUESTIONS:
        passages = assistant.search(question)
        sources = pack(passages, assistant.settings.context_tokens, encoding)
        scored = assistant.retriever.evidence(question, passages)
        evidence = [e for e in scored if e.passage_index < len(sources)]
        request = Request(question=question, sources=sources, evidence=evidence)
        body, _ = build_request(request, "structured", OPENAI, assistant.settings, stream=False)
        counts[question] = 3 + sum(
            3 + len(encoding.encode_ordinary(m["role"])) + len(encoding.encode_ordinary(m["content"]))
            for m in body["messages"]
        )
    stats = Stats.of(list(counts.values()), 0)
    figure = Figure(
        "prompt_tokens", "prompt tokens per generative answer", "tokens", "lower", stats,
        target=Target(f"≤ {PROMPT_TOKENS:,} (max)", stats.max <= PROMPT_TOKENS),
        note=f"the structured answer request (the best sentences of sources packed to context_tokens="
        f"{assistant.settings.context_tokens}), "
        f"counted with {encoding.name} ({PROMPT_MODEL}); over the seed questions, article",
    )  # fmt: skip
    return figure, counts


def same_model_check(question: str) -> float:
    """Cosine of the baseline's and the project's vector for one text: both sides run one model."""
    ours = MiniLMEmbedder.shared().embed([question])[0]
    theirs = np.asarray(baseline.PackagedMiniLM()([question])[0], dtype=np.float32)
    return round(float(ours @ theirs / np.linalg.norm(theirs)), 5)
