"""Ingest: a folder in, analysed calls stored; re-runs are safe and bad files never harm stored ones.

These run the real pipeline (real Whisper base model) on short generated recordings.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from sqlmodel import select

from qa_engine.ingest import find_recordings, ingest_files
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Call, FindingRow, MetricsRow
from qa_engine.storage.schema import init_db

SR = 8000


def ringback_then_quiet(seed: int, seconds: float = 14.0) -> np.ndarray:
    """Stereo: China ringback on the agent (left) channel for 6 s, then near-silence."""
    t = np.arange(int(seconds * SR)) / SR
    ring = 0.2 * np.sin(2 * np.pi * 450 * t) * (((t % 5.0) < 1.0) & (t < 6.0))
    noise = np.random.default_rng(seed).normal(0, 0.0005, (len(t), 2))
    return (np.stack([ring, np.zeros_like(ring)], axis=1) + noise).astype(np.float32)


def write_call(folder, name, record: dict | None, subtype="PCM_16"):
    path = folder / f"{name}.wav"
    sf.write(path, ringback_then_quiet(seed=len(list(folder.iterdir()))), SR, subtype=subtype)
    if record is not None:
        (folder / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    return path


def record(call_id: str) -> dict:
    return {"call_id": call_id, "direction": "inbound", "agent_id": "108", "agent_channel": "left",
            "customer_number": "13900001234", "started_at": "2026-11-20T09:15:00+08:00", "hangup_by": "customer"}


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "calls"
    d.mkdir()
    write_call(d, "good", record("G1"))
    write_call(d, "mulaw", record("G2"), subtype="ULAW")
    (d / "notaudio.wav").write_text("this is not a recording", encoding="utf-8")
    write_call(d, "badrecord", {"call_id": "B1", "direction": "sideways", "agent_channel": "left"})
    return d


def stored(settings) -> dict[str, Call]:
    with session_scope(settings) as s:
        return {c.call_id: c for c in s.exec(select(Call)).all()}


def test_ingest_stores_good_calls_and_reports_each_bad_file(folder, settings):
    init_db(settings)
    summary = ingest_files(find_recordings(folder), settings)
    assert len(summary.analysed) == 2
    reasons = dict(summary.failed)
    assert any("notaudio.wav" in r for r in reasons.values())
    assert any("badrecord.json" in r and "direction" in r for r in reasons.values())
    calls = stored(settings)
    assert calls["G1"].status == calls["G2"].status == "analysed"
    failed = [c for c in calls.values() if c.status == "failed"]
    assert len(failed) == 2 and all(c.error for c in failed)


def test_analysed_call_has_findings_for_every_rule_and_metrics(folder, settings):
    init_db(settings)
    ingest_files(find_recordings(folder), settings)
    with session_scope(settings) as s:
        call = s.exec(select(Call).where(Call.call_id == "G1")).one()
        rules = {f.rule_id for f in s.exec(select(FindingRow).where(FindingRow.call_pk == call.id))}
        metrics = s.get(MetricsRow, call.id)
    assert "open.answer_within_3_rings" in rules and len(rules) >= 18
    assert metrics.rings == 2


def test_rerunning_an_ingest_skips_stored_calls_and_changes_nothing(folder, settings):
    init_db(settings)
    ingest_files(find_recordings(folder), settings)
    before = {k: (c.id, c.updated_at, c.status) for k, c in stored(settings).items()}
    again = ingest_files(find_recordings(folder), settings)
    assert len(again.skipped) == 2 and not again.analysed
    after = {k: (c.id, c.updated_at, c.status) for k, c in stored(settings).items()}
    assert {k: v for k, v in after.items() if v[2] == "analysed"} == {k: v for k, v in before.items() if v[2] == "analysed"}
    assert len(after) == len(before)


def test_a_bad_file_claiming_a_stored_call_id_leaves_the_stored_call_intact(folder, settings, tmp_path):
    init_db(settings)
    ingest_files(find_recordings(folder), settings)
    other = tmp_path / "other"
    other.mkdir()
    (other / "broken.wav").write_bytes(b"RIFF\x00\x00")
    (other / "broken.json").write_text(json.dumps(record("G1")), encoding="utf-8")
    summary = ingest_files(find_recordings(other), settings)
    assert summary.failed and "broken.wav" in summary.failed[0][1]
    calls = stored(settings)
    assert calls["G1"].status == "analysed" and calls["G1"].source_path.endswith("good.wav")


def test_cli_analyze_json_prints_the_contract(folder):
    out = subprocess.run([sys.executable, "-m", "qa_engine", "analyze", str(folder / "good.wav"), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["call_id"] == "G1" and data["metrics"]["rings"] == 2
    assert {"answer_s", "holds", "dead_air", "overlaps", "speech_rate_cpm", "level_dbfs"} <= set(data["metrics"])
    assert len(data["findings"]) >= 18 and data["transcript"] == []


def test_cli_analyze_unreadable_file_fails_with_one_line_naming_it(folder):
    out = subprocess.run([sys.executable, "-m", "qa_engine", "analyze", str(folder / "notaudio.wav")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "notaudio.wav" in lines[0]


def test_the_same_audio_under_another_name_is_recognised_as_stored(folder, settings, tmp_path):
    init_db(settings)
    ingest_files([folder / "good.wav"], settings)
    copy = tmp_path / "copy_of_good.wav"
    copy.write_bytes((folder / "good.wav").read_bytes())
    summary = ingest_files([copy], settings)
    assert summary.skipped == [str(copy)] and len(stored(settings)) == 1


def test_an_unexpected_error_on_one_file_is_stored_as_its_failure_and_the_batch_goes_on(folder, settings, monkeypatch):
    import qa_engine.ingest as ingest_mod

    real = ingest_mod.analyze_call

    def flaky(path, *args, **kwargs):
        if path.name == "good.wav":
            raise RuntimeError("decoder bug")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ingest_mod, "analyze_call", flaky)
    init_db(settings)
    summary = ingest_files(find_recordings(folder), settings)
    assert [p for p in summary.analysed if p.endswith("mulaw.wav")]
    reason = dict(summary.failed)[str(folder / "good.wav")]
    assert "good.wav" in reason and "RuntimeError: decoder bug" in reason
    calls = stored(settings)
    assert calls["G2"].status == "analysed" and calls["G1"].status == "failed" and "decoder bug" in calls["G1"].error
