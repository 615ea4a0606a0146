"""The whole analysis of one call, end to end, with only the speech recogniser stood in.

A stereo 8 kHz WAV with real Mandarin speech (tests/analytics/synth.py) where each party talks and
silence between is decoded, measured, transcribed by a scripted model that "hears" each stretch of
speech (tests/asr/fakes.py), and judged by the real rule set (rules/) against a call-record
sidecar. The opening's audio check (qa_engine/verify.py) is off by itself: it needs a real
faster-whisper model to score texts, and ``call_verifier`` gives None for any other model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly
from typer.testing import CliRunner

from qa_engine.config import REPO_ROOT, Settings, get_settings
from qa_engine.pipeline import analyze_call
from qa_engine.types import CallAnalysis
from tests.analytics.synth import Call
from tests.asr.fakes import ScriptedModel

# Who talks when (start, seconds), and what they say: a compliant inbound booking at 09:15.
TURNS = [("agent", 1.0, 6.0, "早上好夜郎印象连锁酒店我是108号请问有什么可以帮您"),
         ("customer", 8.0, 3.0, "你好我想订明天的大床房"),
         ("agent", 12.0, 5.0, "好的已经为您订好了请问还有其他可以帮您的吗"),
         ("customer", 18.0, 1.5, "没有了谢谢"),
         ("agent", 20.5, 3.0, "感谢您的来电再见")]
# The same call, but the agent says work number 105 (the call record says 108).
WRONG_NUMBER = [TURNS[0][:3] + (TURNS[0][3].replace("108", "105"),), *TURNS[1:]]
OPENING = ("open.greeting_time_of_day", "open.brand_name", "open.agent_id", "open.offer_help")
RECORD = {"call_id": "C0001", "direction": "inbound", "agent_id": "108", "agent_channel": "left",
          "customer_number": "13900001234", "started_at": "2026-11-20T09:15:00+08:00", "hangup_by": "customer"}
# STANDARDS.md: findings hold one entry for every rule in the catalog.
CATALOG = {"open.answer_within_3_rings", "open.greeting_time_of_day", "open.brand_name", "open.agent_id",
           "open.offer_help", "outbound.no_name_first", "hold.notice", "hold.thanks_after", "hold.max_60s",
           "transfer.consent", "talk.dead_air", "talk.no_interrupt", "talk.speech_rate", "talk.volume",
           "talk.banned_phrases", "close.anything_else", "close.thanks", "close.customer_hangs_up_first"}
TOL = 0.3  # seconds: how far a turn's time may be from where the speech was placed


@pytest.fixture(scope="module")
def call_wav(tmp_path_factory) -> Path:
    """The recording (agent left, customer right, 8 kHz PCM) with its call-record sidecar."""
    call = Call(25.0)
    for speaker, start, seconds, _text in TURNS:
        call.say(speaker, start, seconds)
    stereo = resample_poly(np.stack([call.channels["agent"], call.channels["customer"]], axis=1), 1, 2, axis=0)
    path = tmp_path_factory.mktemp("calls") / "C0001.wav"
    sf.write(path, stereo, 8000, subtype="PCM_16")
    path.with_suffix(".json").write_text(json.dumps(RECORD), encoding="utf-8")
    return path


def _settings(tmp: Path) -> Settings:
    return Settings(data_dir=tmp / "data", rules_dir=REPO_ROOT / "rules", database_url=None)


def _model(turns) -> ScriptedModel:
    """The model that hears ``turns``: the agent's texts on the first channel it is given, then the customer's."""
    return ScriptedModel([[text for who, _, _, text in turns if who == speaker] for speaker in ("agent", "customer")])


def _analyze(path: Path, tmp: Path, turns) -> CallAnalysis:
    model = _model(turns)
    analysis = analyze_call(path, _settings(tmp), model=model)
    assert len(model.calls) == 2  # one pass per channel: every stretch of speech got its words
    return analysis


@pytest.fixture(scope="module")
def compliant(call_wav, tmp_path_factory) -> CallAnalysis:
    return _analyze(call_wav, tmp_path_factory.mktemp("compliant"), TURNS)


@pytest.fixture(scope="module")
def wrong_number(call_wav, tmp_path_factory) -> CallAnalysis:
    return _analyze(call_wav, tmp_path_factory.mktemp("wrong"), WRONG_NUMBER)


def _outcomes(analysis: CallAnalysis) -> dict[str, str]:
    return {f.rule_id: f.outcome for f in analysis.findings}


def test_a_compliant_opening_passes_greeting_brand_and_work_number(compliant):
    outcomes = _outcomes(compliant)
    assert set(outcomes) == CATALOG
    assert {r: outcomes[r] for r in OPENING} == dict.fromkeys(OPENING, "pass")
    assert outcomes["close.anything_else"] == outcomes["close.thanks"] == outcomes["close.customer_hangs_up_first"] == "pass"
    assert compliant.scoring == "scored"


def test_a_wrong_work_number_fails_with_the_agents_words_at_the_time_said(wrong_number):
    finding = next(f for f in wrong_number.findings if f.rule_id == "open.agent_id")
    assert finding.outcome == "fail" and "105" in finding.message
    evidence = finding.evidence[0]
    assert evidence.speaker == "agent" and "105" in evidence.text
    assert TURNS[0][1] - TOL <= evidence.start and evidence.end <= TURNS[0][1] + TURNS[0][2] + TOL
    # The rest of the opening is still right.
    assert _outcomes(wrong_number)["open.brand_name"] == _outcomes(wrong_number)["open.greeting_time_of_day"] == "pass"


def test_the_transcript_is_the_parties_turns_in_time_order(compliant):
    assert [u.speaker for u in compliant.transcript] == [speaker for speaker, *_ in TURNS]
    for u, (_, start, seconds, text) in zip(compliant.transcript, TURNS):
        assert abs(u.start - start) <= TOL and abs(u.end - (start + seconds)) <= TOL, u
        assert u.text.rstrip("。？") == text
    assert [u.start for u in compliant.transcript] == sorted(u.start for u in compliant.transcript)


def test_the_score_is_the_weighted_share_of_passed_rules_per_section_and_in_total(compliant, wrong_number):
    assert compliant.score.total == 100.0 and set(compliant.score.sections.values()) == {100.0}
    applicable = [f for f in wrong_number.findings if f.outcome != "n/a"]
    assert [f.rule_id for f in applicable if f.outcome == "fail"] == ["open.agent_id"]  # a major rule, not a critical one

    def share(findings) -> float:
        return round(100 * sum(f.weight for f in findings if f.outcome == "pass") / sum(f.weight for f in findings), 1)

    sections = {f.section for f in applicable}
    assert wrong_number.score.sections == {s: share([f for f in applicable if f.section == s]) for s in sections}
    assert wrong_number.score.total == share(applicable) and 0 < wrong_number.score.total < 100


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """``qa-engine`` through typer's CliRunner, the scripted model in place of the real one."""
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    monkeypatch.delenv("QA_RULES_DIR", raising=False)
    get_settings.cache_clear()
    monkeypatch.setattr("qa_engine.pipeline.load_model", lambda _s: _model(TURNS))
    from qa_engine.cli import app

    runner = CliRunner()
    yield lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    get_settings.cache_clear()


