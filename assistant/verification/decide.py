"""The middle ground: a claim no rule rejects, but worded too freely for the rules to call it
supported. A logistic regression over the rules' signals gives the probability that the cited text
says it; above ``accept`` the claim is supported, below it undecided (a model may judge it).

The weights live in ``weights.json`` beside this module, fitted on evals/claims/article.yaml and
rhine.yaml by ``python -m assistant.evaluation.claims --fit`` (evals/claims/plaintext.yaml is held out).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .rules import Assessment

WEIGHTS = Path(__file__).with_name("weights.json")
FEATURES = (
    "closeness",  # cosine of the claim to the source text it covers
    "novel_share",  # share of its words the source does not use, even as a near synonym
    "novel",  # how many such words
    "novel_verbs",  # of those, verbs that say what happens
    "misplaced",  # a name or number whose claim neighbours stand far from it in the source
    "synonyms",  # words matched by a near synonym only
    "merged",  # two or more sentences together
    "short",  # five words or fewer
    "subject_differs",  # the source names another doer right before the shared verb
    "unlike",  # novel words that no source word is even loosely like
)


def features(found: Assessment, closeness: float) -> dict[str, float]:
    return {
        "closeness": closeness,
        "novel_share": found.novel_share,
        "novel": float(min(len(found.novel), 5)),
        "novel_verbs": float(len(found.novel_verbs)),
        "misplaced": float(bool(found.doubts)),
        "synonyms": float(len(found.synonyms)),
        "merged": float(found.merged),
        "short": float(found.words <= 5),
        "subject_differs": float(found.subject_differs),
        "unlike": float(min(found.unlike, 3)),
    }


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float
    accept: float  # probability above which a claim is supported

    def probability(self, values: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in values.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> str:
        return (
            json.dumps({"weights": self.weights, "bias": self.bias, "accept": self.accept}, indent=2) + "\n"
        )


@cache
def model() -> Model:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    return Model(weights=data["weights"], bias=data["bias"], accept=data["accept"])
