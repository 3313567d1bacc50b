"""Timing and summary primitives: every figure is min / median / max over repeated runs."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Stats:
    """Summary of one quantity over ``n`` runs (raw values kept, so nothing is hidden)."""

    min: float
    median: float
    max: float
    n: int
    values: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, values: Sequence[float], digits: int = 3) -> Stats:
        if not values:
            raise ValueError("no values to summarise")
        rounded = [round(float(v), digits) for v in values]
        return cls(
            min(rounded), round(statistics.median(rounded), digits), max(rounded), len(rounded), rounded
        )


@dataclass(frozen=True)
class Target:
    """A goal from the issue, checked against the figure's median (or max, for budgets)."""

    text: str
    passed: bool


@dataclass(frozen=True)
class Figure:
    """One row of the results table: the project against the fair baseline (one kept embedder) and
    Chroma's default (a new model per call). A ratio > 1 means the project does better."""

    key: str
    label: str
    unit: str
    better: Literal["lower", "higher"]
    project: Stats
    baseline: Stats | None = None  # Chroma default
    target: Target | None = None
    note: str = ""
    fair: Stats | None = None
    # the 1/5/15-minute load average when the figure was done: the machine is shared
    load: tuple[float, ...] = field(default_factory=lambda: tuple(round(x, 2) for x in os.getloadavg()))

    def _ratio(self, other: Stats | None) -> float | None:
        if other is None or not self.project.median or not other.median:
            return None
        if self.better == "lower":
            return round(other.median / self.project.median, 2)
        return round(self.project.median / other.median, 2)

    @property
    def speedup(self) -> float | None:
        """Against Chroma default."""
        return self._ratio(self.baseline)

    @property
    def fair_speedup(self) -> float | None:
        """Against the fair baseline."""
        return self._ratio(self.fair)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["speedup"] = self.speedup
        data["fair_speedup"] = self.fair_speedup
        return data


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def time_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def latency_rounds(per_round: Sequence[Sequence[float]]) -> tuple[Stats, Stats]:
    """Per-round p50 and p95 of samples, summarised over rounds."""
    return (
        Stats.of([percentile(samples, 50) for samples in per_round]),
        Stats.of([percentile(samples, 95) for samples in per_round]),
    )
