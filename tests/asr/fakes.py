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
    consumed: int = 0

    def transcribe(self, audio, **kwargs):
        self.calls.append(kwargs)
        self.audio.append(np.array(audio, copy=True))

        def gen():
            for s in self.segments:
                self.consumed += 1
                yield s

        return gen(), None
