"""The whole pipeline on a mono mix of a stereo demo call (real Whisper, embedded diarization).

call04 is a male/male call — two same-gender voices, the hard case for the embedded backend — and
an inbound call with five rings, so ringback is in the mix too. Run with ``-m slow`` (≈1–2 min).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa_engine.config import REPO_ROOT, Settings

pytestmark = pytest.mark.slow

CALL = "call04_ktv_late_answer"
SAMPLES = REPO_ROOT / "audio_samples"
# Rules whose mono outcome may differ from the reference expectation, and why. A mono mix hides
# overlaps: talk.no_interrupt passes a mono call only when the agent always spoke after a pause;
# on call04 the two male voices put an agent start inside the customer's 行，那就订这个 (57.6 s), a
# takeover without a pause, listed (n/a, checked below). call04
# its sidecar carries hangup_by (without it the disconnect tone's channel, lost in the mix, would
# be needed: close.customer_hangs_up_first n/a on call05/09/12). benchmarks/mono_vs_stereo.py
# lists the differences for every demo call.
# The two allowed here depend on how Whisper hears a phrase in the mix, not on who said it (the
# mix carries the other party's line noise, and the ASR decodes the mono signal in other windows):
ALLOWED_DIFFERENCES: dict[str, str] = {
    "open.agent_id": "ASR: the work number 零二七 was heard as 铃尔基 on the mono mix (greeting still the agent's)",
    "close.thanks": "ASR: the closing 感谢您的来电 is not always recognised (it failed on the stereo original "
                    "too with an earlier ASR version)",
}
# Rules decided by who speaks when (speech per role, holds, overlaps, rings, dead air, volume):
# these must match exactly on call04.
DIARIZATION_RULES = ("open.answer_within_3_rings", "hold.notice", "hold.thanks_after", "hold.max_60s", "talk.dead_air",
                     "talk.speech_rate", "talk.volume", "close.customer_hangs_up_first")


def write_mono_mix(call: str, folder, agent_channel: str = "mono"):
    """The demo call's two channels summed into one 8 kHz WAV, its sidecar naming ``agent_channel``."""
    import soundfile as sf

    data, rate = sf.read(SAMPLES / f"{call}.wav", dtype="float32", always_2d=True)
    assert data.shape[1] == 2 and rate == 8000
    sf.write(folder / f"{call}.wav", np.clip(data[:, 0] + data[:, 1], -1, 1), rate, subtype="PCM_16")
    record = json.loads((SAMPLES / f"{call}.json").read_text(encoding="utf-8"))
    record["agent_channel"] = agent_channel
    (folder / f"{call}.json").write_text(json.dumps(record), encoding="utf-8")
    shutil.copy(SAMPLES / f"{call}.ref.json", folder / f"{call}.ref.json")
    return folder / f"{call}.wav"


def analyze_mono(path):
    from qa_engine.pipeline import analyze_call

    # The shared model cache, so the model is assembled once per machine, not per test run.
    settings = Settings(data_dir=REPO_ROOT / "data", rules_dir=REPO_ROOT / "rules", diarization_pipeline=None)
    return analyze_call(path, settings)


@pytest.fixture(scope="module")
def mono_call(tmp_path_factory):
    return write_mono_mix(CALL, tmp_path_factory.mktemp("mono"))


@pytest.fixture(scope="module")
def analysis(mono_call):
    return analyze_mono(mono_call)


@pytest.fixture(scope="module")
def reference():
    return json.loads((SAMPLES / f"{CALL}.ref.json").read_text(encoding="utf-8"))


def test_both_roles_are_present(analysis):
    assert {u.speaker for u in analysis.transcript} == {"agent", "customer"}
    assert analysis.metrics.speech["agent"] and analysis.metrics.speech["customer"]


def test_greeting_is_attributed_to_the_agent(analysis, reference):
    greeting = next(u for u in reference["transcript"] if u["speaker"] == "agent")
    overlapping = [(min(u.end, greeting["end"]) - max(u.start, greeting["start"]), u) for u in analysis.transcript]
    overlap, utterance = max(overlapping, key=lambda pair: pair[0])
    assert overlap > 0.5 * (greeting["end"] - greeting["start"])
    assert utterance.speaker == "agent", utterance
    assert "夜郎" in utterance.text or "酒店" in utterance.text


def test_role_confidence_is_reported(analysis):
    diar = analysis.metrics.diarization
    assert diar is not None and diar["backend"] == "embedded" and len(diar["speakers"]) == 2
    assert diar["agent_label"] in diar["speakers"]
    # The text evidence (brand + work number) is strong, but two male voices close together in
    # speaker space cap the confidence (qa_engine.diarization.confidence): the call says so.
    from qa_engine.diarization.confidence import voice_confidence

    voice = voice_confidence(diar["separation"], diar["method"])
    assert diar["method"] == "ge2e" and diar["separation"] is not None
    assert diar["role_confidence"] == pytest.approx(min(0.99, voice), abs=0.01)
    assert diar["roles_uncertain"] == (diar["role_confidence"] < 0.6)
    assert diar["role_reason"].startswith("inbound:")


def test_rule_outcomes_match_the_stereo_reference(analysis, reference):
    outcomes = {f.rule_id: f.outcome for f in analysis.findings}
    assert outcomes.pop("talk.no_interrupt") == "n/a"
    expected = {k: v for k, v in reference["expected"].items() if k != "talk.no_interrupt"}
    assert set(outcomes) == set(expected)
    differing = {rule for rule in expected if outcomes[rule] != expected[rule]}
    assert differing <= set(ALLOWED_DIFFERENCES), {r: (expected[r], outcomes[r]) for r in differing}
    assert len(expected) - len(differing) >= 15
    assert {r: outcomes[r] for r in DIARIZATION_RULES} == {r: expected[r] for r in DIARIZATION_RULES}
