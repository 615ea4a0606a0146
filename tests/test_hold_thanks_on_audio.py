"""The thanks after a hold checked on the audio, through the real Whisper model.

call01's agent says 王先生，感谢您的耐心等待 after the hold music: with that turn's text garbled the
way Whisper base garbles such openings of a turn (在心里的等待 was heard for 程女士，感谢您的等待 on a
dev call), the audio still supports the thanks. call07's agent goes straight back to business after
the hold: asked the same question, the audio does not support any thanks, so the rule still fails.
"""

from __future__ import annotations

import pytest

from qa_engine.audio import decode_audio, split_roles
from qa_engine.callrecord import load_call_record, local_start
from qa_engine.config import REPO_ROOT
from qa_engine.pipeline import analyze_call
from qa_engine.rules import CallContext, evaluate, load_ruleset
from qa_engine.verify import call_verifier

pytestmark = pytest.mark.slow
SAMPLES = REPO_ROOT / "audio_samples"


def thanks_after_hold(call: str, real_settings, real_model, garble: tuple[str, str] | None = None):
    """``hold.thanks_after`` judged with the audio verifier, the first agent turn after the hold
    rewritten by ``garble`` (heard text, what to put instead) when given."""
    path = SAMPLES / call
    analysis = analyze_call(path, real_settings, model=real_model)
    hold = analysis.metrics.holds[0]
    transcript = list(analysis.transcript)
    if garble:
        i = next(i for i, u in enumerate(transcript) if u.speaker == "agent" and u.start >= hold.end - 0.5)
        assert garble[0] in transcript[i].text, transcript[i].text
        transcript[i] = transcript[i].model_copy(update={"text": transcript[i].text.replace(*garble), "words": []})
    record = load_call_record(path, real_settings)
    roles = split_roles(decode_audio(path, real_settings), record.agent_channel, path)
    ctx = CallContext(transcript=transcript, metrics=analysis.metrics, record=record,
                      local_start=local_start(record, real_settings.timezone), verifier=call_verifier(real_model, roles, real_settings))
    return next(f for f in evaluate(load_ruleset(real_settings.rules_dir), ctx) if f.rule_id == "hold.thanks_after")


def test_a_garbled_thanks_after_the_hold_passes_on_the_audio(real_settings, real_model):
    finding = thanks_after_hold("call01_booking_vip_compliant.wav", real_settings, real_model, garble=("感谢您的耐心等待", "在心里的耐性等在"))
    assert finding.outcome == "pass", finding.message
    assert "音频核对" in finding.message
    check = next(e.audio_check for e in finding.evidence if e.audio_check)
    assert check.verified and check.part == "hold_thanks"


def test_no_thanks_after_the_hold_still_fails_with_the_audio_asked(real_settings, real_model):
    finding = thanks_after_hold("call07_conference_unannounced_hold.wav", real_settings, real_model)
    assert finding.outcome == "fail", finding.message
    check = next(e.audio_check for e in finding.evidence if e.audio_check)
    assert not check.verified
