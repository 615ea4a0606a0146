"""The numpy GE2E encoder equals Resemblyzer's torch one, and its embeddings tell voices apart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa_engine.diarization import voice_encoder

from .conftest import voice

REFERENCE = Path(__file__).with_name("ge2e_reference.json")


def _reference_signal() -> np.ndarray:
    return voice(3.0, 200.0, (800, 1500, 2800), seed=11)


def test_numpy_encoder_matches_the_stored_resemblyzer_embedding():
    # Computed once with resemblyzer 0.1.4 + torch (see the file's "source"); no torch needed here.
    ref = np.array(json.loads(REFERENCE.read_text(encoding="utf-8"))["embedding"], dtype=np.float32)
    got = voice_encoder.embed_utterance(_reference_signal())
    assert np.abs(got - ref).max() < 1e-4


def _torch_embed_utterance(wav: np.ndarray) -> np.ndarray:
    """Resemblyzer's ``VoiceEncoder.embed_utterance`` (the package when installed, else its network in torch)."""
    torch = pytest.importorskip("torch")
    try:
        from resemblyzer import VoiceEncoder

        return VoiceEncoder("cpu", verbose=False).embed_utterance(wav)
    except ImportError:
        pass
    w = {k: torch.from_numpy(v) for k, v in voice_encoder._weights().items()}
    lstm = torch.nn.LSTM(40, 256, 3, batch_first=True)
    lstm.load_state_dict({k[len("lstm_"):]: v for k, v in w.items() if k.startswith("lstm_")})
    slices = voice_encoder.partial_slices(len(wav))
    wav = np.pad(wav, (0, max(0, slices[-1].stop * voice_encoder.HOP - len(wav))))
    mel = voice_encoder.mel_frames(wav)
    with torch.no_grad():
        _, (hidden, _) = lstm(torch.from_numpy(np.stack([mel[s] for s in slices])))
        raw = torch.relu(hidden[-1] @ w["linear_weight"].T + w["linear_bias"])
        partials = (raw / torch.norm(raw, dim=1, keepdim=True)).numpy()
    mean = partials.mean(axis=0)
    return mean / np.linalg.norm(mean)


def test_numpy_encoder_equals_torch_within_1e_4():
    wav = np.concatenate([_reference_signal(), voice(2.2, 130.0, (650, 1100, 2400), seed=3)])
    assert np.abs(voice_encoder.embed_utterance(wav) - _torch_embed_utterance(wav)).max() < 1e-4


def test_batched_windows_equal_one_at_a_time():
    mel = voice_encoder.mel_frames(_reference_signal())
    batch = voice_encoder.embed_mels(np.stack([mel[0:160], mel[100:260]]))
    single = np.vstack([voice_encoder.embed_mels(mel[None, 0:160]), voice_encoder.embed_mels(mel[None, 100:260])])
    assert np.abs(batch - single).max() < 1e-5


def test_embeddings_are_unit_length_and_separate_two_voices():
    a1, a2 = (voice_encoder.embed_utterance(voice(2.5, 120.0, (700, 1200, 2500), seed=s)) for s in (1, 2))
    b1 = voice_encoder.embed_utterance(voice(2.5, 230.0, (850, 1900, 3000), seed=1))
    assert np.linalg.norm(a1) == pytest.approx(1.0, abs=1e-5)
    assert a1 @ a2 > a1 @ b1
