"""A vacancy read for its occupation: its first line, when short, is its title, and the title's
scores count beside those of the whole text (``Weights.title``)."""

from __future__ import annotations

import re

import numpy as np

from skillmatch.matching.settings import Weights

_TITLE_MAX_CHARS = 120


def blend_title(whole: np.ndarray, title: np.ndarray, weights: Weights) -> np.ndarray:
    """A vacancy's scores: its whole text's, with ``weights.title`` of them from its title alone."""
    return (1 - weights.title) * whole + weights.title * title


def vacancy_title(text: str) -> str | None:
    """The first line of a multi-line vacancy, when it is short enough to be its title."""
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    if len(lines) > 1 and len(lines[0]) <= _TITLE_MAX_CHARS:
        return lines[0]
    return None
