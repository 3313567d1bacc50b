"""Eval sets, the runner that proves answers stay grounded, and the gate CI holds them to."""

from .dataset import Case, Dataset, Expectation, load_dataset
from .gate import Limits, load_gate
from .runner import EvalReport, Summary, run_eval

__all__ = [
    "Case",
    "Dataset",
    "EvalReport",
    "Expectation",
    "Limits",
    "Summary",
    "load_dataset",
    "load_gate",
    "run_eval",
]
