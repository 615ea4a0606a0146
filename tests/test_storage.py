"""Storage: idempotent writes, failures that never touch stored calls, kept re-analyses."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Analysis, Call, FindingRow, MetricsRow, UtteranceRow
from qa_engine.storage.repository import ConflictError, store_analysis, store_failure, store_findings
from qa_engine.storage.schema import init_db
from qa_engine.types import CallAnalysis, CallMetrics, Evidence, Finding, Hold, Score, Utterance


def make_analysis(call_id="C0001", digest="a" * 64, version="2026.11.1", outcome="pass") -> CallAnalysis:
    return CallAnalysis(
        call_id=call_id, source_path=f"/calls/{call_id}.wav", content_hash=digest, duration_s=60.0,
        call_record={"call_id": call_id, "direction": "inbound", "agent_id": "108", "agent_channel": "left",
                     "customer_number": "13900001234", "started_at": "2026-11-20T09:15:00+08:00"},
        transcript=[Utterance(speaker="agent", start=6.1, end=9.8, text="早上好，夜郎印象连锁酒店，我是108号。"),
                    Utterance(speaker="customer", start=10.2, end=12.0, text="你好，我想订房。")],
        metrics=CallMetrics(duration_s=60.0, rings=2, holds=[Hold(start=20, end=35, kind="music")]),
        findings=[Finding(rule_id="open.agent_id", outcome=outcome, message="报工号",
                          evidence=[Evidence(speaker="agent", start=6.1, end=9.8, text="我是108号")])],
        score=Score(total=90.0 if outcome == "pass" else 40.0, ruleset_version=version),
    )


@pytest.fixture
def db(settings):
    init_db(settings)
    return settings


def count(settings, model) -> int:
    with session_scope(settings) as s:
        return len(s.exec(select(model)).all())


def test_storing_the_same_recording_twice_keeps_one_copy(db):
    for _ in range(2):
        with session_scope(db) as s:
            store_analysis(s, analysis=make_analysis(), local_date=date(2026, 11, 20))
    assert count(db, Call) == 1 and count(db, UtteranceRow) == 2 and count(db, MetricsRow) == 1
    assert count(db, FindingRow) == 1


def test_stored_call_has_headline_metrics_and_score(db):
    with session_scope(db) as s:
        store_analysis(s, analysis=make_analysis(), local_date=date(2026, 11, 20))
    with session_scope(db) as s:
        call = s.exec(select(Call)).one()
        metrics = s.get(MetricsRow, call.id)
    assert call.score == 90.0 and call.agent_id == "108" and call.local_date == date(2026, 11, 20)
    assert metrics.hold_count == 1 and metrics.hold_total_s == 15.0 and metrics.rings == 2


def test_failure_of_a_new_file_does_not_change_an_analysed_call(db):
    with session_scope(db) as s:
        store_analysis(s, analysis=make_analysis(), local_date=None)
    with session_scope(db) as s:
        store_failure(s, path="/calls/C0001.wav", content_hash="a" * 64, record=None, error="boom")
        store_failure(s, path="/calls/bad.wav", content_hash="b" * 64, record=None, error="bad.wav: empty file")
    with session_scope(db) as s:
        calls = {c.content_hash[0]: c for c in s.exec(select(Call)).all()}
    assert calls["a"].status == "analysed" and calls["a"].error is None
    assert calls["b"].status == "failed" and "empty file" in calls["b"].error


def test_a_write_that_fails_midway_leaves_nothing(db):
    with pytest.raises(RuntimeError):
        with session_scope(db) as s:
            store_analysis(s, analysis=make_analysis(), local_date=None)
            raise RuntimeError("crash after the rows were added")
    assert count(db, Call) == 0 and count(db, UtteranceRow) == 0


def test_same_call_id_from_a_different_recording_is_refused(db):
    with session_scope(db) as s:
        store_analysis(s, analysis=make_analysis(), local_date=None)
    with pytest.raises(ConflictError, match="C0001"):
        with session_scope(db) as s:
            store_analysis(s, analysis=make_analysis(digest="c" * 64), local_date=None)
    assert count(db, Call) == 1


def test_reanalysis_with_a_newer_ruleset_keeps_the_old_result(db):
    with session_scope(db) as s:
        call = store_analysis(s, analysis=make_analysis(), local_date=None)
    with session_scope(db) as s:
        call = s.get(Call, call.id)
        store_findings(s, call=call, analysis=make_analysis(version="2026.12.1", outcome="fail"))
    with session_scope(db) as s:
        versions = {a.ruleset_version: a.score for a in s.exec(select(Analysis)).all()}
        call = s.exec(select(Call)).one()
    assert versions == {"2026.11.1": 90.0, "2026.12.1": 40.0}
    assert call.score == 40.0


def test_schema_upgrade_is_repeatable(db):
    init_db(db)
    assert count(db, Call) == 0
