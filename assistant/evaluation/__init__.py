"""Eval sets and the runner that proves answers stay grounded."""

from .dataset import Case, Dataset, Expectation, load_dataset
from .runner import EvalReport, Summary, gate_failures, run_eval

__all__ = [
    "Case",
    "Dataset",
    "EvalReport",
    "Expectation",
    "Summary",
    "gate_failures",
    "load_dataset",
    "run_eval",
]
