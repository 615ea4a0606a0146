"""Call-progress tones: ringback before the answer and busy/disconnect tone after a hang-up.

A frame is tonal when nearly all its telephone-band energy sits in a narrow band around the tone's
frequencies; runs of tonal frames are bursts. Each burst's frequencies are then measured with a
1-2 Hz resolution FFT of the whole burst (which tells 450 Hz from 440+480 Hz), and its length and
the gaps between bursts are matched against the cadences in ``AnalyticsParams.tones``.
"""

from __future__ import annotations

import math

import numpy as np

from qa_engine.analytics.frames import Frames, close_gaps, runs
from qa_engine.analytics.params import AnalyticsParams, ToneSpec
from qa_engine.types import Span, ToneBurst

MIN_BURST_S = 0.2


def detect_tones(samples: np.ndarray, frames: Frames, channel: str, params: AnalyticsParams) -> tuple[list[ToneBurst], list[ToneBurst]]:
    """Ringback bursts and disconnect-tone bursts on one channel, in time order."""
    bursts = _bursts(samples, frames, params)
    ringback: list[ToneBurst] = []
    disconnect: list[ToneBurst] = []
    for spec in {s for _, _, specs in bursts for s in specs if s.kind == "disconnect"}:
        disconnect.extend(_cadenced(bursts, spec, channel, params))
    taken = {(round(b.start, 3)) for b in disconnect}
    for span, freq, specs in bursts:
        if round(span.start, 3) in taken:
            continue
        for spec in specs:
            # A ring may be cut short by the answer or by the start of the recording, never lengthened.
            if spec.kind == "ringback" and span.duration <= spec.on_s * (1 + params.tone_on_tolerance):
                if span.duration >= min(0.3, spec.on_s):
                    ringback.append(ToneBurst(start=span.start, end=span.end, channel=channel, freq_hz=freq))
                break
    return ringback, sorted(disconnect, key=lambda b: b.start)


def _bursts(samples: np.ndarray, frames: Frames, params: AnalyticsParams) -> list[tuple[Span, float, list[ToneSpec]]]:
    """Tonal runs with their measured main frequency and the tone specs whose frequencies match."""
    if not len(frames):
        return []
    tonal = np.zeros(len(frames), dtype=bool)
    for freqs in {spec.freqs_hz for spec in params.tones}:
        tonal |= frames.band_ratio(freqs) >= params.tone_band_ratio
    tonal &= frames.db >= params.tone_min_dbfs
    tonal = close_gaps(tonal, 2)
    hop, sr = frames.hop_s, frames.sample_rate
    out = []
    for a, b in runs(tonal):
        if (b - a) * hop < MIN_BURST_S:
            continue
        span = Span(start=a * hop, end=min(b * hop, samples.size / sr))
        specs, freq = _matching_specs(samples[int(span.start * sr) : int(span.end * sr)], sr, params)
        if specs:
            out.append((span, freq, specs))
    return out


def _matching_specs(seg: np.ndarray, sr: int, params: AnalyticsParams) -> tuple[list[ToneSpec], float]:
    trim = int(0.04 * sr)
    if seg.size > 4 * trim:
        seg = seg[trim:-trim]
    n = max(seg.size, sr)  # zero-pad to at least 1 Hz bins
    power = np.abs(np.fft.rfft(seg * np.hanning(seg.size), n=n)) ** 2
    freqs = np.fft.rfftfreq(n, 1 / sr)
    band = power[(freqs >= 150) & (freqs <= 3800)].sum() + 1e-20
    tol = params.tone_freq_tolerance_hz
    matches: list[tuple[float, ToneSpec]] = []
    for spec in params.tones:
        shares = [power[np.abs(freqs - f) <= tol].sum() / band for f in spec.freqs_hz]
        # Every component present, and together they carry the burst's energy.
        if min(shares) >= 0.5 / (len(shares) + 1) and sum(shares) >= params.tone_band_ratio:
            matches.append((sum(shares), spec))
    if not matches:
        return [], 0.0
    best = max(share for share, _ in matches)
    specs = [spec for share, spec in matches if share >= best - 0.05]
    in_band = (freqs >= 150) & (freqs <= 3800)
    main = float(freqs[in_band][np.argmax(power[in_band])])
    return specs, main


def _cadenced(bursts: list[tuple[Span, float, list[ToneSpec]]], spec: ToneSpec, channel: str, params: AnalyticsParams) -> list[ToneBurst]:
    """Bursts that repeat with the spec's on/off cadence, in groups of at least ``disconnect_min_bursts``."""
    tol = params.tone_on_tolerance
    fits = [
        (span, freq)
        for span, freq, specs in bursts
        if spec in specs and abs(span.duration - spec.on_s) <= tol * spec.on_s + 0.06
    ]
    groups: list[list[tuple[Span, float]]] = []
    for span, freq in fits:
        if groups:
            gap = span.start - groups[-1][-1][0].end
            if abs(gap - spec.off_s) <= tol * spec.off_s + 0.06:
                groups[-1].append((span, freq))
                continue
        groups.append([(span, freq)])
    return [
        ToneBurst(start=span.start, end=span.end, channel=channel, freq_hz=freq)
        for group in groups
        if len(group) >= params.disconnect_min_bursts
        for span, freq in group
    ]


def count_rings(ringback: list[ToneBurst], answer_s: float | None) -> int:
    """Ringback bursts that started before the answer (all of them when nobody answered)."""
    limit = math.inf if answer_s is None else answer_s
    return sum(1 for burst in ringback if burst.start < limit)


def rings_from_call_record(ring_seconds: float, params: AnalyticsParams) -> int:
    """Rings implied by the call record's ringing time: a started ring cycle counts as a ring."""
    return int(math.ceil(round(ring_seconds / params.ring_cycle_s, 6)))
