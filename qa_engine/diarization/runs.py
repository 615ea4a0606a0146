"""Label sequences (one label per 10 ms frame) cleaned of runs too short to be a speaker turn."""

from __future__ import annotations

import numpy as np


def min_runs(labels: np.ndarray, min_len: int) -> np.ndarray:
    """Merge runs shorter than ``min_len`` into their longer neighbour (shortest first)."""
    labels = labels.copy()
    while True:
        change = np.flatnonzero(np.diff(labels)) + 1
        bounds = [0, *change, len(labels)]
        runs = [(s, e) for s, e in zip(bounds, bounds[1:])]
        if len(runs) < 2:
            return labels
        i = min(range(len(runs)), key=lambda r: runs[r][1] - runs[r][0])
        s, e = runs[i]
        if e - s >= min_len:
            return labels
        neighbour = runs[i - 1] if i > 0 and (i == len(runs) - 1 or runs[i - 1][1] - runs[i - 1][0] >= runs[i + 1][1] - runs[i + 1][0]) else runs[i + 1]
        labels[s:e] = labels[neighbour[0]]
