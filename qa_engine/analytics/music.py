"""Hold music: sustained, tonal, stationary sound that is neither speech nor a call-progress tone.

Music keeps the same spectral peaks from one 20 ms frame to the next (notes last far longer than a
frame), and its spectrum is peaky, not flat like noise. Speech changes its spectrum every few tens of
milliseconds (frame-to-frame similarity ~0.65 on the Mandarin clips against 0.86-1.0 on the Asterisk
hold-music tracks) and band noise is flat (spectral flatness ~0.5 against <0.1 for music).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from qa_engine.analytics.frames import Frames, close_gaps, mask_to_spans, runs, spans_to_mask
from qa_engine.analytics.params import AnalyticsParams
from qa_engine.types import Span

_LAG = 2  # compare frames 40 ms apart
_MAX_FLATNESS = 0.2


def music_spans(frames: Frames, params: AnalyticsParams, exclude: list[Span] = ()) -> list[Span]:
    """Spans of at least ``music_min_s`` that sound like music (``exclude``: tone bursts)."""
    n = len(frames)
    if n <= _LAG:
        return []
    band = (frames.freqs >= 150) & (frames.freqs <= 3800)
    p = frames.power[:, band] + 1e-12
    mag = np.sqrt(p)
    sim = _similarity(mag)
    flatness = np.exp(np.log(p).mean(axis=1)) / p.mean(axis=1)
    loud = frames.db >= params.tone_min_dbfs
    size = max(3, int(round(params.music_window_s / frames.hop_s)) | 1)
    sim_w = median_filter(np.where(loud, sim, 0.0), size=size, mode="nearest")
    flat_w = median_filter(np.where(loud, flatness, 1.0), size=size, mode="nearest")
    mask = (sim_w >= params.music_similarity) & (flat_w <= _MAX_FLATNESS) & loud
    if exclude:
        mask &= ~spans_to_mask(list(exclude), n, frames.hop_s)
    mask = close_gaps(mask, int(params.music_bridge_s / frames.hop_s))
    excluded = spans_to_mask(list(exclude), n, frames.hop_s)
    mask = _extend_while_music(mask, _music_continues(frames, band, params) & ~excluded,
                               min_len=int(round(params.music_min_s / frames.hop_s)))
    mask = _extend_to_sound(mask, frames, params, excluded=excluded)
    return mask_to_spans(mask, frames.hop_s, params.music_min_s)


def _similarity(mag: np.ndarray) -> np.ndarray:
    """Cosine similarity of each frame's spectrum with the one ``_LAG`` frames earlier (0 for the first)."""
    a, b = mag[_LAG:], mag[:-_LAG]
    sim = np.zeros(len(mag), dtype=np.float32)
    sim[_LAG:] = (a * b).sum(axis=1) / np.sqrt(np.maximum((a * a).sum(axis=1) * (b * b).sum(axis=1), 1e-30))
    return sim


def _music_continues(frames: Frames, band: np.ndarray, params: AnalyticsParams) -> np.ndarray:
    """Frames where music's signature, steady spectral peaks, stands above the channel's noise.

    The detector proper needs music well above the noise (its similarity and flatness are taken on
    the raw spectrum, which noise flattens and decorrelates), so a quiet intro or a slow fade-in
    was missed for seconds and counted as dead air. Here the noise spectrum (mean of the quietest
    tenth of frames) is taken off twice over first: what is left of noise is a few random bins
    that change from frame to frame (similarity ~0.15), speech's harmonics glide (~0.6), while
    music's notes keep their peaks (≥ 0.85 from a level equal to the noise's, i.e. 0 dB SNR).
    """
    p = frames.power[:, band]
    floor = frames.noise_floor_db()
    noise = p[frames.db <= floor].mean(axis=0) if np.any(frames.db <= floor) else np.zeros(p.shape[1], np.float32)
    sim = _similarity(np.sqrt(np.maximum(p - 2 * noise, 0.0)))
    size = max(3, int(round(params.music_window_s / frames.hop_s)) | 1)
    steady = median_filter(sim, size=size, mode="nearest") >= params.music_edge_similarity
    audible = median_filter(frames.db, size=size, mode="nearest") >= floor + params.music_edge_over_floor_db
    return steady & audible


def _extend_while_music(mask: np.ndarray, continues: np.ndarray, min_len: int) -> np.ndarray:
    """Grow each detected run of at least ``min_len`` frames outwards over the adjacent frames where
    the music continues. Shorter runs are left as they are: a sustained syllable of synthetic speech
    can look like a note for a second, and must not grow into music over the words around it."""
    out = mask.copy()
    for a, b in runs(mask):
        if b - a < min_len:
            continue
        i, j = a, b
        while i > 0 and continues[i - 1] and not out[i - 1]:
            i -= 1
        while j < len(mask) and continues[j] and not out[j]:
            j += 1
        out[i:j] = True
    return out


def _extend_to_sound(mask: np.ndarray, frames: Frames, params: AnalyticsParams, excluded: np.ndarray) -> np.ndarray:
    """Move each run's edges outwards over still-audible frames (fades, and the half window the
    median filter loses at an edge), at most ``music_window_s / 2``: a hold then spans the music
    from its first to its last audible sample."""
    audible = (frames.db > frames.noise_floor_db() + params.silence_over_floor_db) & ~excluded
    reach = int(round(params.music_window_s / 2 / frames.hop_s))
    out = mask.copy()
    for a, b in runs(mask):
        i = a
        while i > max(0, a - reach) and audible[i - 1] and not mask[i - 1]:
            i -= 1
        j = b
        while j < min(len(mask), b + reach) and audible[j] and not mask[j]:
            j += 1
        out[i:j] = True
    return out
