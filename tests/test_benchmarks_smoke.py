"""The benchmark code runs end to end (smoke sizes) and reports every figure: no timing asserts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from numbers import Real
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WITH_BASELINE = {
    "answer_p50_ms",
    "answer_p95_ms",
    "search_p50_ms",
    "search_p95_ms",
    "first_ask_p50_ms",
    "ingest_article_chunks_per_s",
    "cold_ask_s",
    "import_s",
    "article_peak_rss_mb",
    "scale_ingest_chunks_per_s",
    "scale_search_p95_ms",
    "scale_answer_p95_ms",
    "scale_first_ask_p50_ms",
    "scale_peak_rss_mb",
}
PROJECT_ONLY = {"article_python_peak_mb", "prompt_tokens"}
WITH_TARGET = {
    "answer_p50_ms",
    "cold_ask_s",
    "ingest_article_chunks_per_s",
    "scale_ingest_chunks_per_s",
    "scale_search_p95_ms",
    "scale_answer_p95_ms",
    "prompt_tokens",
}


def _assert_stats(stats: dict[str, object], where: str) -> None:
    for name in ("min", "median", "max"):
        value = stats[name]
        assert isinstance(value, Real) and not isinstance(value, bool), f"{where}.{name} = {value!r}"
    assert stats["min"] <= stats["median"] <= stats["max"], where  # type: ignore[operator]
    assert stats["n"] >= 1, where  # type: ignore[operator]


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
    assert results["meta"]["mode"] == "smoke"
    assert {"cpu", "cores", "ram_gib", "python", "versions"} <= set(results["meta"]["machine"])
    figures = results["figures"]
    assert set(figures) == WITH_BASELINE | PROJECT_ONLY
    for key, figure in figures.items():
        _assert_stats(figure["project"], f"{key}.project")
        if key in WITH_BASELINE:
            _assert_stats(figure["baseline"], f"{key}.baseline")
            assert isinstance(figure["speedup"], Real), key
        else:
            assert figure["baseline"] is None, key
        assert (figure["target"] is not None) == (key in WITH_TARGET), key
        if figure["target"] is not None:
            assert isinstance(figure["target"]["passed"], bool), key
    assert results["details"]["article"]["same_model_cosine"] > 0.99  # both sides run the same model
    assert output.with_suffix(".md").read_text(encoding="utf-8").startswith("| figure |")
