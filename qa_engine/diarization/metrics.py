"""Diarization error rate (DER), computed the standard (NIST md-eval) way.

DER = (missed speech + false alarm + speaker confusion) / total reference speech, after mapping
hypothesis labels to reference labels one-to-one so that their overlap is largest (Hungarian
assignment). Regions within ``collar`` seconds of a reference turn boundary are not scored, and
overlapping speech is scored (each reference speaker counts). Evaluated on a 10 ms grid.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from pydantic import BaseModel
from scipy.optimize import linear_sum_assignment

from qa_engine.diarization.types import Turn

STEP_S = 0.01


class DerResult(BaseModel):
    der: float
    missed_s: float
    false_alarm_s: float
    confusion_s: float
    total_s: float
    mapping: dict[str, str]  # hypothesis label -> reference label


def _activity(turns: Iterable[Turn], labels: list[str], n: int) -> np.ndarray:
    act = np.zeros((len(labels), n), dtype=bool)
    index = {label: i for i, label in enumerate(labels)}
    for t in turns:
        a, b = int(round(t.start / STEP_S)), int(round(t.end / STEP_S))
        act[index[t.speaker], max(a, 0) : min(b, n)] = True
    return act


def _uncollared(reference: list[Turn], n: int, collar: float) -> np.ndarray:
    scored = np.ones(n, dtype=bool)
    if collar <= 0:
        return scored
    c = int(round(collar / STEP_S))
    for t in reference:
        for edge in (int(round(t.start / STEP_S)), int(round(t.end / STEP_S))):
            scored[max(edge - c, 0) : min(edge + c, n)] = False
    return scored


def diarization_error_rate(reference: list[Turn], hypothesis: list[Turn], collar: float = 0.25) -> DerResult:
    """DER of ``hypothesis`` against ``reference`` with a forgiveness collar around reference boundaries."""
    end = max([t.end for t in reference] + [t.end for t in hypothesis] + [0.0])
    n = int(np.ceil(end / STEP_S)) + 1
    ref_labels = sorted({t.speaker for t in reference})
    hyp_labels = sorted({t.speaker for t in hypothesis})
    ref = _activity(reference, ref_labels, n)
    hyp = _activity(hypothesis, hyp_labels, n)
    scored = _uncollared(reference, n, collar)
    ref, hyp = ref[:, scored], hyp[:, scored]

    mapping: dict[str, str] = {}
    if ref_labels and hyp_labels:
        overlap = hyp.astype(np.int64) @ ref.T.astype(np.int64)  # (hyp, ref) co-activity in frames
        rows, cols = linear_sum_assignment(-overlap)
        mapping = {hyp_labels[r]: ref_labels[c] for r, c in zip(rows, cols) if overlap[r, c] > 0}

    n_ref = ref.sum(axis=0)
    n_hyp = hyp.sum(axis=0)
    correct = np.zeros_like(n_ref)
    for h, r in mapping.items():
        correct += hyp[hyp_labels.index(h)] & ref[ref_labels.index(r)]
    missed = np.maximum(n_ref - n_hyp, 0).sum() * STEP_S
    false_alarm = np.maximum(n_hyp - n_ref, 0).sum() * STEP_S
    confusion = (np.minimum(n_ref, n_hyp) - correct).sum() * STEP_S
    total = n_ref.sum() * STEP_S
    der = (missed + false_alarm + confusion) / total if total > 0 else (0.0 if false_alarm == 0 else 1.0)
    return DerResult(der=float(der), missed_s=float(missed), false_alarm_s=float(false_alarm),
                     confusion_s=float(confusion), total_s=float(total), mapping=mapping)
