"""The fitted model: two small logistic regressions and one probability threshold.

The *ranker* turns a sentence's signals into how likely it is to hold the answer, which orders the
candidates. The *decider* looks again at the two best (their signals, plus the ranker's log-odds, its
margin over the other one and their place) and gives the probability that answering with it is
right; the reader answers with those at or above the one ``threshold``, and refuses when none is.
Ranking and answerability are different questions (a sentence can be the best on offer and still not
answer), so each gets its own fit.

The weights live in ``weights.json`` beside this file, written by ``python -m assistant.reading.calibrate``
(which says what data they were fitted on). Only numpy is needed to use them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .features import DESCRIPTIONS, FEATURES, WORSE_WHEN_HIGH

WEIGHTS = Path(__file__).with_name("weights.json")
DECIDED = 2  # candidates the decider looks at: the ranker's best two
CONTEXT: tuple[str, ...] = ("ranker_log_odds", "ranker_margin", "runner_up", "candidates")
"""What the decider adds to a candidate's own signals: the ranker's view and the competition."""


@dataclass(frozen=True)
class Logistic:
    """``p = sigmoid(bias + weights · (x - mean) / scale)``."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probabilities(self, values: np.ndarray) -> np.ndarray:
        """One probability per row of ``values`` (candidates × features)."""
        z = self.bias + ((values - self.mean) / self.scale) @ self.weights
        return 1.0 / (1.0 + np.exp(-z))

    def pull(self, row: np.ndarray) -> np.ndarray:
        """How much each signal moves this row's log-odds compared with an average row."""
        return (row - self.mean) / self.scale * self.weights

    def to_json(self) -> dict[str, Any]:
        return {
            "bias": round(self.bias, 6),
            "features": {
                name: {"weight": round(float(w), 6), "mean": round(float(m), 6), "scale": round(float(s), 6)}
                for name, w, m, s in zip(self.features, self.weights, self.mean, self.scale, strict=True)
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], features: tuple[str, ...]) -> Logistic:
        if tuple(data["features"]) != features:
            raise ValueError(
                f"the weights are for features {tuple(data['features'])}, the code measures {features}: "
                "run python -m assistant.reading.calibrate"
            )
        column = lambda key: np.array([data["features"][f][key] for f in features], dtype=float)  # noqa: E731
        return cls(features, column("mean"), column("scale"), column("weight"), float(data["bias"]))

    @classmethod
    def fitted(
        cls, features: tuple[str, ...], values: np.ndarray, labels: np.ndarray, weight: np.ndarray, l2: float
    ) -> Logistic:
        mean, scale, weights, bias = fit(values, labels, weight, l2)
        return cls(features, mean, scale, weights, bias)


@dataclass(frozen=True)
class Model:
    """The ranker, the decider and the threshold, with a note of the data they were fitted on."""

    ranker: Logistic
    decider: Logistic
    threshold: float
    fitted_on: str = ""

    @property
    def features(self) -> tuple[str, ...]:
        return self.ranker.features

    def rank(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For one question's candidates (rows of signals): the order, best first, and for each
        candidate the probability that answering with it is right."""
        return rank(self.ranker, self.decider, values)

    def weak_signals(self, row: np.ndarray, n: int = 2) -> tuple[str, ...]:
        """Why a candidate scored low, in words: the signals that pulled the decider's probability down
        the most compared with an average candidate, among those worse than average (a signal that only
        pulls down because another one carries the same information is not a reason)."""
        pull = self.decider.pull(np.concatenate([row, np.zeros(len(CONTEXT))]))[: len(FEATURES)]
        worse = [
            (pull[i], name)
            for i, name in enumerate(FEATURES)
            if pull[i] < 0
            and (row[i] > self.decider.mean[i] if name in WORSE_WHEN_HIGH else row[i] < self.decider.mean[i])
        ]
        return tuple(DESCRIPTIONS[name] for _, name in sorted(worse)[:n])

    def to_json(self) -> dict[str, Any]:
        return {
            "fitted_on": self.fitted_on,
            "threshold": round(self.threshold, 4),
            "ranker": self.ranker.to_json(),
            "decider": self.decider.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        return cls(
            ranker=Logistic.from_json(data["ranker"], FEATURES),
            decider=Logistic.from_json(data["decider"], FEATURES + CONTEXT),
            threshold=float(data["threshold"]),
            fitted_on=str(data.get("fitted_on", "")),
        )


def rank(ranker: Logistic, decider: Logistic, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """See ``Model.rank``."""
    ranked = ranker.probabilities(values)
    order = np.argsort(-ranked, kind="stable")
    return order, decider.probabilities(decider_values(values, ranked, order))


def decider_values(values: np.ndarray, ranked: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Each candidate's signals with the ``CONTEXT`` the decider adds: the ranker's log-odds, its margin
    over the best other candidate, whether it is a runner-up, and how many candidates there were."""
    p = np.clip(ranked, 1e-6, 1 - 1e-6)
    best, second = ranked[order[0]], (ranked[order[1]] if len(order) > 1 else 0.0)
    others = np.where(np.arange(len(ranked)) == order[0], second, best)
    runner_up = (np.arange(len(ranked)) != order[0]).astype(float)
    context = np.column_stack(
        [np.log(p / (1 - p)), ranked - others, runner_up, np.full(len(ranked), np.log1p(len(ranked)))]
    )
    return np.hstack([values, context])


@cache
def load(path: Path = WEIGHTS) -> Model:
    """The committed model."""
    return Model.from_json(json.loads(path.read_text(encoding="utf-8")))


def fit(
    values: np.ndarray, labels: np.ndarray, weight: np.ndarray, l2: float = 1.0, iterations: int = 50
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Weighted logistic regression by Newton's method on standardized signals, with an L2 penalty on
    the weights (not the bias): (mean, scale, weights, bias). Deterministic: the same data give the
    same weights."""
    mean = values.mean(axis=0)
    scale = values.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = np.hstack([np.ones((len(values), 1)), (values - mean) / scale])
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (weight * (p - labels)) + penalty * beta
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return mean, scale, beta[1:], float(beta[0])
