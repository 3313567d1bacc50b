"""Load: one ``Assistant`` shared by many threads gives every thread the answer it would get alone, and
a long run of questions does not grow the process."""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant import Assistant

# Questions, follow-ups (asked through .chat()) and refusals; each script is one conversation.
SCRIPTS: list[tuple[str, ...]] = [
    ("When is the visit?",),
    ("What did China do?",),
    ("How much was the arms sale to Taiwan?",),
    ("Who is the Chinese President named in the article?",),
    ("Where did Trump address U.S. troops?",),
    ("What is the capital of France?",),  # refused
    ("What is Takaichi's favourite food?",),  # refused
    ("訪問はいつですか？ 🌸",),
    ("Who invited Japan's prime minister?", "When will she go?"),
    ("How many days of military exercises did Beijing stage?", "Why?"),
]

Outcome = tuple[tuple[str, bool, tuple[tuple[str, int, int, str], ...]], ...]


def converse(assistant: Assistant, script: Sequence[str]) -> Outcome:
    """Each answer of one conversation: text, refused, and citations (document, offsets, quote)."""
    chat = assistant.chat()
    outcome = []
    for question in script:
        answer = chat.ask(question)
        citations = tuple((c.doc_id, c.start, c.end, c.quote) for c in answer.citations)
        outcome.append((answer.text, answer.refused, citations))
    return tuple(outcome)


def test_the_scripts_mix_answers_refusals_and_follow_ups(assistant: Assistant) -> None:
    outcomes = [converse(assistant, script) for script in SCRIPTS]
    refused = [turn[1] for outcome in outcomes for turn in outcome]
    assert 2 <= sum(refused) < len(refused) - 5
    assert all(turn[2] for outcome in outcomes for turn in outcome if not turn[1]), "answers cite"


def test_eight_threads_get_the_answers_one_thread_gets(assistant: Assistant) -> None:
    alone = {script: converse(assistant, script) for script in SCRIPTS}
    jobs = [SCRIPTS[i % len(SCRIPTS)] for i in range(200)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda script: converse(assistant, script), jobs))
    different = [script for script, outcome in zip(jobs, together, strict=True) if outcome != alone[script]]
    assert not different, f"{len(different)} of {len(jobs)} conversations differ, e.g. {different[0]}"


def resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.slow
def test_memory_stays_flat_over_a_thousand_questions(assistant: Assistant) -> None:
    def ask(questions: int) -> None:
        asked = 0
        while asked < questions:
            script = SCRIPTS[asked % len(SCRIPTS)]
            converse(assistant, script)
            asked += len(script)

    ask(100)  # warm-up: models loaded, caches filled
    gc.collect()
    before = resident_mb()
    ask(1000)
    gc.collect()
    grown = resident_mb() - before
    print(f"resident memory: {before:.1f} MB after the warm-up, grew {grown:+.1f} MB over 1,000 questions")
    assert grown < 50, f"grew {grown:.1f} MB over 1,000 questions"
