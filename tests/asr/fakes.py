"""A stand-in for faster-whisper's WhisperModel: returns scripted segments, records its calls."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FakeWord:
    start: float
    end: float
    word: str
    probability: float = 0.9


@dataclass
class FakeSegment:
    start: float
    end: float
    text: str
    words: list[FakeWord] | None = None
    avg_logprob: float = -0.3
    no_speech_prob: float = 0.05
    compression_ratio: float = 1.2


def seg(start: float, text: str, *, per_char: float = 0.25, prob: float = 0.9, **stats) -> FakeSegment:
    """A segment whose words are its characters, ``per_char`` seconds each from ``start``."""
    words = [FakeWord(start + i * per_char, start + (i + 1) * per_char, ch, prob) for i, ch in enumerate(text)]
    return FakeSegment(start, start + len(text) * per_char, text, words, **stats)


@dataclass
class FakeModel:
    segments: list[FakeSegment] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)
    audio: list[np.ndarray] = field(default_factory=list)

    def transcribe(self, audio, **kwargs):
        self.calls.append(kwargs)
        self.audio.append(np.array(audio, copy=True))
        return iter(self.segments), None


def sound_bursts(audio: np.ndarray, *, sample_rate: int = 16000, bridge_s: float = 0.5,
                 below_peak_db: float = 30.0) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of sound in ``audio``: 20 ms frames within
    ``below_peak_db`` of the loudest, gaps shorter than ``bridge_s`` bridged."""
    hop = sample_rate // 50
    n = audio.size // hop
    if n == 0:
        return []
    db = 10 * np.log10(np.mean(np.square(audio[: n * hop].reshape(n, hop), dtype=np.float64), axis=1) + 1e-12)
    loud = np.flatnonzero(db >= db.max() - below_peak_db)
    bursts: list[list[int]] = []
    for i in loud:
        if bursts and (i - bursts[-1][1]) * hop / sample_rate < bridge_s:
            bursts[-1][1] = i + 1
        else:
            bursts.append([i, i + 1])
    return [(a * hop / sample_rate, b * hop / sample_rate) for a, b in bursts]


@dataclass
class ScriptedModel:
    """A stand-in that hears where the speech is: the n-th ``transcribe`` call says ``scripts[n]``,
    one text per stretch of sound in the audio it is given, its characters spread over that
    stretch. The pipeline transcribes a stereo call's agent channel, then the customer's, so the
    scripts are [agent's texts, customer's texts]. A count of stretches that does not match the
    script (or a call beyond the scripts, such as a retry) raises: the test then says why."""

    scripts: list[list[str]]
    calls: list[dict] = field(default_factory=list)

    def transcribe(self, audio, **kwargs):
        self.calls.append(kwargs)
        n = len(self.calls) - 1
        texts = self.scripts[n] if n < len(self.scripts) else []
        bursts = sound_bursts(np.asarray(audio, dtype=np.float32))
        if len(bursts) != len(texts):
            raise AssertionError(f"transcribe call {n}: {len(bursts)} stretches of sound {bursts}, script has {len(texts)}")
        return iter([seg(a, text, per_char=(b - a) / len(text)) for text, (a, b) in zip(texts, bursts)]), None
