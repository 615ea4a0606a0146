"""Short-time spectra shared by the tone, music and silence detectors (computed once per signal)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa_engine.types import Span

N_FFT = 512  # 32 ms at 16 kHz: 31.25 Hz bins, enough to separate speech from narrow-band tones
HOP = 320  # 20 ms frames
BAND = (150.0, 3800.0)  # the telephone band the ratios are taken over


@dataclass
class Frames:
    """Power spectra of one signal: ``power`` is (frames, bins); ``db`` each frame's level in dBFS."""

    sample_rate: int
    power: np.ndarray
    db: np.ndarray
    band_energy: np.ndarray
    freqs: np.ndarray

    @property
    def hop_s(self) -> float:
        return HOP / self.sample_rate

    def __len__(self) -> int:
        return self.db.shape[0]

    def time(self, index: int | np.ndarray) -> float | np.ndarray:
        """Start time in seconds of the hop that frame ``index`` stands for."""
        return index * self.hop_s

    def index(self, seconds: float) -> int:
        return int(np.clip(round(seconds / self.hop_s), 0, len(self)))

    def band_ratio(self, freqs_hz: tuple[float, ...], half_width_hz: float = 45.0) -> np.ndarray:
        """Share of each frame's telephone-band energy within ``half_width_hz`` of the given frequencies."""
        mask = np.zeros(self.freqs.shape, dtype=bool)
        for f in freqs_hz:
            mask |= np.abs(self.freqs - f) <= half_width_hz
        return self.power[:, mask].sum(axis=1) / np.maximum(self.band_energy, 1e-20)

    def noise_floor_db(self) -> float:
        """The level of the quietest tenth of frames (background noise or digital silence)."""
        return float(np.percentile(self.db, 10)) if len(self) else -120.0


def compute_frames(samples: np.ndarray, sample_rate: int = 16000) -> Frames:
    """Frame ``samples`` (1-D float32) into 20 ms hops with a 32 ms Hann window."""
    x = np.asarray(samples, dtype=np.float32)
    n = int(np.ceil(x.size / HOP))
    # Center each analysis window on its hop so frame i describes [i*hop, (i+1)*hop) best.
    x = np.pad(x, ((N_FFT - HOP) // 2, N_FFT))
    view = np.lib.stride_tricks.as_strided(x, shape=(n, N_FFT), strides=(x.strides[0] * HOP, x.strides[0]), writeable=False)
    window = np.hanning(N_FFT).astype(np.float32)
    power = np.abs(np.fft.rfft(view * window, axis=1)).astype(np.float32) ** 2
    freqs = np.fft.rfftfreq(N_FFT, 1 / sample_rate)
    in_band = (freqs >= BAND[0]) & (freqs <= BAND[1])
    band_energy = power[:, in_band].sum(axis=1)
    # Parseval with the Hann window's energy: frame power back to mean-square sample level.
    ms = power.sum(axis=1) * 2 / (N_FFT * float(np.sum(window**2)))
    db = 10 * np.log10(np.maximum(ms, 1e-12))
    return Frames(sample_rate=sample_rate, power=power, db=db.astype(np.float32), band_energy=band_energy, freqs=freqs)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges [start, end) where ``mask`` is true."""
    m = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def close_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """Fill false runs of at most ``max_gap`` frames that lie between true frames."""
    out = np.asarray(mask, dtype=bool).copy()
    for a, b in runs(~out):
        if a > 0 and b < out.size and b - a <= max_gap:
            out[a:b] = True
    return out


def mask_to_spans(mask: np.ndarray, hop_s: float, min_s: float = 0.0) -> list[Span]:
    return [Span(start=a * hop_s, end=b * hop_s) for a, b in runs(mask) if (b - a) * hop_s >= min_s]


def spans_to_mask(spans: list[Span], n: int, hop_s: float) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for s in spans:
        mask[int(round(s.start / hop_s)) : int(round(s.end / hop_s))] = True
    return mask
