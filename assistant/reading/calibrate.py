"""Fit the reader's model on eval sets and write ``weights.json``.

    python -m assistant.reading.calibrate --set evals/dev.yaml --set evals/squad/rhine.json \\
        --paragraphs 1-22 --set evals/plaintext-dev.yaml --set evals/plaintext-cal.yaml \\
        --features evals/calibration/dev-rows.npz
    python -m assistant.reading.calibrate --from-features evals/calibration/dev-rows.npz   # seconds
    python -m assistant.reading.calibrate --from-features evals/calibration/dev-rows.npz --cv

Development data only: the held-out sets (Rhine paragraphs 23-44, plaintext-test, mixed, injection)
are never measured here. ``--paragraphs`` applies to the SQuAD set.

Every question is retrieved exactly as ``Assistant`` does it; each candidate sentence the reader weighs
becomes one row of signals, labelled 1 when answering with it would be graded correct (it contains a
gold answer and nothing the case forbids) and 0 otherwise (every candidate of an unanswerable question
is 0). The ranker and then the decider (``model.py``) are fitted on the rows, then the one threshold is
the probability around which the most questions come out right (``PLATEAU``): answerable ones
answered with a right sentence, unanswerable ones refused. Each eval set weighs as the square root of
its size.

``--made N`` also measures N unanswerable questions made from each answerable one by SQuAD 2.0's own
recipe (``synthetic.py``: another name or number, an antonym, a negation, the roles swapped); they
weigh ``--made-weight`` each in the decider's fit, never in the ranker's or the threshold's.

``--cv`` also prints how the fit does on questions it was not fitted on (``cross_validate``): 4 × 5-fold
cross-validation over the questions, with its spread between fold draws, and leave-one-set-out. Choose
between fits (signals, weights, penalties) by these, never by held-out sets; a difference smaller than
the spread is noise.

``--features`` caches the measured rows; ``--from-features`` fits from such a cache without an index
(seconds), which is how the tests check that the committed weights are reproducible.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..evaluation.dataset import Dataset, Expectation
from ..evaluation.sets import load_dataset
from ..evaluation.squad import parse_range
from ..models import Turn
from ..retrieve import score_sentences
from .features import FEATURES
from .model import CONTEXT, DECIDED, WEIGHTS, Logistic, Model, decider_values
from .question import analyze, parts
from .reader import weigh
from .synthetic import negatives

L2 = 10.0
"""Ridge penalty on standardized weights. Chosen by 5-fold cross-validation and leave-one-set-out on the
calibration sets (accuracy 0.638 / 0.601 at 1, 0.645 / 0.610 at 3, 0.651 / 0.615 at 10, 0.650 / 0.615 at
20, 0.630 / 0.603 at 40): with 36 correlated signals and a few hundred questions, a firmer pull toward
zero generalizes better."""
STEP = 0.005
THRESHOLDS = np.round(np.arange(0.0, 1.0 + STEP / 2, STEP), 4)
PLATEAU = 0.05
"""The threshold is the one whose neighbourhood (± PLATEAU) gets the most questions right on average, not
the single best: on a few hundred questions the best single value is a spike of noise at the edge of
a plateau (0.25 where 0.25-0.35 are all near the top); 5-fold cross-validation on the calibration sets
scores both the same, and the plateau's middle refuses more, which costs less than a wrong answer."""
MADE_WEIGHT = 0.0
"""A made unanswerable question's weight against a real one of its set (``synthetic.py``, ``--made``).
0: 5-fold cross-validation on the calibration sets found no gain from them (see the README)."""
_ARRAYS = ("values", "labels", "group", "refuse", "gated", "source", "made")


