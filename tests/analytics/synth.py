"""Generated calls with known truth: tones, music, noise and real Mandarin clips placed at set times.

The speech comes from the three tiny Mandarin clips shipped by ``pytest-audioeval`` (trimmed to
their voiced extent so a placed turn's start and end are the truth).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

SR = 16000


@lru_cache
def mandarin_clips() -> tuple[np.ndarray, ...]:
    """The three clips (你好世界, 一二三…, 天地玄黄…) at 16 kHz, trimmed, normalised to -20 dBFS RMS."""
    import pytest

    audioeval = pytest.importorskip("pytest_audioeval", reason="speech fixtures need the pytest-audioeval package (test extra)")
    import soundfile as sf

    folder = Path(list(audioeval.__path__)[0]) / "samples" / "audio" / "zh"
    clips = []
    for name in ("nihao_shijie", "jishu", "pangrama"):
        x, rate = sf.read(folder / f"{name}.wav", dtype="float32")
        assert rate == SR
        clips.append(_normalise(_trim(x), -20.0))
    return tuple(clips)


def _trim(x: np.ndarray, top_db: float = 30.0) -> np.ndarray:
    frame = 160
    n = x.size // frame
    db = 10 * np.log10(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(db >= db.max() - top_db)
    return x[loud[0] * frame : (loud[-1] + 1) * frame]


def _normalise(x: np.ndarray, dbfs: float) -> np.ndarray:
    return (x * (10 ** (dbfs / 20) / np.sqrt(np.mean(x**2)))).astype(np.float32)


def speech(seconds: float, seed: int = 0, dbfs: float = -20.0) -> np.ndarray:
    """Continuous Mandarin speech of exactly ``seconds``: clips joined with 0.15 s pauses."""
    clips = mandarin_clips()
    rng = np.random.default_rng(seed)
    parts, n = [], 0
    target = int(seconds * SR)
    while n < target:
        clip = clips[rng.integers(len(clips))]
        parts += [clip, np.zeros(int(0.15 * SR), np.float32)]
        n += clip.size + int(0.15 * SR)
    x = np.concatenate(parts)[:target]
    # End on voice, not on a pause, so the turn's end is the truth.
    fade = min(int(0.02 * SR), x.size)
    x[-fade:] *= np.linspace(1, 0, fade)
    return _normalise(x, dbfs) if np.any(x) else x


def tone(freqs: tuple[float, ...], seconds: float, dbfs: float = -15.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    x = sum(np.sin(2 * np.pi * f * t) for f in freqs)
    ramp = np.minimum(1, np.minimum(t, t[::-1]) / 0.005)
    return _normalise(x * ramp, dbfs)


def music(seconds: float, dbfs: float = -22.0, seed: int = 1) -> np.ndarray:
    """A simple two-voice melody of harmonic notes (0.3-0.6 s each) with soft attacks."""
    rng = np.random.default_rng(seed)
    scale = 220.0 * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12]) / 12)
    out = np.zeros(int(seconds * SR), np.float32)
    pos = 0
    while pos < out.size:
        n = int(rng.uniform(0.3, 0.6) * SR)
        t = np.arange(n) / SR
        env = np.minimum(1, t / 0.03) * np.exp(-t * 1.5)
        note = np.zeros(n)
        for f0 in (rng.choice(scale), rng.choice(scale) / 2):
            note += sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
        seg = (note * env)[: out.size - pos]
        out[pos : pos + seg.size] = seg
        pos += n
    return _normalise(out, dbfs)


def fade(x: np.ndarray, fade_in_s: float, fade_out_s: float, depth_db: float) -> np.ndarray:
    """``x`` with its level rising over ``fade_in_s`` from ``depth_db`` below its own (linearly in
    dB, as a mixing desk fades) and falling the same way over its last ``fade_out_s``."""
    y = x.copy()
    a, b = int(fade_in_s * SR), int(fade_out_s * SR)
    y[:a] *= (10 ** (np.linspace(-depth_db, 0, a) / 20)).astype(np.float32)
    if b:
        y[-b:] *= (10 ** (np.linspace(0, -depth_db, b) / 20)).astype(np.float32)
    return y


class Call:
    """A two-channel call assembled event by event; ``truth`` records what was placed where."""

    def __init__(self, seconds: float, noise_dbfs: float = -60.0, seed: int = 0):
        rng = np.random.default_rng(seed)
        n = int(seconds * SR)
        self.channels = {r: (rng.standard_normal(n) * 10 ** (noise_dbfs / 20)).astype(np.float32) for r in ("agent", "customer")}
        self.truth: dict[str, list[tuple[float, float]]] = {"agent": [], "customer": []}
        self._seed = seed

    def put(self, role: str, start: float, x: np.ndarray) -> tuple[float, float]:
        a = int(round(start * SR))
        b = min(a + x.size, self.channels[role].size)
        self.channels[role][a:b] += x[: b - a]
        return start, b / SR

    def say(self, role: str, start: float, seconds: float, dbfs: float = -20.0) -> None:
        self._seed += 1
        self.truth[role].append(self.put(role, start, speech(seconds, self._seed, dbfs)))

    def ringback(self, role: str, start: float, count: int, on: float = 1.0, off: float = 4.0, freqs=(450.0,)) -> None:
        for i in range(count):
            self.put(role, start + i * (on + off), tone(freqs, on))

    def busy(self, role: str, start: float, count: int, on: float = 0.35, off: float = 0.35, freqs=(450.0,)) -> None:
        for i in range(count):
            self.put(role, start + i * (on + off), tone(freqs, on))

    def music(self, role: str, start: float, seconds: float) -> None:
        self.put(role, start, music(seconds))

    def mono(self):
        """The two channels summed: the same call recorded on one channel."""
        from qa_engine.types import RoleAudio

        return RoleAudio(sample_rate=SR, mono=self.channels["agent"] + self.channels["customer"])

    def roles(self):
        from qa_engine.types import RoleAudio

        return RoleAudio(sample_rate=SR, agent=self.channels["agent"], customer=self.channels["customer"])
