"""How well given texts fit a stretch of audio, scored by the Whisper model itself.

faster-whisper times words with CTranslate2's ``Whisper.align``, which forces a text through the
decoder and returns each token's probability. Summed as log-probabilities, that is the model's
log-likelihood of the text given the audio: comparing it across texts for the same audio tells
which wording the audio supports (``qa_engine/verify.py`` uses it to check the opening). The audio
is encoded once; every text reuses the encoder output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

SAMPLE_RATE = 16000
MAX_SECONDS = 29.0  # Whisper's window; longer audio is cut (openings are a few seconds)
PAD_S = 1.0
_FLOOR = 1e-9  # a token the model gives no chance at all still costs a finite amount
# Texts aligned per CTranslate2 call. Beyond about 32 the time per text triples on this 2-core
# machine (98 near work numbers: 6.5 s in one call, 1.7 s in calls of 16; benchmarks/RESULTS.md).
BATCH = 16


class WhisperScorer:
    """``score(audio, texts)``: the log-likelihood of each text given the audio (16 kHz mono)."""

    def __init__(self, model, language: str = "zh") -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self._encoded: tuple[tuple[int, int], object, int] | None = None  # the last audio's encoder output
        self.tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                                   language=language)

    def score(self, audio: np.ndarray, texts: Sequence[str], phrases: Sequence[str] = ()) -> list[float]:
        if not texts:
            return []
        encoded, frames = self._encode(audio)
        tokens = [self.tokenizer.encode(text) for text in texts]
        scores: list[float] = []
        for i in range(0, len(tokens), BATCH):
            chunk = tokens[i : i + BATCH]
            # One encoder output per text: CTranslate2 aligns a batch of (audio, text) pairs.
            results = self.model.model.align(_repeat(encoded, len(chunk)), self.tokenizer.sot_sequence, chunk,
                                             [frames] * len(chunk))
            scores += [sum(math.log(max(p, _FLOOR)) for p in r.text_token_probs) for r in results]
        return scores

    def _encode(self, audio: np.ndarray):
        key = (id(audio), len(audio))  # a check scores the same stretch of audio more than once
        if self._encoded is None or self._encoded[0] != key:
            self._encoded = (key, *self._encode_new(audio))
        return self._encoded[1], self._encoded[2]

    def _encode_new(self, audio: np.ndarray):
        # The encoder reads the audio plus a second of padding, not Whisper's full 30 s (the same
        # saving as the transcription's packed pass: its cost grows with its input).
        from qa_engine.asr.transcribe import encoder_frames  # (imports faster-whisper's pipeline)

        audio = audio[: int(MAX_SECONDS * SAMPLE_RATE)]
        features = self.model.feature_extractor(audio)
        frames = encoder_frames([len(audio) / SAMPLE_RATE], PAD_S, frames_per_second=self.model.frames_per_second)
        features = np.pad(features, ((0, 0), (0, max(0, frames - features.shape[-1]))))[:, :frames]
        return self.model.encode(features), min(frames, self.model.feature_extractor.nb_max_frames)


def _repeat(encoded, n: int):
    import ctranslate2

    if n == 1:
        return encoded
    array = np.asarray(encoded) if encoded.device == "cpu" else np.asarray(encoded.to_device(ctranslate2.Device.cpu))
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(array, n, axis=0)))
