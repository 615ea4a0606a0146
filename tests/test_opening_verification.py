"""The opening checked on the audio, through the real Whisper model on a demo call whose work
number the transcript garbles (108 heard as 饮08): the audio supports 108, and does not support
the numbers of other agents, so a wrong record still fails."""

from __future__ import annotations

import pytest

from qa_engine.audio import decode_audio, split_roles
from qa_engine.callrecord import load_call_record, local_start
from qa_engine.config import REPO_ROOT
from qa_engine.pipeline import analyze_call
from qa_engine.rules import CallContext, evaluate, load_ruleset
from qa_engine.verify import call_verifier

pytestmark = pytest.mark.slow
CALL = REPO_ROOT / "audio_samples" / "call09_satisfaction_outbound_name_first.mp3"


@pytest.fixture(scope="module")
def analysis(real_settings, real_model):
    return analyze_call(CALL, real_settings, model=real_model)


def agent_id_finding(analysis, real_settings, real_model, verifier: bool, **record_changes):
    record = load_call_record(CALL, real_settings).model_copy(update=record_changes)
    roles = split_roles(decode_audio(CALL, real_settings), record.agent_channel, CALL)
    ctx = CallContext(transcript=analysis.transcript, metrics=analysis.metrics, record=record,
                      local_start=local_start(record, real_settings.timezone),
                      verifier=call_verifier(real_model, roles, real_settings) if verifier else None)
    return next(f for f in evaluate(load_ruleset(real_settings.rules_dir), ctx) if f.rule_id == "open.agent_id")


def test_a_garbled_work_number_passes_on_the_audio_with_both_scores(analysis, real_settings, real_model):
    finding = next(f for f in analysis.findings if f.rule_id == "open.agent_id")
    text_only = agent_id_finding(analysis, real_settings, real_model, verifier=False)
    assert text_only.outcome == "fail"  # the transcript alone fails a compliant agent
    assert finding.outcome == "pass" and "音频核对" in finding.message
    check = finding.evidence[0].audio_check
    assert check.verified and check.part == "work_number" and check.heard != "108"
    assert check.expected_score >= check.rival_score - check.margin


@pytest.mark.parametrize("other", ["101", "118", "583"])
def test_the_same_audio_fails_a_record_naming_another_agent(analysis, real_settings, real_model, other):
    finding = agent_id_finding(analysis, real_settings, real_model, verifier=True, agent_id=other)
    assert finding.outcome == "fail"
    check = finding.evidence[0].audio_check
    assert check is not None and not check.verified


def test_scores_do_not_depend_on_how_many_texts_are_aligned_at_once(real_settings, real_model, monkeypatch):
    # The scorer aligns texts in calls of align.BATCH (98 near numbers in one call took 4x as long);
    # each text's score must be what it is when aligned alone or all together.
    import qa_engine.asr.align as align

    record = load_call_record(CALL, real_settings)
    audio = split_roles(decode_audio(CALL, real_settings), record.agent_channel, CALL).agent[16000 * 2: 16000 * 8]
    texts = [f"下午好，夜郎印象连锁酒店，我是{a}{b}八号" for a in "一二三四五" for b in "零一二三四"][:20]
    scorer = align.WhisperScorer(real_model)
    chunked = scorer.score(audio, texts)
    monkeypatch.setattr(align, "BATCH", len(texts))
    together = scorer.score(audio, texts)
    monkeypatch.setattr(align, "BATCH", 1)
    alone = scorer.score(audio, texts)
    assert len(chunked) == len(texts) == 20
    assert chunked == pytest.approx(together, abs=1e-3) and chunked == pytest.approx(alone, abs=1e-3)
