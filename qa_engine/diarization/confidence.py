"""How much to trust the split into two voices, as a probability that the roles are right.

The text evidence in ``roles.assign_roles`` (brand, work number, who spoke first) says which of the
two labels is the agent; it cannot tell whether the labels themselves follow the voices. On the
same-gender dev mixes, a wrong voice split still got 0.99 from the text (the greeting lands in
one cluster either way). So the reported role confidence is the smaller of the text confidence and
``voice_confidence`` of the clustering's separation.

Calibration (benchmarks/diarization.py --dev: 64 mono mixes of the dev calls, 27 of them
female–female, and the 12 demo calls, GE2E): every call whose voices were mixed up (speaker
confusion above 5 % of the speech) had separation ≤ 0.10, and all calls with separation ≥ 0.13 were
right. A logistic through 0.6 at 0.12 keeps the mixed-up calls at ≤ 0.36, at the price of flagging
some right calls whose voices are close (separation 0.07–0.11). It was fitted on those same calls:
more mono calls with truth should re-check it. See benchmarks/RESULTS.md.
"""

from __future__ import annotations

import math

SEPARATION_AT_06 = 0.12  # separation that maps to a voice confidence of 0.6
SLOPE = 0.02  # separation units per e-fold of the odds
UNKNOWN_EMBEDDED = 0.5  # MFCC clustering reports no separation: its split was wrong with 0.99 text confidence


def voice_confidence(separation: float | None, method: str | None) -> float | None:
    """Probability-like trust (0–1) in the voice split; None when the backend is trusted (pyannote)."""
    if separation is None:
        return UNKNOWN_EMBEDDED if method == "mfcc" else None
    centre = SEPARATION_AT_06 - SLOPE * math.log(1.5)  # logistic(centre) = 0.5, logistic(0.12) = 0.6
    return 1.0 / (1.0 + math.exp(-(separation - centre) / SLOPE))


def combined(text_confidence: float, separation: float | None, method: str | None) -> float:
    """The role confidence the call reports: the weaker of the text and the voice evidence."""
    voice = voice_confidence(separation, method)
    return text_confidence if voice is None else min(text_confidence, voice)
