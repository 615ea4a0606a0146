"""Recordings with stretches replaced by a 1 kHz tone: the audio a role without PII_READ hears.

The spans come from ``qa_engine.pii.time_spans`` (where a phone, ID-card or card number is spoken).
Outside the spans the samples are those of the recording, at its own rate and channel count.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf

from qa_engine.audio import check_decode_memory, decode_audio
from qa_engine.config import Settings

TONE_HZ = 1000.0
LEVEL = 0.3  # about -10 dBFS: clearly a bleep, not painful in headphones
_WAV_SUBTYPES = {"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "ULAW", "ALAW"}


def bleep(samples: np.ndarray, rate: int, spans: Sequence[tuple[float, float]]) -> np.ndarray:
    """A copy of ``samples`` (frames, channels) with each (start, end) span in seconds replaced by the tone."""
    out = np.array(samples, dtype=np.float32, copy=True)
    for start, end in spans:
        i, j = max(0, int(start * rate)), min(len(out), int(np.ceil(end * rate)))
        if j > i:
            t = np.arange(i, j) / rate
            out[i:j] = (LEVEL * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)[:, None]
    return out


def bleeped_wav(path: Path, spans: Sequence[tuple[float, float]], settings: Settings) -> bytes:
    """The recording at ``path`` as WAV bytes with ``spans`` bleeped. A WAV keeps its sample format
    (so untouched samples are bit-identical); other formats are decoded (M4A through FFmpeg at 16 kHz)."""
    try:
        info = sf.info(str(path))
        check_decode_memory(path, info.frames * info.channels, settings)
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
        subtype = info.subtype if info.format == "WAV" and info.subtype in _WAV_SUBTYPES else "PCM_16"
    except RuntimeError:  # libsndfile cannot read it (soundfile.LibsndfileError)
        decoded = decode_audio(path, settings)
        samples, rate, subtype = decoded.samples.T, decoded.sample_rate, "PCM_16"
    buffer = io.BytesIO()
    sf.write(buffer, bleep(samples, rate, spans), rate, format="WAV", subtype=subtype)
    return buffer.getvalue()
