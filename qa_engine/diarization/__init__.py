"""Speaker diarization and role assignment for mono recordings.

Typical use by the pipeline (``agent_channel == "mono"``)::

    diar = diarize(mono16k, settings)                 # pyannote if configured, else embedded
    roles = assign_roles(diar, segments, record)      # which label is the agent, confidence, reason
    utterances = assign_speakers(segments, diar, roles)
    speech = role_speech_spans(diar, roles)           # {"agent": [Span], "customer": [Span]}

or all at once: ``diarize_call(mono16k, segments, record, settings) -> MonoResult``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from qa_engine.config import Settings
from qa_engine.diarization import embedded, pyannote_backend
from qa_engine.diarization.embedded import EmbeddedOptions, refine_with_segments
from qa_engine.diarization.metrics import DerResult, diarization_error_rate
from qa_engine.diarization.pyannote_backend import PyannoteUnavailable
from qa_engine.diarization.roles import RoleOptions, assign_roles, assign_speakers, greeting_span, role_speech_spans
from qa_engine.diarization.types import Diarization, MonoResult, RoleAssignment, SegmentLike, Turn
from qa_engine.types import Span

__all__ = [
    "DerResult", "Diarization", "EmbeddedOptions", "MonoResult", "PyannoteUnavailable", "RoleAssignment",
    "RoleOptions", "Turn", "assign_roles", "assign_speakers", "diarization_error_rate", "diarize",
    "diarize_call", "diarization_info", "refine_with_segments", "role_speech_spans", "without_spans",
]


def diarize(samples16k: np.ndarray, settings: Settings, *, pipeline: Any = None,
            exclude: Sequence[Span] | None = None, method: str | None = None,
            anchor: Span | None = None) -> Diarization:
    """Two-speaker diarization of a 16 kHz mono signal.

    pyannote when a pipeline is injected or ``settings.diarization_pipeline`` is set (errors are
    raised, not hidden: a configured backend that cannot load is an operator error); otherwise the
    embedded backend, which needs no extra weights.

    ``exclude``: spans known not to be speech (ringback, disconnect tone, hold music — the pipeline's
    ASR exclusions). No turn is kept inside them. When None, the embedded backend detects tones and
    music itself; pyannote's turns are kept as they are. ``method`` overrides
    ``settings.diarization_embedding`` for the embedded backend (ge2e | mfcc). ``anchor``: a
    stretch one person spoke (``greeting_span`` of the transcript), kept in one voice by ge2e.
    """
    if pipeline is not None or settings.diarization_pipeline is not None:
        diar = pyannote_backend.diarize(samples16k, settings, pipeline=pipeline)
        return without_spans(diar, exclude) if exclude else diar
    return embedded.diarize(samples16k, settings, exclude=exclude, method=method, anchor=anchor)


def without_spans(diarization: Diarization, exclude: Sequence[Span]) -> Diarization:
    """The diarization with every turn cut out of the ``exclude`` spans."""
    cut = [(s.start, s.end) for s in exclude]
    turns = [Turn(start=a, end=b, speaker=t.speaker) for t in diarization.turns
             for a, b in embedded._subtract(t.start, t.end, cut) if b - a >= 0.05]
    return diarization.model_copy(update={"turns": turns})


def diarization_info(diarization: Diarization, roles: RoleAssignment, der: float | None = None,
                     review_below: float = 0.6) -> dict:
    """The ``CallMetrics.diarization`` dict. ``roles_uncertain``: the role confidence is below
    ``review_below`` (``settings.diarization_review_below``); the review queue and the call page
    then ask a human to check who is who before trusting the verdicts."""
    return {
        "method": diarization.method,
        "separation": diarization.separation,
        "roles_uncertain": roles.confidence < review_below,
        "backend": diarization.backend,
        "speakers": diarization.speakers,
        "turns": len(diarization.turns),
        "agent_label": roles.agent_label,
        "role_confidence": roles.confidence,
        "role_reason": roles.reason,
        "speech_s": {label: round(diarization.speech_s(label), 2) for label in diarization.speakers},
        "der": der,
    }


def diarize_call(samples16k: np.ndarray, segments: Sequence[SegmentLike], record: object, settings: Settings,
                 *, pipeline: Any = None, exclude: Sequence[Span] | None = None) -> MonoResult:
    """Diarize a mono call, snap turns to the transcript, decide roles, label the utterances.

    ``exclude``: non-speech spans (tones, hold music) already found by the caller; see ``diarize``.
    """
    diar = diarize(samples16k, settings, pipeline=pipeline, exclude=exclude, anchor=greeting_span(segments))
    if diar.backend == embedded.BACKEND:
        diar = refine_with_segments(diar, segments)
    roles = assign_roles(diar, segments, record)
    return MonoResult(utterances=assign_speakers(segments, diar, roles), speech=role_speech_spans(diar, roles),
                      info=diarization_info(diar, roles, review_below=settings.diarization_review_below),
                      diarization=diar, roles=roles)
