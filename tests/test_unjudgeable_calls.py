"""Recordings without a conversation (noise, silence, a tone, ringback nobody answered) and
recordings cut off while written: real audio through the real pipeline and model.

A supervisor must never see such a file as a perfect call: no score, a status saying why, rules
that presuppose an answered call n/a (a missed call fails the ring rule), a truncated file marked.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import butter, sosfilt

from qa_engine.config import REPO_ROOT, Settings
from qa_engine.pipeline import analyze_call

pytestmark = pytest.mark.slow

SR = 8000
ANSWERED_CALL_RULES = ("talk.dead_air", "talk.no_interrupt", "talk.speech_rate", "talk.volume", "close.thanks",
                       "close.anything_else", "open.greeting_time_of_day")


def record(path, direction="inbound"):
    path.with_suffix(".json").write_text(json.dumps({
        "call_id": path.stem, "direction": direction, "agent_id": "108", "agent_channel": "left",
        "customer_number": "13900001234", "started_at": "2026-11-20T09:15:00+08:00"}), encoding="utf-8")


def line_noise(seconds, dbfs, seed=0):
    x = np.random.default_rng(seed).standard_normal((int(seconds * SR), 2))
    x = sosfilt(butter(6, [300, 3400], btype="band", fs=SR, output="sos"), x, axis=0)
    return x / np.sqrt(np.mean(x ** 2)) * 10 ** (dbfs / 20)


def tone(seconds, freq, rate=SR, level=0.3):
    t = np.arange(int(seconds * rate)) / rate
    y = level * np.sin(2 * np.pi * freq * t)
    return np.stack([y, y], axis=1)


def endless_ringback(seconds):
    """China ringback (450 Hz, 1 s on / 4 s off) on the agent's channel until the recording ends."""
    t = np.arange(int(seconds * SR)) / SR
    ring = 0.2 * np.sin(2 * np.pi * 450 * t) * ((t % 5.0) < 1.0)
    return np.stack([ring, np.zeros_like(ring)], axis=1) + line_noise(seconds, -60)


@pytest.fixture(scope="module")
def settings():
    # The shared model cache, so the model is assembled once per machine, not per test run.
    return Settings(data_dir=REPO_ROOT / "data", rules_dir=REPO_ROOT / "rules", diarization_pipeline=None)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("unjudgeable")
    cases = {"noise": (line_noise(120, -30), SR), "silence": (line_noise(60, -65), SR),
             "tone": (tone(60, 1000), SR), "tone192k": (tone(30, 1000, rate=192000), 192000),
             "ringback": (endless_ringback(42), SR)}
    for name, (data, rate) in cases.items():
        sf.write(d / f"{name}.wav", data.astype(np.float32), rate, subtype="PCM_16")
        record(d / f"{name}.wav")
    return d


@pytest.mark.parametrize("name", ["noise", "silence", "tone", "tone192k"])
def test_a_recording_without_agent_speech_gets_no_score_and_says_why(files, settings, name):
    a = analyze_call(files / f"{name}.wav", settings)
    assert a.scoring == "no_agent_speech" and a.score.total is None and "没有座席讲话" in a.scoring_reason
    outcomes = {f.rule_id: f for f in a.findings}
    for rule in (*ANSWERED_CALL_RULES, "open.answer_within_3_rings"):
        assert outcomes[rule].outcome == "n/a" and "没有座席讲话" in outcomes[rule].message
    contract = a.to_contract()
    assert contract["score"] is None and contract["status"] == "no_agent_speech"


def test_ringback_that_never_ends_in_an_answer_is_a_missed_call(files, settings):
    a = analyze_call(files / "ringback.wav", settings)
    assert a.scoring == "unanswered" and a.score.total is None
    rings = {f.rule_id: f for f in a.findings}["open.answer_within_3_rings"]
    assert rings.outcome == "fail" and "9 声" in rings.message and len(rings.evidence) == 9
    assert all({f.rule_id: f for f in a.findings}[r].outcome == "n/a" for r in ANSWERED_CALL_RULES)


def test_a_demo_call_cut_off_half_way_is_analysed_on_what_is_there_and_marked(tmp_path, settings):
    source = REPO_ROOT / "audio_samples" / "call01_booking_vip_compliant.wav"
    cut = tmp_path / "call01_cut.wav"
    cut.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    sidecar = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
    cut.with_suffix(".json").write_text(json.dumps({**sidecar, "call_id": "C0001-cut"}), encoding="utf-8")
    a = analyze_call(cut, settings)
    assert a.metrics.truncated and round(a.metrics.declared_duration_s) == 107 and 50 < a.duration_s < 56
    assert a.scoring == "scored" and a.score.total is not None and a.transcript
    assert a.to_contract()["truncated"] is True


def test_the_cli_prints_a_null_score_with_exit_status_0(files):
    out = subprocess.run([sys.executable, "-m", "qa_engine", "analyze", str(files / "noise.wav"), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["score"] is None and data["status"] == "no_agent_speech" and data["status_reason"]
