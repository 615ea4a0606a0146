"""GE2E speaker encoder (Resemblyzer's pretrained voice encoder) run in numpy.

A 3-layer LSTM over 40-channel mel power spectra (25 ms windows, 10 ms hop, 16 kHz); the last layer's
final hidden state goes through a linear layer and a ReLU and is L2-normalised into a 256-d
embedding. Two stretches of the same voice have a cosine similarity near 1 whatever is said, which
MFCC statistics of 1.5 s cannot give (they follow the words as much as the voice).

Weights: ``weights/voice_encoder_ge2e.npz``, converted once from Resemblyzer 0.1.4's
``pretrained.pt`` by ``scripts/convert_voice_encoder.py`` (see ``weights/README.md`` for licence and
provenance). ``embed_utterance`` matches ``resemblyzer.VoiceEncoder.embed_utterance`` (tested to 1e-4).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import librosa
import numpy as np

SAMPLE_RATE = 16000
HOP = 160  # 10 ms mel frames
PARTIAL_FRAMES = 160  # 1.6 s: the partial-utterance length the encoder was trained on
WEIGHTS = Path(__file__).resolve().parent / "weights" / "voice_encoder_ge2e.npz"
LAYERS = 3


@lru_cache(maxsize=1)
def _weights() -> dict[str, np.ndarray]:
    with np.load(WEIGHTS) as data:
        return {k: data[k].astype(np.float32) for k in data.files}


def mel_frames(wav: np.ndarray) -> np.ndarray:
    """(n_frames, 40) mel power spectrogram, as Resemblyzer's ``wav_to_mel_spectrogram``."""
    mel = librosa.feature.melspectrogram(y=np.asarray(wav, dtype=np.float32), sr=SAMPLE_RATE, n_fft=400,
                                         hop_length=HOP, n_mels=40)
    return mel.astype(np.float32).T


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free form of 1 / (1 + e^-x)


def embed_mels(mels: np.ndarray) -> np.ndarray:
    """Embeddings (batch, 256) of a batch of mel windows (batch, frames, 40), all of one length."""
    w = _weights()
    x = np.asarray(mels, dtype=np.float32)
    batch, steps, _ = x.shape
    for layer in range(LAYERS):
        w_ih, w_hh = w[f"lstm_weight_ih_l{layer}"], w[f"lstm_weight_hh_l{layer}"]
        bias = w[f"lstm_bias_ih_l{layer}"] + w[f"lstm_bias_hh_l{layer}"]
        # The input projection of every step at once; only the recurrence is sequential.
        gates_in = x @ w_ih.T + bias  # (batch, steps, 4 * hidden), torch gate order i, f, g, o
        hidden = w_hh.shape[1]
        h = np.zeros((batch, hidden), np.float32)
        c = np.zeros((batch, hidden), np.float32)
        outputs = np.empty((batch, steps, hidden), np.float32) if layer < LAYERS - 1 else None
        w_hh_t = np.ascontiguousarray(w_hh.T)
        for t in range(steps):
            g = gates_in[:, t] + h @ w_hh_t
            i, f = _sigmoid(g[:, :hidden]), _sigmoid(g[:, hidden : 2 * hidden])
            cand, o = np.tanh(g[:, 2 * hidden : 3 * hidden]), _sigmoid(g[:, 3 * hidden :])
            c = f * c + i * cand
            h = o * np.tanh(c)
            if outputs is not None:
                outputs[:, t] = h
        if outputs is not None:
            x = outputs
    raw = np.maximum(h @ w["linear_weight"].T + w["linear_bias"], 0.0)
    return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)


def partial_slices(n_samples: int, rate: float = 1.3, min_coverage: float = 0.75) -> list[slice]:
    """Mel-frame slices of the partial utterances, as Resemblyzer's ``compute_partial_slices``."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    frame_step = int(np.round((SAMPLE_RATE / rate) / HOP))
    slices = [slice(i, i + PARTIAL_FRAMES) for i in range(0, max(1, n_frames - PARTIAL_FRAMES + frame_step + 1), frame_step)]
    last = slices[-1]
    coverage = (n_samples - last.start * HOP) / ((last.stop - last.start) * HOP)
    if coverage < min_coverage and len(slices) > 1:
        slices = slices[:-1]
    return slices


def embed_utterance(wav: np.ndarray, rate: float = 1.3, min_coverage: float = 0.75) -> np.ndarray:
    """One 256-d embedding of a whole utterance: the normalised mean of its 1.6 s partials."""
    slices = partial_slices(len(wav), rate, min_coverage)
    need = slices[-1].stop * HOP
    wav = np.asarray(wav, dtype=np.float32)
    if need >= len(wav):
        wav = np.pad(wav, (0, need - len(wav)))
    mel = mel_frames(wav)
    partials = embed_mels(np.stack([mel[s] for s in slices]))
    mean = partials.mean(axis=0)
    return mean / np.linalg.norm(mean)