def test_analyze_json_prints_the_contracts_keys(cli, call_wav, tmp_path):
    shutil.copy(call_wav, tmp_path / "call.wav")
    shutil.copy(call_wav.with_suffix(".json"), tmp_path / "call.json")
    out = cli("analyze", tmp_path / "call.wav", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout[out.stdout.index("{"):])
    assert {"call_id", "duration_s", "score", "transcript", "metrics", "findings", "status"} <= set(data)
    assert data["call_id"] == "C0001" and data["duration_s"] == pytest.approx(25.0, abs=0.05)
    assert isinstance(data["score"], float) and data["status"] == "scored"
    turn = data["transcript"][0]
    assert turn["speaker"] == "agent" and {"start", "end", "text", "words"} <= set(turn) and "108" in turn["text"]
    metrics = data["metrics"]
    assert {"rings", "answer_s", "holds", "dead_air", "overlaps", "speech_rate_cpm", "level_dbfs"} <= set(metrics)
    assert set(metrics["speech_rate_cpm"]) == set(metrics["level_dbfs"]) == {"agent", "customer"}
    assert {f["rule_id"] for f in data["findings"]} == CATALOG
    for f in data["findings"]:
        assert {"rule_id", "outcome", "message", "evidence"} <= set(f) and f["outcome"] in ("pass", "fail", "n/a")
        assert all({"speaker", "start", "end", "text"} <= set(e) for e in f["evidence"])
        assert f["outcome"] != "fail" or f["evidence"], f  # every fail carries evidence
