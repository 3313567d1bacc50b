"""The offline reader: answer a question from retrieved sentences, or refuse, by calibrated evidence.

``Reader().read(question, evidence, passages, embed) -> Reading``. See ``reader.py`` for the flow,
``features.py`` for the signals, ``model.py`` for the fitted model and ``calibrate.py`` for the fit.
"""

from .model import Model
from .question import Question, analyze, is_follow_up, parts
from .reader import Candidate, Embed, PartReading, Reader, Reading

__all__ = [
    "Candidate",
    "Embed",
    "Model",
    "PartReading",
    "Question",
    "Reader",
    "Reading",
    "analyze",
    "is_follow_up",
    "parts",
]
