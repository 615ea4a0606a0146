"""Voice measures per speaker over their speech only: level, peaks, clipping and pitch."""

from __future__ import annotations

import numpy as np

from qa_engine.analytics.params import AnalyticsParams
from qa_engine.types import Span

SR = 16000


def speech_samples(samples: np.ndarray, spans: list[Span], max_s: float | None = None) -> np.ndarray:
    """The samples inside ``spans`` concatenated (at most ``max_s`` seconds of them)."""
    parts, budget = [], samples.size if max_s is None else int(max_s * SR)
    for s in spans:
        if budget <= 0:
            break
        a, b = int(s.start * SR), min(int(s.end * SR), samples.size)
        b = min(b, a + budget)
        if b > a:
            parts.append(samples[a:b])
            budget -= b - a
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def _dbfs(value: float) -> float | None:
    return round(20 * float(np.log10(value)), 2) if value > 0 else None


def voice_metrics(samples: np.ndarray, spans: list[Span], params: AnalyticsParams) -> dict:
    """level_dbfs (RMS of active speech), peak_dbfs, clipping_ratio, pitch median and range."""
    x = speech_samples(samples, spans)
    if x.size == 0:
        return {}
    out = {
        "level_dbfs": _dbfs(float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))),
        "peak_dbfs": _dbfs(float(np.max(np.abs(x)))),
        "clipping_ratio": round(float(np.mean(np.abs(x) >= params.clip_level)), 6),
    }
    out.update(_pitch(speech_samples(samples, spans, params.pitch_max_speech_s), params))
    return out


def _pitch(x: np.ndarray, params: AnalyticsParams) -> dict:
    """Median F0 and its 5-95 % range in semitones, with YIN on the louder (voiced) frames."""
    import librosa

    if x.size < 2048:
        return {}
    x8 = x[::2]  # speech F0 and its first harmonics sit far below 4 kHz: halve the work
    frame = 512  # 64 ms at 8 kHz: two periods of 65 Hz
    f0 = librosa.yin(x8, fmin=params.pitch_fmin_hz, fmax=params.pitch_fmax_hz, sr=SR // 2, frame_length=frame, hop_length=160, center=False)
    rms = librosa.feature.rms(y=x8, frame_length=frame, hop_length=160, center=False)[0][: f0.size]
    f0 = f0[: rms.size]
    voiced = (rms >= np.percentile(rms, 40)) & (f0 > params.pitch_fmin_hz * 1.05) & (f0 < params.pitch_fmax_hz * 0.95)
    if voiced.sum() < 10:
        return {}
    f = f0[voiced]
    lo, hi = np.percentile(f, [5, 95])
    return {"pitch_median_hz": round(float(np.median(f)), 1), "pitch_range_semitones": round(float(12 * np.log2(hi / lo)), 2)}
