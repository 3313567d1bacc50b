"""Measurements that need new processes: cold start, import time, fresh-cache ingest, memory.

Every child runs with a scrubbed environment (no ASSISTANT_* / OPENAI_* from the user), its own
state folders and a temporary working directory (no stray ``.env``), so nothing touches the user's
index or settings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def isolated_env(workdir: Path, **assistant: str) -> dict[str, str]:
    """The parent's environment minus user settings, plus ``ASSISTANT_<NAME>`` values given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    # A user's Python keeps bytecode caches; with PYTHONDONTWRITEBYTECODE (set in some sandboxes)
    # every new process would compile the project's modules again, ~75 ms of each cold start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        XDG_DATA_HOME=str(workdir / "xdg-data"),
        XDG_STATE_HOME=str(workdir / "xdg-state"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    env.update({f"ASSISTANT_{name.upper()}": value for name, value in assistant.items()})
    return env


def run(command: list[str], workdir: Path, env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds from spawn to exit, and stdout; a failing child fails the benchmark loudly."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def wall_times(command: list[str], workdir: Path, env: dict[str, str], runs: int, warmup: int) -> list[float]:
    """Wall times of ``runs`` runs after ``warmup`` unmeasured ones (which warm the OS file cache)."""
    for _ in range(warmup):
        run(command, workdir, env)
    return [run(command, workdir, env)[0] for _ in range(runs)]


def child(args: list[str], workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run ``python -m benchmarks.child ARGS`` and parse its JSON."""
    _, out = run([sys.executable, "-m", "benchmarks.child", *args], workdir, env)
    return json.loads(out.strip().splitlines()[-1])


def assistant_command() -> str:
    """The console script a user runs, next to this interpreter."""
    return str(Path(sys.executable).with_name("assistant"))


def import_breakdown(module: str, workdir: Path, env: dict[str, str], top: int = 8) -> list[dict[str, Any]]:
    """Where ``import module`` spends its time, from ``-X importtime``.

    Each module's own time is charged to the first package outside ``module``'s own that the import
    chain passes through: the dependency that pulled it in (chromadb's httpx and opentelemetry count
    as chromadb). Largest first, with its share of the total.
    """
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=workdir, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    own = module.split(".", maxsplit=1)[0]
    lines = [
        re.match(r"import time:\s+(\d+) \|\s+\d+ \|( *)(\S+)$", line) for line in done.stderr.splitlines()
    ]
    chain: list[str] = []
    charged: dict[str, int] = defaultdict(int)
    for match in reversed([m for m in lines if m]):  # reversed: every parent comes before its imports
        depth = len(match.group(2)) // 2
        chain[depth:] = [match.group(3).split(".")[0]]
        charged[next((p for p in chain if p != own), own)] += int(match.group(1))
    total = sum(charged.values()) or 1
    ranked = sorted(charged.items(), key=lambda item: -item[1])[:top]
    return [
        {"package": name, "ms": round(us / 1000, 1), "share": round(us / total, 3)} for name, us in ranked
    ]
