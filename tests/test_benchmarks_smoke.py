"""The benchmark code runs end to end (smoke sizes) and reports every figure: no timing asserts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from numbers import Real
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCALES = ("article", "10k", "100k")
# figures with the fair baseline and Chroma default beside the project
WITH_BOTH = {
    f"{scale}_{name}"
    for scale in SCALES
    for name in (
        "new_answer_p50_ms",
        "new_answer_p95_ms",
        "search_p50_ms",
        "search_p95_ms",
        "cold_ask_s",
        "peak_rss_mb",
    )
} | {"ingest_article_chunks_per_s"}
WITH_FAIR = {"real_ingest_chunks_per_s", "real_ingest_cpu_s", "real_ingest_peak_rss_mb"}
WITH_DEFAULT = {"import_s"}
PROJECT_ONLY = {
    *(f"{scale}_cached_answer_{p}_ms" for scale in SCALES for p in ("p50", "p95")),
    "10k_noop_ingest_s",
    "100k_noop_ingest_s",
    *(f"{scale}_one_file_ingest_{unit}" for scale in ("10k", "100k") for unit in ("s", "peak_mb")),
    "real_ingest_floor_chunks_per_s",
    "prompt_tokens",
}
WITH_TARGET = {
    *(f"{scale}_new_answer_{p}_ms" for scale in ("10k", "100k") for p in ("p50", "p95")),
    "article_cold_ask_s",
    "100k_cold_ask_s",
    "100k_noop_ingest_s",
    "10k_peak_rss_mb",
    "100k_peak_rss_mb",
    "10k_one_file_ingest_peak_mb",
    "100k_one_file_ingest_peak_mb",
    "real_ingest_chunks_per_s",
    "real_ingest_peak_rss_mb",
    "prompt_tokens",
}


def _assert_stats(stats: dict[str, object], where: str) -> None:
    for name in ("min", "median", "max"):
        value = stats[name]
        assert isinstance(value, Real) and not isinstance(value, bool), f"{where}.{name} = {value!r}"
    assert stats["min"] <= stats["median"] <= stats["max"], where  # type: ignore[operator]
    assert stats["n"] >= 1, where  # type: ignore[operator]


@pytest.mark.slow
def test_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--output", str(output)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    results = json.loads(output.read_text(encoding="utf-8"))
    assert (results["meta"]["mode"], results["meta"]["finished"]) == ("smoke", True)
    assert {"cpu", "cores", "ram_gib", "python", "versions"} <= set(results["meta"]["machine"])
    figures = results["figures"]
    assert set(figures) == WITH_BOTH | WITH_FAIR | WITH_DEFAULT | PROJECT_ONLY
    for key, figure in figures.items():
        _assert_stats(figure["project"], f"{key}.project")
        assert len(figure["load"]) == 3, key  # the load average beside every figure
        for side, ratio, present in (
            ("baseline", "speedup", key in WITH_BOTH | WITH_DEFAULT),
            ("fair", "fair_speedup", key in WITH_BOTH | WITH_FAIR),
        ):
            if present:
                _assert_stats(figure[side], f"{key}.{side}")
                assert isinstance(figure[ratio], Real), key
            else:
                assert figure[side] is None, key
        assert (figure["target"] is not None) == (key in WITH_TARGET), key
        if figure["target"] is not None:
            assert isinstance(figure["target"]["passed"], bool), key
    cosines = results["details"]["article"]["same_model_cosine"]
    assert min(cosines.values()) > 0.99, cosines  # every side runs the same model
    assert output.with_suffix(".md").read_text(encoding="utf-8").startswith("| figure |")
