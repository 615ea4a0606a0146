"""Speech activity for telephone channels: Silero VAD (the ONNX model faster-whisper ships, no torch)
with an energy/voicing rescue and energy-refined boundaries.

Silero is trained on wide-band speech. On 8 kHz, 300–3400 Hz telephone speech it scores some voices
(notably low male voices) between 0.1 and 0.5 for whole words, so a plain 0.5 threshold misses a
large share of their speech (up to a third of a call) and starts turns late. Each 32 ms window of
the signal is therefore speech when

- Silero scores it ≥ ``threshold`` (0.5), or
- Silero scores it ≥ ``RESCUE_PROB`` (0.2) and it is ≥ ``LOUD_OVER_FLOOR_DB`` above the channel's
  noise floor (10th percentile of window levels, never below ``MIN_SPEECH_DBFS``), or
Those seeds are grown (hysteresis) over neighbouring windows that Silero scores ≥ ``neg_threshold``
or that are voiced (normalised autocorrelation ≥ ``VOICING`` at a 65–400 Hz pitch lag) and
≥ ``VOICED_OVER_FLOOR_DB`` above the floor, pauses shorter than ``min_silence_duration_ms`` bridged:
a region is speech when it holds at least one seed, so loud voiced sound that Silero never
confirms (music, hum) does not start speech. Runs shorter than ``min_speech_duration_ms`` are
dropped, and each edge is moved (±``REFINE_S``) to where the 10 ms level crosses the loudness gate
before ``speech_pad_ms`` is added. Tones and hold music are periodic and loud too: the caller removes
them afterwards (``activity.clean_speech``).
"""

from __future__ import annotations

import numpy as np
from faster_whisper.vad import VadOptions, get_vad_model

from qa_engine.types import Span

SAMPLE_RATE = 16000
WINDOW = 512  # Silero's window at 16 kHz (32 ms)

# Telephone turns are short and close together: keep pauses of 300 ms apart and pad little, so
# silence and overlap boundaries stay within a few hundred milliseconds of the truth.
TELEPHONE_VAD = VadOptions(
    threshold=0.5, neg_threshold=0.15, min_speech_duration_ms=150, min_silence_duration_ms=300, speech_pad_ms=60
)
RESCUE_PROB = 0.2  # Silero score from which a loud window counts as speech
LOUD_OVER_FLOOR_DB = 15.0
VOICED_OVER_FLOOR_DB = 25.0  # voiced windows this far above the floor are speech even at a low Silero score
VOICING = 0.5  # normalised autocorrelation peak at a 65-400 Hz pitch lag
MIN_SPEECH_DBFS = -55.0  # the loudness gates never go below this (digitally silent channels)
REFINE_S = 0.2  # how far an edge may move to the level crossing
_LAGS = (SAMPLE_RATE // 400, SAMPLE_RATE // 65)


def speech_probabilities(samples: np.ndarray) -> np.ndarray:
    """Silero speech probability of each 32 ms window of a 16 kHz signal."""
    x = np.ascontiguousarray(samples, dtype=np.float32)
    return np.asarray(get_vad_model()(np.pad(x, (0, WINDOW - x.size % WINDOW))), dtype=np.float32)


def speech_spans(samples: np.ndarray, sample_rate: int = SAMPLE_RATE, options: VadOptions = TELEPHONE_VAD) -> list[Span]:
    """Spans of speech in one 16 kHz mono signal, in seconds."""
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"speech_spans needs {SAMPLE_RATE} Hz audio, got {sample_rate}")
    if samples.size == 0:
        return []
    x = np.ascontiguousarray(samples, dtype=np.float32)
    return spans_from_probabilities(x, speech_probabilities(x), options)


def spans_from_probabilities(x: np.ndarray, probs: np.ndarray, options: VadOptions = TELEPHONE_VAD) -> list[Span]:
    """The decision described in the module docstring, from Silero's window probabilities."""
    n = probs.size
    win = np.pad(x, (0, max(0, n * WINDOW - x.size)))[: n * WINDOW].reshape(n, WINDOW).astype(np.float64)
    db = 10 * np.log10(np.mean(win**2, axis=1) + 1e-12)
    floor = float(np.percentile(db, 10))
    gate = max(floor + LOUD_OVER_FLOOR_DB, MIN_SPEECH_DBFS)
    loud = db >= gate
    neg = options.neg_threshold if options.neg_threshold is not None else max(options.threshold - 0.15, 0.01)

    seed = (probs >= options.threshold) | ((probs >= RESCUE_PROB) & loud)
    carry = (probs >= neg) | seed
    very_loud = db >= max(floor + VOICED_OVER_FLOOR_DB, MIN_SPEECH_DBFS)
    if very_loud.any():
        idx = np.flatnonzero(very_loud)
        spec = np.fft.rfft(win[idx], 2 * WINDOW, axis=1)
        ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)
        voiced = ac[:, _LAGS[0] : _LAGS[1]].max(axis=1) / np.maximum(ac[:, 0], 1e-20) >= VOICING
        carry[idx[voiced]] = True

    # Hysteresis: a region of carrying windows (pauses shorter than min_silence bridged) is speech
    # when Silero confirms it somewhere (a seed); loud voiced windows alone never start speech.
    min_gap = options.min_silence_duration_ms / 1000 * SAMPLE_RATE / WINDOW
    for a, b in _runs(~carry):
        if a > 0 and b < n and b - a < min_gap:
            carry[a:b] = True
    active = np.zeros(n, dtype=bool)
    for a, b in _runs(carry):
        if seed[a:b].any():
            active[a:b] = True

    # Edges to the 10 ms level crossing of the loudness gate.
    hop = SAMPLE_RATE // 100
    m = x.size // hop
    level = 10 * np.log10(np.mean(x[: m * hop].astype(np.float64).reshape(m, hop) ** 2, axis=1) + 1e-12) >= gate
    reach = int(REFINE_S * 100)
    step = WINDOW / SAMPLE_RATE
    pad = options.speech_pad_ms / 1000
    duration = x.size / SAMPLE_RATE
    out: list[Span] = []
    for a, b in _runs(active):
        if (b - a) * step < options.min_speech_duration_ms / 1000:
            continue
        i0, i1 = int(a * step * 100), min(m, int(round(b * step * 100)))
        lo, hi = max(0, i0 - reach), min(m, i1 + reach)
        on = np.flatnonzero(level[lo:hi])
        if on.size:  # move to the crossing only when it is near the Silero edge
            first, last = lo + on[0], lo + on[-1] + 1
            start = first / 100 if first < i1 else a * step
            end = last / 100 if last > i0 else b * step
        else:
            start, end = a * step, b * step
        start, end = max(0.0, start - pad), min(duration, end + pad)
        if out and start <= out[-1].end:
            out[-1] = Span(start=out[-1].start, end=max(end, out[-1].end))
        elif end > start:
            out.append(Span(start=start, end=end))
    return out


def confident_speech(probs: np.ndarray, min_s: float, threshold: float = TELEPHONE_VAD.threshold) -> list[Span]:
    """Runs of at least ``min_s`` of windows Silero itself scores as speech (no rescue, no padding).

    Music alone stays below the threshold (0 % of the windows of every hold track in the demo and
    dev corpora) though the energy/voicing rescue above may take it for speech; a voice over music
    does not. This tells speech over background music from hold music."""
    step = WINDOW / SAMPLE_RATE
    return [Span(start=a * step, end=b * step) for a, b in _runs(probs >= threshold) if (b - a) * step >= min_s]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    m = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))
