"""Cross-validation of the reader's fit (``reading/calibrate.py``): how fits are chosen, so it must tell a
signal from noise."""

from __future__ import annotations

import numpy as np

from assistant.reading.calibrate import Rows, calibrate, cross_validate, right
from assistant.reading.features import FEATURES

SIMILARITY = FEATURES.index("similarity")


def _rows(informative: bool, questions: int = 120, seed: int = 0) -> Rows:
    """Three candidates per question, one question in three unanswerable, two eval sets. The right
    candidate of an answerable question stands out by its similarity when ``informative``; otherwise
    every similarity is noise."""
    rng = np.random.default_rng(seed)
    refuse = np.arange(questions) % 3 == 0
    values = rng.normal(0.0, 1.0, (questions * 3, len(FEATURES)))
    labels = np.zeros(questions * 3)
    for q in np.flatnonzero(~refuse):
        labels[3 * q + rng.integers(3)] = 1.0
    if informative:
        values[:, SIMILARITY] = rng.normal(0.0, 0.3, questions * 3) + 3.0 * labels
    return Rows(
        values=values,
        labels=labels,
        group=np.repeat(np.arange(questions), 3),
        refuse=refuse,
        gated=np.zeros(questions, dtype=bool),
        source=np.arange(questions) % 2,
        made=np.zeros(questions, dtype=bool),
    )


def test_a_question_subset_keeps_its_rows_renumbered() -> None:
    rows = _rows(informative=True, questions=9)
    keep = np.array([True, False, True, False, False, False, False, False, True])
    subset = rows.questions(keep)
    assert list(subset.group) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert np.array_equal(subset.values, rows.values[np.isin(rows.group, [0, 2, 8])])
    assert list(subset.refuse) == list(rows.refuse[keep]) and list(subset.source) == list(rows.source[keep])


def test_right_scores_questions_as_the_fit_does() -> None:
    rows = _rows(informative=True)
    model, accuracy = calibrate(rows, "")
    assert np.isclose(np.average(right(model, rows), weights=rows.question_weights()), accuracy)


def test_cross_validation_tells_a_signal_from_noise() -> None:
    signal = cross_validate(_rows(informative=True))
    noise = cross_validate(_rows(informative=False))
    assert signal.folds > 0.9 and min(signal.left_out) > 0.9
    assert noise.folds < 0.7
    assert len(signal.per_set) == len(signal.left_out) == 2 and signal.spread >= 0.0
    assert cross_validate(_rows(informative=True)) == signal  # fixed seeds: the same numbers again
