"""Every demo call in audio_samples/ measured against its reference truth (``<name>.ref.json``).

Tolerances: ±0.3 s for the answer time and every hold, dead-air and overlap boundary; ring
counts, hold kinds, interrupters and the hang-up party exact. Overlaps shorter than
``overlap_min_s`` are not reported by design and are left out of the truth before comparing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_engine.analytics import analyze_audio
from qa_engine.analytics.params import DEFAULT_PARAMS
from qa_engine.audio import decode_audio, split_roles
from qa_engine.callrecord import load_call_record
from qa_engine.config import REPO_ROOT, Settings

SAMPLES = REPO_ROOT / "audio_samples"
TOL = 0.3
REFS = sorted(SAMPLES.glob("*.ref.json"))


def _recording(ref: Path) -> Path:
    stem = ref.name[: -len(".ref.json")]
    found = [p for p in SAMPLES.glob(stem + ".*") if p.suffix in {".wav", ".mp3", ".m4a", ".flac", ".ogg"}]
    assert found, f"no recording for {ref.name}"
    return found[0]


def _spans(items, *extra):
    return [(round(i["start"], 2), round(i["end"], 2), *(i[k] for k in extra)) for i in items]


def _match(found, truth, label):
    assert len(found) == len(truth), f"{label}: found {found}, truth {truth}"
    for f, t in zip(found, truth):
        assert abs(f[0] - t[0]) <= TOL and abs(f[1] - t[1]) <= TOL and f[2:] == t[2:], f"{label}: found {found}, truth {truth}"


@pytest.mark.skipif(not REFS, reason="no demo calls in audio_samples/ (run audio_samples/generate.py)")
@pytest.mark.parametrize("ref", REFS, ids=lambda p: p.name.split(".")[0])
def test_demo_call_metrics_match_truth(ref: Path, tmp_path):
    settings = Settings(data_dir=tmp_path)
    truth = json.loads(ref.read_text(encoding="utf-8"))["truth"]
    path = _recording(ref)
    record = load_call_record(path, settings)
    m = analyze_audio(split_roles(decode_audio(path, settings), record.agent_channel, path), record, settings)
    data = m.to_contract()
    assert data["rings"] == truth["rings"]
    assert abs(data["answer_s"] - truth["answer_s"]) <= TOL
    _match(_spans(data["holds"], "kind"), _spans(truth["holds"], "kind"), "holds")
    _match(_spans(data["dead_air"]), _spans(truth["dead_air"]), "dead_air")
    min_overlap = DEFAULT_PARAMS.overlap_min_s
    true_overlaps = [o for o in truth["overlaps"] if o["end"] - o["start"] >= min_overlap]
    _match(_spans(data["overlaps"], "interrupter"), _spans(true_overlaps, "interrupter"), "overlaps")
    assert data["hangup_by"] == truth["hangup_by"]
