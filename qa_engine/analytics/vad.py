"""Speech activity with the Silero VAD model that faster-whisper ships as ONNX (no torch)."""

from __future__ import annotations

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from qa_engine.types import Span

SAMPLE_RATE = 16000

# Telephone turns are short and close together: keep pauses of 300 ms apart and pad little, so
# silence and overlap boundaries stay within a few hundred milliseconds of the truth.
TELEPHONE_VAD = VadOptions(threshold=0.5, min_speech_duration_ms=150, min_silence_duration_ms=300, speech_pad_ms=60)


def speech_spans(samples: np.ndarray, sample_rate: int = SAMPLE_RATE, options: VadOptions = TELEPHONE_VAD) -> list[Span]:
    """Spans of speech in one 16 kHz mono signal, in seconds."""
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"speech_spans needs {SAMPLE_RATE} Hz audio, got {sample_rate}")
    if samples.size == 0:
        return []
    stamps = get_speech_timestamps(np.ascontiguousarray(samples, dtype=np.float32), options, sampling_rate=sample_rate)
    return [Span(start=s["start"] / sample_rate, end=s["end"] / sample_rate) for s in stamps]
