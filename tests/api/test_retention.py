"""Retention (QA_RETENTION_DAYS): recordings and transcripts of old calls deleted, audited; calls on
legal hold kept; the call row, scores and verdicts kept."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from qa_engine import retention
from qa_engine.cli import app
from qa_engine.config import get_settings
from qa_engine.storage.app_models import AuditLog
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Call, FindingRow, UtteranceRow

TODAY = date(2026, 11, 26)  # with 5 days: C1–C3 (2026-11-20) are due, C4 (2026-11-21) is not


@pytest.fixture
def recordings(db, tmp_path):
    """Each call with a recording and a call-record sidecar of its own (the template's audio is shared)."""
    with session_scope(db) as session:
        for call in session.exec(select(Call)):
            path = tmp_path / "rec" / f"{call.call_id}.wav"
            path.parent.mkdir(exist_ok=True)
            shutil.copy(call.source_path, path)
            path.with_suffix(".json").write_text("{}", encoding="utf-8")
            call.source_path = str(path)
            session.add(call)
    return db


def _state(settings) -> dict:
    with session_scope(settings) as session:
        calls = {c.call_id: c for c in session.exec(select(Call))}
        return {cid: {"file": Path(c.source_path).exists(), "sidecar": Path(c.source_path).with_suffix(".json").exists(),
                      "utterances": len(session.exec(select(UtteranceRow).where(UtteranceRow.call_pk == c.id)).all()),
                      "quotes": sum("text" in e for f in session.exec(select(FindingRow).where(FindingRow.call_pk == c.id))
                                    for e in f.evidence),
                      "score": c.score, "purged": c.purged_at is not None} for cid, c in calls.items()}


def _apply(settings, dry_run=False) -> retention.RetentionReport:
    with session_scope(settings) as session:
        return retention.apply(session, days=5, today=TODAY, dry_run=dry_run)


def _purge_audits(settings) -> list[str]:
    with session_scope(settings) as session:
        return [a.entity_id for a in session.exec(select(AuditLog).where(AuditLog.action == "call.purge"))]


def test_dry_run_lists_the_calls_due_and_changes_nothing(recordings):
    before = _state(recordings)
    report = _apply(recordings, dry_run=True)
    assert report.purged == ["C1", "C2", "C3"] and len(report.files) == 6
    assert _state(recordings) == before and _purge_audits(recordings) == []


def test_apply_deletes_recordings_and_transcripts_and_keeps_the_call_and_its_review(client, login, recordings):
    h = login("inspector")
    finding = next(f for f in client.get("/api/calls/C1", headers=h).json()["findings"] if f["evidence"])
    assert client.post(f"/api/calls/C1/findings/{finding['id']}/verdict", headers=h,
                       json={"verdict": "confirmed"}).status_code == 200
    before = _state(recordings)
    _apply(recordings)
    after = _state(recordings)
    for cid in ("C1", "C2", "C3"):
        assert after[cid] == before[cid] | {"file": False, "sidecar": False, "utterances": 0, "quotes": 0, "purged": True}
    assert after["C4"] == before["C4"] and before["C4"]["utterances"] > 0
    assert sorted(_purge_audits(recordings)) == ["C1", "C2", "C3"]
    d = client.get("/api/calls/C1", headers=h).json()
    assert d["transcript"] == [] and d["call"]["purged_at"] and d["call"]["score"] == before["C1"]["score"]
    kept = next(f for f in d["findings"] if f["id"] == finding["id"])
    assert kept["verdict"]["verdict"] == "confirmed"
    assert kept["evidence"][0]["start"] == finding["evidence"][0]["start"] and "text" not in kept["evidence"][0]
    assert client.get("/api/calls/C1/audio", headers=h).status_code == 404
    assert _apply(recordings).purged == []  # done once


def test_a_call_on_legal_hold_is_kept_until_released(client, login, recordings):
    h = login("inspector")
    r = client.put("/api/calls/C1/legal-hold", headers=h, json={"hold": True, "reason": "投诉仲裁"})
    assert r.status_code == 200 and r.json() == {"call_id": "C1", "legal_hold": True}
    assert client.get("/api/calls/C1", headers=login("agent108")).json()["call"]["legal_hold"] is True
    report = _apply(recordings)
    assert report.held == ["C1"] and report.purged == ["C2", "C3"]
    assert _state(recordings)["C1"]["file"] and _state(recordings)["C1"]["utterances"]
    assert client.put("/api/calls/C1/legal-hold", headers=login("supervisor"), json={"hold": False}).status_code == 200
    assert _apply(recordings).purged == ["C1"]
    actions = [(a["action"], a["username"]) for a in client.get("/api/calls/C1/audit", headers=h).json()]
    assert ("call.legal_hold", "inspector") in actions and ("call.legal_hold_clear", "supervisor") in actions
    assert ("call.purge", retention.ACTOR) in actions


@pytest.mark.parametrize("role", ["agent108", "trainer"])
def test_agents_and_trainers_cannot_set_a_legal_hold(client, login, role):
    r = client.put("/api/calls/C1/legal-hold", headers=login(role), json={"hold": True})
    assert r.status_code == 403


def test_cli_without_a_retention_setting_keeps_everything(recordings, monkeypatch):
    monkeypatch.setenv("QA_DATA_DIR", str(recordings.data_dir))
    monkeypatch.delenv("QA_RETENTION_DAYS", raising=False)
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["retention", "apply"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0 and "kept forever" in out.output
    assert not any(s["purged"] for s in _state(recordings).values())


def _stamp_head(settings) -> None:
    """The test schema comes from the models (create_all): tell Alembic it is current."""
    from alembic import command

    from qa_engine.storage.db import get_engine
    from qa_engine.storage.schema import alembic_config

    cfg = alembic_config(settings)
    with get_engine(settings).begin() as connection:
        cfg.attributes["connection"] = connection
        command.stamp(cfg, "head")


def test_cli_dry_run_then_apply(recordings, monkeypatch):
    _stamp_head(recordings)
    monkeypatch.setenv("QA_DATA_DIR", str(recordings.data_dir))
    monkeypatch.setenv("QA_RETENTION_DAYS", "3")  # everything of November 2026 is older than that
    get_settings.cache_clear()
    try:
        dry = CliRunner().invoke(app, ["retention", "apply", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "would purge 4" in dry.output and not any(s["purged"] for s in _state(recordings).values())
        done = CliRunner().invoke(app, ["retention", "apply"])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 0 and "purged 4" in done.output
    assert all(s["purged"] and not s["file"] for s in _state(recordings).values())


def test_a_call_put_on_legal_hold_during_a_run_is_not_purged(recordings, monkeypatch):
    """The hold is committed by another session after the run read the due calls, before it deletes."""
    files_of = retention._recording_files

    def hold_c1_meanwhile(call):
        if call.call_id == "C1":
            with session_scope(recordings) as other:
                row = other.exec(select(Call).where(Call.call_id == "C1")).one()
                retention.set_legal_hold(other, call=row, hold=True, username="inspector", reason="仲裁")
        return files_of(call)

    monkeypatch.setattr(retention, "_recording_files", hold_c1_meanwhile)
    report = _apply(recordings)
    assert report.held == ["C1"] and report.purged == ["C2", "C3"]
    state = _state(recordings)["C1"]
    assert state["file"] and state["sidecar"] and state["utterances"] and not state["purged"]
    assert sorted(_purge_audits(recordings)) == ["C2", "C3"]