@dataclass(frozen=True)
class Rows:
    """Measured candidates of many questions: ``values`` (rows × features), ``labels`` (1: answering
    with this sentence is right), ``group`` (question number of each row), and per question whether it
    must be refused and whether the evidence gate refused it before the reader ran."""

    values: np.ndarray
    labels: np.ndarray
    group: np.ndarray
    refuse: np.ndarray
    gated: np.ndarray
    source: np.ndarray
    """Per question: which eval set it came from (0, 1, …)."""
    made: np.ndarray
    """Per question: an unanswerable question made from an answerable one (``synthetic.py``)."""

    def question_weights(self, made_weight: float = 0.0) -> np.ndarray:
        """Per question: 1 / sqrt(its set's size), scaled to a mean of 1 over the real questions: a set
        weighs as the square root of its size, so a small set counts (24 plain-text questions against
        294 Rhine ones) without each of its questions counting twelve times one of the others (which
        fits the small set's noise: 5-fold cross-validation on the calibration sets, 0.55 → 0.58 mean
        accuracy). A made question weighs ``made_weight`` times a real one of its set."""
        sizes = np.bincount(self.source, weights=~self.made)
        weight = 1.0 / np.sqrt(np.maximum(sizes[self.source], 1.0))
        weight = weight / weight[~self.made].mean()
        return np.where(self.made, made_weight * weight, weight)

    def joined(self, other: Rows) -> Rows:
        """These rows and ``other``'s, its questions numbered after these."""
        offset = len(self.refuse)
        return Rows(
            np.vstack([self.values, other.values]),
            np.concatenate([self.labels, other.labels]),
            np.concatenate([self.group, other.group + offset]),
            *(
                np.concatenate([getattr(self, n), getattr(other, n)])
                for n in ("refuse", "gated", "source", "made")
            ),
        )

    def questions(self, keep: np.ndarray) -> Rows:
        """The rows of the questions where ``keep`` (one bool per question) is true, renumbered."""
        number = np.cumsum(keep) - 1
        rows = keep[self.group]
        return Rows(
            self.values[rows],
            self.labels[rows],
            number[self.group[rows]],
            *(getattr(self, n)[keep] for n in ("refuse", "gated", "source", "made")),
        )

    def save(self, path: Path, fitted_on: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        np.savez_compressed(path, features=np.array(FEATURES), fitted_on=np.array(fitted_on), **arrays)

    @classmethod
    def load(cls, path: Path) -> tuple[Rows, str]:
        """The rows, and a description of the data they were measured on."""
        data = np.load(path)
        if tuple(data["features"]) != FEATURES:
            raise SystemExit(f"{path}: measured with other features; measure again (without --from-features)")
        made = data["made"] if "made" in data else np.zeros(len(data["refuse"]), dtype=bool)
        arrays = {name: data[name] for name in _ARRAYS[:-1]}
        return cls(**arrays, made=made.astype(bool)), str(data["fitted_on"])


def measure_sets(datasets: list[Dataset]) -> Rows:
    """Ask every question of the sets through retrieval (follow-ups made standalone, as in a
    conversation) and measure the reader's candidates."""
    from ..core import Assistant
    from ..evaluation.runner import _slug
    from ..settings import load_settings

    values: list[np.ndarray] = []
    labels: list[float] = []
    group: list[int] = []
    refuse: list[bool] = []
    gated: list[bool] = []
    source: list[int] = []
    for number_of_set, dataset in enumerate(datasets):
        settings = load_settings(corpus=[dataset.corpus], collection=f"eval-{_slug(dataset.name)}")
        assistant = Assistant(settings)
        assistant.ensure_ready()
        for case in dataset.cases:
            history: list[Turn] = []
            for expect in case.turns:  # a follow-up is read as the pipeline reads it: made standalone
                standalone, _ = assistant.backend.condense(history, expect.question)
                history.append(Turn(question=standalone, answer=""))
                passages = assistant.retriever.search(standalone)
                evidence = assistant.retriever.evidence(standalone, passages)
                number = len(refuse)
                refuse.append(expect.refuse)
                source.append(number_of_set)
                gated.append(not evidence or evidence[0].relevance < settings.min_relevance)
                asked = parts(standalone)
                if gated[-1] or len(asked) != 1:
                    continue
                question = analyze(asked[0])
                if asked[0] != standalone:
                    evidence = score_sentences(question.full, evidence, assistant.embedder)
                for weighed in weigh(
                    question, evidence, passages, assistant.embedder.embed, settings.min_relevance
                ):
                    values.append(weighed.measured.values)
                    labels.append(float(_right(expect, weighed.evidence.text)))
                    group.append(number)
    return Rows(
        values=np.vstack(values),
        labels=np.asarray(labels),
        group=np.asarray(group),
        refuse=np.asarray(refuse),
        gated=np.asarray(gated),
        source=np.asarray(source),
        made=np.zeros(len(refuse), dtype=bool),
    )


def _right(expect: Expectation, sentence: str) -> bool:
    """Does this sentence carry (part of) the right answer: a gold answer, or one of the facts?"""
    if expect.refuse or any(re.search(p, sentence) for p in expect.forbid):
        return False
    return any(re.search(p, sentence) for p in [*expect.facts, *expect.one_of])


def calibrate(rows: Rows, fitted_on: str, made_weight: float = 0.0) -> tuple[Model, float]:
    """The fitted model and the share of the real questions it gets right at its threshold (each eval
    set weighing as the square root of its size).

    The ranker is fitted on every candidate of the real questions; the decider on the ranker's best
    ``DECIDED`` of each question, which are the only ones it is asked about, made questions weighing
    ``made_weight``; the threshold is the decider probability around which the most real questions come
    out right (``PLATEAU``)."""
    question_weight = rows.question_weights(made_weight)
    real = rows.question_weights(0.0)
    ranker = Logistic.fitted(FEATURES, rows.values, rows.labels, real[rows.group], L2)
    top = _decided(rows, ranker)
    decided = [i for g in range(len(rows.refuse)) for i, _ in top[g]]
    values = np.vstack([row for g in range(len(rows.refuse)) for _, row in top[g]])
    decider = Logistic.fitted(
        FEATURES + CONTEXT, values, rows.labels[decided], question_weight[rows.group[decided]], L2
    )
    answers = _answers(rows, top, decider)
    accuracy = np.array([_accuracy(answers, rows, real, t) for t in THRESHOLDS])
    reach = round(PLATEAU / STEP)
    smoothed = [accuracy[max(0, i - reach) : i + reach + 1].mean() for i in range(len(THRESHOLDS))]
    best = int(np.argmax(smoothed))
    return Model(ranker, decider, float(THRESHOLDS[best]), fitted_on), float(accuracy[best])


def right(model: Model, rows: Rows) -> np.ndarray:
    """Per question: does ``model`` get it right, deciding as the reader does (the ranker's best
    ``DECIDED`` answer when at or above the threshold; a gated question is refused)."""
    return _correct(_answers(rows, _decided(rows, model.ranker), model.decider), rows, model.threshold)


@dataclass(frozen=True)
class CrossValidation:
    """A fit's accuracy on questions it was not fitted on, each set weighing as in the fit."""

    folds: float
    """``REPEATS`` × ``FOLDS``-fold cross-validation over the questions: the mean weighted accuracy."""
    spread: float
    """Standard deviation of that accuracy between the repeats (other fold draws): how far two fits
    must differ before the difference means something (0.009 on the committed rows: the mean of
    four draws moves by about half that)."""
    per_set: tuple[float, ...]
    """Each eval set's cross-validated share of questions right."""
    left_out: tuple[float, ...]
    """Each set's share right when the fit saw only the other sets: the closer model of new text."""

    def __str__(self) -> str:
        return (
            f"{REPEATS}x{FOLDS}-fold cross-validation {self.folds:.4f} (± {self.spread:.4f} between fold "
            f"draws; per set {_listed(self.per_set)}), leave-one-set-out "
            f"{np.mean(self.left_out):.4f} (per set {_listed(self.left_out)})"
        )


def _listed(values: tuple[float, ...]) -> str:
    return " ".join(f"{v:.3f}" for v in values)


FOLDS = 5
REPEATS = 4


def cross_validate(rows: Rows, made_weight: float = 0.0) -> CrossValidation:
    """Fit on part of the questions, score the rest, as ``calibrate`` fits (sets weighed by the square
    root of their size): ``REPEATS`` × ``FOLDS``-fold over the questions, and leave-one-set-out.
    Only real questions are scored; made ones stay in every fit. Deterministic (fixed seeds)."""
    real = ~rows.made
    weight = rows.question_weights(0.0)
    hits = np.zeros((REPEATS, len(rows.refuse)))
    for repeat in range(REPEATS):
        fold = np.random.default_rng(repeat).permutation(len(rows.refuse)) % FOLDS
        for k in range(FOLDS):
            model, _ = calibrate(rows.questions(fold != k), "", made_weight)
            test = (fold == k) & real
            hits[repeat, test] = right(model, rows.questions(test))
    sets = np.unique(rows.source[real])
    mean = hits.mean(axis=0)
    left_out = []
    for s in sets:
        model, _ = calibrate(rows.questions(rows.source != s), "", made_weight)
        left_out.append(float(right(model, rows.questions(real & (rows.source == s))).mean()))
    return CrossValidation(
        folds=float(np.average(mean[real], weights=weight[real])),
        spread=float(np.std([np.average(h[real], weights=weight[real]) for h in hits])),
        per_set=tuple(float(mean[real & (rows.source == s)].mean()) for s in sets),
        left_out=tuple(left_out),
    )


def _decided(rows: Rows, ranker: Logistic) -> list[list[tuple[int, np.ndarray]]]:
    """Per question (none when the evidence gate refused it): its ranker-best ``DECIDED`` candidates,
    as (row number, signals with the decider's context)."""
    found: list[list[tuple[int, np.ndarray]]] = [[] for _ in rows.refuse]
    for g in range(len(rows.refuse)):
        members = np.flatnonzero(rows.group == g)
        if rows.gated[g] or not len(members):
            continue
        values = rows.values[members]
        ranked = ranker.probabilities(values)
        order = np.argsort(-ranked, kind="stable")
        context = decider_values(values, ranked, order)
        found[g] = [(int(members[k]), context[k]) for k in order[:DECIDED]]
    return found


def _answers(
    rows: Rows, top: list[list[tuple[int, np.ndarray]]], decider: Logistic
) -> list[list[tuple[float, bool]]]:
    """Per question: the decider's probability for each of its decided candidates, and whether that
    candidate is a right sentence."""
    answers: list[list[tuple[float, bool]]] = [[] for _ in rows.refuse]
    decided = [i for candidates in top for i, _ in candidates]
    if decided:
        probabilities = decider.probabilities(np.vstack([row for candidates in top for _, row in candidates]))
        for i, p in zip(decided, probabilities, strict=True):
            answers[rows.group[i]].append((float(p), bool(rows.labels[i])))
    return answers


def _accuracy(
    answers: list[list[tuple[float, bool]]], rows: Rows, weight: np.ndarray, threshold: float
) -> float:
    """Questions right when the reader answers with the decided candidates at or above the threshold:
    a refusal for an unanswerable question, a right sentence among them for the others."""
    return float(np.average(_correct(answers, rows, threshold), weights=weight))


def _correct(answers: list[list[tuple[float, bool]]], rows: Rows, threshold: float) -> np.ndarray:
    """Per question: refused when it must be, else answered with a right sentence among those chosen."""
    correct = np.zeros(len(answers), dtype=bool)
    for g, candidates in enumerate(answers):
        chosen = [right for p, right in candidates if p >= threshold]
        correct[g] = not chosen if rows.refuse[g] else any(chosen)
    return correct


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant.reading.calibrate", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--set", dest="sets", action="append", type=Path, default=[], help="an eval set")
    parser.add_argument("--paragraphs", help="SQuAD sets: the questions of paragraphs FIRST-LAST")
    parser.add_argument("--features", type=Path, help="write the measured rows here")
    parser.add_argument("--from-features", type=Path, help="fit from rows measured before; no index needed")
    parser.add_argument("--out", type=Path, default=WEIGHTS, help=f"weights file (default {WEIGHTS.name})")
    parser.add_argument(
        "--made",
        type=int,
        default=0,
        help="also measure N unanswerable questions made from each answerable one",
    )
    parser.add_argument(
        "--made-weight",
        type=float,
        default=MADE_WEIGHT,
        help=f"a made question's weight (default {MADE_WEIGHT})",
    )
    parser.add_argument(
        "--cv",
        action="store_true",
        help="also report cross-validated and leave-one-set-out accuracy: how to choose between fits",
    )
    args = parser.parse_args(argv)
    if args.from_features:
        rows, fitted_on = Rows.load(args.from_features)
    else:
        if not args.sets:
            parser.error("give --set, or --from-features")
        paragraphs = parse_range(args.paragraphs) if args.paragraphs else None
        squad = [path.suffix == ".json" for path in args.sets]
        datasets = [
            load_dataset(path, paragraphs if is_squad else None)
            for path, is_squad in zip(args.sets, squad, strict=True)
        ]
        rows = measure_sets(datasets)
        fitted_on = ", ".join(
            f"{path} paragraphs {args.paragraphs}" if is_squad and args.paragraphs else str(path)
            for path, is_squad in zip(args.sets, squad, strict=True)
        )
        if args.made:
            made = measure_sets([negatives(dataset, args.made) for dataset in datasets])
            rows = rows.joined(replace(made, made=np.ones(len(made.refuse), dtype=bool)))
            fitted_on += f", with {args.made} unanswerable question(s) made from each answerable one"
        if args.features:
            rows.save(args.features, fitted_on)
    model, accuracy = calibrate(rows, fitted_on, args.made_weight)
    args.out.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    print(
        f"{len(rows.refuse)} questions, {len(rows.labels)} candidates: threshold {model.threshold:.4f}, "
        f"{accuracy:.1%} of the questions right (on the data it was fitted on) → {args.out}",
        file=sys.stderr,
    )
    if args.cv:
        print(cross_validate(rows, args.made_weight), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
