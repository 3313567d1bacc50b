"""How the reader gets meaning without embedding sentences itself: callables its caller passes in."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..models import Evidence

Embed = Callable[[Sequence[str]], np.ndarray]
"""Unit vectors, one row per text (the reader embeds single words with it, never sentences)."""
Rescore = Callable[[str, Sequence[Evidence]], list[Evidence]]
"""The retrieved sentences scored against another question: a part of the message ("…, and when?").
Retrieval scores them (``retrieve.score_sentences``), with whatever sentence vectors it has."""
