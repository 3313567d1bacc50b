"""The results: a rich table for people, JSON for machines (and for the smoke test)."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rich.table import Table

from .measure import Figure, Stats


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    mem_kib = next(
        (int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), 0
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 2**20, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {
            name: version(name) for name in ("onnxruntime", "chromadb", "tiktoken", "tokenizers", "bm25s")
        },
    }


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def own_peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_json(path: Path, figures: list[Figure], meta: dict[str, Any], details: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"meta": meta, "figures": {f.key: f.as_dict() for f in figures}, "details": details}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _stats(stats: Stats | None, unit: str) -> str:
    if stats is None:
        return "—"
    digits = 0 if unit in ("tokens", "MiB", "chunks/s") and stats.median >= 100 else 2 if unit == "s" else 1
    return " / ".join(f"{v:,.{digits}f}" for v in (stats.min, stats.median, stats.max)) + f"  (n={stats.n})"


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:g}× {'better' if ratio >= 1 else 'worse'}"


COLUMNS = (
    "figure",
    "unit",
    "project min / median / max",
    "fair baseline min / median / max",
    "vs fair",
    "Chroma default min / median / max",
    "vs default",
    "target",
    "",
    "load 1/5/15 min",
)


def _cells(figure: Figure) -> list[str]:
    return [
        figure.label,
        figure.unit,
        _stats(figure.project, figure.unit),
        _stats(figure.fair, figure.unit),
        _ratio(figure.fair_speedup),
        _stats(figure.baseline, figure.unit),
        _ratio(figure.speedup),
        figure.target.text if figure.target else "",
    ]


def table(figures: list[Figure], title: str) -> Table:
    grid = Table(title=title, show_lines=False)
    for name in COLUMNS:
        grid.add_column(name, justify="left" if name in ("figure", "unit", "target") else "right")
    for figure in figures:
        target = figure.target
        verdict = "" if target is None else "[green]pass[/]" if target.passed else "[red]miss[/]"
        grid.add_row(*_cells(figure), verdict, " / ".join(map(str, figure.load)))
    return grid


def markdown(figures: list[Figure]) -> str:
    """The same table as Markdown, for BENCHMARKS.md."""
    rows = ["| " + " | ".join(COLUMNS) + " |", "|---|---|--:|--:|--:|--:|--:|---|---|--:|"]
    for f in figures:
        verdict = "" if f.target is None else "**pass**" if f.target.passed else "**MISS**"
        rows.append("| " + " | ".join([*_cells(f), verdict, " / ".join(map(str, f.load))]) + " |")
    notes = [f"- **{f.label}**: {f.note}" for f in figures if f.note]
    return "\n".join([*rows, "", *notes])
