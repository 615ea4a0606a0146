"""Optional backend: a pyannote.audio speaker-diarization pipeline loaded from a local folder.

Nothing is downloaded: ``Settings.diarization_pipeline`` (``QA_DIARIZATION_PIPELINE``) names a
pipeline directory holding ``config.yaml`` (or the file itself) whose checkpoints are local paths.
See docs/DIARIZATION.md. torch is imported only here, only when this backend is used.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa_engine.config import Settings
from qa_engine.diarization.types import Diarization, Turn

SAMPLE_RATE = 16000
INSTALL_HINT = "pip install '.[pyannote]'"


class PyannoteUnavailable(RuntimeError):
    """The pyannote extra is not installed or its pipeline cannot be loaded."""


def _config_path(path: Path) -> Path:
    config = path / "config.yaml" if path.is_dir() else path
    if not config.is_file():
        raise PyannoteUnavailable(f"{path}: no pyannote pipeline here (expected a directory with config.yaml, or the file)")
    return config


@lru_cache(maxsize=2)
def load_pipeline(path: Path) -> Any:
    """Load a pyannote pipeline from a local directory or config.yaml, once per process."""
    config = _config_path(Path(path))
    # pyannote.audio 4 sends usage metrics unless told not to; it reads this variable when it is
    # imported, so it is set here, before the import, the one place the project touches it.
    os.environ["PYANNOTE_METRICS_ENABLED"] = "0"
    try:
        from pyannote.audio import Pipeline
    except ImportError as exc:
        raise PyannoteUnavailable(f"pyannote.audio is not installed ({exc.name or exc}); install the extra: {INSTALL_HINT}") from exc
    try:
        from pyannote.audio.telemetry import set_telemetry_metrics

        set_telemetry_metrics(False)
    except ImportError:  # pyannote.audio 3.x has no telemetry
        pass
    pipeline = Pipeline.from_pretrained(config)
    if pipeline is None:
        raise PyannoteUnavailable(f"{config}: pyannote could not build a pipeline from this config")
    return pipeline


def _waveform(samples16k: np.ndarray) -> Any:
    try:
        import torch
    except ImportError as exc:
        raise PyannoteUnavailable(f"torch is not installed; install the extra: {INSTALL_HINT}") from exc
    return torch.from_numpy(np.ascontiguousarray(samples16k, dtype=np.float32).reshape(1, -1))


def annotation_to_turns(annotation: Any) -> list[Turn]:
    """Turns from a pyannote ``Annotation`` (or anything with ``itertracks(yield_label=True)``)."""
    # pyannote.audio 4 returns a DiarizeOutput whose .speaker_diarization is the Annotation.
    annotation = getattr(annotation, "speaker_diarization", annotation)
    turns = [Turn(start=float(seg.start), end=float(seg.end), speaker=str(label))
             for seg, _track, label in annotation.itertracks(yield_label=True)]
    return sorted(turns, key=lambda t: (t.start, t.end))


def diarize(samples16k: np.ndarray, settings: Settings, *, pipeline: Any = None, num_speakers: int = 2) -> Diarization:
    """Diarize a 16 kHz mono signal with pyannote (``pipeline`` injected, or loaded from settings)."""
    if pipeline is None:
        if settings.diarization_pipeline is None:
            raise PyannoteUnavailable("no pyannote pipeline configured (set QA_DIARIZATION_PIPELINE)")
        pipeline = load_pipeline(Path(settings.diarization_pipeline))
        audio = {"waveform": _waveform(samples16k), "sample_rate": SAMPLE_RATE}
    else:
        audio = {"waveform": _try_waveform(samples16k), "sample_rate": SAMPLE_RATE}
    output = pipeline(audio, num_speakers=num_speakers)
    return Diarization(turns=annotation_to_turns(output), backend="pyannote")


def _try_waveform(samples16k: np.ndarray) -> Any:
    # An injected pipeline (tests, or a caller's own model) may live without torch: hand it numpy then.
    try:
        return _waveform(samples16k)
    except PyannoteUnavailable:
        return np.ascontiguousarray(samples16k, dtype=np.float32).reshape(1, -1)
