"""Eval sets, the runner that proves answers stay grounded, and the gate CI holds them to."""

from .dataset import Case, Dataset, Expectation
from .gate import Limits, load_gate
from .runner import EvalReport, Summary, run_eval
from .sets import load_dataset

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
