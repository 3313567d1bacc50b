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
    """Where ``import module`` spends its time: ``-X importtime`` self time summed per top-level
    package, largest first, with its share of the total."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    per_package: dict[str, int] = defaultdict(int)
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(.+)$", line)
        if match:
            per_package[match.group(2).strip().split(".")[0]] += int(match.group(1))
    total = sum(per_package.values()) or 1
    ranked = sorted(per_package.items(), key=lambda item: -item[1])[:top]
    return [
        {"package": name, "ms": round(us / 1000, 1), "share": round(us / total, 3)} for name, us in ranked
    ]
