"""The rules on the demo calls' REFERENCE transcripts and truth metrics (independent of ASR).

Every ``audio_samples/<name>.ref.json`` carries the script as spoken ("transcript"), the metrics as
placed in the audio ("truth") and the expected outcome of all 18 rules ("expected"); the call record
is the sidecar ``<name>.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_engine.callrecord import local_start, parse_call_record
from qa_engine.config import REPO_ROOT
from qa_engine.rules import CallContext, evaluate, score_call
from qa_engine.types import CallMetrics, SpeakerMetrics, Utterance

SAMPLES = REPO_ROOT / "audio_samples"
REFS = sorted(SAMPLES.glob("*.ref.json"))


def reference_context(ref_path: Path) -> CallContext:
    """CallContext from a reference file and its sidecar (truth metrics, not measured ones)."""
    ref = json.loads(ref_path.read_text(encoding="utf-8"))
    sidecar = ref_path.with_name(ref_path.name.replace(".ref.json", ".json"))
    record = parse_call_record(json.loads(sidecar.read_text(encoding="utf-8")), sidecar)
    truth = ref["truth"]
    metrics = CallMetrics(
        duration_s=truth["duration_s"],
        rings=truth.get("rings"),
        ring_source="audio" if truth.get("rings") is not None else "none",
        answer_s=truth.get("answer_s"),
        holds=truth.get("holds", []),
        dead_air=truth.get("dead_air", []),
        overlaps=truth.get("overlaps", []),
        hangup_by=truth.get("hangup_by"),
        hangup_source="audio" if truth.get("hangup_by") else "unknown",
        speech=truth.get("speech", {}),
        agent=SpeakerMetrics(speech_rate_cpm=truth.get("agent_speech_rate_cpm"), level_dbfs=truth.get("agent_level_dbfs")),
    )
    transcript = [Utterance(speaker=u["speaker"], start=u["start"], end=u["end"], text=u["text"]) for u in ref["transcript"]]
    return CallContext(transcript, metrics, record, local_start(record, "Asia/Shanghai"))


def _expected(ref_path: Path) -> dict[str, str]:
    return json.loads(ref_path.read_text(encoding="utf-8"))["expected"]


@pytest.mark.skipif(not REFS, reason="no audio_samples/*.ref.json yet (run audio_samples/generate.py)")
@pytest.mark.parametrize("ref_path", REFS, ids=[p.name.replace(".ref.json", "") for p in REFS])
def test_reference_outcomes(ruleset, ref_path):
    findings = evaluate(ruleset, reference_context(ref_path))
    expected = _expected(ref_path)
    got = {f.rule_id: f.outcome for f in findings}
    assert set(expected) <= set(got), f"rules missing: {set(expected) - set(got)}"
    wrong = {r: (got[r], expected[r], next(f.message for f in findings if f.rule_id == r))
             for r in expected if got[r] != expected[r]}
    assert not wrong, wrong


@pytest.mark.skipif(not REFS, reason="no audio_samples/*.ref.json yet (run audio_samples/generate.py)")
@pytest.mark.parametrize("ref_path", REFS, ids=[p.name.replace(".ref.json", "") for p in REFS])
def test_reference_scores(ruleset, ref_path):
    findings = evaluate(ruleset, reference_context(ref_path))
    score = score_call(ruleset, findings)
    expected = _expected(ref_path)
    if expected.get("talk.banned_phrases") == "fail":
        assert score.total == 0.0
    elif "fail" not in expected.values():
        assert score.total == 100.0
    else:
        assert 0.0 < score.total < 100.0
