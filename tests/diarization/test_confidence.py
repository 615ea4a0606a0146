"""Role confidence: the weaker of the text evidence and the voice separation (calibrated)."""

from __future__ import annotations

import pytest

from qa_engine.diarization import Diarization, Turn, assign_roles, diarization_info
from qa_engine.diarization.confidence import combined, voice_confidence


class _Seg:
    def __init__(self, start, end, text):
        self.start, self.end, self.text, self.words = start, end, text, []


def _diar(separation, method="ge2e"):
    turns = [Turn(start=0.0, end=4.0, speaker="SPEAKER_00"), Turn(start=4.5, end=7.0, speaker="SPEAKER_01")]
    return Diarization(turns=turns, backend="embedded", method=method, separation=separation)


SEGMENTS = [_Seg(0.0, 4.0, "您好，夜郎印象连锁酒店，我是108号，请问有什么可以帮您？"), _Seg(4.5, 7.0, "我想订一间房。")]


def test_voice_confidence_is_calibrated_at_the_review_threshold():
    assert voice_confidence(0.12, "ge2e") == pytest.approx(0.6, abs=1e-6)
    # Every dev mix whose voices were mixed up had separation <= 0.10: all well below 0.6.
    assert voice_confidence(0.10, "ge2e") < 0.4
    assert voice_confidence(0.30, "ge2e") > 0.95
    assert voice_confidence(None, "pyannote") is None and voice_confidence(None, "mfcc") == 0.5


def test_clear_voices_keep_the_text_confidence():
    roles = assign_roles(_diar(0.3), SEGMENTS, direction="inbound")
    assert roles.agent_label == "SPEAKER_00" and roles.confidence >= 0.95
    assert not diarization_info(_diar(0.3), roles)["roles_uncertain"]


def test_close_voices_make_the_roles_uncertain_whatever_the_text_says():
    roles = assign_roles(_diar(0.05), SEGMENTS, direction="inbound")
    assert roles.agent_label == "SPEAKER_00"  # the text still picks the label
    assert roles.confidence < 0.6 and "barely separable" in roles.reason
    info = diarization_info(_diar(0.05), roles)
    assert info["roles_uncertain"] and info["separation"] == 0.05 and info["method"] == "ge2e"


def test_combined_never_exceeds_either_side():
    assert combined(0.99, 0.05, "ge2e") == voice_confidence(0.05, "ge2e")
    assert combined(0.5, 0.3, "ge2e") == 0.5
    assert combined(0.8, None, "pyannote") == 0.8
