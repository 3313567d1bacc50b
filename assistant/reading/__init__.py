"""The offline reader: answer a question from retrieved sentences, or refuse, by calibrated evidence.

``Reader(min_relevance).read(question, evidence, passages, embed, rescore) -> Reading``. See
``reader.py`` for the flow, ``question.py`` for question analysis, ``features.py`` for the signals,
``spans.py`` for short answers, ``rules.py`` for the first reader's checks (one signal now),
``model.py`` for the fitted model, ``calibrate.py`` for the fit and ``explain.py`` for the reasons.
"""

from .model import Model
from .question import Question, analyze, parts
from .reader import Candidate, PartReading, Reader, Reading
from .vectors import Embed, Rescore

__all__ = [
    "Candidate",
    "Embed",
    "Model",
    "PartReading",
    "Question",
    "Reader",
    "Reading",
    "Rescore",
    "analyze",
    "parts",
]
