"""Small generated voices: a glottal pulse train through vowel formants, syllable by syllable."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

SR = 16000


def _resonator(f: float, bw: float) -> tuple[np.ndarray, np.ndarray]:
    r = np.exp(-np.pi * bw / SR)
    return np.array([1 - r]), np.array([1, -2 * r * np.cos(2 * np.pi * f / SR), r * r])


def voice(duration: float, f0: float, formants: tuple[float, ...], seed: int) -> np.ndarray:
    """A vowel-like 'speaker': pitch f0 with tone-like contours, fixed vocal-tract formants."""
    rng = np.random.default_rng(seed)
    n = int(duration * SR)
    t = np.arange(n) / SR
    contour = f0 * (1 + 0.12 * np.sin(2 * np.pi * 1.7 * t + rng.uniform(0, 6)))
    phase = np.cumsum(contour / SR)
    pulses = (np.diff(np.floor(phase), prepend=0) > 0).astype(float)
    y = pulses + 0.02 * rng.normal(size=n)
    for f in formants:
        b, a = _resonator(f, 90)
        y = lfilter(b, a, y)
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6)) ** 2  # ~4 syllables/s
    y = y * envelope
    return (0.3 * y / np.max(np.abs(y))).astype(np.float32)


@pytest.fixture(scope="session")
def two_voice_call():
    """(signal, reference turns as (start, end, 'A'|'B')) — alternating turns with short pauses."""
    durations = [3.0, 2.5, 4.0, 2.0, 3.5, 3.0, 2.5, 3.0]
    parts, turns, cursor = [], [], 0.3
    parts.append(np.zeros(int(cursor * SR), np.float32))
    for i, d in enumerate(durations):
        spk = "A" if i % 2 == 0 else "B"
        y = voice(d, 120.0, (700, 1200, 2500), seed=i) if spk == "A" else voice(d, 230.0, (850, 1900, 3000), seed=i)
        parts += [y, np.zeros(int(0.4 * SR), np.float32)]
        turns.append((cursor, cursor + d, spk))
        cursor += d + 0.4
    return np.concatenate(parts), turns
