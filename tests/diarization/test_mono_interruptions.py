"""Interruptions on mono recordings, through the whole pipeline (real Whisper, embedded diarization).

A mono mix hides double talk, so ``talk.no_interrupt`` cannot fail a mono call; what it can see is
whether the agent waited for a pause. call05's agent cuts in on the customer for 2.0 s (23.0–25.0 s
on the stereo original): on its mono mix the rule must not pass, and must point a human at that
moment. call01's agent always answers after a pause: its mono mix passes, as the stereo call does.
Run with ``-m slow`` (about 1 min).
"""

from __future__ import annotations

import pytest

from tests.diarization.test_mono_pipeline import analyze_mono, write_mono_mix

pytestmark = pytest.mark.slow


def _no_interrupt(call: str, folder, agent_channel: str = "mono"):
    analysis = analyze_mono(write_mono_mix(call, folder, agent_channel))
    assert analysis.call_record["agent_channel"] == "mono"  # what the recording is, whatever the sidecar said
    return next(f for f in analysis.findings if f.rule_id == "talk.no_interrupt")


@pytest.mark.parametrize("sidecar", ["mono", "left"])  # a one-channel file whose record names a channel
def test_an_interruption_on_a_mono_mix_is_listed_for_a_human_not_passed(tmp_path, sidecar):
    finding = _no_interrupt("call05_noise_complaint_taboo_interrupt", tmp_path, sidecar)
    assert finding.outcome == "n/a", finding.message
    assert "单声道无法确认" in finding.message
    assert any(e.speaker == "agent" and 22.5 <= e.start <= 25.0 for e in finding.evidence), finding.evidence


def test_a_mono_call_where_the_agent_always_waits_for_a_pause_passes(tmp_path):
    finding = _no_interrupt("call01_booking_vip_compliant", tmp_path)
    assert finding.outcome == "pass", finding.message
